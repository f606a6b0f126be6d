// Preferences shared by every page: language and elderly mode (remembered in localStorage),
// the static texts marked data-i18n, and the two header switches. Loading it renders the shared
// header and footer (chrome.js) first, so every page script finds them in place.
import { renderChrome } from './chrome.js';
import { LANGS, STRINGS, t } from './i18n.js';

renderChrome();

const STORE_LANG = 'portal.lang';
const STORE_ELDERLY = 'portal.elderly';

function readStore(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled (privacy mode): preferences just are not remembered
  }
}

function writeStore(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    /* not remembered; the page still works */
  }
}

function initialLang() {
  const stored = readStore(STORE_LANG);
  if (stored && stored in LANGS) return stored;
  const wanted = (navigator.languages && navigator.languages[0]) || navigator.language || '';
  return /^en\b/i.test(wanted) ? 'en' : 'tc';
}

export const state = {
  lang: initialLang(),
  elderly: readStore(STORE_ELDERLY) === '1',
};

/** Fill every element marked data-i18n / data-i18n-aria-label with the current language. */
export function applyStaticTexts(lang, root = document) {
  if (root === document) {
    document.documentElement.lang = LANGS[lang].htmlLang;
    const titleKey = document.documentElement.dataset.titleKey || 'doc.title';
    document.title = t(lang, titleKey);
  }
  for (const node of root.querySelectorAll('[data-i18n]')) {
    node.textContent = t(lang, node.dataset.i18n);
  }
  for (const node of root.querySelectorAll('[data-i18n-aria-label]')) {
    node.setAttribute('aria-label', t(lang, node.dataset.i18nAriaLabel));
  }
  for (const node of root.querySelectorAll('[data-i18n-alt]')) {
    node.setAttribute('alt', t(lang, node.dataset.i18nAlt));
  }
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) {
    node.setAttribute('placeholder', t(lang, node.dataset.i18nPlaceholder));
  }
  // The switch names the *other* language, in that language.
  const other = lang === 'tc' ? 'en' : 'tc';
  const toggle = document.getElementById('lang-toggle');
  if (toggle) toggle.lang = LANGS[other].htmlLang;
}

function applyElderly(on) {
  document.documentElement.classList.toggle('elderly', on);
  const toggle = document.getElementById('elderly-toggle');
  if (toggle) toggle.setAttribute('aria-pressed', on ? 'true' : 'false');
}

/**
 * Apply the preferences and wire the language and elderly-mode switches.
 * `onLang(lang)` runs after every language change (pages re-render their dynamic parts).
 */
export function initPrefs(onLang = () => {}) {
  if (Object.keys(STRINGS.tc).length !== Object.keys(STRINGS.en).length) {
    console.warn('i18n: the two languages do not define the same strings');
  }
  applyStaticTexts(state.lang);
  applyElderly(state.elderly);
  document.getElementById('lang-toggle')?.addEventListener('click', () => {
    state.lang = state.lang === 'tc' ? 'en' : 'tc';
    writeStore(STORE_LANG, state.lang);
    applyStaticTexts(state.lang);
    onLang(state.lang);
  });
  document.getElementById('elderly-toggle')?.addEventListener('click', () => {
    state.elderly = !state.elderly;
    writeStore(STORE_ELDERLY, state.elderly ? '1' : '0');
    applyElderly(state.elderly);
  });
}

/** Run `fn` once the DOM is ready. */
export function whenReady(fn) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
  else fn();
}

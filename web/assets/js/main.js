// Entry point: preferences (language, elderly mode), static texts, and loading each section.
import { LANGS, STRINGS, t } from './i18n.js';
import { loadFeeds } from './feeds.js';
import { initServices, loadServices } from './services.js';

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
function applyStaticTexts(lang) {
  document.documentElement.lang = LANGS[lang].htmlLang;
  document.title = t(lang, 'doc.title');
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = t(lang, node.dataset.i18n);
  }
  for (const node of document.querySelectorAll('[data-i18n-aria-label]')) {
    node.setAttribute('aria-label', t(lang, node.dataset.i18nAriaLabel));
  }
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) {
    node.setAttribute('placeholder', t(lang, node.dataset.i18nPlaceholder));
  }
  // The switch names the *other* language, in that language.
  const other = lang === 'tc' ? 'en' : 'tc';
  document.getElementById('lang-toggle').lang = LANGS[other].htmlLang;
}

function applyElderly(on) {
  document.documentElement.classList.toggle('elderly', on);
  document.getElementById('elderly-toggle').setAttribute('aria-pressed', on ? 'true' : 'false');
}

function reloadData() {
  loadFeeds(state.lang);
  loadServices(state.lang);
}

function setLang(lang) {
  state.lang = lang;
  writeStore(STORE_LANG, lang);
  applyStaticTexts(lang);
  reloadData();
}

function start() {
  // Sanity check at start: both languages define the same keys (catches a forgotten string).
  if (Object.keys(STRINGS.tc).length !== Object.keys(STRINGS.en).length) {
    console.warn('i18n: the two languages do not define the same strings');
  }
  applyStaticTexts(state.lang);
  applyElderly(state.elderly);
  document.getElementById('lang-toggle').addEventListener('click', () => {
    setLang(state.lang === 'tc' ? 'en' : 'tc');
  });
  document.getElementById('elderly-toggle').addEventListener('click', () => {
    state.elderly = !state.elderly;
    writeStore(STORE_ELDERLY, state.elderly ? '1' : '0');
    applyElderly(state.elderly);
  });
  initServices(() => state.lang);
  reloadData();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();

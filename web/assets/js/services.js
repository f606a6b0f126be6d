// Government online services: filter by theme and audience, search (debounced; the API ranks,
// with everyday synonyms). The query and the filters live in the address (?q=&theme=&audience=):
// a shared link or Back / Forward shows the same search. Nothing found says so with the
// department that handles the subject (API `elsewhere`), a GovHK search and example searches.
import { ApiError, getJson } from './api.js';
import { el, present, safeHref } from './dom.js';
import { t } from './i18n.js';
import { notice } from './feeds.js';
import { loggedIn } from './session.js';

const DEBOUNCE_MS = 300;
const PARAMS = ['q', 'theme', 'audience'];
// Example searches offered when nothing matches (each finds services in the 2023 catalogue).
const EXAMPLES = { tc: ['入境', '駕駛執照', '出世紙', '差餉'], en: ['immigration', 'driving licence', 'birth', 'rates'] };

let currentLang = () => 'tc';
let controller = null;
let timer = null;
let themeNames = new Map();
let audienceNames = new Map();
let typing = false; // the address was last changed by typing: more typing replaces, not adds

const $ = (id) => document.getElementById(id);

function filters() {
  return {
    q: $('service-q').value.trim(),
    theme: $('service-theme').value,
    audience: $('service-audience').value,
  };
}

/** The search the address names (unknown parameters ignored). */
function filtersFromUrl() {
  const params = new URLSearchParams(window.location.search);
  return Object.fromEntries(PARAMS.map((name) => [name, (params.get(name) || '').slice(0, 100)]));
}

/** Put `wanted` in the fields; a theme or audience not listed yet is kept as a bare option. */
function showFilters(wanted) {
  $('service-q').value = wanted.q;
  for (const [name, id] of [['theme', 'service-theme'], ['audience', 'service-audience']]) {
    const select = $(id);
    if (wanted[name] && ![...select.options].some((o) => o.value === wanted[name])) {
      select.append(el('option', { value: wanted[name], text: wanted[name] }));
    }
    select.value = wanted[name];
  }
}

/** Write the current search into the address: a new history entry, or `replace` the last. */
function remember(replace = false) {
  const url = new URL(window.location.href);
  const current = filters();
  for (const name of PARAMS) {
    if (current[name]) url.searchParams.set(name, current[name]);
    else url.searchParams.delete(name);
  }
  if (url.href === window.location.href) return;
  if (PARAMS.some((name) => current[name])) url.hash = 'services';
  if (replace) window.history.replaceState(null, '', url.href);
  else window.history.pushState(null, '', url.href);
}

/** Rebuild a <select>'s options from the API vocabulary, keeping the chosen value. */
function fillSelect(select, vocabulary, allKey, lang) {
  const chosen = select.value;
  const options = [el('option', { value: '', text: t(lang, allKey) })];
  for (const entry of Array.isArray(vocabulary) ? vocabulary : []) {
    if (entry && present(entry.id)) options.push(el('option', { value: entry.id, text: entry.name || entry.id }));
  }
  select.replaceChildren(...options);
  select.value = options.some((o) => o.value === chosen) ? chosen : '';
}

/**
 * A service's login link is its OIDC initiate_login_uri (third-party-initiated login): the
 * issuer (this site's origin) goes with it as `iss` unless the link already names it.
 */
function oneClickHref(href) {
  if (!href) return null;
  try {
    const url = new URL(href, window.location.origin);
    if (url.searchParams.has('iss')) return href;
    url.searchParams.set('iss', window.location.origin);
    return url.href;
  } catch {
    return null;
  }
}

function renderService(item, lang) {
  const links = el('p', { class: 'service-links' });
  const url = safeHref(item.url);
  if (url) {
    links.append(el('a', { class: 'btn btn-link', href: url, rel: 'noopener' },
      t(lang, 'services.open'), el('span', { class: 'visually-hidden', text: `: ${item.name}` })));
  }
  const login = oneClickHref(safeHref(item.login_url));
  if (login) {
    // Logged in: the service's third-party-initiated login lands the citizen signed in (SSO).
    const key = loggedIn() ? 'services.login.in' : 'services.login';
    links.append(el('a', { class: 'btn btn-primary btn-iam', href: login, rel: 'noopener', 'data-login': key },
      t(lang, key), el('span', { class: 'visually-hidden', text: `: ${item.name}` })));
  }
  const dept = item.department || {};
  const deptText = [dept.name, present(dept.abbr) ? `(${dept.abbr})` : null].filter(present).join(' ');
  const themes = (Array.isArray(item.themes) ? item.themes : []).map((id) => themeNames.get(id) || id);
  const audiences = (Array.isArray(item.audiences) ? item.audiences : []).map((id) => audienceNames.get(id) || id);
  return el('li', { class: 'service', 'data-id': item.id },
    el('h3', { class: 'service-name', text: item.name }),
    deptText ? el('p', { class: 'service-dept' }, el('span', { class: 'label', text: t(lang, 'services.dept') }), deptText) : null,
    themes.length
      ? el('ul', { class: 'tags', 'aria-label': t(lang, 'services.theme') },
        ...themes.map((name) => el('li', { class: 'tag', text: name })))
      : null,
    audiences.length
      ? el('p', { class: 'service-for' }, el('span', { class: 'label', text: t(lang, 'services.for') }),
        audiences.join(lang === 'tc' ? '、' : ', '))
      : null,
    links);
}

/** "Passports: Immigration Department (website)" lines for subjects handled elsewhere. */
function elsewhereLines(elsewhere, lang) {
  return (Array.isArray(elsewhere) ? elsewhere : []).map((entry) => {
    const url = safeHref(entry && entry.url);
    const dept = entry && entry.department && present(entry.department.name) ? entry.department.name : null;
    if (!url || !dept || !present(entry.about)) return null;
    return el('li', {}, t(lang, 'services.elsewhere.line', { about: entry.about, department: dept }), ' ',
      el('a', { href: url, rel: 'noopener' }, t(lang, 'services.elsewhere.site', { department: dept }),
        el('span', { class: 'visually-hidden', text: t(lang, 'services.new_window') })));
  }).filter(Boolean);
}

/** Beside results: what the words also name that other departments handle (e.g. 稅). */
function elsewhereNote(elsewhere, lang) {
  let note = $('service-elsewhere');
  const lines = elsewhereLines(elsewhere, lang);
  if (!note) {
    note = el('div', { id: 'service-elsewhere', class: 'notice service-elsewhere' });
    $('service-list').before(note);
  }
  note.hidden = lines.length === 0;
  note.replaceChildren(...(lines.length ? [el('p', { text: t(lang, 'services.elsewhere.also') }), el('ul', { class: 'plain-list' }, ...lines)] : []));
}

/** Nothing found: say so, name who handles it, offer other searches (never a dead end). */
function emptyAnswer(data, lang) {
  const { q, theme, audience } = filters();
  const parts = [el('p', { class: 'empty-title', text: q ? t(lang, 'services.none.q', { q }) : t(lang, 'services.none') })];
  const lines = elsewhereLines(data.elsewhere, lang);
  if (lines.length) parts.push(el('ul', { class: 'plain-list empty-elsewhere' }, ...lines));
  if (q && (theme || audience)) {
    parts.push(el('p', {}, el('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'all',
      text: t(lang, 'services.none.all') })));
  }
  const examples = EXAMPLES[lang] || EXAMPLES.en;
  parts.push(el('p', { class: 'empty-examples' }, el('span', { text: t(lang, 'services.none.try') }), ' ',
    ...examples.flatMap((word) => [el('button', { type: 'button', class: 'btn btn-link', 'data-example': word, text: word }), ' '])));
  const govhk = safeHref(data.search_elsewhere);
  if (q && govhk) {
    parts.push(el('p', {}, el('a', { href: govhk, rel: 'noopener', class: 'govhk-search' },
      t(lang, 'services.none.govhk', { q }), el('span', { class: 'visually-hidden', text: t(lang, 'services.new_window') }))));
  }
  return parts;
}

export async function loadServices(lang = currentLang()) {
  clearTimeout(timer);
  controller?.abort();
  controller = new AbortController();
  const mine = controller;
  const section = $('services');
  const status = $('service-status');
  section.setAttribute('aria-busy', 'true');
  try {
    const data = await getJson('/v1/services', { ...filters(), lang }, { signal: mine.signal });
    themeNames = new Map((data.themes || []).map((x) => [x.id, x.name]));
    audienceNames = new Map((data.audiences || []).map((x) => [x.id, x.name]));
    fillSelect($('service-theme'), data.themes, 'services.theme.all', lang);
    fillSelect($('service-audience'), data.audiences, 'services.audience.all', lang);
    const items = (Array.isArray(data.items) ? data.items : []).filter(Boolean);
    const count = typeof data.count === 'number' ? data.count : items.length;
    $('service-count').textContent = count === 1 ? t(lang, 'services.count.one') : t(lang, 'services.count', { count });
    $('service-list').replaceChildren(...items.map((item) => renderService(item, lang)));
    elsewhereNote(items.length ? data.elsewhere : [], lang);
    status.hidden = items.length > 0;
    status.replaceChildren(...(items.length ? [] : emptyAnswer(data, lang)));
    section.dataset.state = 'ready';
  } catch (err) {
    if (err && err.name === 'AbortError') return;
    if (!(err instanceof ApiError)) console.error('services: could not show', err);
    $('service-count').textContent = '';
    $('service-list').replaceChildren();
    elsewhereNote([], lang);
    status.hidden = false;
    status.replaceChildren(notice(err, lang, () => loadServices()));
    section.dataset.state = err && err.notReady ? 'not-ready' : 'error';
  } finally {
    if (controller === mine) section.removeAttribute('aria-busy');
  }
}

/** A search the citizen asked for: a new history entry (typing: one entry per burst). */
function searchNow({ byTyping = false } = {}) {
  remember(byTyping && typing);
  typing = byTyping;
  loadServices();
}

export function initServices(getLang) {
  currentLang = getLang;
  const form = $('service-filters');
  showFilters(filtersFromUrl());
  $('service-q').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => searchNow({ byTyping: true }), DEBOUNCE_MS);
  });
  $('service-q').addEventListener('blur', () => { typing = false; });
  $('service-theme').addEventListener('change', () => searchNow());
  $('service-audience').addEventListener('change', () => searchNow());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    typing = false;
    searchNow();
  });
  form.addEventListener('reset', () => {
    // Let the browser clear the fields first, then reload the full list.
    setTimeout(() => searchNow(), 0);
  });
  $('service-status').addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    if (button.dataset.example) $('service-q').value = button.dataset.example;
    if (button.dataset.action === 'all' || button.dataset.example) {
      $('service-theme').value = '';
      $('service-audience').value = '';
    }
    searchNow();
    $('service-q').focus();
  });
  // Back / Forward: show the search that entry names.
  window.addEventListener('popstate', () => {
    typing = false;
    showFilters(filtersFromUrl());
    loadServices();
  });
}

// Government online services: filter by theme and audience, search (debounced; the API ranks).
import { ApiError, getJson } from './api.js';
import { el, present, safeHref } from './dom.js';
import { t } from './i18n.js';
import { notice } from './feeds.js';
import { loggedIn } from './session.js';

const DEBOUNCE_MS = 300;

let currentLang = () => 'tc';
let controller = null;
let timer = null;
let themeNames = new Map();
let audienceNames = new Map();

const $ = (id) => document.getElementById(id);

function filters() {
  return {
    q: $('service-q').value.trim(),
    theme: $('service-theme').value,
    audience: $('service-audience').value,
  };
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
    status.hidden = items.length > 0;
    status.replaceChildren(items.length ? '' : t(lang, 'services.none'));
    section.dataset.state = 'ready';
  } catch (err) {
    if (err && err.name === 'AbortError') return;
    if (!(err instanceof ApiError)) console.error('services: could not show', err);
    $('service-count').textContent = '';
    $('service-list').replaceChildren();
    status.hidden = false;
    status.replaceChildren(notice(err, lang, () => loadServices()));
    section.dataset.state = err && err.notReady ? 'not-ready' : 'error';
  } finally {
    if (controller === mine) section.removeAttribute('aria-busy');
  }
}

export function initServices(getLang) {
  currentLang = getLang;
  const form = $('service-filters');
  $('service-q').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => loadServices(), DEBOUNCE_MS);
  });
  $('service-theme').addEventListener('change', () => loadServices());
  $('service-audience').addEventListener('change', () => loadServices());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    loadServices();
  });
  form.addEventListener('reset', () => {
    // Let the browser clear the fields first, then reload the full list.
    setTimeout(() => loadServices(), 0);
  });
}

// "Register in person": kiosks, post-office counters and mobile teams' upcoming visits, by
// district, from GET /v1/sites. Filters (district, type, elderly assistance) live in the URL.
import { errorText, getJson } from './api.js';
import { el, present, safeHref } from './dom.js';
import { LANGS, t } from './i18n.js';
import { initPrefs, state, whenReady } from './prefs.js';

const $ = (id) => document.getElementById(id);
const TYPES = ['kiosk', 'counter', 'mobile'];
const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

let data = null; // the last answer (in state.lang)
let controller = null;

function filters() {
  return { district: $('site-district').value, type: $('site-type').value, elderly: $('site-elderly').checked };
}

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  const type = params.get('type') || '';
  $('site-type').value = TYPES.includes(type) ? type : '';
  $('site-elderly').checked = params.get('elderly') === '1';
  return params.get('district') || '';
}

function writeUrl() {
  const { district, type, elderly } = filters();
  const params = new URLSearchParams();
  if (district) params.set('district', district);
  if (type) params.set('type', type);
  if (elderly) params.set('elderly', '1');
  const query = params.toString();
  window.history.replaceState(null, '', query ? `?${query}` : window.location.pathname);
}

/** ["mon", ..., "fri", "ph"] -> "星期一至星期五及公眾假期" / "Monday to Friday and public holidays". */
export function daysText(days, lang) {
  const list = Array.isArray(days) ? days : [];
  const idx = WEEK.map((d, i) => (list.includes(d) ? i : -1)).filter((i) => i >= 0);
  const runs = [];
  for (const i of idx) {
    const last = runs[runs.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  }
  const name = (i) => t(lang, `inperson.day.${WEEK[i]}`);
  const parts = runs.flatMap(([a, b]) => {
    if (b - a >= 2) return [t(lang, 'inperson.day.range', { from: name(a), to: name(b) })];
    return a === b ? [name(a)] : [name(a), name(b)];
  });
  if (list.includes('ph')) parts.push(t(lang, 'inperson.day.ph'));
  if (parts.length <= 1) return parts.join('');
  return parts.slice(0, -1).join(t(lang, 'inperson.day.sep')) + t(lang, 'inperson.day.and') + parts[parts.length - 1];
}

function timeText(opens, closes, lang) {
  return t(lang, 'inperson.time', { opens, closes });
}

/** "2026-12-09" -> "2026年12月9日星期三" / "Wednesday, 9 December 2026" (a calendar date). */
function dateText(value, lang) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
  if (!match) return String(value);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(LANGS[lang].locale, {
    timeZone: 'UTC', weekday: 'long', year: 'numeric', month: 'long', day: 'numeric',
  }).format(date);
}

function mapLink(href, name, lang) {
  const url = safeHref(href);
  if (!url) return null;
  return el('a', { class: 'btn btn-link site-map', href: url, rel: 'noopener noreferrer' },
    t(lang, 'inperson.map'), el('span', { class: 'visually-hidden', text: `: ${name}` }));
}

function fact(labelKey, value, lang, cls) {
  if (!present(value) && !(value instanceof Node)) return null;
  return el('div', { class: cls }, el('dt', { text: t(lang, labelKey) }), el('dd', {}, value));
}

function renderVisit(visit, lang) {
  return el('li', { class: 'site-visit', 'data-date': visit.date },
    el('p', { class: 'site-visit-when' },
      el('time', { datetime: visit.date, text: dateText(visit.date, lang) }), ' ',
      el('span', { text: timeText(visit.opens, visit.closes, lang) })),
    el('p', { class: 'site-visit-place', text: visit.place }),
    el('p', { class: 'site-visit-address' },
      el('span', { class: 'label', text: t(lang, 'inperson.address') }), visit.address,
      visit.district_name ? ` (${visit.district_name})` : ''),
    mapLink(visit.map_url, visit.place, lang));
}

function renderSite(site, lang) {
  const hours = (Array.isArray(site.hours) ? site.hours : []).map((h) =>
    el('li', {}, `${daysText(h.days, lang)}${t(lang, 'inperson.day.colon')}${timeText(h.opens, h.closes, lang)}`));
  const visits = Array.isArray(site.visits) ? site.visits : [];
  const titleId = `site-${site.id}-name`;
  return el('li', { class: `site site-${site.type}`, 'data-site': site.id, 'data-type': site.type },
    el('article', { 'aria-labelledby': titleId },
      el('h3', { class: 'site-name', id: titleId, text: site.name }),
      el('p', { class: 'site-type' }, el('span', { class: 'tag', text: t(lang, `inperson.type.${site.type}`) })),
      el('dl', { class: 'site-facts' },
        fact('inperson.address', site.address, lang, 'site-address'),
        hours.length ? fact('inperson.hours', el('ul', { class: 'plain-list' }, ...hours), lang, 'site-hours') : null,
        fact('inperson.assistance', site.elderly_assistance ? site.assistance : t(lang, 'inperson.assistance.none'),
          lang, site.elderly_assistance ? 'site-assistance' : 'site-assistance site-assistance-none')),
      mapLink(site.map_url, site.name, lang),
      site.type === 'mobile'
        ? el('div', { class: 'site-visits' },
          el('h4', { text: t(lang, 'inperson.visits') }),
          visits.length
            ? el('ol', { class: 'site-visit-list' }, ...visits.map((v) => renderVisit(v, lang)))
            : el('p', { class: 'status', text: t(lang, 'inperson.visits.none') }))
        : null));
}

function fillDistricts(lang, wanted) {
  const select = $('site-district');
  const chosen = wanted !== undefined ? wanted : select.value;
  const options = [el('option', { value: '', text: t(lang, 'inperson.district.all') })];
  for (const d of Array.isArray(data?.districts) ? data.districts : []) {
    options.push(el('option', { value: d.code, text: d.name }));
  }
  select.replaceChildren(...options);
  select.value = options.some((o) => o.value === chosen) ? chosen : '';
}

function render() {
  const lang = state.lang;
  const { district, elderly } = filters();
  const items = (Array.isArray(data?.items) ? data.items : []).filter((s) => !elderly || s.elderly_assistance);
  const names = new Map((data?.districts || []).map((d) => [d.code, d.name]));
  const groups = new Map();
  for (const site of items) {
    const key = district || site.district; // a mobile team visiting the chosen district goes there
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(site);
  }
  $('site-status').hidden = true;
  $('site-count').textContent = items.length
    ? t(lang, 'inperson.count', { count: items.length })
    : t(lang, 'inperson.none');
  $('site-groups').replaceChildren(...[...groups].map(([code, sites]) =>
    el('section', { class: 'site-district', 'data-district': code, 'aria-labelledby': `district-${code}` },
      el('h2', { id: `district-${code}`, text: names.get(code) || code }),
      el('ul', { class: 'site-list' }, ...sites.map((s) => renderSite(s, lang))))));
}

async function load(wantedDistrict) {
  const lang = state.lang;
  const { type } = filters();
  const district = wantedDistrict !== undefined ? wantedDistrict : $('site-district').value;
  if (controller) controller.abort();
  controller = new AbortController();
  $('site-status').hidden = false;
  $('site-status').textContent = t(lang, 'loading');
  try {
    data = await getJson('/v1/sites', { district, type, lang }, { signal: controller.signal });
  } catch (err) {
    if (err && err.name === 'AbortError') return;
    if (err && err.status === 400 && district) { // an old or mistyped link: show every district
      load('');
      return;
    }
    data = null;
    $('site-groups').replaceChildren();
    $('site-count').textContent = '';
    $('site-status').textContent = errorText(err, lang, t, 'inperson.error');
    return;
  }
  fillDistricts(lang, district);
  writeUrl();
  render();
}

whenReady(() => {
  initPrefs(() => load());
  const district = readUrl();
  $('site-district').addEventListener('change', () => load());
  $('site-type').addEventListener('change', () => load());
  $('site-elderly').addEventListener('change', () => { writeUrl(); render(); });
  $('site-filters').addEventListener('reset', () => {
    window.setTimeout(() => load(''), 0); // after the form has cleared its fields
  });
  $('site-filters').addEventListener('submit', (event) => event.preventDefault());
  load(district);
});

// "Who read my data": every fetch of my data (delivered, partial or refused), consent, and
// face enrolment or check, newest first, from the platform's append-only access log.
import { getJson } from './api.js';
import { el } from './dom.js';
import { applyTexts, isLoggedOut, tx, when, words } from './exchange.js';
import { cursorList, showList, statusLine } from './listing.js';
import { initPrefs, state, whenReady } from './prefs.js';

const $ = (id) => document.getElementById(id);
const KINDS = ['fetch', 'form', 'self', 'consent', 'revoke', 'face'];
const OUTCOMES = ['delivered', 'partial', 'refused', 'recorded'];
const PROVIDER_STATES = ['ok', 'timeout', 'unavailable', 'not_held'];
// Face events (kind "face"): the event name is the outcome; the badge's words and colour.
const FACE_EVENTS = {
  face_enrolled: ['recorded', 'recorded'],
  face_withdrawn: ['recorded', 'recorded'],
  face_stepup_passed: ['passed', 'delivered'],
  face_stepup_refused: ['refused', 'refused'],
  face_stepup_error: ['error', 'partial'],
};
const FACE_DETAILS = { liveness: ['evaluated', 'not_evaluated'], source: ['fresh_capture', 'immigration_record'] };

// The words the API sends with each page of events (the consent page's vocabulary, from the
// providers' registrations): field path -> {provider, label_en, label_tc}; provider id ->
// {name_en, name_tc}. A path or id without words is shown by its plain name, never as a path.
const fieldWords = new Map();
const providerWords = new Map();

const log = cursorList(async (cursor) => {
  const answer = await getJson('/v1/me/access-log', { limit: 50, cursor });
  for (const [path, view] of Object.entries(answer.fields || {})) fieldWords.set(path, view);
  for (const [id, view] of Object.entries(answer.providers || {})) providerWords.set(id, view);
  return {
    items: Array.isArray(answer.events) ? answer.events : [],
    next: typeof answer.next === 'string' && answer.next ? answer.next : null,
  };
});

function plain(name) {
  return String(name).split('.').pop().replace(/_/g, ' ');
}

function providerName(id, lang) {
  return words(providerWords.get(id), lang) || String(id);
}

/** Fields in words, grouped by department: "入境事務處：英文姓名、性別；教育局：就讀學校". */
function list(paths, lang) {
  const groups = new Map();
  for (const path of Array.isArray(paths) ? paths : []) {
    const known = fieldWords.get(path);
    const provider = known && known.provider ? words(known.provider, lang) || known.provider.id
      : providerName(String(path).split('.')[0], lang);
    if (!groups.has(provider)) groups.set(provider, []);
    groups.get(provider).push((known && words(known, lang, 'label')) || plain(path));
  }
  const [colon, comma, semi] = lang === 'en' ? [': ', ', ', '; '] : ['：', '、', '；'];
  return [...groups].map(([provider, names]) => `${provider}${colon}${names.join(comma)}`).join(semi);
}

function row(labelKey, value, lang, attrs = {}) {
  if (value === null || value === undefined || value === '') return null;
  return el('div', attrs, el('dt', { text: tx(lang, labelKey) }), el('dd', {}, value));
}

function faceDetail(details, name, lang) {
  const value = details && typeof details === 'object' ? details[name] : null;
  if (!FACE_DETAILS[name].includes(value)) return null;
  return row(`x.log.face.${name}`, tx(lang, `x.log.face.${name}.${value}`), lang, { class: `x-face-${name}` });
}

function faceNode(event, lang) {
  // Face enrolment, deletion and step-up checks, in plain words: never a photo or a score.
  const known = Object.hasOwn(FACE_EVENTS, event.outcome) ? event.outcome : 'face_stepup_error';
  const [badge, style] = FACE_EVENTS[known];
  const service = event.consumer
    ? (words(event.consumer, lang) || event.consumer.client_id || tx(lang, 'x.log.face.service'))
    : tx(lang, 'x.log.face.service');
  const reason = event.reason ? (words(event, lang, 'reason') || event.reason) : '';
  return el('li', {
    class: `account-item x-event x-event-face x-event-${style}`, 'data-event-id': event.event_id,
    'data-kind': 'face', 'data-outcome': event.outcome || '', 'data-reason': event.reason || '',
    'data-consent-id': '',
  },
  el('h2', { class: 'account-item-name' }, el('span', { text: tx(lang, `x.log.face.${known}`, { service }) }), ' ',
    el('span', { class: `x-badge x-badge-${style}`, text: tx(lang, `x.log.face.outcome.${badge}`) })),
  el('p', { class: 'meta' }, el('time', { datetime: event.at || '', text: when(event.at, lang) }),
    ' · ', el('span', { text: tx(lang, 'x.log.kind.face') })),
  el('dl', { class: 'x-facts' },
    row('x.log.reason', reason, lang, { class: 'x-reason' }),
    faceDetail(event.details, 'liveness', lang),
    faceDetail(event.details, 'source', lang),
    row('x.log.receipt', event.receipt_id ? el('code', { text: event.receipt_id }) : '', lang)),
  el('p', { class: 'hint', text: tx(lang, 'x.log.face.note') }));
}

function eventNode(event, lang) {
  if (event.kind === 'face') return faceNode(event, lang);
  const kind = KINDS.includes(event.kind) ? event.kind : 'fetch';
  const outcome = OUTCOMES.includes(event.outcome) ? event.outcome : null;
  const who = event.consumer ? (words(event.consumer, lang) || event.consumer.client_id) : tx(lang, 'x.log.you');
  const reason = event.reason ? (words(event, lang, 'reason') || event.reason) : '';
  const providers = (Array.isArray(event.providers) ? event.providers : []).map((p) => {
    const st = PROVIDER_STATES.includes(p.status) ? p.status : 'unavailable';
    return `${providerName(p.id, lang)}${lang === 'en' ? ': ' : '：'}${tx(lang, `x.log.provider.${st}`)}`;
  }).join(lang === 'en' ? '; ' : '；');
  const delivered = Array.isArray(event.delivered) && event.delivered.length
    ? list(event.delivered, lang) : tx(lang, 'x.log.delivered.none');
  const showDelivered = kind === 'fetch' || kind === 'form' || kind === 'self';
  return el('li', {
    class: `account-item x-event x-event-${outcome || 'none'}`, 'data-event-id': event.event_id,
    'data-kind': kind, 'data-outcome': event.outcome || '', 'data-reason': event.reason || '',
    'data-consent-id': event.consent_id || '',
  },
  el('h2', { class: 'account-item-name' }, el('span', { text: `${who} · ${tx(lang, `x.log.kind.${kind}`)}` }), ' ',
    outcome ? el('span', { class: `x-badge x-badge-${outcome}`, text: tx(lang, `x.log.outcome.${outcome}`) }) : null),
  el('p', { class: 'meta' }, el('time', { datetime: event.at || '', text: when(event.at, lang) })),
  el('dl', { class: 'x-facts' },
    row('x.log.reason', reason, lang, { class: 'x-reason' }),
    row('x.log.purpose', words(event.purpose, lang) || (event.purpose && event.purpose.id), lang),
    row('x.log.asked', list(event.fields, lang), lang),
    showDelivered ? row('x.log.delivered', delivered, lang, { class: 'x-delivered' }) : null,
    row('x.log.providers', providers, lang),
    row('x.log.receipt', event.receipt_id ? el('code', { text: event.receipt_id }) : '', lang)));
}

function render() {
  if (!log.items) return;
  const lang = state.lang;
  $('log-list').replaceChildren(...log.items.map((e) => eventNode(e, lang)));
  $('log-none').hidden = log.items.length > 0;
  $('log-more').hidden = !log.next;
}

function showLoggedOut() {
  $('x-in').hidden = true;
  $('x-out').hidden = false;
  document.body.dataset.state = 'out';
}

const status = statusLine('x-status', tx, { fallbackKey: 'x.error', isOut: isLoggedOut, onOut: showLoggedOut });

async function more() {
  const button = $('log-more');
  button.disabled = true;
  try {
    const first = (await log.more())[0];
    render();
    const node = first && [...document.querySelectorAll('.x-event')].find((n) => n.dataset.eventId === first.event_id);
    if (node) {
      node.tabIndex = -1;
      node.focus();
    }
  } catch (err) {
    status.fail(err);
  } finally {
    button.disabled = false;
  }
}

function start() {
  initPrefs((lang) => {
    applyTexts(lang);
    render();
    status.resay();
  });
  applyTexts(state.lang);
  $('log-more').addEventListener('click', more);
  showList(status, log.first, 'x-in', render);
}

whenReady(start);

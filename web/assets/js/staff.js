// The registration staff console: a staff API key (kept in sessionStorage only), the
// applications waiting for review with their evidence, approve / reject with a reason, and the
// notifications outbox. Every call sends the key as `x-api-key` (API Gateway checks it; the
// API checks that it belongs to registration staff).
import { ApiError, errorText, keyedJson } from './api.js';
import { el } from './dom.js';
import { formatDateTime } from './format.js';
import { t } from './i18n.js';
import { initPrefs, state, whenReady } from './prefs.js';

const STORE_KEY = 'staff.apiKey';
const APP_ID_RE = /^app_[A-Za-z0-9_-]{16,36}$/;

const $ = (id) => document.getElementById(id);

let apiKey = null;
let pending = null; // the last list
let outbox = null;
let detail = null; // the open application
// Decided here: the workflow takes them off the review queue a moment later (when it finishes).
const decided = new Set();
let statusKey = null;
let statusVars = {};

function readKey() {
  try {
    return window.sessionStorage.getItem(STORE_KEY);
  } catch {
    return null;
  }
}

function storeKey(value) {
  try {
    if (value) window.sessionStorage.setItem(STORE_KEY, value);
    else window.sessionStorage.removeItem(STORE_KEY);
  } catch {
    /* kept in memory for this page only */
  }
}

/** A staff API call: JSON in and out, the key in `x-api-key`; errors as api.js's ApiError. */
function call(method, path, body = undefined) {
  return keyedJson(method, path, apiKey, body);
}

function say(key, vars = {}) {
  statusKey = key;
  statusVars = vars;
  $('staff-status').textContent = key ? t(state.lang, key, vars) : '';
}

function sayError(err) {
  if (err instanceof ApiError && err.status === 403) {
    say('staff.key.refused');
    return;
  }
  statusKey = null;
  $('staff-status').textContent = errorText(err, state.lang, t, 'staff.error');
}

function when(epochSeconds) {
  if (typeof epochSeconds !== 'number') return '';
  return formatDateTime(new Date(epochSeconds * 1000).toISOString(), state.lang) || '';
}

/** A data: URL for base64 image bytes the API gave, only when they are JPEG or PNG. */
function imageUrl(b64) {
  if (typeof b64 !== 'string' || b64 === '' || !/^[A-Za-z0-9+/=]+$/.test(b64)) return null;
  if (b64.startsWith('/9j/')) return `data:image/jpeg;base64,${b64}`;
  if (b64.startsWith('iVBORw0KGgo')) return `data:image/png;base64,${b64}`;
  return null;
}

// Where an assisted application was taken: the site's name in the page's language and its id.
function siteText(site, lang) {
  if (!site || typeof site !== 'object' || !site.id) return null;
  const name = lang === 'en' ? site.name_en : site.name_tc;
  return name ? `${name} (${site.id})` : site.id;
}

/** A workflow code (reason, check outcome, channel, sex) in plain words; an unknown code as is. */
function word(kind, code) {
  if (code === null || code === undefined || code === '') return null;
  const key = `staff.word.${kind}.${code}`;
  const text = t(state.lang, key);
  return text === key ? String(code) : text;
}

const PARTICULAR_LABELS = {
  hkid: 'staff.p.hkid', name_en: 'staff.p.name_en', name_zh: 'staff.p.name_zh',
  date_of_birth: 'staff.p.dob', sex: 'staff.p.sex', date_of_issue: 'staff.p.issue',
};

function fact(labelKey, value, cls = null) {
  return el('div', {}, el('dt', { text: t(state.lang, labelKey) }),
    el('dd', { class: cls, text: value === null || value === undefined || value === '' ? t(state.lang, 'na') : value }));
}

// ---------------------------------------------------------------- key

async function useKey(event) {
  if (event) event.preventDefault();
  const value = $('staff-key').value.trim() || apiKey;
  if (!value) {
    say('staff.key.required');
    $('staff-key').focus();
    return;
  }
  apiKey = value;
  try {
    await loadPending();
  } catch (err) {
    sayError(err);
    $('staff-work').hidden = true;
    return;
  }
  storeKey(apiKey);
  $('staff-key').value = '';
  $('staff-work').hidden = false;
  say('staff.key.ok');
  loadOutbox();
}

function forgetKey() {
  apiKey = null;
  storeKey(null);
  $('staff-key').value = '';
  $('staff-work').hidden = true;
  pending = outbox = detail = null;
  $('detail').hidden = true;
  say('staff.key.forgotten');
}

// ---------------------------------------------------------------- pending list

async function loadPending() {
  const answer = await call('GET', '/v1/staff/registrations?status=review');
  pending = Array.isArray(answer.items)
    ? answer.items.filter((i) => APP_ID_RE.test(i.application_id || '') && !decided.has(i.application_id))
    : [];
  renderPending();
}

function renderPending() {
  if (!pending) return;
  const lang = state.lang;
  $('pending-count').textContent = t(lang, 'staff.pending.count', { count: pending.length });
  $('pending-none').hidden = pending.length > 0;
  $('pending-list').replaceChildren(...pending.map((item) => el('li', { class: 'staff-item', 'data-application': item.application_id },
    el('button', { type: 'button', class: 'btn btn-secondary staff-open', 'data-application': item.application_id,
      text: t(lang, 'staff.open', { id: item.application_id }) }),
    item.escalated ? el('p', { class: 'flag', text: t(lang, 'staff.escalated') }) : null,
    el('p', { class: 'meta' },
      el('span', { class: 'label', text: t(lang, 'staff.reason') }), word('reason', item.reason) || t(lang, 'na'), ' · ',
      el('span', { class: 'label', text: t(lang, 'staff.channel') }), word('channel', item.channel) || t(lang, 'na'), ' · ',
      el('span', { class: 'label', text: t(lang, 'staff.opened') }), when(item.opened_at) || t(lang, 'na')))));
}

// ---------------------------------------------------------------- one application

async function openApplication(id) {
  if (!APP_ID_RE.test(id)) return;
  $('detail').hidden = false;
  $('detail-title').textContent = t(state.lang, 'staff.detail.title', { id });
  $('detail-body').replaceChildren(el('p', { class: 'status', text: t(state.lang, 'staff.detail.loading') }));
  $('decide-reason').value = '';
  showDecideError(null);
  try {
    detail = await call('GET', `/v1/staff/registrations/${encodeURIComponent(id)}`);
  } catch (err) {
    detail = null;
    $('detail').hidden = true;
    sayError(err);
    return;
  }
  renderDetail();
  $('detail-title').focus();
}

function renderDetail() {
  if (!detail) return;
  const lang = state.lang;
  const d = detail;
  $('detail-title').textContent = t(lang, 'staff.detail.title', { id: d.application_id });
  const flags = d.flags || {};
  const flagList = [];
  if (flags.duplicate_hkid) flagList.push(el('li', { class: 'flag', text: t(lang, 'staff.flag.duplicate') }));
  if (flags.hkid_limited) flagList.push(el('li', { class: 'flag', text: t(lang, 'staff.flag.limited') }));
  if (d.escalated) flagList.push(el('li', { class: 'flag', text: t(lang, 'staff.escalated') }));
  const checks = d.checks || {};
  const immigration = checks.immigration && typeof checks.immigration === 'object' ? checks.immigration : {};
  const face = checks.face && typeof checks.face === 'object' ? checks.face : {};
  const faceText = [word('face', face.decision),
    typeof face.similarity === 'number' ? t(lang, 'staff.similarity', { value: face.similarity.toFixed(3) }) : null]
    .filter(Boolean).join(' · ');
  const mismatches = (Array.isArray(immigration.mismatches) ? immigration.mismatches : [])
    .map((f) => (PARTICULAR_LABELS[f] ? t(lang, PARTICULAR_LABELS[f]) : String(f)));
  const immigrationText = [word('immigration', immigration.outcome),
    mismatches.length ? t(lang, 'staff.mismatch', { fields: mismatches.join(lang === 'tc' ? '、' : ', ') }) : null]
    .filter(Boolean).join(' · ');
  const p = d.particulars && typeof d.particulars === 'object' ? d.particulars : {};
  const evidence = d.evidence && typeof d.evidence === 'object' ? d.evidence : {};
  const images = [
    [evidence.kind === 'card_photo' ? 'staff.img.card' : 'staff.img.chip', evidence.photo, 'evidence'],
    ['staff.img.selfie', d.selfie, 'selfie'],
    ['staff.img.reference', d.reference_photo, 'reference'],
  ];
  $('detail-body').replaceChildren(
    el('h3', { text: t(lang, 'staff.flags') }),
    flagList.length ? el('ul', { class: 'plain-list' }, ...flagList) : el('p', { text: t(lang, 'staff.flag.none') }),
    el('h3', { text: t(lang, 'staff.checks') }),
    el('dl', { class: 'staff-facts' },
      fact('staff.reference', d.reference),
      fact('staff.reason', word('reason', d.reason)),
      fact('staff.channel', [word('channel', d.channel), d.officer].filter(Boolean).join(' · ')),
      fact('staff.site', siteText(d.site, lang), 'staff-site'),
      fact('staff.check.evidence', word('evidence', checks.evidence)),
      fact('staff.check.immigration', immigrationText),
      fact('staff.check.face', faceText),
      fact('staff.check.consent', t(lang, d.consent && d.consent.face_processing ? 'staff.yes' : 'staff.no'))),
    el('h3', { text: t(lang, 'staff.particulars') }),
    el('dl', { class: 'staff-facts' },
      fact('staff.p.hkid', p.hkid),
      fact('staff.p.name_en', p.name_en),
      fact('staff.p.name_zh', p.name_zh),
      fact('staff.p.dob', p.date_of_birth),
      fact('staff.p.sex', word('sex', p.sex)),
      fact('staff.p.issue', p.date_of_issue)),
    el('h3', { text: t(lang, 'staff.images') }),
    el('div', { class: 'staff-images' }, ...images.map(([key, b64, name]) => {
      const src = imageUrl(b64);
      return el('figure', { 'data-image': name },
        src ? el('img', { src, alt: t(lang, key) }) : el('p', { class: 'hint', text: t(lang, 'staff.img.none') }),
        el('figcaption', { text: t(lang, key) }));
    })));
  const open = d.status === 'review';
  $('decide-form').hidden = !open;
  if (!open) $('detail-body').append(el('p', { class: 'notice', text: t(lang, 'staff.detail.gone') }));
}

function showDecideError(key) {
  const node = $('decide-error');
  node.dataset.key = key || '';
  node.textContent = key ? t(state.lang, key) : '';
  node.hidden = !key;
}

async function decide(decision) {
  if (!detail) return;
  const reason = $('decide-reason').value.trim();
  if (!reason) {
    showDecideError('staff.decide.reason.required');
    $('decide-reason').focus();
    return;
  }
  showDecideError(null);
  const id = detail.application_id;
  for (const b of [$('decide-approve'), $('decide-reject')]) b.disabled = true;
  say('staff.decide.working');
  try {
    await call('POST', `/v1/staff/registrations/${encodeURIComponent(id)}/decision`, { decision, reason });
    decided.add(id);
    say(decision === 'approve' ? 'staff.decided.approve' : 'staff.decided.reject', { id });
    detail = null;
    $('detail').hidden = true;
    await loadPending();
    $('pending-title').tabIndex = -1;
    $('pending-title').focus();
    setTimeout(loadOutbox, 1500); // the workflow notifies the applicant right after
  } catch (err) {
    sayError(err);
  } finally {
    for (const b of [$('decide-approve'), $('decide-reject')]) b.disabled = false;
  }
}

// ---------------------------------------------------------------- outbox

async function loadOutbox() {
  try {
    const answer = await call('GET', '/v1/staff/outbox');
    outbox = Array.isArray(answer.items) ? answer.items : [];
  } catch (err) {
    sayError(err);
    return;
  }
  renderOutbox();
}

function renderOutbox() {
  if (!outbox) return;
  const lang = state.lang;
  $('outbox-none').hidden = outbox.length > 0;
  $('outbox-list').replaceChildren(...outbox.map((item) => el('li', { class: 'staff-item', 'data-application': item.application_id },
    el('p', { class: 'meta' },
      el('span', { class: 'label', text: t(lang, 'staff.outbox.app') }), String(item.application_id || ''), ' · ',
      el('span', { class: 'label', text: t(lang, 'staff.outbox.to') }), `${item.destination || ''} (${word('contact', item.channel) || ''})`, ' · ',
      el('span', { class: 'label', text: t(lang, 'staff.outbox.at') }), when(item.created_at)),
    el('p', { class: 'outbox-text', text: String(item.text || '') }))));
}

// ---------------------------------------------------------------- page

function rerender() {
  if (statusKey) say(statusKey, statusVars);
  renderPending();
  renderDetail();
  renderOutbox();
  if ($('decide-error').dataset.key) showDecideError($('decide-error').dataset.key);
}

function init() {
  initPrefs(rerender);
  $('key-form').addEventListener('submit', useKey);
  $('key-forget').addEventListener('click', forgetKey);
  $('pending-refresh').addEventListener('click', () => loadPending().catch(sayError));
  $('outbox-refresh').addEventListener('click', loadOutbox);
  $('pending-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-application]');
    if (button) openApplication(button.dataset.application);
  });
  $('decide-approve').addEventListener('click', () => decide('approve'));
  $('decide-reject').addEventListener('click', () => decide('reject'));
  apiKey = readKey();
  if (apiKey) useKey(null);
}

whenReady(init);

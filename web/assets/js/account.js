// The account page: connected services (withdraw), passkeys (add, remove), log out everywhere.
import { ApiError, getJson, sendJson } from './api.js';
import { el } from './dom.js';
import { formatDateTime } from './format.js';
import { t } from './i18n.js';
import { statusLine } from './listing.js';
import { initPrefs, state, whenReady } from './prefs.js';
import { currentUser } from './session.js';
import { createPasskey, passkeysSupported } from './webauthn.js';

const $ = (id) => document.getElementById(id);

let me = null;
let connections = [];
let passkeys = [];
const status = statusLine('account-status', t,
  { fallbackKey: 'error', isOut: (err) => err.status === 401, onOut: showLoggedOut });
const say = status.say;

function list(answer) {
  if (Array.isArray(answer)) return answer;
  for (const key of ['items', 'connections', 'passkeys']) {
    if (answer && Array.isArray(answer[key])) return answer[key];
  }
  return [];
}

/** `{<base>_en, <base>_tc}` (or `{en, tc}` when base is '') in `lang`, else the other. */
function bilingual(item, lang, base = 'name') {
  if (!item || typeof item !== 'object') return '';
  const key = (l) => (base ? `${base}_${l}` : l);
  const pick = lang === 'en' ? [item[key('en')], item[key('tc')]] : [item[key('tc')], item[key('en')]];
  return pick.find((v) => typeof v === 'string' && v !== '') || '';
}

/** Seconds since the epoch or an ISO string, shown in Hong Kong time. */
function when(value, lang) {
  if (typeof value === 'number') return formatDateTime(new Date(value * 1000).toISOString(), lang);
  return formatDateTime(value, lang);
}

function serviceName(item, lang) {
  return bilingual(item.client || item, lang) || item.client_id || '';
}

/** What the service receives, in words: the claims' labels (the consent page's words), else
 * the scopes' labels; never an object or a raw code. */
function sharedText(item, lang) {
  const sep = lang === 'en' ? '; ' : '、';
  for (const key of ['claims', 'scopes', 'labels', 'items']) {
    const labels = (Array.isArray(item[key]) ? item[key] : [])
      .map((l) => (typeof l === 'string' ? l : bilingual(l, lang, 'label') || bilingual(l, lang, '')))
      .filter(Boolean);
    if (labels.length) return labels.join(sep);
  }
  return '';
}

function renderWho() {
  const lang = state.lang;
  const account = (me && (me.account || me)) || {};
  const name = bilingual(account, lang);
  const parts = [];
  if (name) parts.push(t(lang, 'account.who', { name }));
  if (account.level === 'basic' || account.level === 'plus') parts.push(t(lang, `account.level.${account.level}`));
  $('account-who').textContent = parts.join(lang === 'en' ? '. ' : '。');
}

function renderConnections() {
  const lang = state.lang;
  $('connections-list').replaceChildren(...connections.map((item) => {
    const name = serviceName(item, lang);
    const shared = sharedText(item, lang);
    const since = when(item.granted_at || item.created_at || item.updated_at, lang);
    const button = el('button', { type: 'button', class: 'btn btn-secondary' },
      t(lang, 'account.connections.revoke'), el('span', { class: 'visually-hidden', text: `: ${name}` }));
    button.addEventListener('click', () => revoke(item, button));
    return el('li', { class: 'account-item', 'data-client-id': item.client_id },
      el('h3', { class: 'account-item-name', text: name }),
      shared ? el('p', {}, el('span', { class: 'label', text: t(lang, 'account.connections.shares') }), shared) : null,
      since ? el('p', { class: 'meta' }, t(lang, 'account.connections.since'), since) : null,
      el('p', { class: 'actions' }, button));
  }));
  $('connections-none').hidden = connections.length > 0;
}

function renderPasskeys() {
  const lang = state.lang;
  $('passkeys-list').replaceChildren(...passkeys.map((item) => {
    const label = item.label || t(lang, 'account.passkeys.default_label');
    const created = when(item.created_at, lang);
    const used = item.last_used_at ? when(item.last_used_at, lang) : t(lang, 'account.passkeys.never');
    const button = el('button', { type: 'button', class: 'btn btn-secondary' },
      t(lang, 'account.passkeys.remove'), el('span', { class: 'visually-hidden', text: `: ${label}` }));
    button.addEventListener('click', () => removePasskey(item, label, button));
    return el('li', { class: 'account-item', 'data-passkey-id': item.id },
      el('h3', { class: 'account-item-name', text: label }),
      created ? el('p', { class: 'meta' }, t(lang, 'account.passkeys.created'), created) : null,
      el('p', { class: 'meta' }, t(lang, 'account.passkeys.used'), used || t(lang, 'account.passkeys.never')),
      el('p', { class: 'actions' }, button));
  }));
  $('passkeys-none').hidden = passkeys.length > 0;
}

function renderAll() {
  if (!me) return;
  renderWho();
  renderConnections();
  renderPasskeys();
}

async function loadLists() {
  const [c, p] = await Promise.allSettled([getJson('/v1/me/connections'), getJson('/v1/me/passkeys')]);
  if (c.status === 'fulfilled') connections = list(c.value);
  if (p.status === 'fulfilled') passkeys = list(p.value);
  for (const result of [c, p]) {
    if (result.status === 'rejected' && result.reason instanceof ApiError && result.reason.status === 401) {
      showLoggedOut();
      return;
    }
  }
  const failed = [c, p].find((r) => r.status === 'rejected');
  if (failed) status.sayError(failed.reason);
  renderAll();
}

function showLoggedOut() {
  me = null;
  $('account-in').hidden = true;
  $('account-out').hidden = false;
  document.body.dataset.state = 'out';
}

async function revoke(item, button) {
  button.disabled = true;
  const name = serviceName(item, state.lang);
  try {
    await sendJson('DELETE', `/v1/me/connections/${encodeURIComponent(item.client_id)}`);
    connections = connections.filter((c) => c !== item);
    renderConnections();
    say('account.connections.revoked', { name });
    $('connections-title').focus();
  } catch (err) {
    button.disabled = false;
    status.fail(err);
  }
}

async function removePasskey(item, label, button) {
  button.disabled = true;
  try {
    await sendJson('DELETE', `/v1/me/passkeys/${encodeURIComponent(item.id)}`);
    passkeys = passkeys.filter((p) => p !== item);
    renderPasskeys();
    say('account.passkeys.removed', { name: label });
    $('passkeys-title').focus();
  } catch (err) {
    button.disabled = false;
    status.fail(err);
  }
}

let labelError = null; // the i18n key of the name field's error, if shown

function showLabelError(key) {
  labelError = key;
  const input = $('passkey-label');
  const node = $('passkey-label-error');
  node.hidden = !key;
  node.textContent = key ? t(state.lang, key) : '';
  if (key) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/** The citizen names each passkey (no silent default): 1 to 60 characters, not only spaces. */
function labelOk(label) {
  if (label === '') {
    showLabelError('account.passkeys.label.missing');
  } else if ([...label].length > 60) {
    showLabelError('account.passkeys.label.long');
  } else {
    showLabelError(null);
    return true;
  }
  $('passkey-label').focus();
  return false;
}

async function addPasskey() {
  if (!passkeysSupported()) {
    say('account.passkeys.unsupported');
    return;
  }
  const button = $('passkey-add');
  const label = $('passkey-label').value.trim();
  if (!labelOk(label)) return;
  button.disabled = true;
  say('account.passkeys.working');
  try {
    const options = await sendJson('POST', '/v1/me/passkeys/options', {});
    let credential;
    try {
      credential = await createPasskey(options);
    } catch (err) {
      say('account.passkeys.cancelled'); // NotAllowedError / InvalidStateError: nothing made
      return;
    }
    await sendJson('POST', '/v1/me/passkeys', { credential, label });
    $('passkey-label').value = '';
    passkeys = list(await getJson('/v1/me/passkeys'));
    renderPasskeys();
    say('account.passkeys.added', { name: label });
  } catch (err) {
    status.fail(err);
  } finally {
    button.disabled = false;
  }
}

async function logoutAll() {
  $('logout-all').disabled = true;
  try {
    await sendJson('POST', '/v1/me/logout-all', {});
    window.location.assign('/logged-out.html?all=1');
  } catch (err) {
    $('logout-all').disabled = false;
    status.fail(err);
  }
}

async function start() {
  initPrefs(() => {
    renderAll();
    status.resay();
    if (labelError) showLabelError(labelError);
  });
  for (const id of ['connections-title', 'passkeys-title']) $(id).tabIndex = -1;
  $('passkey-add').addEventListener('click', addPasskey);
  $('logout-all').addEventListener('click', logoutAll);
  me = await currentUser();
  $('account-loading').hidden = true;
  if (!me) {
    showLoggedOut();
    return;
  }
  $('account-in').hidden = false;
  renderWho();
  await loadLists();
  document.body.dataset.state = me ? 'in' : 'out';
}

whenReady(start);

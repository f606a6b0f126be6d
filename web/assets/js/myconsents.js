// "My consents": each data-sharing consent with its signed receipt (decoded, and its signature
// checked here against the platform's published keys); revoke in one click.
import { getJson, sendJson } from './api.js';
import { el } from './dom.js';
import { applyTexts, isLoggedOut, tx, when, words } from './exchange.js';
import { showList, statusLine } from './listing.js';
import { initPrefs, state, whenReady } from './prefs.js';

const $ = (id) => document.getElementById(id);

let consents = null;
const checks = new Map(); // consent_id -> {state: 'checking'|'ok'|'bad'|'unsupported', kid}
let jwksPromise = null;

const status = statusLine('x-status', tx, { fallbackKey: 'x.error', isOut: isLoggedOut, onOut: showLoggedOut });

// ---------------------------------------------------------------- the receipt (a compact JWS)

function b64urlBytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const raw = atob(b64);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function decodePart(text) {
  return JSON.parse(new TextDecoder().decode(b64urlBytes(text)));
}

/** {header, claims} of a compact JWS, or null when it is not one. */
export function decodeReceipt(jws) {
  if (typeof jws !== 'string') return null;
  const parts = jws.split('.');
  if (parts.length !== 3) return null;
  try {
    return { header: decodePart(parts[0]), claims: decodePart(parts[1]) };
  } catch {
    return null;
  }
}

function sameSet(a, b) {
  if (!Array.isArray(a) || !Array.isArray(b)) return false;
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Verify the receipt's ES256 signature with WebCrypto and that it says what the page says. */
async function verifyReceipt(consent) {
  const decoded = decodeReceipt(consent.receipt);
  if (!decoded) return { state: 'bad' };
  const { header, claims } = decoded;
  if (!window.crypto || !window.crypto.subtle) return { state: 'unsupported' };
  if (header.alg !== 'ES256' || typeof header.kid !== 'string') return { state: 'bad' };
  jwksPromise = jwksPromise || getJson('/v1/oidc/jwks');
  const jwks = await jwksPromise;
  const jwk = (Array.isArray(jwks.keys) ? jwks.keys : []).find((k) => k.kid === header.kid);
  if (!jwk || jwk.kty !== 'EC' || jwk.crv !== 'P-256') return { state: 'bad' };
  const [h, p, s] = consent.receipt.split('.');
  let valid = false;
  try {
    const key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, b64urlBytes(s),
      new TextEncoder().encode(`${h}.${p}`));
  } catch {
    return { state: 'unsupported' };
  }
  const paths = (Array.isArray(consent.fields) ? consent.fields : []).map((f) => f.path);
  const matches = claims.consent_id === consent.consent_id
    && (!consent.receipt_id || claims.jti === consent.receipt_id)
    && sameSet(claims.fields, paths)
    && (!claims.consumer || !consent.consumer || claims.consumer.client_id === consent.consumer.client_id);
  return { state: valid && matches ? 'ok' : 'bad', kid: header.kid };
}

async function check(consent) {
  checks.set(consent.consent_id, { state: 'checking' });
  let result;
  try {
    result = await verifyReceipt(consent);
  } catch {
    result = { state: 'unsupported' };
  }
  checks.set(consent.consent_id, result);
  render();
}

// ---------------------------------------------------------------- rendering

function row(labelKey, value, lang) {
  if (value === null || value === undefined || value === '') return null;
  return el('div', {}, el('dt', { text: tx(lang, labelKey) }),
    el('dd', {}, ...(Array.isArray(value) ? value : [value])));
}

function fieldsNode(consent, lang) {
  const byProvider = new Map();
  for (const field of Array.isArray(consent.fields) ? consent.fields : []) {
    const provider = words(field.provider, lang) || (field.provider && field.provider.id) || '';
    if (!byProvider.has(provider)) byProvider.set(provider, []);
    const label = words(field, lang, 'label') || field.path;
    byProvider.get(provider).push(label + (field.sensitivity === 'sensitive' ? tx(lang, 'x.consents.sensitive') : ''));
  }
  return el('ul', { class: 'x-field-list' }, ...[...byProvider].map(([provider, labels]) =>
    el('li', {}, el('strong', { text: `${provider}: ` }), labels.join(lang === 'en' ? ', ' : '、'))));
}

function receiptNode(consent, lang) {
  const decoded = decodeReceipt(consent.receipt);
  const result = checks.get(consent.consent_id) || { state: 'checking' };
  const noteKey = { checking: 'x.receipt.checking', ok: 'x.receipt.ok', bad: 'x.receipt.bad' }[result.state]
    || 'x.receipt.unsupported';
  return el('div', { class: 'x-receipt', 'data-verified': result.state },
    el('h3', { text: tx(lang, 'x.receipt.title') }),
    el('p', {}, el('span', { class: 'label', text: `${tx(lang, 'x.receipt.id')}: ` }),
      el('code', { class: 'x-receipt-id', text: consent.receipt_id || (decoded && decoded.claims.jti) || '' })),
    el('p', { class: `x-verify x-verify-${result.state}`, text: tx(lang, noteKey, { kid: result.kid || '' }) }),
    decoded ? el('details', { class: 'x-receipt-details' },
      el('summary', { text: tx(lang, 'x.receipt.show') }),
      el('p', { class: 'meta', text: tx(lang, 'x.receipt.how') }),
      el('h4', { text: tx(lang, 'x.receipt.header') }),
      el('pre', { class: 'x-json', text: JSON.stringify(decoded.header, null, 2) }),
      el('h4', { text: tx(lang, 'x.receipt.claims') }),
      el('pre', { class: 'x-json x-receipt-claims', text: JSON.stringify(decoded.claims, null, 2) })) : null);
}

function consentNode(consent, lang) {
  const name = words(consent.consumer, lang) || (consent.consumer && consent.consumer.client_id) || '';
  const status = ['active', 'used', 'expired', 'revoked'].includes(consent.status) ? consent.status : 'expired';
  const button = consent.status === 'active'
    ? el('button', { type: 'button', class: 'btn btn-secondary x-revoke' }, tx(lang, 'x.consents.revoke'),
      el('span', { class: 'visually-hidden', text: `: ${name}` }))
    : null;
  if (button) button.addEventListener('click', () => revoke(consent, name, button));
  const mode = consent.mode === 'standing' ? 'standing' : 'one_time';
  return el('li', { class: 'account-item x-consent', 'data-consent-id': consent.consent_id, 'data-status': consent.status },
    el('h2', { class: 'account-item-name' }, name, ' ',
      el('span', { class: `x-badge x-badge-${status}`, text: tx(lang, `x.consents.status.${status}`) })),
    el('dl', { class: 'x-facts' },
      row('x.consents.purpose', words(consent.purpose, lang) || (consent.purpose && consent.purpose.id), lang),
      row('x.consents.fields', fieldsNode(consent, lang), lang),
      row('x.consents.mode', tx(lang, `x.consents.mode.${mode}`), lang),
      row('x.consents.retention', typeof consent.retention_days === 'number'
        ? tx(lang, 'x.consents.retention.days', { days: consent.retention_days }) : null, lang),
      row('x.consents.granted', when(consent.granted_at, lang), lang),
      row('x.consents.expires', when(consent.expires_at, lang), lang),
      row('x.consents.used', when(consent.used_at, lang), lang),
      row('x.consents.revoked_at', when(consent.revoked_at, lang), lang)),
    receiptNode(consent, lang),
    button ? el('p', { class: 'actions' }, button) : null);
}

function render() {
  if (!consents) return;
  const lang = state.lang;
  // Keep an open receipt open across re-renders (language switch, verification results).
  const open = new Set([...document.querySelectorAll('.x-consent details[open]')]
    .map((d) => d.closest('.x-consent').dataset.consentId));
  $('consents-list').replaceChildren(...consents.map((c) => consentNode(c, lang)));
  for (const id of open) {
    const node = [...document.querySelectorAll('.x-consent')].find((n) => n.dataset.consentId === id);
    const details = node && node.querySelector('details');
    if (details) details.open = true;
  }
  $('consents-none').hidden = consents.length > 0;
}

function showLoggedOut() {
  $('x-in').hidden = true;
  $('x-out').hidden = false;
  document.body.dataset.state = 'out';
}

async function revoke(consent, name, button) {
  button.disabled = true;
  status.say('x.consents.revoking');
  try {
    const answer = await sendJson('DELETE', `/v1/me/consents/exchange/${encodeURIComponent(consent.consent_id)}`);
    consent.status = 'revoked';
    consent.revoked_at = answer.revoked_at || new Date().toISOString();
    render();
    status.say('x.consents.revoked', { name });
    $('x-status').focus();
  } catch (err) {
    button.disabled = false;
    status.fail(err);
  }
}

async function load() {
  const read = async () => {
    const answer = await getJson('/v1/me/consents/exchange');
    consents = Array.isArray(answer.consents) ? answer.consents : [];
  };
  if (!(await showList(status, read, 'x-in', render))) return;
  await Promise.all(consents.map(check));
  document.body.dataset.receipts = 'checked';
}

function start() {
  initPrefs((lang) => {
    applyTexts(lang);
    render();
    status.resay();
  });
  applyTexts(state.lang);
  $('x-status').tabIndex = -1;
  load();
}

whenReady(start);

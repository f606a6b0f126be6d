// The "Face data" page: whether a face template is kept, enrolment with explicit biometric
// consent (a fresh photo: camera or upload), withdrawal with its signed deletion receipt
// (decoded, and its ES256 signature checked here against the platform's published keys), and
// the recent face events. API: GET | POST | DELETE /v1/me/face (session cookie, JSON only).
import { ApiError, errorText, getJson, sendJson } from './api.js';
import { el } from './dom.js';
import { formatDateTime } from './format.js';
import { t } from './i18n.js';
import { initPrefs, state, whenReady } from './prefs.js';

const $ = (id) => document.getElementById(id);
const MAX_BYTES = 5 * 1024 * 1024;

let data = null; // GET /v1/me/face
let receipt = null; // {token, id, at, claims, check: 'checking'|'ok'|'bad'|'unsupported'}
let photo = null; // the Blob to enrol (upload or camera)
let stream = null;
let lastStatus = null; // [key, vars] or {text}

function tr(key, vars) { return t(state.lang, key, vars); }

function say(key, vars = {}) {
  lastStatus = [key, vars];
  $('face-status').textContent = tr(key, vars);
}

function sayError(err, fallbackKey = 'face.error') {
  lastStatus = { text: errorText(err, state.lang, t, fallbackKey) };
  $('face-status').textContent = lastStatus.text;
}

function when(seconds) {
  return typeof seconds === 'number' ? formatDateTime(new Date(seconds * 1000).toISOString(), state.lang) || '' : '';
}

function fact(labelKey, value) {
  return el('div', {}, el('dt', { text: tr(labelKey) }), el('dd', { text: value }));
}

// ---------------------------------------------------------------- the receipt (a compact JWS)

function b64urlBytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function decodeJws(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return null;
  try {
    const json = (part) => JSON.parse(new TextDecoder().decode(b64urlBytes(part)));
    return { header: json(parts[0]), claims: json(parts[1]), parts };
  } catch {
    return null;
  }
}

async function verify(token, receiptId) {
  const decoded = decodeJws(token);
  if (!decoded) return 'bad';
  const { header, claims, parts } = decoded;
  if (header.alg !== 'ES256' || header.typ !== 'receipt+jwt' || typeof header.kid !== 'string') return 'bad';
  if (claims.event !== 'face_template_deleted' || claims.jti !== receiptId) return 'bad';
  if (!window.crypto || !window.crypto.subtle) return 'unsupported';
  const jwks = await getJson('/v1/oidc/jwks');
  const jwk = (Array.isArray(jwks.keys) ? jwks.keys : []).find((k) => k.kid === header.kid);
  if (!jwk || jwk.kty !== 'EC' || jwk.crv !== 'P-256') return 'bad';
  try {
    const key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key,
      b64urlBytes(parts[2]), new TextEncoder().encode(`${parts[0]}.${parts[1]}`));
    return valid ? 'ok' : 'bad';
  } catch {
    return 'unsupported';
  }
}

// ---------------------------------------------------------------- rendering

function renderKept() {
  const template = (data && data.template) || { enrolled: false };
  $('face-kept').dataset.state = template.enrolled ? 'enrolled' : 'none';
  $('face-kept-state').textContent = tr(template.enrolled ? 'face.kept.yes' : 'face.kept.none');
  const facts = [];
  if (template.enrolled) {
    facts.push(fact('face.kept.as', tr(`face.kept.as.${template.engine === 'rekognition' ? 'rekognition' : 'local'}`)));
    facts.push(fact('face.kept.source', tr(`face.kept.source.${template.source === 'immigration_record' ? 'immigration_record' : 'fresh_capture'}`)));
    facts.push(fact('face.kept.since', when(template.created_at)));
    facts.push(fact('face.kept.consent', `${template.consent_version || ''} (${when(template.consented_at)})`));
  }
  $('face-facts').replaceChildren(...facts);
  $('face-facts').hidden = facts.length === 0;
  $('face-enrol').hidden = !(data && data.can_enrol);
  $('face-level').hidden = !(data && !template.enrolled && !data.can_enrol);
  $('face-withdraw').hidden = !template.enrolled;
  const consent = (data && data.consent) || {};
  $('face-consent-text').textContent = (state.lang === 'en' ? consent.en : consent.tc) || '';
}

function renderReceipt() {
  $('face-receipt').hidden = !receipt;
  if (!receipt) return;
  const check = $('face-receipt-check');
  check.dataset.verified = receipt.check;
  check.textContent = tr(`face.receipt.${receipt.check}`);
  const stores = (receipt.claims && receipt.claims.deleted && Array.isArray(receipt.claims.deleted.stores))
    ? receipt.claims.deleted.stores : [];
  $('face-receipt-facts').replaceChildren(
    fact('face.receipt.id', receipt.id),
    fact('face.receipt.at', when(receipt.at)),
    fact('face.receipt.stores', stores.map((s) => tr(`face.receipt.store.${s}`)).join(state.lang === 'en' ? '; ' : '；')),
  );
  $('face-receipt-raw').textContent = receipt.token;
}

function renderEvents() {
  const events = (data && Array.isArray(data.events)) ? data.events : [];
  $('face-events-list').replaceChildren(...events.map((e) => {
    const known = ['face_enrolled', 'face_withdrawn', 'face_stepup_passed', 'face_stepup_refused', 'face_stepup_error'];
    const name = known.includes(e.event) ? tr(`face.event.${e.event}`) : String(e.event);
    return el('li', { class: 'account-item', 'data-event': e.event },
      el('strong', { text: name }),
      (e.service_tc || e.service_en || e.client_id) ? el('span', {
        text: ` (${(state.lang === 'en' ? e.service_en || e.service_tc : e.service_tc || e.service_en) || e.client_id})`,
      }) : null,
      el('br'), el('span', { class: 'face-event-time', text: when(e.at) }));
  }));
  $('face-events-none').hidden = events.length > 0;
}

function render() {
  renderKept();
  renderReceipt();
  renderEvents();
  if (lastStatus) $('face-status').textContent = Array.isArray(lastStatus) ? tr(...lastStatus) : lastStatus.text;
}

async function load() {
  try {
    data = await getJson('/v1/me/face');
    $('face-in').hidden = false;
    $('face-out').hidden = true;
  } catch (err) {
    data = null;
    if (err instanceof ApiError && err.status === 401) {
      $('face-out').hidden = false;
      $('face-in').hidden = true;
    } else {
      sayError(err);
    }
  }
  $('face-loading').hidden = true;
  document.body.dataset.state = 'ready';
  render();
}

// ---------------------------------------------------------------- enrolment

function fieldError(id, key) {
  const node = $(id);
  node.hidden = !key;
  node.textContent = key ? tr(key) : '';
  if (key) node.dataset.key = key;
  else delete node.dataset.key;
}

const PHOTO_TYPES = ['image/jpeg', 'image/png'];

/** Decode the picture in the browser: a file that is no JPEG or PNG picture gets a clear
 * message and no preview (never a broken image). */
function decodes(src) {
  return new Promise((resolve) => {
    const probe = new Image();
    probe.onload = () => resolve(probe.naturalWidth > 0);
    probe.onerror = () => resolve(false);
    probe.src = src;
  });
}

async function choose(blob) {
  photo = null;
  const preview = $('face-preview');
  preview.hidden = true;
  preview.removeAttribute('src');
  let problem = null;
  if (!PHOTO_TYPES.includes(blob.type)) problem = 'face.photo.type';
  else if (blob.size > MAX_BYTES) problem = 'face.photo.large';
  let src = null;
  if (!problem) {
    // A data: URL (the site's CSP allows images from 'self' and data: only).
    try { src = await dataUrl(blob); } catch { src = null; }
    if (!src || !(await decodes(src))) problem = 'face.photo.unreadable';
  }
  fieldError('face-photo-error', problem);
  $('face-photo').toggleAttribute('aria-invalid', Boolean(problem));
  if (problem) return;
  photo = blob;
  preview.src = src;
  preview.hidden = false;
}

async function startCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user' }, audio: false });
    $('face-camera').srcObject = stream;
    $('face-camera').hidden = false;
    $('face-camera-shoot').hidden = false;
    $('face-camera-shoot').focus();
  } catch {
    say('face.camera.failed');
  }
}

function stopCamera() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  $('face-camera').hidden = true;
  $('face-camera-shoot').hidden = true;
}

function shoot() {
  const video = $('face-camera');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth || 640;
  canvas.height = video.videoHeight || 480;
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  canvas.toBlob((blob) => {
    if (!blob) return;
    choose(blob);
    stopCamera();
    say('face.camera.taken');
  }, 'image/jpeg', 0.92);
}

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

async function enrol() {
  const agreed = $('face-consent').checked;
  fieldError('face-consent-error', agreed ? null : 'face.consent.required');
  const shown = $('face-photo-error').hidden ? null : $('face-photo-error').dataset.key;
  if (!photo) fieldError('face-photo-error', shown || 'face.photo.required');
  if (!agreed) { $('face-consent').focus(); return; }
  if (!photo) { $('face-photo').focus(); return; }
  const button = $('face-enrol-btn');
  button.disabled = true;
  say('face.enrolling');
  try {
    await sendJson('POST', '/v1/me/face', { consent: true, photo: await dataUrl(photo) });
    photo = null;
    $('face-preview').hidden = true;
    $('face-photo').value = '';
    $('face-consent').checked = false;
    receipt = null;
    await load();
    say('face.enrolled');
    $('face-kept-title').focus();
  } catch (err) {
    sayError(err);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- withdrawal

function askWithdraw(open) {
  $('face-withdraw-confirm').hidden = !open;
  $('face-withdraw-btn').setAttribute('aria-expanded', open ? 'true' : 'false');
  if (open) $('face-withdraw-yes').focus();
  else $('face-withdraw-btn').focus();
}

async function withdraw() {
  const button = $('face-withdraw-yes');
  button.disabled = true;
  say('face.withdrawing');
  try {
    const answer = await sendJson('DELETE', '/v1/me/face', {});
    const decoded = decodeJws(answer.receipt);
    receipt = { token: String(answer.receipt || ''), id: String(answer.receipt_id || ''),
      at: answer.deleted_at, claims: decoded ? decoded.claims : null, check: 'checking' };
    $('face-withdraw-confirm').hidden = true;
    await load();
    say('face.withdrawn');
    $('face-receipt-title').focus();
    let result = 'unsupported';
    try { result = await verify(receipt.token, receipt.id); } catch { result = 'unsupported'; }
    receipt.check = result;
    renderReceipt();
  } catch (err) {
    sayError(err);
  } finally {
    button.disabled = false;
  }
}

whenReady(() => {
  initPrefs(() => {
    render();
    for (const node of document.querySelectorAll('.field-error[data-key]')) node.textContent = tr(node.dataset.key);
  });
  $('face-photo').addEventListener('change', (event) => {
    const file = event.target.files && event.target.files[0];
    if (file) choose(file);
  });
  $('face-camera-start').addEventListener('click', startCamera);
  $('face-camera-shoot').addEventListener('click', shoot);
  $('face-enrol-btn').addEventListener('click', enrol);
  $('face-withdraw-btn').setAttribute('aria-controls', 'face-withdraw-confirm');
  $('face-withdraw-btn').setAttribute('aria-expanded', 'false');
  $('face-withdraw-btn').addEventListener('click', () => askWithdraw(true));
  $('face-withdraw-no').addEventListener('click', () => askWithdraw(false));
  $('face-withdraw-yes').addEventListener('click', withdraw);
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) $('face-camera-start').hidden = true;
  load();
});

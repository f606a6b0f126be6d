// The login page: QR code and number for the iAM Smart app, a passkey button, the same-device
// app link; polls the login transaction until it is approved, denied or expired.
// Every end state says what happened and offers "Back to the service": the API's resume path
// (same origin: the service hears the outcome) or the service's registered address
// (`service.uri`, from the API, never from this page's URL). The page remembers the service
// per transaction in sessionStorage, so that a login that has since ended (Back after it
// finished, a tab left open past its cookie) still knows where to send the citizen.
import { ApiError, errorText, getJson, sendJson } from './api.js';
import { appLink, qrSource } from './handoff.js';
import { t } from './i18n.js';
import { initPrefs, state, whenReady } from './prefs.js';
import { getPasskey, passkeysSupported } from './webauthn.js';

const POLL_MS = 1500;
const TXN_RE = /^[A-Za-z0-9_-]{8,128}$/;
const FINAL = new Set(['authenticated', 'denied', 'expired']);

const $ = (id) => document.getElementById(id);

let txn = null;
let data = null; // the latest GET /v1/login/{txn} answer
let deadline = 0; // Date.now() when the transaction expires
let timer = null;
let statusKey = null; // what the live region says, so it is not re-announced
let passkeyBusy = false;
let lastTries = null;
let endState = null; // [kind, returnHref] once the login has ended
const MEMORY = 'iamsmart.login.';

/** Only our own origin is a place to go next (never an open redirect). */
function sameOrigin(next) {
  if (typeof next !== 'string' || next === '') return null;
  try {
    const url = new URL(next, window.location.origin);
    return url.origin === window.location.origin ? url.href : null;
  } catch {
    return null;
  }
}

/** The service's registered address, as the API gave it: an absolute http(s) URL only. */
function serviceUri(value) {
  if (typeof value !== 'string' || value === '') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

function remember() {
  if (!txn || !data || !data.service) return;
  const { name_en: en, name_tc: tc } = data.service;
  try {
    window.sessionStorage.setItem(MEMORY + txn, JSON.stringify({ en, tc, uri: serviceUri(data.service.uri), deadline }));
  } catch {
    /* storage off: the end state then has the home page only */
  }
}

function remembered() {
  try {
    const value = JSON.parse(window.sessionStorage.getItem(MEMORY + txn) || 'null');
    return value && typeof value === 'object' ? value : null;
  } catch {
    return null;
  }
}

function serviceName(lang) {
  const service = (data && data.service) || {};
  return (lang === 'en' ? service.name_en : service.name_tc) || service.name_en || service.name_tc || '';
}

function say(key, vars) {
  statusKey = key;
  $('login-status').textContent = key ? t(state.lang, key, vars) : '';
}

function setState(name) {
  $('login').dataset.state = name;
}

function remaining() {
  const seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return `${m}:${s}`;
}

function renderPending() {
  const lang = state.lang;
  $('login-service').textContent = serviceName(lang) ? t(lang, 'login.to', { service: serviceName(lang) }) : '';
  $('login-number').textContent = String(data.number ?? '');
  $('login-number').setAttribute('aria-label', t(lang, 'login.summary', { number: data.number ?? '' }));
  const qr = qrSource(data.qr);
  const img = $('login-qr');
  if (qr) {
    if (img.getAttribute('src') !== qr) img.src = qr;
    img.hidden = false;
  } else {
    img.hidden = true;
  }
  const link = appLink(data.app_link);
  $('login-app-link').hidden = !link;
  if (link) $('login-app-link').href = link;
  const passkeyButton = $('login-passkey');
  passkeyButton.disabled = passkeyBusy || !data.passkey;
  $('login-expiry').textContent = t(lang, 'login.expires', { time: remaining() });
  $('login-methods').hidden = false;
  $('login-end').hidden = true;
}

const END_KEYS = {
  denied: 'login.denied',
  wrong_number: 'login.wrong_number.ended',
  expired: 'login.expired',
  ended: 'login.ended',
  invalid: 'login.invalid',
};

function renderEnd() {
  const [kind] = endState;
  const lang = state.lang;
  const memory = remembered();
  const name = serviceName(lang) || (memory && (lang === 'en' ? memory.en || memory.tc : memory.tc || memory.en)) || '';
  $('login-methods').hidden = true;
  $('login-end').hidden = false;
  $('login-end-text').textContent = t(lang, END_KEYS[kind]);
  $('login-end').dataset.key = END_KEYS[kind];
  $('login-service').textContent = name ? t(lang, 'login.to', { service: name }) : '';
  $('login-back').hidden = window.history.length <= 1 || Boolean(endState[1]);
}

/** The login ended without success. Back to the service: `next` (the resume path, so the
 * service hears of it), else the service's registered address. */
function finish(kind, next = null) {
  clearTimeout(timer);
  timer = null;
  setState(kind === 'wrong_number' ? 'denied' : kind);
  const memory = remembered();
  const target = next || serviceUri(data && data.service && data.service.uri) || (memory && serviceUri(memory.uri));
  endState = [kind, target || null];
  say(null);
  renderEnd();
  const back = $('login-return');
  back.hidden = !target;
  if (target) back.href = target;
  $('login-end-text').focus();
}

/** 404 from the status API: unknown, or this browser's login has ended (finished and
 * consumed, or its cookie expired). What the page saw before tells which. */
function gone() {
  const memory = remembered();
  const until = deadline || (memory && memory.deadline) || 0;
  if (!data && !memory) finish('invalid');
  else finish(Date.now() >= until ? 'expired' : 'ended');
}

function go(next) {
  const target = sameOrigin(next);
  if (!target) {
    finish('invalid');
    return;
  }
  clearTimeout(timer);
  timer = null;
  setState('authenticated');
  say('login.approved');
  window.location.assign(target);
}

function apply(answer) {
  data = answer;
  if (typeof answer.expires_in === 'number') deadline = Date.now() + answer.expires_in * 1000;
  remember();
  switch (answer.status) {
    case 'authenticated':
      go(answer.next);
      return;
    case 'denied':
      finish(answer.reason === 'wrong_number' ? 'wrong_number' : 'denied', sameOrigin(answer.next));
      return;
    case 'expired':
      finish('expired', sameOrigin(answer.next));
      return;
    default:
      // Still pending by the server's clock (it says "expired" in time, with the way back).
      setState('pending');
      renderPending();
      if (answer.wrong_numbers > 0 && !passkeyBusy) {
        // The app sent a number that is not the one shown here: say so, and the tries left.
        const vars = { left: Number(answer.tries_left) || 0 };
        if (statusKey !== 'login.wrong_number' || lastTries !== vars.left) say('login.wrong_number', vars);
        lastTries = vars.left;
      } else if (!passkeyBusy && statusKey !== 'login.waiting' && statusKey !== 'login.passkey.cancelled') {
        say('login.waiting');
      }
  }
}

async function poll() {
  timer = null;
  try {
    apply(await getJson(`/v1/login/${encodeURIComponent(txn)}`));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      gone();
      return;
    }
    if (err instanceof ApiError && [401, 403, 410].includes(err.status)) {
      finish(err.status === 410 ? 'expired' : 'invalid');
      return;
    }
    // A network blip or a busy server: keep trying until the transaction would expire.
    if (data && Date.now() >= deadline) {
      finish('expired');
      return;
    }
    if (!data) {
      finish('invalid');
      return;
    }
  }
  if (!FINAL.has(data && data.status) && $('login').dataset.state === 'pending') {
    timer = setTimeout(poll, POLL_MS);
  }
}

async function usePasskey() {
  if (!data || passkeyBusy) return;
  if (!passkeysSupported()) {
    say('login.passkey.unsupported');
    return;
  }
  passkeyBusy = true;
  $('login-passkey').disabled = true;
  say('login.passkey.working');
  try {
    const credential = await getPasskey(data.passkey);
    const answer = await sendJson('POST', `/v1/login/${encodeURIComponent(txn)}/passkey`, { credential });
    if (answer.status === 'authenticated') {
      go(answer.next);
      return;
    }
    say('login.passkey.cancelled');
  } catch (err) {
    if (err instanceof ApiError) {
      statusKey = 'api';
      // The API's own words (e.g. a rejected passkey, too many attempts); the poll notices an
      // ended transaction.
      $('login-status').textContent = errorText(err, state.lang, t, 'login.passkey.cancelled');
    } else {
      say('login.passkey.cancelled'); // NotAllowedError: the citizen cancelled or timed out
    }
  } finally {
    passkeyBusy = false;
    if ($('login').dataset.state === 'pending') $('login-passkey').disabled = !data.passkey;
  }
}

function rerender() {
  const current = $('login').dataset.state;
  if (current === 'pending' && data) renderPending();
  if (current === 'authenticated') say('login.approved');
  else if (statusKey === 'login.wrong_number') say(statusKey, { left: lastTries });
  else if (statusKey && statusKey !== 'api') say(statusKey);
  if (endState) renderEnd();
}

function start() {
  initPrefs(rerender);
  $('login-end-text').tabIndex = -1;
  $('login-passkey').addEventListener('click', usePasskey);
  $('login-back').addEventListener('click', () => window.history.back());
  setInterval(() => {
    if ($('login').dataset.state === 'pending') {
      $('login-expiry').textContent = t(state.lang, 'login.expires', { time: remaining() });
    }
  }, 1000);
  txn = new URLSearchParams(window.location.search).get('txn');
  if (!txn || !TXN_RE.test(txn)) {
    finish('invalid');
    return;
  }
  // Back (or forward) to a page kept in the browser's memory: ask again what became of it.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted && $('login').dataset.state === 'authenticated') poll();
  });
  poll();
}

whenReady(start);

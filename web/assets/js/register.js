// The registration page: consent, identity evidence (a sandbox ID card's chip data or one card
// photo), a selfie (camera, or an upload), an optional live check handed to the iAM Smart app
// (POST /v1/registrations/liveness: QR code or same-device link and a number, followed with
// POST …/liveness/{session}/state; a captured session goes with the application, otherwise the
// application goes on without it and completes at the basic level, as the page says), a
// contact; then the application's progress, polled from GET /v1/registrations/{id}, and the
// outcome (the one-time enrolment code when approved).
import { ApiError, errorText, getJson, sendJson } from './api.js';
import { el } from './dom.js';
import { showHandoff } from './handoff.js';
import { t } from './i18n.js';
import { initPrefs, state, whenReady } from './prefs.js';
import { checkDate, checkEmail, checkHkid, checkNameEn, checkPhone } from './validate.js';

const MAX_FILE_BYTES = 5 * 1024 * 1024; // the platform's limit per photo (the server decides)
const RECODE_ABOVE_BYTES = 1536 * 1024; // bigger photos are scaled down so the application fits
const MAX_SIDE = 1600; // pixels, longest side, for scaled-down and camera photos
const POLL_MS = 1500;
const LIVE_POLL_MS = 2000;
const REVIEW_POLL_MS = 5000;
const APP_ID_RE = /^app_[A-Za-z0-9_-]{16,36}$/;
const FINAL = new Set(['completed', 'not_completed']);
const TYPES = new Set(['image/jpeg', 'image/png']);

const $ = (id) => document.getElementById(id);

const form = {
  sandboxCards: [], // [{id, name_en, name_zh}]
  cardPhoto: null, // base64 (no data: prefix)
  selfie: null, // base64
  errors: [], // [{id, key | text}] the last validation's problems
};
let stream = null; // the camera's MediaStream while it is on
let sending = false;
let application = null; // {id, answer}
let timer = null;
let enrolmentCode = null; // kept in memory only: the API shows it once
let reissueSelfie = null; // base64 of the selfie for a new enrolment code
// The live check: the session from the API (with its nonce and hand-off) and where it stands:
// off (not asked), starting, waiting, started, captured, skipped, failed, unavailable.
const live = { session: null, state: 'off', timer: null };

// ---------------------------------------------------------------- helpers

/** base64 of a data: URL's payload. */
function payloadOf(dataUrl) {
  return dataUrl.slice(dataUrl.indexOf(',') + 1);
}

function readDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('not an image'));
    img.src = src;
  });
}

/** A JPEG data: URL of `source` (an <img> or <video>) with its longest side at most MAX_SIDE. */
function toJpeg(source, width, height) {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext('2d').drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/jpeg', 0.92);
}

/**
 * A chosen photo file as a data: URL ready to send, or throws an Error whose message is an
 * i18n key. Type and size are checked here for a quick answer; the server checks everything.
 */
async function photoFromFile(file) {
  if (!file) throw new Error('reg.photo.missing');
  if (!TYPES.has(file.type)) throw new Error('reg.photo.type');
  if (file.size > MAX_FILE_BYTES) throw new Error('reg.photo.size');
  const dataUrl = await readDataUrl(file);
  let img;
  try {
    img = await loadImage(dataUrl);
  } catch {
    throw new Error('reg.photo.unreadable');
  }
  if (file.size <= RECODE_ABOVE_BYTES) return dataUrl;
  return toJpeg(img, img.naturalWidth, img.naturalHeight);
}

function showPreview(id, dataUrl) {
  const img = $(id);
  if (dataUrl) {
    img.src = dataUrl;
    img.hidden = false;
  } else {
    img.removeAttribute('src');
    img.hidden = true;
  }
}

/** Show (or clear) a field's error: an i18n `key`, or the API's bilingual `message`. */
function fieldError(id, key, message = null) {
  const node = $(id);
  node.dataset.key = key || '';
  node.dataset.message = message ? JSON.stringify(message) : '';
  node.textContent = problemText({ key, message });
  node.hidden = !key && !message;
}

function problemText(problem) {
  if (problem.message) return typeof problem.message[state.lang] === 'string' ? problem.message[state.lang] : '';
  return problem.key ? t(state.lang, problem.key) : '';
}

function evidenceChoice() {
  const picked = document.querySelector('input[name="evidence"]:checked');
  return picked ? picked.value : null;
}

function contactChoice() {
  return document.querySelector('input[name="contact"]:checked').value;
}

// ---------------------------------------------------------------- step 2: evidence

async function loadSandboxCards() {
  form.cardsAsked = true;
  try {
    const answer = await getJson('/v1/sandbox/cards');
    form.sandboxCards = Array.isArray(answer.items) ? answer.items : [];
  } catch {
    form.sandboxCards = []; // not the sandbox: only the card photo
  }
  $('evidence-sandbox-choice').hidden = form.sandboxCards.length === 0;
  // A page cannot read a card's chip: outside the sandbox the app verifies again instead.
  $('reissue-form').hidden = form.sandboxCards.length === 0;
  renderSandboxCards();
  if (form.sandboxCards.length && !evidenceChoice()) $('evidence-sandbox').checked = true;
  if (!form.sandboxCards.length) $('evidence-photo').checked = true;
  showEvidenceBox();
}

function renderSandboxCards() {
  for (const select of [$('sandbox-card'), $('reissue-card')]) {
    const chosen = select.value;
    select.replaceChildren(el('option', { value: '', text: t(state.lang, 'reg.evidence.sandbox.choose') }));
    for (const card of form.sandboxCards) {
      if (typeof card.id !== 'string') continue;
      const name = state.lang === 'tc' && card.name_zh ? `${card.name_zh}（${card.name_en}）` : card.name_en;
      select.append(el('option', { value: card.id, text: name }));
    }
    select.value = chosen;
  }
}

function showEvidenceBox() {
  const choice = evidenceChoice();
  $('evidence-sandbox-box').hidden = choice !== 'sandbox';
  $('evidence-photo-box').hidden = choice !== 'photo';
}

async function onCardPhoto() {
  const file = $('card-photo').files[0];
  form.cardPhoto = null;
  showPreview('card-photo-preview', null);
  fieldError('card-photo-error', null);
  if (!file) return;
  try {
    const dataUrl = await photoFromFile(file);
    form.cardPhoto = payloadOf(dataUrl);
    showPreview('card-photo-preview', dataUrl);
  } catch (err) {
    $('card-photo').value = '';
    fieldError('card-photo-error', err.message);
  }
}

// ---------------------------------------------------------------- step 3: selfie

function note(key) {
  const node = $('camera-note');
  node.dataset.key = key || '';
  node.textContent = key ? t(state.lang, key) : '';
}

async function startCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    note('reg.selfie.camera.none');
    return;
  }
  note('reg.selfie.camera.asking');
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 960 } },
      audio: false,
    });
  } catch (err) {
    stream = null;
    note(err && err.name === 'NotAllowedError' ? 'reg.selfie.camera.denied' : 'reg.selfie.camera.none');
    return;
  }
  const video = $('camera-video');
  video.srcObject = stream;
  $('camera-box').hidden = false;
  $('camera-start').hidden = true;
  note('reg.selfie.camera.ready');
  $('camera-shoot').focus();
}

function stopCamera() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  const video = $('camera-video');
  video.srcObject = null;
  $('camera-box').hidden = true;
  $('camera-start').hidden = false;
}

function shoot() {
  const video = $('camera-video');
  if (!stream || !video.videoWidth) {
    note('reg.selfie.camera.wait');
    return;
  }
  const dataUrl = toJpeg(video, video.videoWidth, video.videoHeight);
  form.selfie = payloadOf(dataUrl);
  $('selfie-file').value = '';
  fieldError('selfie-error', null);
  showPreview('selfie-preview', dataUrl);
  stopCamera();
  $('camera-start').textContent = t(state.lang, 'reg.selfie.retake');
  $('camera-start').dataset.i18n = 'reg.selfie.retake';
  note('reg.selfie.taken');
}

async function onSelfieFile() {
  const file = $('selfie-file').files[0];
  fieldError('selfie-error', null);
  if (!file) return;
  try {
    const dataUrl = await photoFromFile(file);
    form.selfie = payloadOf(dataUrl);
    showPreview('selfie-preview', dataUrl);
    note('reg.selfie.chosen');
  } catch (err) {
    form.selfie = null;
    showPreview('selfie-preview', null);
    $('selfie-file').value = '';
    fieldError('selfie-error', err.message);
  }
}

// ---------------------------------------------------------------- step 4: contact

function showContactKind() {
  const phone = contactChoice() === 'phone';
  const input = $('contact-value');
  const label = $('contact-value-label');
  label.dataset.i18n = phone ? 'reg.contact.phone.label' : 'reg.contact.email.label';
  label.textContent = t(state.lang, label.dataset.i18n);
  input.setAttribute('autocomplete', phone ? 'tel' : 'email');
  input.setAttribute('inputmode', phone ? 'tel' : 'email');
}

// ---------------------------------------------------------------- step 4: live check (optional)

const LIVE_STATUS = {
  starting: 'reg.live.starting', waiting: 'reg.live.waiting', started: 'reg.live.started',
  captured: 'reg.live.captured', skipped: 'reg.live.skipped', failed: 'reg.live.failed',
  unavailable: 'reg.live.unavailable', not_finished: 'reg.live.not_finished',
};

function liveStatusKey() {
  if (live.state === 'captured' && live.session && live.session.evaluated === false) return 'reg.live.captured.sandbox';
  return LIVE_STATUS[live.state] || null;
}

function renderLive() {
  const shown = live.session && ['waiting', 'started'].includes(live.state);
  $('step-live').dataset.state = live.state;
  $('live-choose').hidden = live.state !== 'off';
  $('live-handoff').hidden = !shown;
  showHandoff({ qr: $('live-qr'), number: $('live-number'), link: $('live-app-link') },
    shown ? live.session.handoff : null);
  $('live-again-row').hidden = !['skipped', 'failed', 'unavailable', 'not_finished'].includes(live.state);
  const key = liveStatusKey();
  $('live-status').textContent = key ? t(state.lang, key) : '';
  $('live-status').hidden = !key;
}

function setLive(name) {
  const was = live.state;
  live.state = name;
  if (!['waiting', 'started'].includes(name)) clearTimeout(live.timer);
  renderLive();
  // Moving focus only when the applicant's own button disappeared under it.
  if (['skipped', 'failed', 'unavailable'].includes(name) && was !== name && $('live-handoff').contains(document.activeElement)) {
    $('live-again').focus();
  }
}

async function startLive() {
  clearTimeout(live.timer);
  live.session = null;
  setLive('starting');
  try {
    const answer = await sendJson('POST', '/v1/registrations/liveness', {});
    if (typeof answer.liveness_session !== 'string' || typeof answer.liveness_nonce !== 'string') {
      throw new ApiError(200, 'bad_body', null);
    }
    live.session = answer;
    setLive('waiting');
    $('live-skip').focus();
    followLive();
  } catch {
    setLive('unavailable');
  }
}

function followLive() {
  clearTimeout(live.timer);
  live.timer = setTimeout(pollLive, LIVE_POLL_MS);
}

async function pollLive() {
  const session = live.session;
  if (!session || !['waiting', 'started'].includes(live.state)) return;
  let answer;
  try {
    answer = await sendJson('POST', `/v1/registrations/liveness/${encodeURIComponent(session.liveness_session)}/state`,
      { liveness_nonce: session.liveness_nonce });
  } catch {
    followLive(); // a network blip: keep following
    return;
  }
  if (live.session !== session || !['waiting', 'started'].includes(live.state)) return;
  if (answer.state === 'captured') setLive('captured');
  else if (answer.state === 'waiting' || answer.state === 'started') {
    if (answer.state !== live.state) setLive(answer.state);
    followLive();
  } else setLive('failed'); // expired, used, refused: the application goes on without it
}

function skipLive() {
  live.session = null;
  setLive('skipped');
}

/** The live check's fields for the application: only a session the app captured. */
function liveFields() {
  if (live.state === 'captured' && live.session) {
    return { liveness_session: live.session.liveness_session, liveness_nonce: live.session.liveness_nonce };
  }
  if (['starting', 'waiting', 'started'].includes(live.state)) {
    live.session = null;
    setLive('not_finished');
  }
  return {};
}

// ---------------------------------------------------------------- submit

const ERROR_IDS = ['reg-consent-error', 'evidence-error', 'sandbox-card-error', 'card-photo-error',
  'p-hkid-error', 'p-name-en-error', 'p-name-zh-error', 'p-dob-error', 'p-sex-error', 'p-issue-error',
  'selfie-error', 'contact-error'];
// The API's field paths (details.fields[].field) → [the input, its error line] on this page.
const API_FIELDS = {
  'evidence.particulars.hkid': ['p-hkid', 'p-hkid-error'],
  'evidence.particulars.name_en': ['p-name-en', 'p-name-en-error'],
  'evidence.particulars.name_zh': ['p-name-zh', 'p-name-zh-error'],
  'evidence.particulars.date_of_birth': ['p-dob', 'p-dob-error'],
  'evidence.particulars.sex': ['p-sex', 'p-sex-error'],
  'evidence.particulars.date_of_issue': ['p-issue', 'p-issue-error'],
  'evidence.data_groups.1': ['sandbox-card', 'sandbox-card-error'],
  'evidence.photo': ['card-photo', 'card-photo-error'],
  'consent.face_processing': ['reg-consent', 'reg-consent-error'],
  contact: ['contact-value', 'contact-error'],
  'contact.email': ['contact-value', 'contact-error'],
  'contact.phone': ['contact-value', 'contact-error'],
  selfie: ['selfie-file', 'selfie-error'],
};
const PROBLEM_KEYS = {
  hkid: { missing: 'reg.p.hkid.required', format: 'reg.p.hkid.format', check_digit: 'reg.p.hkid.check' },
  name_en: { missing: 'reg.p.name_en.required', format: 'reg.p.name_en.format' },
  dob: { missing: 'reg.p.dob.required', format: 'reg.p.dob.format', future: 'reg.p.dob.future', too_early: 'reg.p.dob.early' },
  issue: { format: 'reg.p.issue.format', future: 'reg.p.issue.future', too_early: 'reg.p.issue.early' },
  email: { missing: 'reg.contact.email.required', format: 'reg.contact.email.format' },
  phone: { missing: 'reg.contact.phone.required', format: 'reg.contact.phone.format' },
};

/** Everything the browser can check, all at once; each problem shown beside its field. */
function check() {
  const problems = [];
  const fail = (fieldId, errorId, key) => {
    fieldError(errorId, key);
    problems.push({ id: fieldId, key });
  };
  for (const id of ERROR_IDS) {
    const kept = ['card-photo-error', 'selfie-error'].includes(id) && $(id).dataset.key;
    if (!kept && ($(id).dataset.key || $(id).dataset.message)) fieldError(id, null);
  }
  if (!$('reg-consent').checked) fail('reg-consent', 'reg-consent-error', 'reg.consent.required');
  const choice = evidenceChoice();
  if (!choice) fail('evidence-photo', 'evidence-error', 'reg.evidence.required');
  if (choice === 'sandbox' && !$('sandbox-card').value) {
    fail('sandbox-card', 'sandbox-card-error', 'reg.evidence.sandbox.required');
  }
  if (choice === 'photo') {
    if (!form.cardPhoto) fail('card-photo', 'card-photo-error', $('card-photo-error').dataset.key || 'reg.photo.missing');
    const hkid = checkHkid($('p-hkid').value);
    if (hkid.problem) fail('p-hkid', 'p-hkid-error', PROBLEM_KEYS.hkid[hkid.problem]);
    else $('p-hkid').value = hkid.canonical; // full-width or spaced input, shown as on the card
    const name = checkNameEn($('p-name-en').value);
    if (name) fail('p-name-en', 'p-name-en-error', PROBLEM_KEYS.name_en[name]);
    const dob = checkDate($('p-dob').value);
    if (dob) fail('p-dob', 'p-dob-error', PROBLEM_KEYS.dob[dob]);
    if (!$('p-sex').value) fail('p-sex', 'p-sex-error', 'reg.p.sex.required');
    const issue = checkDate($('p-issue').value, { required: false, earliest: dob ? undefined : $('p-dob').value });
    if (issue) fail('p-issue', 'p-issue-error', PROBLEM_KEYS.issue[issue]);
  }
  if (!form.selfie) fail('selfie-file', 'selfie-error', $('selfie-error').dataset.key || 'reg.selfie.required');
  const kind = contactChoice() === 'phone' ? 'phone' : 'email';
  const contact = (kind === 'phone' ? checkPhone : checkEmail)($('contact-value').value);
  if (contact) fail('contact-value', 'contact-error', PROBLEM_KEYS[kind][contact]);
  return problems;
}

/** The API's per-field problems (details.fields), each on its field; the rest listed. */
function apiProblems(err) {
  const fields = err instanceof ApiError && err.details && Array.isArray(err.details.fields) ? err.details.fields : [];
  const one = err instanceof ApiError && err.details && typeof err.details.field === 'string'
    ? [{ field: err.details.field, message: err.apiMessage }] : [];
  const problems = [];
  for (const entry of fields.length ? fields : one) {
    const place = entry && API_FIELDS[entry.field];
    const message = entry && entry.message && typeof entry.message === 'object' ? entry.message : null;
    if (!place || !message) continue;
    fieldError(place[1], null, message);
    problems.push({ id: place[0], message });
  }
  return problems;
}

function renderErrorList() {
  const list = $('reg-error-list');
  list.replaceChildren();
  if (form.apiText) list.append(el('li', { text: form.apiText }));
  for (const problem of form.errors) {
    list.append(el('li', {}, el('a', { href: `#${problem.id}`, text: problemText(problem) })));
  }
}

function showErrors(problems, apiText = null) {
  form.errors = problems;
  form.apiText = apiText;
  const box = $('reg-errors');
  renderErrorList();
  box.hidden = problems.length === 0 && !apiText;
  if (!box.hidden) box.focus();
}

async function evidence() {
  if (evidenceChoice() === 'sandbox') {
    return getJson(`/v1/sandbox/cards/${encodeURIComponent($('sandbox-card').value)}`);
  }
  const particulars = {
    hkid: checkHkid($('p-hkid').value).canonical || $('p-hkid').value.trim(),
    name_en: $('p-name-en').value.trim(),
    name_zh: $('p-name-zh').value.trim() || null,
    date_of_birth: $('p-dob').value,
    sex: $('p-sex').value,
    date_of_issue: $('p-issue').value || null,
  };
  return { kind: 'card_photo', photo: form.cardPhoto, particulars };
}

/** The application without its photos: what POST /v1/registrations/check looks at. */
function textOnly(body) {
  const { evidence: ev } = body;
  const groups = ev.kind === 'chip' && ev.data_groups ? { 1: ev.data_groups['1'] } : undefined;
  const evidenceText = ev.kind === 'chip' ? { kind: 'chip', data_groups: groups } : { kind: ev.kind, particulars: ev.particulars };
  return { channel: body.channel, evidence: evidenceText, consent: body.consent, contact: body.contact, language: body.language };
}

async function submit(event) {
  event.preventDefault();
  if (sending) return;
  const problems = check();
  if (problems.length) {
    showErrors(problems);
    return;
  }
  showErrors([]);
  sending = true;
  $('reg-submit').disabled = true;
  $('reg-form').setAttribute('aria-busy', 'true');
  sayKey('reg-sending', 'reg.checking');
  try {
    const body = {
      channel: 'web',
      evidence: await evidence(),
      selfie: form.selfie,
      consent: { face_processing: true },
      contact: { [contactChoice()]: $('contact-value').value.trim() },
      language: state.lang,
    };
    // The text first, without the photos: a mistyped field never costs sending them again.
    await sendJson('POST', '/v1/registrations/check', textOnly(body));
    sayKey('reg-sending', 'reg.sending');
    let accepted;
    const withLive = { ...body, ...liveFields() };
    try {
      accepted = await sendJson('POST', '/v1/registrations', withLive);
    } catch (err) {
      // The live check expired or was used meanwhile: the application goes on without it.
      if (!(err instanceof ApiError && err.code === 'liveness_session_refused' && withLive.liveness_session)) throw err;
      live.session = null;
      setLive('failed');
      accepted = await sendJson('POST', '/v1/registrations', body);
    }
    if (!APP_ID_RE.test(accepted.application_id || '')) throw new ApiError(200, 'bad_body', null);
    stopCamera();
    clearTimeout(live.timer);
    start(accepted.application_id, true);
  } catch (err) {
    const onFields = apiProblems(err);
    if (onFields.length) {
      showErrors(onFields);
    } else {
      const key = err instanceof ApiError && err.status === 0 ? 'reg.error.network' : 'reg.error';
      showErrors([], errorText(err, state.lang, t, key));
    }
  } finally {
    sending = false;
    $('reg-submit').disabled = false;
    $('reg-form').removeAttribute('aria-busy');
    sayKey('reg-sending', null);
  }
}

function sayKey(id, key) {
  $(id).dataset.key = key || '';
  $(id).textContent = key ? t(state.lang, key) : '';
}

// ---------------------------------------------------------------- progress

function start(id, fresh) {
  application = { id, answer: null };
  $('reg-form').hidden = true;
  $('reg-progress').hidden = false;
  $('app-id').textContent = id;
  const link = new URL('/register.html', window.location.origin);
  link.searchParams.set('application', id);
  $('app-link').href = link.href;
  if (fresh) {
    // The address now names the application: the page can be reopened to follow it.
    const url = new URL(window.location.href);
    url.search = `?application=${encodeURIComponent(id)}`;
    window.history.replaceState(null, '', url.href);
  }
  $('progress-title').tabIndex = -1;
  $('progress-title').focus();
  renderProgress();
  poll();
}

async function poll() {
  timer = null;
  let wait = POLL_MS;
  try {
    const answer = await getJson(`/v1/registrations/${encodeURIComponent(application.id)}`);
    if (answer.enrolment_code) enrolmentCode = String(answer.enrolment_code);
    const before = application.answer && application.answer.status;
    application.answer = answer;
    renderProgress(before !== answer.status);
    if (FINAL.has(answer.status)) {
      finish();
      return;
    }
    if (answer.status === 'in_review') wait = REVIEW_POLL_MS;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      application.answer = { status: 'unknown' };
      $('reg-progress').dataset.state = 'unknown';
      sayKey('progress-status', 'reg.progress.unknown');
      finish();
      return;
    }
    wait = REVIEW_POLL_MS; // a network blip or a busy moment: keep trying
  }
  timer = setTimeout(poll, wait);
}

function stepState(step, status) {
  // The API records the review step when the review opens; until staff decide it is current.
  if (step.step === 'review' && status === 'in_review') return 'current';
  return ['done', 'current', 'pending', 'skipped'].includes(step.state) ? step.state : 'pending';
}

function renderProgress(announce = true) {
  const answer = application && application.answer;
  const lang = state.lang;
  const bar = $('progress-bar');
  const list = $('progress-steps');
  const known = !answer || Array.isArray(answer.steps);
  bar.hidden = !known;
  list.hidden = !known;
  $('progress-label').hidden = !known;
  if (!answer || !Array.isArray(answer.steps)) {
    bar.replaceChildren();
    bar.setAttribute('aria-valuenow', '0');
    bar.setAttribute('aria-valuetext', t(lang, 'loading'));
    $('progress-label').textContent = t(lang, 'loading');
    return;
  }
  $('reg-progress').dataset.state = answer.status;
  if (typeof answer.reference === 'string') {
    $('app-ref').textContent = answer.reference;
    $('help-ref').textContent = answer.reference;
  }
  const steps = answer.steps.filter((s) => s && typeof s.step === 'string');
  // Only steps really done count: a refusal stops early, its remaining steps are "not needed"
  // (never "9 of 9 steps done" for an application that was not completed).
  const done = steps.filter((s) => stepState(s, answer.status) === 'done').length;
  const skipped = steps.filter((s) => stepState(s, answer.status) === 'skipped').length;
  const total = steps.length;
  const text = answer.status === 'not_completed'
    ? t(lang, 'reg.progress.stopped', { done, skipped, total })
    : t(lang, 'reg.progress.count', { done, total });
  bar.setAttribute('aria-valuemax', String(total));
  bar.setAttribute('aria-valuenow', String(done));
  bar.setAttribute('aria-valuetext', text);
  bar.replaceChildren(...steps.map((s) => el('span', { class: `seg seg-${stepState(s, answer.status)}` })));
  $('progress-label').textContent = text;
  list.replaceChildren(...steps.map((s) => {
    const st = stepState(s, answer.status);
    return el('li', { class: `pstep pstep-${st}`, 'data-step': s.step, 'data-state': st },
      el('span', { class: 'pstep-name', text: t(lang, `reg.step.${s.step}`) }),
      el('span', { class: 'pstep-state', text: t(lang, `reg.state.${st}`) }));
  }));
  // The outcome box says how it ended, once: the live status line is for the way there.
  const message = answer.message && typeof answer.message[lang] === 'string' && !FINAL.has(answer.status)
    ? answer.message[lang] : '';
  if (announce || message === '') $('progress-status').textContent = message;
}

function finish() {
  clearTimeout(timer);
  timer = null;
  const answer = application.answer || {};
  $('reg-outcome').hidden = false;
  renderOutcome();
  $('outcome-text').focus();
  $('reg-again').hidden = answer.status === 'completed';
}

function renderOutcome() {
  const answer = (application && application.answer) || {};
  const lang = state.lang;
  let key = 'reg.outcome.unknown';
  if (answer.status === 'completed') key = answer.level === 'plus' ? 'reg.outcome.completed.plus' : 'reg.outcome.completed';
  else if (answer.status === 'not_completed') key = 'reg.outcome.not_completed';
  const apiText = answer.message && typeof answer.message[lang] === 'string' ? answer.message[lang] : '';
  // The API's own words say why (the same for every reason the applicant cannot fix), once.
  $('outcome-text').textContent = answer.status === 'not_completed' && apiText ? apiText : t(lang, key);
  const note = answer.status === 'completed' && answer.liveness_note && typeof answer.liveness_note[lang] === 'string'
    ? answer.liveness_note[lang] : '';
  $('outcome-liveness').textContent = note;
  $('outcome-liveness').hidden = !note;
  const approved = answer.status === 'completed';
  $('enrol-box').hidden = !(approved && enrolmentCode && !answer.device_bound);
  const gone = approved && !enrolmentCode && !answer.device_bound;
  $('enrol-gone').hidden = !gone;
  if (gone && !form.cardsAsked) loadSandboxCards();
  renderHelp(answer, gone || answer.status === 'not_completed');
  if (enrolmentCode) {
    $('enrol-code').textContent = enrolmentCode;
    $('enrol-code').setAttribute('aria-label', t(lang, 'reg.enrol.spelled', { code: enrolmentCode.split('').join(' ') }));
    $('enrol-command').textContent =
      `python -m tools.device --base-url ${window.location.origin} enrol --code ${enrolmentCode}`;
  }
}

/** Where to ask for help, with the reference to quote (sandbox details marked as such). */
function renderHelp(answer, show) {
  const help = answer && answer.help && typeof answer.help === 'object' ? answer.help : null;
  const email = help && typeof help.email === 'string' && help.email.includes('@') ? help.email : null;
  const phone = help && typeof help.phone === 'string' && /^[+0-9 ()-]{6,24}$/.test(help.phone) ? help.phone : null;
  $('reg-help').hidden = !show || !(email || phone);
  $('help-email-line').hidden = !email;
  $('help-phone-line').hidden = !phone;
  if (email) {
    $('help-email').textContent = email;
    $('help-email').href = `mailto:${email}`;
  }
  if (phone) {
    $('help-phone').textContent = phone;
    $('help-phone').href = `tel:${phone.replace(/[^+0-9]/g, '')}`;
  }
  $('help-sandbox').hidden = !(help && help.sandbox === true);
}

async function copyLink() {
  try {
    await navigator.clipboard.writeText($('app-link').href);
    sayKey('app-link-note', 'reg.progress.copied');
  } catch {
    sayKey('app-link-note', 'reg.progress.copy.failed');
  }
}

// ---------------------------------------------------------------- a new enrolment code

async function onReissueSelfie() {
  const file = $('reissue-selfie').files[0];
  reissueSelfie = null;
  fieldError('reissue-selfie-error', null);
  if (!file) return;
  try {
    reissueSelfie = payloadOf(await photoFromFile(file));
  } catch (err) {
    $('reissue-selfie').value = '';
    fieldError('reissue-selfie-error', err.message);
  }
}

/** Verify again (the same card's chip and a new selfie) for a new code; the old one stops. */
async function reissue(event) {
  event.preventDefault();
  if (sending || !application) return;
  fieldError('reissue-error', null);
  fieldError('reissue-card-error', $('reissue-card').value ? null : 'reg.evidence.sandbox.required');
  if (!reissueSelfie && !$('reissue-selfie-error').dataset.key) fieldError('reissue-selfie-error', 'reg.selfie.required');
  if (!$('reissue-card').value || !reissueSelfie) {
    ($('reissue-card').value ? $('reissue-selfie') : $('reissue-card')).focus();
    return;
  }
  sending = true;
  $('reissue-submit').disabled = true;
  sayKey('reissue-sending', 'reg.reissue.working');
  try {
    const card = await getJson(`/v1/sandbox/cards/${encodeURIComponent($('reissue-card').value)}`);
    const answer = await sendJson('POST', `/v1/registrations/${encodeURIComponent(application.id)}/enrolment-code`,
      { evidence: card, selfie: reissueSelfie });
    if (typeof answer.enrolment_code !== 'string') throw new ApiError(200, 'bad_body', null);
    enrolmentCode = answer.enrolment_code;
    reissueSelfie = null;
    $('reissue-form').reset();
    renderOutcome();
    $('outcome-text').dataset.key = 'reg.reissue.done';
    $('outcome-text').textContent = t(state.lang, 'reg.reissue.done');
    $('outcome-text').focus();
  } catch (err) {
    if (err instanceof ApiError && err.details && err.details.field === 'selfie') {
      fieldError('reissue-selfie-error', null, err.apiMessage);
    } else {
      const key = err instanceof ApiError && err.status === 0 ? 'reg.error.network' : 'reg.error';
      fieldError('reissue-error', null, err instanceof ApiError && err.apiMessage ? err.apiMessage : null);
      if (!(err instanceof ApiError && err.apiMessage)) fieldError('reissue-error', key);
    }
  } finally {
    sending = false;
    $('reissue-submit').disabled = false;
    sayKey('reissue-sending', null);
  }
}

// ---------------------------------------------------------------- language changes

function rerender() {
  renderSandboxCards();
  showContactKind();
  for (const node of document.querySelectorAll('.field-error[data-key], #camera-note[data-key], #reg-sending[data-key]')) {
    if (node.dataset.key) node.textContent = t(state.lang, node.dataset.key);
  }
  for (const node of document.querySelectorAll('.field-error[data-message]')) {
    if (node.dataset.message) node.textContent = problemText({ message: JSON.parse(node.dataset.message) });
  }
  if (!$('reg-errors').hidden) renderErrorList();
  renderLive();
  if (application) {
    renderProgress(true);
    if ($('progress-status').dataset.key) sayKey('progress-status', $('progress-status').dataset.key);
    if (!$('reg-outcome').hidden) renderOutcome();
  }
}

function init() {
  initPrefs(rerender);
  for (const input of document.querySelectorAll('input[name="evidence"]')) {
    input.addEventListener('change', showEvidenceBox);
  }
  for (const input of document.querySelectorAll('input[name="contact"]')) {
    input.addEventListener('change', showContactKind);
  }
  $('card-photo').addEventListener('change', onCardPhoto);
  $('selfie-file').addEventListener('change', onSelfieFile);
  $('camera-start').addEventListener('click', startCamera);
  $('camera-stop').addEventListener('click', () => {
    stopCamera();
    note(null);
    $('camera-start').focus();
  });
  $('camera-shoot').addEventListener('click', shoot);
  $('live-start').addEventListener('click', startLive);
  $('live-again').addEventListener('click', startLive);
  $('live-skip').addEventListener('click', () => {
    skipLive();
    $('live-again').focus();
  });
  $('reg-form').addEventListener('submit', submit);
  $('reissue-form').addEventListener('submit', reissue);
  $('reissue-selfie').addEventListener('change', onReissueSelfie);
  $('app-link-copy').addEventListener('click', copyLink);
  $('p-hkid').addEventListener('blur', () => {
    const hkid = checkHkid($('p-hkid').value);
    if (!hkid.problem) $('p-hkid').value = hkid.canonical; // as printed on the card
  });
  window.addEventListener('pagehide', stopCamera);
  showContactKind();
  renderLive();

  const id = new URLSearchParams(window.location.search).get('application');
  if (id && APP_ID_RE.test(id)) {
    start(id, false);
    return;
  }
  loadSandboxCards();
}

whenReady(init);

// The face step-up page: shows the service and the transaction to confirm, and hands the live
// capture to the app (Face Liveness needs the app's video selfie): a QR code or the
// same-device link and a number, then follows the app's capture and its outcome. Where the
// platform's face engine is local (the sandbox), a photo taken or uploaded here is accepted
// too, and liveness is then "not evaluated". A refusal is an alert with the tries left.
import { ApiError, getJson, sendJson } from './api.js';
import { showHandoff } from './handoff.js';
import { initPrefs, state, whenReady } from './prefs.js';

const S = {
  tc: {
    title: '面孔核實', 'txn.title': '你正在確認的交易',
    'app.title': '用「智方便」流動應用程式核實',
    'app.step1': '開啟「智方便」流動應用程式，掃描下面的二維碼。',
    'app.step2': '在應用程式中選出這個數字：',
    'app.step3': '按應用程式的指示拍攝短片，完成活體檢測。',
    'app.open': '在這部裝置開啟「智方便」', number: '數字',
    'qr.alt': '用「智方便」流動應用程式掃描的二維碼',
    'app.waiting': '正在等待你在應用程式中開始。', 'app.started': '已在應用程式開始，請按應用程式的指示完成。',
    'app.captured': '正在核對，請稍候…',
    'capture.title': '或在這個瀏覽器拍攝一張相片',
    tip1: '在光線充足的地方，面向鏡頭。', tip2: '除下帽子和太陽眼鏡，讓整張臉在框內。',
    tip3: '準備好後按「拍照」。你可以慢慢來。', 'camera.start': '開啟鏡頭', 'camera.shoot': '拍照',
    'camera.label': '鏡頭畫面',
    upload: '或上載一張相片（JPEG 或 PNG，最多 5 MB）', cancel: '取消，不繼續',
    service: (n) => `「${n}」要求你以面孔核實確認身份。`, checking: '正在核對相片，請稍候…',
    passed: '核實成功，正在返回服務…', camera: '未能開啟鏡頭。你可以改為上載相片。',
    notEnrolled: '你未有登記面孔模板。請先在帳戶的「面孔資料」頁面登記，或取消。',
    notEvaluated: '此沙盒環境未能進行活體檢測：在這裏拍攝的相片，服務會知悉活體檢測「未有評估」。',
    tries: (n) => `你還可以再試 ${n} 次。`, noTries: '你已沒有剩餘的嘗試次數，正在返回服務…',
    again: '已準備新的二維碼和數字，你可以再試一次。',
    purpose: '用途', payee: '收款人', amount: '金額', reference: '參考編號', error: '發生錯誤，請再試。',
  },
  en: {
    title: 'Face check', 'txn.title': 'The transaction you are confirming',
    'app.title': 'Check with the iAM Smart app',
    'app.step1': 'Open the iAM Smart app and scan the QR code below.',
    'app.step2': 'In the app, choose this number:',
    'app.step3': 'Follow the app to record a short video for the live check.',
    'app.open': 'Open iAM Smart on this device', number: 'Number',
    'qr.alt': 'QR code to scan with the iAM Smart app',
    'app.waiting': 'Waiting for you to start in the app.', 'app.started': 'Started in the app: follow its instructions.',
    'app.captured': 'Checking, please wait…',
    'capture.title': 'Or take a photo in this browser',
    tip1: 'Face the camera in good light.',
    tip2: 'Take off hats and sunglasses; keep your whole face in the frame.',
    tip3: 'Press "Take photo" when ready. Take your time.', 'camera.start': 'Turn on camera',
    'camera.shoot': 'Take photo', 'camera.label': 'Camera view',
    upload: 'Or upload a photo (JPEG or PNG, up to 5 MB)',
    cancel: 'Cancel, do not continue', service: (n) => `${n} asks you to confirm it is you with a face check.`,
    checking: 'Checking the photo, please wait…', passed: 'Checked. Going back to the service…',
    camera: 'The camera could not be turned on. You can upload a photo instead.',
    notEnrolled: 'You have no face template. Enrol one on the Face data page of your account first, or cancel.',
    notEvaluated: 'This sandbox cannot check liveness: for a photo taken here, the service is told liveness was "not evaluated".',
    tries: (n) => (n === 1 ? 'You can try 1 more time.' : `You can try ${n} more times.`),
    noTries: 'No tries are left. Going back to the service…',
    again: 'A new QR code and number are ready: you can try again.',
    purpose: 'Purpose', payee: 'Payee', amount: 'Amount', reference: 'Reference',
    error: 'Something went wrong. Please try again.',
  },
};
const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);
const txt = (key, ...args) => { const v = S[state.lang][key]; return typeof v === 'function' ? v(...args) : v; };
let txn = null;
let view = null;
let live = null; // the current liveness session and its hand-off
let appState = 'waiting';
let refusal = null; // {message: {en, tc}, remaining, declined}
let status = null; // [key, ...args] of the status line, re-rendered on a language switch
let stream = null;
let pollTimer = null;
let busy = false;
let opening = Promise.resolve(); // the liveness session being opened, which a photo waits for

function say(key, ...args) { status = key ? [key, ...args] : null; renderStatus(); }
function renderStatus() {
  const node = $('stepup-status');
  if (!status) { node.textContent = ''; return; }
  const [key, ...args] = status;
  node.textContent = key === 'api' ? args[0][state.lang] : txt(key, ...args);
}

function sameOrigin(next) {
  try { const u = new URL(next, location.origin); return u.origin === location.origin ? u.href : null; } catch { return null; }
}

function fact(label, value) {
  const row = document.createElement('div');
  const dt = document.createElement('dt'); dt.textContent = label;
  const dd = document.createElement('dd'); dd.textContent = value;
  row.append(dt, dd);
  return row;
}

function money(currency, amount) {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${currency} ${amount}`;
  const locale = state.lang === 'en' ? 'en-HK' : 'zh-HK';
  return `${currency} ${value.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function renderAlert() {
  const box = $('stepup-alert');
  if (!refusal) { box.hidden = true; return; }
  $('stepup-alert-text').textContent = refusal.message ? refusal.message[state.lang] : txt('error');
  const left = Number.isInteger(refusal.remaining) ? refusal.remaining : null;
  $('stepup-tries').textContent = refusal.declined || left === 0 ? txt('noTries')
    : left !== null ? `${txt('tries', left)} ${live ? txt('again') : ''}`.trim() : '';
  box.hidden = false;
}

function render() {
  for (const node of document.querySelectorAll('[data-s]')) node.textContent = txt(node.dataset.s);
  for (const node of document.querySelectorAll('[data-s-alt]')) node.setAttribute('alt', txt(node.dataset.sAlt));
  for (const node of document.querySelectorAll('[data-s-aria-label]')) node.setAttribute('aria-label', txt(node.dataset.sAriaLabel));
  renderStatus();
  renderAlert();
  if (!view) return;
  const name = state.lang === 'en' ? view.service.name_en : view.service.name_tc;
  $('stepup-service').textContent = txt('service', name);
  const dl = $('txn-details');
  dl.replaceChildren();
  if (view.transaction) {
    for (const key of ['purpose', 'payee', 'amount', 'reference']) {
      if (!view.transaction[key]) continue;
      const value = key === 'amount' ? money(view.transaction.currency, view.transaction.amount) : view.transaction[key];
      const row = fact(txt(key), value);
      row.dataset.txn = key;
      dl.append(row);
    }
  }
  $('stepup-txn').hidden = !view.transaction;
  const capture = Array.isArray(view.capture) ? view.capture : ['app'];
  $('stepup-methods').hidden = !view.enrolled;
  $('stepup-capture').hidden = !view.enrolled || !capture.includes('web');
  $('upload-row').hidden = !view.upload_allowed;
  $('liveness-note').textContent = view.liveness === 'not_evaluated' ? txt('notEvaluated') : '';
  $('liveness-note').hidden = view.liveness !== 'not_evaluated';
  if (live) showHandoff({ qr: $('stepup-qr'), number: $('stepup-number'), link: $('stepup-app-link') }, live.handoff);
  $('stepup-app-state').textContent = live ? txt(`app.${appState}`) || '' : '';
  $('stepup').dataset.state = !view.enrolled ? 'not_enrolled' : live ? `app_${appState}` : 'loading';
}

/** A fresh liveness session (and its hand-off to the app): on load, and after each try. */
function newSession() {
  opening = (async () => {
    live = null; appState = 'waiting';
    try {
      live = await sendJson('POST', `/v1/login/${encodeURIComponent(txn)}/face/liveness`, {});
    } catch (err) {
      showRefusal(err);
    }
    render();
    schedulePoll();
  })();
  return opening;
}

function schedulePoll() {
  clearTimeout(pollTimer);
  if (live) pollTimer = setTimeout(poll, POLL_MS);
}

/** Follow the app's capture: its state, then the step-up's outcome. */
async function poll() {
  if (!live || busy) { schedulePoll(); return; }
  const session = live.liveness_session;
  let answer;
  try {
    answer = await getJson(`/v1/login/${encodeURIComponent(txn)}/face/liveness/${encodeURIComponent(session)}`);
  } catch { schedulePoll(); return; }
  if (!live || live.liveness_session !== session) return;
  if (answer.state === 'passed') { finish(answer.next); return; }
  if (answer.state === 'refused') {
    refusal = { message: answer.message, remaining: answer.remaining, declined: answer.declined };
    if (answer.declined) { live = null; render(); goBack(answer.next); return; }
    await newSession();
    return;
  }
  if (answer.state === 'expired') { await newSession(); return; }
  if (['waiting', 'started', 'captured'].includes(answer.state) && answer.state !== appState) {
    appState = answer.state;
    if (appState !== 'waiting') { refusal = null; say(null); }
    render();
  }
  schedulePoll();
}

function finish(next) {
  clearTimeout(pollTimer);
  refusal = null; say('passed'); render();
  const target = sameOrigin(next);
  if (target) location.assign(target);
}

function goBack(next) {
  clearTimeout(pollTimer);
  const target = next ? sameOrigin(next) : null;
  if (target) setTimeout(() => location.assign(target), 2500);
}

function showRefusal(err) {
  if (err instanceof ApiError && err.apiMessage) {
    refusal = { message: err.apiMessage, remaining: err.details.remaining, declined: err.details.declined };
  } else {
    refusal = { message: null, remaining: null, declined: false };
  }
  say(null);
  render();
  $('stepup-alert').scrollIntoView({ block: 'nearest' });
}

/** The web capture (local face engine only): the photo with the current session. */
async function send(blob) {
  if (busy) return;
  busy = true;
  refusal = null; say('checking'); render();
  // A photo chosen while the page is still opening its session waits for it, never dropped.
  await opening;
  if (!live) { busy = false; say(null); $('upload').value = ''; return; } // its refusal is shown
  const data = await new Promise((resolve) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.readAsDataURL(blob); });
  try {
    const answer = await sendJson('POST', `/v1/login/${encodeURIComponent(txn)}/face/check`,
      { selfie: String(data), liveness_session: live.liveness_session });
    finish(answer.next);
  } catch (err) {
    showRefusal(err);
    if (!(await backIfClosed())) await newSession();
  } finally {
    busy = false;
    $('upload').value = '';
  }
}

/** After a refusal: when the login is no longer waiting (the last attempt declined it),
 *  take the citizen back to the service, which learns the outcome from its redirect. */
async function backIfClosed() {
  try {
    const login = await getJson(`/v1/login/${encodeURIComponent(txn)}`);
    if (login.status === 'denied' && login.next) {
      refusal = { ...(refusal || {}), declined: true }; live = null; render();
      goBack(login.next);
      return true;
    }
  } catch { /* the message already shown is the best we can do */ }
  return false;
}

async function startCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user' }, audio: false });
    $('camera').srcObject = stream; $('camera').hidden = false; $('camera-shoot').hidden = false;
    $('camera-shoot').focus();
  } catch { say('camera'); $('upload-row').hidden = !view?.upload_allowed; }
}

function shoot() {
  const video = $('camera');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth || 640; canvas.height = video.videoHeight || 480;
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  canvas.toBlob((blob) => { if (blob) send(blob); }, 'image/jpeg', 0.92);
}

whenReady(async () => {
  initPrefs(render);
  txn = new URLSearchParams(location.search).get('txn');
  if (!txn || !/^[A-Za-z0-9_-]{8,128}$/.test(txn)) { say('error'); return; }
  $('camera-start').addEventListener('click', startCamera);
  $('camera-shoot').addEventListener('click', shoot);
  $('upload').addEventListener('change', (e) => { const f = e.target.files && e.target.files[0]; if (f) send(f); });
  $('stepup-cancel').addEventListener('click', async () => {
    clearTimeout(pollTimer);
    try { const a = await sendJson('POST', `/v1/login/${encodeURIComponent(txn)}/face/cancel`, {}); const n = sameOrigin(a.next); if (n) location.assign(n); }
    catch (err) { showRefusal(err); await backIfClosed(); }
  });
  try { view = await getJson(`/v1/login/${encodeURIComponent(txn)}/face`); }
  catch (err) { showRefusal(err); }
  if (view && !view.enrolled) say('notEnrolled');
  render();
  if (view && view.enrolled) await newSession();
});

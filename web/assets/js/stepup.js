// The face step-up page: shows the service and the transaction to confirm, takes one live
// photo (camera through getUserMedia, or an upload where the platform allows it), sends it
// with a fresh liveness session, and goes on to the service when the check passed.
import { ApiError, getJson, sendJson } from './api.js';
import { initPrefs, state, whenReady } from './prefs.js';

const S = {
  tc: {
    title: '面孔核實', 'txn.title': '你正在確認的交易', 'capture.title': '拍攝一張即時相片',
    tip1: '在光線充足的地方，面向鏡頭。', tip2: '除下帽子和太陽眼鏡，讓整張臉在框內。',
    tip3: '準備好後按「拍照」。你可以慢慢來。', 'camera.start': '開啟鏡頭', 'camera.shoot': '拍照',
    upload: '或上載一張相片（JPEG 或 PNG，最多 5 MB）', cancel: '取消，不繼續',
    service: (n) => `${n} 要求你以面孔核實確認身份。`, checking: '正在核對相片，請稍候…',
    passed: '核實成功，正在返回服務…', camera: '未能開啟鏡頭。你可以改為上載相片。',
    notEnrolled: '你未有登記面孔模板。請先在帳戶的「面孔資料」頁面登記，或取消。',
    notEvaluated: '此沙盒環境未能進行活體檢測：服務會知悉活體檢測「未有評估」。',
    purpose: '用途', payee: '收款人', amount: '金額', reference: '參考編號', error: '發生錯誤，請再試。',
  },
  en: {
    title: 'Face check', 'txn.title': 'The transaction you are confirming',
    'capture.title': 'Take a live photo', tip1: 'Face the camera in good light.',
    tip2: 'Take off hats and sunglasses; keep your whole face in the frame.',
    tip3: 'Press "Take photo" when ready. Take your time.', 'camera.start': 'Turn on camera',
    'camera.shoot': 'Take photo', upload: 'Or upload a photo (JPEG or PNG, up to 5 MB)',
    cancel: 'Cancel, do not continue', service: (n) => `${n} asks you to confirm it is you with a face check.`,
    checking: 'Checking the photo, please wait…', passed: 'Checked. Going back to the service…',
    camera: 'The camera could not be turned on. You can upload a photo instead.',
    notEnrolled: 'You have no face template. Enrol one on the Face data page of your account first, or cancel.',
    notEvaluated: 'This sandbox cannot check liveness: the service is told liveness was "not evaluated".',
    purpose: 'Purpose', payee: 'Payee', amount: 'Amount', reference: 'Reference',
    error: 'Something went wrong. Please try again.',
  },
};
const $ = (id) => document.getElementById(id);
const txt = (key, ...args) => { const v = S[state.lang][key]; return typeof v === 'function' ? v(...args) : v; };
let txn = null;
let view = null;
let stream = null;

function say(text) { $('stepup-status').textContent = text; }

function sameOrigin(next) {
  try { const u = new URL(next, location.origin); return u.origin === location.origin ? u.href : null; } catch { return null; }
}

function render() {
  for (const node of document.querySelectorAll('[data-s]')) node.textContent = txt(node.dataset.s);
  if (!view) return;
  const name = state.lang === 'en' ? view.service.name_en : view.service.name_tc;
  $('stepup-service').textContent = txt('service', name);
  const dl = $('txn-details');
  dl.replaceChildren();
  if (view.transaction) {
    for (const key of ['purpose', 'payee', 'amount', 'reference']) {
      if (!view.transaction[key]) continue;
      const dt = document.createElement('dt'); dt.textContent = txt(key);
      const dd = document.createElement('dd');
      dd.textContent = key === 'amount' ? `${view.transaction.currency} ${view.transaction.amount}` : view.transaction[key];
      dl.append(dt, dd);
    }
  }
  $('stepup-txn').hidden = !view.transaction;
  $('stepup-capture').hidden = !view.enrolled;
  $('upload-row').hidden = !view.upload_allowed;
  $('liveness-note').textContent = view.liveness === 'not_evaluated' ? txt('notEvaluated') : '';
  if (!view.enrolled) say(txt('notEnrolled'));
}

async function send(blob) {
  say(txt('checking'));
  const data = await new Promise((resolve) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.readAsDataURL(blob); });
  try {
    const live = await sendJson('POST', `/v1/login/${encodeURIComponent(txn)}/face/liveness`, {});
    const answer = await sendJson('POST', `/v1/login/${encodeURIComponent(txn)}/face/check`,
      { selfie: String(data), liveness_session: live.liveness_session });
    say(txt('passed'));
    const next = sameOrigin(answer.next);
    if (next) location.assign(next);
  } catch (err) {
    say(err instanceof ApiError && err.apiMessage ? err.apiMessage[state.lang] : txt('error'));
    await backIfClosed();
  }
}

/** After a refusal: when the login is no longer waiting (the last attempt declined it),
 *  take the citizen back to the service, which learns the outcome from its redirect. */
async function backIfClosed() {
  try {
    const login = await getJson(`/v1/login/${encodeURIComponent(txn)}`);
    const next = login.status === 'denied' && login.next ? sameOrigin(login.next) : null;
    if (next) setTimeout(() => location.assign(next), 2500);
  } catch { /* the message already shown is the best we can do */ }
}

async function startCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user' }, audio: false });
    $('camera').srcObject = stream; $('camera').hidden = false; $('camera-shoot').hidden = false;
    $('camera-shoot').focus();
  } catch { say(txt('camera')); $('upload-row').hidden = !view?.upload_allowed; }
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
  if (!txn || !/^[A-Za-z0-9_-]{8,128}$/.test(txn)) { say(txt('error')); return; }
  $('camera-start').addEventListener('click', startCamera);
  $('camera-shoot').addEventListener('click', shoot);
  $('upload').addEventListener('change', (e) => { const f = e.target.files && e.target.files[0]; if (f) send(f); });
  $('stepup-cancel').addEventListener('click', async () => {
    try { const a = await sendJson('POST', `/v1/login/${encodeURIComponent(txn)}/face/cancel`, {}); const n = sameOrigin(a.next); if (n) location.assign(n); }
    catch (err) { say(err instanceof ApiError && err.apiMessage ? err.apiMessage[state.lang] : txt('error')); await backIfClosed(); }
  });
  try { view = await getJson(`/v1/login/${encodeURIComponent(txn)}/face`); }
  catch (err) { say(err instanceof ApiError && err.apiMessage ? err.apiMessage[state.lang] : txt('error')); }
  render();
});

// Shared by the data-exchange pages ("My data", "My consents", "Who read my data") and the
// account page's links to them: their strings in both languages, applied to elements marked
// data-x / data-x-aria-label (the portal's own data-i18n texts stay in i18n.js), and helpers.
import { formatDateTime } from './format.js';
import { LANGS, t } from './i18n.js';

export const X_STRINGS = Object.freeze({
  tc: {
    'x.nav.label': '我的資料及同意',
    'x.nav.account': '我的帳戶',
    'x.nav.data': '我的資料',
    'x.nav.consents': '我的同意',
    'x.nav.log': '誰讀取了我的資料',
    'x.account.title': '你的資料及同意',
    'x.account.intro': '查看各部門持有你的哪些資料、你給予服務的資料分享同意及其收據，以及誰曾讀取你的資料。',
    'x.out': '你未有登入。請先登入「智方便」。',
    'x.out.login': '登入「智方便」',
    'x.retry': '重試',
    'x.error': '未能載入資料，請稍後再試。',
    'x.loading': '載入中…',
    // My data
    'x.data.doc': '我的資料 | 一網通辦 市民入口',
    'x.data.title': '各部門持有我的資料',
    'x.data.intro': '這些資料是剛剛以你的登入從各部門即時讀取的，只顯示給你看。每次讀取都會記錄在「誰讀取了我的資料」。',
    'x.data.refresh': '重新讀取',
    'x.data.reading': '正在向各部門讀取你的資料…',
    'x.data.done': '已讀取 {count} 個部門的資料。',
    'x.data.from': '資料來源：{provider}，截至 {when}',
    'x.data.from.unknown': '資料來源：{provider}',
    'x.data.status.ok': '已讀取',
    'x.data.status.timeout': '部門未有及時回覆，這次未能顯示這些資料。',
    'x.data.status.unavailable': '部門系統暫時未能提供資料。',
    'x.data.status.not_held': '這個部門沒有你的紀錄。',
    'x.data.status.other': '未能讀取這個部門的資料。',
    'x.data.none': '沒有部門資料。',
    'x.data.empty': '（沒有）',
    'x.data.yes': '是',
    'x.data.no': '否',
    // My consents
    'x.consents.doc': '我的同意 | 一網通辦 市民入口',
    'x.consents.title': '我的資料分享同意',
    'x.consents.intro': '你曾同意以下服務向部門取得你的資料。每項同意都有一張由「智方便」簽署的收據。撤回後，服務不能再取得你的資料。',
    'x.consents.none': '你未有給予任何資料分享同意。',
    'x.consents.status.active': '有效',
    'x.consents.status.used': '已使用（一次性）',
    'x.consents.status.expired': '已過期',
    'x.consents.status.revoked': '已撤回',
    'x.consents.mode.one_time': '一次性：只可使用一次',
    'x.consents.mode.standing': '長期：在到期前可重用，毋須再問你',
    'x.consents.who': '取得資料的服務',
    'x.consents.purpose': '用途',
    'x.consents.mode': '同意類型',
    'x.consents.fields': '分享的資料',
    'x.consents.retention': '服務保留資料的期限',
    'x.consents.retention.days': '最多 {days} 日',
    'x.consents.granted': '同意日期',
    'x.consents.expires': '有效至',
    'x.consents.used': '使用日期',
    'x.consents.revoked_at': '撤回日期',
    'x.consents.sensitive': '（敏感資料）',
    'x.consents.revoke': '撤回同意',
    'x.consents.revoking': '正在撤回…',
    'x.consents.revoked': '已撤回給「{name}」的同意。服務不能再取得這些資料。',
    'x.receipt.title': '同意收據',
    'x.receipt.id': '收據編號',
    'x.receipt.show': '顯示收據內容',
    'x.receipt.checking': '正在核實收據的簽署…',
    'x.receipt.ok': '收據已核實：簽署來自「智方便」公開的密鑰（{kid}），內容與這項同意相符。',
    'x.receipt.bad': '未能核實這張收據：簽署或內容不符。請勿依賴它，並聯絡我們。',
    'x.receipt.unsupported': '這個瀏覽器未能核實簽署。你可用任何 JOSE 程式庫，以 /v1/oidc/jwks 的公開密鑰核實。',
    'x.receipt.how': '收據是一份 JSON Web Token（JWS，ES256）。服務和你都可以用「智方便」公開的密鑰核實它。',
    'x.receipt.header': '標頭',
    'x.receipt.claims': '內容',
    // Who read my data
    'x.log.doc': '誰讀取了我的資料 | 一網通辦 市民入口',
    'x.log.title': '誰讀取了我的資料',
    'x.log.intro': '每次有服務（或你自己）向部門取得你的資料，以及每次登記面孔和面孔核對，無論成功與否，都會記錄在這裏。紀錄不能被修改或刪除。',
    'x.log.none': '未有任何讀取紀錄。',
    'x.log.more': '顯示較早的紀錄',
    'x.log.you': '你自己（我的資料）',
    'x.log.kind.fetch': '取得資料',
    'x.log.kind.form': '自動填表',
    'x.log.kind.self': '你查看自己的資料',
    'x.log.kind.consent': '給予同意',
    'x.log.kind.revoke': '撤回同意',
    'x.log.outcome.delivered': '已交付',
    'x.log.outcome.partial': '部分交付',
    'x.log.outcome.refused': '已拒絕',
    'x.log.outcome.recorded': '已記錄',
    'x.log.who': '服務',
    'x.log.purpose': '用途',
    'x.log.asked': '要求的資料',
    'x.log.delivered': '交付的資料',
    'x.log.delivered.none': '沒有',
    'x.log.providers': '部門',
    'x.log.reason': '原因',
    'x.log.receipt': '收據編號',
    'x.log.provider.ok': '已提供',
    'x.log.provider.timeout': '逾時',
    'x.log.provider.unavailable': '未能提供',
    'x.log.provider.not_held': '沒有紀錄',
    'x.log.kind.face': '面孔核實',
    'x.log.face.face_enrolled': '已登記面孔模板',
    'x.log.face.face_withdrawn': '已刪除面孔模板',
    'x.log.face.face_stepup_passed': '為「{service}」進行的面孔核對已通過',
    'x.log.face.face_stepup_refused': '為「{service}」進行的面孔核對未能通過',
    'x.log.face.face_stepup_error': '為「{service}」進行的面孔核對未能完成',
    'x.log.face.service': '某項服務',
    'x.log.face.outcome.passed': '已通過',
    'x.log.face.outcome.refused': '未通過',
    'x.log.face.outcome.error': '未完成',
    'x.log.face.outcome.recorded': '已記錄',
    'x.log.face.liveness': '活體檢測',
    'x.log.face.liveness.evaluated': '已進行',
    'x.log.face.liveness.not_evaluated': '未有進行',
    'x.log.face.source': '面孔相片來源',
    'x.log.face.source.fresh_capture': '以鏡頭即時拍攝',
    'x.log.face.source.immigration_record': '入境事務處的紀錄',
    'x.log.face.note': '紀錄不包括任何相片、面孔模板或評分。',
    'x.eme.title': '我的「填表通」個人資料',
    'x.eme.intro': '由你自行填寫及更新的聯絡資料。只有在你同意時，服務才可經「智方便」取得。留空的項目不會保存。',
    'x.eme.address': '通訊地址（英文）',
    'x.eme.address_tc': '通訊地址（中文）',
    'x.eme.phone': '聯絡電話號碼',
    'x.eme.phone.hint': '例如：+852 9123 4567',
    'x.eme.email': '聯絡電郵地址',
    'x.eme.save': '儲存',
    'x.eme.delete': '刪除我的「填表通」資料',
    'x.eme.saved': '已儲存你的「填表通」資料。',
    'x.eme.deleted': '已刪除你的「填表通」資料。',
    'x.eme.updated': '最後更新：{when}',
    'x.eme.none': '你未有保存「填表通」資料。你可以在下面填寫。',
    'x.ask.title': '向部門取得你的資料',
    'x.ask.sensitive': '注意：標示為敏感的資料須格外小心。只在你清楚為何需要時才允許。',
    'x.ask.lead': '「{service}」要求經「智方便」向以下部門取得你的資料：',
    'x.ask.from': '來自{provider}',
    'x.ask.how_long': '同意的有效期',
  },
  en: {
    'x.nav.label': 'My data and consents',
    'x.nav.account': 'My account',
    'x.nav.data': 'My data',
    'x.nav.consents': 'My consents',
    'x.nav.log': 'Who read my data',
    'x.account.title': 'Your data and consents',
    'x.account.intro': 'See what departments hold about you, the data-sharing consents you gave services with their receipts, and who has read your data.',
    'x.out': 'You are not logged in. Please log in with iAM Smart first.',
    'x.out.login': 'Log in with iAM Smart',
    'x.retry': 'Try again',
    'x.error': 'The data could not be loaded. Please try again later.',
    'x.loading': 'Loading…',
    'x.data.doc': 'My data | One-stop Citizen Portal',
    'x.data.title': 'What departments hold about me',
    'x.data.intro': 'This was read just now from each department with your login, and is shown only to you. Every read is recorded in "Who read my data".',
    'x.data.refresh': 'Read again',
    'x.data.reading': 'Reading your data from the departments…',
    'x.data.done': 'Read from {count} departments.',
    'x.data.from': 'Source: {provider}, as of {when}',
    'x.data.from.unknown': 'Source: {provider}',
    'x.data.status.ok': 'Read',
    'x.data.status.timeout': 'The department did not answer in time, so this data cannot be shown now.',
    'x.data.status.unavailable': "The department's system could not provide the data just now.",
    'x.data.status.not_held': 'This department holds no record of you.',
    'x.data.status.other': "This department's data could not be read.",
    'x.data.none': 'No department data.',
    'x.data.empty': '(none)',
    'x.data.yes': 'Yes',
    'x.data.no': 'No',
    'x.consents.doc': 'My consents | One-stop Citizen Portal',
    'x.consents.title': 'My data-sharing consents',
    'x.consents.intro': 'You agreed that these services may obtain your data from departments. Each consent has a receipt signed by iAM Smart. Once you revoke a consent, the service can no longer obtain your data.',
    'x.consents.none': 'You have not given any data-sharing consent.',
    'x.consents.status.active': 'Active',
    'x.consents.status.used': 'Used (one-time)',
    'x.consents.status.expired': 'Expired',
    'x.consents.status.revoked': 'Revoked',
    'x.consents.mode.one_time': 'One-time: can be used once',
    'x.consents.mode.standing': 'Standing: reused until it expires, without asking you again',
    'x.consents.who': 'Service obtaining the data',
    'x.consents.purpose': 'Purpose',
    'x.consents.mode': 'Kind of consent',
    'x.consents.fields': 'Data shared',
    'x.consents.retention': 'How long the service keeps the data',
    'x.consents.retention.days': 'At most {days} days',
    'x.consents.granted': 'Given on',
    'x.consents.expires': 'Valid until',
    'x.consents.used': 'Used on',
    'x.consents.revoked_at': 'Revoked on',
    'x.consents.sensitive': ' (sensitive)',
    'x.consents.revoke': 'Revoke consent',
    'x.consents.revoking': 'Revoking…',
    'x.consents.revoked': 'Your consent to "{name}" is revoked. The service can no longer obtain this data.',
    'x.receipt.title': 'Consent receipt',
    'x.receipt.id': 'Receipt number',
    'x.receipt.show': 'Show what the receipt says',
    'x.receipt.checking': "Checking the receipt's signature…",
    'x.receipt.ok': "Receipt verified: signed with iAM Smart's published key ({kid}), and it matches this consent.",
    'x.receipt.bad': 'This receipt could not be verified: its signature or content does not match. Do not rely on it, and contact us.',
    'x.receipt.unsupported': 'This browser cannot check the signature. Any JOSE library can, with the public keys at /v1/oidc/jwks.',
    'x.receipt.how': "The receipt is a JSON Web Token (JWS, ES256). You and the service can both verify it with iAM Smart's published keys.",
    'x.receipt.header': 'Header',
    'x.receipt.claims': 'Content',
    'x.log.doc': 'Who read my data | One-stop Citizen Portal',
    'x.log.title': 'Who read my data',
    'x.log.intro': 'Every time a service (or you) obtains your data from a department, and every face enrolment and face check, whether it succeeded or not, is recorded here. The records cannot be changed or deleted.',
    'x.log.none': 'No reads recorded yet.',
    'x.log.more': 'Show earlier records',
    'x.log.you': 'You (My data)',
    'x.log.kind.fetch': 'Data obtained',
    'x.log.kind.form': 'Form filled in',
    'x.log.kind.self': 'You viewed your own data',
    'x.log.kind.consent': 'Consent given',
    'x.log.kind.revoke': 'Consent revoked',
    'x.log.outcome.delivered': 'Delivered',
    'x.log.outcome.partial': 'Partly delivered',
    'x.log.outcome.refused': 'Refused',
    'x.log.outcome.recorded': 'Recorded',
    'x.log.who': 'Service',
    'x.log.purpose': 'Purpose',
    'x.log.asked': 'Data asked for',
    'x.log.delivered': 'Data delivered',
    'x.log.delivered.none': 'None',
    'x.log.providers': 'Departments',
    'x.log.reason': 'Reason',
    'x.log.receipt': 'Receipt number',
    'x.log.provider.ok': 'provided',
    'x.log.provider.timeout': 'timed out',
    'x.log.provider.unavailable': 'not available',
    'x.log.provider.not_held': 'no record',
    'x.log.kind.face': 'Face verification',
    'x.log.face.face_enrolled': 'Face template enrolled',
    'x.log.face.face_withdrawn': 'Face template deleted',
    'x.log.face.face_stepup_passed': 'Face check passed for {service}',
    'x.log.face.face_stepup_refused': 'Face check not passed for {service}',
    'x.log.face.face_stepup_error': 'Face check for {service} could not be completed',
    'x.log.face.service': 'a service',
    'x.log.face.outcome.passed': 'Passed',
    'x.log.face.outcome.refused': 'Not passed',
    'x.log.face.outcome.error': 'Not completed',
    'x.log.face.outcome.recorded': 'Recorded',
    'x.log.face.liveness': 'Live check',
    'x.log.face.liveness.evaluated': 'done',
    'x.log.face.liveness.not_evaluated': 'not done',
    'x.log.face.source': 'Face photo taken from',
    'x.log.face.source.fresh_capture': 'your camera, at the time',
    'x.log.face.source.immigration_record': "the Immigration Department's record",
    'x.log.face.note': 'No photo, face template or score is kept in this record.',
    'x.eme.title': 'My e-ME profile',
    'x.eme.intro': 'Contact details you enter and keep up to date yourself. A service can obtain them through iAM Smart only with your consent. Blank items are not kept.',
    'x.eme.address': 'Correspondence address (English)',
    'x.eme.address_tc': 'Correspondence address (Chinese)',
    'x.eme.phone': 'Contact phone number',
    'x.eme.phone.hint': 'For example: +852 9123 4567',
    'x.eme.email': 'Contact e-mail address',
    'x.eme.save': 'Save',
    'x.eme.delete': 'Delete my e-ME profile',
    'x.eme.saved': 'Your e-ME profile is saved.',
    'x.eme.deleted': 'Your e-ME profile is deleted.',
    'x.eme.updated': 'Last updated: {when}',
    'x.eme.none': 'You have not kept an e-ME profile. You can fill it in below.',
    'x.ask.title': 'Your data from departments',
    'x.ask.sensitive': 'Take care: some of this data is marked sensitive. Allow only if you know why it is needed.',
    'x.ask.lead': '"{service}" asks to obtain, through iAM Smart, your data from these departments:',
    'x.ask.from': 'From the {provider}',
    'x.ask.how_long': 'How long this consent lasts',
  },
});

/** A string of these pages (falling back to the portal's own strings). */
export function tx(lang, key, vars = {}) {
  const table = X_STRINGS[lang] || X_STRINGS.tc;
  if (!(key in table)) return t(lang, key, vars);
  return table[key].replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Fill elements marked data-x / data-x-aria-label; the document title from data-x-title. */
export function applyTexts(lang, root = document) {
  for (const node of root.querySelectorAll('[data-x]')) node.textContent = tx(lang, node.dataset.x);
  for (const node of root.querySelectorAll('[data-x-aria-label]')) {
    node.setAttribute('aria-label', tx(lang, node.dataset.xAriaLabel));
  }
  const titleKey = document.documentElement.dataset.xTitle;
  if (root === document && titleKey) document.title = tx(lang, titleKey);
}

/** The `{..._en, ..._tc}` (or `{en, tc}`) text of an API object in `lang`, else the other. */
export function words(item, lang, base = 'name') {
  if (!item || typeof item !== 'object') return '';
  const order = lang === 'en' ? ['en', 'tc'] : ['tc', 'en'];
  for (const l of order) {
    for (const v of [item[`${base}_${l}`], item[l]]) {
      if (typeof v === 'string' && v.trim() !== '') return v;
    }
  }
  return '';
}

/** An ISO-8601 string or epoch seconds, in Hong Kong time; '' if unusable. */
export function when(value, lang) {
  if (typeof value === 'number') return formatDateTime(new Date(value * 1000).toISOString(), lang) || '';
  return formatDateTime(value, lang) || '';
}

// How department data reads: the words come from the provider's registration (the API sends
// each field's label, codes and record members: the same vocabulary as the consent page);
// this page only formats (numbers grouped, dates in full, in the reader's language).

/** The member of a field's records, from its registration (e.g. a vehicle's registration_mark). */
function member(spec, key) {
  const members = spec && spec.members && typeof spec.members === 'object' ? spec.members : null;
  return members && Object.hasOwn(members, key) ? members[key] : null;
}

/** The words of a member of a department's record; its plain name if unregistered. */
export function keyLabel(key, lang, spec = null) {
  return words(member(spec, key), lang, 'label') || String(key).replace(/_/g, ' ');
}

function numberText(value, lang) {
  return new Intl.NumberFormat((LANGS[lang] || LANGS.tc).locale).format(value);
}

/** "1985-03-14" -> "1985年3月14日" / "14 Mar 1985" (a calendar date: no time zone shift). */
function dateText(value, lang) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return value;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat((LANGS[lang] || LANGS.tc).locale,
    { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' }).format(date);
}

/** A one-line text for any JSON value a department may hold (lists and objects included),
 * read with its registered `spec` ({type, codes, members}): codes in words, amounts grouped,
 * dates in full. */
export function valueText(value, lang, spec = null) {
  if (value === null || value === undefined || value === '') return tx(lang, 'x.data.empty');
  if (typeof value === 'boolean') return tx(lang, value ? 'x.data.yes' : 'x.data.no');
  if (Array.isArray(value)) {
    if (value.length === 0) return tx(lang, 'x.data.empty');
    return value.map((v) => valueText(v, lang, spec)).join(lang === 'en' ? '; ' : '；');
  }
  if (typeof value === 'object') {
    return Object.entries(value).filter(([, v]) => v !== null && v !== '')
      .map(([k, v]) => `${keyLabel(k, lang, spec)}: ${valueText(v, lang, member(spec, k))}`)
      .join(lang === 'en' ? ', ' : '，');
  }
  const codes = spec && spec.codes && typeof spec.codes === 'object' ? spec.codes : null;
  if (codes && Object.hasOwn(codes, String(value))) return words(codes[String(value)], lang) || String(value);
  if (typeof value === 'number' && spec && spec.type === 'number') return numberText(value, lang);
  if (typeof value === 'string' && spec && spec.type === 'date') return dateText(value, lang);
  return String(value);
}

/** The session expired or never existed: the page shows its logged-out block. */
export function isLoggedOut(err) {
  return Boolean(err && err.status === 401);
}

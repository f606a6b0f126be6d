// Checks the registration page makes before sending anything, the same rules as the platform's
// (iamsmart.identity.hkid, registration.particulars, registration.intake), which checks again.
// Each check returns null when the value is fine, else a problem name: "missing", "format",
// "check_digit", "future", "too_early". Full-width input (Ａ１２３４５６（３）) is normalised
// (Unicode NFKC) first, as the platform does.

const HKID_RE = /^([A-Z]{1,2})([0-9]{6})(?:\(([0-9A])\)|([0-9A]))$/;
const EMAIL_RE = /^[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$/;
const PHONE_RE = /^(?:\+?852)?[4-9][0-9]{7}$/; // a Hong Kong mobile number
const NAME_EN_RE = /^[A-Za-z][A-Za-z ,.'-]*$/;
const DATE_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const EARLIEST = '1900-01-01';
const HONG_KONG_OFFSET_MS = 8 * 3600 * 1000; // UTC+8, no daylight saving

function fold(text) {
  return String(text ?? '').normalize('NFKC');
}

/** Full-width to ASCII, no spaces, upper case (no validation). */
export function normaliseHkid(text) {
  return fold(text).replace(/\s+/g, '').toUpperCase();
}

function charValue(c) {
  if (c === ' ') return 36;
  if (c >= '0' && c <= '9') return Number(c);
  return c.charCodeAt(0) - 'A'.charCodeAt(0) + 10;
}

/** The check character of a prefix (1-2 letters) and six digits: weights 9..2, mod 11. */
export function checkCharacter(prefix, digits) {
  const body = prefix.padStart(2, ' ') + digits;
  let total = 0;
  for (let i = 0; i < 8; i += 1) total += (9 - i) * charValue(body[i]);
  const check = (11 - (total % 11)) % 11;
  return check === 10 ? 'A' : String(check);
}

/** {problem} or {canonical: "A123456(3)"}. */
export function checkHkid(text) {
  const value = normaliseHkid(text);
  if (!value) return { problem: 'missing' };
  const match = value.length <= 32 ? HKID_RE.exec(value) : null;
  if (!match) return { problem: 'format' };
  const [, prefix, digits, bracketed, compact] = match;
  if (checkCharacter(prefix, digits) !== (bracketed || compact)) return { problem: 'check_digit' };
  return { problem: null, canonical: `${prefix}${digits}(${bracketed || compact})` };
}

export function checkNameEn(text) {
  const value = fold(text).split(/\s+/).filter(Boolean).join(' ');
  if (!value) return 'missing';
  return value.length <= 100 && NAME_EN_RE.test(value) ? null : 'format';
}

export function checkEmail(text) {
  const value = fold(text).trim();
  if (!value) return 'missing';
  return value.length <= 254 && EMAIL_RE.test(value) ? null : 'format';
}

/** A Hong Kong mobile number: 8 digits from 4 to 9, with or without +852, spaces, hyphens. */
export function checkPhone(text) {
  const value = fold(text).trim();
  if (!value) return 'missing';
  return value.length <= 32 && PHONE_RE.test(value.replace(/[\s-]/g, '')) ? null : 'format';
}

/** Today's date in Hong Kong, YYYY-MM-DD. */
export function hongKongToday(now = Date.now()) {
  return new Date(now + HONG_KONG_OFFSET_MS).toISOString().slice(0, 10);
}

/** A YYYY-MM-DD date: not in the future (Hong Kong's today), not before `earliest`. */
export function checkDate(value, { required = true, earliest = EARLIEST, today = hongKongToday() } = {}) {
  if (!value) return required ? 'missing' : null;
  if (!DATE_RE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return 'format';
  if (value > today) return 'future';
  if (value < (earliest || EARLIEST)) return 'too_early';
  return null;
}

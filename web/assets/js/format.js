// Dates and times, always shown in Hong Kong time whatever the browser's zone.
import { LANGS } from './i18n.js';

const TZ = 'Asia/Hong_Kong';
const cache = new Map();

function formatter(lang, kind) {
  const key = `${lang}:${kind}`;
  if (!cache.has(key)) {
    const locale = (LANGS[lang] || LANGS.tc).locale;
    const options = {
      datetime: { timeZone: TZ, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
      date: { timeZone: 'UTC', month: 'short', day: 'numeric' },
    }[kind];
    cache.set(key, new Intl.DateTimeFormat(locale, options));
  }
  return cache.get(key);
}

/** "2030-07-16T14:02:00+08:00" -> "2030年7月16日 14:02" / "16 Jul 2030, 14:02"; null if unusable. */
export function formatDateTime(value, lang) {
  if (typeof value !== 'string' || value === '') return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return formatter(lang, 'datetime').format(date);
}

/** A calendar date "YYYY-MM-DD" -> "7月17日" / "17 Jul"; falls back to the raw text. */
export function formatDay(value, lang) {
  if (typeof value !== 'string') return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return value;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return formatter(lang, 'date').format(date);
}

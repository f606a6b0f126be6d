// Public information sections: weather, traffic news, food alerts, announcements.
import { ApiError, getJson } from './api.js';
import { el, present, safeHref, pictogram } from './dom.js';
import { formatDateTime, formatDay } from './format.js';
import { iconInfo, t } from './i18n.js';

const LIST_PREVIEW = 4;
const controllers = new Map();

// ---------------------------------------------------------------- shared pieces

function timeEl(value, lang, prefix = '') {
  const text = formatDateTime(value, lang);
  if (!text) return null;
  return el('p', { class: 'time' }, prefix, el('time', { datetime: value, text }));
}

/** The "not available yet" / error notice, in the current language, with a retry button. */
export function notice(err, lang, onRetry) {
  const fallback = err && err.notReady ? t(lang, 'not_ready') : t(lang, 'error');
  const fromApi = err && err.apiMessage && typeof err.apiMessage[lang] === 'string' ? err.apiMessage[lang] : null;
  const box = el('div', { class: `notice ${err && err.notReady ? 'notice-not-ready' : 'notice-error'}` },
    el('p', { text: fromApi || fallback }));
  if (onRetry) {
    const button = el('button', { type: 'button', class: 'btn btn-secondary', text: t(lang, 'retry') });
    button.addEventListener('click', onRetry);
    box.append(button);
  }
  return box;
}

function notReadyBlock(lang) {
  return el('div', { class: 'notice notice-not-ready' }, el('p', { text: t(lang, 'not_ready') }));
}

/** A list that shows the first few items and a toggle for the rest. */
function previewList(items, renderItem, lang, className) {
  const list = el('ul', { class: `item-list ${className}` });
  items.forEach((item, index) => {
    const li = renderItem(item);
    if (index >= LIST_PREVIEW) li.hidden = true;
    list.append(li);
  });
  const wrapper = el('div', {}, list);
  if (items.length > LIST_PREVIEW) {
    const button = el('button', {
      type: 'button', class: 'btn btn-secondary btn-more', 'aria-expanded': 'false',
      text: t(lang, 'show.more', { count: items.length }),
    });
    button.addEventListener('click', () => {
      const expand = button.getAttribute('aria-expanded') !== 'true';
      [...list.children].forEach((li, index) => { li.hidden = !expand && index >= LIST_PREVIEW; });
      button.setAttribute('aria-expanded', expand ? 'true' : 'false');
      button.textContent = expand ? t(lang, 'show.less') : t(lang, 'show.more', { count: items.length });
    });
    wrapper.append(button);
  }
  return wrapper;
}

function staleNote(data, lang) {
  const sources = Array.isArray(data.sources) ? data.sources : [];
  if (!sources.some((s) => s && s.ok === false)) return null;
  return el('p', { class: 'stale', text: t(lang, 'stale') });
}

// ---------------------------------------------------------------- weather

const RED_WARNINGS = new Set(['TC8NE', 'TC8SE', 'TC8SW', 'TC8NW', 'TC9', 'TC10', 'WRAINR', 'WRAINB', 'WFIRER', 'WTMW']);

function severity(code) {
  if (RED_WARNINGS.has(code)) return 'severe';
  return 'caution';
}

function renderWarnings(warnings, lang) {
  const inForce = (Array.isArray(warnings) ? warnings : []).filter((w) => w && w.action !== 'CANCEL');
  if (inForce.length === 0) {
    return el('p', { class: 'no-warnings', text: t(lang, 'weather.warnings.none') });
  }
  const list = el('ul', { class: 'warning-list' });
  for (const w of inForce) {
    const title = [w.name, w.type].filter(present).join(' – ');
    list.append(el('li', { class: `warning warning-${severity(w.code)}`, 'data-code': w.code },
      el('strong', { class: 'warning-name', text: title || w.code }),
      timeEl(w.issue_time, lang, t(lang, 'weather.issued'))));
  }
  return el('div', { class: 'warnings', role: 'region', 'aria-labelledby': 'warnings-title' },
    el('h3', { id: 'warnings-title', text: t(lang, 'weather.warnings') }), list);
}

function stat(label, value, extra) {
  return el('div', { class: 'stat' },
    el('dt', { text: label }),
    el('dd', {}, el('span', { class: 'stat-value', text: value }), extra ? el('span', { class: 'stat-extra', text: extra }) : null));
}

function renderCurrent(current, lang) {
  const block = el('div', { class: 'weather-now' }, el('h3', { text: t(lang, 'weather.now') }));
  if (!current) {
    block.append(notReadyBlock(lang));
    return block;
  }
  const stamp = timeEl(current.update_time, lang, t(lang, 'updated'));
  if (stamp) block.append(stamp);
  const icons = Array.isArray(current.icons) ? current.icons : [];
  if (icons.length) {
    block.append(el('ul', { class: 'icon-list' }, ...icons.map((code) => {
      const info = iconInfo(code, lang);
      return el('li', { class: 'icon-text' }, pictogram(info.shape), el('span', { text: info.text }));
    })));
  }
  const stats = el('dl', { class: 'stats' });
  const temp = current.temperature;
  if (temp && present(temp.value)) {
    stats.append(stat(t(lang, 'weather.temperature'), t(lang, 'unit.c', { value: temp.value }),
      present(temp.place) ? t(lang, 'weather.at', { place: temp.place }) : null));
  }
  // Humidity is {place, value}; a bare number is accepted too.
  const humidity = current.humidity && typeof current.humidity === 'object' ? current.humidity : { value: current.humidity };
  if (present(humidity.value)) {
    stats.append(stat(t(lang, 'weather.humidity'), t(lang, 'unit.pct', { value: humidity.value }),
      present(humidity.place) ? t(lang, 'weather.at', { place: humidity.place }) : null));
  }
  const uv = current.uv_index;
  if (uv && present(uv.value)) {
    stats.append(stat(t(lang, 'weather.uv'), String(uv.value), present(uv.desc) ? ` ${uv.desc}` : null));
  } else {
    stats.append(stat(t(lang, 'weather.uv'), t(lang, 'weather.uv.none')));
  }
  block.append(stats);

  const rain = (Array.isArray(current.rainfall) ? current.rainfall : [])
    .filter((r) => r && typeof r.max === 'number' && r.max > 0)
    .sort((a, b) => b.max - a.max);
  const rainBlock = el('div', { class: 'rainfall' }, el('h4', { text: t(lang, 'weather.rainfall') }));
  if (rain.length) {
    rainBlock.append(el('ul', { class: 'chips' },
      ...rain.map((r) => el('li', { text: `${r.place} ${t(lang, 'unit.mm', { value: r.max })}` }))));
  } else {
    rainBlock.append(el('p', { text: t(lang, 'weather.rainfall.none') }));
  }
  block.append(rainBlock);

  const messages = (Array.isArray(current.messages) ? current.messages : []).filter(present);
  if (messages.length) {
    block.append(el('div', { class: 'messages' }, el('h4', { text: t(lang, 'weather.messages') }),
      el('ul', {}, ...messages.map((m) => el('li', { text: m })))));
  }
  return block;
}

function labelled(label, value) {
  if (!present(value)) return null;
  return el('p', {}, el('strong', { text: `${label}${label.endsWith('：') ? '' : ': '}` }), value);
}

function renderLocal(forecast, lang) {
  const block = el('div', { class: 'weather-local' }, el('h3', { text: t(lang, 'weather.local') }));
  if (!forecast) {
    block.append(notReadyBlock(lang));
    return block;
  }
  const sep = lang === 'tc' ? '：' : '';
  block.append(...[
    timeEl(forecast.update_time, lang, t(lang, 'updated')),
    present(forecast.tc_info) ? el('p', { class: 'alert-text' }, el('strong', { text: t(lang, 'weather.tc') + (sep || ': ') }), forecast.tc_info) : null,
    present(forecast.fire_danger) ? el('p', { class: 'alert-text' }, el('strong', { text: t(lang, 'weather.fire') + (sep || ': ') }), forecast.fire_danger) : null,
    present(forecast.period) ? el('p', { class: 'lead', text: forecast.period }) : null,
    present(forecast.description) ? el('p', { text: forecast.description }) : null,
    labelled(t(lang, 'weather.outlook') + sep, forecast.outlook),
    labelled(t(lang, 'weather.situation') + sep, forecast.general_situation),
  ].filter(Boolean));
  return block;
}

function renderNineDay(days, lang) {
  const block = el('div', { class: 'weather-nine' }, el('h3', { text: t(lang, 'weather.nine') }));
  const list = (Array.isArray(days) ? days : []).filter(Boolean);
  if (!list.length) {
    block.append(el('div', { class: 'notice notice-not-ready' }, el('p', { text: t(lang, 'weather.nine.none') })));
    return block;
  }
  const ol = el('ol', { class: 'nine-day' });
  for (const day of list) {
    const info = present(day.icon) ? iconInfo(day.icon, lang) : null;
    const facts = [];
    if (present(day.min_rh) && present(day.max_rh)) {
      facts.push(`${t(lang, 'weather.nine.rh')} ${t(lang, 'range.pct', { min: day.min_rh, max: day.max_rh })}`);
    }
    if (present(day.psr)) facts.push(`${t(lang, 'weather.nine.psr')}${lang === 'tc' ? '：' : ': '}${day.psr}`);
    ol.append(el('li', { class: 'day' },
      el('p', { class: 'day-date' }, el('time', { datetime: day.date, text: formatDay(day.date, lang) }),
        present(day.week) ? el('span', { class: 'day-week', text: ` ${day.week}` }) : null),
      info ? el('p', { class: 'icon-text' }, pictogram(info.shape), el('span', { text: info.text })) : null,
      present(day.min_temp) && present(day.max_temp)
        ? el('p', { class: 'day-temp' },
          el('span', { class: 'visually-hidden', text: `${t(lang, 'weather.nine.temp')} ` }),
          t(lang, 'range.temp', { min: day.min_temp, max: day.max_temp }))
        : null,
      ...facts.map((text) => el('p', { class: 'day-fact', text })),
      present(day.weather) ? el('p', { class: 'day-weather', text: day.weather }) : null,
      present(day.wind) ? el('p', { class: 'day-wind', text: `${t(lang, 'weather.nine.wind')}${lang === 'tc' ? '：' : ': '}${day.wind}` }) : null));
  }
  block.append(ol);
  return block;
}

function renderWeather(data, lang) {
  return [
    staleNote(data, lang),
    renderWarnings(data.warnings, lang),
    el('div', { class: 'weather-grid' },
      renderCurrent(data.current, lang),
      renderLocal(data.local_forecast, lang)),
    renderNineDay(data.nine_day, lang),
  ];
}

// ---------------------------------------------------------------- lists

function listOrEmpty(data, lang, emptyKey, renderItem, className) {
  const items = (Array.isArray(data.items) ? data.items : []).filter(Boolean);
  if (!items.length) return [staleNote(data, lang), el('p', { class: 'empty', text: t(lang, emptyKey) })];
  return [staleNote(data, lang), previewList(items, renderItem, lang, className)];
}

function renderTraffic(data, lang) {
  return listOrEmpty(data, lang, 'traffic.none', (item) => {
    // The old feed's status is a bare number whose meaning is not documented: show only words.
    const status = present(item.status) && !/^\d+$/.test(String(item.status).trim()) ? item.status : null;
    const title = [item.heading, item.location].filter(present).join(lang === 'tc' ? '：' : ': ');
    const meta = [item.district, present(item.direction) ? t(lang, 'traffic.direction', { value: item.direction }) : null]
      .filter(present).join(' · ');
    return el('li', { class: 'item traffic-item' },
      title ? el('h3', { class: 'item-title' },
        status ? el('span', { class: 'badge', text: status }) : null,
        el('span', { text: title })) : (status ? el('span', { class: 'badge', text: status }) : null),
      meta ? el('p', { class: 'meta', text: meta }) : null,
      present(item.text) ? el('p', { text: item.text }) : null,
      timeEl(item.announced_at, lang));
  }, 'traffic-list');
}

function titleLink(item) {
  const href = safeHref(item.link);
  const text = present(item.title) ? item.title : item.link;
  return el('h3', { class: 'item-title' }, href ? el('a', { href, rel: 'noopener', text }) : el('span', { text }));
}

function renderFood(data, lang) {
  return listOrEmpty(data, lang, 'food.none', (item) => {
    const details = (Array.isArray(item.details) ? item.details : []).filter((d) => d && present(d.value));
    return el('li', { class: 'item food-item' },
      titleLink(item),
      timeEl(item.published_at, lang),
      details.length ? el('dl', { class: 'details' }, ...details.map((d) =>
        el('div', {}, el('dt', { text: d.label }), el('dd', { text: d.value })))) : null);
  }, 'food-list');
}

function renderNews(data, lang) {
  return listOrEmpty(data, lang, 'news.none', (item) => el('li', { class: 'item news-item' },
    titleLink(item),
    timeEl(item.published_at, lang),
    present(item.summary) ? el('p', { class: 'summary', text: item.summary }) : null), 'news-list');
}

// ---------------------------------------------------------------- loading

const SECTIONS = [
  { id: 'weather', path: '/v1/info/weather', render: renderWeather },
  { id: 'traffic', path: '/v1/info/traffic', render: renderTraffic },
  { id: 'food', path: '/v1/info/food-alerts', render: renderFood },
  { id: 'news', path: '/v1/info/announcements', render: renderNews },
];

async function loadSection(section, lang) {
  const root = document.getElementById(section.id);
  const body = root.querySelector('[data-body]');
  const updated = root.querySelector('[data-updated]');
  controllers.get(section.id)?.abort();
  const controller = new AbortController();
  controllers.set(section.id, controller);
  root.setAttribute('aria-busy', 'true');
  body.replaceChildren(el('p', { class: 'status', text: t(lang, 'loading') }));
  updated.replaceChildren();
  try {
    const data = await getJson(section.path, { lang }, { signal: controller.signal });
    const when = formatDateTime(data.updated_at, lang);
    if (when) updated.replaceChildren(t(lang, 'updated'), el('time', { datetime: data.updated_at, text: when }));
    body.replaceChildren(...section.render(data, lang).filter(Boolean));
    root.dataset.state = 'ready';
  } catch (err) {
    if (err && err.name === 'AbortError') return;
    body.replaceChildren(notice(err, lang, () => loadSection(section, lang)));
    root.dataset.state = err && err.notReady ? 'not-ready' : 'error';
    if (!(err instanceof ApiError)) console.error(`${section.id}: could not show`, err);
  } finally {
    if (controllers.get(section.id) === controller) root.removeAttribute('aria-busy');
  }
}

export function loadFeeds(lang) {
  for (const section of SECTIONS) loadSection(section, lang);
}

// "My data": what each department holds about me, read live with my session, with provenance.
import { ApiError, getJson, sendJson } from './api.js';
import { el } from './dom.js';
import { applyTexts, isLoggedOut, keyLabel, tx, valueText, when, words } from './exchange.js';
import { statusLine } from './listing.js';
import { initPrefs, state, whenReady } from './prefs.js';

const $ = (id) => document.getElementById(id);
const EME_FIELDS = ['address', 'address_tc', 'phone', 'email'];

let providers = null;
const status = statusLine('x-status', tx, { fallbackKey: 'x.error', isOut: isLoggedOut, onOut: showLoggedOut });

/** A value as the page shows it, read with its field's registered words (`field`: type,
 * codes, record members): lists of records as lists, records as label/value pairs. */
function valueNode(value, lang, field) {
  if (Array.isArray(value) && value.length && value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
    return el('ul', { class: 'x-records' }, ...value.map((record) => el('li', {}, recordNode(record, lang, field))));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) return recordNode(value, lang, field);
  return el('span', { text: valueText(value, lang, field) });
}

function recordNode(record, lang, field) {
  const members = field && field.members && typeof field.members === 'object' ? field.members : {};
  return el('dl', { class: 'x-record' }, ...Object.entries(record).map(([key, v]) =>
    el('div', { 'data-member': key }, el('dt', { text: keyLabel(key, lang, field) }),
      el('dd', { text: valueText(v, lang, Object.hasOwn(members, key) ? members[key] : null) }))));
}

function statusText(status, lang, provider) {
  if (provider === 'EME' && status === 'not_held') return tx(lang, 'x.eme.none');
  const known = ['ok', 'timeout', 'unavailable', 'not_held'];
  return tx(lang, `x.data.status.${known.includes(status) ? status : 'other'}`);
}

function providerNode(provider, lang) {
  const name = words(provider, lang) || provider.id;
  const headingId = `provider-${String(provider.id).replace(/[^A-Za-z0-9_-]/g, '')}`;
  const asOf = when(provider.as_of, lang);
  const datasets = Array.isArray(provider.datasets) ? provider.datasets : [];
  const ok = provider.status === 'ok';
  return el('section', {
    class: `panel x-provider${ok ? '' : ' x-provider-missing'}`, 'aria-labelledby': headingId,
    'data-provider': provider.id, 'data-status': provider.status,
  },
  el('h2', { id: headingId, text: name }),
  el('p', { class: 'meta x-provenance' },
    asOf ? tx(lang, 'x.data.from', { provider: name, when: asOf }) : tx(lang, 'x.data.from.unknown', { provider: name })),
  ok ? null : el('p', { class: 'x-missing', text: statusText(provider.status, lang, provider.id) }),
  ...datasets.map((dataset) => el('div', { class: 'x-dataset', 'data-dataset': dataset.dataset },
    el('h3', { text: words(dataset, lang) || dataset.dataset }),
    el('dl', { class: 'x-fields' }, ...(Array.isArray(dataset.fields) ? dataset.fields : []).map((field) =>
      el('div', { 'data-path': field.path },
        el('dt', { text: words(field, lang, 'label') }),
        el('dd', {}, valueNode(field.value, lang, field))))))));
}

function render() {
  if (!providers) return;
  const lang = state.lang;
  const box = $('data-providers');
  box.replaceChildren(...providers.map((p) => providerNode(p, lang)));
  if (!providers.length) box.append(el('p', { class: 'status', text: tx(lang, 'x.data.none') }));
}

function showLoggedOut() {
  $('x-in').hidden = true;
  $('x-out').hidden = false;
  document.body.dataset.state = 'out';
}

async function load() {
  const button = $('data-refresh');
  button.disabled = true;
  document.body.dataset.state = 'loading';
  status.say('x.data.reading');
  try {
    const answer = await getJson('/v1/me/data');
    providers = Array.isArray(answer.providers) ? answer.providers : [];
    $('x-out').hidden = true;
    $('x-in').hidden = false;
    render();
    status.say('x.data.done', { count: providers.filter((p) => p.status === 'ok').length });
    document.body.dataset.state = 'ready';
  } catch (err) {
    if (err instanceof ApiError && isLoggedOut(err)) status.clear();
    if (status.fail(err) === 'out') return;
    $('x-in').hidden = false;
    document.body.dataset.state = 'error';
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- my e-ME profile

let emeUpdated = null;

function renderEme() {
  $('eme-updated').textContent = emeUpdated ? tx(state.lang, 'x.eme.updated', { when: when(emeUpdated, state.lang) }) : '';
}

function showEme(answer) {
  const profile = answer && answer.profile && typeof answer.profile === 'object' ? answer.profile : {};
  for (const name of EME_FIELDS) $(`eme-${name}`).value = typeof profile[name] === 'string' ? profile[name] : '';
  emeUpdated = answer ? answer.updated_at : null;
  renderEme();
}

async function loadEme() {
  try {
    showEme(await getJson('/v1/me/profile'));
  } catch (err) {
    if (!(err instanceof ApiError && isLoggedOut(err))) status.sayError(err);
  }
}

async function saveEme(method) {
  const buttons = [$('eme-save'), $('eme-delete')];
  for (const b of buttons) b.disabled = true;
  try {
    const body = {};
    if (method === 'PUT') for (const name of EME_FIELDS) body[name] = $(`eme-${name}`).value.trim();
    showEme(await sendJson(method, '/v1/me/profile', body));
    await load();
    status.say(method === 'PUT' ? 'x.eme.saved' : 'x.eme.deleted');
  } catch (err) {
    status.fail(err);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

function start() {
  initPrefs((lang) => {
    applyTexts(lang);
    render();
    renderEme();
    status.resay();
  });
  applyTexts(state.lang);
  $('data-refresh').addEventListener('click', load);
  $('eme-save').addEventListener('click', () => saveEme('PUT'));
  $('eme-delete').addEventListener('click', () => saveEme('DELETE'));
  load();
  loadEme();
}

whenReady(start);

// The consent page: which service asks for which details, in plain words; Allow or Decline.
import { ApiError, errorText, getJson, sendJson } from './api.js';
import { el, safeHref } from './dom.js';
import { applyTexts, tx, words as xwords } from './exchange.js';
import { t } from './i18n.js';
import { initPrefs, state, whenReady } from './prefs.js';

const TXN_RE = /^[A-Za-z0-9_.~-]{8,200}$/;
const $ = (id) => document.getElementById(id);

let txn = null;
let data = null;
let endKey = null;
let endText = null;

/** A `{en, tc}` pair from the shapes the API uses for bilingual names and labels. */
function words(item, lang, base = 'name') {
  if (!item || typeof item !== 'object') return '';
  const nested = item.label && typeof item.label === 'object' ? item.label : null;
  const candidates = lang === 'en'
    ? [item[`${base}_en`], item.label_en, nested && nested.en, item.en, item[`${base}_tc`], item.label_tc]
    : [item[`${base}_tc`], item.label_tc, nested && nested.tc, item.tc, item[`${base}_en`], item.label_en];
  const found = candidates.find((v) => typeof v === 'string' && v.trim() !== '');
  return found || '';
}

function serviceName(lang) {
  return words(data.client || data.service || data, lang);
}

function items() {
  // The scopes in plain words (what the citizen decides on); the claims if there are none.
  for (const key of ['scopes', 'claims']) {
    const list = Array.isArray(data[key]) ? data[key].filter((x) => x && typeof x === 'object') : [];
    if (list.length) return list;
  }
  return [];
}

function render() {
  const lang = state.lang;
  $('consent-lead').textContent = t(lang, 'consent.lead', { service: serviceName(lang) });
  $('consent-items').replaceChildren(...items().map((item) =>
    el('li', { 'data-id': item.id || item.scope || item.claim || null, text: words(item, lang, 'label') })));
  renderExchange(lang);
}

/** The data-exchange request (RFC 9396 authorization_details): who, what, from whom, why, how long. */
function renderExchange(lang) {
  const ask = data && data.data_exchange && typeof data.data_exchange === 'object' ? data.data_exchange : null;
  $('consent-exchange').hidden = !ask;
  if (!ask) return;
  applyTexts(lang, $('consent-exchange'));
  const service = xwords(ask.consumer, lang) || serviceName(lang);
  $('consent-exchange-lead').textContent = tx(lang, 'x.ask.lead', { service });
  const byProvider = new Map();
  for (const field of Array.isArray(ask.fields) ? ask.fields : []) {
    const id = field.provider && field.provider.id ? field.provider.id : '';
    if (!byProvider.has(id)) byProvider.set(id, { provider: field.provider, fields: [] });
    byProvider.get(id).fields.push(field);
  }
  $('consent-exchange-fields').replaceChildren(...[...byProvider.values()].map(({ provider, fields }) =>
    el('div', { class: 'x-ask-provider', 'data-provider': provider && provider.id },
      el('h3', { text: tx(lang, 'x.ask.from', { provider: xwords(provider, lang) || (provider && provider.id) || '' }) }),
      el('ul', { class: 'consent-items' }, ...fields.map((field) => el('li', { 'data-path': field.path },
        xwords(field, lang, 'label') || field.path,
        field.sensitivity === 'sensitive' ? el('strong', { text: tx(lang, 'x.consents.sensitive') }) : null))))));
  const sensitive = (Array.isArray(ask.fields) ? ask.fields : []).some((f) => f.sensitivity === 'sensitive');
  $('consent-exchange-sensitive').hidden = !sensitive;
  $('consent-exchange-sensitive').textContent = sensitive ? tx(lang, 'x.ask.sensitive') : '';
  const fact = (key, value) => (value ? el('div', {}, el('dt', { text: tx(lang, key) }), el('dd', { text: value })) : null);
  $('consent-exchange-facts').replaceChildren(...[
    fact('x.consents.purpose', xwords(ask.purpose, lang)),
    fact('x.ask.how_long', xwords(ask.how_long, lang) || xwords(ask.mode, lang)),
    fact('x.consents.retention', xwords(ask.retention, lang)),
  ].filter(Boolean));
}

function end(key, text = null) {
  endKey = key;
  endText = text;
  $('consent').dataset.state = 'ended';
  $('consent-loading').hidden = true;
  $('consent-body').hidden = true;
  $('consent-end').hidden = false;
  const node = $('consent-end-text');
  node.textContent = text || t(state.lang, key);
  node.tabIndex = -1;
  node.focus();
}

async function decide(decision) {
  for (const id of ['consent-allow', 'consent-deny']) $(id).disabled = true;
  $('consent-status').textContent = t(state.lang, 'consent.working');
  try {
    const answer = await sendJson('POST', `/v1/oidc/consent/${encodeURIComponent(txn)}`, { decision });
    const next = safeHref(answer.next);
    if (!next) throw new ApiError(500, 'bad_body', null);
    $('consent').dataset.state = decision === 'allow' ? 'allowed' : 'declined';
    window.location.assign(next);
  } catch (err) {
    end('consent.invalid', err instanceof ApiError ? errorText(err, state.lang, t, 'consent.invalid') : null);
  }
}

async function start() {
  initPrefs(() => {
    if (data && $('consent').dataset.state === 'ready') render();
    if (endKey && !endText) $('consent-end-text').textContent = t(state.lang, endKey);
  });
  $('consent-allow').addEventListener('click', () => decide('allow'));
  $('consent-deny').addEventListener('click', () => decide('deny'));
  txn = new URLSearchParams(window.location.search).get('txn');
  if (!txn || !TXN_RE.test(txn)) {
    end('consent.invalid');
    return;
  }
  try {
    data = await getJson(`/v1/oidc/consent/${encodeURIComponent(txn)}`);
  } catch (err) {
    end('consent.invalid', err instanceof ApiError ? errorText(err, state.lang, t, 'consent.invalid') : null);
    return;
  }
  render();
  $('consent-loading').hidden = true;
  $('consent-body').hidden = false;
  $('consent').dataset.state = 'ready';
}

whenReady(start);

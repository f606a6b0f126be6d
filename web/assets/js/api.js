// The one way the pages talk to the platform API (same origin, JSON): getJson() and sendJson()
// with the citizen's session cookie, keyedJson() with an API key; one fetch and error decoding.

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 when the network failed)
   * @param {string} code the API's error code, e.g. "not_ready"
   * @param {{en?: string, tc?: string} | null} message the API's bilingual message, if any
   * @param {object | null} details the API's details (e.g. {remaining: 2} attempts left, or
   *   `fields`: one problem per field)
   */
  constructor(status, code, message, details = null) {
    super(code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.apiMessage = message;
    this.details = details && typeof details === 'object' ? details : {};
  }

  /** True when the data simply has not been fetched yet (first start) or is briefly down. */
  get notReady() {
    return this.code === 'not_ready' || this.status === 503;
  }
}

/**
 * The one fetch and answer decoding of every API call. Throws ApiError for a network failure
 * (status 0), any non-2xx answer (the API's code, bilingual message and details), or a 2xx body
 * that is not a JSON object; an empty 2xx body is `{}` only when `emptyIsObject`. An AbortError
 * is re-thrown as is so callers can ignore superseded requests.
 */
async function request(url, init, emptyIsObject) {
  let response;
  let data = null;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', null);
  }
  try {
    const text = await response.text();
    data = text || !emptyIsObject ? JSON.parse(text) : {};
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    data = null;
  }
  if (!response.ok) {
    const code = data && typeof data.error === 'string' ? data.error : 'http_error';
    const message = data && data.message && typeof data.message === 'object' ? data.message : null;
    throw new ApiError(response.status, code, message, data && data.details);
  }
  if (data === null || typeof data !== 'object') throw new ApiError(response.status, 'bad_body', null);
  return data;
}

/**
 * GET `path` with query `params` (empty values dropped) and return the parsed JSON body.
 * Errors as request().
 */
export async function getJson(path, params = {}, { signal } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  return request(url, { headers: { Accept: 'application/json' }, signal }, false);
}

/**
 * POST/PUT/DELETE `body` as JSON (the browser APIs accept only JSON mutations: CSRF) and return
 * the parsed JSON answer ({} for an empty 2xx answer). Errors as request().
 */
export async function sendJson(method, path, body = undefined) {
  // Always a JSON body, even for DELETE: the API accepts cookie-authenticated mutations only
  // as application/json (a cross-site form cannot send that).
  return request(new URL(path, window.location.origin), {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body === undefined ? {} : body),
  }, true);
}

/**
 * An API call made with an API key (`x-api-key`, e.g. the staff console's) instead of the
 * citizen's cookie: no cookie sent, nothing cached; a JSON body only when `body` is given.
 * Errors as request() (an empty body is not an answer).
 */
export async function keyedJson(method, path, key, body = undefined) {
  const headers = { Accept: 'application/json', 'x-api-key': key || '' };
  const init = { method, headers, credentials: 'omit', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return request(new URL(path, window.location.origin), init, false);
}

/** The API's own bilingual message for an error, else the page's `fallbackKey` text. */
export function errorText(err, lang, t, fallbackKey = 'error') {
  if (err instanceof ApiError && err.apiMessage && typeof err.apiMessage[lang] === 'string') {
    return err.apiMessage[lang];
  }
  return t(lang, fallbackKey);
}

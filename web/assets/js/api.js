// The one way the page talks to the platform API (same origin, GET, JSON).

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
 * GET `path` with query `params` (empty values dropped) and return the parsed JSON body.
 * Throws ApiError for any non-2xx answer, for a body that is not JSON, or a network failure.
 * An AbortError is re-thrown as is so callers can ignore superseded requests.
 */
export async function getJson(path, params = {}, { signal } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' }, signal });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', null);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    body = null;
  }
  if (!response.ok) {
    const code = body && typeof body.error === 'string' ? body.error : 'http_error';
    const message = body && body.message && typeof body.message === 'object' ? body.message : null;
    throw new ApiError(response.status, code, message, body && body.details);
  }
  if (body === null || typeof body !== 'object') throw new ApiError(response.status, 'bad_body', null);
  return body;
}

/**
 * POST/PUT/DELETE `body` as JSON (the browser APIs accept only JSON mutations: CSRF) and return
 * the parsed JSON answer ({} for an empty 2xx answer). Errors as getJson.
 */
export async function sendJson(method, path, body = undefined) {
  // Always a JSON body, even for DELETE: the API accepts cookie-authenticated mutations only
  // as application/json (a cross-site form cannot send that).
  const init = {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body === undefined ? {} : body),
  };
  let response;
  try {
    response = await fetch(new URL(path, window.location.origin), init);
  } catch {
    throw new ApiError(0, 'network_error', null);
  }
  let data = null;
  try {
    const text = await response.text();
    data = text ? JSON.parse(text) : {};
  } catch {
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

/** The API's own bilingual message for an error, else the page's `fallbackKey` text. */
export function errorText(err, lang, t, fallbackKey = 'error') {
  if (err instanceof ApiError && err.apiMessage && typeof err.apiMessage[lang] === 'string') {
    return err.apiMessage[lang];
  }
  return t(lang, fallbackKey);
}

// Whether the citizen is logged in (GET /v1/me answers 200 with the session cookie), and the
// header's "Log in / My account" link.
import { ApiError, getJson } from './api.js';
import { t } from './i18n.js';
import { state } from './prefs.js';

let me = null;
let known = false;

/** The logged-in citizen (the /v1/me answer) or null; asks the API once unless `refresh`. */
export async function currentUser({ refresh = false } = {}) {
  if (known && !refresh) return me;
  try {
    const answer = await getJson('/v1/me');
    // A 200 that says "no session" ({authenticated: false}) counts as logged out too.
    me = answer && answer.authenticated === false ? null : answer;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    me = null; // 401 (not logged in), or the API cannot say: treated as logged out
  }
  known = true;
  document.documentElement.dataset.session = me ? 'in' : 'out';
  return me;
}

export function loggedIn() {
  return me !== null;
}

/** The header link reads "My account" when logged in, "Log in" otherwise. */
export async function initAccountLink() {
  const user = await currentUser();
  const link = document.getElementById('account-link');
  if (link) {
    link.dataset.i18n = user ? 'account.link.in' : 'account.link.out';
    link.textContent = t(state.lang, link.dataset.i18n);
  }
  return user;
}

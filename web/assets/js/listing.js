// What the list pages (account, my data, my consents, who read my data) share, written once:
// - statusLine(): the page's one role="status" region. A string said by key is said again in
//   the new language after a switch (resay); an API error is said in the API's own words (or the
//   page's fallback) and stays as said. fail(err) is the one reaction to a failed call: a
//   logged-out answer shows the page's "log in" box, anything else is said.
// - showList(): the first read of a page's list: shown (body data-state "ready"), or why not.
// - cursorList(): a list read page by page with the API's opaque `next` cursor ("show earlier").
import { ApiError, errorText } from './api.js';
import { state } from './prefs.js';

/**
 * @param {string} id the status element's id
 * @param {(lang: string, key: string, vars?: object) => string} translate the page's strings
 * @param {{fallbackKey: string, isOut: (err: ApiError) => boolean, onOut: () => void}} how
 */
export function statusLine(id, translate, { fallbackKey, isOut, onOut }) {
  let last = null; // [key, vars] of the last string said by key
  const node = () => document.getElementById(id);
  const line = {
    say(key, vars = {}) {
      last = [key, vars];
      node().textContent = translate(state.lang, key, vars);
    },
    sayError(err) {
      last = null;
      node().textContent = errorText(err, state.lang, translate, fallbackKey);
    },
    clear() {
      last = null;
      node().textContent = '';
    },
    /** Say the last keyed string again (after a language switch). */
    resay() {
      if (last) line.say(...last);
    },
    /** 'out' (the log-in box is shown) or 'error' (said). */
    fail(err) {
      if (err instanceof ApiError && isOut(err)) {
        onOut();
        return 'out';
      }
      line.sayError(err);
      return 'error';
    },
  };
  return line;
}

/**
 * The first read of a page's list: `read()` fetches it; then the box `inId` is shown, `render()`
 * draws it and the body's data-state is "ready" (true). A failure goes to `status.fail()` (the
 * body's data-state "out" by the page's onOut, else "error") and answers false.
 */
export async function showList(status, read, inId, render) {
  try {
    await read();
  } catch (err) {
    if (status.fail(err) === 'error') document.body.dataset.state = 'error';
    return false;
  }
  document.getElementById(inId).hidden = false;
  render();
  document.body.dataset.state = 'ready';
  return true;
}

/**
 * A list read by cursor. `fetchPage(cursor)` answers `{items, next}` (cursor null for the first
 * page; `next` null after the last). `items` is null until the first page is read.
 */
export function cursorList(fetchPage) {
  const list = {
    items: null,
    next: null,
    async first() {
      const page = await fetchPage(null);
      list.items = page.items;
      list.next = page.next || null;
      return page.items;
    },
    /** The next page, appended; answers the new items. */
    async more() {
      const page = await fetchPage(list.next);
      list.items = list.items.concat(page.items);
      list.next = page.next || null;
      return page.items;
    },
  };
  return list;
}

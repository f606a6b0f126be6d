// The account page's links to the data-exchange pages, in the current language (their strings
// live in exchange.js; the account page's own texts in i18n.js).
import { applyTexts } from './exchange.js';
import { state, whenReady } from './prefs.js';

whenReady(() => {
  applyTexts(state.lang);
  // After prefs.js's own handler (registered first by account.js) has switched the language.
  document.getElementById('lang-toggle')?.addEventListener('click', () => applyTexts(state.lang));
});

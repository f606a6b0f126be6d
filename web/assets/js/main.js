// Entry point of the portal's home page: preferences (language, elderly mode), static texts,
// the citizen's login state (header link, one-click login), and loading each section.
import { initPrefs, state, whenReady } from './prefs.js';
import { loadFeeds } from './feeds.js';
import { initServices, loadServices } from './services.js';
import { initAccountLink } from './session.js';

export { state };

function reloadData() {
  loadFeeds(state.lang);
  loadServices(state.lang);
}

/** The link at the top of the page: straight to the catalogue's search field (on a phone in
 * elderly mode the catalogue is otherwise many screens down). */
function initJump() {
  document.getElementById('jump-services').addEventListener('click', (event) => {
    event.preventDefault();
    const search = document.getElementById('service-q');
    document.getElementById('services').scrollIntoView({ block: 'start' });
    search.focus({ preventScroll: true });
    window.history.replaceState(null, '', '#services');
  });
}

async function start() {
  initPrefs(() => reloadData());
  initJump();
  initServices(() => state.lang);
  // Know whether the citizen is logged in before the services render their login actions,
  // but never let the feeds wait for it.
  loadFeeds(state.lang);
  await initAccountLink();
  loadServices(state.lang);
}

whenReady(start);

// The logged-out page: says whether the citizen logged out here or on every device.
import { initPrefs, whenReady } from './prefs.js';

whenReady(() => {
  if (new URLSearchParams(window.location.search).get('all') === '1') {
    document.getElementById('out-text').dataset.i18n = 'loggedout.all';
  }
  initPrefs();
});

// The "page not found" page (served with status 404 for any unknown path): language and
// elderly mode as on every page; its links lead home.
import { initPrefs, whenReady } from './prefs.js';

whenReady(() => initPrefs());

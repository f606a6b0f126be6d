// The chrome every page but the portal's home shares, written once: the site header (site name
// linking home, an optional tagline, the language and elderly-mode switches) and the footer note.
//
// A page keeps its landmarks in its HTML and marks what goes in them:
//   <header class="site-header" data-tagline="iam.tagline"></header>   (no data-tagline: none)
//   <footer class="site-footer" data-note="iam.footer"></footer>
// prefs.js renders them when it is loaded, before any page script runs (module scripts run once
// the document is parsed), so the switches exist before initPrefs() wires them; the texts are
// the i18n.js keys, filled in the current language by applyStaticTexts(). No inline script or
// markup string: elements are built with dom.js (the CSP allows only our own scripts).
import { el } from './dom.js';
import { t } from './i18n.js';

/** An element whose text and aria-label come from i18n.js (Chinese until prefs applies). */
function said(tag, attrs, key, ariaKey) {
  const node = el(tag, { ...attrs, 'data-i18n': key, text: t('tc', key) });
  if (ariaKey) {
    node.setAttribute('data-i18n-aria-label', ariaKey);
    node.setAttribute('aria-label', t('tc', ariaKey));
  }
  return node;
}

function headerContent(tagline) {
  const settings = el('div', { class: 'settings', role: 'group' },
    said('button', { type: 'button', id: 'lang-toggle', class: 'btn btn-lang', lang: 'en' },
      'lang.switch', 'lang.switch.aria'),
    said('button', { type: 'button', id: 'elderly-toggle', class: 'btn btn-toggle', 'aria-pressed': 'false' },
      'elderly.on', 'elderly.aria'));
  settings.setAttribute('data-i18n-aria-label', 'settings.label');
  settings.setAttribute('aria-label', t('tc', 'settings.label'));
  return el('div', { class: 'wrap header-inner' },
    el('div', { class: 'brand' },
      el('p', { class: 'site-name' }, said('a', { class: 'home-link', href: '/' }, 'site.name')),
      tagline ? said('p', { class: 'tagline' }, tagline) : null),
    el('div', { class: 'header-actions' }, settings));
}

/** Fill the empty header and footer marked for the shared chrome; a filled one is left alone. */
export function renderChrome(doc = document) {
  const header = doc.querySelector('header.site-header');
  if (header && !header.firstElementChild && header.hasAttribute('data-chrome')) {
    header.append(headerContent(header.dataset.tagline || ''));
  }
  const footer = doc.querySelector('footer.site-footer');
  if (footer && !footer.firstElementChild && footer.dataset.note) {
    footer.append(el('div', { class: 'wrap' }, said('p', {}, footer.dataset.note)));
  }
}

// The hand-off of a live capture to the iAM Smart app, shared by the step-up and registration
// pages: the API's `handoff` ({number, app_link, qr: {payload, svg}}) shown as a QR code (an
// SVG data: URI only), the same-device link (the app's own scheme only) and the number to pick.
// Anything else the API might send is not shown: the element stays hidden.

/** The QR code's image source, when it is an SVG data: URI. */
export function qrSource(qr) {
  const svg = qr && qr.svg;
  return typeof svg === 'string' && svg.startsWith('data:image/svg+xml') ? svg : null;
}

/** The same-device link, when it is the app's own scheme. */
export function appLink(value) {
  return typeof value === 'string' && /^iamsmart:\/\//i.test(value) ? value : null;
}

/**
 * Show `handoff` in the page's elements {qr: <img>, number, link: <a>}; `null` clears them.
 * The image is only reloaded when the code changed (no flicker while polling).
 */
export function showHandoff(nodes, handoff) {
  const qr = handoff ? qrSource(handoff.qr) : null;
  if (qr) {
    if (nodes.qr.getAttribute('src') !== qr) nodes.qr.src = qr;
  } else {
    nodes.qr.removeAttribute('src');
  }
  nodes.qr.hidden = !qr;
  const number = handoff && Number.isInteger(handoff.number) ? String(handoff.number) : '';
  nodes.number.textContent = number;
  const link = handoff ? appLink(handoff.app_link) : null;
  if (link) nodes.link.href = link;
  else nodes.link.removeAttribute('href');
  nodes.link.hidden = !link;
}

// Small DOM helpers. API data only ever reaches the page through textContent / attributes.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Create an element: el('p', {class: 'x', text: 'hello'}, child1, child2).
 * `text` sets textContent; other keys become attributes (null/false/undefined skipped).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Only http(s) links are rendered as links; anything else (javascript:, data:) is dropped. */
export function safeHref(value) {
  if (typeof value !== 'string' || value === '') return null;
  try {
    const url = new URL(value, window.location.origin);
    return url.protocol === 'https:' || url.protocol === 'http:' ? value : null;
  } catch {
    return null;
  }
}

/** True for values worth showing (not null/undefined/empty or blank string). */
export function present(value) {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.trim() !== '';
  return true;
}

// Simple line-art weather pictograms (decorative: the text label always accompanies them).
const SHAPES = {
  sun: ['M12 7a5 5 0 1 0 0 10a5 5 0 1 0 0-10z', 'M12 1v3M12 20v3M1 12h3M20 12h3M4.2 4.2l2.1 2.1M17.7 17.7l2.1 2.1M4.2 19.8l2.1-2.1M17.7 6.3l2.1-2.1'],
  hot: ['M12 7a5 5 0 1 0 0 10a5 5 0 1 0 0-10z', 'M12 1v3M12 20v3M1 12h3M20 12h3M4.2 4.2l2.1 2.1M17.7 17.7l2.1 2.1M4.2 19.8l2.1-2.1M17.7 6.3l2.1-2.1', 'M10 12h4'],
  cloud: ['M7 18h10a4 4 0 0 0 0-8a6 6 0 0 0-11.5 1.5A3.3 3.3 0 0 0 7 18z'],
  'sun-cloud': ['M9 4a4 4 0 0 1 5.5 3', 'M9 1v1.5M3.5 4.5l1 1M2 10h1.5', 'M8 20h9a3.5 3.5 0 0 0 0-7a5 5 0 0 0-9.6 1.2A2.9 2.9 0 0 0 8 20z'],
  'sun-rain': ['M9 4a4 4 0 0 1 5.5 3', 'M9 1v1.5M3.5 4.5l1 1', 'M8 16h9a3.5 3.5 0 0 0 0-7a5 5 0 0 0-9.6 1.2A2.9 2.9 0 0 0 8 16z', 'M9 19l-1 3M13 19l-1 3M17 19l-1 3'],
  rain: ['M7 14h10a4 4 0 0 0 0-8a6 6 0 0 0-11.5 1.5A3.3 3.3 0 0 0 7 14z', 'M8 17l-1.5 4M12 17l-1.5 4M16 17l-1.5 4'],
  storm: ['M7 14h10a4 4 0 0 0 0-8a6 6 0 0 0-11.5 1.5A3.3 3.3 0 0 0 7 14z', 'M12 14l-2 4h3l-2 5'],
  moon: ['M15 3a8 8 0 1 0 6 12a7 7 0 0 1-6-12z'],
  wind: ['M3 8h11a3 3 0 1 0-3-3', 'M3 12h16a3 3 0 1 1-3 3', 'M3 16h8'],
  drop: ['M12 3c-3 5-6 8-6 11a6 6 0 0 0 12 0c0-3-3-6-6-11z'],
  fog: ['M3 8h18M5 12h14M3 16h18M7 20h10'],
  cold: ['M12 2v20M3.3 7l17.4 10M3.3 17l17.4-10', 'M9 4l3 2l3-2M9 20l3-2l3 2'],
  generic: ['M4 4h16v16H4z'],
};

export function pictogram(shape) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'pictogram');
  for (const d of SHAPES[shape] || SHAPES.generic) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

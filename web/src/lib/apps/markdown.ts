//! Renders a chart's README as sanitised HTML. Loaded lazily with the chart page: the Markdown
//! parser and the sanitiser are not part of the first page.
//!
//! READMEs mix Markdown with raw HTML (a centred logo, a row of badges, a collapsible section),
//! so markdown-it passes raw HTML through and DOMPurify then keeps only an allow-list of elements
//! and attributes: no scripts, frames, forms, styles, inline styles or event handlers, whatever
//! wrote them. Links keep only http(s) and mailto targets (a relative link would resolve against
//! the console and replace it) and open in a new tab without giving the opened page a handle on
//! the console (`rel="noopener noreferrer"`); images load only over http(s), lazily and without
//! a referrer, and an image from anywhere else is replaced by its description.

import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';

const SAFE_LINK = /^(https?:|mailto:)/i;
const SAFE_IMAGE = /^https?:/i;

/** What a README may keep: the elements Markdown makes, and the HTML READMEs commonly hold. */
const ALLOWED_TAGS = [
  'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'code', 'dd', 'del', 'details', 'div', 'dl', 'dt',
  'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'ol', 'p', 'pre',
  's', 'span', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead',
  'tr', 'ul',
];
const ALLOWED_ATTR = ['align', 'alt', 'colspan', 'height', 'href', 'open', 'rowspan', 'src', 'start', 'title', 'width'];

const markdown = new MarkdownIt({ html: true, linkify: true, typographer: false });

let purifier: ReturnType<typeof DOMPurify> | undefined;

/** One sanitiser for this window, with the link and image rules as hooks. */
function sanitiser(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  const made = DOMPurify(window);
  made.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      const href = (node.getAttribute('href') ?? '').trim();
      if (SAFE_LINK.test(href)) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      } else {
        node.removeAttribute('href');
      }
    } else if (node.tagName === 'IMG') {
      const src = (node.getAttribute('src') ?? '').trim();
      if (SAFE_IMAGE.test(src)) {
        node.setAttribute('loading', 'lazy');
        node.setAttribute('referrerpolicy', 'no-referrer');
      } else {
        // No image from elsewhere: say what it was instead.
        node.replaceWith(node.ownerDocument.createTextNode(node.getAttribute('alt') ?? ''));
      }
    }
  });
  purifier = made;
  return made;
}

/** The README as HTML that is safe to put into the page. */
export function renderMarkdown(source: string): string {
  if (!sanitiser().isSupported) {
    // A browser DOMPurify cannot work in: the README as plain text rather than unchecked HTML.
    return `<pre>${markdown.utils.escapeHtml(source)}</pre>`;
  }
  // The hook's target, rel, loading and referrerpolicy are set after the allow-list applied.
  return sanitiser().sanitize(markdown.render(source), { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false, ALLOW_ARIA_ATTR: false });
}

//! Renders a chart's README as sanitised HTML. Loaded lazily with the chart page: the Markdown
//! parser is not part of the first page.
//!
//! Safe by construction rather than by cleaning up afterwards: markdown-it runs with raw HTML
//! turned off, so any `<script>`, `<iframe>`, `onerror=` or `style=` in a README is shown as the
//! text it is and never becomes an element. Links keep only http(s) and mailto targets (a relative
//! link would resolve against the console and replace it) and open in a new tab without giving the
//! opened page a handle on the console (`rel="noopener noreferrer"`); images load only over http(s).

import MarkdownIt from 'markdown-it';

const SAFE_LINK = /^(https?:|mailto:)/i;
const SAFE_IMAGE = /^https?:/i;

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

markdown.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  const token = tokens[idx];
  if (!token) return '';
  const href = String(token.attrGet('href') ?? '').trim();
  if (SAFE_LINK.test(href)) {
    token.attrSet('target', '_blank');
    token.attrSet('rel', 'noopener noreferrer');
  } else {
    token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'href');
  }
  return self.renderToken(tokens, idx, options);
};

const defaultImage = markdown.renderer.rules.image;
markdown.renderer.rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx];
  if (!token) return '';
  const src = String(token.attrGet('src') ?? '').trim();
  if (!SAFE_IMAGE.test(src)) {
    // No image from elsewhere: say what it was instead.
    return markdown.utils.escapeHtml(token.content);
  }
  token.attrSet('loading', 'lazy');
  token.attrSet('referrerpolicy', 'no-referrer');
  return defaultImage ? defaultImage(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
};

/** The README as HTML that is safe to put into the page. */
export function renderMarkdown(source: string): string {
  return markdown.render(source);
}

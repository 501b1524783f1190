// @vitest-environment jsdom
// DOMPurify needs a standards-complete DOM; happy-dom, which the other tests use, is not one.
import { describe, expect, test } from 'vitest';
import { renderMarkdown } from './markdown';

/** Every attribute of every element the HTML made, as `tag@name=value`. */
function attributes(host: HTMLElement): string[] {
  return [...host.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => `${el.tagName.toLowerCase()}@${a.name}=${a.value}`));
}

function dom(source: string): HTMLElement {
  const host = document.createElement('div');
  host.innerHTML = renderMarkdown(source);
  return host;
}

describe('the README renderer', () => {
  test('drops script elements and what they hold, also inside raw HTML', () => {
    const host = dom('# Title\n\n<script>window.pwned = 1</script>\n\ntext <script>alert(1)</script>');
    expect(host.querySelector('script')).toBeNull();
    expect(host.textContent).not.toContain('pwned');
    expect(host.textContent).not.toContain('alert');
    expect(host.querySelector('h1')?.textContent).toBe('Title');
    expect(host.textContent).toContain('text');
  });

  test('removes javascript: links in Markdown and in raw HTML', () => {
    const host = dom('[click](javascript:alert(1)) and <a href="JaVaScRiPt:alert(2)">there</a> and <a href=" javascript:alert(3)">x</a>');
    for (const a of host.querySelectorAll('a')) {
      expect(a.getAttribute('href') ?? '').not.toMatch(/javascript/i);
    }
    expect(attributes(host).filter((a) => /javascript/i.test(a))).toEqual([]);
  });

  test('removes event handler attributes such as onerror', () => {
    const host = dom('<img src="https://example.com/x.png" onerror="alert(1)"><p onclick="alert(2)">p</p>');
    expect(attributes(host).filter((a) => /@on/i.test(a))).toEqual([]);
    expect(host.querySelector('img')?.getAttribute('src')).toBe('https://example.com/x.png');
    expect([...host.querySelectorAll('p')].map((el) => el.textContent)).toContain('p');
  });

  test('keeps the HTML READMEs use: a centred logo, badges that link, a collapsible section', () => {
    const host = dom(
      [
        '<p align="center"><img src="https://example.com/logo.svg" alt="Logo" width="120" class="x" id="y"></p>',
        '',
        '<a href="https://ci.example.com" target="_self"><img src="https://ci.example.com/badge.svg" alt="build"></a>',
        '',
        '<details><summary>All values</summary>',
        '',
        '| key | default |',
        '|---|---|',
        '| replicaCount | `1` |',
        '',
        '</details>',
      ].join('\n'),
    );
    const logo = host.querySelector('p[align="center"] img');
    expect(logo?.getAttribute('src')).toBe('https://example.com/logo.svg');
    expect(logo?.getAttribute('width')).toBe('120');
    expect(logo?.getAttribute('loading')).toBe('lazy');
    expect(logo?.getAttribute('referrerpolicy')).toBe('no-referrer');
    // Nothing can reach the console's own styles or ids.
    expect(host.querySelector('[class], [id]')).toBeNull();
    const badge = host.querySelector('a[href="https://ci.example.com"]');
    expect(badge?.getAttribute('target')).toBe('_blank');
    expect(badge?.getAttribute('rel')).toBe('noopener noreferrer');
    expect(badge?.querySelector('img')?.getAttribute('alt')).toBe('build');
    expect(host.querySelector('details summary')?.textContent).toBe('All values');
    expect(host.querySelectorAll('details table td')).toHaveLength(2);
  });

  test('a raw HTML image from anywhere but http(s) becomes its description', () => {
    const host = dom('<p><img src="data:image/svg+xml,<svg onload=alert(1)>" alt="inline logo"> <img src="/api/v1/version" alt="same origin"></p>');
    expect(host.querySelector('img')).toBeNull();
    expect(host.textContent).toContain('inline logo');
    expect(host.textContent).toContain('same origin');
  });

  test('Markdown images load only over http(s)', () => {
    const host = dom('![logo](https://example.com/logo.png) ![bad](javascript:alert(1)) ![local](./logo.png)');
    expect([...host.querySelectorAll('img')].map((i) => i.getAttribute('src'))).toEqual(['https://example.com/logo.png']);
  });

  test('drops dangerous raw HTML: frames, forms, styles, inline styles', () => {
    const host = dom('<iframe src="https://evil.example"></iframe><form action="https://evil.example"><input name="p"></form><style>body{display:none}</style><div style="position:fixed">over</div>');
    expect(host.querySelector('iframe, form, input, style')).toBeNull();
    expect(host.querySelector('[style]')).toBeNull();
    expect(host.textContent).toContain('over');
  });

  test('links open in a new tab without an opener or referrer', () => {
    const host = dom('See [the docs](https://example.com/docs) or https://example.org.');
    const links = [...host.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/docs', 'https://example.org']);
    for (const a of links) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    }
  });

  test('relative links lose their target so they cannot replace the console page', () => {
    const host = dom('[values](./values.yaml)');
    expect(host.querySelector('a')?.hasAttribute('href')).toBe(false);
    expect(host.textContent).toContain('values');
  });

  test('keeps code blocks, tables and escaped text', () => {
    const host = dom('```yaml\nkey: <b>value</b>\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |');
    expect(host.querySelector('pre code')?.textContent).toBe('key: <b>value</b>\n');
    expect(host.querySelector('pre b')).toBeNull();
    expect(host.querySelectorAll('td')).toHaveLength(2);
  });
});

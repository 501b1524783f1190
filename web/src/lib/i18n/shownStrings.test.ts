// Every string a person reads goes through the catalogue: this test parses each component (the
// TypeScript compiler's own parser) and fails on English written straight into what is shown —
// JSX text (`<p>Loading…</p>`), and the attributes a person reads or hears (`title`,
// `placeholder`, `aria-label`, `alt`) given as a literal — naming the file and line. Text from
// the catalogue (`{t('…')}`), from data (`{pod.name}`), punctuation, commands in `<code>` and the
// few names every language writes the same way (below) pass.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const SRC = join(__dirname, '..', '..');

/** Written the same in every language: product and format names, units, placeholders of syntax. */
const SAME_IN_EVERY_LANGUAGE = new Set(['Wheelhouse', 'YAML', 'UID', 'JSON', 'README', 'Helm', 'OIDC', 'CPU', 'Prometheus', 'metrics-server']);

/** Examples of what to type, written as they would be typed in any language. */
const TYPED_EXAMPLES = new Set([
  'shop.example.com',
  'https://charts.example.com or oci://registry.example.com/charts',
  'app=web,tier!=db',
  'app=web',
  'cat /etc/hostname',
  'https://registry.example.com',
]);

/** Attributes a person reads (a tooltip, a placeholder) or hears (a screen reader's label). */
const SHOWN_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label']);

function components(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test' ? [] : components(path);
    return entry.name.endsWith('.tsx') && !entry.name.endsWith('.test.tsx') ? [path] : [];
  });
}

/** Whether `text` holds words a person would read in English (not a name, unit or punctuation). */
export function hasEnglish(text: string): boolean {
  const words = text.match(/[A-Za-z][A-Za-z'-]*/g) ?? [];
  return words.some((w) => w.length > 1 && !SAME_IN_EVERY_LANGUAGE.has(w));
}

/** Text inside `<code>` or `<kbd>`: a command or a key, typed the same in every language. */
function inCode(node: ts.Node): boolean {
  const parent = node.parent;
  return ts.isJsxElement(parent) && ['code', 'kbd'].includes(parent.openingElement.tagName.getText());
}

/** The places in one file's source where English is shown without the catalogue. */
export function bypasses(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (node: ts.Node, text: string) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart());
    found.push(`${fileName}:${String(line + 1)}: ${JSON.stringify(text.trim())}`);
  };
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && hasEnglish(node.text) && !inCode(node)) report(node, node.text);
    if (ts.isJsxAttribute(node) && SHOWN_ATTRIBUTES.has(node.name.getText(file)) && node.initializer) {
      const init = node.initializer;
      const literal = ts.isStringLiteral(init)
        ? init
        : ts.isJsxExpression(init) && init.expression && (ts.isStringLiteral(init.expression) || ts.isNoSubstitutionTemplateLiteral(init.expression))
          ? init.expression
          : null;
      if (literal && hasEnglish(literal.text) && !TYPED_EXAMPLES.has(literal.text)) report(node, literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('strings shown to a person', () => {
  test('the check finds English written into JSX and shown attributes, and lets the catalogue through', () => {
    const source = `export const A = () => <p title="Open it" aria-label={'Close'}>Loading the cluster… {t('shell|Loading…')} {pod.name} YAML · <b>{n}</b></p>;`;
    expect(bypasses('a.tsx', source)).toEqual(['a.tsx:1: "Open it"', 'a.tsx:1: "Close"', 'a.tsx:1: "Loading the cluster…"']);
    expect(bypasses('b.tsx', `export const B = () => <p title={t('x|Open')}>{t('x|Go')} — YAML</p>;`)).toEqual([]);
  });

  test('every component shows text through the catalogue', () => {
    const found = components(SRC).flatMap((path) => bypasses(relative(SRC, path), readFileSync(path, 'utf8')));
    expect(found).toEqual([]);
  });
});

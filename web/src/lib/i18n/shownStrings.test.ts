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
  'node-role.kubernetes.io/worker',
  'https://registry.example.com',
]);

/** Attributes a person reads (a tooltip, a placeholder) or hears (a screen reader's label). */
const SHOWN_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label']);

/** Every source file of the app (components and plain TypeScript), without tests and generated types. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test' ? [] : sources(path);
    if (!/\.tsx?$/.test(entry.name) || /\.test\.tsx?$/.test(entry.name) || entry.name.endsWith('.d.ts')) return [];
    return entry.name === 'generated.ts' ? [] : [path];
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

/** Calls whose string arguments are catalogue keys, not text. */
const CATALOGUE_CALLS = new Set(['t', 'tx', 'translate']);

/** Operators whose string operands are compared with, never shown. */
const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.InKeyword,
]);

/** The literal text of a string or template literal (a template's parts between its values). */
function literalText(node: ts.Node): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
  return null;
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return '';
}

/**
 * Where a literal stands decides what counts: in JSX (a child, a shown attribute) every English
 * word is shown as written; elsewhere — a fallback, an error's message — a single token is usually
 * a value (`'ClusterUnreachable'`, `'default'`, `'TCP'`), and text is what reads as a phrase. `false`:
 * not shown here, though a fallback may be; `'hidden'`: known never to be shown as written.
 */
type Shown = 'every' | 'phrase' | false | 'hidden';

/** Whether `text` reads as a phrase: words with a space, or a sentence's punctuation. */
function phrase(text: string): boolean {
  const trimmed = text.trim();
  return /\s/.test(trimmed) || /[.!?…:)]$/.test(trimmed);
}

/** Errors composed here and shown as written; the few not from the catalogue say why. */
const SHOWN_BEFORE_THE_CATALOGUE = new Set([
  // main.tsx: the page cannot start, before any catalogue is loaded; it is shown in both languages' frame.
  'index.html has no #root element',
]);

/**
 * The places in one file's source where English is shown without the catalogue: JSX text; string
 * and template literals where a person reads them — a JSX child (`{ok ? 'Ready' : 'Not ready'}`),
 * a shown attribute (`title={busy ? 'Saving' : undefined}`); a fallback for a missing value
 * (`reason ?? 'Unknown reason'`, `` name || `none of ${n}` ``), shown wherever the value is; an
 * error composed in code (`new Error(`could not ${verb}`)`, `{ message: '…' }` without the
 * catalogue's `localMessage`), which reaches an error panel. Keys passed to `t()`, values compared
 * against (`tab === 'yaml'`) and arguments of other calls are not text.
 */
export function bypasses(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: string[] = [];
  const report = (node: ts.Node, text: string) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart());
    found.push(`${fileName}:${String(line + 1)}: ${JSON.stringify(text.trim())}`);
  };
  const counts = (text: string, shown: Shown) =>
    shown !== false && shown !== 'hidden' && hasEnglish(text) && !TYPED_EXAMPLES.has(text) && !SHOWN_BEFORE_THE_CATALOGUE.has(text) && !/^[a-z]+\|/.test(text) && (shown === 'every' || phrase(text));
  const unwrap = (node: ts.Expression): ts.Expression => (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) ? unwrap(node.expression) : node);
  /** `shown`: how a literal met here is put in front of a person as it is. */
  const visit = (node: ts.Node, shown: Shown) => {
    if (ts.isJsxText(node)) {
      if (hasEnglish(node.text) && !inCode(node)) report(node, node.text);
      return;
    }
    const text = literalText(node);
    if (text !== null) {
      if (counts(text, shown) && !inCode(node.parent)) report(node, text);
      if (ts.isTemplateExpression(node)) node.templateSpans.forEach((span) => { visit(span.expression, false); });
      return;
    }
    if (ts.isJsxExpression(node)) {
      // A child of an element is shown; an attribute's value was decided by the attribute.
      const child = ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent);
      ts.forEachChild(node, (n) => { visit(n, child ? 'every' : shown); });
      return;
    }
    if (ts.isJsxAttribute(node)) {
      if (node.initializer) visit(node.initializer, SHOWN_ATTRIBUTES.has(node.name.getText(file)) ? 'every' : false);
      return;
    }
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      visit(node.expression, false);
      // An error made here is shown in an error panel with its message as written.
      const error = ts.isNewExpression(node) && /Error$/.test(calleeName(node));
      const key = CATALOGUE_CALLS.has(calleeName(node));
      node.arguments?.forEach((arg) => { visit(arg, key ? 'hidden' : error ? 'phrase' : false); });
      return;
    }
    if (ts.isPropertyAssignment(node) && node.name.getText(file) === 'message' && ts.isObjectLiteralExpression(node.parent)) {
      // An error's message is shown unless the catalogue's wording (`localMessage`) comes with it.
      const local = node.parent.properties.some((p) => p.name?.getText(file) === 'localMessage');
      visit(node.initializer, local ? 'hidden' : 'phrase');
      return;
    }
    if (ts.isBinaryExpression(node)) {
      const operator = node.operatorToken.kind;
      if (COMPARISONS.has(operator)) {
        visit(node.left, 'hidden');
        visit(node.right, 'hidden');
        return;
      }
      if (operator === ts.SyntaxKind.QuestionQuestionToken || operator === ts.SyntaxKind.BarBarToken) {
        visit(node.left, shown);
        // A fallback is shown wherever the value it stands in for is.
        const right = unwrap(node.right);
        visit(right, literalText(right) !== null && shown === false ? 'phrase' : shown);
        return;
      }
    }
    if (ts.isConditionalExpression(node)) {
      visit(node.condition, false);
      visit(node.whenTrue, shown);
      visit(node.whenFalse, shown);
      return;
    }
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isJsxElement(node) || ts.isJsxFragment(node) || ts.isArrowFunction(node)) {
      ts.forEachChild(node, (n) => { visit(n, shown); });
      return;
    }
    // Anything else (an object, an index, a declaration, an element's tag) holds no shown text of its own.
    ts.forEachChild(node, (n) => { visit(n, false); });
  };
  visit(file, false);
  return found;
}

describe('strings shown to a person', () => {
  test('the check finds English in fallbacks, templates, composed errors and shown attributes, and lets values and keys through', () => {
    const source = [
      "export const a = props.reason ?? 'Unknown reason';",
      'export const b = (n: number) => name || `none of ${n}`;',
      "export const c = () => new Error('could not read it');",
      "export const d = { status: 0, message: `the server answered ${s}` };",
      "export const e = { message: 'No answer.', localMessage: { key: 'errors|No answer.' } };",
      "export const f = reason ?? 'ClusterUnreachable';",
      "export const g = tab === 'the yaml tab' ? t(label ?? 'actions|Done.') : null;",
      'export const H = () => <p title={busy ? `Saving ${n}` : undefined} aria-label={x ?? \'Close\'}>{ok ? \'Ready\' : pod.name}</p>;',
    ].join('\n');
    expect(bypasses('a.tsx', source)).toEqual([
      'a.tsx:1: "Unknown reason"',
      'a.tsx:2: "none of"',
      'a.tsx:3: "could not read it"',
      'a.tsx:4: "the server answered"',
      'a.tsx:8: "Saving"',
      'a.tsx:8: "Close"',
      'a.tsx:8: "Ready"',
    ]);
  });

  test('the check finds English written into JSX and shown attributes, and lets the catalogue through', () => {
    const source = `export const A = () => <p title="Open it" aria-label={'Close'}>Loading the cluster… {t('shell|Loading…')} {pod.name} YAML · <b>{n}</b></p>;`;
    expect(bypasses('a.tsx', source)).toEqual(['a.tsx:1: "Open it"', 'a.tsx:1: "Close"', 'a.tsx:1: "Loading the cluster…"']);
    expect(bypasses('b.tsx', `export const B = () => <p title={t('x|Open')}>{t('x|Go')} — YAML</p>;`)).toEqual([]);
  });

  test('every component shows text through the catalogue', () => {
    const found = sources(SRC).flatMap((path) => bypasses(relative(SRC, path), readFileSync(path, 'utf8')));
    expect(found).toEqual([]);
  });
});

//! The values form a chart's `values.schema.json` describes, kept in step with the values YAML.
//!
//! The YAML text stays the one source of truth: the form reads each field from it and writes a
//! change back into it as an edit of the YAML document, so comments and every key the form does
//! not show survive.

import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import type { JsonSchema } from './types';

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'enum';

export interface ValueField {
  kind: 'field';
  path: string[];
  type: FieldType;
  title: string;
  description: string | null;
  options: (string | number | boolean)[];
  required: boolean;
  minimum: number | null;
  maximum: number | null;
}

export interface ValueGroup {
  kind: 'group';
  path: string[];
  title: string;
  description: string | null;
  children: ValueNode[];
}

export type ValueNode = ValueField | ValueGroup;

function typeOf(schema: JsonSchema): string | null {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null') ?? null;
  return schema.type ?? (schema.properties ? 'object' : null);
}

/**
 * The form's fields and groups, in the schema's order. Parts the form cannot edit (arrays,
 * maps without properties, `$ref`, `oneOf`) are left out: they stay editable in the YAML.
 */
export function fieldsOf(schema: JsonSchema, path: string[] = [], required: readonly string[] = []): ValueNode[] {
  const nodes: ValueNode[] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const childPath = [...path, key];
    const type = typeOf(child);
    const title = child.title ?? key;
    const description = child.description ?? null;
    if (Array.isArray(child.enum) && child.enum.length > 0 && child.enum.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
      nodes.push({
        kind: 'field',
        path: childPath,
        type: 'enum',
        title,
        description,
        options: child.enum as (string | number | boolean)[],
        required: required.includes(key),
        minimum: null,
        maximum: null,
      });
    } else if (type === 'object') {
      const children = fieldsOf(child, childPath, child.required ?? []);
      if (children.length > 0) nodes.push({ kind: 'group', path: childPath, title, description, children });
    } else if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') {
      nodes.push({
        kind: 'field',
        path: childPath,
        type,
        title,
        description,
        options: [],
        required: required.includes(key),
        minimum: child.minimum ?? null,
        maximum: child.maximum ?? null,
      });
    }
  }
  return nodes;
}

/**
 * The nodes put in the order their keys have in `values` (the chart's values.yaml, which its
 * authors ordered and commented; a schema's order may be lost on the way). Keys the YAML lacks
 * keep their schema order, after the others.
 */
export function orderLike(nodes: ValueNode[], values: string): ValueNode[] {
  const read = readValues(values);
  if ('error' in read) return nodes;
  const { doc } = read;
  const sort = (list: ValueNode[], path: string[]): ValueNode[] => {
    const map: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
    const keys = isMap(map) ? map.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key))) : [];
    const rank = (n: ValueNode) => {
      const i = keys.indexOf(n.path[n.path.length - 1] ?? '');
      return i === -1 ? keys.length : i;
    };
    return list
      .map((n, i) => ({ n: n.kind === 'group' ? { ...n, children: sort(n.children, n.path) } : n, i }))
      .sort((a, b) => rank(a.n) - rank(b.n) || a.i - b.i)
      .map(({ n }) => n);
  };
  return sort(nodes, []);
}

/** The values YAML read as a document, or the parser's first error. */
export function readValues(text: string): { doc: Document } | { error: string } {
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first) return { error: first.message };
  if (doc.contents !== null && !isMap(doc.contents)) return { error: 'the values must be a map of keys' };
  return { doc };
}

/** A field's value in the document: a string, number or boolean, or undefined when unset. */
export function valueAt(doc: Document, path: readonly string[]): string | number | boolean | undefined {
  const node: unknown = doc.getIn(path, true);
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  }
  return undefined;
}

/**
 * The YAML with one field set (or removed with `undefined`), leaving the rest of the text, its
 * comments and its order as they were.
 */
export function setValue(text: string, path: readonly string[], value: string | number | boolean | undefined): string {
  const read = readValues(text);
  if ('error' in read) return text;
  const { doc } = read;
  if (value === undefined) {
    if (doc.hasIn(path)) doc.deleteIn(path);
  } else {
    if (doc.contents === null) doc.contents = doc.createNode({});
    doc.setIn(path, value);
  }
  return doc.toString();
}

/** What a typed field value becomes in YAML, or why it cannot (a catalogue-free English reason). */
export function parseFieldInput(field: ValueField, input: string): { value: string | number | boolean | undefined } | { problem: 'number' | 'integer' | 'minimum' | 'maximum' } {
  if (field.type === 'string') return { value: input };
  if (field.type === 'enum') {
    if (input === '') return { value: undefined };
    const option = field.options.find((o) => String(o) === input);
    return { value: option ?? input };
  }
  if (field.type === 'boolean') return { value: input === 'true' };
  if (input.trim() === '') return { value: undefined };
  const n = Number(input);
  if (!Number.isFinite(n)) return { problem: 'number' };
  if (field.type === 'integer' && !Number.isInteger(n)) return { problem: 'integer' };
  if (field.minimum !== null && n < field.minimum) return { problem: 'minimum' };
  if (field.maximum !== null && n > field.maximum) return { problem: 'maximum' };
  return { value: n };
}

export type FieldProblem = 'number' | 'integer' | 'minimum' | 'maximum' | 'option' | 'boolean';

/** What is wrong with a field's value as the YAML holds it (helm would refuse it), or null. */
export function fieldProblem(field: ValueField, value: string | number | boolean | undefined): FieldProblem | null {
  if (value === undefined) return null;
  switch (field.type) {
    case 'string':
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'boolean';
    case 'enum':
      return field.options.some((o) => o === value) ? null : 'option';
    case 'number':
    case 'integer':
      if (typeof value !== 'number') return 'number';
      if (field.type === 'integer' && !Number.isInteger(value)) return 'integer';
      if (field.minimum !== null && value < field.minimum) return 'minimum';
      if (field.maximum !== null && value > field.maximum) return 'maximum';
      return null;
  }
}

/** The fields of `nodes` whose value in `doc` the schema refuses, with the problem of each. */
export function problemsIn(nodes: readonly ValueNode[], doc: Document): { field: ValueField; problem: FieldProblem }[] {
  return nodes.flatMap((node) => {
    if (node.kind === 'group') return problemsIn(node.children, doc);
    const problem = fieldProblem(node, valueAt(doc, node.path));
    return problem ? [{ field: node, problem }] : [];
  });
}

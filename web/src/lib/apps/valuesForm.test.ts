import { describe, expect, test } from 'vitest';
import { fieldProblem, fieldsOf, orderLike, parseFieldInput, problemsIn, readValues, setValue, valueAt, type ValueField } from './valuesForm';
import type { JsonSchema } from './types';

const SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    replicaCount: { type: 'integer', minimum: 1, description: 'Pods to run' },
    image: {
      type: 'object',
      properties: {
        tag: { type: 'string' },
        pullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
      },
    },
    ingress: { type: 'object', properties: { enabled: { type: 'boolean' } } },
    ratio: { type: ['number', 'null'] },
    tolerations: { type: 'array' },
  },
};

const VALUES = `# How many pods
replicaCount: 2
image:
  tag: "1.0" # the image tag
  pullPolicy: IfNotPresent
tolerations: []
`;

function field(path: string): ValueField {
  const find = (nodes: ReturnType<typeof fieldsOf>): ValueField | undefined => {
    for (const n of nodes) {
      if (n.kind === 'field' && n.path.join('.') === path) return n;
      if (n.kind === 'group') {
        const f = find(n.children);
        if (f) return f;
      }
    }
    return undefined;
  };
  const f = find(fieldsOf(SCHEMA));
  if (!f) throw new Error(`no field ${path}`);
  return f;
}

describe('the values form', () => {
  test('has a field per scalar property, groups for nested objects, and skips arrays', () => {
    const nodes = fieldsOf(SCHEMA);
    expect(nodes.map((n) => `${n.kind}:${n.path.join('.')}`)).toEqual(['field:replicaCount', 'group:image', 'group:ingress', 'field:ratio']);
    expect(field('image.pullPolicy')).toMatchObject({ type: 'enum', options: ['Always', 'IfNotPresent', 'Never'] });
    expect(field('ingress.enabled').type).toBe('boolean');
    expect(field('ratio').type).toBe('number');
  });

  test("fields follow the order of the chart's values.yaml, then the schema's", () => {
    const nodes = orderLike(fieldsOf(SCHEMA), 'image:\n  pullPolicy: Always\n  tag: x\nreplicaCount: 1\n');
    expect(nodes.map((n) => n.path.join('.'))).toEqual(['image', 'replicaCount', 'ingress', 'ratio']);
    const image = nodes[0];
    expect(image?.kind === 'group' && image.children.map((n) => n.path.join('.'))).toEqual(['image.pullPolicy', 'image.tag']);
  });

  test('reads each field from the YAML', () => {
    const read = readValues(VALUES);
    if ('error' in read) throw new Error(read.error);
    expect(valueAt(read.doc, ['replicaCount'])).toBe(2);
    expect(valueAt(read.doc, ['image', 'tag'])).toBe('1.0');
    expect(valueAt(read.doc, ['ingress', 'enabled'])).toBeUndefined();
  });

  test('a change in the form edits the YAML in place and keeps comments and other keys', () => {
    let text = setValue(VALUES, ['replicaCount'], 3);
    text = setValue(text, ['image', 'pullPolicy'], 'Always');
    text = setValue(text, ['ingress', 'enabled'], true);
    expect(text).toContain('# How many pods\nreplicaCount: 3\n');
    expect(text).toContain('tag: "1.0" # the image tag');
    expect(text).toContain('pullPolicy: Always');
    expect(text).toContain('tolerations: []');
    expect(text).toMatch(/ingress:\n {2}enabled: true/);
    const read = readValues(text);
    if ('error' in read) throw new Error(read.error);
    expect(valueAt(read.doc, ['ingress', 'enabled'])).toBe(true);
  });

  test('clearing a number removes the key so the chart default applies', () => {
    expect(setValue(VALUES, ['replicaCount'], undefined)).not.toContain('replicaCount');
  });

  test('an edit in the YAML shows in the form', () => {
    const read = readValues(VALUES.replace('replicaCount: 2', 'replicaCount: 7'));
    if ('error' in read) throw new Error(read.error);
    expect(valueAt(read.doc, ['replicaCount'])).toBe(7);
  });

  test('broken YAML is reported and never rewritten', () => {
    const broken = 'image:\n  tag: [1, 2\n';
    expect('error' in readValues(broken)).toBe(true);
    expect(setValue(broken, ['replicaCount'], 4)).toBe(broken);
    expect('error' in readValues('- a list\n')).toBe(true);
  });

  test('typed input is checked against the field type and bounds', () => {
    expect(parseFieldInput(field('replicaCount'), '4')).toEqual({ value: 4 });
    expect(parseFieldInput(field('replicaCount'), '1.5')).toEqual({ problem: 'integer' });
    expect(parseFieldInput(field('replicaCount'), '0')).toEqual({ problem: 'minimum' });
    expect(parseFieldInput(field('replicaCount'), 'many')).toEqual({ problem: 'number' });
    expect(parseFieldInput(field('ratio'), '0.5')).toEqual({ value: 0.5 });
    expect(parseFieldInput(field('image.tag'), '2.0')).toEqual({ value: '2.0' });
  });

  test('an empty values file takes the first field', () => {
    expect(setValue('', ['replicaCount'], 2)).toBe('replicaCount: 2\n');
  });
});

describe('what the schema refuses', () => {
  test('a text where a number belongs, a fraction for a whole number, a value out of range or not among the options', () => {
    expect(fieldProblem(field('replicaCount'), 'abc')).toBe('number');
    expect(fieldProblem(field('replicaCount'), 1.5)).toBe('integer');
    expect(fieldProblem(field('replicaCount'), 0)).toBe('minimum');
    expect(fieldProblem(field('replicaCount'), 3)).toBeNull();
    expect(fieldProblem(field('replicaCount'), undefined)).toBeNull();
    expect(fieldProblem(field('image.pullPolicy'), 'Sometimes')).toBe('option');
    expect(fieldProblem(field('ingress.enabled'), 'yes please')).toBe('boolean');
  });

  test('the problems of a whole document name each field', () => {
    const read = readValues('replicaCount: abc\nimage:\n  pullPolicy: Always\n');
    if ('error' in read) throw new Error(read.error);
    expect(problemsIn(fieldsOf(SCHEMA), read.doc).map((p) => [p.field.path.join('.'), p.problem])).toEqual([['replicaCount', 'number']]);
  });
});

import { describe, expect, test } from 'vitest';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';
import { interpolate, matchLocale, translate } from './catalogue';

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('catalogues', () => {
  test('en and zh-CN have exactly the same keys', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  test('every key has a namespace and English repeats the text after it', () => {
    for (const [key, text] of Object.entries(en)) {
      expect(key).toMatch(/^[a-z]+\|./);
      expect(text).toBe(key.slice(key.indexOf('|') + 1));
    }
  });

  // Names that Chinese Kubernetes and Helm documentation keeps in English. Any other Chinese text
  // equal to its English is a translation that was never made.
  const keptInEnglish = new Set([
    'apps|Chart',
    'apps|Ingress',
    'apps|README',
    'columns|CPU',
    'columns|IP',
    'details|Pod CIDR',
    'details|Pod IP',
    'glossary|Pod',
    'overview|Kubelet',
  ]);

  test('every Chinese text is translated, except the names kept in English', () => {
    const untranslated = Object.entries(zhCN)
      .filter(([key, text]) => text === en[key as keyof typeof en] && !keptInEnglish.has(key))
      .map(([key]) => key);
    expect(untranslated).toEqual([]);
  });

  test('every Chinese text is filled in and keeps the placeholders of its key', () => {
    for (const [key, text] of Object.entries(zhCN)) {
      expect(text.trim(), key).not.toBe('');
      expect(placeholders(text), key).toEqual(placeholders(key));
    }
  });
});

describe('translate', () => {
  test('looks up the key and fills in placeholders', () => {
    expect(translate(zhCN, 'errors|Cannot reach the cluster {{name}}', { name: 'prod' })).toBe('无法连接集群 prod');
  });

  test('falls back to English for a key a loaded catalogue lacks', () => {
    expect(translate({}, 'nav|Overview')).toBe('Overview');
  });

  test('leaves unknown placeholders visible rather than blank', () => {
    expect(interpolate('{{a}} and {{b}}', { a: 1 })).toBe('1 and {{b}}');
  });
});

describe('matchLocale', () => {
  test.each([
    ['zh-CN', 'zh-CN'],
    ['zh-cn', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['en-GB', 'en'],
    ['fr', null],
    ['', null],
  ])('%s means %s', (tag, expected) => {
    expect(matchLocale(tag)).toBe(expected);
  });
});

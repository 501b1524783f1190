import { describe, expect, test } from 'vitest';
import { normaliseBasePath, parseConfig } from './config';

describe('parseConfig', () => {
  test('reads the config the server injects', () => {
    const config = parseConfig(
      '{"basePath":"/wh/","locale":"zh-CN","defaultLocale":"en","locales":["en","zh-CN"],"version":"0.1.0","styleNonce":"4f2a"}',
    );
    expect(config).toEqual({ basePath: '/wh/', locale: 'zh-CN', defaultLocale: 'en', locales: ['en', 'zh-CN'], version: '0.1.0', styleNonce: '4f2a' });
  });

  test('falls back to defaults when the placeholder was not replaced or the JSON is broken', () => {
    expect(parseConfig(null).basePath).toBe('/');
    expect(parseConfig('{not json').locale).toBe('en');
    expect(parseConfig('[]').locales).toEqual(['en', 'zh-CN']);
  });

  test('base paths always start and end with a slash', () => {
    expect(normaliseBasePath('wh')).toBe('/wh/');
    expect(normaliseBasePath('/a/b')).toBe('/a/b/');
    expect(normaliseBasePath('/')).toBe('/');
  });
});

import { describe, expect, test } from 'vitest';
import { formatBytes, REGISTRIES_API, shortDigest } from '../../lib/registries/types';
import { nameOfImage, parseEnv } from './DeployPage';

describe('image registries', () => {
  test('a Deployment is named after the image repository’s last part', () => {
    expect(nameOfImage('127.0.0.1:5000/shop/web:2.0')).toBe('web');
    expect(nameOfImage('ghcr.io/o/My_App@sha256:abc')).toBe('my-app');
    expect(nameOfImage('nginx')).toBe('nginx');
  });

  test('environment lines become variables, blank lines left out', () => {
    expect(parseEnv('A=1\n\n B=x=y \nFLAG')).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'x=y' },
      { name: 'FLAG', value: '' },
    ]);
  });

  test('sizes and digests read as a person reads them', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(25_395)).toBe('24.8 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
    expect(shortDigest('sha256:0123456789abcdef0123')).toBe('sha256:0123456789ab');
  });

  test('repository names with a slash travel as a query, never as a path segment', () => {
    expect(REGISTRIES_API.tags('local', 'shop/web', '1.', 0, 50)).toBe('api/v1/registries/local/tags?repository=shop%2Fweb&filter=1.&offset=0&limit=50');
  });
});

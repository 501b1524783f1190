import { afterEach, describe, expect, test } from 'vitest';
import { applyTheme, resolve, storedChoice } from './theme';

describe('the theme', () => {
  afterEach(() => {
    window.localStorage.clear();
  });

  test('auto follows the system; a choice overrides it', () => {
    expect(resolve('auto', true)).toBe('dark');
    expect(resolve('auto', false)).toBe('light');
    expect(resolve('light', true)).toBe('light');
    expect(resolve('dark', false)).toBe('dark');
  });

  test('the stored choice is applied to <html> before the first render', () => {
    expect(storedChoice()).toBe('auto');
    window.localStorage.setItem('wheelhouse.theme', 'dark');
    expect(applyTheme()).toBe('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    window.localStorage.setItem('wheelhouse.theme', 'nonsense');
    expect(storedChoice()).toBe('auto');
  });
});

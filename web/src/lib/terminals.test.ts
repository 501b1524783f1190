import { describe, expect, it } from 'vitest';
import { copiesSelection } from './terminals';

const press = (code: string, keys: { ctrl?: boolean; shift?: boolean; alt?: boolean; meta?: boolean } = {}, type = 'keydown') => ({
  type,
  code,
  ctrlKey: keys.ctrl ?? false,
  shiftKey: keys.shift ?? false,
  altKey: keys.alt ?? false,
  metaKey: keys.meta ?? false,
});

describe('copiesSelection', () => {
  it('copies the selection with Ctrl+Shift+C or Ctrl+C', () => {
    expect(copiesSelection(press('KeyC', { ctrl: true, shift: true }), true)).toBe(true);
    expect(copiesSelection(press('KeyC', { ctrl: true }), true)).toBe(true);
  });

  it('leaves Ctrl+C to the shell (its interrupt) when nothing is selected', () => {
    expect(copiesSelection(press('KeyC', { ctrl: true }), false)).toBe(false);
    expect(copiesSelection(press('KeyC', { ctrl: true, shift: true }), false)).toBe(false);
  });

  it('acts once per press, and not on other keys or modifiers', () => {
    expect(copiesSelection(press('KeyC', { ctrl: true, shift: true }, 'keyup'), true)).toBe(false);
    expect(copiesSelection(press('KeyC', { shift: true }), true)).toBe(false);
    expect(copiesSelection(press('KeyC', { ctrl: true, alt: true }), true)).toBe(false);
    expect(copiesSelection(press('KeyV', { ctrl: true, shift: true }), true)).toBe(false);
  });
});

//! The colour theme: light, dark, or the system's (`prefers-color-scheme`), remembered in this
//! browser. The chosen theme is `data-theme` on `<html>`; styles.css keys its colours on it.

import { useEffect, useState, useSyncExternalStore } from 'react';

export type ThemeChoice = 'auto' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const KEY = 'wheelhouse.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

export function storedChoice(): ThemeChoice {
  try {
    const value = window.localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'auto';
  } catch {
    return 'auto';
  }
}

function systemDark(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia(DARK_QUERY).matches;
}

/** The theme a choice means now. */
export function resolve(choice: ThemeChoice, dark = systemDark()): Theme {
  return choice === 'auto' ? (dark ? 'dark' : 'light') : choice;
}

/** Sets `data-theme` on `<html>`; called before the first render so the page never flashes. */
export function applyTheme(choice: ThemeChoice = storedChoice()): Theme {
  const theme = resolve(choice);
  document.documentElement.dataset.theme = theme;
  return theme;
}

function subscribeToSystem(onChange: () => void): () => void {
  if (typeof window.matchMedia !== 'function') return () => undefined;
  const query = window.matchMedia(DARK_QUERY);
  query.addEventListener('change', onChange);
  return () => {
    query.removeEventListener('change', onChange);
  };
}

/** The person's choice, the theme it means now (following the system when `auto`), and a setter. */
export function useTheme(): { choice: ThemeChoice; theme: Theme; setChoice: (choice: ThemeChoice) => void } {
  const [choice, setChoice] = useState<ThemeChoice>(storedChoice);
  const dark = useSyncExternalStore(subscribeToSystem, systemDark, () => false);
  const theme = resolve(choice, dark);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    window.dispatchEvent(new Event('wheelhouse-theme'));
  }, [theme]);
  return {
    choice,
    theme,
    setChoice: (next) => {
      try {
        if (next === 'auto') window.localStorage.removeItem(KEY);
        else window.localStorage.setItem(KEY, next);
      } catch {
        // Private mode without storage: the choice lasts for this page.
      }
      setChoice(next);
    },
  };
}

/** The theme now shown (`data-theme` on `<html>`), for parts drawn with fixed colours (charts). */
export function useShownTheme(): Theme {
  return useSyncExternalStore(
    (onChange) => {
      window.addEventListener('wheelhouse-theme', onChange);
      return () => {
        window.removeEventListener('wheelhouse-theme', onChange);
      };
    },
    () => (document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light'),
    () => 'light',
  );
}

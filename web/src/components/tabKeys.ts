//! Arrow keys in a tab strip (the WAI-ARIA tabs pattern): Left/Right move to the previous or
//! next tab and choose it, Home/End the first or last; only the chosen tab is in the Tab order.

import type { KeyboardEvent } from 'react';

/** The `onKeyDown` of an element with `role="tablist"` whose children are `role="tab"` buttons. */
export function onTabListKeyDown(e: KeyboardEvent<HTMLElement>): void {
  const tabs = [...e.currentTarget.querySelectorAll<HTMLElement>('[role="tab"]')];
  const at = tabs.indexOf(document.activeElement as HTMLElement);
  if (at === -1 || tabs.length === 0) return;
  const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  const tab = tabs[(next + tabs.length) % tabs.length];
  tab?.focus();
  tab?.click();
}

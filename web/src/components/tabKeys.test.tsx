import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, test } from 'vitest';
import { onTabListKeyDown } from './tabKeys';

function Tabs() {
  const [tab, setTab] = useState('a');
  return (
    <div role="tablist" onKeyDown={onTabListKeyDown}>
      {['a', 'b', 'c'].map((id) => (
        <button key={id} type="button" role="tab" aria-selected={tab === id} tabIndex={tab === id ? 0 : -1} onClick={() => { setTab(id); }}>
          {id}
        </button>
      ))}
    </div>
  );
}

describe('arrow keys in a tab strip', () => {
  test('move to the next and previous tab, wrapping, and choose it; Home and End go to the ends', () => {
    render(<Tabs />);
    const [a, b, c] = screen.getAllByRole('tab');
    a?.focus();
    fireEvent.keyDown(a as HTMLElement, { key: 'ArrowRight' });
    expect(b).toHaveFocus();
    expect(b).toHaveAttribute('aria-selected', 'true');
    fireEvent.keyDown(b as HTMLElement, { key: 'End' });
    expect(c).toHaveFocus();
    fireEvent.keyDown(c as HTMLElement, { key: 'ArrowRight' });
    expect(a).toHaveFocus();
    fireEvent.keyDown(a as HTMLElement, { key: 'ArrowLeft' });
    expect(c).toHaveAttribute('aria-selected', 'true');
  });
});

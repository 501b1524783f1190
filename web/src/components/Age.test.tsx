import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderApp } from '../test/render';
import { Age, ageParts } from './Age';

describe('ageParts', () => {
  test.each([
    [0, [0, 'second']],
    [59, [59, 'second']],
    [150, [2, 'minute']],
    [7_200, [2, 'hour']],
    [200_000, [2, 'day']],
    [-5, [0, 'second']],
  ])('%i seconds is %j', (seconds, expected) => {
    expect(ageParts(seconds)).toEqual(expected);
  });
});

describe('Age', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');

  test('says how long ago, in the page language', async () => {
    await renderApp(<Age timestamp="2026-11-27T11:55:00Z" now={now} />, { locale: 'zh-CN' });
    expect(screen.getByText('5分钟前')).toHaveAttribute('datetime', '2026-11-27T11:55:00Z');
  });

  test('says "just now" rather than "0s ago"', async () => {
    await renderApp(<Age timestamp="2026-11-27T12:00:00Z" now={now} />);
    expect(screen.getByText('just now')).toBeInTheDocument();
  });

  test('shows a dash for a missing or unreadable time', async () => {
    await renderApp(
      <>
        <Age timestamp={null} now={now} />
        <Age timestamp="yesterday-ish" now={now} />
      </>,
    );
    expect(screen.getAllByText('—')).toHaveLength(2);
  });
});

import { act, screen } from '@testing-library/react';
import { describe, expect, test, vi } from 'vitest';
import { getJson } from '../lib/api/client';
import { renderApp } from '../test/render';
import { ProgressBar } from './ProgressBar';

describe('ProgressBar', () => {
  test('is active while a request is in flight and idle after it', async () => {
    let release: (r: Response) => void = () => undefined;
    vi.stubGlobal('fetch', vi.fn(() => new Promise<Response>((resolve) => (release = resolve))));
    await renderApp(<ProgressBar />);
    const bar = screen.getByTestId('progress');
    expect(bar).not.toHaveClass('progress--active');

    let pending: Promise<unknown> = Promise.resolve();
    act(() => {
      pending = getJson('api/v1/overview');
    });
    expect(bar).toHaveClass('progress--active');
    await act(async () => {
      release(new Response('{}', { status: 200 }));
      await pending;
    });
    expect(bar).not.toHaveClass('progress--active');
  });
});

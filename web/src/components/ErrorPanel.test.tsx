import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { ApiError } from '../lib/api/errors';
import { renderApp } from '../test/render';
import { ErrorPanel } from './ErrorPanel';

describe('ErrorPanel', () => {
  test("shows the server's message as it is, with its reason, status and request", async () => {
    const error = new ApiError({ status: 403, reason: 'Forbidden', message: 'pods is forbidden: User "ann" cannot list', request: 'GET api/v1/overview' });
    await renderApp(<ErrorPanel title="Could not load the overview" error={error} />, { locale: 'zh-CN' });
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('pods is forbidden: User "ann" cannot list');
    expect(alert).toHaveTextContent('Forbidden');
    expect(alert).toHaveTextContent('403');
    expect(alert).toHaveTextContent('GET api/v1/overview');
  });

  test("shows the browser's own descriptions in the page language", async () => {
    const error = new ApiError({
      status: 502,
      reason: 'BadResponse',
      message: 'The server answered with something that is not JSON.',
      request: 'GET api/v1/overview',
      localMessage: { key: 'errors|The server answered with something that is not JSON.' },
    });
    await renderApp(<ErrorPanel title="x" error={error} />, { locale: 'zh-CN' });
    expect(screen.getByRole('alert')).toHaveTextContent('服务器返回的内容不是 JSON。');
  });
});

import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test, vi } from 'vitest';
import type { Detail } from '../../lib/k8s/detail';
import type { Kind } from '../../lib/k8s/kinds';
import { kindsAnswer } from '../../test/fixtures';
import { fakeApi, renderApp } from '../../test/render';
import { ActionBar } from './ActionBar';

const deployments = kindsAnswer().kinds.find((k) => k.resource === 'deployments') as Kind;

function detail(): Detail {
  return {
    kind: { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
    metadata: { name: 'web', namespace: 'shop', uid: 'u1', resourceVersion: '7', creationTimestamp: null, deletionTimestamp: null, generation: 1, labels: {}, annotations: {}, ownerReferences: [] },
    object: { spec: { replicas: 3 } },
    summary: null,
    conditions: [],
    owners: [],
    related: [],
    events: [],
    warnings: [],
  };
}

describe('ActionBar', () => {
  test('an action is enabled only when the server allows it, and says why not otherwise', async () => {
    await renderApp(
      <ActionBar
        kind={deployments}
        detail={detail()}
        permissions={{
          actions: {
            scale: { allowed: true, reason: null },
            restart: { allowed: false, reason: 'dev may not patch deployments in namespace shop' },
            delete: { allowed: false, reason: null },
          },
        }}
        onDone={() => undefined}
        onDeleted={() => undefined}
      />,
    );
    expect(screen.getByTestId('action-scale')).toBeEnabled();
    expect(screen.getByTestId('action-restart')).toBeDisabled();
    expect(screen.getByTestId('action-restart-reason')).toHaveTextContent('dev may not patch deployments in namespace shop');
    // Rollback: the server did not say, so it stays off.
    expect(screen.getByTestId('action-rollback')).toBeDisabled();
    expect(screen.getByTestId('action-delete')).toHaveAttribute('title', 'You may not do this.');
  });

  test('a refused action shows the API server message', async () => {
    const message = 'deployments.apps "web" is forbidden: User "dev" cannot patch resource "deployments"';
    fakeApi({
      'api/v1/resources/apps/v1/deployments/web/scale?namespace=shop': {
        status: 403,
        body: { error: { code: 403, reason: 'Forbidden', message, details: null } },
      },
    });
    const onDone = vi.fn();
    await renderApp(
      <ActionBar kind={deployments} detail={detail()} permissions={{ actions: { scale: { allowed: true, reason: null }, delete: { allowed: true, reason: null } } }} onDone={onDone} onDeleted={() => undefined} />,
    );
    fireEvent.click(screen.getByTestId('action-scale'));
    expect(screen.getByTestId('scale-replicas')).toHaveValue(3);
    fireEvent.change(screen.getByTestId('scale-replicas'), { target: { value: '5' } });
    fireEvent.click(screen.getByTestId('action-confirm'));
    expect(await screen.findByText(message)).toBeInTheDocument();
    expect(onDone).not.toHaveBeenCalled();
  });

  test('delete asks for the name before it can be confirmed', async () => {
    await renderApp(
      <ActionBar kind={deployments} detail={detail()} permissions={{ actions: { delete: { allowed: true, reason: null } } }} onDone={() => undefined} onDeleted={() => undefined} />,
    );
    fireEvent.click(screen.getByTestId('action-delete'));
    expect(screen.getByTestId('action-confirm')).toBeDisabled();
    fireEvent.change(screen.getByTestId('delete-confirm-name'), { target: { value: 'web' } });
    expect(screen.getByTestId('action-confirm')).toBeEnabled();
    expect(screen.getByTestId('delete-propagation')).toHaveValue('Background');
  });
});

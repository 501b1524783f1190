import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test, vi } from 'vitest';
import { ApiError } from '../../lib/api/errors';
import { renderApp } from '../../test/render';
import { ConflictNotice, otherChange } from './ConflictNotice';
import { causesOf, changedPaths, conflictOf, lineOf } from './errors';
import { withResourceVersion } from './yamlText';

const conflictError = new ApiError({
  status: 409,
  reason: 'Conflict',
  message: 'Operation cannot be fulfilled on deployments.apps "hello": the object has been modified',
  request: 'PUT api/v1/resources/apps/v1/deployments/hello?namespace=shop',
  details: { currentResourceVersion: '1250', changed: ['metadata.labels.tier', 'spec.replicas'], current: { kind: 'Deployment' } },
});

describe('conflicts', () => {
  test('a 409 shows what changed and offers to reload or save over it', async () => {
    const conflict = conflictOf(conflictError);
    expect(conflict).not.toBeNull();
    if (!conflict) return;
    const onReload = vi.fn();
    const onOverwrite = vi.fn();
    await renderApp(<ConflictNotice conflict={conflict} message={conflictError.message} onReload={onReload} onOverwrite={onOverwrite} />);
    expect(screen.getByText('Someone else changed this object since you opened it')).toBeInTheDocument();
    expect(screen.getByTestId('conflict-changed')).toHaveTextContent('metadata.labels.tier');
    expect(screen.getByTestId('conflict-changed')).toHaveTextContent('spec.replicas');
    expect(screen.getByText('Current version: 1250')).toBeInTheDocument();
    fireEvent.click(screen.getByTestId('conflict-reload'));
    expect(onReload).toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('conflict-overwrite'));
    expect(onOverwrite).toHaveBeenCalled();
  });

  test('saving over a conflict takes the current resourceVersion', () => {
    const yaml = "metadata:\n  name: hello\n  resourceVersion: '1234'\nspec:\n  replicas: 2\n";
    expect(withResourceVersion(yaml, '1250')).toContain('resourceVersion: "1250"');
  });

  test('other errors are no conflict; validation causes and parse lines are read from details', () => {
    const invalid = new ApiError({
      status: 422,
      reason: 'Invalid',
      message: 'invalid',
      request: 'PUT x',
      details: { causes: [{ field: 'spec.replicas', reason: 'FieldValueInvalid', message: 'must be greater than or equal to 0' }] },
    });
    expect(conflictOf(invalid)).toBeNull();
    expect(causesOf(invalid.details)).toEqual([{ field: 'spec.replicas', reason: 'FieldValueInvalid', message: 'must be greater than or equal to 0' }]);
    expect(lineOf(new ApiError({ status: 400, reason: 'BadRequest', message: 'bad', request: 'PUT x', details: { line: 4, column: 3 } }))).toBe(4);
  });

  test('the other change is what differs between the version opened and the current one, not the person\'s own edit', async () => {
    const base = 'metadata:\n  name: hello\n  resourceVersion: "1234"\n  labels:\n    app: hello\nspec:\n  replicas: 2\n';
    const draft = 'metadata:\n  name: hello\n  resourceVersion: "1234"\n  labels:\n    app: hello\nspec:\n  replicas: 5\n';
    const conflict = {
      currentResourceVersion: '1250',
      // The server's list: every field where the draft and the current version differ.
      changed: ['metadata.labels.tier', 'spec.replicas'],
      current: { metadata: { name: 'hello', resourceVersion: '1250', labels: { app: 'hello', tier: 'web' } }, spec: { replicas: 2 } },
    };
    expect(otherChange(conflict, base)).toEqual({ changed: ['metadata.labels.tier'], exact: true });
    await renderApp(<ConflictNotice conflict={conflict} message="modified" base={base} draft={draft} onReload={vi.fn()} onOverwrite={vi.fn()} />);
    expect(screen.getByTestId('conflict-changed')).toHaveTextContent('metadata.labels.tier');
    expect(screen.getByTestId('conflict-changed')).not.toHaveTextContent('spec.replicas');
    expect(screen.getByTestId('conflict-mine')).toHaveTextContent('spec.replicas');
  });

  test('changed paths leave out versions and status, and walk maps and lists', () => {
    expect(changedPaths({ metadata: { resourceVersion: '1', generation: 1 }, status: { a: 1 }, spec: { list: [1, 2], x: null } }, { metadata: { resourceVersion: '2', generation: 2 }, status: { a: 2 }, spec: { list: [1, 3] } })).toEqual(['spec.list.1']);
  });
});

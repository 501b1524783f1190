import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test, vi } from 'vitest';
import { ApiError } from '../../lib/api/errors';
import { renderApp } from '../../test/render';
import { ConflictNotice } from './ConflictNotice';
import { causesOf, conflictOf, lineOf } from './errors';
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
});

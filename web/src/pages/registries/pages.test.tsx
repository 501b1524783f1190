import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import type { ImageDetail } from '../../lib/registries/types';
import { fakeApi, renderApp } from '../../test/render';
import DeployPage from './DeployPage';
import ImagePage from './ImagePage';

const IMAGE = 'api/v1/registries/local/image?repository=shop%2Fweb&reference=2.0';
const USAGE = 'api/v1/registries/local/usage?repository=shop%2Fweb&tag=2.0';

function image(allowed: boolean): ImageDetail {
  return {
    registry: { name: 'local', url: 'http://127.0.0.1:5000', host: '127.0.0.1:5000', source: 'resource', plainHttp: true, secretRef: null, problem: null, delete: true },
    repository: 'shop/web', reference: '2.0', digest: 'sha256:aaaa', mediaType: 'application/vnd.oci.image.index.v1+json',
    platforms: [
      { digest: 'sha256:bbbb', platform: 'linux/amd64', size: 500 },
      { digest: 'sha256:cccc', platform: 'linux/arm64', size: 500 },
    ],
    platform: 'linux/amd64', imageDigest: 'sha256:bbbb',
    config: { created: '2026-12-01T10:00:00Z', platform: 'linux/amd64', entrypoint: ['/bin/shop'], cmd: [], env: ['PORT=8080'], exposedPorts: ['8080/tcp'], user: '1000', workingDir: null, labels: [] },
    layers: [{ digest: 'sha256:dddd', mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 4096 }],
    totalSize: 5000, pull: '127.0.0.1:5000/shop/web:2.0',
    delete: { allowed, reason: allowed ? null : 'viewer may not patch imageregistries' },
  };
}

async function renderImage(routes: Parameters<typeof fakeApi>[0]) {
  const fetchMock = fakeApi({ [USAGE]: { body: { repository: 'shop/web', tag: '2.0', digests: [], items: [], warnings: [] } }, ...routes });
  await renderApp(
    <Routes>
      <Route path="/registries/:name/image" element={<ImagePage />} />
      <Route path="/registries/:name/tags" element={<p data-testid="tags-page">tags</p>} />
    </Routes>,
    { path: '/registries/local/image?repository=shop%2Fweb&reference=2.0' },
  );
  await screen.findByTestId('image-summary');
  return fetchMock;
}

describe('the image page', () => {
  test('shows each platform and asks before deleting, then says why the registry refused', async () => {
    const fetchMock = await renderImage({
      [IMAGE]: (init) =>
        init?.method === 'DELETE'
          ? { status: 405, body: { error: { code: 405, reason: 'DeleteNotAllowed', message: 'the registry does not allow deleting images', details: null } } }
          : { body: image(true) },
    });
    expect(screen.getByTestId('image-platform')).toHaveValue('linux/amd64');
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['linux/amd64', 'linux/arm64']);
    fireEvent.click(screen.getByTestId('tag-delete'));
    expect(fetchMock.mock.calls.some(([, init]) => init?.method === 'DELETE')).toBe(false);
    fireEvent.click(screen.getByTestId('tag-delete-yes'));
    expect(await screen.findByText('the registry does not allow deleting images')).toBeInTheDocument();
    expect(screen.queryByTestId('tags-page')).toBeNull();
  });

  test('offers no delete to a person who may not', async () => {
    await renderImage({ [IMAGE]: { body: image(false) } });
    expect(screen.queryByTestId('tag-delete')).toBeNull();
    expect(screen.getByTestId('image-deploy')).toHaveAttribute('href', '/registries/local/deploy?image=127.0.0.1%3A5000%2Fshop%2Fweb%3A2.0');
  });
});

describe('deploying an image', () => {
  test('the YAML is shown and the apply waits for a dry run the API server accepted', async () => {
    const applied: string[] = [];
    fakeApi({
      'api/v1/registries/_deploy': { body: { yaml: 'kind: Deployment\n' } },
      'api/v1/apply?dryRun=true': () => {
        applied.push('dry');
        return { body: { dryRun: true, ok: true, results: [{ index: 0, line: 1, apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web', path: null, result: 'created', error: null }] } };
      },
      'api/v1/apply?dryRun=false': () => {
        applied.push('apply');
        return { body: { dryRun: false, ok: true, results: [] } };
      },
    });
    await renderApp(
      <Routes>
        <Route path="/registries/:name/deploy" element={<DeployPage />} />
      </Routes>,
      { path: '/registries/local/deploy?image=127.0.0.1%3A5000%2Fshop%2Fweb%3A2.0' },
    );
    expect(screen.getByTestId('deploy-name')).toHaveValue('web');
    fireEvent.click(screen.getByTestId('deploy-preview'));
    expect(await screen.findByTestId('deploy-yaml')).toHaveTextContent('kind: Deployment');
    expect(screen.getByTestId('deploy-apply')).toBeDisabled();
    fireEvent.click(screen.getByTestId('deploy-dry-run-button'));
    await screen.findByTestId('deploy-dry-run');
    await waitFor(() => { expect(screen.getByTestId('deploy-apply')).toBeEnabled(); });
    fireEvent.click(screen.getByTestId('deploy-apply'));
    await screen.findByTestId('deploy-applied');
    expect(applied).toEqual(['dry', 'apply']);
  });
});

import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { describe, expect, test, vi } from 'vitest';
import type { ChartDetail, ReleaseDetail } from '../../lib/apps/types';
import { fakeApi, renderApp, type FakeAnswer } from '../../test/render';
import CataloguePage from './CataloguePage';
import InstallPage from './InstallPage';
import ReleasePage from './ReleasePage';
import ReleasesPage from './ReleasesPage';
import RepositoriesPage from './RepositoriesPage';

// CodeMirror needs layout the test DOM lacks; a textarea stands in for the YAML editor.
vi.mock('../../components/yaml/CodeEditor', () => ({
  CodeEditor: (props: { value: string; onChange?: (v: string) => void; label: string }) => (
    <textarea aria-label={props.label} data-testid="yaml-editor" value={props.value} onChange={(e) => props.onChange?.(e.target.value)} />
  ),
}));

const VALUES = '# replicas to run\nreplicaCount: 1\nservice:\n  type: ClusterIP\n';

function chart(overrides: Partial<ChartDetail> = {}): ChartDetail {
  return {
    repo: 'builtin',
    name: 'webapp',
    version: '1.1.0',
    appVersion: '1.25',
    description: 'A web app',
    icon: null,
    keywords: ['web'],
    deprecated: false,
    home: 'https://example.com',
    sources: [],
    maintainers: [{ name: 'Ann', email: 'ann@example.com', url: null }],
    versions: [
      { version: '1.1.0', appVersion: '1.25', created: null },
      { version: '1.0.0', appVersion: '1.24', created: null },
    ],
    dependencies: [],
    readme: '# webapp',
    values: VALUES,
    valuesSchema: {
      type: 'object',
      properties: {
        replicaCount: { type: 'integer', minimum: 1 },
        service: { type: 'object', properties: { type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] } } },
      },
    },
    ingress: { supported: true, hostPath: 'ingress.hosts[0].host' },
    install: { available: true, reason: null, problem: null },
    ...overrides,
  };
}

const helmOk: FakeAnswer = { body: { available: true, path: '/usr/bin/helm', version: 'v4.1.4' } };

function error(status: number, reason: string, message: string): FakeAnswer {
  return { status, body: { error: { code: status, reason, message, details: null } } };
}

async function renderInstall(routes: Record<string, FakeAnswer | (() => FakeAnswer)>, query = '') {
  const fetchMock = fakeApi(routes);
  await renderApp(
    <Routes>
      <Route path="/apps/charts/:repo/:chart/install" element={<InstallPage />} />
    </Routes>,
    { path: `/apps/charts/builtin/webapp/install${query}` },
  );
  await screen.findByTestId('install-form');
  return fetchMock;
}

describe('the install form', () => {
  test('checks the release name as it is typed and only then allows installing', async () => {
    await renderInstall({ 'api/v1/apps/charts/builtin/webapp': { body: chart() }, 'api/v1/apps/helm': helmOk });
    const name = screen.getByTestId('install-name');
    const submit = screen.getByTestId('install-submit');
    await waitFor(() => {
      expect(submit).toBeEnabled();
    });
    fireEvent.change(name, { target: { value: 'My_Shop' } });
    expect(screen.getByTestId('install-name-problem')).toHaveTextContent('Use lowercase letters only.');
    expect(submit).toBeDisabled();
    fireEvent.change(name, { target: { value: 'shop-' } });
    expect(screen.getByTestId('install-name-problem')).toHaveTextContent('Start and end with a letter or a digit.');
    expect(submit).toBeDisabled();
    fireEvent.change(name, { target: { value: 'shop' } });
    expect(submit).toBeEnabled();
  });

  test('installs into the chosen namespace; of several, the first is filled in and the others are a click away', async () => {
    const routes = { 'api/v1/apps/charts/builtin/webapp': { body: chart() }, 'api/v1/apps/helm': helmOk };
    await renderInstall(routes, '?namespace=data,shop');
    const namespace = screen.getByTestId('install-namespace');
    expect(namespace).toHaveValue('data');
    const choices = screen.getAllByTestId('install-namespace-choice');
    expect(choices.map((c) => c.textContent)).toEqual(['data', 'shop']);
    expect(choices[0]).toHaveAttribute('aria-pressed', 'true');
    const [data, shop] = choices;
    if (!data || !shop) throw new Error('two choices');
    fireEvent.click(shop);
    expect(namespace).toHaveValue('shop');
    expect(shop).toHaveAttribute('aria-pressed', 'true');
    expect(data).toHaveAttribute('aria-pressed', 'false');
  });

  test('with one namespace chosen it is filled in, without choices', async () => {
    await renderInstall({ 'api/v1/apps/charts/builtin/webapp': { body: chart() }, 'api/v1/apps/helm': helmOk }, '?namespace=shop');
    expect(screen.getByTestId('install-namespace')).toHaveValue('shop');
    expect(screen.queryByTestId('install-namespace-choices')).toBeNull();
  });

  test('without helm the install button is disabled and says why', async () => {
    await renderInstall({
      'api/v1/apps/charts/builtin/webapp': { body: chart() },
      'api/v1/apps/helm': { body: { available: false, reason: 'no helm binary', problem: { kind: 'notFound', searched: '/home/me/.cache/wheelhouse/tools/bin/helm' } } },
    });
    expect(await screen.findByTestId('install-blocked')).toHaveTextContent('No helm binary: set --helm-path, put helm on PATH, or run `cargo xtask run`, which installs one in /home/me/.cache/wheelhouse/tools/bin/helm.');
    expect(screen.getByTestId('install-submit')).toBeDisabled();
  });

  test('the schema form and the YAML stay in step both ways', async () => {
    await renderInstall({ 'api/v1/apps/charts/builtin/webapp': { body: chart() }, 'api/v1/apps/helm': helmOk });
    const form = screen.getByTestId('values-form');
    const yaml = screen.getByTestId<HTMLTextAreaElement>('yaml-editor');
    const replicas = within(form).getByLabelText(/replicaCount/);
    expect(replicas).toHaveValue('1');
    fireEvent.change(replicas, { target: { value: '3' } });
    expect(yaml.value).toBe('# replicas to run\nreplicaCount: 3\nservice:\n  type: ClusterIP\n');
    fireEvent.change(within(form).getByLabelText(/service\.type/), { target: { value: 'NodePort' } });
    expect(yaml.value).toContain('  type: NodePort\n');
    fireEvent.change(yaml, { target: { value: 'replicaCount: 5\nservice:\n  type: LoadBalancer\n' } });
    expect(within(form).getByLabelText(/replicaCount/)).toHaveValue('5');
    expect(within(form).getByLabelText(/service\.type/)).toHaveValue('LoadBalancer');
    fireEvent.change(within(form).getByLabelText(/replicaCount/), { target: { value: '0' } });
    expect(within(form).getByText('Too small: at least 1.')).toBeInTheDocument();
    // What was typed is what the YAML holds: the two never disagree about what would be sent.
    expect(yaml.value).toContain('replicaCount: 0');
    expect(screen.getByTestId('install-submit')).toBeDisabled();
    expect(screen.getByTestId('values-blocked')).toHaveTextContent('Fix these values first: replicaCount');
    fireEvent.change(within(form).getByLabelText(/replicaCount/), { target: { value: 'abc' } });
    expect(within(form).getByLabelText(/replicaCount/)).toHaveValue('abc');
    expect(yaml.value).toContain('replicaCount: abc');
    expect(within(form).getByText('Enter a number.')).toBeInTheDocument();
    expect(screen.getByTestId('install-submit')).toBeDisabled();
    // A value the schema refuses, typed in the YAML, is pointed out in the form.
    fireEvent.change(yaml, { target: { value: 'replicaCount: 0\n' } });
    expect(within(form).getByLabelText(/replicaCount/)).toHaveValue('0');
    expect(within(form).getByText('Too small: at least 1.')).toBeInTheDocument();
  });

  test("a refused install shows the server's message and keeps everything typed", async () => {
    const fetchMock = await renderInstall({
      'api/v1/apps/charts/builtin/webapp': { body: chart() },
      'api/v1/apps/helm': helmOk,
      'api/v1/apps/releases': error(409, 'AlreadyExists', 'release shop already exists in namespace default'),
    });
    fireEvent.change(screen.getByTestId('install-name'), { target: { value: 'shop' } });
    fireEvent.change(screen.getByTestId('install-ingress-host'), { target: { value: 'shop.example.com' } });
    fireEvent.change(screen.getByTestId('yaml-editor'), { target: { value: 'replicaCount: 2\n' } });
    await waitFor(() => {
      expect(screen.getByTestId('install-submit')).toBeEnabled();
    });
    fireEvent.click(screen.getByTestId('install-submit'));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('release shop already exists in namespace default');
    expect(alert).toHaveTextContent('409');
    expect(screen.getByTestId('install-name')).toHaveValue('shop');
    expect(screen.getByTestId('install-ingress-host')).toHaveValue('shop.example.com');
    expect(screen.getByTestId('yaml-editor')).toHaveValue('replicaCount: 2\n');
    const calls = fetchMock.mock.calls as unknown as [string, RequestInit | undefined][];
    const post = calls.find(([, init]) => init?.method === 'POST');
    expect(JSON.parse(post?.[1]?.body as string)).toEqual({
      repo: 'builtin',
      chart: 'webapp',
      version: '1.1.0',
      name: 'shop',
      namespace: 'default',
      createNamespace: false,
      values: 'replicaCount: 2\n',
      ingressHost: 'shop.example.com',
    });
  });
});

test('a 422 names each refused field: at the field when the form has it, in a list otherwise', async () => {
  await renderInstall({
    'api/v1/apps/charts/builtin/webapp': { body: chart() },
    'api/v1/apps/helm': helmOk,
    'api/v1/apps/releases': {
      status: 422,
      body: {
        error: {
          code: 422,
          reason: 'Invalid',
          message: 'the install request is invalid',
          details: { fields: [{ field: 'namespace', message: 'namespace "nowhere" does not exist' }, { field: 'version', message: 'webapp has no version 9.9.9' }] },
        },
      },
    },
  });
  await waitFor(() => {
    expect(screen.getByTestId('install-submit')).toBeEnabled();
  });
  fireEvent.click(screen.getByTestId('install-submit'));
  expect(await screen.findByText('namespace "nowhere" does not exist')).toBeInTheDocument();
  const list = screen.getByTestId('field-errors');
  expect(list).toHaveTextContent('version webapp has no version 9.9.9');
  expect(list).not.toHaveTextContent('nowhere');
  expect(screen.getByRole('alert')).toHaveTextContent('the install request is invalid');
});

describe('an install operation', () => {
  const running = { id: 'op-1', action: 'install', target: { namespace: 'default', name: 'webapp' }, state: 'running', message: 'installing webapp 1.1.0 as webapp', log: [] };

  async function install(final: object) {
    // Without EventSource the operation is read by polling, which the fake API can answer.
    vi.stubGlobal('EventSource', undefined);
    await renderInstall({
      'api/v1/apps/charts/builtin/webapp': { body: chart() },
      'api/v1/apps/helm': helmOk,
      'api/v1/apps/releases': { status: 202, body: running },
      'api/v1/operations/op-1': { body: { ...running, ...final } },
    });
    await waitFor(() => {
      expect(screen.getByTestId('install-submit')).toBeEnabled();
    });
    fireEvent.click(screen.getByTestId('install-submit'));
  }

  test('on success shows the notes, the access URLs and a link to the release', async () => {
    await install({
      state: 'succeeded',
      message: 'installed webapp (revision 1)',
      log: ['NAME: webapp', 'STATUS: deployed'],
      notes: 'Hello from Wheelhouse',
      accessUrls: [{ url: 'http://shop.example', source: 'Ingress default/webapp' }],
    });
    const op = await screen.findByTestId('app-operation');
    await waitFor(() => {
      expect(op).toHaveAttribute('data-state', 'succeeded');
    });
    expect(screen.getByTestId('operation-notes')).toHaveTextContent('Hello from Wheelhouse');
    const url = within(screen.getByTestId('access-urls')).getByRole('link', { name: 'http://shop.example' });
    expect(url).toHaveAttribute('target', '_blank');
    expect(url).toHaveAttribute('rel', 'noopener noreferrer');
    expect(screen.getByTestId('release-link')).toHaveAttribute('href', '/apps/releases/default/webapp');
    expect(screen.getByTestId('operation-log')).toHaveTextContent('STATUS: deployed');
    expect(screen.getByTestId('install-submit')).toBeDisabled();
  });

  test("on failure shows helm's error and the failed resources' events, and keeps the form", async () => {
    await install({
      state: 'failed',
      message: 'install of webapp failed',
      error: 'Error: INSTALLATION FAILED: context deadline exceeded',
      failedResources: [
        {
          kind: 'Deployment',
          namespace: 'default',
          name: 'webapp',
          status: { text: '0/1 ready', severity: 'error' },
          events: [{ type: 'Warning', reason: 'FailedCreate', message: 'pods "webapp-1" is forbidden: exceeded quota', count: 3, lastSeen: null }],
        },
      ],
    });
    const op = await screen.findByTestId('app-operation');
    await waitFor(() => {
      expect(op).toHaveAttribute('data-state', 'failed');
    });
    expect(screen.getByTestId('operation-error')).toHaveTextContent('INSTALLATION FAILED: context deadline exceeded');
    const resource = screen.getByTestId('failed-resource');
    expect(resource).toHaveTextContent('Deployment default/webapp');
    expect(resource).toHaveTextContent('FailedCreate');
    expect(resource).toHaveTextContent('exceeded quota');
    expect(screen.getByTestId('install-name')).toHaveValue('webapp');
    expect(screen.getByTestId('yaml-editor')).toHaveValue(VALUES);
    expect(screen.getByTestId('install-submit')).toBeEnabled();
  });
});

/** The operation an accepted upgrade answers with. */
const upgrading = { id: 'op-1', action: 'upgrade', target: { namespace: 'default', name: 'shop' }, state: 'running', message: 'upgrading shop', log: [] };

function release(overrides: Partial<ReleaseDetail> = {}): ReleaseDetail {
  return {
    name: 'shop',
    namespace: 'default',
    revision: 2,
    status: 'deployed',
    chart: 'webapp',
    chartVersion: '1.1.0',
    appVersion: '1.25',
    updated: '2026-01-01T00:00:00Z',
    protected: { protected: false, reason: null },
    description: 'Upgrade complete',
    notes: 'Visit the app',
    values: 'replicaCount: 2\n',
    manifest: 'kind: Service\n',
    history: [
      { revision: 1, status: 'superseded', chart: 'webapp', chartVersion: '1.0.0', appVersion: '1.24', updated: null, description: 'Install complete' },
      { revision: 2, status: 'deployed', chart: 'webapp', chartVersion: '1.1.0', appVersion: '1.25', updated: null, description: 'Upgrade complete' },
    ],
    resources: [],
    accessUrls: [],
    warnings: [],
    repo: null,
    ...overrides,
  };
}

async function renderRelease(routes: Record<string, FakeAnswer>) {
  fakeApi({ 'api/v1/apps/helm': helmOk, 'api/v1/apps/charts?q=webapp&limit=20': { body: { items: [], total: 0 } }, ...routes });
  await renderApp(
    <Routes>
      <Route path="/apps/releases/:namespace/:name" element={<ReleasePage />} />
    </Routes>,
    { path: '/apps/releases/default/shop' },
  );
}

describe('the releases list', () => {
  test('asks the server for the chosen namespaces and shows what it answers, with its warnings', async () => {
    const summary = { name: 'shop', namespace: 'default', revision: 2, status: 'deployed', chart: 'webapp', chartVersion: '1.1.0', appVersion: '1.25', updated: '2026-01-01T00:00:00Z', protected: { protected: false, reason: null } };
    const fetchMock = fakeApi({
      'api/v1/apps/releases?namespace=data%2Cshop': {
        body: {
          items: [
            { ...summary, name: 'etl', namespace: 'data' },
            { ...summary, name: 'shop', namespace: 'shop' },
          ],
          warnings: [{ reason: 'Forbidden', what: 'helm releases (Secrets)', message: 'you may not list Secrets in 1 of 2 namespaces (data)' }],
        },
      },
    });
    await renderApp(<ReleasesPage />, { path: '/apps/releases?namespace=data,shop' });
    const rows = await screen.findAllByTestId('release-row');
    expect(rows.map((r) => r.getAttribute('data-release'))).toEqual(['data/etl', 'shop/shop']);
    expect(screen.getByText('Helm releases in namespaces data, shop.')).toBeInTheDocument();
    expect(screen.getByText(/you may not list Secrets in 1 of 2 namespaces/)).toBeInTheDocument();
    expect(fetchMock.mock.calls.map(([path]) => (typeof path === 'string' ? path : ''))).toContain('api/v1/apps/releases?namespace=data%2Cshop');
  });
});

describe('the release page', () => {
  test('a protected release says why and offers no changes', async () => {
    await renderRelease({ 'api/v1/apps/releases/default/shop': { body: release({ protected: { protected: true, reason: 'listed by --protected-release default/shop' } }) } });
    expect(await screen.findByTestId('protected-reason')).toHaveTextContent('listed by --protected-release default/shop');
    for (const action of ['upgrade', 'rollback', 'uninstall']) expect(screen.getByTestId(`release-${action}`)).toBeDisabled();
  });

  test('uninstall is possible only once the release name is typed exactly', async () => {
    await renderRelease({
      'api/v1/apps/releases/default/shop': { body: release() },
    });
    fireEvent.click(await screen.findByTestId('release-uninstall'));
    const submit = screen.getByTestId('uninstall-submit');
    expect(submit).toBeDisabled();
    fireEvent.change(screen.getByTestId('uninstall-confirm-name'), { target: { value: 'sho' } });
    expect(submit).toBeDisabled();
    fireEvent.change(screen.getByTestId('uninstall-confirm-name'), { target: { value: 'shop' } });
    expect(submit).toBeEnabled();
  });

  test('an upgrade of a release without a recorded repository asks which one and sends it', async () => {
    const fetchMock = fakeApi({
      'api/v1/apps/helm': helmOk,
      'api/v1/apps/releases/default/shop': { body: release({ repo: null }) },
      'api/v1/apps/charts?q=webapp&limit=20': {
        body: {
          items: [
            { repo: 'alpha', name: 'webapp', version: '1.1.0', appVersion: null, description: null, icon: null, keywords: [], deprecated: false },
            { repo: 'stable', name: 'webapp', version: '1.1.0', appVersion: null, description: null, icon: null, keywords: [], deprecated: false },
            { repo: 'alpha', name: 'webapp-extra', version: '1.0.0', appVersion: null, description: null, icon: null, keywords: [], deprecated: false },
          ],
          total: 3,
        },
      },
      'api/v1/apps/charts/stable/webapp': { body: chart({ repo: 'stable' }) },
      'api/v1/apps/releases/default/shop/upgrade': { status: 202, body: upgrading },
    });
    await renderApp(
      <Routes>
        <Route path="/apps/releases/:namespace/:name" element={<ReleasePage />} />
      </Routes>,
      { path: '/apps/releases/default/shop' },
    );
    fireEvent.click(await screen.findByTestId('release-upgrade'));
    const form = screen.getByTestId('upgrade-form');
    expect(form).toHaveTextContent('does not record the repository it was installed from');
    const choice = within(form).getByTestId('upgrade-repo');
    await waitFor(() => {
      expect(within(choice).getAllByRole('option').map((o) => o.textContent)).toEqual(['Choose a repository', 'alpha', 'stable']);
    });
    // Nothing is picked for the person: the first repository with the name may not be the right one.
    expect(choice).toHaveValue('');
    expect(screen.getByTestId('upgrade-submit')).toBeDisabled();
    fireEvent.change(choice, { target: { value: 'stable' } });
    await waitFor(() => {
      expect(screen.getByTestId('upgrade-submit')).toBeEnabled();
    });
    fireEvent.click(screen.getByTestId('upgrade-submit'));
    await waitFor(() => {
      const calls = fetchMock.mock.calls as unknown as [string, RequestInit | undefined][];
      const post = calls.find(([path, init]) => init?.method === 'POST' && path.endsWith('/upgrade'));
      expect(JSON.parse(post?.[1]?.body as string)).toEqual({ version: '1.1.0', values: 'replicaCount: 2\n', repo: 'stable' });
    });
  });

  test('an upgrade of a release Wheelhouse installed uses the recorded repository without asking', async () => {
    const fetchMock = fakeApi({
      'api/v1/apps/helm': helmOk,
      'api/v1/apps/releases/default/shop': { body: release({ repo: 'stable' }) },
      'api/v1/apps/charts/stable/webapp': { body: chart({ repo: 'stable' }) },
      'api/v1/apps/releases/default/shop/upgrade': { status: 202, body: upgrading },
    });
    await renderApp(
      <Routes>
        <Route path="/apps/releases/:namespace/:name" element={<ReleasePage />} />
      </Routes>,
      { path: '/apps/releases/default/shop' },
    );
    fireEvent.click(await screen.findByTestId('release-upgrade'));
    expect(screen.queryByTestId('upgrade-repo')).toBeNull();
    fireEvent.click(screen.getByTestId('upgrade-submit'));
    await waitFor(() => {
      const calls = fetchMock.mock.calls as unknown as [string, RequestInit | undefined][];
      const post = calls.find(([path, init]) => init?.method === 'POST' && path.endsWith('/upgrade'));
      expect(JSON.parse(post?.[1]?.body as string)).toMatchObject({ repo: 'stable' });
    });
    const searched = (fetchMock.mock.calls as unknown as [string][]).some(([p]) => p.startsWith('api/v1/apps/charts?'));
    expect(searched).toBe(false);
  });

  test.each([
    [403, 'Forbidden', 'release default/shop is protected: annotation wheelhouse.dev/protected'],
    [409, 'Conflict', 'operation 5f0c (upgrade) is still running on default/shop'],
    [503, 'ServiceUnavailable', 'no helm binary: set --helm-path or put helm on PATH'],
  ])('a rollback answered %i shows the message', async (status, reason, message) => {
    fakeApi({
      'api/v1/apps/helm': helmOk,
      'api/v1/apps/releases/default/shop': { body: release() },
      'api/v1/apps/releases/default/shop/rollback': error(status, reason, message),
    });
    await renderApp(
      <Routes>
        <Route path="/apps/releases/:namespace/:name" element={<ReleasePage />} />
      </Routes>,
      { path: '/apps/releases/default/shop' },
    );
    fireEvent.click(await screen.findByTestId('release-rollback'));
    expect(screen.getByTestId('rollback-revision')).toHaveValue('1');
    fireEvent.click(screen.getByTestId('rollback-start'));
    fireEvent.click(screen.getByTestId('rollback-confirm'));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(message);
    expect(alert).toHaveTextContent(String(status));
  });

  test('statuses read in the person\'s language, and in Helm\'s own words in English', async () => {
    fakeApi({ 'api/v1/apps/helm': helmOk, 'api/v1/apps/releases/default/shop': { body: release() } });
    await renderApp(
      <Routes>
        <Route path="/apps/releases/:namespace/:name" element={<ReleasePage />} />
      </Routes>,
      { path: '/apps/releases/default/shop', locale: 'zh-CN' },
    );
    fireEvent.click(await screen.findByTestId('release-tab-history'));
    const [newest, oldest] = screen.getAllByTestId('history-row').map((row) => within(row));
    expect(newest?.getByText('已部署')).toHaveAttribute('data-status', 'deployed');
    expect(oldest?.getByText('已被取代')).toHaveAttribute('data-status', 'superseded');
  });

  test('the history lists every revision, newest first', async () => {
    await renderRelease({ 'api/v1/apps/releases/default/shop': { body: release() } });
    fireEvent.click(await screen.findByTestId('release-tab-history'));
    expect(screen.getAllByTestId('history-row').map((r) => r.dataset.revision)).toEqual(['2', '1']);
  });
});

describe('the catalogue', () => {
  test('asks the server once the typing pauses, not for every key', async () => {
    const fetchMock = fakeApi({
      'api/v1/apps/charts?limit=60': { body: { items: [], total: 0 } },
      'api/v1/apps/charts?q=web&limit=60': {
        body: { items: [{ repo: 'builtin', name: 'webapp', version: '1.1.0', appVersion: '1.25', description: 'A web app', icon: null, keywords: [], deprecated: true }], total: 1 },
      },
      'api/v1/apps/repositories': { body: { items: [] } },
    });
    await renderApp(<CataloguePage />, { path: '/apps' });
    const search = screen.getByTestId('chart-search');
    fireEvent.change(search, { target: { value: 'w' } });
    fireEvent.change(search, { target: { value: 'we' } });
    fireEvent.change(search, { target: { value: 'web' } });
    const card = await screen.findByTestId('chart-card');
    expect(card).toHaveTextContent('webapp');
    expect(card).toHaveTextContent('Deprecated');
    const searches = (fetchMock.mock.calls as unknown as [string][]).map(([p]) => p).filter((p) => p.startsWith('api/v1/apps/charts?q='));
    expect(searches).toEqual(['api/v1/apps/charts?q=web&limit=60']);
  });
});

test('a login for an http:// repository is sent over plain HTTP only when the person ticks it', async () => {
  const fetchMock = fakeApi({ 'api/v1/apps/repositories': { body: { items: [], warnings: [] } } });
  await renderApp(<RepositoriesPage />, { path: '/apps/repositories' });
  const form = await screen.findByTestId('repo-add');
  fireEvent.change(screen.getByTestId('repo-name'), { target: { value: 'internal' } });
  fireEvent.change(screen.getByTestId('repo-url'), { target: { value: 'http://charts.internal' } });
  expect(within(form).queryByTestId('repo-plain-http')).toBeNull();
  fireEvent.change(within(form).getByLabelText('Credentials Secret (namespace/name, optional)'), { target: { value: 'wheelhouse/login' } });
  const box = within(form).getByTestId('repo-plain-http');
  expect(box.parentElement).toHaveTextContent('anyone on the network can read it');
  expect(box).not.toBeChecked();
  fireEvent.click(box);
  fireEvent.click(screen.getByTestId('repo-add-submit'));
  await waitFor(() => {
    const calls = fetchMock.mock.calls as unknown as [string, RequestInit | undefined][];
    const post = calls.find(([, init]) => init?.method === 'POST');
    expect(JSON.parse(post?.[1]?.body as string)).toMatchObject({ url: 'http://charts.internal', plainHttp: true, secretRef: { namespace: 'wheelhouse', name: 'login' } });
  });
});

test('a private CA is asked for only where the repository speaks TLS, and sent as caSecretRef', async () => {
  const fetchMock = fakeApi({ 'api/v1/apps/repositories': { body: { items: [], warnings: [] } } });
  await renderApp(<RepositoriesPage />, { path: '/apps/repositories' });
  const form = await screen.findByTestId('repo-add');
  fireEvent.change(screen.getByTestId('repo-name'), { target: { value: 'internal' } });
  fireEvent.change(screen.getByTestId('repo-url'), { target: { value: 'http://charts.internal' } });
  expect(within(form).queryByTestId('repo-ca')).toBeNull();
  fireEvent.change(screen.getByTestId('repo-url'), { target: { value: 'https://charts.internal' } });
  fireEvent.change(within(form).getByTestId('repo-ca'), { target: { value: 'wheelhouse/charts-ca' } });
  fireEvent.click(screen.getByTestId('repo-add-submit'));
  await waitFor(() => {
    const calls = fetchMock.mock.calls as unknown as [string, RequestInit | undefined][];
    const post = calls.find(([, init]) => init?.method === 'POST');
    expect(JSON.parse(post?.[1]?.body as string)).toMatchObject({ url: 'https://charts.internal', caSecretRef: { namespace: 'wheelhouse', name: 'charts-ca' } });
  });
});

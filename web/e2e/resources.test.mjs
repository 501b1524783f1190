// Browser tests of the resource browser's list pages against `wheelhouse --demo`: navigation by
// kind, columns and typed cells, sorting, filtering, paging, URL state, and live updates.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPage, screenshot, withDemoConsole } from './support/harness.mjs';

/**
 * Writes to the demo cluster outside the page under test, through the console's raw passthrough
 * (as a script would; the demo cluster's own tokens are new on every start).
 */
async function changeCluster(server, method, path, body) {
  const response = await fetch(new URL(`api/v1/_raw/${path}`, server.url), {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.text()}`);
}

describe('the resource browser', () => {
  let server;
  let browser;

  withDemoConsole({}, (started) => ({ server, browser } = started));

  test('the navigation lists kinds by group and a list page shows the server columns with typed cells', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      const nav = page.getByTestId('kind-nav');
      await nav.waitFor();
      for (const group of ['Workloads', 'Network', 'Config', 'Storage', 'Cluster', 'Access', 'Custom resources']) {
        assert.ok(await nav.getByText(group, { exact: true }).isVisible(), `group ${group}`);
      }
      await nav.getByRole('link', { name: 'Pods', exact: true }).click();
      const list = page.getByTestId('resource-list');
      await list.waitFor();
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor();
      assert.equal(new URL(page.url()).pathname, `${new URL(server.url).pathname}pods`);
      const headers = (await page.locator('[data-testid="resource-table"] th').allTextContents()).map((h) => h.replace(/[▲▼]/g, ''));
      for (const h of ['Name', 'Namespace', 'Ready', 'Status', 'Restarts', 'Age']) assert.ok(headers.includes(h), `${h} in ${headers}`);
      assert.ok((await page.locator('[data-severity="ok"]').count()) > 0, 'running pods are coloured ok');
      assert.match((await page.getByTestId('pager-range').textContent()) ?? '', /^1–\d+ of \d+$/);
      assert.equal(await page.getByTestId('live-indicator').getAttribute('data-state'), 'live');
      await screenshot(page, 'resources-pods-en');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('sort, name filter, label selector and page size live in the URL and survive a reload', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods`);
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor();
      await page.locator('th[data-column="creationTimestamp"] button').click();
      await page.waitForURL(/sort=creationTimestamp/);
      await page.locator('th[data-column="creationTimestamp"] button').click();
      await page.waitForURL(/sort=-creationTimestamp/);
      await page.locator('th[data-column="creationTimestamp"][aria-sort="descending"]').waitFor();

      const first = (await page.locator('[data-testid="resource-table"] tbody tr').first().getAttribute('data-name')) ?? '';
      const fragment = first.slice(0, 5);
      await page.getByTestId('filter-name').fill(fragment);
      await page.waitForURL(new RegExp(`q=${fragment}`));
      await page.waitForFunction(
        (f) => [...document.querySelectorAll('[data-testid="resource-table"] tbody tr')].every((r) => r.getAttribute('data-name')?.includes(f)),
        fragment,
      );
      await page.reload();
      await page.locator('th[data-column="creationTimestamp"][aria-sort="descending"]').waitFor();
      assert.equal(await page.getByTestId('filter-name').inputValue(), fragment);

      await page.goto(`${server.url}pods?labelSelector=${encodeURIComponent('app=no-such-app')}`);
      await page.getByTestId('list-empty').waitFor();
      assert.equal(await page.getByTestId('filter-labels').inputValue(), 'app=no-such-app');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the overview links to the nodes list and to a namespace pods', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      await page.getByTestId('overview').waitFor();
      await page.getByTestId('stat-nodes').getByRole('link').click();
      await page.getByTestId('resource-list').waitFor();
      assert.equal(await page.getByTestId('resource-list').getAttribute('data-kind'), 'Node');
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor();
      await screenshot(page, 'resources-nodes-en');

      // A namespace's pod count on the overview opens that namespace's pods, and only those.
      await page.goto(server.url);
      const shop = page.getByTestId('section-namespaces').locator('tr', { hasText: 'shop' }).first();
      await shop.waitFor();
      const count = Number(await shop.locator('a[href*="pods?namespace=shop"]').textContent());
      await shop.locator('a[href*="pods?namespace=shop"]').click();
      await page.getByTestId('resource-list').waitFor();
      assert.equal(await page.getByTestId('resource-list').getAttribute('data-kind'), 'Pod');
      assert.equal(new URL(page.url()).searchParams.get('namespace'), 'shop');
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor();
      const rows = page.locator('[data-testid="resource-table"] tbody tr[data-name]');
      const namespaces = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-namespace')));
      assert.ok(namespaces.length > 0 && namespaces.every((ns) => ns === 'shop'), `rows of shop only: ${namespaces.join(', ')}`);
      assert.ok(count > 0, 'the overview counted pods in shop');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a change in the cluster appears in the open list without a reload', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}configmaps?namespace=default`);
      await page.getByTestId('resource-list').waitFor();
      await page.getByTestId('live-indicator').locator('xpath=self::*[@data-state="live"]').waitFor();
      await page.getByTestId('resource-total').waitFor();
      const before = Number(await page.getByTestId('resource-total').textContent());
      await page.evaluate(() => document.querySelector('[data-testid="resource-list"]')?.setAttribute('data-mark', 'same-page'));
      await changeCluster(server, 'POST', 'api/v1/namespaces/default/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'e2e-live-change' },
        data: { hello: 'world' },
      });
      await page.locator('tr[data-name="e2e-live-change"]').waitFor({ timeout: 10_000 });
      assert.equal(Number(await page.getByTestId('resource-total').textContent()), before + 1);
      assert.equal(await page.getByTestId('resource-list').getAttribute('data-mark'), 'same-page');
      await screenshot(page, 'resources-live-added');

      // Paused: a deletion does not change the page until resumed.
      await page.getByTestId('live-pause').click();
      assert.equal(await page.getByTestId('live-indicator').getAttribute('data-state'), 'paused');
      await changeCluster(server, 'DELETE', 'api/v1/namespaces/default/configmaps/e2e-live-change');
      // Once the console's own cache has the deletion (its list no longer has the row), the
      // paused page still shows it.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const list = await (await fetch(new URL('api/v1/resources/core/v1/configmaps?namespace=default&q=e2e-live-change', server.url))).json();
        if (list.total === 0) break;
        assert.ok(Date.now() < deadline, 'the console never saw the deletion');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(await page.locator('tr[data-name="e2e-live-change"]').count(), 1);
      await page.getByTestId('live-pause').click();
      await page.locator('tr[data-name="e2e-live-change"]').waitFor({ state: 'detached', timeout: 10_000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('one tab keeps one WebSocket for all its live views, across pages', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      const sockets = [];
      page.on('websocket', (socket) => sockets.push(new URL(socket.url()).pathname));
      await page.goto(`${server.url}pods?namespace=shop&q=frontend`);
      await page.getByTestId('live-indicator').locator('xpath=self::*[@data-state="live"]').waitFor();
      // Inside the app: a pod's detail, its followed log, then the nodes and the pods lists.
      await page.locator('[data-testid="resource-table"] tbody tr a').first().click();
      await page.locator('[data-testid="detail-page"][data-kind="Pod"]').waitFor();
      await page.getByTestId('tab-logs').click();
      await page.getByTestId('logs-follow').check();
      await page.locator('[data-testid="logs-text"] .logs__line').first().waitFor({ timeout: 15_000 });
      for (const kind of ['Nodes', 'Pods']) {
        await page.getByTestId('kind-nav').getByRole('link', { name: kind, exact: true }).click();
        await page.waitForFunction((k) => document.querySelector('[data-testid="resource-list"]')?.getAttribute('data-kind') === k.slice(0, -1), kind);
        await page.getByTestId('live-indicator').locator('xpath=self::*[@data-state="live"]').waitFor();
      }
      assert.deepEqual(sockets, [`${new URL(server.url).pathname}api/v1/live`], 'one socket, opened once');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('in Chinese the list reads in Chinese', async () => {
    const { context, page, problems } = await openPage(browser, { locale: 'zh-CN' });
    try {
      await page.goto(`${server.url}deployments`);
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor();
      assert.equal(await page.locator('h1').textContent(), 'Deployment');
      const headers = (await page.locator('[data-testid="resource-table"] th').allTextContents()).map((h) => h.replace(/[▲▼]/g, ''));
      assert.ok(headers.includes('名称') && headers.includes('就绪'), headers.join(','));
      await screenshot(page, 'resources-deployments-zh-CN');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a name no kind has is page not found', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${server.url}no-such-kind`);
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    } finally {
      await context.close();
    }
  });
});

// A person with few rights (the sim's `restricted` user: pods, services, config maps and events
// in team-a only) meets forbidden lists that say what is forbidden, and actions they may not use;
// the namespace picker offers the namespaces they can use (the kubeconfig context's and
// `--allowed-namespace`), and their pods and namespace have metrics though cluster-wide metrics
// and the namespace list are forbidden.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openPage, screenshot, startWheelhouse } from './support/harness.mjs';
import { startSim } from './support/sim.mjs';

describe('a restricted person', () => {
  let sim;
  let server;
  let browser;

  before(async () => {
    sim = await startSim('demo');
    server = await startWheelhouse({ cluster: ['--kubeconfig', sim.kubeconfigFor('restricted', 'team-a')], args: ['--allowed-namespace', 'team-b'] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await sim?.stop();
  });

  test('a forbidden list says what is forbidden, in the API server words', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods`);
      const alert = page.getByRole('alert').filter({ hasText: 'Could not list Pods' });
      await alert.waitFor({ timeout: 20_000 });
      assert.match((await alert.textContent()) ?? '', /forbidden/i);
      assert.match((await alert.textContent()) ?? '', /Forbidden/);
      await screenshot(page, 'restricted-forbidden-list');
    } finally {
      await context.close();
    }
  });

  test('in their namespace they see the rows; create and delete are disabled with the reason', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods?namespace=team-a`);
      await page.locator('[data-testid="resource-table"] tbody tr a').first().waitFor({ timeout: 20_000 });
      // They may read pods in team-a, not create them: the API server's answer, on the button.
      await page.getByTestId('create-reason').waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId('create-link').isDisabled(), true);
      assert.match((await page.getByTestId('create-reason').textContent()) ?? '', /may not create pods in namespace team-a/);
      await screenshot(page, 'restricted-create-disabled');
      await page.locator('[data-testid="resource-table"] tbody tr a').first().click();
      await page.getByTestId('action-bar').waitFor();
      const del = page.getByTestId('action-delete');
      await page.waitForFunction(() => document.querySelector('[data-testid="action-delete"]')?.getAttribute('title') !== 'Checking whether you may do this…');
      assert.equal(await del.isDisabled(), true);
      // The access review's answer: who may not do what, where.
      assert.match((await del.getAttribute('title')) ?? '', /restricted may not delete pods in namespace team-a/);
      await screenshot(page, 'restricted-delete-disabled');
    } finally {
      await context.close();
    }
  });

  test('the namespace picker offers the namespaces they can use, and choosing one shows its rows', async () => {
    for (const locale of ['en-US', 'zh-CN']) {
      const { context, page, problems } = await openPage(browser, { locale });
      try {
        await page.goto(`${server.url}pods`);
        await page.getByTestId('namespace-selector').click();
        await page.getByTestId('namespace-panel').waitFor();
        await page.locator('[data-testid="namespace-option"][data-namespace="team-a"]').waitFor({ timeout: 20_000 });
        const offered = await page.getByTestId('namespace-option').evaluateAll((options) => options.map((o) => o.getAttribute('data-namespace')));
        assert.deepEqual(offered, ['team-a', 'team-b']);
        assert.match((await page.getByTestId('namespace-configured').textContent()) ?? '', locale === 'zh-CN' ? /集群不允许你列出命名空间/ : /configured for you/);
        await screenshot(page, `restricted-namespace-picker-${locale}`);
        await page.locator('[data-testid="namespace-option"][data-namespace="team-a"]').check();
        await page.keyboard.press('Escape');
        await page.waitForURL(/namespace=team-a/);
        await page.locator('[data-testid="resource-table"] tbody tr a').first().waitFor({ timeout: 20_000 });
        assert.deepEqual(problems.filter((p) => !p.includes('/api/')), []);
      } finally {
        await context.close();
      }
    }
  });

  test('the overview shows their namespace and says what the cluster refused to list', async () => {
    for (const locale of ['en-US', 'zh-CN']) {
      const { context, page, problems } = await openPage(browser, { locale });
      try {
        await page.goto(server.url);
        await page.getByTestId('overview').waitFor({ timeout: 30_000 });
        // Nodes, the namespace list and pods cluster-wide are refused; team-a is read on its own.
        const hidden = page.getByTestId('overview-hidden');
        const said = (await hidden.textContent()) ?? '';
        for (const what of ['nodes', 'namespaces', 'pods in all namespaces', 'pods in namespace team-b']) {
          assert.ok(said.includes(what), `${what} in: ${said}`);
        }
        assert.match(said, /forbidden/i);
        assert.ok((await page.getByTestId('pods-total').textContent()) !== '0');
        assert.equal(await page.getByTestId('namespaces-total').textContent(), '1');
        assert.equal(await page.getByTestId('nodes-total').count(), 0);
        assert.match((await page.getByTestId('nodes-hint').textContent()) ?? '', locale === 'zh-CN' ? /无权列出节点/ : /listing nodes is refused/);
        assert.match(said, locale === 'zh-CN' ? /集群拒绝列出/ : /cluster refused to list it/);
        // The busiest pods are team-a's, from its own metrics: cluster-wide ones are refused.
        await page.locator('[data-testid="top-pods"][data-namespace="team-a"] tbody tr').first().waitFor({ timeout: 60_000 });
        // Cluster-wide figures are refused too: a note saying so, not an error.
        const refused = page.getByTestId('cluster-metrics-refused');
        await refused.waitFor({ timeout: 30_000 });
        assert.match((await refused.textContent()) ?? '', locale === 'zh-CN' ? /集群拒绝了访问/ : /the cluster refused them/);
        assert.equal(await page.getByTestId('cluster-metrics').getByRole('alert').count(), 0);
        await screenshot(page, `restricted-overview-${locale}`);
        assert.deepEqual(problems.filter((p) => !p.includes('/api/')), []);
      } finally {
        await context.close();
      }
    }
  });

  test('their pods have metrics although metrics are forbidden cluster-wide', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods?namespace=team-a`);
      await page.locator('[data-testid="resource-table"] tbody tr a').first().click();
      await page.getByTestId('metrics').waitFor();
      // The scraper reads team-a's pod metrics once cluster-wide is refused: a chart, no 403.
      await page.getByTestId('chart-cpu').waitFor({ timeout: 60_000 });
      const state = page.getByTestId('metrics-state');
      if ((await state.count()) > 0) assert.notEqual(await state.getAttribute('data-state'), 'forbidden');
      assert.equal(await page.getByTestId('metrics').getByRole('alert').count(), 0);
      await screenshot(page, 'restricted-pod-metrics');
    } finally {
      await context.close();
    }
  });

  test("their namespace's metrics are drawn though they may not list namespaces", async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${server.url}namespaces/team-a`);
      await page.getByTestId('metrics').waitFor({ timeout: 20_000 });
      await page.getByTestId('metrics').getByTestId('chart-cpu').waitFor({ timeout: 60_000 });
      assert.equal(await page.getByTestId('metrics').getByRole('alert').count(), 0);
      // The namespace object itself stays forbidden, and the page says so above the charts.
      assert.match((await page.getByRole('alert').first().textContent()) ?? '', /forbidden/i);
      await screenshot(page, 'restricted-namespace-metrics');
    } finally {
      await context.close();
    }
  });
});

// Browser tests of what a person sees when the API server misbehaves: it stops answering (the
// banner says so within seconds, and goes when it answers again, with the list current), and a
// CRD deleted while its objects are shown live (the list says the type was removed).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openPage, screenshot, startWheelhouse } from './support/harness.mjs';
import { startSim } from './support/sim.mjs';

/** A raw call to the sim as its admin. */
async function kube(sim, method, path, body) {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.text()}`);
}

describe('the console when the API server misbehaves', () => {
  let sim;
  let server;
  let browser;

  before(async () => {
    sim = await startSim('demo');
    server = await startWheelhouse({ cluster: ['--kubeconfig', sim.kubeconfig] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    try {
      sim?.resume();
    } catch {
      // It had already gone.
    }
    await sim?.stop();
  });

  test('a hung API server is said in the banner, which goes when it answers, with the list current', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${server.url}widgets.demo.wheelhouse.dev`);
      await page.getByText('sprocket').first().waitFor({ timeout: 30_000 });
      assert.equal(await page.getByTestId('cluster-banner').count(), 0, 'no banner while the API server answers');

      const hung = Date.now();
      sim.pause();
      const banner = page.getByTestId('cluster-banner');
      // The console checks every 5 s and gives a check 5 s; the page asks every 3 s.
      await banner.waitFor({ timeout: 15_000 });
      const said = Math.round((Date.now() - hung) / 1000);
      const text = (await banner.textContent()) ?? '';
      assert.match(text, /Cannot reach the cluster/, text);
      assert.match(text, /the Kubernetes API server at \S+ did not answer within 5 seconds/, text);
      // The socket to the console is still open, but nothing is live: the indicator says so.
      await page.locator('[data-testid="live-indicator"][data-state="stale"]').waitFor({ timeout: 5_000 });
      assert.match((await page.getByTestId('live-indicator').textContent()) ?? '', /Not live: the cluster does not answer/);
      console.log(`the banner said the API server was unreachable ${said} s after it hung`);
      await screenshot(page, 'faults-api-server-hung');

      sim.resume();
      await kube(sim, 'POST', '/apis/demo.wheelhouse.dev/v1alpha1/namespaces/team-a/widgets', {
        apiVersion: 'demo.wheelhouse.dev/v1alpha1',
        kind: 'Widget',
        metadata: { name: 'made-after-healing', namespace: 'team-a' },
        spec: { color: 'teal', size: 1 },
      });
      await kube(sim, 'DELETE', '/apis/demo.wheelhouse.dev/v1alpha1/namespaces/team-a/widgets/gizmo');
      await banner.waitFor({ state: 'detached', timeout: 15_000 });
      await page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor({ timeout: 5_000 });
      await page.getByText('made-after-healing').first().waitFor({ timeout: 20_000 });
      await page.getByText('gizmo').waitFor({ state: 'detached', timeout: 20_000 });
      await screenshot(page, 'faults-api-server-healed');
    } finally {
      sim.resume();
      await context.close();
    }
  });

  test('a live list of custom objects, and one of them, say when their CRD is deleted', async () => {
    const { context, page } = await openPage(browser);
    const detail = await context.newPage();
    try {
      await detail.goto(`${server.url}widgets.demo.wheelhouse.dev/shop/banner`);
      await detail.getByTestId('detail-page').waitFor({ timeout: 30_000 });
      await page.goto(`${server.url}widgets.demo.wheelhouse.dev`);
      await page.getByText('sprocket').first().waitFor({ timeout: 30_000 });
      await kube(sim, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.demo.wheelhouse.dev');
      await page.getByText(/The resource type .* was removed from the cluster/).waitFor({ timeout: 20_000 });
      await page.getByText('sprocket').waitFor({ state: 'detached', timeout: 10_000 });
      const text = (await page.locator('main, body').first().textContent()) ?? '';
      assert.match(text, /widgets\.demo\.wheelhouse\.dev was removed from the cluster/, 'the server says which type');
      await screenshot(page, 'faults-crd-removed');
      await detail.getByText(/The resource type .* was removed from the cluster/).waitFor({ timeout: 20_000 });
      await screenshot(detail, 'faults-crd-removed-detail');
    } finally {
      await context.close();
    }
  });
});

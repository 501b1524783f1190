// A figure, not a pass/fail timing: how long the pods list takes to show its first page with
// 10,000 pods in the cluster (the sim's scale scenario), written to artifacts/figures/.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SCREENSHOTS, launchBrowser, openPage, screenshot, startWheelhouse } from './support/harness.mjs';
import { startSim } from './support/sim.mjs';

const PODS = 10_000;

describe(`the pods list with ${PODS} pods`, () => {
  let sim;
  let server;
  let browser;

  before(async () => {
    sim = await startSim(`scale:${PODS}`);
    server = await startWheelhouse({ cluster: ['--kubeconfig', sim.kubeconfig] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await sim?.stop();
  });

  test('the first page renders, with the true total, and the time is recorded', async (t) => {
    const { context, page, problems } = await openPage(browser);
    try {
      // Warm the cache once (its first list is the cache's cost, measured by cargo xtask bench).
      await page.goto(`${server.url}pods?sort=-creationTimestamp`);
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor({ timeout: 120_000 });
      const times = [];
      for (let i = 0; i < 3; i += 1) {
        const start = Date.now();
        await page.goto(`${server.url}pods?sort=-creationTimestamp&pageSize=500`);
        await page.locator('[data-testid="resource-table"] tbody tr').nth(499).waitFor({ timeout: 60_000 });
        times.push(Date.now() - start);
      }
      const total = Number(await page.getByTestId('resource-total').textContent());
      assert.ok(total >= PODS, `total ${total}`);
      const figure = { pods: total, pageSize: 500, firstRenderMs: times, note: 'page load to 500 rows rendered, debug build, cache warm' };
      t.diagnostic(JSON.stringify(figure));
      const path = join(dirname(SCREENSHOTS), 'figures', 'list-first-render-10000-pods.json');
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(figure, null, 2)}\n`);
      await screenshot(page, 'resources-pods-10000');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

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
        // 500 rows are more than a screen: the table draws those near it (and spacers for the rest).
        await page.locator('[data-testid="resource-table"] tbody tr[aria-rowindex="2"]').waitFor({ timeout: 60_000 });
        times.push(Date.now() - start);
      }
      const table = page.getByTestId('resource-table');
      assert.equal(await table.getAttribute('aria-rowcount'), '501', 'the table says it has 500 rows and a header');
      const drawn = await table.locator('tbody tr[aria-rowindex]').count();
      assert.ok(drawn >= 20 && drawn < 200, `${drawn} rows drawn for the first screen, not all 500`);
      // Scrolling to the end draws the last rows: the 500th is the page's last pod by age.
      const lastName = (await (await fetch(new URL('api/v1/resources/core/v1/pods?sort=-creationTimestamp&pageSize=500', server.url))).json()).items[499].name;
      assert.equal(await page.locator(`[data-testid="resource-table"] tbody tr[data-name="${lastName}"]`).count(), 0, 'the last row is not drawn before scrolling');
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      const last = page.locator('[data-testid="resource-table"] tbody tr[aria-rowindex="501"]');
      await last.waitFor({ timeout: 10_000 });
      assert.equal(await last.getAttribute('data-name'), lastName);
      assert.ok(await last.isVisible(), 'the last row is on screen after scrolling to the end');
      const total = Number(await page.getByTestId('resource-total').textContent());
      assert.ok(total >= PODS, `total ${total}`);
      const figure = { pods: total, pageSize: 500, firstRenderMs: times, note: 'page load to the first screen of a 500-row page drawn, debug build, cache warm' };
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

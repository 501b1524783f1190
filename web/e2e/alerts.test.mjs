// Alerting in the console against `wheelhouse --demo`, whose in-process alerter evaluates the
// sample rules every 10 s: `job-failed` fires for data/import-legacy and shows on the Alerts page,
// the rule's page, the overview and the Job's page, and `crash-looping-pods` fires for the
// crash-looping checkout pod and shows on its page; the editor's preview lists that pod before
// anything is saved; the admin creates a
// rule; silencing a target shows it silenced and ending the silence early shows it no longer is; a person without rights reads the API server's
// refusal. Screenshots in light and dark at 1440 and 1024 px; axe-core on each page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openPage, screenshot, startWheelhouse, withDemoConsole } from './support/harness.mjs';
import { startSim } from './support/sim.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function seriousViolations(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const answer = await axe.run(document, { resultTypes: ['violations'] });
    return answer.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** The rule's row once it fires, polling the Alerts page. */
async function waitUntilFiring(page, url, rule, within) {
  const deadline = Date.now() + within;
  for (;;) {
    await page.goto(`${url}alerts`);
    const row = page.locator(`[data-testid="alert-rule-row"][data-rule="default/${rule}"]`);
    await row.waitFor();
    const firing = Number(await row.locator('[data-testid="alert-rule-firing"]').textContent());
    if (firing > 0) return row;
    assert.ok(Date.now() < deadline, `${rule} never fired on the demo`);
    await page.waitForTimeout(5_000);
  }
}

describe('alerting on the demo cluster', { timeout: 420_000 }, () => {
  let server;
  let browser;
  withDemoConsole({}, (started) => ({ server, browser } = started));

  test('the editor previews the crash-looping pod before saving, and the admin creates the rule', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 1440, height: 1000 } });
    try {
      await page.goto(`${server.url}alerts/new`);
      await page.getByTestId('alert-editor').waitFor();
      await page.getByTestId('editor-name').fill('e2e-crash-loops');
      await page.getByTestId('editor-target-namespace').fill('shop');
      const fire = page.locator('[data-testid="preview-fire"][data-target^="shop/checkout"]');
      await fire.first().waitFor({ timeout: 30_000 });
      assert.match(await fire.first().textContent(), /CrashLoopBackOff/);
      assert.match(await page.getByTestId('preview-summary').textContent(), /Would fire now for \d+ of \d+ targets/);
      // The YAML view shows the same spec.
      await page.getByTestId('editor-yaml-tab').click();
      assert.match(await page.getByTestId('editor-yaml').inputValue(), /crashLooping: \{\}/);
      await screenshot(page, 'alerts-editor-preview-1440-light');
      assert.deepEqual(await seriousViolations(page), []);
      await page.getByTestId('editor-save').click();
      await page.waitForURL(/alerts\/default\/e2e-crash-loops$/);
      await page.getByTestId('alert-rule-page').waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('job-failed fires for the failed Job on the Alerts page, the rule page, the overview and the Job page; a silenced target shows silenced until the silence is ended early', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 1440, height: 1000 } });
    try {
      await waitUntilFiring(page, server.url, 'job-failed', 60_000);
      await screenshot(page, 'alerts-list-1440-light');
      assert.deepEqual(await seriousViolations(page), []);

      await page.locator('[data-testid="alert-rule-row"][data-rule="default/job-failed"] a').first().click();
      await page.getByTestId('alert-rule-page').waitFor();
      const alert = page.locator('[data-testid="rule-alert"][data-state="firing"][data-target="data/import-legacy"]');
      await alert.waitFor();
      await screenshot(page, 'alerts-rule-1440-light');
      assert.deepEqual(await seriousViolations(page), []);

      // The overview: attention first, linking to exactly the rule.
      await page.goto(server.url);
      const onOverview = page.locator('[data-testid="overview-alerts"] [data-testid="firing-alert"][data-target="data/import-legacy"]');
      await onOverview.waitFor();
      assert.equal(await onOverview.getAttribute('data-rule'), 'default/job-failed');
      await screenshot(page, 'alerts-overview-1440-light');

      // The Job's page shows the alert about it, linking to the rule.
      await page.goto(`${server.url}jobs/data/import-legacy`);
      const onJob = page.locator('[data-testid="object-alerts"] [data-testid="firing-alert"][data-rule="default/job-failed"]');
      await onJob.waitFor();
      await screenshot(page, 'alerts-job-1440-light');
      await onJob.getByTestId('firing-alert-rule').click();
      await page.waitForURL(/alerts\/default\/job-failed$/);

      // Silence the target for 4 hours with a comment.
      const row = page.locator('[data-testid="rule-alert"][data-target="data/import-legacy"]');
      await row.getByTestId('target-silence').click();
      await page.getByRole('radio', { name: '4h' }).check();
      await page.getByTestId('silence-comment').fill('known, fix on the way');
      await page.getByTestId('silence-submit').click();
      await row.getByTestId('target-silenced').waitFor();
      assert.match(await page.getByTestId('rule-silences').textContent(), /known, fix on the way/);
      assert.match(await page.getByTestId('rule-silences').textContent(), /by admin/);
      await screenshot(page, 'alerts-rule-silenced-1440-light');

      // Ended early from the rule page: the target is no longer silenced, the silence is gone.
      await page.locator('[data-testid="rule-silence-item"][data-target="data/import-legacy"]').getByTestId('silence-end').click();
      await row.getByTestId('target-silenced').waitFor({ state: 'detached' });
      await page.getByTestId('rule-silences').waitFor({ state: 'detached' });
      const rule = await (await fetch(new URL('api/v1/alerts/default/job-failed', server.url))).json();
      assert.deepEqual(rule.spec.silences ?? [], []);
      assert.deepEqual(rule.row.silencedTargets, []);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  // The demo's checkout pod alternates between CrashLoopBackOff and short restarts; the condition
  // remembers a back-off seen in the last five minutes, so the loop lasts the rule's `for: 2m`.
  test('crash-looping-pods fires for the checkout pod and shows on the pod page', async () => {
    const { context, page } = await openPage(browser, { viewport: { width: 1440, height: 1000 } });
    try {
      await waitUntilFiring(page, server.url, 'crash-looping-pods', 240_000);
      await page.goto(`${server.url}alerts/default/crash-looping-pods`);
      const alert = page.locator('[data-testid="rule-alert"][data-state="firing"][data-target^="shop/checkout"]').first();
      const target = await alert.getAttribute('data-target');
      const [namespace, pod] = target.split('/');
      await page.goto(`${server.url}pods/${namespace}/${pod}`);
      await page.locator('[data-testid="object-alerts"] [data-testid="firing-alert"][data-rule="default/crash-looping-pods"]').waitFor();
      await screenshot(page, 'alerts-pod-1440-light');
    } finally {
      await context.close();
    }
  });

  test('screenshots in dark and at 1024 px, and 简体中文', async () => {
    for (const [name, options] of [
      ['1440-dark', { viewport: { width: 1440, height: 1000 }, colorScheme: 'dark' }],
      ['1024-light', { viewport: { width: 1024, height: 900 }, colorScheme: 'light' }],
      ['1024-dark', { viewport: { width: 1024, height: 900 }, colorScheme: 'dark' }],
      ['1440-zh', { viewport: { width: 1440, height: 1000 }, locale: 'zh-CN' }],
    ]) {
      const { context, page } = await openPage(browser, options);
      try {
        await page.goto(`${server.url}alerts`);
        await page.getByTestId('alerts-table').waitFor();
        await screenshot(page, `alerts-list-${name}`);
        await page.goto(`${server.url}alerts/default/job-failed`);
        await page.getByTestId('rule-alerts').waitFor();
        await screenshot(page, `alerts-rule-${name}`);
        if (name === '1440-dark') assert.deepEqual(await seriousViolations(page), []);
      } finally {
        await context.close();
      }
    }
  });
});

describe('alerting for a person without rights', { timeout: 120_000 }, () => {
  let sim;
  let server;
  let browser;

  before(async () => {
    sim = await startSim('demo');
    server = await startWheelhouse({ cluster: ['--kubeconfig', sim.kubeconfigFor('restricted', 'team-a')], args: ['--alerts-namespace', 'team-a'] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await sim?.stop();
  });

  test('creating a rule shows the API server refusal', async () => {
    const { context, page } = await openPage(browser, { viewport: { width: 1440, height: 1000 } });
    try {
      await page.goto(`${server.url}alerts`);
      await page.getByTestId('alerts-page').waitFor();
      assert.equal(await page.getByTestId('alerts-new').count(), 0, 'no New rule button without the right');
      await page.goto(`${server.url}alerts/new`);
      await page.getByTestId('editor-name').fill('mine');
      await page.getByTestId('editor-save').click();
      const refusal = page.getByText(/alertrules.*forbidden|forbidden.*alertrules/i).first();
      await refusal.waitFor();
      assert.match(await refusal.textContent(), /restricted/);
      await screenshot(page, 'alerts-create-refused-1440-light');
    } finally {
      await context.close();
    }
  });
});

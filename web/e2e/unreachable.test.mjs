// Browser tests of what a person sees when the cluster cannot be reached.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openPage, screenshot, startWheelhouse } from './support/harness.mjs';

/** A kubeconfig for an API server that is not there: port 1 on this machine refuses connections. */
function deadKubeconfig(dir) {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: offline',
      '  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}',
      'contexts:',
      '- name: offline',
      '  context: {cluster: offline, user: someone}',
      'current-context: offline',
      'users:',
      '- name: someone',
      '  user: {token: not-a-real-token}',
      '',
    ].join('\n'),
  );
  return path;
}

describe('the console when the cluster cannot be reached', () => {
  let dir;
  let server;
  let browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wheelhouse-e2e-'));
    server = await startWheelhouse({ cluster: ['--kubeconfig', deadKubeconfig(dir)] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('says so prominently with the server message, and the overview offers a retry', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      const banner = page.getByTestId('cluster-banner');
      await banner.waitFor();
      const text = (await banner.textContent()) ?? '';
      assert.match(text, /Cannot reach the cluster offline/);
      assert.match(text, /ClusterUnreachable/);
      assert.match(text, /127\.0\.0\.1:1/);
      assert.equal(await page.getByTestId('demo-badge').count(), 0);

      const failure = page.getByRole('alert').filter({ hasText: 'Could not load the overview' });
      await failure.waitFor();
      assert.match((await failure.textContent()) ?? '', /GET api\/v1\/overview/);
      await screenshot(page, 'cluster-unreachable');

      const retried = page.waitForResponse((r) => r.url().endsWith('/api/v1/overview'));
      await failure.getByRole('button', { name: 'Retry' }).click();
      assert.equal((await retried).status(), 503);
      await failure.waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

// A terminal outlives a console that dies: Wheelhouse in token mode with a session key file on a
// separate simulated cluster; a person signs in and opens a shell in a pod, the console is killed
// (SIGKILL) and started again on the same port with the same key. The tab says the connection
// dropped and offers to reconnect; reconnecting gives a working shell, still signed in.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, launchBrowser, openPage, screenshot, startWheelhouse } from './support/harness.mjs';
import { startSim } from './support/sim.mjs';

const ACTIVE = '[data-testid="terminal"]:not([hidden])';

async function typeInTerminal(page, text) {
  await page.locator(`${ACTIVE} .xterm-helper-textarea`).focus();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function waitForScreen(page, expected) {
  await page.waitForFunction(
    ({ selector, text }) => (document.querySelector(`${selector} .xterm-rows`)?.textContent ?? '').includes(text),
    { selector: ACTIVE, text: expected },
    { timeout: 15_000 },
  );
}

describe('a terminal across a console restart', () => {
  let sim;
  let server;
  let browser;
  let start;

  before(async () => {
    sim = await startSim('demo');
    const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-restart-'));
    const keyFile = join(dir, 'session-key');
    writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
    const port = await freePort();
    start = () => startWheelhouse({
      cluster: ['--kubeconfig', sim.kubeconfig],
      listen: `127.0.0.1:${port}`,
      args: ['--login', 'token', '--session-key-file', keyFile],
    });
    server = await start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await sim?.stop();
  });

  test('the tab says the connection dropped, and reconnecting gives a working shell', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}login`);
      await page.getByLabel('Bearer token').fill('admin-token');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByTestId('session-person').filter({ hasText: 'admin' }).waitFor({ timeout: 20_000 });

      // A running pod of the demo, asked as the signed-in person.
      let pod;
      const deadline = Date.now() + 60_000;
      while (!pod) {
        assert.ok(Date.now() < deadline, 'the demo has a running pod in shop within 60 s');
        pod = await page.evaluate(async () => {
          const response = await fetch('api/v1/resources/core/v1/pods?namespace=shop&pageSize=500');
          const list = await response.json();
          return list.items?.find((p) => p.status?.text === 'Running' && p.name.startsWith('api-'));
        });
        if (!pod) await new Promise((r) => setTimeout(r, 500));
      }
      await page.goto(`${server.url}pods/${pod.namespace}/${pod.name}`);
      await page.getByTestId('terminal-open').click();
      await page.locator(`${ACTIVE}[data-state="running"]`).waitFor({ timeout: 15_000 });
      await typeInTerminal(page, 'echo before-the-restart');
      await waitForScreen(page, 'before-the-restart');

      await server.kill();
      const dropped = page.locator(`${ACTIVE}[data-state="dropped"]`);
      await dropped.waitFor({ timeout: 15_000 });
      assert.match(
        (await dropped.getByTestId('terminal-status').textContent()) ?? '',
        /The connection to the console dropped/,
      );
      const reconnect = dropped.getByTestId('terminal-reconnect');
      assert.equal((await reconnect.textContent())?.trim(), 'Reconnect');
      await screenshot(page, 'terminal-console-dropped');

      server = await start();
      await reconnect.click();
      await page.locator(`${ACTIVE}[data-state="running"]`).waitFor({ timeout: 15_000 });
      await typeInTerminal(page, 'echo after-the-restart');
      await waitForScreen(page, 'after-the-restart');
      // Still signed in: the same key opens the same session cookie.
      await page.getByTestId('session-person').filter({ hasText: 'admin' }).waitFor({ timeout: 5_000 });
      await screenshot(page, 'terminal-reconnected');
      // The page's console errors while the console was away are the browser's own reports of
      // the closed connection; nothing else may show up.
      const others = problems.filter((p) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(p));
      assert.deepEqual(others, []);
    } finally {
      await context.close();
    }
  });
});

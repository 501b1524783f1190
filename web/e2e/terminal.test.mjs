// Browser tests of terminals against `wheelhouse --demo`: a shell in a pod's container (the
// sim's tiny shell), typing and output, two terminals in tabs that stay open across pages, the
// exit status, and starting again; a shell in one of a workload's pods, chosen on its page.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPage, screenshot, withDemoConsole } from './support/harness.mjs';

/** Two running pods of the demo, as the API lists them. */
async function runningPods(url) {
  const response = await fetch(new URL('api/v1/resources/core/v1/pods?pageSize=500', url));
  const list = await response.json();
  const running = list.items.filter((pod) => pod.status?.text === 'Running');
  assert.ok(running.length >= 2, `the demo has running pods: ${JSON.stringify(list.items.map((p) => p.status?.text))}`);
  return running.slice(0, 2);
}

async function typeInTerminal(page, text) {
  await page.locator('[data-testid="terminal"]:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function waitForScreen(page, expected) {
  await page.waitForFunction(
    (text) => (document.querySelector('[data-testid="terminal"]:not([hidden]) .xterm-rows')?.textContent ?? '').includes(text),
    expected,
    { timeout: 15_000 },
  );
}

/** The node-shell pods there are now (the sweeper's label), as the console lists them. */
async function nodeShells(url) {
  const response = await fetch(new URL('api/v1/resources/core/v1/pods?namespace=kube-system&labelSelector=wheelhouse.dev%2Fnode-shell%3Dtrue', url));
  return (await response.json()).items;
}

describe('terminals', () => {
  let server;
  let browser;
  withDemoConsole({}, (started) => ({ server, browser } = started));

  test('a shell in a container: type, see the output, keep it across pages, see how it exited', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      const [first, second] = await runningPods(server.url);
      await page.goto(`${server.url}pods/${first.namespace}/${first.name}`);
      await page.getByTestId('terminal-open').click();
      const active = page.locator('[data-testid="terminal"]:not([hidden])');
      await active.and(page.locator('[data-state="running"]')).waitFor({ timeout: 15_000 });
      assert.match((await page.getByTestId('terminal-status').first().textContent()) ?? '', /bash in /);
      await typeInTerminal(page, 'echo hello-from-the-browser');
      await waitForScreen(page, 'hello-from-the-browser');
      await screenshot(page, 'terminal-open');

      // A line of output selected (dragged across) is copied with Ctrl+Shift+C. (Pasting is the
      // browser's own paste event, which xterm.js takes.)
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
      await typeInTerminal(page, 'echo $KUBERNETES_SERVICE_HOST');
      await waitForScreen(page, '10.96.0.1');
      // The rows are drawn under xterm's screen, which takes the clicks: click where the row is.
      const row = await page.locator('[data-testid="terminal"]:not([hidden]) .xterm-rows > div', { hasText: '10.96.0.1' }).boundingBox();
      assert.ok(row, 'the output row is on screen');
      await page.mouse.move(row.x + 2, row.y + row.height / 2);
      await page.mouse.down();
      await page.mouse.move(row.x + row.width - 4, row.y + row.height / 2, { steps: 8 });
      await page.mouse.up();
      await page.keyboard.press('Control+Shift+C');
      // The copy is asynchronous: the clipboard is read until it holds the line (or 5 s pass).
      let copied = '';
      for (const deadline = Date.now() + 5_000; copied.trim() !== '10.96.0.1' && Date.now() < deadline; ) {
        copied = await page.evaluate(() => navigator.clipboard.readText());
      }
      assert.equal(copied.trim(), '10.96.0.1');

      // Another page: the terminal stays open, its connection too.
      await page.getByRole('link', { name: 'Overview' }).first().click();
      await page.getByTestId('terminal-dock').waitFor();
      await typeInTerminal(page, 'echo still-here');
      await waitForScreen(page, 'still-here');

      // A second terminal in its own tab, opened after moving through the app; the first is kept.
      await page.getByRole('link', { name: 'Pods', exact: true }).first().click();
      await page.getByRole('link', { name: second.name, exact: true }).first().click();
      await page.getByTestId('detail-page').and(page.locator(`[data-name="${second.name}"]`)).waitFor();
      await page.getByTestId('terminal-open').click();
      await page.locator('[data-testid="terminal"][data-state="running"]:not([hidden])').waitFor({ timeout: 15_000 });
      assert.equal(await page.getByTestId('terminal-tab').count(), 2);
      await screenshot(page, 'terminal-two-tabs');

      // The shell's exit code is said, and it can be started again.
      await typeInTerminal(page, 'exit 3');
      await page.locator('[data-testid="terminal"][data-state="exited"]:not([hidden])').waitFor({ timeout: 15_000 });
      assert.match((await active.getByTestId('terminal-status').textContent()) ?? '', /exited with code 3/);
      await screenshot(page, 'terminal-exited');
      await active.getByTestId('terminal-reconnect').click();
      await page.locator('[data-testid="terminal"][data-state="running"]:not([hidden])').waitFor({ timeout: 15_000 });

      // Closing a tab ends that terminal; the other stays.
      await page.getByTestId('terminal-close').last().click();
      assert.equal(await page.getByTestId('terminal-tab').count(), 1);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a shell in a workload\'s pod: only running pods can be chosen, the chosen one answers', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      // shop/recommendations cannot pull its image: no pod runs, and its page says so.
      await page.goto(`${server.url}deployments/shop/recommendations`);
      await page.getByTestId('terminal-no-running-pod').waitFor();
      assert.equal(await page.getByTestId('terminal-open').isDisabled(), true);
      assert.equal(await page.getByTestId('terminal-pod').count(), 0);

      // shop/api runs two replicas of one container (`api`): the first running pod is preselected;
      // the other is picked, so the shell that answers proves the choice was used.
      await page.goto(`${server.url}deployments/shop/api`);
      const pods = page.getByTestId('terminal-pod');
      await pods.waitFor();
      const running = await pods.locator('option:not([disabled])').evaluateAll((options) => options.map((o) => o.value));
      assert.ok(running.length >= 2, `shop/api has two running pods: ${JSON.stringify(running)}`);
      assert.equal(await pods.inputValue(), running[0]);
      const chosen = running[1];
      await pods.selectOption(chosen);
      await page.getByTestId('terminal-open').click();
      const active = page.locator('[data-testid="terminal"]:not([hidden])');
      await active.and(page.locator('[data-state="running"]')).waitFor({ timeout: 15_000 });
      const status = (await active.getByTestId('terminal-status').textContent()) ?? '';
      assert.ok(status.includes(`in shop/${chosen} · api`), status);
      // The sim's shell answers `hostname` with its pod's name.
      await typeInTerminal(page, 'hostname');
      await waitForScreen(page, chosen);
      await screenshot(page, 'terminal-workload');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('one command on a workload\'s pods: confirmed first, each pod\'s output and exit status, a summary', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      const response = await fetch(new URL('api/v1/resources/apps/v1/deployments?namespace=shop', server.url));
      const { items } = await response.json();
      const deployment = items.find((d) => d.name === 'api') ?? items[0];
      await page.goto(`${server.url}deployments/shop/${deployment.name}`);
      await page.getByTestId('run-on-pods').click();
      await page.getByTestId('run-page').waitFor();
      assert.match(await page.getByTestId('run-selector').inputValue(), /=/);
      await page.getByTestId('run-command').fill('hostname');
      await page.getByTestId('run-submit').click();
      // Nothing runs before the person confirms.
      await page.getByTestId('run-confirm').waitFor();
      assert.equal(await page.getByTestId('run-target').count(), 0);
      await page.getByTestId('run-confirm-yes').click();
      await page.getByTestId('run-summary').filter({ hasText: /succeeded/ }).waitFor({ timeout: 30_000 });
      const targets = page.getByTestId('run-target');
      const count = await targets.count();
      assert.ok(count >= 1);
      assert.match((await page.getByTestId('run-summary').textContent()) ?? '', new RegExp(`${count} succeeded, 0 failed`));
      for (let i = 0; i < count; i += 1) {
        const target = targets.nth(i);
        const pod = await target.getAttribute('data-target');
        assert.equal(await target.getAttribute('data-state'), 'exited');
        assert.equal(((await target.locator('pre').textContent()) ?? '').trim(), pod, 'each pod answers with its own name');
      }
      await screenshot(page, 'run-on-pods');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a shell on a node runs in a privileged pod that is gone once the tab is closed', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}nodes/worker-1`);
      await page.getByTestId('node-shell-open').click();
      await page.locator('[data-testid="terminal"][data-state="running"]:not([hidden])').waitFor({ timeout: 30_000 });
      assert.match((await page.getByTestId('terminal-status').textContent()) ?? '', /in worker-1/);
      await typeInTerminal(page, 'echo on-the-node');
      await waitForScreen(page, 'on-the-node');
      const pods = await nodeShells(server.url);
      assert.equal(pods.length, 1, JSON.stringify(pods));
      await screenshot(page, 'terminal-node-shell');
      await page.getByTestId('terminal-close').click();
      const deadline = Date.now() + 15_000;
      while ((await nodeShells(server.url)).length > 0) {
        assert.ok(Date.now() < deadline, 'the node shell pod is still there 15 s after the tab closed');
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('one command on nodes: from a node\'s page, widened to every worker, each node answers and no pod is left', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}nodes/worker-2`);
      await page.getByTestId('run-on-nodes').click();
      await page.getByTestId('run-page').waitFor();
      assert.equal(await page.getByTestId('run-choice-nodes').isChecked(), true);
      assert.equal(await page.getByTestId('run-selector').inputValue(), 'kubernetes.io/hostname=worker-2');
      assert.equal(await page.getByTestId('run-namespace').count(), 0, 'nodes have no namespace');
      await page.getByTestId('run-selector').fill('node-role.kubernetes.io/worker');
      await page.getByTestId('run-command').fill('hostname');
      await page.getByTestId('run-submit').click();
      // The confirmation says what it means to run on a node.
      const confirm = page.getByTestId('run-confirm');
      await confirm.waitFor();
      assert.match((await confirm.textContent()) ?? '', /as root/);
      assert.equal(await page.getByTestId('run-target').count(), 0);
      await page.getByTestId('run-confirm-yes').click();
      await page.getByTestId('run-summary').filter({ hasText: /succeeded/ }).waitFor({ timeout: 60_000 });
      const targets = page.getByTestId('run-target');
      const names = await targets.evaluateAll((all) => all.map((a) => a.getAttribute('data-target')));
      // The demo cluster's workers (worker-4 is cordoned, but ready: a node shell still runs there).
      assert.deepEqual([...names].sort(), ['worker-1', 'worker-2', 'worker-3', 'worker-4']);
      assert.match((await page.getByTestId('run-summary').textContent()) ?? '', /4 succeeded, 0 failed/);
      for (const name of names) {
        const target = page.locator(`[data-testid="run-target"][data-target="${name}"]`);
        assert.equal(await target.getAttribute('data-state'), 'exited');
        assert.equal(((await target.locator('pre').textContent()) ?? '').trim(), name, 'each node answers with its own name');
      }
      await screenshot(page, 'run-on-nodes');
      assert.deepEqual(await nodeShells(server.url), [], 'node-shell pods left after the run');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

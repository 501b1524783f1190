// Browser tests of one object's life through the UI against `wheelhouse --demo`: create from
// YAML (dry run first), list → detail, edit the YAML, scale, read its pods' logs, delete.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPage, screenshot, withDemoConsole } from './support/harness.mjs';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: e2e-web
  labels:
    app: e2e-web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: e2e-web
  template:
    metadata:
      labels:
        app: e2e-web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 80
`;

/** Replaces everything in the CodeMirror editor with `text`. */
async function replaceEditorText(page, text) {
  const content = page.locator('[data-testid="code-editor"] .cm-content');
  await content.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** Waits until the deployment's controller has seen its spec and all its replicas are available. */
async function waitForRollout(url, namespace, name, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const response = await fetch(new URL(`api/v1/resources/apps/v1/deployments/${name}?namespace=${namespace}`, url));
    const body = await response.json();
    const object = body.object ?? {};
    const status = object.status ?? {};
    last = JSON.stringify(status);
    if (response.ok && status.observedGeneration === object.metadata?.generation && (status.availableReplicas ?? 0) >= (object.spec?.replicas ?? 1)) {
      // One more moment for the last status write to settle.
      await new Promise((r) => setTimeout(r, 500));
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`deployment ${namespace}/${name} did not roll out within ${timeoutMs / 1000} s: ${last}`);
}

/** The object at `path` (after `api/v1/resources/`), as the API answers it. */
async function objectOf(server, path) {
  const response = await fetch(new URL(`api/v1/resources/${path}`, server.url));
  assert.equal(response.status, 200, path);
  return (await response.json()).object;
}

/** The rows of the list at `path` (after `api/v1/resources/`). */
async function listOf(server, path) {
  const response = await fetch(new URL(`api/v1/resources/${path}${path.includes('?') ? '&' : '?'}pageSize=500`, server.url));
  assert.equal(response.status, 200, path);
  return (await response.json()).items;
}

/** Waits until `condition` holds, failing with `what` after `timeoutMs`. */
async function until(condition, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('one object, from creation to deletion', () => {
  let server;
  let browser;

  withDemoConsole({}, (started) => ({ server, browser } = started));

  test('create from YAML → list → detail → edit YAML → scale → logs → delete', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      // Create, checking with a server dry run first.
      await page.goto(`${server.url}apply?namespace=default`);
      await page.getByTestId('code-editor').waitFor();
      // A document the cluster cannot take is a failed result naming its line; the others are fine.
      await replaceEditorText(page, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e2e-fine\n---\napiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: nope\n');
      await page.getByTestId('create-dry-run').click();
      await page.locator('[data-testid="apply-results"][data-ok="false"]').waitFor();
      assert.match((await page.locator('[data-result="failed"]').textContent()) ?? '', /line 6/);
      await screenshot(page, 'create-from-yaml-refused');
      // YAML that does not parse: the server names the line.
      await replaceEditorText(page, 'a: [\n');
      await page.getByTestId('create-dry-run').click();
      await page.getByRole('alert').filter({ hasText: 'line 2' }).waitFor();
      await replaceEditorText(page, DEPLOYMENT);
      await page.getByTestId('create-dry-run').click();
      const results = page.getByTestId('apply-results');
      await results.waitFor();
      assert.equal(await results.getAttribute('data-ok'), 'true');
      assert.match((await results.textContent()) ?? '', /Dry run/);
      await page.getByTestId('create-apply').click();
      await page.waitForFunction(() => !document.querySelector('[data-testid="apply-results"]')?.textContent?.includes('Dry run'));
      assert.match((await results.textContent()) ?? '', /created/);
      await screenshot(page, 'create-from-yaml');

      // The list shows it; its name opens the detail.
      await page.goto(`${server.url}deployments?namespace=default&q=e2e-web`);
      await page.locator('tr[data-name="e2e-web"]').waitFor();
      await page.locator('tr[data-name="e2e-web"] a', { hasText: 'e2e-web' }).click();
      const detail = page.getByTestId('detail-page');
      await detail.waitFor();
      assert.equal(new URL(page.url()).pathname, `${new URL(server.url).pathname}deployments/default/e2e-web`);
      await page.getByTestId('metadata').waitFor();
      await page.getByTestId('containers').waitFor();
      assert.match((await page.getByTestId('containers').textContent()) ?? '', /nginx:1\.27/);
      await page.locator('[data-testid="related-pods"] a').first().waitFor({ timeout: 20_000 });
      await screenshot(page, 'detail-deployment-en');

      // Edit the YAML: add a label, save, and see it on the page. The rollout is waited for
      // first: its status updates would otherwise race the dry run below into a conflict.
      await waitForRollout(server.url, 'default', 'e2e-web');
      await page.getByTestId('tab-yaml').click();
      await page.getByTestId('yaml-tab').waitFor();
      await page.locator('.cm-content').waitFor();
      assert.doesNotMatch((await page.locator('.cm-content').textContent()) ?? '', /managedFields/);
      await page.getByTestId('yaml-edit').click();
      const yaml = await (await fetch(new URL('api/v1/resources/apps/v1/deployments/e2e-web/yaml?namespace=default', server.url))).text();
      await replaceEditorText(page, yaml.replace(/^(\s+)app: e2e-web$/m, '$1app: e2e-web\n$1edited: by-e2e'));
      await page.getByTestId('yaml-dry-run').click();
      await page.getByTestId('yaml-message').waitFor();
      await page.getByTestId('yaml-save').click();
      // The new deployment's status may still be changing: a save can meet a conflict, which
      // the page shows with what changed and lets the person save over it.
      await page.waitForFunction(
        () => document.querySelector('[data-testid="yaml-message"]')?.textContent === 'Saved.' || document.querySelector('[data-testid="conflict"], [data-testid="yaml-error"]'),
      );
      if (await page.getByTestId('yaml-error').count()) {
        await screenshot(page, 'detail-yaml-error');
        assert.fail(`the save failed: ${await page.getByTestId('yaml-error').textContent()}`);
      }
      if (await page.getByTestId('conflict').count()) {
        await screenshot(page, 'detail-yaml-conflict');
        await page.getByTestId('conflict-overwrite').click();
        await page.waitForFunction(() => document.querySelector('[data-testid="yaml-message"]')?.textContent === 'Saved.');
      }
      await screenshot(page, 'detail-yaml-saved');
      await page.getByTestId('tab-overview').click();
      await page.getByTestId('metadata').getByText('edited=by-e2e').waitFor();

      // Scale to 2: the summary follows.
      await page.getByTestId('action-scale').click();
      await page.getByTestId('scale-replicas').fill('2');
      await page.getByTestId('action-confirm').click();
      await page.getByTestId('action-done').waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid="summary"]')?.textContent?.includes('desired 2'), null, { timeout: 15_000 });
      await screenshot(page, 'detail-scaled');

      // Merged logs of the workload's pods: lines, each tagged with the pod it came from.
      await waitForRollout(server.url, 'default', 'e2e-web');
      await page.getByTestId('tab-logs').click();
      await page.getByTestId('logs').waitFor();
      await page.locator('[data-testid="logs-text"] .logs__line').first().waitFor({ timeout: 30_000 });
      assert.match((await page.getByTestId('logs-text').textContent()) ?? '', /e2e-web-/);
      await screenshot(page, 'detail-logs');

      // A running pod's logs: lines, search, follow.
      await page.goto(`${server.url}pods?namespace=shop&q=frontend`);
      await page.locator('[data-testid="resource-table"] tbody tr a').first().click();
      await page.locator('[data-testid="detail-page"][data-kind="Pod"]').waitFor();
      await page.getByTestId('tab-logs').click();
      await page.locator('[data-testid="logs-text"] .logs__line').first().waitFor({ timeout: 15_000 });
      const lines = await page.locator('[data-testid="logs-text"] .logs__line').count();
      assert.ok(lines > 0, 'the pod has log lines');
      await page.getByTestId('logs-follow').check();
      await page.locator('[data-testid="logs-text"] .logs__line').first().waitFor({ timeout: 15_000 });
      // Search for a word of the first line: only lines holding it stay, and the count says so.
      const first = ((await page.locator('[data-testid="logs-text"] .logs__line').first().textContent()) ?? '').trim();
      const word = first.split(/\s+/).find((w) => /^[A-Za-z]{4,}$/.test(w)) ?? first.slice(0, 8);
      await page.getByTestId('logs-search').fill(word);
      await page.waitForFunction(() => /\d+ of \d+ lines/.test(document.querySelector('[data-testid="logs-count"]')?.textContent ?? ''));
      const shown = await page.locator('[data-testid="logs-text"] .logs__line').allTextContents();
      assert.ok(shown.length > 0, `lines holding ${word}`);
      for (const line of shown) assert.ok(line.toLowerCase().includes(word.toLowerCase()), `${line} holds ${word}`);
      await screenshot(page, 'pod-logs');
      assert.match(new URL(page.url()).search, /tab=logs/);
      assert.match(new URL(page.url()).search, /follow=1/);

      // Delete, with confirmation.
      await page.goto(`${server.url}deployments/default/e2e-web`);
      await page.getByTestId('action-bar').waitFor();
      await page.getByTestId('action-delete').click();
      assert.equal(await page.getByTestId('action-confirm').isDisabled(), true);
      await page.getByTestId('delete-confirm-name').fill('e2e-web');
      await screenshot(page, 'detail-delete-confirm');
      await page.getByTestId('action-confirm').click();
      await page.getByTestId('resource-list').waitFor();
      // Once the list has loaded (rows, or the empty list), the deployment is not in it.
      await page.waitForSelector('[data-testid="resource-table"] tbody tr, [data-testid="list-empty"]', { timeout: 15_000 });
      await page.waitForFunction(() => !document.querySelector('tr[data-name="e2e-web"]'), null, { timeout: 15_000 });
      const gone = await fetch(new URL('api/v1/resources/apps/v1/deployments/e2e-web?namespace=default', server.url));
      assert.equal(gone.status, 404, 'the cluster no longer has it');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a secret value in a container environment is shown only when asked for', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods/data/postgres-0`);
      const containers = page.getByTestId('containers').last();
      await containers.waitFor();
      const before = (await containers.textContent()) ?? '';
      assert.match(before, /POSTGRES_PASSWORD=Secret postgres-credentials\/password/);
      assert.doesNotMatch(before, /demo-password/, 'the value is not on the page until asked for');
      await page.getByTestId('reveal-secrets').click();
      // The value the server read from the Secret (data/postgres-credentials, key password).
      await containers.getByText('POSTGRES_PASSWORD=demo-password').waitFor();
      await screenshot(page, 'detail-pod-secret-revealed');
      await page.getByText('Hide secret values').click();
      await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid="containers"]')].some((c) => c.textContent?.includes('demo-password')));
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a node offers cordon and drain, and the Chinese detail page reads in Chinese', async () => {
    const { context, page, problems } = await openPage(browser, { locale: 'zh-CN' });
    try {
      await page.goto(`${server.url}nodes`);
      await page.locator('[data-testid="resource-table"] tbody tr a').first().click();
      await page.locator('[data-testid="detail-page"][data-kind="Node"]').waitFor();
      await page.getByTestId('action-cordon').waitFor();
      await page.waitForFunction(() => ['cordon', 'drain'].every((a) => {
        const button = document.querySelector(`[data-testid="action-${a}"]`);
        return button && !button.hasAttribute('disabled');
      }));
      assert.ok(await page.getByText('元数据').isVisible());
      await screenshot(page, 'detail-node-zh-CN');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('actions', () => {
  let server;
  let browser;

  withDemoConsole({}, (started) => ({ server, browser } = started));

  /** Clicks an action, confirms it, and waits for the server's message. */
  async function act(page, action) {
    await page.getByTestId(`action-${action}`).click();
    await page.getByTestId('action-confirm').click();
    await page.getByTestId('action-done').waitFor();
    return (await page.getByTestId('action-done').textContent()) ?? '';
  }

  test('a cron job is suspended, resumed and run now', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}cronjobs/data/db-backup`);
      await page.getByTestId('action-bar').waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid="action-suspend"]')?.hasAttribute('disabled'));
      const suspended = async () => (await objectOf(server, 'batch/v1/cronjobs/db-backup?namespace=data')).spec.suspend === true;
      const jobs = async () => (await listOf(server, 'batch/v1/jobs?namespace=data')).filter((j) => j.name.startsWith('db-backup-')).map((j) => j.name);
      await act(page, 'suspend');
      await until(suspended, 'the cron job is suspended');
      await act(page, 'resume');
      await until(async () => !(await suspended()), 'the cron job is resumed');
      const before = await jobs();
      const message = await act(page, 'trigger');
      assert.match(message, /db-backup/);
      // Run now made a Job of the cron job's template.
      await until(async () => (await jobs()).some((name) => !before.includes(name)), 'a new job of db-backup');
      await screenshot(page, 'actions-cronjob');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a node is cordoned and uncordoned', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}nodes/worker-1`);
      await page.getByTestId('action-bar').waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid="action-cordon"]')?.hasAttribute('disabled'));
      await act(page, 'cordon');
      await page.waitForFunction(() => /Unschedulable\s*yes/.test(document.querySelector('[data-testid="summary"]')?.textContent ?? ''));
      await screenshot(page, 'actions-node-cordoned');
      await act(page, 'uncordon');
      await page.waitForFunction(() => /Unschedulable\s*no/.test(document.querySelector('[data-testid="summary"]')?.textContent ?? ''));
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a deployment is restarted and rolled back to a chosen revision', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}deployments/shop/frontend`);
      await page.getByTestId('action-bar').waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid="action-restart"]')?.hasAttribute('disabled'));
      await act(page, 'restart');
      await page.waitForFunction(() => /Revision\s*2/.test(document.querySelector('[data-testid="summary"]')?.textContent ?? ''), null, { timeout: 20_000 });
      await page.getByTestId('action-rollback').click();
      const picker = page.getByTestId('rollback-revision');
      await picker.waitFor();
      assert.equal(await picker.inputValue(), '1');
      await screenshot(page, 'actions-rollback-picker');
      await page.getByTestId('action-confirm').click();
      await page.getByTestId('action-done').waitFor();
      await page.waitForFunction(() => /Revision\s*3/.test(document.querySelector('[data-testid="summary"]')?.textContent ?? ''), null, { timeout: 20_000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a node drain shows its progress pod by pod, then the node is uncordoned', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}nodes/worker-3`);
      await page.getByTestId('action-bar').waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid="action-drain"]')?.hasAttribute('disabled'));
      await page.getByTestId('action-drain').click();
      await page.getByTestId('action-confirm').click();
      const operation = page.getByTestId('operation');
      await operation.waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid="operation"]')?.getAttribute('data-state') !== 'running', null, {
        timeout: 150_000,
      });
      assert.equal(await operation.getAttribute('data-state'), 'succeeded', (await operation.textContent()) ?? '');
      assert.ok((await operation.locator('li').count()) > 0, 'the operation lists the pods');
      // Nothing but DaemonSet and static pods is left on the node.
      const pods = await fetch(new URL('api/v1/_raw/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-3', server.url));
      assert.equal(pods.status, 200);
      const left = (await pods.json()).items
        .filter((p) => !(p.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet'))
        .filter((p) => !p.metadata.deletionTimestamp && !p.metadata.annotations?.['kubernetes.io/config.mirror'])
        .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
      assert.deepEqual(left, [], 'pods left on the drained node');
      await screenshot(page, 'actions-node-drained');
      await act(page, 'uncordon');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

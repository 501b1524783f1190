// Browser tests of the app store against `wheelhouse --demo` with the real helm: search → chart
// (README) → install with custom values → release page → upgrade → rollback → uninstall, an
// install helm refuses (the error shows and nothing typed is lost), a failed install's resources
// and their events, and the pages in Chinese.
//
// helm comes from WHEELHOUSE_HELM, else PATH; without it the suite fails under CI and is skipped
// elsewhere with the reason.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { openPage, screenshot as fullScreenshot, withDemoConsole } from './support/harness.mjs';

function findHelm() {
  const fromEnv = process.env.WHEELHOUSE_HELM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`WHEELHOUSE_HELM=${fromEnv} does not exist`);
    return fromEnv;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v helm'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const HELM = findHelm();
if (!HELM && process.env.CI) throw new Error('no helm: set WHEELHOUSE_HELM or put helm on PATH (required under CI)');
const RELEASE = 'e2e-shop';

/** A full-page screenshot from the top, so the sticky top bar sits where a person sees it. */
async function screenshot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return fullScreenshot(page, name);
}

/** Replaces everything in the CodeMirror editor inside `scope` with `text`. */
async function replaceEditorText(page, scope, text) {
  const content = scope.locator('[data-testid="code-editor"] .cm-content');
  await content.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function editorText(scope) {
  return (await scope.locator('[data-testid="code-editor"] .cm-content').innerText()).replace(/\u00a0/g, ' ');
}

/** Waits for the page's `action` operation (install, upgrade, …) to end and returns its final state. */
async function operationResult(page, action, timeout = 90_000) {
  const op = page.locator(`[data-testid="app-operation"][data-action="${action}"]`);
  await op.and(page.locator('[data-state="succeeded"], [data-state="failed"]')).waitFor({ timeout });
  return op.getAttribute('data-state');
}

/** The page does not scroll sideways: nothing (a long README line, a code block) overflows it. */
async function assertNoHorizontalOverflow(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);
}

const MIGRATE_CHART = {
  'Chart.yaml': 'apiVersion: v2\nname: migrate\nversion: 1.0.0\ndescription: A web app with a migration hook\n',
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: 1
  selector:
    matchLabels: {app: {{ .Release.Name }}-web}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}-web}
    spec:
      containers:
        - name: web
          image: registry.example/does-not-exist:1
`,
  'templates/migrate.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: post-install
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: busybox:1.37
          command: [sh, -c, "echo migrating; exit 1"]
`,
};

/**
 * A chart repository on 127.0.0.1 holding the chart `name` made of `files`, packaged and indexed
 * by the real helm; `close()` stops it.
 */
async function serveChartRepository(helm, name, files) {
  const root = mkdtempSync(join(tmpdir(), 'wh-repo-'));
  const chart = join(root, 'src', name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(chart, path)), { recursive: true });
    writeFileSync(join(chart, path), text);
  }
  const served = join(root, 'served');
  mkdirSync(served);
  const env = { ...process.env, HELM_CACHE_HOME: join(root, 'cache'), HELM_CONFIG_HOME: join(root, 'config'), HELM_DATA_HOME: join(root, 'data') };
  execFileSync(helm, ['package', chart, '--destination', served], { env });
  execFileSync(helm, ['repo', 'index', served], { env });
  const http = createServer((request, response) => {
    const file = join(served, basename(new URL(request.url ?? '/', 'http://x').pathname));
    if (!existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200).end(readFileSync(file));
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${http.address().port}`,
    close: () => new Promise((resolve) => http.close(() => { rmSync(root, { recursive: true, force: true }); resolve(); })),
  };
}

describe('the app store', { skip: HELM ? false : 'no helm binary (set WHEELHOUSE_HELM)' }, () => {
  let server;
  let browser;

  withDemoConsole({ cluster: ['--demo', '--helm-path', HELM ?? 'helm', '--protected-release', 'default/e2e-guarded'] }, (started) => ({ server, browser } = started));

  test('search → chart → install with custom values → release → upgrade → rollback → uninstall', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}apps`);
      await page.getByTestId('chart-grid').waitFor();
      assert.ok((await page.getByTestId('chart-card').count()) >= 2, 'the built-in repository has charts');
      await screenshot(page, 'apps-catalogue');

      // Search narrows on the server.
      await page.getByTestId('chart-search').fill('guest');
      await page.locator('[data-testid="chart-card"][data-chart="builtin/guestbook"]').waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="chart-card"]').length === 1);
      await page.getByTestId('chart-search').fill('web');
      await page.locator('[data-testid="chart-card"][data-chart="builtin/webapp"]').click();

      // The chart page: README rendered, links open in a new tab, nothing overflows the window.
      const readme = page.getByTestId('chart-readme');
      await readme.locator('h1, h2').first().waitFor();
      // Markdown rendered (the README's table), not shown as text.
      assert.ok((await readme.locator('table td').count()) > 0);
      // Its raw HTML (a collapsible section) is sanitised and rendered, not shown as text.
      await readme.locator('details > summary', { hasText: 'Reaching the app without an Ingress' }).waitFor();
      assert.doesNotMatch((await readme.textContent()) ?? '', /<details>|<summary>/);
      // The chart's links (home, sources) leave the console in a new tab, without an opener.
      const external = page.locator('.chart-facts a[href^="http"]');
      assert.ok((await external.count()) >= 2);
      for (const link of await external.all()) {
        assert.equal(await link.getAttribute('target'), '_blank');
        assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
      }
      await assertNoHorizontalOverflow(page);
      await screenshot(page, 'apps-chart-detail');
      // What READMEs elsewhere hold: an unbroken 600-character line in a code block and in text,
      // and a wide table. They wrap (or scroll inside the README), never widening the page.
      await readme.evaluate((el) => {
        const long = 'x'.repeat(600);
        el.insertAdjacentHTML('beforeend', `<pre><code>helm install ${long}</code></pre><p>https://example.com/${long}</p><table><tr>${'<td>column-with-a-long-name</td>'.repeat(30)}</tr></table>`);
      });
      await assertNoHorizontalOverflow(page);
      const readmeBox = await readme.boundingBox();
      const codeBox = await readme.locator('pre').last().boundingBox();
      assert.ok(codeBox && readmeBox && codeBox.width <= readmeBox.width + 1, 'the code block stays inside the README');

      // The guestbook's dependency graph shows its webapp frontend.
      await page.goto(`${server.url}apps/charts/builtin/guestbook`);
      await page.getByTestId('dependency-node').first().waitFor();
      assert.match((await page.getByTestId('dependency-graph').textContent()) ?? '', /frontend \(webapp\)/);
      await screenshot(page, 'apps-chart-dependencies');

      // Install with custom values: through the schema form, which writes into the YAML.
      await page.goto(`${server.url}apps/charts/builtin/webapp/install`);
      const form = page.getByTestId('install-form');
      await form.waitFor();
      await page.getByTestId('install-name').fill('E2E');
      assert.match((await page.getByTestId('install-name-problem').textContent()) ?? '', /lowercase/);
      assert.equal(await page.getByTestId('install-submit').isDisabled(), true);
      await page.getByTestId('install-name').fill(RELEASE);
      const values = page.getByTestId('values-form');
      await values.locator('[data-path="replicaCount"]').fill('2');
      await values.locator('[data-path="message"]').fill('Hello from the e2e test');
      await values.locator('[data-path="service.type"]').selectOption('NodePort');
      const yaml = await editorText(form);
      assert.match(yaml, /replicaCount: 2/);
      assert.match(yaml, /message: Hello from the e2e test/);
      assert.match(yaml, /type: NodePort/);
      assert.match(yaml, /# How many pods serve the app\./, 'the chart comments survive the form edits');
      await page.getByTestId('install-submit').click();
      await page.getByTestId('app-operation').waitFor();
      assert.equal(await operationResult(page, 'install'), 'succeeded', await page.getByTestId('app-operation').textContent());
      assert.match((await page.getByTestId('operation-notes').textContent()) ?? '', /Hello from the e2e test/);
      await screenshot(page, 'apps-install-result');

      // The release page.
      await page.getByTestId('release-link').click();
      await page.getByTestId('release-page').waitFor();
      await page.getByTestId('release-resources').waitFor();
      assert.ok((await page.getByTestId('release-resource').count()) >= 2);
      assert.match((await page.getByTestId('release-notes').textContent()) ?? '', /Hello from the e2e test/);
      await page.getByTestId('release-tab-values').click();
      assert.match((await page.getByTestId('release-values').textContent()) ?? '', /replicaCount: 2/);

      // Upgrade with other values → revision 2.
      await page.getByTestId('release-upgrade').click();
      const upgrade = page.getByTestId('upgrade-form');
      await upgrade.waitFor();
      // The same schema form as the install.
      await upgrade.getByTestId('values-form').locator('[data-path="replicaCount"]').waitFor();
      await replaceEditorText(page, upgrade, 'replicaCount: 1\nmessage: Upgraded by the e2e test\n');
      await page.getByTestId('upgrade-submit').click();
      assert.equal(await operationResult(page, 'upgrade'), 'succeeded', await page.getByTestId('app-operation').textContent());
      await page.getByTestId('release-tab-history').click();
      await page.locator('[data-testid="history-row"][data-revision="2"]').waitFor();
      await page.getByTestId('diff-compare').click();
      assert.match((await page.getByTestId('diff-values').textContent()) ?? '', /\+message: Upgraded by the e2e test/);
      await screenshot(page, 'apps-release-history');

      // Roll back to revision 1 → revision 3 with revision 1's values.
      await page.getByTestId('release-rollback').click();
      await page.getByTestId('rollback-revision').selectOption('1');
      await page.getByTestId('rollback-start').click();
      await page.getByTestId('rollback-confirm').click();
      assert.equal(await operationResult(page, 'rollback'), 'succeeded', await page.getByTestId('app-operation').textContent());
      await page.locator('[data-testid="history-row"][data-revision="3"]').waitFor();
      await page.getByTestId('release-tab-values').click();
      await page.getByTestId('release-values').filter({ hasText: 'Hello from the e2e test' }).waitFor();
      // The overview: access URLs, the resources with their live status, linking to their pages.
      await page.getByTestId('release-tab-overview').click();
      await page.getByTestId('release-resources').waitFor();
      await screenshot(page, 'apps-release-page');
      const deployment = page.locator('[data-testid="release-resource"][data-kind="Deployment"] a');
      await deployment.click();
      await page.waitForURL(/\/deployments\/default\/e2e-shop-webapp/);
      await page.goBack();

      // The releases list shows it.
      await page.goto(`${server.url}apps/releases`);
      await page.locator(`[data-testid="release-row"][data-release="default/${RELEASE}"]`).waitFor();
      await screenshot(page, 'apps-releases');

      // Uninstall, confirmed by typing the name.
      await page.goto(`${server.url}apps/releases/default/${RELEASE}`);
      await page.getByTestId('release-uninstall').click();
      assert.equal(await page.getByTestId('uninstall-submit').isDisabled(), true);
      await page.getByTestId('uninstall-confirm-name').fill(RELEASE);
      await page.getByTestId('uninstall-submit').click();
      assert.equal(await operationResult(page, 'uninstall'), 'succeeded', await page.getByTestId('app-operation').textContent());
      await page.getByTestId('uninstalled').waitFor();
      // The header says what is true now: no longer "deployed".
      assert.equal(await page.locator('.page__subtitle [data-status]').getAttribute('data-status'), 'uninstalled');
      assert.doesNotMatch((await page.locator('.page__subtitle').textContent()) ?? '', /deployed/);
      await page.goto(`${server.url}apps/releases`);
      await page.getByTestId('release-table').or(page.getByTestId('releases-empty')).waitFor();
      assert.equal(await page.locator(`[data-testid="release-row"][data-release="default/${RELEASE}"]`).count(), 0);

      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('an install helm refuses shows its error and keeps what was typed', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}apps/charts/builtin/webapp/install`);
      const form = page.getByTestId('install-form');
      await form.waitFor();
      await page.getByTestId('install-name').fill('e2e-broken');
      // Valid YAML, but against the chart's schema in a way the form does not check (an empty
      // image repository): helm refuses it.
      await replaceEditorText(page, form, 'image:\n  repository: ""\nmessage: kept after the failure\n');
      await page.getByTestId('install-submit').click();
      // helm runs, and refuses: the values break the chart's schema.
      assert.equal(await operationResult(page, 'install'), 'failed');
      const shown = (await page.getByTestId('operation-error').textContent()) ?? '';
      assert.match(shown, /INSTALLATION FAILED: values don't meet the specifications of the schema/);
      assert.match(shown, /repository/);
      assert.equal(await page.getByTestId('install-name').inputValue(), 'e2e-broken');
      assert.match(await editorText(form), /message: kept after the failure/);
      await screenshot(page, 'apps-install-failed');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the app store installs Wheelhouse itself from its own chart, with its values form', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}apps/charts/builtin/wheelhouse/install`);
      const form = page.getByTestId('install-form');
      await form.waitFor();
      // The chart's schema drives the form: the image to run and how people sign in.
      const values = page.getByTestId('values-form');
      await values.getByText('image.repository').waitFor();
      assert.match((await values.textContent()) ?? '', /login\.oidc\.issuerUrl/);
      await screenshot(page, 'apps-install-wheelhouse');
      await page.getByTestId('install-name').fill('console');
      await page.getByTestId('install-namespace').fill('wheelhouse');
      await page.getByTestId('install-create-namespace').check();
      await page.getByTestId('install-submit').click();
      assert.equal(await operationResult(page, 'install'), 'succeeded');
      await page.goto(`${server.url}deployments/wheelhouse/console-wheelhouse`);
      await page.getByText('console-wheelhouse').first().waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('values the schema refuses block the install, keep what was typed, and the form and the YAML agree', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}apps/charts/builtin/webapp/install`);
      const form = page.getByTestId('install-form');
      await form.waitFor();
      await page.getByTestId('install-name').fill('e2e-typed');
      const replicas = page.getByTestId('values-form').locator('[data-path="replicaCount"]');
      await replicas.fill('abc');
      // What was typed is kept, in the form and in the YAML alike, and it blocks the install.
      assert.equal(await replicas.inputValue(), 'abc');
      assert.match(await editorText(form), /replicaCount: abc/);
      assert.match((await page.getByTestId('values-form').textContent()) ?? '', /Enter a number\./);
      assert.equal(await page.getByTestId('install-submit').isDisabled(), true);
      assert.match((await page.getByTestId('values-blocked').textContent()) ?? '', /Fix these values first: replicaCount/);
      await screenshot(page, 'apps-install-invalid-value');
      // A number out of range, typed in the YAML: the form shows it and says why; still blocked.
      await replaceEditorText(page, form, 'replicaCount: 500\n');
      assert.equal(await replicas.inputValue(), '500');
      assert.match((await page.getByTestId('values-form').textContent()) ?? '', /at most 50/);
      assert.equal(await page.getByTestId('install-submit').isDisabled(), true);
      // Fixed: the install may go.
      await replicas.fill('2');
      assert.match(await editorText(form), /replicaCount: 2/);
      assert.equal(await page.getByTestId('install-submit').isDisabled(), false);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a failed install lists the resources that failed, with their events', async () => {
    // A chart whose post-install migration Job fails, beside a Deployment whose image cannot be
    // pulled, in a repository served here: helm installs it for real and the cluster fails it.
    const repository = await serveChartRepository(HELM, 'migrate', MIGRATE_CHART);
    const { context, page, problems } = await openPage(browser);
    try {
      const added = await fetch(new URL('api/v1/apps/repositories', server.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'e2e-local', url: repository.url }),
      });
      assert.equal(added.status, 201, await added.text());
      await page.goto(`${server.url}apps/repositories`);
      await page.locator('[data-testid="repo-row"][data-repo="e2e-local"] [data-status="ok"]').waitFor({ timeout: 30_000 });

      await page.goto(`${server.url}apps/charts/e2e-local/migrate/install`);
      await page.getByTestId('install-form').waitFor();
      await page.getByTestId('install-name').fill('e2e-migrate');
      await page.getByTestId('install-submit').click();
      assert.equal(await operationResult(page, 'install'), 'failed');
      assert.match((await page.getByTestId('operation-error').textContent()) ?? '', /failed post-install: resource Job\/default\/e2e-migrate-migrate/);
      const failed = page.getByTestId('failed-resource');
      const job = failed.filter({ hasText: 'Job default/e2e-migrate-migrate' });
      await job.waitFor();
      assert.match((await job.textContent()) ?? '', /post-install hook failed/);
      assert.match((await job.textContent()) ?? '', /BackoffLimitExceeded/);
      const web = failed.filter({ hasText: 'Deployment default/e2e-migrate-web' });
      assert.match((await web.textContent()) ?? '', /ScalingReplicaSet/);
      await screenshot(page, 'apps-install-failed-events');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await fetch(new URL('api/v1/apps/repositories/e2e-local', server.url), { method: 'DELETE', headers: { 'X-Wheelhouse-Client': 'e2e' } });
      await repository.close();
    }
  });

  test('a protected release says why and offers no changes', async () => {
    // Installed through the API (as a script would); protected by --protected-release.
    const answer = await fetch(new URL('api/v1/apps/releases', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ repo: 'builtin', chart: 'webapp', name: 'e2e-guarded', namespace: 'default', createNamespace: false, values: '' }),
    });
    const text = await answer.text();
    assert.equal(answer.status, 202, text);
    const { id } = JSON.parse(text);
    for (let i = 0; ; i++) {
      const op = await (await fetch(new URL(`api/v1/operations/${id}`, server.url))).json();
      if (op.state === 'succeeded') break;
      assert.notEqual(op.state, 'failed', op.error);
      assert.ok(i < 120, 'the install did not finish within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}apps/releases`);
      await page.locator('[data-testid="release-row"][data-release="default/e2e-guarded"] [data-testid="protected-badge"]').waitFor();
      await page.goto(`${server.url}apps/releases/default/e2e-guarded`);
      assert.match((await page.getByTestId('protected-reason').textContent()) ?? '', /protected-release/);
      for (const action of ['upgrade', 'rollback', 'uninstall']) {
        assert.equal(await page.getByTestId(`release-${action}`).isDisabled(), true, `${action} is disabled`);
      }
      await screenshot(page, 'apps-release-protected');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('repositories: a bad one is refused, one that cannot sync says why, and it is removed after confirming', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}apps/repositories`);
      const builtin = page.locator('[data-testid="repo-row"][data-repo="builtin"]');
      await builtin.waitFor();
      assert.equal(await builtin.getByTestId('repo-remove').isDisabled(), true, 'the built-in repository cannot be removed');

      // Checked as typed: nothing is sent.
      await page.getByTestId('repo-name').fill('Bad Name');
      await page.getByTestId('repo-url').fill('ftp://charts.example');
      await page.getByTestId('repo-add-submit').click();
      const form = page.getByTestId('repo-add');
      await form.getByText('Use an https://, http:// or oci:// URL.').waitFor();
      assert.match((await form.textContent()) ?? '', /Lowercase letters, digits and '-'/);
      assert.equal(await page.getByTestId('repo-row').count(), 1);

      // A repository nobody answers for: added, and its sync error is shown.
      await page.getByTestId('repo-name').fill('unreachable');
      await page.getByTestId('repo-url').fill('http://127.0.0.1:1/charts');
      await page.getByTestId('repo-add-submit').click();
      const row = page.locator('[data-testid="repo-row"][data-repo="unreachable"]');
      await row.locator('[data-status="error"]').waitFor({ timeout: 30_000 });
      assert.match((await row.getByTestId('repo-message').textContent()) ?? '', /127\.0\.0\.1:1/);
      await screenshot(page, 'apps-repositories');

      // The catalogue still works and says a repository is missing.
      await page.goto(`${server.url}apps`);
      await page.getByTestId('chart-grid').waitFor();
      await page.getByText('Some repositories failed to sync').waitFor();

      // Removed after confirming.
      await page.goto(`${server.url}apps/repositories`);
      await row.getByTestId('repo-remove').click();
      await page.getByTestId('repo-remove-confirm').click();
      await row.waitFor({ state: 'detached' });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the app store reads well in Chinese', async () => {
    const { context, page, problems } = await openPage(browser, { locale: 'zh-CN' });
    try {
      await page.goto(`${server.url}apps`);
      await page.getByTestId('chart-grid').waitFor();
      assert.match((await page.locator('h1').first().textContent()) ?? '', /应用/);
      await screenshot(page, 'apps-catalogue-zh');
      await page.goto(`${server.url}apps/charts/builtin/webapp/install`);
      await page.getByTestId('install-form').waitFor();
      await page.getByTestId('install-name').fill('Bad_Name');
      assert.match((await page.getByTestId('install-name-problem').textContent()) ?? '', /小写/);
      await screenshot(page, 'apps-install-zh');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('the app store without helm', () => {
  let server;
  let browser;

  withDemoConsole({ cluster: ['--demo', '--helm-path', '/nonexistent/helm'] }, (started) => ({ server, browser } = started));

  test('browsing works; installing is disabled with the reason', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}apps/charts/builtin/webapp`);
      await page.getByTestId('chart-readme').waitFor();
      assert.equal(await page.getByTestId('chart-install').isDisabled(), true);
      assert.match((await page.getByTestId('install-unavailable').textContent()) ?? '', /No helm binary at \/nonexistent\/helm/);
      await screenshot(page, 'apps-no-helm');
      // Straight to the install page: the form is there, the button is not usable, and says why.
      await page.goto(`${server.url}apps/charts/builtin/webapp/install`);
      await page.getByTestId('install-form').waitFor();
      assert.equal(await page.getByTestId('install-submit').isDisabled(), true);
      assert.match((await page.getByTestId('install-blocked').textContent()) ?? '', /No helm binary/);
      await page.goto(`${server.url}apps/releases`);
      await page.getByTestId('release-table').or(page.getByTestId('releases-empty')).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

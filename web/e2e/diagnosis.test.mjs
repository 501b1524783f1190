// Saying what is wrong, against `wheelhouse --demo`: a crash-looping pod's page leads with why
// (state, last state with exit code and when, the failed run's last log lines, the latest
// warnings) and then its configuration; its deployment leads with the unavailable replica; the
// overview counts a cordoned node and puts what needs attention first, its warnings link to
// exactly the warnings; an empty list says so in plain numbers. English and Chinese.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPage, screenshot, withDemoConsole } from './support/harness.mjs';

/** The first pod of `namespace` whose name starts with `prefix`, as the API lists it. */
async function podOf(server, namespace, prefix) {
  const response = await fetch(new URL(`api/v1/resources/core/v1/pods?namespace=${namespace}&pageSize=500`, server.url));
  const body = await response.json();
  const pod = body.items.find((p) => p.name.startsWith(prefix));
  assert.ok(pod, `no pod ${prefix}… in ${namespace}`);
  return pod.name;
}

/** Waits until the pod's first container has a terminated last state (it crashed at least once). */
async function untilCrashed(server, namespace, name, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(new URL(`api/v1/resources/core/v1/pods/${name}?namespace=${namespace}`, server.url));
    const body = await response.json();
    if (body.object?.status?.containerStatuses?.[0]?.lastState?.terminated) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${namespace}/${name} did not crash within ${timeoutMs / 1000} s`);
}

describe('saying what is wrong', () => {
  let server;
  let browser;

  withDemoConsole({}, (started) => ({ server, browser } = started));

  test('a crash-looping pod leads with why: state, last run, its last log lines, the latest warnings', async () => {
    const name = await podOf(server, 'shop', 'checkout-');
    await untilCrashed(server, 'shop', name);
    const { context, page, problems } = await openPage(browser, { viewport: { width: 1440, height: 900 } });
    try {
      await page.goto(`${server.url}pods/shop/${name}`);
      const diagnosis = page.getByTestId('diagnosis');
      await diagnosis.waitFor();
      // It comes first: above the charts and the metadata, within the first screen.
      const box = await diagnosis.boundingBox();
      assert.ok(box && box.y < 900, `the diagnosis starts at y=${box?.y}`);
      const metadata = await page.getByTestId('metadata').boundingBox();
      assert.ok(metadata && box && box.y < metadata.y, 'the diagnosis is above the metadata');
      const container = diagnosis.getByTestId('diagnosis-container').first();
      assert.match((await container.textContent()) ?? '', /CrashLoopBackOff|Running/);
      const last = (await diagnosis.getByTestId('diagnosis-last-state').first().textContent()) ?? '';
      assert.match(last, /Last run: Error · exit code 1 · ended .*ago/);
      // The failed run's own lines (`previous=true`): the sim's crashed instance wrote them.
      await diagnosis.getByTestId('diagnosis-log').locator('pre').waitFor();
      assert.match((await diagnosis.getByTestId('diagnosis-log').textContent()) ?? '', /previous instance|fatal/);
      assert.ok((await diagnosis.getByTestId('diagnosis-warning').count()) > 0, 'the latest warnings are there');
      // Then the configuration: env (envFrom and references), probes, mounts, volumes.
      await page.getByTestId('container-config').waitFor();
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, 'diagnosis-pod-crashloop');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the pod page reads in Chinese', async () => {
    const name = await podOf(server, 'shop', 'checkout-');
    await untilCrashed(server, 'shop', name);
    const { context, page, problems } = await openPage(browser, { locale: 'zh-CN' });
    try {
      await page.goto(`${server.url}pods/shop/${name}`);
      const diagnosis = page.getByTestId('diagnosis');
      await diagnosis.waitFor();
      assert.match((await diagnosis.textContent()) ?? '', /此 Pod 为何不健康/);
      assert.match((await diagnosis.getByTestId('diagnosis-last-state').first().textContent()) ?? '', /上次运行：.*退出码 1/);
      await diagnosis.getByTestId('diagnosis-log').locator('pre').waitFor();
      await screenshot(page, 'diagnosis-pod-crashloop-zh');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("a workload's page leads with its unavailable replicas and the pods behind them", async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}deployments/shop/checkout`);
      const diagnosis = page.getByTestId('diagnosis');
      await diagnosis.waitFor();
      assert.match((await diagnosis.textContent()) ?? '', /1 of 1 replicas unavailable/);
      const pod = diagnosis.getByTestId('diagnosis-pod').first();
      assert.match((await pod.textContent()) ?? '', /checkout-/);
      // The replicas read in the person's language, not as field names.
      assert.match((await page.getByTestId('summary').textContent()) ?? '', /desired 1/);
      await screenshot(page, 'diagnosis-deployment');
      await pod.getByRole('link').click();
      await page.waitForURL(/\/pods\/shop\/checkout-/);
      await page.getByTestId('diagnosis').waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a healthy pod has no diagnosis; its env, probes, mounts and volumes are shown', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods/data/postgres-0`);
      await page.getByTestId('container-config').waitFor();
      assert.equal(await page.getByTestId('diagnosis').count(), 0);
      assert.ok((await page.getByTestId('volume-row').count()) > 0, 'its volumes are listed');
      const containers = (await page.getByTestId('containers').last().textContent()) ?? '';
      assert.match(containers, /POSTGRES_PASSWORD=Secret postgres-credentials\/password/);
      assert.doesNotMatch(containers, /demo-password/);
      assert.match(containers, /requests: /);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the overview counts a cordoned node, leads with what needs attention and links to exactly the warnings', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 1440, height: 900 } });
    try {
      await page.goto(`${server.url}nodes/worker-1`);
      await page.getByTestId('action-bar').waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid="action-cordon"]')?.hasAttribute('disabled'));
      await page.getByTestId('action-cordon').click();
      await page.getByTestId('action-confirm').click();
      await page.getByTestId('action-done').waitFor();

      await page.goto(server.url);
      await page.getByTestId('overview').waitFor();
      await page.waitForFunction(() => /cordoned/.test(document.querySelector('[data-testid="nodes-hint"]')?.textContent ?? ''), null, { timeout: 20_000 });
      assert.doesNotMatch((await page.getByTestId('nodes-hint').textContent()) ?? '', /All ready/);
      assert.match((await page.getByTestId('stat-nodes').getAttribute('class')) ?? '', /stat--warn/);
      await page.getByTestId('node-cordoned').first().waitFor();
      // What needs attention is on the first screen: the problem pods.
      const problemsBox = await page.getByTestId('section-problems').boundingBox();
      assert.ok(problemsBox && problemsBox.y < 900, `problem pods start at y=${problemsBox?.y}`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, 'overview-attention-first');
      // A problem pod links to its own page.
      const podLink = page.getByTestId('section-problems').locator('tbody tr a').nth(1);
      const podHref = (await podLink.getAttribute('href')) ?? '';
      assert.match(podHref, /\/pods\/[^/]+\/[^/?]+$/);
      // "Recent warnings" goes to the warnings, newest first.
      await page.getByTestId('stat-warnings').getByRole('link').click();
      assert.equal(new URL(page.url()).hash, '#recent-warnings');
      const seen = await page.getByTestId('section-warnings').locator('tbody tr time').evaluateAll((times) => times.map((t) => Date.parse(t.getAttribute('datetime') ?? '')));
      assert.ok(seen.length > 0);
      assert.deepEqual(seen, [...seen].sort((a, b) => b - a), 'newest first');
      const inView = await page.getByTestId('section-warnings').evaluate((el) => el.getBoundingClientRect().top < window.innerHeight && el.getBoundingClientRect().bottom > 0);
      assert.ok(inView, 'the warnings are scrolled into view');

      // Uncordon: all ready again.
      await page.goto(`${server.url}nodes/worker-1`);
      await page.getByTestId('action-bar').waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid="action-uncordon"]')?.hasAttribute('disabled'));
      await page.getByTestId('action-uncordon').click();
      await page.getByTestId('action-confirm').click();
      await page.getByTestId('action-done').waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('an empty list says 0 of 0, in both languages', async () => {
    for (const [locale, expected] of [
      ['en-US', /^0 of 0$/],
      ['zh-CN', /^显示 0 条，共 0 条$/],
    ]) {
      const { context, page, problems } = await openPage(browser, { locale });
      try {
        await page.goto(`${server.url}pods?q=no-such-pod-anywhere`);
        await page.getByTestId('list-empty').waitFor();
        const range = ((await page.getByTestId('pager-range').textContent()) ?? '').trim();
        assert.match(range, expected);
        assert.doesNotMatch(range, /-1/);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
  });

  test('an invalid label selector shows its error and no rows from before', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods`);
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor();
      await page.getByTestId('filter-labels').fill('app in (web');
      await page.getByTestId('filter-labels').press('Enter');
      await page.getByRole('alert').filter({ hasText: /selector/i }).waitFor();
      assert.equal(await page.locator('[data-testid="resource-table"] tbody tr').count(), 0, 'the rows of the previous filter are gone');
      await screenshot(page, 'list-invalid-selector');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the YAML tab says a parse error is a parse error, names the other change in a conflict, and asks before dropping an edit', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}configmaps/shop/api-config?tab=yaml`);
      await page.getByTestId('yaml-edit').click();
      // A YAML that does not parse: nothing was sent, and the title says so.
      await replaceEditorText(page, 'metadata: [unclosed\n');
      await page.getByTestId('yaml-dry-run').click();
      const error = page.getByTestId('yaml-error');
      await error.waitFor();
      assert.match((await error.textContent()) ?? '', /This YAML does not parse: nothing was sent/);
      assert.doesNotMatch((await error.textContent()) ?? '', /The API server refused this edit/);
      await screenshot(page, 'yaml-parse-error');

      // A conflict: someone else adds a label while the person changes data.
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByTestId('yaml-edit').click();
      const opened = await editorText(page);
      const response = await fetch(new URL('api/v1/resources/core/v1/configmaps/api-config?namespace=shop', server.url));
      const object = (await response.json()).object;
      object.metadata.labels = { ...(object.metadata.labels ?? {}), 'changed-by': 'someone-else' };
      const put = await fetch(new URL('api/v1/resources/core/v1/configmaps/api-config?namespace=shop', server.url), {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'X-Wheelhouse-Client': 'web', Origin: new URL(server.url).origin },
        body: JSON.stringify(object),
      });
      assert.equal(put.status, 200, await put.text());
      await replaceEditorText(page, opened.replace(/^data:\n/m, 'data:\n  edited-by-me: "yes"\n'));
      await page.getByTestId('yaml-save').click();
      const conflict = page.getByTestId('conflict');
      await conflict.waitFor();
      const theirs = (await page.getByTestId('conflict-changed').textContent()) ?? '';
      assert.match(theirs, /metadata\.labels\.changed-by/);
      assert.doesNotMatch(theirs, /edited-by-me/, 'my own edit is not named as the other change');
      assert.match((await page.getByTestId('conflict-mine').textContent()) ?? '', /data\.edited-by-me/);
      await screenshot(page, 'yaml-conflict');

      // Leaving the tab with the edit unsaved asks first; dismissing keeps the edit.
      let asked = '';
      page.once('dialog', (dialog) => {
        asked = dialog.message();
        void dialog.dismiss();
      });
      await page.getByTestId('tab-overview').click();
      assert.match(asked, /discard your unsaved edit/);
      assert.equal(new URL(page.url()).searchParams.get('tab'), 'yaml');
      assert.match(await editorText(page), /edited-by-me/);
      // A link to another page asks as well.
      asked = '';
      page.once('dialog', (dialog) => {
        asked = dialog.message();
        void dialog.dismiss();
      });
      await page.getByRole('navigation').getByRole('link', { name: 'Pods' }).click();
      assert.match(asked, /discard your unsaved edit/);
      assert.match(new URL(page.url()).pathname, /configmaps\/shop\/api-config/);
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByTestId('tab-overview').click();
      await page.getByTestId('details').waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("the browser's Back button and closing the tab ask before an unsaved YAML edit is dropped", async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      // Arrive from the list, so that Back has somewhere to go inside the app.
      await page.goto(`${server.url}configmaps?namespace=shop`);
      await page.getByRole('link', { name: 'api-config', exact: true }).click();
      await page.getByTestId('details').waitFor();
      await page.getByTestId('tab-yaml').click();
      await page.getByTestId('yaml-edit').click();
      const opened = await editorText(page);
      await replaceEditorText(page, opened.replace(/^data:\n/m, 'data:\n  kept-by-back: "yes"\n'));

      // Back asks; cancelling stays on the object with the edit in the editor.
      const dismissed = page.waitForEvent('dialog');
      await page.evaluate(() => window.history.back());
      const first = await dismissed;
      assert.match(first.message(), /discard your unsaved edit/);
      await first.dismiss();
      await page.waitForFunction(() => /configmaps\/shop\/api-config/.test(window.location.pathname));
      assert.equal(new URL(page.url()).searchParams.get('tab'), 'yaml');
      assert.match(await editorText(page), /kept-by-back/);
      await screenshot(page, 'yaml-back-cancelled');

      // Closing the tab asks too (the browser's own question, from `beforeunload`).
      const unload = page.waitForEvent('dialog');
      await page.close({ runBeforeUnload: true });
      const question = await unload;
      assert.equal(question.type(), 'beforeunload');
      await question.dismiss();
      assert.equal(page.isClosed(), false, 'dismissing keeps the tab open');
      assert.match(await editorText(page), /kept-by-back/);

      // Back again, confirmed: the list.
      const accepted = page.waitForEvent('dialog');
      await page.evaluate(() => window.history.back());
      await (await accepted).accept();
      await page.waitForFunction(() => /\/configmaps$/.test(window.location.pathname));
      assert.equal(new URL(page.url()).searchParams.get('namespace'), 'shop');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

/** Replaces everything in the CodeMirror editor with `text`. */
async function replaceEditorText(page, text) {
  const content = page.locator('[data-testid="code-editor"] .cm-content');
  await content.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function editorText(page) {
  return (await page.locator('[data-testid="code-editor"] .cm-content').innerText()).replace(/\u00a0/g, ' ');
}

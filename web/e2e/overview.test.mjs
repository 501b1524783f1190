// Browser tests of the console shell and the overview against `wheelhouse --demo`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPage, screenshot, withDemoConsole } from './support/harness.mjs';

const intOf = async (locator) => Number.parseInt((await locator.textContent()) ?? '', 10);

describe('the console at the root path', () => {
  let server;
  let browser;

  withDemoConsole({}, (started) => ({ server, browser } = started));

  test('the overview shows real numbers from the demo cluster', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      await page.getByTestId('overview').waitFor();
      assert.equal(await page.locator('h1').textContent(), 'Overview');
      const nodes = await intOf(page.getByTestId('nodes-total'));
      const ready = await intOf(page.getByTestId('nodes-ready'));
      const pods = await intOf(page.getByTestId('pods-total'));
      assert.ok(nodes > 0, `nodes: ${nodes}`);
      assert.ok(ready >= 0 && ready <= nodes, `ready: ${ready} of ${nodes}`);
      assert.ok(pods > 0, `pods: ${pods}`);
      const running = await intOf(page.locator('[data-phase="Running"] .phase-legend__count'));
      assert.ok(running > 0, `running pods: ${running}`);
      const warnings = page.getByTestId('section-warnings').locator('tbody tr');
      assert.ok((await warnings.count()) > 0, 'at least one warning event');
      assert.ok(((await warnings.first().textContent()) ?? '').trim().length > 0);
      assert.ok((await page.getByTestId('section-namespaces').locator('tbody tr').count()) > 0);
      await screenshot(page, 'overview-en');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the top bar names the cluster and marks it as the demo, with an explanation', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      const badge = page.getByTestId('demo-badge');
      await badge.waitFor();
      assert.match((await page.getByTestId('cluster-name').textContent()) ?? '', /\S/);
      await badge.hover();
      const tooltip = page.getByRole('tooltip');
      await tooltip.waitFor({ state: 'visible' });
      assert.match((await tooltip.textContent()) ?? '', /simulated demo cluster/);
      await screenshot(page, 'demo-badge-tooltip');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('navigation: an unknown page offers the way back, the namespace selector filters and is kept', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}no/such/page`);
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
      await screenshot(page, 'not-found');
      await page.getByRole('link', { name: 'Go to the overview' }).click();
      await page.getByTestId('overview').waitFor();
      assert.equal(new URL(page.url()).pathname, new URL(server.url).pathname);

      const selector = page.getByTestId('namespace-selector');
      await selector.click();
      const option = page.getByTestId('namespace-option').first();
      await option.waitFor();
      const namespace = await option.getAttribute('data-namespace');
      assert.ok(namespace);
      await option.check();
      await page.keyboard.press('Escape');
      assert.equal(await page.getByTestId('namespace-panel').count(), 0, 'Esc closes the picker');
      await page.getByTestId('namespace-filter').waitFor();
      assert.equal(new URL(page.url()).searchParams.get('namespace'), namespace);
      const rows = page.getByTestId('section-namespaces').locator('tbody tr');
      assert.equal(await rows.count(), 1);
      const navHref = await page.getByRole('navigation').getByRole('link', { name: 'Overview' }).getAttribute('href');
      assert.match(navHref ?? '', new RegExp(`namespace=${encodeURIComponent(namespace)}`));
      await page.reload();
      await page.getByTestId('namespace-filter').waitFor();
      assert.equal(await selector.getAttribute('data-value'), namespace);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the overview refreshes in place, without going blank', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      const overview = page.getByTestId('overview');
      await overview.waitFor();
      // Mark the rendered page: a refresh that re-mounts it (a flicker through a loading state) loses the mark.
      await overview.evaluate((el) => el.setAttribute('data-mark', 'before-refresh'));
      // Two refreshes in a row: by the second answer the first has surely been rendered.
      for (let i = 0; i < 2; i++) {
        const refreshed = await page.waitForResponse((r) => r.url().endsWith('/api/v1/overview'), { timeout: 20_000 });
        assert.equal(refreshed.status(), 200);
      }
      assert.equal(await overview.getAttribute('data-mark'), 'before-refresh');
      assert.ok((await intOf(page.getByTestId('pods-total'))) > 0);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('switching to 简体中文 changes the texts and survives a reload', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      await page.getByTestId('overview').waitFor();
      await page.getByTestId('language-switch').selectOption('zh-CN');
      await page.getByRole('heading', { name: '概览' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
      assert.equal(await page.title(), '概览 · Wheelhouse');
      assert.match((await page.getByTestId('section-warnings').textContent()) ?? '', /最近的警告事件/);
      await page.reload();
      await page.getByRole('heading', { name: '概览' }).waitFor();
      await page.getByTestId('overview').waitFor();
      assert.equal(await page.getByTestId('language-switch').inputValue(), 'zh-CN');
      await screenshot(page, 'overview-zh-CN');
      await page.getByTestId('language-switch').selectOption('en');
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a browser that prefers Chinese starts in Chinese', async () => {
    const { context, page, problems } = await openPage(browser, { locale: 'zh-CN' });
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { name: '概览' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
      assert.equal(await page.getByTestId('language-switch').inputValue(), 'zh-CN');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('the console under --base-path /wh/', () => {
  let server;
  let browser;

  withDemoConsole({ basePath: '/wh/' }, (started) => ({ server, browser } = started));

  test('the app, its assets and its API calls work under the base path', async () => {
    assert.match(new URL(server.url).pathname, /^\/wh\/$/);
    const { context, page, problems } = await openPage(browser);
    try {
      const api = [];
      page.on('response', (response) => {
        if (response.url().includes('/api/')) api.push(new URL(response.url()).pathname);
      });
      await page.goto(`${server.url}no/such/page`);
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
      await page.getByRole('link', { name: 'Go to the overview' }).click();
      await page.getByTestId('overview').waitFor();
      assert.equal(new URL(page.url()).pathname, '/wh/');
      assert.ok((await intOf(page.getByTestId('nodes-total'))) > 0);
      assert.ok(api.length > 0 && api.every((p) => p.startsWith('/wh/api/v1/')), api.join(', '));
      await screenshot(page, 'overview-base-path');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

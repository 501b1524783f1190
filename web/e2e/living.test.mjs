// A console a person can live in, against `wheelhouse --demo`: each navigation starts at the top
// of the page while the sidebar scrolls on its own; the keyboard reaches the page by a skip link,
// `/` focuses the filter, arrow keys move through tabs; a dark theme that follows the system and
// can be chosen (charts and the YAML editor with it); 1024 px wide without clipping; and an
// axe-core check of the main pages with no serious or critical violation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { openPage, screenshot, withDemoConsole } from './support/harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const EN = JSON.parse(readFileSync(new URL('../src/lib/i18n/locales/en.json', import.meta.url), 'utf8'));
const ZH = JSON.parse(readFileSync(new URL('../src/lib/i18n/locales/zh-CN.json', import.meta.url), 'utf8'));
/** English sentences of the catalogue (three words or more, translated differently in Chinese). */
const ENGLISH_SENTENCES = Object.entries(EN)
  .filter(([key, text]) => ZH[key] !== text && !text.includes('{{') && text.split(' ').length >= 3)
  .map(([, text]) => text);

/** axe-core's serious and critical violations on the page, as `rule: target…` lines. */
async function seriousViolations(page) {
  await page.evaluate(AXE);
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const answer = await axe.run(document, { resultTypes: ['violations'] });
    return answer.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.targets.join(' | ')}`);
}

describe('living in the console', () => {
  let server;
  let browser;

  withDemoConsole({}, (started) => ({ server, browser } = started));

  test('a link low in the sidebar opens its page at the top; the sidebar scrolls on its own', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 1440, height: 600 } });
    try {
      await page.goto(`${server.url}pods`);
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor();
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      const link = page.getByRole('navigation').getByRole('link', { name: 'Cluster Role Bindings' });
      await link.scrollIntoViewIfNeeded();
      await link.click();
      await page.waitForURL(/clusterrolebindings/);
      await page.getByTestId('resource-list').waitFor();
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'the new page starts at its top');
      const sidebar = await page.locator('.sidenav').evaluate((el) => ({ overflow: getComputedStyle(el).overflowY, position: getComputedStyle(el).position }));
      assert.deepEqual(sidebar, { overflow: 'auto', position: 'sticky' });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('keyboard: a skip link first, / focuses the filter, arrow keys move through tabs, focus is visible', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods`);
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'skip-link');
      await screenshot(page, 'keyboard-skip-link');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
      // The next Tab lands in the page, not in the 40 links of the sidebar.
      await page.keyboard.press('Tab');
      assert.ok(await page.evaluate(() => document.getElementById('main')?.contains(document.activeElement)), 'the focus is in the page');
      // `/` focuses the filter.
      await page.locator('h1').click();
      await page.keyboard.press('/');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'filter-name');
      // Visible focus: an outline.
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(outline, 'none');
      // The label filter applies as it is typed (debounced), like the name filter.
      await page.getByTestId('filter-labels').fill('app=checkout');
      await page.waitForURL(/labelSelector=app%3Dcheckout/, { timeout: 5_000 });

      // Tabs of an object: arrow keys move and choose.
      await page.goto(`${server.url}pods/data/postgres-0`);
      await page.getByTestId('tab-overview').focus();
      await page.keyboard.press('ArrowRight');
      await page.waitForURL(/tab=yaml/);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'tab-yaml');
      await page.keyboard.press('ArrowLeft');
      await page.waitForURL((url) => !url.searchParams.has('tab'));

      // An action's panel takes the focus and closes with Esc, giving it back to its button.
      await page.goto(`${server.url}nodes/worker-3`);
      await page.waitForFunction(() => !document.querySelector('[data-testid="action-cordon"]')?.hasAttribute('disabled'));
      await page.getByTestId('action-cordon').click();
      await page.getByTestId('action-panel').waitFor();
      assert.ok(await page.evaluate(() => document.querySelector('[data-testid="action-panel"]')?.contains(document.activeElement)), 'the panel has the focus');
      await page.keyboard.press('Escape');
      assert.equal(await page.getByTestId('action-panel').count(), 0);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'action-cordon');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the dark theme follows the system, can be chosen, and charts and the YAML editor follow it', async () => {
    const { context, page, problems } = await openPage(browser, { colorScheme: 'dark' });
    try {
      await page.goto(server.url);
      await page.getByTestId('overview').waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
      const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      assert.equal(background, 'rgb(15, 20, 27)');
      await page.locator('[data-testid="section-warnings"] tbody tr').first().waitFor();
      await screenshot(page, 'dark-overview');
      await page.goto(`${server.url}pods/data/postgres-0?tab=yaml`);
      await page.locator('[data-testid="code-editor"] .cm-content').waitFor();
      const editor = await page.locator('[data-testid="code-editor"] .cm-editor').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(editor, 'rgb(23, 30, 40)', 'the editor is dark');
      await screenshot(page, 'dark-yaml');
      // Chosen: light, remembered across a reload.
      await page.getByTestId('theme-switch').selectOption('light');
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
      await page.reload();
      await page.locator('[data-testid="code-editor"] .cm-content').waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
      assert.equal(await page.locator('[data-testid="code-editor"] .cm-editor').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 255, 255)');
      await page.getByTestId('theme-switch').selectOption('dark');
      // A chart made again in the dark theme's colours.
      await page.goto(`${server.url}nodes/worker-2`);
      await page.getByTestId('chart-cpu').locator('canvas').first().waitFor({ timeout: 60_000 });
      await screenshot(page, 'dark-node-chart');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('at 1024 px nothing is clipped: the page does not scroll sideways and a list keeps name and status', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 1024, height: 768 } });
    try {
      for (const path of ['', 'pods', 'deployments', 'apps', 'nodes/worker-1']) {
        await page.goto(`${server.url}${path}`);
        await page.locator('main h1').first().waitFor();
        await page.waitForLoadState('networkidle').catch(() => undefined);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${path || 'overview'} is ${overflow}px wider than the window`);
      }
      await page.goto(`${server.url}pods`);
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor();
      for (const column of ['name', 'status']) {
        const header = page.locator(`[data-testid="resource-table"] th[data-column="${column}"]`);
        const box = await header.boundingBox();
        assert.ok(box && box.x + box.width <= 1024, `the ${column} column is in view`);
      }
      await screenshot(page, 'narrow-1024-pods');
      // The picker, the cluster badge and the language switch stay in the top bar.
      for (const id of ['namespace-selector', 'demo-badge', 'language-switch', 'theme-switch']) {
        assert.ok(await page.getByTestId(id).isVisible(), `${id} is reachable`);
      }
      // The sidebar folds behind the menu button and opens over the page; Esc closes it.
      assert.equal(await page.getByTestId('sidenav').isVisible(), false);
      await page.getByTestId('menu-button').click();
      await page.getByTestId('sidenav').waitFor();
      await screenshot(page, 'narrow-1024-menu');
      await page.getByTestId('sidenav').getByRole('link', { name: 'Deployments' }).focus();
      await page.keyboard.press('Escape');
      assert.equal(await page.getByTestId('sidenav').isVisible(), false);
      await page.getByTestId('menu-button').click();
      await page.getByTestId('sidenav').getByRole('link', { name: 'Deployments' }).click();
      await page.waitForURL(/\/deployments/);
      assert.equal(await page.getByTestId('sidenav').isVisible(), false, 'choosing a page closes the menu');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('at 1440 px the Age column of a list is not cut off', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 1440, height: 900 } });
    try {
      await page.goto(`${server.url}pods`);
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor();
      const fits = await page.locator('.resource-table__scroll').evaluate((el) => el.scrollWidth <= el.clientWidth);
      assert.ok(fits, 'the pods table fits its card');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('in Chinese, no English sentence of the catalogue is on the main pages', async () => {
    const { context, page, problems } = await openPage(browser, { locale: 'zh-CN' });
    try {
      for (const path of ['', 'pods', 'pods/data/postgres-0', 'deployments/shop/checkout', 'apps', 'apps/charts/builtin/webapp/install', 'nodes/worker-1']) {
        await page.goto(`${server.url}${path}`);
        await page.locator('main h1').first().waitFor();
        await page.waitForTimeout(1_000);
        const text = await page.evaluate(() => document.body.innerText);
        const english = ENGLISH_SENTENCES.filter((sentence) => text.includes(sentence));
        assert.deepEqual(english, [], `${path || 'overview'} shows English`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  for (const [name, path] of [
    ['overview', ''],
    ['pods', 'pods'],
    ['pod', 'pods/data/postgres-0'],
    ['deployment', 'deployments/shop/checkout'],
    ['app store', 'apps'],
    ['chart', 'apps/charts/builtin/webapp'],
    ['alert rules', 'alerts'],
    ['alert rule', 'alerts/default/crash-looping-pods'],
    ['alert rule editor', 'alerts/new'],
  ]) {
    test(`axe-core finds no serious violation on the ${name} page`, async () => {
      const { context, page } = await openPage(browser);
      try {
        await page.goto(`${server.url}${path}`);
        await page.locator('main h1').first().waitFor();
        await page.waitForLoadState('networkidle').catch(() => undefined);
        assert.deepEqual(await seriousViolations(page), []);
      } finally {
        await context.close();
      }
    });
  }
});

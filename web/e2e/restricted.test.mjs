// A person with few rights (the sim's `restricted` user: pods, services, config maps and events
// in team-a only) meets forbidden lists that say what is forbidden, and actions they may not use.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openPage, screenshot, startWheelhouse } from './support/harness.mjs';
import { startSim } from './support/sim.mjs';

describe('a restricted person', () => {
  let sim;
  let server;
  let browser;

  before(async () => {
    sim = await startSim('demo');
    server = await startWheelhouse({ cluster: ['--kubeconfig', sim.kubeconfigFor('restricted', 'team-a')] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await sim?.stop();
  });

  test('a forbidden list says what is forbidden, in the API server words', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods`);
      const alert = page.getByRole('alert').filter({ hasText: 'Could not list Pods' });
      await alert.waitFor({ timeout: 20_000 });
      assert.match((await alert.textContent()) ?? '', /forbidden/i);
      assert.match((await alert.textContent()) ?? '', /Forbidden/);
      await screenshot(page, 'restricted-forbidden-list');
    } finally {
      await context.close();
    }
  });

  test('in their namespace they see the rows; create and delete are disabled with the reason', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods?namespace=team-a`);
      await page.locator('[data-testid="resource-table"] tbody tr a').first().waitFor({ timeout: 20_000 });
      // They may read pods in team-a, not create them: the API server's answer, on the button.
      await page.getByTestId('create-reason').waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId('create-link').isDisabled(), true);
      assert.match((await page.getByTestId('create-reason').textContent()) ?? '', /may not create pods in namespace team-a/);
      await screenshot(page, 'restricted-create-disabled');
      await page.locator('[data-testid="resource-table"] tbody tr a').first().click();
      await page.getByTestId('action-bar').waitFor();
      const del = page.getByTestId('action-delete');
      await page.waitForFunction(() => document.querySelector('[data-testid="action-delete"]')?.getAttribute('title') !== 'Checking whether you may do this…');
      assert.equal(await del.isDisabled(), true);
      // The access review's answer: who may not do what, where.
      assert.match((await del.getAttribute('title')) ?? '', /restricted may not delete pods in namespace team-a/);
      await screenshot(page, 'restricted-delete-disabled');
    } finally {
      await context.close();
    }
  });
});

// Browser tests of "Open in browser" against `wheelhouse --demo`: a Service's port opens in a new
// tab through the console (the sim's `services/proxy`) under a ticket, its stylesheet (an absolute
// link), image (a relative one) and script load, its links and redirects work, and its script runs
// sandboxed: it cannot read the console's cookies or call the console's API.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPage, screenshot, withDemoConsole } from './support/harness.mjs';

/** A Service of the demo whose first TCP port answers through the proxy, and that port. */
async function servingService(url) {
  const response = await fetch(new URL('api/v1/resources/core/v1/services?pageSize=500', url));
  const list = await response.json();
  for (const row of list.items) {
    const detail = await (await fetch(new URL(`api/v1/resources/core/v1/services/${row.name}?namespace=${row.namespace}`, url))).json();
    const port = (detail.summary?.ports ?? []).find((p) => (p.protocol ?? 'TCP') === 'TCP');
    if (!port) continue;
    const link = await fetch(new URL(`api/v1/namespaces/${row.namespace}/services/${row.name}:${port.port}/proxy/`, url), { redirect: 'manual' });
    if (link.status !== 303) continue;
    const proxied = await fetch(new URL(link.headers.get('location'), url)).catch((error) => ({ status: String(error.cause ?? error) }));
    if (proxied.status === 200) return { namespace: row.namespace, name: row.name, port: port.port };
  }
  assert.fail('no Service of the demo answers through the proxy');
}

describe('open in browser', () => {
  let server;
  let browser;
  withDemoConsole({}, (started) => ({ server, browser } = started));

  test("a Service's port opens in a new tab, its page whole and sandboxed", async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      const service = await servingService(server.url);
      await page.goto(`${server.url}services/${service.namespace}/${service.name}`);
      const link = page.getByTestId(`open-service-port-${service.port}`);
      await link.waitFor();
      assert.equal(await link.getAttribute('target'), '_blank');
      await screenshot(page, 'service-open-in-browser');
      const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await tab.waitForLoadState('load');
      // The person's link was sent on to the same path under a ticket.
      assert.match(tab.url(), new RegExp(`/proxy/[A-Za-z0-9_-]+/api/v1/namespaces/${service.namespace}/services/${service.name}:${service.port}/proxy/$`));
      const heading = tab.locator('#styled');
      await heading.waitFor();
      assert.match((await heading.textContent()) ?? '', /^Served by /);
      // The stylesheet (an absolute link the API server rewrote) and the image (a relative one)
      // were loaded by the sandboxed page through the console.
      assert.equal(await heading.evaluate((h) => getComputedStyle(h).color), 'rgb(0, 128, 0)');
      await tab.waitForFunction(() => document.querySelector('#logo')?.naturalWidth > 0);
      // Its script ran, in an opaque origin: no cookies of the console, no answer from its API.
      await tab.waitForFunction(() => (document.querySelector('#script')?.textContent ?? '').startsWith('script ran'));
      const said = (await tab.locator('#script').textContent()) ?? '';
      assert.match(said, /cookies not readable/);
      assert.doesNotMatch(said, /console API answered 200/);
      await screenshot(tab, 'open-in-browser-service');

      // Its links stay under the console: a relative one and a redirect.
      await tab.locator('#relative').click();
      await tab.waitForFunction(() => (document.querySelector('#where')?.textContent ?? '').includes('path /about'));
      await tab.goBack();
      await tab.locator('#redirect').click();
      await tab.waitForURL(/\/proxy\/echo\?from=redirect$/);
      assert.match((await tab.textContent('body')) ?? '', /"from=redirect"|from=redirect/);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

// A web page of another origin, open in the same browser as the console, tries what any page
// can: a simple cross-origin POST, a form POST and a WebSocket. Nothing it sends may change the
// cluster. The console's own pages, under their Content-Security-Policy, break no rule of it.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test } from 'node:test';
import { openPage, screenshot, withDemoConsole } from './support/harness.mjs';

const PLANTED = 'planted-by-page';
const YAML = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${PLANTED}\n  namespace: default\ndata:\n  by: hostile-page\n`;

/** The hostile page: it tries everything at once and reports what the browser let it see. */
function hostilePage(consoleUrl) {
  const socketUrl = new URL('api/v1/live', consoleUrl).href.replace(/^http/, 'ws');
  return `<!doctype html><html><body><h1>Totally unrelated page</h1>
<iframe name="sink" style="display:none"></iframe>
<form id="form" method="POST" target="sink" enctype="text/plain" action="${new URL('api/v1/apply', consoleUrl).href}">
  <input type="hidden" name="${YAML.replace(/"/g, '&quot;')}" value="">
</form>
<script>
window.report = { fetch: 'pending', socket: 'pending', form: 'pending' };
fetch(${JSON.stringify(new URL('api/v1/apply', consoleUrl).href)}, {
  method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: ${JSON.stringify(YAML)},
}).then(() => { window.report.fetch = 'sent (opaque answer)'; }, (e) => { window.report.fetch = 'failed: ' + e; });
const socket = new WebSocket(${JSON.stringify(socketUrl)});
socket.onopen = () => { window.report.socket = 'open'; };
socket.onerror = () => { window.report.socket = 'refused'; };
document.getElementById('form').submit();
document.querySelector('iframe').addEventListener('load', () => { window.report.form = 'submitted'; });
</script></body></html>`;
}

/** Serves `html` on another port of 127.0.0.1: another origin, as any site on the web is. */
async function serveElsewhere(html) {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((done) => server.close(done)) };
}

describe('nothing outside may drive the console', () => {
  let server;
  let browser;

  withDemoConsole({}, (started) => ({ server, browser } = started));

  test('a page of another origin can send requests but none of them changes the cluster', async () => {
    const hostile = await serveElsewhere(hostilePage(server.url));
    const { context, page } = await openPage(browser);
    try {
      await page.goto(hostile.url);
      await page.waitForFunction(() => window.report && Object.values(window.report).every((v) => v !== 'pending'), null, { timeout: 15_000 });
      const report = await page.evaluate(() => window.report);
      assert.equal(report.socket, 'refused', JSON.stringify(report));
      assert.equal(report.form, 'submitted', 'the browser did send the form');
      await screenshot(page, 'security-hostile-page');
      // The console itself, asked afterwards: no such ConfigMap.
      const answer = await fetch(new URL(`api/v1/resources/core/v1/configmaps/${PLANTED}?namespace=default`, server.url));
      assert.equal(answer.status, 404, await answer.text());
    } finally {
      await context.close();
      await hostile.close();
    }
  });

  test('the console’s own pages, the YAML editor among them, break no rule of their policy', async () => {
    const { context, page, problems } = await openPage(browser);
    await page.addInitScript(() => {
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.violations.push(`${event.violatedDirective}: ${event.blockedURI || 'inline'}`);
      });
    });
    try {
      const seen = [];
      for (const path of ['', 'pods?namespace=shop', 'apply?namespace=default', 'apps']) {
        const response = await page.goto(`${server.url}${path}`);
        assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
        await page.locator('main').first().waitFor();
        if (path.startsWith('apply')) {
          await page.getByTestId('code-editor').waitFor();
          // The editor's own styles arrived: its gutter is laid out beside the text.
          const gutter = await page.locator('.cm-gutters').boundingBox();
          assert.ok(gutter && gutter.width > 10, 'the editor is styled');
          await screenshot(page, 'security-editor-under-csp');
        }
        seen.push(...(await page.evaluate(() => window.violations)));
      }
      assert.deepEqual(seen, []);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

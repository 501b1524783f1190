// Signing in, as a team's console does it: Wheelhouse in login mode (tokens and OIDC) on a
// simulated API server that trusts a real OIDC issuer (`oidc-provider`) for ID tokens. A person
// signs in with a token or through the issuer, sees what the API server lets them see, stays
// signed in when the short-lived ID token is refreshed, and signs out.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, launchBrowser, openPage, screenshot, startWheelhouse } from './support/harness.mjs';
import { startIssuer } from './support/oidc.mjs';
import { startSim } from './support/sim.mjs';

/** How long the issuer's ID tokens live: the console refreshes them in their last minute. */
const ID_TOKEN_SECONDS = 65;

/** The namespaces of the pods the signed-in person may list, asked from inside the page. */
async function podNamespaces(page) {
  return page.evaluate(async () => {
    const response = await fetch('api/v1/resources/core/v1/pods?pageSize=500');
    const body = await response.json();
    if (!response.ok) return { status: response.status, body };
    return { status: 200, namespaces: [...new Set(body.items.map((i) => i.namespace))].sort(), total: body.total };
  });
}

/** What the page's scripts can read of its storage and cookies. */
async function readableByScripts(page) {
  return page.evaluate(() => JSON.stringify({ cookie: document.cookie, local: { ...localStorage }, session: { ...sessionStorage } }));
}

describe('signing in', () => {
  let issuer;
  let sim;
  let server;
  let browser;

  before(async () => {
    const port = await freePort();
    issuer = await startIssuer({
      redirectUri: `http://127.0.0.1:${port}/api/v1/session/oidc/callback`,
      groupsOf: (login) => (login === 'dana' ? ['team-a'] : []),
      idTokenSeconds: ID_TOKEN_SECONDS,
    });
    sim = await startSim('demo', [
      '--oidc-issuer-url', issuer.issuer,
      '--oidc-client-id', issuer.client.id,
      '--oidc-username-claim', 'email',
      '--oidc-groups-claim', 'groups',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-login-'));
    const secretFile = join(dir, 'client-secret');
    writeFileSync(secretFile, issuer.client.secret, { mode: 0o600 });
    server = await startWheelhouse({
      cluster: ['--kubeconfig', sim.kubeconfig],
      listen: `127.0.0.1:${port}`,
      args: [
        '--login', 'token,oidc',
        '--oidc-issuer-url', issuer.issuer,
        '--oidc-client-id', issuer.client.id,
        '--oidc-client-secret-file', secretFile,
        '--oidc-scopes', 'openid,email,groups,offline_access',
      ],
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await sim?.stop();
    await issuer?.stop();
  });

  test('a token signs in where the person was going, shows only their namespace, and never reaches storage', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods`);
      await page.waitForURL(/\/login\?return=%2Fpods/, { timeout: 20_000 });
      const field = page.getByLabel('Bearer token');
      await field.fill('not-a-token-the-cluster-knows');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      const problem = page.getByRole('alert').filter({ hasText: 'Signing in failed' });
      await problem.waitFor({ timeout: 10_000 });
      assert.match((await problem.textContent()) ?? '', /did not accept/);
      assert.equal(await field.inputValue(), '', 'the field is cleared after each attempt');
      await screenshot(page, 'login-token-refused');

      await field.fill('restricted-token');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(/\/pods$/, { timeout: 20_000 });
      await page.getByTestId('session-person').filter({ hasText: 'restricted' }).waitFor({ timeout: 10_000 });
      await page.locator('[data-testid="resource-table"] tbody tr a').first().waitFor({ timeout: 20_000 });
      const pods = await podNamespaces(page);
      assert.deepEqual(pods.namespaces, ['team-a'], JSON.stringify(pods));
      await screenshot(page, 'login-token-signed-in');

      const visible = await readableByScripts(page);
      assert.doesNotMatch(visible, /restricted-token/);
      assert.doesNotMatch(visible, /wheelhouse_session/, 'the session cookie is HttpOnly');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Bearer token').waitFor({ timeout: 10_000 });
      await page.goto(`${server.url}pods`);
      await page.waitForURL(/\/login/, { timeout: 10_000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('OIDC signs in through the issuer, refreshes the ID token before it expires, and signs out', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods`);
      await page.getByRole('link', { name: 'Sign in with OIDC' }).click();
      // The issuer's own (development) sign-in and consent pages.
      await page.locator('input[name="login"]').fill('dana');
      await page.locator('input[name="password"]').fill('any password');
      await page.locator('button[type="submit"]').click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/127\.0\.0\.1:\d+\/pods$/, { timeout: 20_000 });
      await page.getByTestId('session-person').filter({ hasText: 'dana@example.com' }).waitFor({ timeout: 10_000 });
      assert.equal(issuer.grants.authorization_code, 1);
      await page.locator('[data-testid="resource-table"] tbody tr a').first().waitFor({ timeout: 20_000 });
      const pods = await podNamespaces(page);
      assert.deepEqual(pods.namespaces, ['team-a'], JSON.stringify(pods));
      await screenshot(page, 'login-oidc-signed-in');

      // "Open in browser" acts as the signed-in person: dana (team-a) may read team-a's Service
      // but not proxy to it, so the opened page is the API server's refusal, naming her.
      const tab = await context.newPage();
      const opened = await tab.goto(`${server.url}api/v1/namespaces/team-a/services/hello:80/proxy/`);
      assert.match(tab.url(), /\/proxy\/[A-Za-z0-9_-]+\/api\/v1\/namespaces\/team-a\/services\/hello:80\/proxy\/$/);
      assert.equal(opened?.status(), 403);
      assert.match((await tab.textContent('body')) ?? '', /User \\?"dana@example\.com\\?" cannot get resource \\?"services\/proxy\\?"/);
      await screenshot(tab, 'login-oidc-open-in-browser-refused');
      await tab.close();

      // In the ID token's last minute, the next call renews it with the refresh token.
      await page.waitForTimeout((ID_TOKEN_SECONDS - 58) * 1000);
      const renewed = await podNamespaces(page);
      assert.deepEqual(renewed.namespaces, ['team-a'], JSON.stringify(renewed));
      assert.ok(issuer.grants.refresh_token >= 1, `the console refreshed (grants: ${JSON.stringify(issuer.grants)})`);
      const session = await page.evaluate(() => fetch('api/v1/session').then((r) => r.json()));
      assert.equal(session.person?.user, 'dana@example.com');
      assert.equal(session.person?.method, 'oidc');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('link', { name: 'Sign in with OIDC' }).waitFor({ timeout: 10_000 });
      const after = await podNamespaces(page);
      assert.equal(after.status, 401, JSON.stringify(after));
      // The issuer's development pages load a web font from the internet, which this machine cannot reach.
      assert.deepEqual(problems.filter((p) => !p.includes('fonts.googleapis.com')), []);
    } finally {
      await context.close();
    }
  });
});

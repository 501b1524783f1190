// The first run on a fresh machine: `cargo xtask run` (the README's run command) puts the real
// helm in ~/.cache/wheelhouse/tools/bin when none is on PATH, and the console finds it there with
// no flag, so the app store installs. Without any helm, the reason shows in the person's language
// and says where `cargo xtask run` would put one.
//
// Each console here runs with its own HOME and a PATH without helm, as on a fresh machine.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openPage, screenshot, startWheelhouse, waitForDemo } from './support/harness.mjs';

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

/** A fresh machine: a new HOME, a PATH with no helm on it, no tools directory configured. */
function freshMachine(home) {
  const env = { ...process.env, HOME: home, PATH: '/usr/bin:/bin' };
  delete env.WHEELHOUSE_TOOLS;
  delete env.WHEELHOUSE_HELM_PATH;
  delete env.KUBECONFIG;
  return env;
}

function assertNoHelmOnPath(env) {
  const found = execFileSync('sh', ['-c', 'command -v helm || true'], { encoding: 'utf8', env }).trim();
  assert.equal(found, '', `this test needs a PATH without helm, but ${found} is on it`);
}

describe('first run: helm where `cargo xtask run` installs it', { skip: HELM ? false : 'no helm (set WHEELHOUSE_HELM)' }, () => {
  let server;
  let browser;
  let home;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'wh-home-'));
    const bin = join(home, '.cache', 'wheelhouse', 'tools', 'bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync(HELM, join(bin, 'helm'));
    execFileSync('chmod', ['755', join(bin, 'helm')]);
    const env = freshMachine(home);
    assertNoHelmOnPath(env);
    server = await startWheelhouse({ cluster: ['--demo'], env });
    browser = await launchBrowser();
    await waitForDemo(server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test('with no flag and no helm on PATH, a chart installs from the app store', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}apps/charts/builtin/webapp`);
      await page.getByTestId('chart-readme').waitFor();
      assert.equal(await page.getByTestId('install-unavailable').count(), 0, 'the chart page says installing is unavailable');
      await page.getByTestId('chart-install').click();
      await page.getByTestId('install-form').waitFor();
      await page.getByTestId('install-name').fill('first-run');
      await page.getByTestId('install-submit').click();
      const op = page.locator('[data-testid="app-operation"][data-action="install"]');
      await op.and(page.locator('[data-state="succeeded"], [data-state="failed"]')).waitFor({ timeout: 90_000 });
      assert.equal(await op.getAttribute('data-state'), 'succeeded', (await op.textContent()) ?? '');
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, 'first-run-install');
      const helm = await (await fetch(new URL('api/v1/apps/helm', server.url))).json();
      assert.equal(helm.path, join(home, '.cache', 'wheelhouse', 'tools', 'bin', 'helm'));
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('first run without any helm', () => {
  let server;
  let browser;
  let home;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'wh-home-'));
    const env = freshMachine(home);
    assertNoHelmOnPath(env);
    server = await startWheelhouse({ cluster: ['--demo'], env });
    browser = await launchBrowser();
    await waitForDemo(server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  for (const [locale, expected] of [
    ['en-US', /No helm binary: set --helm-path, put helm on PATH, or run `cargo xtask run`, which installs one in \S+\/\.cache\/wheelhouse\/tools\/bin\/helm\./],
    ['zh-CN', /没有 helm 程序：.*`cargo xtask run`（它会把 helm 安装到 \S+\/\.cache\/wheelhouse\/tools\/bin\/helm）/],
  ]) {
    test(`installing is disabled and says how to get helm (${locale})`, async () => {
      const { context, page, problems } = await openPage(browser, { locale });
      try {
        await page.goto(`${server.url}apps/charts/builtin/webapp`);
        await page.getByTestId('chart-readme').waitFor();
        assert.equal(await page.getByTestId('chart-install').isDisabled(), true);
        assert.match((await page.getByTestId('install-unavailable').textContent()) ?? '', expected);
        await screenshot(page, `first-run-no-helm-${locale}`);
        await page.goto(`${server.url}apps/charts/builtin/webapp/install`);
        await page.getByTestId('install-form').waitFor();
        assert.equal(await page.getByTestId('install-submit').isDisabled(), true);
        assert.match((await page.getByTestId('install-blocked').textContent()) ?? '', expected);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});

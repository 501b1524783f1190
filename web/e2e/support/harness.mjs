// Starts a Wheelhouse server and Debian's Chromium for the browser tests, and always stops both.
//
// Environment:
//   WHEELHOUSE_BIN        the wheelhouse binary (default <repo>/target/debug/wheelhouse)
//   CHROMIUM_PATH         the browser (default /usr/bin/chromium); never downloaded
//   WHEELHOUSE_ARTIFACTS  where screenshots go (default <repo>/artifacts), under screenshots/
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { after, before } from 'node:test';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const WHEELHOUSE_BIN = process.env.WHEELHOUSE_BIN || join(repo, 'target', 'debug', 'wheelhouse');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOTS = join(process.env.WHEELHOUSE_ARTIFACTS || join(repo, 'artifacts'), 'screenshots');

const LISTENING = /Wheelhouse is listening on (https?:\/\/\S+)/;
const START_TIMEOUT_MS = 60_000;

/** A port nothing listens on right now (for a server that must know its URL before it starts). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Every server started, so an exit for any reason still stops them. */
const running = new Set();
function killAll() {
  for (const child of running) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Runs `wheelhouse --demo --listen 127.0.0.1:0 [--base-path P]` (or other cluster flags than
 * `--demo`, given as `cluster`; another address as `listen`; more flags as `args`; `env` replaces
 * this process's environment when given) and waits for its "Wheelhouse is listening on URL"
 * line. Returns the URL (ending in the base path) and stop().
 */
export async function startWheelhouse({ basePath, cluster = ['--demo'], listen = '127.0.0.1:0', args: extra = [], env = process.env } = {}) {
  if (!existsSync(WHEELHOUSE_BIN)) {
    throw new Error(`no wheelhouse binary at ${WHEELHOUSE_BIN}: run \`cargo build -p wheelhouse\` or set WHEELHOUSE_BIN`);
  }
  const args = [...cluster, '--listen', listen, ...extra];
  if (basePath) args.push('--base-path', basePath);
  const child = spawn(WHEELHOUSE_BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, NO_COLOR: '1', RUST_LOG: process.env.RUST_LOG || 'info' },
  });
  running.add(child);
  let output = '';
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`wheelhouse did not say where it listens within ${START_TIMEOUT_MS / 1000} s; output:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`wheelhouse exited (${code ?? signal}) before listening; output:\n${output}`));
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  }).catch((error) => {
    child.kill('SIGKILL');
    running.delete(child);
    throw error;
  });
  // Keep draining its output so a chatty server never blocks on a full pipe.
  child.stdout.on('data', () => {});
  child.stderr.on('data', () => {});
  return {
    url: url.endsWith('/') ? url : `${url}/`,
    output: () => output,
    async stop() {
      await stopProcess(child);
      running.delete(child);
    },
    /** SIGKILL, as a crash or an OOM kill: nothing of it runs after. */
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGKILL');
        await exited;
      }
      running.delete(child);
    },
  };
}

/** Stops a child process (SIGTERM, SIGKILL after 5 s) and resolves once it has exited. */
export async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Waits until the demo cluster has settled: nodes, running pods, at least one Warning event, and
 * pod phases unchanged for a few seconds (the simulated kubelet starts pods a moment after start),
 * so the tests' claims hold and the screenshots show the demo as a person will see it.
 */
export async function waitForDemo(url, timeoutMs = 60_000) {
  const STEADY_MS = 3_000;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  let phases = '';
  let steadySince = Date.now();
  while (Date.now() < deadline) {
    try {
      const response = await fetch(new URL('api/v1/overview', url));
      const body = await response.json();
      const nowPhases = response.ok ? JSON.stringify(body.pods.byPhase) : '';
      if (nowPhases !== phases) {
        phases = nowPhases;
        steadySince = Date.now();
      }
      const ready = response.ok && body.nodes.total > 0 && (body.pods.byPhase.Running ?? 0) > 0 && body.warnings.length > 0;
      if (ready && Date.now() - steadySince >= STEADY_MS) return body;
      last = response.ok
        ? `nodes ${body.nodes.total}, running pods ${body.pods.byPhase.Running}, warnings ${body.warnings.length}`
        : JSON.stringify(body);
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the demo cluster did not settle within ${timeoutMs / 1000} s: ${last}`);
}

/** Launches Debian's Chromium headless with a fresh profile (Playwright makes a new temporary one). */
export function launchBrowser() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Opens a page that records what went wrong in the browser: uncaught errors, console errors and
 * failed loads of the app's own files. Tests assert the list stays empty.
 */
export async function openPage(browser, { locale = 'en-US', viewport = { width: 1366, height: 900 }, colorScheme } = {}) {
  const context = await browser.newContext({ locale, viewport, ...(colorScheme ? { colorScheme } : {}) });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every 4xx/5xx answer as "Failed to load resource"; those are judged above and
    // below by URL (an API 503 is an expected state, a missing asset is not).
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    const url = response.url();
    if (response.status() >= 400 && !url.includes('/api/')) problems.push(`${response.status()} for ${url}`);
  });
  page.on('requestfailed', (request) => {
    // A poll cancelled by navigation is normal; anything else is not.
    const failure = request.failure()?.errorText ?? '';
    if (!failure.includes('ERR_ABORTED')) problems.push(`request failed: ${request.url()} ${failure}`);
  });
  return { context, page, problems };
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Runs `wheelhouse --demo` (with `options` for startWheelhouse) and a browser around the calling
 * `describe` block, once the demo has settled; `ready` receives `{ server, browser }`.
 */
export function withDemoConsole(options, ready) {
  let server;
  let browser;
  before(async () => {
    server = await startWheelhouse(options);
    browser = await launchBrowser();
    await waitForDemo(server.url);
    ready({ server, browser });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}

// Browser tests of metrics (issue #5) against the real binary: `wheelhouse --demo` scraping the
// simulated metrics-server every second, and a sim without metrics-server for the missing state.
// A real Prometheus scraping the sim serves the ranges longer than the history.
// Screenshots: metrics-pod-chart, metrics-node-list, metrics-overview, metrics-pod-chart-zh-CN,
// metrics-not-installed, metrics-prometheus-range.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openPage, screenshot, startWheelhouse, withDemoConsole } from './support/harness.mjs';
import { prometheusBinary, startPrometheus } from './support/prometheus.mjs';
import { startSim } from './support/sim.mjs';

/** Cores from a usage cell's text (`250m`, `1.5 cores`, `0`); null for a dash. */
function cores(text) {
  const t = text.trim();
  const milli = /^([\d.]+)m/.exec(t);
  if (milli) return Number(milli[1]) / 1000;
  const whole = /^([\d.]+)/.exec(t);
  return whole ? Number(whole[1]) : null;
}

/** The busiest pod once it has a sample, as the cluster's metrics name it. */
async function busyPod(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const response = await fetch(new URL('api/v1/metrics/cluster', url));
    const body = await response.json();
    last = JSON.stringify(body).slice(0, 300);
    const pod = response.ok ? body.top?.pods?.[0] : undefined;
    if (pod) return pod;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no pod with a sample within ${timeoutMs / 1000} s: ${last}`);
}

/** How many pixels of the chart's canvas are drawn in the usage line's colour (the app's accent). */
function accentPixels(page, testId) {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"] canvas`);
    if (!canvas) return 0;
    const accent = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim();
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(accent.slice(i, i + 2), 16));
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24) count += 1;
    }
    return count;
  }, testId);
}

describe('metrics with the demo metrics-server', () => {
  let server;
  let browser;
  withDemoConsole({ cluster: ['--demo', '--metrics-interval', '1s'] }, (started) => {
    ({ server, browser } = started);
  });

  test("a pod's page charts its CPU and memory with data, requests and limits", async () => {
    const pod = await busyPod(server.url);
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods/${pod.namespace}/${pod.name}`);
      const section = page.getByTestId('metrics');
      await section.waitFor({ timeout: 20_000 });
      // With a 1 s scrape the history grows while we watch: wait for a line of a few points.
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-cpu-plot"]')?.getAttribute('data-points') ?? 0) >= 3, null, { timeout: 30_000 });
      await page.locator('[data-testid="chart-cpu-plot"] canvas').waitFor();
      await page.locator('[data-testid="chart-memory-plot"] canvas').waitFor();
      // The lines are drawn on the canvas's next frame: wait for their pixels, with a deadline.
      for (const plot of ['chart-cpu-plot', 'chart-memory-plot']) {
        const deadline = Date.now() + 10_000;
        while ((await accentPixels(page, plot)) <= 30) {
          assert.ok(Date.now() < deadline, `the usage line of ${plot} is drawn`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }

      const legend = (await page.locator('[data-testid="chart-cpu-plot"] .u-legend').textContent()) ?? '';
      assert.match(legend, /Usage|Pod total/);
      const current = (await page.getByTestId('metrics-current').textContent()) ?? '';
      assert.match(current, /CPU.*(\d+(\.\d+)?m|cores)/);
      assert.match(current, /Memory.*\d+(\.\d+)? (KiB|MiB|GiB)/);
      assert.equal(await page.getByTestId('metrics-state').count(), 0, 'no state notice when metrics are flowing');
      const ranges = await page.locator('[data-testid="metrics-ranges"] button').allTextContents();
      assert.ok(ranges.length >= 1, `ranges offered: ${ranges}`);
      await page.getByTestId('metrics-containers').waitFor();
      await screenshot(page, 'metrics-pod-chart');

      // The legend reads the values under the cursor: the time there, and the usage then.
      const over = await page.locator('[data-testid="chart-cpu-plot"] .u-over').boundingBox();
      await page.mouse.move(over.x + over.width * 0.9, over.y + over.height / 2);
      const hovered = await page.locator('[data-testid="chart-cpu-plot"] .u-legend .u-series').allTextContents();
      assert.match(hovered[0] ?? '', /\d{2}:\d{2}:\d{2}/, `legend time: ${hovered}`);
      assert.match(hovered[1] ?? '', /\d+(\.\d+)?m|core/, `legend usage: ${hovered}`);
      await page.mouse.move(0, 0);

      // Live: the chart gains points without a reload.
      const before = Number(await page.getByTestId('chart-cpu-plot').getAttribute('data-points'));
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid="chart-cpu-plot"]')?.getAttribute('data-points') ?? 0) > n, before, { timeout: 10_000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the node list shows usage and sorts by CPU on the server', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}nodes`);
      await page.locator('[data-testid="resource-table"] [data-testid="usage"]').first().waitFor({ timeout: 20_000 });
      const cpuHeader = page.locator('th[data-column="cpu"] button');
      await cpuHeader.click();
      await page.waitForURL(/sort=cpu/);
      await cpuHeader.click();
      await page.waitForURL(/sort=-cpu/);
      await page.locator('th[data-column="cpu"][aria-sort="descending"]').waitFor();
      // The server answers the sorted page; read the CPU column in the order shown.
      await page.waitForFunction(() => {
        const cells = [...document.querySelectorAll('[data-testid="resource-table"] tbody tr')].map((tr) => tr.querySelector('td:nth-child(' + (1 + [...tr.closest('table').querySelectorAll('th')].findIndex((th) => th.dataset.column === 'cpu')) + ')'));
        return cells.length > 1 && cells.every((c) => c?.querySelector('[data-testid="usage"]'));
      }, null, { timeout: 20_000 });
      const column = await page.locator('th').evaluateAll((ths) => ths.findIndex((th) => th.dataset.column === 'cpu'));
      const texts = await page.locator(`[data-testid="resource-table"] tbody tr td:nth-child(${column + 1}) .usage__value`).allTextContents();
      const values = texts.map(cores);
      assert.ok(values.length >= 2, `CPU cells: ${texts}`);
      for (let i = 1; i < values.length; i += 1) assert.ok(values[i - 1] >= values[i], `descending by CPU: ${texts.join(', ')}`);
      const title = await page.locator('[data-testid="resource-table"] [data-testid="usage"]').first().getAttribute('title');
      assert.match(title ?? '', /allocatable|requests|limits|No requests/);
      await screenshot(page, 'metrics-node-list');

      // The busiest node's page: its usage and requests against allocatable, and its charts.
      await page.locator('[data-testid="resource-table"] tbody tr a').first().click();
      const used = page.getByTestId('node-cpu-usage');
      await used.waitFor({ timeout: 20_000 });
      assert.ok(Number(await used.getAttribute('data-percent')) > 0, 'node CPU used of allocatable');
      assert.ok((await page.getByTestId('node-memory-requests').getAttribute('data-percent')) !== null);
      await page.locator('[data-testid="chart-cpu-plot"] canvas').waitFor({ timeout: 20_000 });
      assert.match((await page.locator('[data-testid="chart-cpu-plot"] .u-legend').textContent()) ?? '', /Allocatable/);
      await screenshot(page, 'metrics-node-detail');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the overview shows cluster utilisation and the busiest pods and nodes, linked', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      const cpu = page.getByTestId('cluster-cpu-usage');
      await cpu.waitFor({ timeout: 20_000 });
      const percent = Number(await cpu.getAttribute('data-percent'));
      assert.ok(percent > 0 && percent < 100, `CPU used of allocatable: ${percent}%`);
      assert.ok(Number(await page.getByTestId('cluster-memory-usage').getAttribute('data-percent')) > 0);
      assert.ok((await page.getByTestId('cluster-cpu-requests').getAttribute('data-percent')) !== null);
      const topPod = page.locator('[data-testid="top-pods"] tbody tr a').first();
      await topPod.waitFor();
      await page.locator('[data-testid="top-nodes"] tbody tr a').first().waitFor();
      await screenshot(page, 'metrics-overview');
      const name = (await topPod.textContent()) ?? '';
      await topPod.click();
      await page.waitForURL(new RegExp(`/pods/[^/]+/${name}$`));
      await page.getByTestId('metrics').waitFor();

      // With a namespace chosen, the top pods are that namespace's.
      await page.goto(`${server.url}?namespace=data`);
      const inData = page.locator('[data-testid="top-pods"][data-namespace="data"] tbody tr');
      await inData.first().waitFor({ timeout: 20_000 });
      for (const row of await inData.locator('td:first-child .muted').allTextContents()) assert.equal(row, 'data/');
      // With several, theirs together, summed by the server.
      await page.goto(`${server.url}?namespace=data,shop`);
      const inBoth = page.locator('[data-testid="top-pods"][data-namespace="data,shop"] tbody tr');
      await inBoth.first().waitFor({ timeout: 20_000 });
      assert.match((await page.locator('[data-testid="top-pods"] h2').textContent()) ?? '', /in namespaces data, shop/);
      // Ten at most, the busiest of both namespaces (the sums are tested on the server).
      const namespaces = new Set(await inBoth.locator('td:first-child .muted').allTextContents());
      assert.ok(namespaces.size > 0 && [...namespaces].every((n) => n === 'data/' || n === 'shop/'), [...namespaces].join(' '));
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("a deployment's page charts the sum over its pods", async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}deployments?namespace=shop&sort=-cpu`);
      await page.locator('[data-testid="resource-table"] [data-testid="usage"]').first().waitFor({ timeout: 20_000 });
      await page.locator('[data-testid="resource-table"] tbody tr a').first().click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-cpu-plot"]')?.getAttribute('data-points') ?? 0) >= 2, null, { timeout: 30_000 });
      assert.ok((await accentPixels(page, 'chart-cpu-plot')) > 30, 'the CPU usage line is drawn');
      assert.match((await page.getByTestId('metrics-current').textContent()) ?? '', /requests/);

      // Its namespace's page: the namespace's total and its busiest pods.
      await page.goto(`${server.url}namespaces/shop`);
      await page.locator('[data-testid="metrics-top-pods"] tbody tr a').first().waitFor({ timeout: 20_000 });
      await page.locator('[data-testid="chart-memory-plot"] canvas').waitFor({ timeout: 20_000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the pod chart reads in Chinese', async () => {
    const pod = await busyPod(server.url);
    const { context, page, problems } = await openPage(browser, { locale: 'zh-CN' });
    try {
      await page.goto(`${server.url}pods/${pod.namespace}/${pod.name}`);
      await page.locator('[data-testid="chart-cpu-plot"] canvas').waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('[data-testid="metrics"] .section__title').textContent(), 'CPU 和内存');
      const legend = (await page.locator('[data-testid="chart-cpu-plot"] .u-legend').textContent()) ?? '';
      assert.match(legend, /时间/);
      assert.match(legend, /用量|Pod 合计/);
      await screenshot(page, 'metrics-pod-chart-zh-CN');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('metrics without metrics-server', () => {
  let sim;
  let server;
  let browser;

  before(async () => {
    sim = await startSim('demo', ['--without-metrics-server']);
    server = await startWheelhouse({ cluster: ['--kubeconfig', sim.kubeconfig, '--metrics-interval', '1s'] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await sim?.stop();
  });

  test('the overview and a pod say metrics-server is not installed and how to install it', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      const notice = page.locator('[data-testid="cluster-metrics"] [data-testid="metrics-state"]');
      await notice.waitFor({ timeout: 20_000 });
      assert.equal(await notice.getAttribute('data-state'), 'notInstalled');
      const text = (await notice.textContent()) ?? '';
      assert.match(text, /metrics-server is not installed/);
      assert.match(text, /How to fix it:.*metrics-server/);
      assert.equal(await page.getByTestId('cluster-cpu-usage').count(), 0);
      await screenshot(page, 'metrics-not-installed');

      await page.goto(`${server.url}pods`);
      await page.locator('[data-testid="resource-table"] tbody tr').first().waitFor({ timeout: 20_000 });
      const dash = page.locator('[data-testid="resource-table"] [data-testid="usage-none"]').first();
      await dash.waitFor();
      assert.match((await dash.getAttribute('title')) ?? '', /No usage sample/);
      await page.locator('[data-testid="resource-table"] tbody tr a').first().click();
      const podNotice = page.locator('[data-testid="metrics"] [data-testid="metrics-state"]');
      await podNotice.waitFor({ timeout: 20_000 });
      assert.equal(await podNotice.getAttribute('data-state'), 'notInstalled');
      assert.equal(await page.locator('[data-testid="chart-cpu-plot"]').count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('metrics with Prometheus for the longer ranges', () => {
  const binary = prometheusBinary();
  let sim;
  let prometheus;
  let server;
  let browser;

  before(async () => {
    if (!binary) return;
    sim = await startSim('demo');
    const address = /server: https?:\/\/(\S+)/.exec(readFileSync(sim.kubeconfig, 'utf8'))?.[1];
    assert.ok(address, 'the sim kubeconfig names its server');
    prometheus = await startPrometheus(binary, address);
    // Thirty seconds of history: every range from 15 minutes up is Prometheus's.
    server = await startWheelhouse({
      cluster: ['--kubeconfig', sim.kubeconfig, '--metrics-interval', '1s', '--metrics-retention', '30s', '--prometheus-url', prometheus.url],
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await prometheus?.stop();
    await sim?.stop();
  });

  test("the range picker offers Prometheus's ranges, and a pod's chart draws from it", { skip: !binary && 'no prometheus (set WHEELHOUSE_PROMETHEUS)' }, async () => {
    const pod = await busyPod(server.url);
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${server.url}pods/${pod.namespace}/${pod.name}`);
      await page.getByTestId('metrics-ranges').waitFor({ timeout: 20_000 });
      // The ranges come from /status once Prometheus has answered its first check.
      await page.locator('[data-testid="metrics-ranges"] [data-range="7d"]').waitFor({ timeout: 20_000 });
      const offered = await page.locator('[data-testid="metrics-ranges"] button').evaluateAll((buttons) => buttons.map((b) => b.dataset.range));
      assert.deepEqual(offered, ['30s', '15m', '1h', '6h', '24h', '7d']);

      await page.locator('[data-testid="metrics-ranges"] [data-range="15m"]').click();
      await page.waitForURL(/range=15m/);
      // Prometheus scrapes the sim every second, from its start: its 3 s points fill in as we
      // watch (the chart refetches every scrape interval), and the usage line appears.
      const deadline = Date.now() + 45_000;
      let drawn = 0;
      while (Date.now() < deadline && drawn <= 30) {
        await page.waitForTimeout(1000);
        drawn = await accentPixels(page, 'chart-cpu-plot');
      }
      await screenshot(page, 'metrics-prometheus-range');
      assert.ok(drawn > 30, 'the CPU usage line is drawn from Prometheus');
      const note = (await page.getByTestId('metrics-source').textContent()) ?? '';
      assert.match(note, /Source: Prometheus, one point every 3 s/);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

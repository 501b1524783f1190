// Figures, not pass/fail timings: the pod list and the overview in Chromium with a cluster of
// PODS pods (150,000 by default, on 5,000 nodes in 100 namespaces), against the release console.
// Run by `cargo xtask bench browser`, which builds the binary and passes WHEELHOUSE_BIN.
//
// Each figure is the time from the navigation (or the click) to the rows on screen, as Playwright
// sees it (its own round trips included; the browser's start-up is not). Paging also records the
// long tasks (> 50 ms on the main thread) the page ran meanwhile: jank.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SCREENSHOTS, launchBrowser, openPage, screenshot, startWheelhouse } from '../e2e/support/harness.mjs';
import { startSim } from '../e2e/support/sim.mjs';

const PODS = Number(process.env.BENCH_PODS || 150_000);
const NODES = Number(process.env.BENCH_NODES || 5_000);
const NAMESPACES = Number(process.env.BENCH_NAMESPACES || 100);
const RUNS = 5;
const PAGES = 10;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function ms(value) {
  return `${value.toFixed(0)} ms`;
}

/** Waits until `selector` matches an element. */
async function until(page, selector, timeout = 60_000) {
  await page.locator(selector).first().waitFor({ timeout });
}

async function timed(page, navigate, selector) {
  const start = Date.now();
  await navigate();
  await until(page, selector);
  return Date.now() - start;
}

async function main() {
  const scenario = `scale:${PODS},nodes=${NODES},namespaces=${NAMESPACES}`;
  console.log(`# ${scenario}: the sim, the release console (${process.env.WHEELHOUSE_BIN}) and Chromium on one machine`);
  const loading = Date.now();
  const sim = await startSim(scenario);
  const server = await startWheelhouse({ cluster: ['--kubeconfig', sim.kubeconfig], env: { ...process.env, RUST_LOG: 'warn' } });
  const browser = await launchBrowser();
  const figures = { scenario, pods: {}, paging: {}, overview: {} };
  try {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 1600, height: 1000 } });
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    const rows = '[data-testid="resource-table"] tbody tr';
    // The first visit starts the caches (their list is the console's cost, in list_bench).
    await page.goto(`${server.url}pods`);
    await until(page, rows, 300_000);
    console.log(`sim loaded and the pod cache synced: ${((Date.now() - loading) / 1000).toFixed(1)} s`);
    const total = Number(await page.getByTestId('resource-total').textContent());
    figures.pods.total = total;

    for (const pageSize of [50, 500]) {
      const times = [];
      for (let i = 0; i < RUNS; i += 1) {
        times.push(
          await timed(
            page,
            () => page.goto(`${server.url}pods?sort=-creationTimestamp&pageSize=${pageSize}`),
            // A page of 50 rows is drawn whole; of 500, the rows near the screen (the rest when
            // scrolled to), so its first screen is what the person sees.
            pageSize > 100 ? `${rows}[aria-rowindex="2"]` : `${rows}:nth-child(${pageSize})`,
          ),
        );
      }
      figures.pods[`firstPage${pageSize}`] = times;
    }

    // Paging: Next ten times, 500 rows a page, each until the range says the new page.
    await page.goto(`${server.url}pods?sort=name&pageSize=500`);
    await until(page, `${rows}[aria-rowindex="2"]`);
    await page.evaluate(() => {
      window.__longTasks = [];
    });
    const next = page.getByTestId('pager').getByRole('button', { name: 'Next' });
    const pageTimes = [];
    for (let p = 2; p <= PAGES + 1; p += 1) {
      const start = Date.now();
      await next.click();
      await page.getByTestId('pager-page').filter({ hasText: `Page ${p} of` }).waitFor();
      await until(page, `${rows}[aria-rowindex="2"]`);
      pageTimes.push(Date.now() - start);
    }
    const longTasks = await page.evaluate(() => window.__longTasks);
    // Scrolling through the last page from top to bottom, a screen at a time, until its 500th
    // row is drawn: the long tasks meanwhile.
    await page.evaluate(() => {
      window.__longTasks = [];
    });
    const scrollStart = Date.now();
    for (let y = 0; y <= 20_000; y += 1_000) {
      await page.evaluate((top) => window.scrollTo(0, top), y);
      await page.waitForTimeout(50);
    }
    await until(page, `${rows}[aria-rowindex="501"]`);
    const scrolling = { ms: Date.now() - scrollStart, longTasks: await page.evaluate(() => window.__longTasks) };
    await page.evaluate(() => window.scrollTo(0, 0));
    figures.paging = { pageSize: 500, times: pageTimes, longTasks, scrolling };
    // The visible part only: a full page of 500 rows is too tall to read.
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `bench-pods-${PODS}.png`) });

    const overviewTimes = [];
    for (let i = 0; i < RUNS; i += 1) {
      overviewTimes.push(await timed(page, () => page.goto(server.url), '[data-testid="section-nodes"] tbody tr'));
    }
    figures.overview = { times: overviewTimes, nodesNote: await page.getByTestId('nodes-cut').textContent() };
    await screenshot(page, `bench-overview-${PODS}`);
    figures.consoleProblems = problems;
    await context.close();
  } finally {
    await browser.close();
    await server.stop();
    await sim.stop();
  }

  const path = join(dirname(SCREENSHOTS), 'figures', `browser-${PODS}-pods.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(figures, null, 2)}\n`);
  const worst = Math.max(0, ...figures.paging.longTasks);
  console.log('| measure | median | all runs |');
  console.log('| --- | ---: | --- |');
  console.log(`| pod list, first page of 50 rows (${figures.pods.total} pods) | ${ms(median(figures.pods.firstPage50))} | ${figures.pods.firstPage50.join(', ')} |`);
  console.log(`| pod list, first page of 500 rows | ${ms(median(figures.pods.firstPage500))} | ${figures.pods.firstPage500.join(', ')} |`);
  console.log(`| Next page, 500 rows (${PAGES} pages) | ${ms(median(figures.paging.times))} | ${figures.paging.times.join(', ')} |`);
  console.log(`| long tasks while paging | ${figures.paging.longTasks.length}, longest ${ms(worst)} | |`);
  const scrolled = figures.paging.scrolling.longTasks;
  console.log(`| long tasks while scrolling a 500-row page to its end | ${scrolled.length}, longest ${ms(Math.max(0, ...scrolled))} | |`);
  console.log(`| overview, to its nodes listed | ${ms(median(figures.overview.times))} | ${figures.overview.times.join(', ')} |`);
  console.log(`figures written to ${path}; screenshots in ${SCREENSHOTS}`);
  if (figures.consoleProblems.length > 0) {
    console.log(`the page logged problems: ${JSON.stringify(figures.consoleProblems)}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

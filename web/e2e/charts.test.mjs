// What the metrics charts draw, read from the canvas (issue #18): the demo's crash-looping
// `checkout` pod runs 6 s between back-offs of 10 s and more, and with a scrape every 7 s each run
// holds at most one sample — every sample is alone between gaps. The chart must draw each as a
// point, draw no line across the gaps, show no value in the legend while the newest sample is
// missing and the newest value when there is one, in the light and the dark theme's colours.
// The answers are the console's own (its history of the sim's metrics), held still with a route
// so that what is on the canvas and what is asserted are the same data.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPage, screenshot, withDemoConsole } from './support/harness.mjs';

const LIGHT_ACCENT = '#2459d6';
const DARK_ACCENT = '#7fa6ff';

/** The checkout pod's name and its metrics answers, waited for until one ends in a gap and one in a sample. */
async function checkoutAnswers(url, timeoutMs = 150_000) {
  const pods = await (await fetch(new URL('api/v1/resources/core/v1/pods?namespace=shop&pageSize=500', url))).json();
  const pod = pods.items.find((p) => p.name.startsWith('checkout-'));
  assert.ok(pod, 'the demo has a checkout pod');
  const path = `api/v1/metrics/pods/shop/${pod.name}`;
  const deadline = Date.now() + timeoutMs;
  let endsInGap = null;
  let endsInSample = null;
  while (Date.now() < deadline && !(endsInGap && endsInSample)) {
    const answer = await (await fetch(new URL(path, url))).json();
    const usage = answer.series?.cpu ?? [];
    const samples = usage.filter((v) => typeof v === 'number').length;
    // Two samples at least, so that a gap lies between them.
    if (samples >= 2) {
      if (usage.at(-1) === null) endsInGap ??= answer;
      else endsInSample ??= answer;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(endsInGap && endsInSample, `within ${timeoutMs / 1000} s the checkout pod's history did not both end in a gap and in a sample`);
  return { name: pod.name, path, endsInGap, endsInSample };
}

/** Serves `answer` for the pod's metrics: the chart shows exactly it, however often it polls. */
async function holdAnswer(page, path, answer) {
  await page.unroute(`**/${path}*`);
  await page.route(`**/${path}*`, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answer) }));
}

/**
 * Pixels of `colour` on the CPU chart's canvas in a band around each time of `times` (seconds),
 * placed as uPlot places them: the plot area (`.u-over`) spans the first to the last timestamp.
 */
function pixelsAt(page, { times, first, last, colour, halfWidth }) {
  return page.evaluate(
    ({ times, first, last, colour, halfWidth }) => {
      const host = document.querySelector('[data-testid="chart-cpu-plot"]');
      const canvas = host.querySelector('canvas');
      const over = host.querySelector('.u-over').getBoundingClientRect();
      const box = canvas.getBoundingClientRect();
      const scale = canvas.width / box.width;
      const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(colour.slice(i, i + 2), 16));
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const top = Math.round((over.top - box.top) * scale);
      const bottom = Math.round((over.bottom - box.top) * scale);
      return times.map((t) => {
        const x = Math.round((over.left - box.left + ((t - first) / (last - first)) * over.width) * scale);
        let count = 0;
        for (let px = Math.max(0, x - Math.round(halfWidth * scale)); px <= Math.min(canvas.width - 1, x + Math.round(halfWidth * scale)); px += 1) {
          for (let py = top; py < bottom; py += 1) {
            const i = (py * canvas.width + px) * 4;
            if (data[i + 3] > 200 && Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24) count += 1;
          }
        }
        return count;
      });
    },
    { times, first, last, colour, halfWidth },
  );
}

/** The legend's text for the usage line (its value after the label). */
async function usageLegend(page) {
  const series = await page.locator('[data-testid="chart-cpu-plot"] .u-legend .u-series').allTextContents();
  const usage = series.find((s) => s.startsWith('Usage'));
  assert.ok(usage, `a usage entry in the legend: ${JSON.stringify(series)}`);
  return usage.replace(/^Usage/, '').trim();
}

/** Opens the pod's page on `answer` and waits until the chart has drawn it. */
async function showAnswer(page, url, checkout, answer) {
  await holdAnswer(page, checkout.path, answer);
  await page.goto(`${url}pods/shop/${checkout.name}`);
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="chart-cpu-plot"]')?.getAttribute('data-points') ?? 0) === n, answer.series.timestamps.length, { timeout: 30_000 });
  await page.locator('[data-testid="chart-cpu-plot"] canvas').waitFor();
  // The canvas is painted on the next frame.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

describe('what the metrics charts draw', () => {
  let server;
  let browser;
  withDemoConsole({ cluster: ['--demo', '--metrics-interval', '7s'] }, (started) => {
    ({ server, browser } = started);
  });

  test('samples alone between gaps are points with no line across the gaps; the legend says what is true now', async () => {
    const checkout = await checkoutAnswers(server.url);
    for (const { theme, accent, other } of [
      { theme: 'light', accent: LIGHT_ACCENT, other: DARK_ACCENT },
      { theme: 'dark', accent: DARK_ACCENT, other: LIGHT_ACCENT },
    ]) {
      const { context, page, problems } = await openPage(browser, { colorScheme: theme, viewport: { width: 1440, height: 1000 } });
      try {
        const answer = checkout.endsInGap;
        await showAnswer(page, server.url, checkout, answer);
        assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
        const { timestamps, cpu } = answer.series;
        const first = timestamps[0];
        const last = timestamps.at(-1);
        const sampled = timestamps.filter((_, i) => typeof cpu[i] === 'number');
        // Each sample is alone: no line can show it, a point must.
        const atSamples = await pixelsAt(page, { times: sampled, first, last, colour: accent, halfWidth: 3 });
        for (const [i, n] of atSamples.entries()) assert.ok(n > 4, `the sample at ${sampled[i]} is drawn as a point (${n} px of ${accent}): ${JSON.stringify(atSamples)}`);
        // Halfway between two samples lies a gap (a missing scrape): nothing is drawn there.
        const middles = sampled.slice(1).map((t, i) => (t + sampled[i]) / 2);
        const atGaps = await pixelsAt(page, { times: middles, first, last, colour: accent, halfWidth: 2 });
        assert.deepEqual(atGaps, middles.map(() => 0), 'no line is drawn across a gap');
        // The theme's own accent, not the other theme's (a point's anti-aliased rim may pass
        // near the other colour for a pixel or two; the point itself is this theme's).
        const wrong = await pixelsAt(page, { times: sampled, first, last, colour: other, halfWidth: 3 });
        for (const [i, n] of wrong.entries()) assert.ok(n * 4 < (atSamples[i] ?? 0), `the point at ${sampled[i]} is ${accent}, not ${other}: ${n} of ${atSamples[i]} px`);
        // The newest scrape found the container waiting: the legend shows no value.
        assert.equal(await usageLegend(page), '—');
        await screenshot(page, `chart-gaps-and-points-${theme}`);

        // Another answer, ending in a sample: the legend shows it, as the cursor on it does.
        await showAnswer(page, server.url, checkout, checkout.endsInSample);
        const away = await usageLegend(page);
        assert.notEqual(away, '—');
        assert.match(away, /\d/);
        const over = await page.locator('[data-testid="chart-cpu-plot"] .u-over').boundingBox();
        await page.mouse.move(over.x + over.width - 1, over.y + over.height / 2);
        await page.waitForFunction(() => document.querySelector('[data-testid="chart-cpu-plot"] .u-legend')?.textContent?.includes(':'));
        assert.equal(await usageLegend(page), away, 'the legend away from the chart is the newest sample');
        assert.deepEqual(problems.filter((p) => !p.includes('/api/')), []);
      } finally {
        await context.close();
      }
    }
  });
});

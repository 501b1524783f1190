// Runs a real Prometheus (Debian's `prometheus`, path in WHEELHOUSE_PROMETHEUS, installed by
// `cargo xtask test`) scraping the sim's cAdvisor-style series every second.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopProcess } from './harness.mjs';

/** The Prometheus binary, or null where there is none (an error under CI: nothing is skipped there). */
export function prometheusBinary() {
  const path = process.env.WHEELHOUSE_PROMETHEUS;
  if (path) return path;
  if (process.env.CI) throw new Error('WHEELHOUSE_PROMETHEUS is not set (`cargo xtask test` sets it)');
  return null;
}

/** Starts Prometheus scraping `target` (`host:port` of the sim) and waits until it is ready. */
export async function startPrometheus(binary, target) {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-e2e-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: cadvisor\n  metrics_path: /metrics/cadvisor\n  static_configs:\n  - targets: ['${target}']\n`,
  );
  const port = await freePort();
  const child = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${output}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus was not ready within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: () => stopProcess(child),
  };
}

// Runs `wheelhouse sim` (the simulated API server alone) for tests that need their own cluster:
// a restricted identity, or thousands of pods. Returns its kubeconfig and stop().
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess, WHEELHOUSE_BIN } from './harness.mjs';

const WRITTEN = /Kubeconfig written to (\S+)/;

/** `extraArgs` go to `wheelhouse sim` as they are (`['--without-metrics-server']`). */
export async function startSim(scenario = 'demo', extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-e2e-'));
  const kubeconfig = join(dir, 'admin.kubeconfig');
  const child = spawn(WHEELHOUSE_BIN, ['sim', '--scenario', scenario, '--kubeconfig-out', kubeconfig, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`wheelhouse sim did not start within 120 s:\n${output}`));
    }, 120_000);
    const onData = (chunk) => {
      output += chunk.toString();
      if (WRITTEN.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wheelhouse sim exited (${code}):\n${output}`));
    });
  });
  child.stdout.on('data', () => {});
  child.stderr.on('data', () => {});
  return {
    kubeconfig,
    /** A kubeconfig for another user of the sim's token table (`restricted`, `viewer`). */
    kubeconfigFor(user, namespace) {
      const text = readFileSync(kubeconfig, 'utf8')
        .replace(/token: admin-token/, `token: ${user}-token`)
        .replace(/namespace: default/, `namespace: ${namespace ?? 'default'}`)
        .replace(/user: admin$/m, `user: ${user}`)
        .replace(/- name: admin$/m, `- name: ${user}`);
      const path = join(dir, `${user}.kubeconfig`);
      writeFileSync(path, text, { mode: 0o600 });
      return path;
    },
    /** The sim's plain-HTTP address (`http://127.0.0.1:PORT`), for raw calls with a token. */
    url: readFileSync(kubeconfig, 'utf8').match(/server: https:\/\/(\S+)/)?.[1].replace(/^/, 'http://'),
    /** Freezes the API server (SIGSTOP): connections open, nothing answers, as a hung kube-apiserver. */
    pause: () => process.kill(child.pid, 'SIGSTOP'),
    /** Lets it answer again (SIGCONT). */
    resume: () => process.kill(child.pid, 'SIGCONT'),
    stop: () => stopProcess(child),
  };
}

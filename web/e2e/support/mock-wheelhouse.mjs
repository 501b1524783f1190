#!/usr/bin/env node
// A stand-in for `wheelhouse --demo` that serves web/dist and the skeleton API contract
// (docs/api-contract-skeleton.md) from fixed data. It takes the same flags and prints the same
// "listening" line, so the browser tests and `npm run dev`-style work can run without the Rust
// binary: `WHEELHOUSE_BIN=e2e/support/mock-wheelhouse.mjs npm run e2e`.
//
// MOCK_CLUSTER=disconnected makes the cluster unreachable (banner and 503s), for trying error pages.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

function flag(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

let basePath = flag('--base-path', '/');
if (!basePath.startsWith('/')) basePath = `/${basePath}`;
if (!basePath.endsWith('/')) basePath = `${basePath}/`;
const [host, port] = flag('--listen', '127.0.0.1:0').split(':');
const disconnected = process.env.MOCK_CLUSTER === 'disconnected';

const ago = (seconds) => new Date(Date.now() - seconds * 1000).toISOString();

function overview() {
  return {
    nodes: {
      total: 4,
      ready: 3,
      items: [
        { name: 'demo-control-plane', ready: true, roles: ['control-plane'], kubeletVersion: 'v1.36.0' },
        { name: 'demo-worker-1', ready: true, roles: [], kubeletVersion: 'v1.36.0' },
        { name: 'demo-worker-2', ready: true, roles: [], kubeletVersion: 'v1.36.0' },
        { name: 'demo-worker-3', ready: false, roles: [], kubeletVersion: 'v1.35.2' },
      ],
    },
    pods: {
      total: 42,
      problemsTotal: 4,
      byPhase: { Running: 35, Pending: 3, Succeeded: 2, Failed: 1, Unknown: 1 },
      problems: [
        { namespace: 'shop', name: 'checkout-7d9c6b5f4-x2kqp', reason: 'CrashLoopBackOff' },
        { namespace: 'shop', name: 'payments-5f6d8c7b9-7hd2m', reason: 'ImagePullBackOff' },
        { namespace: 'data', name: 'etl-nightly-28913520-qvx7c', reason: 'Error' },
        { namespace: 'monitoring', name: 'prometheus-0', reason: 'Unschedulable' },
      ],
    },
    namespaces: [
      { name: 'default', phase: 'Active', pods: 2 },
      { name: 'kube-system', phase: 'Active', pods: 14 },
      { name: 'shop', phase: 'Active', pods: 12 },
      { name: 'data', phase: 'Active', pods: 6 },
      { name: 'monitoring', phase: 'Active', pods: 8 },
      { name: 'old-team', phase: 'Terminating', pods: 0 },
    ],
    warnings: [
      { namespace: 'shop', object: { kind: 'Pod', name: 'checkout-7d9c6b5f4-x2kqp' }, reason: 'BackOff', message: 'Back-off restarting failed container checkout in pod checkout-7d9c6b5f4-x2kqp_shop(5b1c…)', count: 37, lastSeen: ago(25) },
      { namespace: 'shop', object: { kind: 'Pod', name: 'payments-5f6d8c7b9-7hd2m' }, reason: 'Failed', message: 'Failed to pull image "registry.example/payments:1.4.2": not found', count: 12, lastSeen: ago(95) },
      { namespace: 'monitoring', object: { kind: 'Pod', name: 'prometheus-0' }, reason: 'FailedScheduling', message: '0/4 nodes are available: 1 node(s) were unschedulable, 3 Insufficient memory.', count: 8, lastSeen: ago(400) },
      { namespace: null, object: { kind: 'Node', name: 'demo-worker-3' }, reason: 'NodeNotReady', message: 'Node demo-worker-3 status is now: NodeNotReady', count: 1, lastSeen: ago(3 * 3600) },
    ],
    generatedAt: ago(0),
  };
}

function cluster() {
  return {
    name: 'wheelhouse-demo',
    server: 'http://127.0.0.1:6443',
    serverVersion: disconnected ? null : 'v1.36.0',
    demo: true,
    connected: !disconnected,
    error: disconnected ? { reason: 'ClusterUnreachable', message: 'connection refused by 127.0.0.1:6443: is the API server running?' } : null,
    lastCheck: ago(2),
  };
}

function negotiate(acceptLanguage) {
  const tags = (acceptLanguage ?? '').split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  for (const tag of tags) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.html': 'text/html' };

function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (!url.pathname.startsWith(basePath)) {
    json(res, 404, { error: { code: 404, reason: 'NotFound', message: `Wheelhouse is served under ${basePath}`, details: null } });
    return;
  }
  const path = url.pathname.slice(basePath.length);
  if (path === 'healthz') {
    res.end('ok');
    return;
  }
  if (path === 'api/v1/cluster') return json(res, 200, cluster());
  if (path === 'api/v1/version') return json(res, 200, { version: '0.1.0-mock', gitCommit: 'mock', buildTime: ago(0), cluster: null });
  if (path === 'api/v1/overview') {
    if (disconnected) {
      return json(res, 503, { error: { code: 503, reason: 'ClusterUnreachable', message: 'The cluster at http://127.0.0.1:6443 does not answer; Wheelhouse keeps retrying.', details: null } });
    }
    return json(res, 200, overview());
  }
  if (path.startsWith('api/')) {
    return json(res, 404, { error: { code: 404, reason: 'NotFound', message: `no API at ${path}`, details: null } });
  }
  if (path.startsWith('assets/') || path === 'favicon.svg') {
    try {
      const file = normalize(join(dist, path));
      if (!file.startsWith(dist)) throw new Error('outside dist');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      json(res, 404, { error: { code: 404, reason: 'NotFound', message: `no asset ${path}`, details: null } });
    }
    return;
  }
  const html = await readFile(join(dist, 'index.html'), 'utf8');
  const config = { basePath, locale: negotiate(req.headers['accept-language']), defaultLocale: 'en', locales: ['en', 'zh-CN'], version: '0.1.0-mock' };
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
  res.end(
    html.replace(
      '<!--wheelhouse-config-->',
      `<base href="${basePath}"><script id="wheelhouse-config" type="application/json">${JSON.stringify(config)}</script>`,
    ),
  );
});

server.listen(Number(port), host, () => {
  const address = server.address();
  console.log(`Wheelhouse is listening on http://${host}:${address.port}${basePath} (mock)`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}

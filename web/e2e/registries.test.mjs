// Browser tests of the image registries against `wheelhouse --demo` and the real Debian
// docker-registry: add a registry → its repositories → a repository's tags → a multi-arch tag
// (platforms, config, layers) → what runs it → deploy it (YAML, dry run, apply) → delete a tag.
// The images are built and pushed by the test itself through the distribution API.
//
// docker-registry comes from WHEELHOUSE_DOCKER_REGISTRY, else /usr/bin/docker-registry; without
// it the suite fails under CI and is skipped elsewhere with the reason.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, openPage, screenshot as fullScreenshot, withDemoConsole } from './support/harness.mjs';

const REGISTRY_BIN = process.env.WHEELHOUSE_DOCKER_REGISTRY || '/usr/bin/docker-registry';
const HAVE_REGISTRY = existsSync(REGISTRY_BIN);
if (!HAVE_REGISTRY && process.env.CI) throw new Error(`no docker-registry at ${REGISTRY_BIN} (required under CI)`);

async function screenshot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return fullScreenshot(page, name);
}

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Pushes blobs and manifests to the registry at `base` (no login). */
async function pushBlob(base, name, bytes) {
  const digest = sha256(bytes);
  const started = await fetch(`${base}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  assert.equal(started.status, 202);
  const location = new URL(started.headers.get('location'), base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 201, await put.text());
  return { digest, size: bytes.length };
}

async function pushManifest(base, name, reference, mediaType, body) {
  const bytes = Buffer.from(JSON.stringify(body));
  // Without a tag, by its digest (as the platforms of a multi-arch image are pushed).
  const put = await fetch(`${base}/v2/${name}/manifests/${reference ?? sha256(bytes)}`, { method: 'PUT', body: bytes, headers: { 'content-type': mediaType } });
  assert.equal(put.status, 201, await put.text());
  return { digest: sha256(bytes), size: bytes.length };
}

/** An image for `arch`, tagged `tag` (or only by its digest when `tag` is null). */
async function pushImage(base, name, tag, arch) {
  const config = Buffer.from(JSON.stringify({
    created: '2026-12-01T10:00:00Z', os: 'linux', architecture: arch,
    config: { Entrypoint: ['/bin/shop'], Env: ['PORT=8080'], ExposedPorts: { '8080/tcp': {} }, User: '1000', Labels: { 'org.opencontainers.image.title': 'shop' } },
    rootfs: { type: 'layers', diff_ids: [] },
  }));
  const c = await pushBlob(base, name, config);
  const layers = [];
  for (const size of [4096, 20480]) {
    const l = await pushBlob(base, name, Buffer.alloc(size, `${tag ?? 'untagged'}-${arch}-${size}`));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size });
  }
  return pushManifest(base, name, tag, 'application/vnd.oci.image.manifest.v1+json', {
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: c.digest, size: c.size }, layers,
  });
}

async function pushIndex(base, name, tag) {
  const manifests = [];
  for (const arch of ['amd64', 'arm64']) {
    const m = await pushImage(base, name, null, arch);
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.size, platform: { os: 'linux', architecture: arch } });
  }
  return pushManifest(base, name, tag, 'application/vnd.oci.image.index.v1+json', {
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests,
  });
}

describe('image registries', { skip: HAVE_REGISTRY ? false : `no docker-registry at ${REGISTRY_BIN}` }, () => {
  let server;
  let browser;
  let registry;
  let address;
  let dir;
  withDemoConsole({}, (ready) => {
    ({ server, browser } = ready);
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wheelhouse-registry-'));
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    writeFileSync(join(dir, 'config.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${address}\n`);
    registry = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: 'ignore', env: { ...process.env, REGISTRY_STORAGE_DELETE_ENABLED: 'true' } });
    const base = `http://${address}`;
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${base}/v2/`)).ok) break;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const tag of ['1.0', '1.1', '1.2']) await pushImage(base, 'shop/web', tag, 'amd64');
    const index = await pushIndex(base, 'shop/web', '2.0');
    await pushImage(base, 'tools/debug', '0.1', 'amd64');
    // A workload of the demo cluster runs shop/web:2.0.
    const yaml = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-v2\n  namespace: shop\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web-v2}\n  template:\n    metadata:\n      labels: {app: web-v2}\n    spec:\n      containers:\n        - name: web\n          image: ${address}/shop/web:2.0@${index.digest}\n`;
    const applied = await fetch(new URL('api/v1/apply', server.url), { method: 'POST', body: yaml, headers: { 'content-type': 'application/yaml' } });
    assert.equal(applied.status, 200, await applied.text());
  });

  after(() => {
    registry?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('registry → repository → tag → what runs it → deploy, then a tag deleted', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(new URL('registries', server.url).toString());
      await page.getByTestId('registry-name').fill('local');
      await page.getByTestId('registry-url').fill(`http://${address}`);
      await page.getByTestId('registry-plain-http').check();
      await page.getByTestId('registry-add-submit').click();
      const row = page.locator('[data-testid="registry-row"][data-registry="local"]');
      await row.waitFor();
      await screenshot(page, 'registries-list');

      await row.getByRole('link', { name: 'local' }).click();
      await page.locator('[data-testid="repository-row"][data-repository="tools/debug"]').waitFor();
      assert.deepEqual(await page.locator('[data-testid="repository-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.repository)), ['shop/web', 'tools/debug']);
      await screenshot(page, 'registries-repositories');

      await page.getByRole('link', { name: 'shop/web' }).click();
      await page.locator('[data-testid="tag-row"][data-tag="2.0"]').waitFor();
      const tags = await page.locator('[data-testid="tag-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.tag));
      assert.deepEqual(tags.slice(0, 4), ['2.0', '1.2', '1.1', '1.0'], 'newest first');
      await page.getByTestId('tag-filter').fill('1.');
      await page.locator('[data-testid="tag-row"][data-tag="2.0"]').waitFor({ state: 'detached' });
      assert.equal(await page.getByTestId('tag-range').innerText(), '1–3 of 3');
      await page.getByTestId('tag-filter').fill('');
      await page.locator('[data-testid="tag-row"][data-tag="2.0"]').waitFor();
      await screenshot(page, 'registries-tags');

      await page.locator('[data-testid="tag-row"][data-tag="2.0"]').getByRole('link', { name: '2.0' }).click();
      await page.getByTestId('image-summary').waitFor();
      assert.deepEqual(await page.getByTestId('image-platform').locator('option').allInnerTexts(), ['linux/amd64', 'linux/arm64']);
      assert.equal(await page.getByTestId('image-ports').innerText(), '8080/tcp');
      await page.getByTestId('image-platform').selectOption('linux/arm64');
      await page.waitForURL(/platform=linux%2Farm64|platform=linux\/arm64/);
      const usage = page.locator('[data-testid="usage-row"][data-name="web-v2"]');
      await usage.waitFor({ timeout: 20_000 });
      assert.equal(await usage.getAttribute('data-match'), 'tag');
      await screenshot(page, 'registries-image-what-runs-it');

      // From the workload to its image: the tag still points at the digest its pod runs.
      await usage.getByRole('link').click();
      const image = page.getByTestId('workload-image');
      await image.waitFor({ timeout: 20_000 });
      await page.getByTestId('workload-images').getByText('up to date').waitFor({ timeout: 20_000 });
      assert.equal(await image.getAttribute('data-newer'), 'false');
      await page.getByTestId('workload-images').scrollIntoViewIfNeeded();
      await fullScreenshot(page, 'registries-workload-images');
      await page.goBack();
      await page.getByTestId('image-deploy').click();
      await page.getByTestId('deploy-form').waitFor();
      assert.equal(await page.getByTestId('deploy-name').inputValue(), 'web');
      await page.getByTestId('deploy-name').fill('web-from-registry');
      await page.getByTestId('deploy-namespace').fill('shop');
      await page.getByTestId('deploy-port').fill('8080');
      await page.getByTestId('deploy-service').check();
      await page.getByTestId('deploy-preview').click();
      const yaml = await page.getByTestId('deploy-yaml').innerText();
      assert.match(yaml, /kind: Service/);
      assert.match(yaml, new RegExp(`image: ${address.replace(/\./g, '\\.')}/shop/web:2\\.0`));
      assert.equal(await page.getByTestId('deploy-apply').isDisabled(), true, 'applying waits for the dry run');
      await page.getByTestId('deploy-dry-run-button').click();
      await page.getByTestId('deploy-dry-run').waitFor();
      await page.getByTestId('deploy-apply').click();
      await page.getByTestId('deploy-applied').waitFor();
      await screenshot(page, 'registries-deploy');
      const created = await fetch(new URL('api/v1/resources/apps/v1/deployments/web-from-registry?namespace=shop', server.url));
      assert.equal(created.status, 200, 'the Deployment exists');

      await page.goto(new URL(`registries/local/image?repository=shop%2Fweb&reference=1.0`, server.url).toString());
      await page.getByTestId('tag-delete').click();
      await page.getByTestId('tag-delete-yes').click();
      await page.getByTestId('tags-page').waitFor();
      await page.locator('[data-testid="tag-row"][data-tag="1.1"]').waitFor();
      assert.equal(await page.locator('[data-testid="tag-row"][data-tag="1.0"]').count(), 0, 'the deleted tag is gone');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the pages are in Chinese', async () => {
    const { context, page } = await openPage(browser, { locale: 'zh-CN' });
    try {
      await page.goto(new URL('registries/local/tags?repository=shop%2Fweb', server.url).toString());
      await page.getByText('标签从新到旧排列：按镜像的创建时间，否则按版本。').waitFor();
      await screenshot(page, 'registries-tags-zh');
    } finally {
      await context.close();
    }
  });
});

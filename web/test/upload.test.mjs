// Drives the upload page (web/static/upload.html) in headless Chromium
// against the real server over a temporary data directory: organisations
// and users made with `plantile admin`, a wrong password refused, a sign-in,
// GeoJSON uploads followed to "succeeded" through the job endpoint, a bad
// file's reasons listed, a rollback, sign-out, and a user of another
// organisation who sees no rollback button and whom the API refuses (403).
// The main flow runs at a phone's width.
//
// The server is `plantile serve --data DIR` built from this tree into
// test/out/ (PLANTILE_BIN to use another binary).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..');
const out = join(here, 'out');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'mật khẩu đủ dài 2026';
const LAYER = 'quy-hoach-thu';

let bin;
let base;
let server;
let serverLog = '';
let tmp;
let browser;
const problems = [];
const requests = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForServer(url, ms) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    if (server.exitCode !== null) break;
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = new Error(`HTTP ${res.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server at ${url} did not come up: ${last?.message}\n${serverLog}`);
}

function plantileBinary() {
  if (process.env.PLANTILE_BIN) return process.env.PLANTILE_BIN;
  mkdirSync(out, { recursive: true });
  // Its own name: node --test may run the viewer test's build at once.
  const path = join(out, 'plantile-upload');
  execFileSync('go', ['build', '-o', path, './cmd/plantile'], { cwd: repo, stdio: 'inherit' });
  return path;
}

function admin(data, args, input) {
  return execFileSync(bin, ['admin', '--data', data, ...args], { cwd: repo, input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

// A square of side d degrees at lon, lat: a valid polygon.
const square = (lon, lat, d) => [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]];
// A bow tie: a ring crossing itself, refused under upload_invalid=fail.
const bowtie = (lon, lat, d) => [[[lon, lat], [lon + d, lat + d], [lon + d, lat], [lon, lat + d], [lon, lat]]];

function geojson(polys) {
  return JSON.stringify({
    type: 'FeatureCollection',
    features: polys.map((coordinates, i) => ({
      type: 'Feature',
      properties: { ma: `O-${i + 1}`, ten: `Ô quy hoạch ${i + 1}` },
      geometry: { type: 'Polygon', coordinates },
    })),
  });
}

before(async () => {
  bin = plantileBinary();
  tmp = mkdtempSync(join(tmpdir(), 'plantile-upload-test-'));
  const data = join(tmp, 'data');
  admin(data, ['org', 'add', 'so-xay-dung', '--name', 'Sở Xây dựng', '--kind', 'department']);
  admin(data, ['org', 'add', 'xa-chieng-co', '--name', 'Xã Chiềng Cơi', '--kind', 'commune']);
  admin(data, ['user', 'add', 'lan', '--org', 'so-xay-dung', '--password-stdin'], `${PASSWORD}\n`);
  admin(data, ['user', 'add', 'minh', '--org', 'xa-chieng-co', '--password-stdin'], `${PASSWORD}\n`);
  const good1 = [square(103.90, 21.30, 0.01), square(103.92, 21.30, 0.01)];
  const good2 = [...good1, square(103.94, 21.30, 0.01)];
  writeFileSync(join(tmp, 'o-quy-hoach.geojson'), geojson(good1));
  writeFileSync(join(tmp, 'o-quy-hoach-2.geojson'), geojson(good2));
  writeFileSync(join(tmp, 'hong.geojson'), geojson([square(103.90, 21.30, 0.01), bowtie(103.92, 21.30, 0.01), bowtie(103.94, 21.30, 0.01)]));

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`], {
    cwd: repo,
    env: {
      ...process.env, PLANTILE_CACHE_DIR: join(tmp, 'cache'), PLANTILE_BASEMAP_URL: '',
      PLANTILE_UPLOAD_INVALID: 'fail', PLANTILE_DATA: data,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  await waitForServer(`${base}/healthz`, 60_000);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic', '--disable-default-apps'],
  });
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// open returns a page of the upload page in a context of its own (its own
// cookies), loaded and ready.
async function open(viewport) {
  const context = await browser.newContext({ viewport, locale: 'vi-VN' });
  const page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${base}/upload.html`);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

async function signIn(page, user, password) {
  await page.getByLabel('Tên đăng nhập').fill(user);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
}

// uploadFile uploads file to the chosen layer and waits for the job to end;
// it returns the final state shown and every job document the page read.
async function uploadFile(page, file, jobs) {
  await page.getByLabel('Tệp (shapefile nén .zip hoặc GeoJSON)').setInputFiles(join(tmp, file));
  await page.getByRole('button', { name: 'Tải lên', exact: true }).click();
  const line = page.locator('#job-state[data-state="succeeded"], #job-state[data-state="failed"]');
  await line.waitFor({ timeout: 120_000 });
  return { state: await line.getAttribute('data-state'), text: await line.textContent(), jobs };
}

function watchJobs(page) {
  const jobs = [];
  page.on('response', async (r) => {
    const path = new URL(r.url()).pathname;
    if ((r.request().method() === 'POST' && /^\/api\/layers\/[^/]+\/versions$/.test(path)) || path.startsWith('/api/jobs/')) {
      try { jobs.push({ status: r.status(), doc: await r.json() }); } catch { /* no body */ }
    }
  });
  return jobs;
}

test('the viewer links to the upload page', async () => {
  const html = await (await fetch(`${base}/`)).text();
  assert.match(html, /<a[^>]+href="upload\.html"[^>]*>Tải lên<\/a>/);
});

test('sign in, upload, follow the job, see reasons, roll back, sign out (phone width)', { timeout: 300_000 }, async () => {
  const page = await open({ width: 390, height: 844 });
  const jobs = watchJobs(page);
  assert.equal(await page.locator('#signin-section').isVisible(), true, 'the sign-in form shows first');

  await signIn(page, 'lan', 'sai mật khẩu rồi');
  await page.getByRole('alert').filter({ hasText: 'Sai tên đăng nhập hoặc mật khẩu.' }).waitFor();
  assert.equal(await page.locator('#work').isVisible(), false);

  await signIn(page, 'lan', PASSWORD);
  await page.locator('#who').filter({ hasText: 'Đã đăng nhập: lan (so-xay-dung)' }).waitFor();
  assert.equal(await page.getByLabel('Mật khẩu').inputValue(), '', 'the password field is cleared');

  // A new layer, with a title.
  await page.getByLabel('Lớp dữ liệu', { exact: true }).selectOption({ label: 'Lớp mới…' });
  await page.getByLabel('Mã lớp mới').fill(LAYER);
  await page.getByLabel('Tiêu đề').fill('Quy hoạch thử nghiệm');
  let r = await uploadFile(page, 'o-quy-hoach.geojson', jobs);
  assert.equal(r.state, 'succeeded', `first upload: ${r.text}\n${JSON.stringify(jobs)}\n${serverLog}`);
  assert.match(r.text, /Đã công bố phiên bản 1\./);
  const accepted = jobs.find((j) => j.status === 202);
  assert.ok(accepted, 'the upload was answered 202');
  const seen = jobs.map((j) => j.doc.state);
  assert.ok(seen.some((s) => s === 'queued' || s === 'running'), `progress before the end: ${seen}`);
  assert.equal(jobs.at(-1).doc.state, 'succeeded');
  assert.equal(await page.locator('#job-progress').evaluate((p) => p.value), 1);
  const layer = page.locator(`[data-layer="${LAYER}"]`);
  await layer.locator('tr[data-version="1"]').filter({ hasText: '(đang dùng)' }).waitFor();
  assert.match(await layer.locator('h3').textContent(), /Quy hoạch thử nghiệm/);
  assert.equal(await page.getByLabel('Lớp dữ liệu', { exact: true }).inputValue(), LAYER, 'the new layer is chosen for the next upload');

  // A second version, to roll back from.
  r = await uploadFile(page, 'o-quy-hoach-2.geojson', jobs);
  assert.equal(r.state, 'succeeded', r.text);
  assert.match(r.text, /phiên bản 2\./);
  await layer.locator('tr[data-version="2"]').filter({ hasText: '(đang dùng)' }).waitFor();

  // A bad file: refused, every reason listed, nothing published changed.
  r = await uploadFile(page, 'hong.geojson', jobs);
  assert.equal(r.state, 'failed', r.text);
  const reasons = await page.locator('#reasons tbody tr').evaluateAll((rows) => rows.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.ok(reasons.length >= 2, `reasons ${JSON.stringify(reasons)}`);
  for (const n of ['2', '3']) {
    assert.ok(reasons.some(([file, feature, cause]) => /hong/.test(file) && feature === n && cause.length > 0),
      `no reason for feature ${n}: ${JSON.stringify(reasons)}`);
  }
  await layer.locator('tr[data-version="2"]').filter({ hasText: '(đang dùng)' }).waitFor();

  // Phone width: nothing wider than the screen.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'the page scrolls sideways on a phone');

  // Roll back to version 1.
  await page.getByRole('button', { name: `Dùng lại phiên bản 1 của lớp ${LAYER}` }).click();
  await page.locator('#notice').filter({ hasText: `Lớp ${LAYER} đã quay về phiên bản 1.` }).waitFor();
  await layer.locator('tr[data-version="1"]').filter({ hasText: '(đang dùng)' }).waitFor();
  const served = await (await fetch(`${base}/tiles/${LAYER}.json`)).json();
  assert.match(served.tiles[0], /v1/, `TileJSON after rollback: ${served.tiles[0]}`);

  // English.
  await page.getByRole('button', { name: 'EN' }).click();
  await page.getByRole('heading', { name: 'Layers' }).waitFor();
  await page.getByRole('button', { name: `Roll layer ${LAYER} back to version 2` }).waitFor();
  await page.getByRole('button', { name: 'VI' }).click();

  // Sign out: the form again, and the cookie no longer works.
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await page.locator('#signin-section').waitFor({ state: 'visible' });
  const after = await page.evaluate(async () => (await fetch('/api/session')).status);
  assert.equal(after, 401);
  const cookies = await page.context().cookies();
  assert.equal(cookies.filter((c) => c.name.includes('plantile_session')).length, 0, `cookies after sign-out ${JSON.stringify(cookies)}`);
  await page.context().close();
});

test('a user of another organisation sees no rollback button and the API refuses', { timeout: 120_000 }, async () => {
  const page = await open({ width: 1280, height: 800 });
  await signIn(page, 'minh', PASSWORD);
  await page.locator('#who').filter({ hasText: 'minh (xa-chieng-co)' }).waitFor();
  const layer = page.locator(`[data-layer="${LAYER}"]`);
  await layer.waitFor();
  assert.match(await layer.textContent(), /so-xay-dung/);
  assert.equal(await layer.locator('button').count(), 0, 'rollback buttons on another organisation\'s layer');
  assert.equal(await page.locator('#layer-choice option', { hasText: LAYER }).count(), 0, 'another organisation\'s layer offered for upload');
  const answer = await page.evaluate(async (layer) => {
    const s = await (await fetch('/api/session')).json();
    const res = await fetch(`/api/layers/${layer}/rollback`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }, body: JSON.stringify({ version: 2 }),
    });
    const noToken = await fetch(`/api/layers/${layer}/rollback`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ version: 2 }),
    });
    return [res.status, res.headers.get('Content-Type'), noToken.status];
  }, LAYER);
  assert.deepEqual(answer, [403, 'application/problem+json', 403]);
  await page.context().close();
});

test('no errors in the page, no request leaves the server', () => {
  assert.deepEqual(problems, []);
  const origin = new URL(base).origin;
  assert.deepEqual(requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:')), []);
});

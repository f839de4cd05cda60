// Drives the web map in headless Chromium against the real server: the map
// renders, land use is painted in the palette's colours, Vietnamese labels
// are drawn from the server's glyphs, a click on a parcel opens its
// attributes, the layer switcher, zoom-to-layer and language toggle work,
// and no request leaves the server.
//
// The server is `plantile serve` built from this tree (go build into
// test/out/, PLANTILE_BIN to use another binary), listening on a free port
// on 127.0.0.1 with the bundled demo tilesets. PLANTILE_URL points the test
// at a server that is already running instead; PLANTILE_TILES=DIR serves
// the tilesets of DIR instead of the bundled demo; when the binary bundles
// no demo (tiles/*.mbtiles not built yet) the test builds the demo from
// testdata/sonla with `plantile build` into test/out/tiles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..');
const out = join(here, 'out');
const palette = JSON.parse(readFileSync(join(repo, 'styles', 'landuse.json'), 'utf8'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let base; // http://127.0.0.1:PORT
let server; // the child process, when the test started it
let serverLog = '';
let cacheDir;
let browser;
let page;
const requests = []; // every URL the page asked for
const responses = []; // {url, status}
const problems = []; // console errors and page errors

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
    if (server && server.exitCode !== null) break;
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

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

function plantileBinary() {
  if (process.env.PLANTILE_BIN) return process.env.PLANTILE_BIN;
  mkdirSync(out, { recursive: true });
  const bin = join(out, 'plantile');
  // Always rebuild: the Go build cache makes this quick when nothing
  // changed, and the test then never runs a stale viewer or server.
  execFileSync('go', ['build', '-o', bin, './cmd/plantile'], { cwd: repo, stdio: 'inherit' });
  return bin;
}

// demoTiles builds the Son La demo tileset, as the Makefile does, when the
// binary has none bundled, and returns the directory to serve (or null).
function demoTiles(bin) {
  if (process.env.PLANTILE_TILES) return process.env.PLANTILE_TILES;
  if (readdirSync(join(repo, 'tiles')).some((f) => f.endsWith('.mbtiles'))) return null;
  const dir = join(out, 'tiles');
  mkdirSync(dir, { recursive: true });
  const src = join(repo, 'testdata', 'sonla');
  const inputs = readdirSync(join(src, 'geojson')).filter((f) => f.endsWith('.geojson')).map((f) => join(src, 'geojson', f));
  inputs.push(join(src, 'boundaries', 'boundaries.geojson'));
  execFileSync(bin, ['build', ...inputs, '-o', join(dir, 'sonla.mbtiles'), '--name', 'Sơn La', '-q'], { cwd: repo, stdio: 'inherit' });
  return dir;
}

before(async () => {
  if (process.env.PLANTILE_URL) {
    base = process.env.PLANTILE_URL.replace(/\/$/, '');
  } else {
    const bin = plantileBinary();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    cacheDir = mkdtempSync(join(tmpdir(), 'plantile-viewer-test-'));
    const args = ['serve', '--listen', `127.0.0.1:${port}`];
    const tiles = demoTiles(bin);
    if (tiles) args.push('--tiles', tiles);
    server = spawn(bin, args, {
      cwd: repo,
      // PLANTILE_DATA: a plain serve publishes into the default data
      // directory; a test must never write to the real one.
      env: { ...process.env, PLANTILE_CACHE_DIR: cacheDir, PLANTILE_DATA: join(cacheDir, 'data'), PLANTILE_BASEMAP_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout.on('data', (d) => { serverLog += d; });
    server.stderr.on('data', (d) => { serverLog += d; });
  }
  await waitForServer(`${base}/styles/sonla.json`, 60_000);
  const list = await (await fetch(`${base}/tiles`)).json();
  if ((Array.isArray(list) ? list : list.tilesets ?? []).length === 0) {
    throw new Error(`${base} serves no tileset: build the demo tiles (make) or set PLANTILE_TILES=DIR\n${serverLog}`);
  }

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      // WebGL without a GPU: SwiftShader through ANGLE.
      '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic', '--disable-default-apps',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', (r) => responses.push({ url: r.url(), status: r.status() }));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${base}/`);
  await withTimeout(page.evaluate(() => window.plantileReady.then(() => true)), 180_000,
    'the web map did not load').catch((err) => { throw new Error(`${err.message}\n${problems.join('\n')}`); });
}, { timeout: 600_000 });

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

// idle resolves after the map has loaded every tile and glyph of the view.
function idle() {
  return page.evaluate(() => new Promise((resolve) => {
    if (window.map.loaded() && window.map.areTilesLoaded()) {
      window.map.once('idle', () => resolve(true));
      window.map.triggerRepaint();
    } else {
      window.map.once('idle', () => resolve(true));
    }
  }));
}

// pixels counts the pixels of the map canvas within tol of each colour.
function countPixels(colours, tol) {
  return page.evaluate(([colours, tol]) => new Promise((resolve) => {
    const map = window.map;
    map.once('render', () => {
      const gl = map.painter.context.gl;
      const { width, height } = gl.canvas;
      const px = new Uint8Array(width * height * 4);
      gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, px);
      const counts = colours.map(() => 0);
      for (let i = 0; i < px.length; i += 4) {
        colours.forEach(([r, g, b], k) => {
          if (Math.abs(px[i] - r) <= tol && Math.abs(px[i + 1] - g) <= tol && Math.abs(px[i + 2] - b) <= tol) counts[k]++;
        });
      }
      resolve(counts);
    });
    map.triggerRepaint();
  }), [colours, tol]);
}

const hex = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
// The colour a fill of opacity a over the background paints.
const over = (fg, bg, a) => fg.map((v, i) => Math.round(a * v + (1 - a) * bg[i]));

// landuseLayer finds, from the style, the fill layer coloured by land-use code.
async function landuseLayer() {
  return page.evaluate((field) => {
    const l = window.map.getStyle().layers.find((l) => l.type === 'fill' && JSON.stringify(l.paint?.['fill-color'] ?? '').includes(`"${field}"`));
    return l && { id: l.id, source: l.source, sourceLayer: l['source-layer'], opacity: l.paint['fill-opacity'] ?? 1 };
  }, palette.field);
}

// zoomToParcel fits the map to one land-use feature whose code is in the
// palette and returns its properties and its centre on screen.
async function zoomToParcel(layer) {
  const found = await page.evaluate(([layer, codes]) => {
    const map = window.map;
    const feats = map.querySourceFeatures(layer.source, { sourceLayer: layer.sourceLayer })
      .filter((f) => codes.includes(f.properties.ma_dat) && f.geometry.type === 'Polygon');
    if (feats.length === 0) return null;
    // The largest parcel: the easiest to click and to see.
    let best = null;
    for (const f of feats) {
      const ring = f.geometry.coordinates[0];
      const xs = ring.map((p) => p[0]); const ys = ring.map((p) => p[1]);
      const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      const size = (box[2] - box[0]) * (box[3] - box[1]);
      if (!best || size > best.size) best = { size, box, props: f.properties };
    }
    return best;
  }, [layer, palette.categories.map((c) => c.code)]);
  assert.ok(found, `no land-use feature in source ${layer.source}/${layer.sourceLayer} at the start view`);
  await page.evaluate((box) => window.map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 200, animate: false, maxZoom: 17 }), found.box);
  await idle();
  return found;
}

test('the map renders the style from the server', async () => {
  const info = await page.evaluate(() => ({
    layers: window.map.getStyle().layers.length,
    canvas: [window.map.getCanvas().width, window.map.getCanvas().height],
    webgl: !!window.map.painter.context.gl,
  }));
  assert.ok(info.layers > 5, `${info.layers} style layers`);
  assert.ok(info.webgl, 'no WebGL context');
  assert.deepEqual(problems, [], 'console or page errors');
});

test('land use is painted in the palette colours', async () => {
  const layer = await landuseLayer();
  assert.ok(layer, 'no land-use fill layer in the style');
  const parcel = await zoomToParcel(layer);
  const bg = hex(await page.evaluate(() => window.map.getPaintProperty('background', 'background-color') ?? '#000000').catch(() => '#000000'));
  const want = palette.categories.find((c) => c.code === parcel.props.ma_dat);
  const expected = over(hex(want.color), bg, layer.opacity);
  const [hits, fallbackHits] = await countPixels([expected, over(hex(palette.fallback.color), bg, layer.opacity)], 6);
  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, 'parcel.png') });
  // The parcel fills a good part of the 1280×800 view after fitBounds.
  assert.ok(hits > 5000, `only ${hits} pixels of ${want.code} ${want.color} (as ${expected})`);
  assert.ok(fallbackHits < hits, `more fallback-coloured pixels (${fallbackHits}) than ${want.code} (${hits})`);
});

test('a click on a parcel shows its attributes in Vietnamese', async () => {
  const layer = await landuseLayer();
  const parcel = await zoomToParcel(layer);
  const centre = await page.evaluate(() => {
    const r = window.map.getCanvas().getBoundingClientRect();
    return [r.left + r.width / 2, r.top + r.height / 2];
  });
  // The middle of the view is the middle of the parcel's box; check that
  // the map agrees it is the parcel before clicking.
  const under = await page.evaluate(([id]) => {
    const c = window.map.getCanvas();
    return window.map.queryRenderedFeatures([c.clientWidth / 2, c.clientHeight / 2], { layers: [id] }).map((f) => f.properties);
  }, [layer.id]);
  assert.ok(under.length > 0, 'no land-use feature under the centre');
  const props = under[0];
  await page.mouse.click(centre[0], centre[1]);
  const popup = page.locator('.maplibregl-popup .feature-popup');
  await popup.waitFor({ timeout: 10_000 });
  const text = await popup.innerText();
  const lu = palette.categories.find((c) => c.code === props.ma_dat);
  assert.ok(text.includes(props.ma_dat), `popup lacks the code ${props.ma_dat}:\n${text}`);
  assert.ok(text.includes(lu.vi), `popup lacks "${lu.vi}":\n${text}`);
  assert.ok(text.includes('Mã loại đất'), `popup lacks the Vietnamese field name:\n${text}`);
  for (const [k, v] of Object.entries(props)) {
    if (typeof v === 'string' && v) assert.ok(text.includes(v), `popup lacks ${k} = ${v}:\n${text}`);
  }
  await page.screenshot({ path: join(out, 'popup.png') });
  assert.ok(parcel.props.ma_dat, 'parcel without a code');
  // English: the same popup re-rendered.
  await page.click('#lang button[data-lang="en"]');
  try {
    // innerText is what is shown: the CSS capitalises the palette's names.
    const en = (await popup.innerText()).toLowerCase();
    assert.ok(en.includes(lu.en.toLowerCase()), `English popup lacks "${lu.en}":\n${en}`);
    assert.ok(en.includes('land-use code'), `English popup lacks the English field name:\n${en}`);
  } finally {
    await page.click('#lang button[data-lang="vi"]');
  }
  await page.keyboard.press('Escape');
  await page.click('.maplibregl-popup-close-button').catch(() => {});
});

test('a click at a low zoom shows the exact parcel under the point', async () => {
  // At z11-12 a tile pixel may be a square standing for many small parcels,
  // carrying one parcel's attributes: the popup must show the parcel that
  // is really at the point, as /query/point answers it.
  const layer = await landuseLayer();
  await zoomToParcel(layer);
  const hidden = await page.evaluate((keep) => {
    const map = window.map;
    const ids = map.getStyle().layers.filter((l) => l.source && l['source-layer'] !== keep && l.type !== 'background'
      && map.getLayoutProperty(l.id, 'visibility') !== 'none').map((l) => l.id);
    for (const id of ids) map.setLayoutProperty(id, 'visibility', 'none');
    return ids;
  }, layer.sourceLayer);
  try {
    // A point off the parcel's centre, inside a small neighbour more often
    // than not, seen at z11.5.
    const target = await page.evaluate(() => {
      const c = window.map.getCanvas();
      const p = window.map.unproject([c.clientWidth / 2 + 150, c.clientHeight / 2 + 90]);
      return [p.lng, p.lat];
    });
    await page.evaluate((c) => window.map.jumpTo({ center: c, zoom: 11.5 }), target);
    await idle();
    const at = await page.evaluate(() => {
      const c = window.map.getCanvas();
      const r = c.getBoundingClientRect();
      const ll = window.map.unproject([c.clientWidth / 2, c.clientHeight / 2]);
      const tile = window.map.queryRenderedFeatures([c.clientWidth / 2, c.clientHeight / 2]).find((f) => f.layer.type === 'fill');
      return { x: r.left + r.width / 2, y: r.top + r.height / 2, lon: ll.lng, lat: ll.lat, tile: tile?.properties ?? null, zoom: window.map.getZoom() };
    });
    assert.ok(at.zoom < 12.01 && at.zoom > 10.99, `zoom ${at.zoom}`);
    const res = await fetch(`${base}/query/point?lon=${at.lon}&lat=${at.lat}&layers=${layer.sourceLayer}`);
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('plantile-version'), 'no Plantile-Version header');
    const answer = await res.json();
    assert.equal(answer.features.length, 1, `${answer.features.length} parcels at ${at.lon},${at.lat}`);
    const exact = answer.features[0];
    await page.mouse.click(at.x, at.y);
    const popup = page.locator('.maplibregl-popup .feature-popup');
    await popup.waitFor({ timeout: 10_000 });
    const id = await popup.getAttribute('data-id');
    const text = await popup.innerText();
    assert.equal(id, String(exact.id), `popup shows feature ${id}, the parcel at the point is ${exact.id}`);
    for (const [k, v] of Object.entries(exact.properties)) {
      if (typeof v === 'string' && v) assert.ok(text.includes(v), `popup lacks ${k} = ${v}:\n${text}`);
    }
    // Field rows follow the layer's schema, as the server lists it.
    const rows = await popup.locator('tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.field));
    const schema = answer.layers[0].fields.map((f) => f.name).filter((n) => n in exact.properties);
    assert.deepEqual(rows, schema);
    if (at.tile && at.tile.ma_o !== exact.properties.ma_o) {
      console.log(`# the tile at z11.5 drew ${at.tile.ma_o}; the popup showed ${exact.properties.ma_o}, the parcel at the point`);
    }
    await page.screenshot({ path: join(out, 'popup-z11.png') });
    await page.click('.maplibregl-popup-close-button');
  } finally {
    await page.evaluate((ids) => { for (const id of ids) window.map.setLayoutProperty(id, 'visibility', 'visible'); }, hidden);
  }
});

test('a facility popup names its type through the style', async () => {
  // The circle layer coloured by a coded field, and the names of its codes,
  // both from the style as served.
  const info = await page.evaluate(() => {
    const style = window.map.getStyle();
    const values = style.metadata?.['plantile:values'] ?? {};
    for (const l of style.layers) {
      if (l.type !== 'circle') continue;
      const field = Object.keys(values).find((f) => JSON.stringify(l.paint?.['circle-color'] ?? '').includes(`"${f}"`));
      if (field) return { id: l.id, source: l.source, sourceLayer: l['source-layer'], field, names: values[field] };
    }
    return null;
  });
  assert.ok(info, 'no circle layer coloured by a field of plantile:values');
  await page.click('.tileset .zoom-to');
  await idle();
  const feature = await page.evaluate(([info]) => {
    const f = window.map.querySourceFeatures(info.source, { sourceLayer: info.sourceLayer })
      .find((f) => f.geometry.type === 'Point' && info.names[f.properties[info.field]]);
    return f && { coords: f.geometry.coordinates, props: f.properties };
  }, [info]);
  assert.ok(feature, `no ${info.sourceLayer} feature with a named ${info.field}`);
  await page.evaluate((c) => window.map.jumpTo({ center: c, zoom: 17 }), feature.coords);
  await idle();
  // Low-zoom tiles place points only to within tens of metres: click where
  // the circle is drawn now, the one nearest the centre.
  const hit = await page.evaluate(([info]) => {
    const map = window.map;
    const c = map.getCanvas();
    const mid = [c.clientWidth / 2, c.clientHeight / 2];
    let best = null;
    for (const f of map.queryRenderedFeatures({ layers: [info.id] })) {
      if (f.geometry.type !== 'Point' || !info.names[f.properties[info.field]]) continue;
      const p = map.project(f.geometry.coordinates);
      const d = Math.hypot(p.x - mid[0], p.y - mid[1]);
      if (!best || d < best.d) best = { d, x: p.x, y: p.y, props: f.properties };
    }
    const r = c.getBoundingClientRect();
    return best && { at: [r.left + best.x, r.top + best.y], props: best.props };
  }, [info]);
  assert.ok(hit, `no ${info.id} circle drawn near ${feature.coords}`);
  feature.props = hit.props;
  const at = hit.at;
  await page.mouse.click(at[0], at[1]);
  const popup = page.locator('.maplibregl-popup .feature-popup');
  await popup.waitFor({ timeout: 10_000 });
  const text = await popup.innerText();
  const code = feature.props[info.field];
  assert.ok(text.includes(info.names[code].vi), `popup lacks "${info.names[code].vi}" for ${info.field}=${code}:\n${text}`);
  if (feature.props.ten) assert.ok(text.includes(feature.props.ten), `popup lacks the name ${feature.props.ten}:\n${text}`);
  await page.screenshot({ path: join(out, 'facility.png') });
  await page.click('.maplibregl-popup-close-button');
});

test('Vietnamese labels are drawn from the server glyphs', async () => {
  // Back to the whole demo: district names are labelled there.
  await page.click('.tileset .zoom-to');
  await idle();
  const labels = await page.evaluate(() => {
    const symbolLayers = window.map.getStyle().layers.filter((l) => l.type === 'symbol').map((l) => l.id);
    return window.map.queryRenderedFeatures({ layers: symbolLayers })
      .map((f) => String(f.properties.ten ?? f.properties.ten_duong ?? f.properties.ma_dat ?? ''));
  });
  const vietnamese = labels.filter((s) => /[ăâđêôơưạ-ỹĐ]/u.test(s.normalize('NFC')));
  assert.ok(vietnamese.length > 0, `no label with Vietnamese letters among ${JSON.stringify(labels.slice(0, 20))}`);
  const glyphs = responses.filter((r) => new URL(r.url).pathname.startsWith('/fonts/'));
  assert.ok(glyphs.length > 0, 'no glyph request');
  for (const g of glyphs) assert.equal(g.status, 200, `${g.url}`);
  const ranges = new Set(glyphs.map((g) => decodeURIComponent(new URL(g.url).pathname).match(/(\d+-\d+)\.pbf$/)?.[1]));
  assert.ok(ranges.has('0-255'), `ranges ${[...ranges]}`);
  // ơ ư ă đ live in 256-511, ấ ầ ệ ỳ … in 7680-7935.
  assert.ok(ranges.has('256-511') || ranges.has('7680-7935'), `no Vietnamese range among ${[...ranges]}`);
  await page.screenshot({ path: join(out, 'overview.png') });
});

test('the layer switcher hides and shows a layer', async () => {
  const layer = await landuseLayer();
  const box = page.locator(`#tilesets input[data-source-layer="${layer.sourceLayer}"]`);
  assert.equal(await box.count(), 1, 'no checkbox for the land-use layer');
  await box.uncheck();
  assert.equal(await page.evaluate((id) => window.map.getLayoutProperty(id, 'visibility'), layer.id), 'none');
  await box.check();
  assert.equal(await page.evaluate((id) => window.map.getLayoutProperty(id, 'visibility'), layer.id), 'visible');
});

test('every tileset of /tiles is listed with its vector layers', async () => {
  const list = await (await fetch(`${base}/tiles`)).json();
  const items = Array.isArray(list) ? list : (list.tilesets ?? []);
  assert.ok(items.length > 0, '/tiles is empty');
  const shown = await page.$$eval('#tilesets .tileset', (els) => els.map((e) => e.dataset.tileset));
  for (const item of items) {
    const name = typeof item === 'string' ? item : (item.id ?? item.name);
    assert.ok(shown.includes(name), `tileset ${name} not in the panel (${shown})`);
  }
});

test('the panel gives QGIS its tile and style URLs', async () => {
  const name = await page.$eval('#tilesets .tileset', (e) => e.dataset.tileset);
  const tj = await (await fetch(`${base}/tiles/${encodeURIComponent(name)}.json`)).json();
  await page.click(`.tileset[data-tileset="${name}"] details.connect summary`);
  const tiles = await page.inputValue(`.tileset[data-tileset="${name}"] input[data-url="tiles"]`);
  const style = await page.inputValue(`.tileset[data-tileset="${name}"] input[data-url="style"]`);
  assert.equal(tiles, tj.tiles[0]);
  assert.match(tiles, /\{z\}\/\{x\}\/\{y\}/, 'QGIS needs the XYZ template');
  const res = await fetch(style);
  assert.equal(res.status, 200, style);
  assert.equal((await res.json()).version, 8);
});

test('the legend and the interface switch to English', async () => {
  const vi = await page.locator('#legend').innerText();
  assert.ok(vi.includes(palette.categories[0].vi), 'Vietnamese legend');
  await page.click('#lang button[data-lang="en"]');
  assert.equal(await page.locator('h1').innerText(), 'Son La provincial planning map');
  const en = (await page.locator('#legend').innerText()).toLowerCase();
  assert.ok(en.includes(palette.categories[0].en.toLowerCase()), `English legend: ${en.slice(0, 200)}`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.click('#lang button[data-lang="vi"]');
  assert.equal(await page.locator('h1').innerText(), 'Bản đồ quy hoạch tỉnh Sơn La');
});

test('the view is kept in the URL hash', async () => {
  await page.evaluate(() => window.map.jumpTo({ center: [103.9, 21.3], zoom: 12 }));
  await page.waitForFunction(() => location.hash.startsWith('#12/'));
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /^#12\/21\.3\d*\/103\.9\d*/);
});

// Measured, not asserted: how long a planner waits and how much the map
// downloads when opening Son La city at an overview zoom (z12, land use
// drawn as zones) and at a detail zoom (z15, parcel by parcel), each in a
// fresh browser context (an empty cache). The figures are printed and
// written to test/out/weight.json for the README; the test fails only if
// the map never settles or fetches no tile.
test('opening the map at z12 and z15: time to the first idle and bytes fetched', async () => {
  const figures = {};
  for (const zoom of [12, 15]) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const p = await ctx.newPage();
    const done = []; // sizes of every finished request, tiles fetched by the workers included
    p.on('requestfinished', (r) => done.push(r.sizes().then((z) => ({ url: r.url(), body: z.responseBodySize, all: z.responseBodySize + z.responseHeadersSize }))));
    const t0 = Date.now();
    await p.goto(`${base}/#${zoom}/21.3256/103.9188`);
    await withTimeout(p.evaluate(() => window.plantileReady.then(() => new Promise((resolve) => {
      if (window.map.loaded() && window.map.areTilesLoaded()) resolve(true);
      else window.map.once('idle', () => resolve(true));
    }))), 120_000, `the map at z${zoom} did not settle`);
    const ms = Date.now() - t0;
    const res = await Promise.all(done);
    const tiles = res.filter((r) => /\/tiles\/[^/]+\/\d+\/\d+\/\d+\.(pbf|mvt)/.test(r.url));
    figures[`z${zoom}`] = {
      idle_ms: ms,
      tiles: tiles.length,
      tile_bytes: tiles.reduce((a, r) => a + r.body, 0),
      all_bytes: res.reduce((a, r) => a + r.all, 0),
    };
    await ctx.close();
    assert.ok(tiles.length > 0, `no tile fetched at z${zoom}`);
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'weight.json'), JSON.stringify(figures, null, 2));
  console.log(`# weight of the demo at Son La city: ${JSON.stringify(figures)}`);
});

test('the search box finds names typed without diacritics and plot codes', async () => {
  await page.click('.tileset .zoom-to');
  await idle();
  const input = page.locator('#search-input');
  const options = page.locator('#search-results li[role="option"]');
  const popup = page.locator('.maplibregl-popup .feature-popup');
  // Each case: typed text, what the first suggestion must read, and the
  // server's own answer for it (the hit whose bbox the map must show).
  for (const [typed, want] of [['to hieu', 'Tô Hiệu'], ['cd-001-02', 'CD-001-02']]) {
    const answer = await (await fetch(`${base}/search?q=${encodeURIComponent(typed)}&limit=8`)).json();
    assert.ok(answer.features.length > 0, `/search?q=${typed} found nothing`);
    const hit = answer.features[0];
    const before = await page.evaluate(() => window.map.getZoom());
    await input.fill('');
    await input.pressSequentially(typed, { delay: 30 });
    await options.first().waitFor({ timeout: 10_000 });
    const labels = await options.evaluateAll((lis) => lis.map((li) => li.firstChild.textContent));
    assert.ok(labels[0].includes(want), `first suggestion for "${typed}" is ${JSON.stringify(labels)}`);
    assert.equal(labels[0], hit.label);
    if (typed.startsWith('cd')) await input.press('Enter');
    else await options.first().click();
    await popup.waitFor({ timeout: 10_000 });
    assert.equal(await popup.getAttribute('data-id'), String(hit.id));
    const text = await popup.innerText();
    assert.ok(text.includes(hit.label), `popup lacks ${hit.label}:\n${text}`);
    await page.waitForFunction(() => !window.map.isMoving(), null, { timeout: 15_000 });
    const view = await page.evaluate(() => ({ c: window.map.getCenter().toArray(), z: window.map.getZoom() }));
    const [w, so, e, n] = hit.bbox;
    const eps = 1e-6;
    assert.ok(view.c[0] >= w - eps && view.c[0] <= e + eps && view.c[1] >= so - eps && view.c[1] <= n + eps,
      `map centre ${view.c} is not in the hit's bbox ${hit.bbox}`);
    assert.ok(view.z > before, `the map did not zoom in (${before} -> ${view.z})`);
    assert.equal(await page.locator('#search-results').isHidden(), true, 'suggestions still shown');
    await page.screenshot({ path: join(out, `search-${typed.replace(/\W+/g, '-')}.png`) });
    await page.click('.maplibregl-popup-close-button');
    await page.click('.tileset .zoom-to');
    await idle();
  }
});

test('no request left the server', () => {
  const origin = new URL(base).origin;
  const outside = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(outside, []);
  assert.ok(requests.some((u) => /\/tiles\/[^/]+\/\d+\/\d+\/\d+/.test(u)), 'no tile was requested');
  assert.deepEqual(problems, [], 'console or page errors');
});

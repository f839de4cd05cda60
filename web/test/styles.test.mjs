// Checks every style in ../styles with the MapLibre style-spec validator and
// checks that the land-use colours and legend of the styles agree with the
// palette in styles/landuse.json, the single source of the land-use colours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';

const stylesDir = fileURLToPath(new URL('../../styles/', import.meta.url));
const read = (name) => JSON.parse(readFileSync(stylesDir + name, 'utf8'));
const palette = read('landuse.json');
const styleFiles = readdirSync(stylesDir).filter((f) => f.endsWith('.json') && f !== 'landuse.json');

test('there are styles to check', () => {
  assert.ok(styleFiles.includes('sonla.json'), `styles found: ${styleFiles}`);
});

test('the palette is well formed', () => {
  const codes = new Set();
  for (const c of palette.categories) {
    assert.match(c.code, /^[A-Z]{3}$/, `code ${c.code}`);
    assert.ok(!codes.has(c.code), `code ${c.code} twice`);
    codes.add(c.code);
    assert.match(c.color, /^#[0-9A-F]{6}$/, `colour of ${c.code}`);
    assert.ok(c.vi.startsWith('Đất'), `Vietnamese name of ${c.code}: ${c.vi}`);
    assert.ok(c.en.length > 0, `English name of ${c.code}`);
  }
  assert.equal(palette.categories.length, 22, 'DOMAIN.md section 2 lists 22 codes');
});

for (const file of styleFiles) {
  const style = read(file);

  test(`${file}: valid MapLibre style v8`, () => {
    const errors = validateStyleMin(style);
    assert.deepEqual(errors.map((e) => e.message), []);
    assert.equal(style.version, 8);
  });

  test(`${file}: serves itself (no external URL)`, () => {
    // Sources point at the server's TileJSON, glyphs at its /fonts route;
    // the server makes them absolute. Nothing may leave the server.
    assert.equal(style.glyphs, '/fonts/{fontstack}/{range}.pbf');
    for (const [id, src] of Object.entries(style.sources)) {
      assert.match(src.url ?? '', /^\/tiles\/[^/]+\.json$/, `source ${id}`);
    }
    assert.equal(style.sprite, undefined, 'no sprite: nothing to serve it');
    const text = JSON.stringify(style);
    assert.doesNotMatch(text, /https?:\/\//, 'an absolute URL in the style');
  });

  test(`${file}: text fonts are the bundled ones`, () => {
    for (const layer of style.layers) {
      const font = layer.layout?.['text-font'];
      if (layer.type !== 'symbol') continue;
      assert.ok(Array.isArray(font), `${layer.id}: text-font must be set`);
      for (const f of font) assert.match(f, /^Noto Sans (Regular|Bold)$/, `${layer.id}`);
    }
  });

  test(`${file}: single match labels are arrays (QGIS)`, () => {
    // QGIS's converter turns a bare string label into an empty IN ().
    const visit = (v, where) => {
      if (!Array.isArray(v)) {
        if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, `${where}.${k}`);
        return;
      }
      if (v[0] === 'match') {
        for (let i = 2; i < v.length - 1; i += 2) {
          assert.ok(Array.isArray(v[i]), `${where}: match label ${JSON.stringify(v[i])} is not an array`);
        }
      }
      v.forEach((x, i) => visit(x, `${where}[${i}]`));
    };
    for (const layer of style.layers) visit(layer, layer.id);
  });

  test(`${file}: expressions QGIS's style converter can read`, () => {
    // QGIS (3.22) reads a match's attribute from ["get", name] and turns
    // ["!", X] into the operator "!" + X[0]: both lose the filter silently.
    const visit = (v, where) => {
      if (!Array.isArray(v)) {
        if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, `${where}.${k}`);
        return;
      }
      if (v[0] === 'match') {
        assert.ok(Array.isArray(v[1]) && v[1][0] === 'get' && typeof v[1][1] === 'string',
          `${where}: match input ${JSON.stringify(v[1])} is not ["get", field]`);
      }
      if (v[0] === 'interpolate') {
        // QGIS converts zoom interpolation with literal stops only.
        assert.deepEqual(v[2], ['zoom'], `${where}: interpolate over ${JSON.stringify(v[2])}`);
        for (let i = 4; i < v.length; i += 2) {
          assert.ok(!Array.isArray(v[i]), `${where}: interpolate stop ${JSON.stringify(v[i])} is an expression`);
        }
      }
      if (v[0] === '!' && Array.isArray(v[1]) && !['has', 'in'].includes(v[1][0])) {
        assert.fail(`${where}: ["!", ${JSON.stringify(v[1][0])} …] is not understood by QGIS`);
      }
      v.forEach((x, i) => visit(x, `${where}[${i}]`));
    };
    for (const layer of style.layers) visit(layer, layer.id);
  });

  const fills = style.layers.filter((l) => JSON.stringify(l.paint?.['fill-color'] ?? null).includes(`"${palette.field}"`));
  test(`${file}: land-use layers found`, { skip: file !== 'sonla.json' && 'only the demo style must colour land use' }, () => {
    assert.ok(fills.length > 0, `no fill layer colours by ${palette.field}`);
  });
  if (fills.length === 0) continue;

  test(`${file}: land-use fill colours agree with landuse.json`, () => {
    for (const layer of fills) {
      const m = layer.paint['fill-color'];
      assert.equal(m[0], 'match', `${layer.id}: fill-color is a match`);
      assert.deepEqual(m[1], ['get', palette.field]);
      const got = [];
      for (let i = 2; i < m.length - 1; i += 2) for (const code of m[i]) got.push([code, m[i + 1].toUpperCase()]);
      const want = palette.categories.map((c) => [c.code, c.color]);
      assert.deepEqual(got, want, `${layer.id}: codes and colours, in palette order`);
      assert.equal(m[m.length - 1].toUpperCase(), palette.fallback.color, `${layer.id}: fallback`);
    }
  });

  test(`${file}: legend agrees with landuse.json`, () => {
    const legend = style.metadata?.['plantile:legend'];
    assert.ok(Array.isArray(legend), 'metadata plantile:legend');
    assert.deepEqual(
      legend.map(({ code, vi, en, color }) => ({ code, vi, en, color })),
      palette.categories.map(({ code, vi, en, color }) => ({ code, vi, en, color })),
    );
    assert.deepEqual(style.metadata['plantile:legend-fallback'], palette.fallback);
  });
}

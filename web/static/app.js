// plantile web map. Everything shown comes from the server: the style
// (/styles/{name}.json, whose metadata holds the legend and the names of
// layers and fields), the tilesets (/tiles and each TileJSON) and the
// optional basemap (/config.json). Plain ES module, no bundler.
import { translator, languages, locales } from './i18n.js';

const params = new URLSearchParams(location.search);
const styleName = params.get('style') || 'sonla';
const state = {
  lang: pickLanguage(),
  style: null, // the style document as served
  tilesets: [], // [{name, tilejson, sourceId, groups: [{sourceLayer, layerIds}]}]
  popup: null, // {lngLat, feature} of the open popup, re-rendered on language change
};
let t = translator(state.lang);
let maplibregl = null;
let map = null;
let popup = null;

// The test (and a curious user's console) waits on this: it resolves with the
// map once the style, every tileset and the first frame have loaded.
let ready;
window.plantileReady = new Promise((resolve, reject) => { ready = { resolve, reject }; });

function pickLanguage() {
  const asked = params.get('lang') || readStored('plantile.lang');
  return languages.includes(asked) ? asked : 'vi';
}

function readStored(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function setStatus(message, kind = 'info') {
  const status = document.getElementById('status');
  status.textContent = message ?? '';
  status.hidden = !message;
  status.dataset.kind = kind;
}

async function getJSON(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

// ---- metadata from the style ----------------------------------------------

const meta = (key) => state.style?.metadata?.[`plantile:${key}`];

function nameIn(entry, fallback) {
  if (!entry) return fallback;
  if (typeof entry === 'string') return entry;
  return entry[state.lang] ?? entry.vi ?? fallback;
}

function layerName(sourceLayer) {
  return nameIn(meta('layers')?.[sourceLayer], sourceLayer);
}

function fieldName(field) {
  return nameIn(meta('fields')?.[field], field);
}

function landuse(code) {
  return (meta('legend') ?? []).find((c) => c.code === code);
}

// ---- tilesets ------------------------------------------------------------

// The /tiles list may be an array or {tilesets: [...]}; each entry a name or
// an object naming the tileset (name or id) and maybe its TileJSON URL.
function tilesetEntries(list) {
  const items = Array.isArray(list) ? list : (list?.tilesets ?? list?.tiles ?? []);
  return items.map((item) => {
    if (typeof item === 'string') return { name: item, url: `/tiles/${encodeURIComponent(item)}.json` };
    const name = item.name ?? item.id;
    const url = item.tilejson ?? item.tilejson_url ?? item.links?.find?.((l) => l.rel === 'tilejson')?.href
      ?? `/tiles/${encodeURIComponent(item.id ?? name)}.json`;
    return { name: item.id ?? name, url, title: item.title ?? item.name };
  });
}

// sourceFor finds the style source reading tileset name, by URL.
function sourceFor(name) {
  const want = `/tiles/${name}.json`;
  for (const [id, src] of Object.entries(state.style.sources)) {
    if (typeof src.url === 'string' && new URL(src.url, location.href).pathname.endsWith(want)) return id;
  }
  return null;
}

// Layers for a tileset the style does not know: one fill, line and circle
// layer per vector layer, filtered by geometry type, in a neutral colour.
function defaultLayers(sourceId, vectorLayers) {
  const layers = [];
  for (const vl of vectorLayers) {
    const base = { source: sourceId, 'source-layer': vl.id };
    layers.push(
      { ...base, id: `${sourceId}.${vl.id}.fill`, type: 'fill', filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'fill-color': '#8FA9C9', 'fill-opacity': 0.45, 'fill-outline-color': '#3E5C85' } },
      { ...base, id: `${sourceId}.${vl.id}.line`, type: 'line', filter: ['==', ['geometry-type'], 'LineString'],
        paint: { 'line-color': '#3E5C85', 'line-width': 1.5 } },
      { ...base, id: `${sourceId}.${vl.id}.circle`, type: 'circle', filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-color': '#3E5C85', 'circle-radius': 4, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } },
    );
  }
  return layers;
}

async function loadTilesets() {
  let list;
  try {
    list = await getJSON('/tiles');
  } catch (err) {
    console.warn('plantile: tileset list', err);
    list = [];
  }
  const entries = tilesetEntries(list);
  // The style's own sources come first even if the list is unavailable.
  for (const [id, src] of Object.entries(state.style.sources)) {
    const m = typeof src.url === 'string' && new URL(src.url, location.href).pathname.match(/\/tiles\/([^/]+)\.json$/);
    if (m && !entries.some((e) => e.name === decodeURIComponent(m[1]))) {
      entries.unshift({ name: decodeURIComponent(m[1]), url: src.url });
    }
  }
  const results = await Promise.allSettled(entries.map((e) => getJSON(e.url)));
  const tilesets = [];
  entries.forEach((entry, i) => {
    const r = results[i];
    if (r.status !== 'fulfilled') {
      console.warn('plantile: tileset', entry.name, r.reason);
      return;
    }
    tilesets.push({ name: entry.name, title: r.value.name || entry.title || entry.name, tilejson: r.value, url: entry.url });
  });
  return tilesets;
}

// Adds sources and layers for tilesets the style does not use, and groups
// each tileset's layers by vector layer for the layer switcher.
function wireTilesets(style, tilesets) {
  // A style source whose tileset the server does not have would keep the
  // map from ever loading: drop it and its layers, and say so.
  const missing = [];
  for (const [id, src] of Object.entries(style.sources)) {
    const m = typeof src.url === 'string' && new URL(src.url, location.href).pathname.match(/\/tiles\/([^/]+)\.json$/);
    if (m && !tilesets.some((ts) => ts.name === decodeURIComponent(m[1]))) {
      missing.push(decodeURIComponent(m[1]));
      delete style.sources[id];
      style.layers = style.layers.filter((l) => l.source !== id);
    }
  }
  for (const ts of tilesets) {
    let sourceId = sourceFor(ts.name);
    if (!sourceId) {
      sourceId = `tileset:${ts.name}`;
      style.sources[sourceId] = { type: 'vector', url: new URL(ts.url, location.href).href };
      const labels = style.layers.findIndex((l) => l.type === 'symbol');
      const extra = defaultLayers(sourceId, ts.tilejson.vector_layers ?? []);
      style.layers.splice(labels < 0 ? style.layers.length : labels, 0, ...extra);
    }
    ts.sourceId = sourceId;
    const ids = (ts.tilejson.vector_layers ?? []).map((vl) => vl.id);
    for (const l of style.layers) {
      if (l.source === sourceId && l['source-layer'] && !ids.includes(l['source-layer'])) ids.push(l['source-layer']);
    }
    ts.groups = ids.map((sourceLayer) => ({
      sourceLayer,
      vectorLayer: (ts.tilejson.vector_layers ?? []).find((vl) => vl.id === sourceLayer),
      layerIds: style.layers.filter((l) => l.source === sourceId && l['source-layer'] === sourceLayer).map((l) => l.id),
    })).filter((g) => g.layerIds.length > 0);
    // List layers as the style stacks their geometry (labels all sit on
    // top), top first, like a GIS's layer panel.
    const rank = (g) => Math.max(...g.layerIds.map((id) => style.layers.findIndex((l) => l.id === id && l.type !== 'symbol')));
    ts.groups.sort((a, b) => rank(b) - rank(a));
  }
  return missing;
}

// An optional basemap: a raster XYZ template, drawn under every style layer
// but the background.
function addBasemap(style, basemap) {
  const url = typeof basemap === 'string' ? basemap : basemap?.url;
  if (!url) return false;
  if (!/\{z\}/.test(url)) {
    console.warn('plantile: basemap is not a {z}/{x}/{y} raster template, ignored:', url);
    return false;
  }
  style.sources['plantile:basemap'] = {
    type: 'raster', tiles: [url], tileSize: 256,
    attribution: typeof basemap === 'object' ? basemap.attribution ?? '' : '',
  };
  const after = style.layers.findIndex((l) => l.type !== 'background');
  style.layers.splice(after < 0 ? style.layers.length : after, 0,
    { id: 'plantile:basemap', type: 'raster', source: 'plantile:basemap', paint: { 'raster-opacity': 0.9 } });
  return true;
}

// ---- the panel ------------------------------------------------------------

function tilesetBounds(ts) {
  const b = ts.tilejson.bounds;
  if (!Array.isArray(b) || b.length !== 4 || b.some((v) => !Number.isFinite(v))) return null;
  return [[Math.max(b[0], -180), Math.max(b[1], -85)], [Math.min(b[2], 180), Math.min(b[3], 85)]];
}

function unionBounds(list) {
  const all = list.filter(Boolean);
  if (all.length === 0) return null;
  return all.reduce((a, b) => [[Math.min(a[0][0], b[0][0]), Math.min(a[0][1], b[0][1])],
    [Math.max(a[1][0], b[1][0]), Math.max(a[1][1], b[1][1])]]);
}

function isVisible(group) {
  return group.layerIds.some((id) => map.getLayoutProperty(id, 'visibility') !== 'none');
}

function renderTilesets() {
  const root = document.getElementById('tilesets');
  root.replaceChildren();
  if (state.tilesets.length === 0) {
    root.append(el('p', { class: 'muted', text: t('noTilesets') }));
    return;
  }
  for (const ts of state.tilesets) {
    const bounds = tilesetBounds(ts);
    const zoomButton = el('button', {
      type: 'button', class: 'zoom-to', title: t('zoomToTitle', { name: ts.title }), 'data-tileset': ts.name,
      disabled: !bounds,
      onclick: () => map.fitBounds(bounds, { padding: 40, maxZoom: 16 }),
    }, el('span', { 'aria-hidden': 'true', text: '⤢ ' }), t('zoomTo'));
    const list = el('ul', { class: 'layer-list' });
    for (const g of ts.groups) {
      const id = `layer-${ts.name}-${g.sourceLayer}`.replace(/[^\w-]/g, '_');
      const box = el('input', {
        type: 'checkbox', id, checked: isVisible(g), 'data-source-layer': g.sourceLayer,
        onchange: (e) => {
          for (const lid of g.layerIds) map.setLayoutProperty(lid, 'visibility', e.target.checked ? 'visible' : 'none');
        },
      });
      box.checked = isVisible(g);
      // The tiler's description (geometry type, source file) is for GIS
      // staff: a tooltip, not clutter in the planners' panel.
      list.append(el('li', {}, box, el('label', { for: id, title: g.vectorLayer?.description || null },
        el('span', { text: layerName(g.sourceLayer) }))));
    }
    const tj = ts.tilejson;
    const zooms = Number.isFinite(tj.minzoom) && Number.isFinite(tj.maxzoom) ? t('zooms', { min: tj.minzoom, max: tj.maxzoom }) : '';
    root.append(el('div', { class: 'tileset', 'data-tileset': ts.name },
      el('div', { class: 'tileset-head' },
        el('div', {}, el('strong', { text: ts.title }), zooms ? el('small', { text: zooms }) : null),
        zoomButton),
      list,
      connectionDetails(ts)));
  }
}

// What GIS staff paste into QGIS (Vector Tiles → New Generic Connection):
// the XYZ template (QGIS takes no TileJSON) and the style URL.
function connectionDetails(ts) {
  const tiles = ts.tilejson.tiles?.[0];
  if (!tiles) return null;
  const styleUrl = new URL(`/styles/${encodeURIComponent(styleName)}.json`, location.href).href;
  const field = (label, value, key) => {
    const input = el('input', { type: 'text', readonly: true, value, 'data-url': key, 'aria-label': label });
    input.addEventListener('focus', () => input.select());
    const copy = el('button', {
      type: 'button', class: 'copy', text: t('copy'),
      onclick: async () => {
        input.select();
        try { await navigator.clipboard.writeText(value); } catch { document.execCommand?.('copy'); }
        copy.textContent = t('copied');
        setTimeout(() => { copy.textContent = t('copy'); }, 1500);
      },
    });
    return el('label', { class: 'url-field' }, el('span', { text: label }), el('span', { class: 'url-row' }, input, copy));
  };
  return el('details', { class: 'connect' },
    el('summary', { text: t('qgis') }),
    el('p', { class: 'muted', text: t('qgisHelp') }),
    field(t('tileUrl'), tiles, 'tiles'),
    field(t('styleUrl'), styleUrl, 'style'));
}

function renderLegend() {
  const legend = meta('legend');
  const section = document.getElementById('legend-section');
  section.hidden = !Array.isArray(legend) || legend.length === 0;
  if (section.hidden) return;
  const ul = document.getElementById('legend');
  ul.replaceChildren();
  const items = [...legend];
  const fallback = meta('legend-fallback');
  if (fallback) items.push({ code: '', ...fallback, vi: fallback.vi, en: fallback.en });
  for (const c of items) {
    ul.append(el('li', { 'data-code': c.code || null },
      el('span', { class: 'swatch', style: `background:${c.color}` }),
      el('span', { class: 'code', text: c.code || '…' }),
      el('span', { class: 'name', text: nameIn(c, c.code) })));
  }
}

// The style's other legends (facility types, road classes), each a list of
// {code, vi, en, color} drawn as circles or lines.
function renderMoreLegends() {
  const root = document.getElementById('more-legends');
  root.replaceChildren();
  for (const lg of meta('legends') ?? []) {
    if (!Array.isArray(lg.items) || lg.items.length === 0) continue;
    const ul = el('ul', { class: 'legend' });
    for (const c of lg.items) {
      ul.append(el('li', { 'data-code': c.code },
        el('span', { class: `swatch swatch-${lg.kind ?? 'fill'}`, style: `--c:${c.color}` }),
        el('span', { class: 'name wide', text: nameIn(c, c.code) })));
    }
    root.append(el('section', { 'data-field': lg.field ?? null }, el('h2', { text: nameIn(lg.title, lg.field ?? '') }), ul));
  }
}

function renderStatic() {
  document.documentElement.lang = state.lang;
  document.title = t('title');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const b of document.querySelectorAll('#lang button')) b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
  document.getElementById('panel').setAttribute('aria-label', t('panel'));
  document.getElementById('upload-link').title = t('uploadLink');
  const input = document.getElementById('search-input');
  input.placeholder = t('searchPlaceholder');
  input.setAttribute('aria-label', t('search'));
  syncPanelToggle();
}

function syncPanelToggle() {
  const hidden = document.body.classList.contains('panel-hidden');
  const btn = document.getElementById('panel-toggle');
  btn.setAttribute('aria-expanded', String(!hidden));
  btn.querySelector('.sr-only').textContent = hidden ? t('showPanel') : t('hidePanel');
  btn.title = hidden ? t('showPanel') : t('hidePanel');
}

function setLanguage(lang) {
  state.lang = lang;
  t = translator(lang);
  try { localStorage.setItem('plantile.lang', lang); } catch { /* private mode */ }
  renderStatic();
  if (map) {
    renderTilesets();
    renderLegend();
    renderMoreLegends();
    if (state.popup && popup?.isOpen()) popup.setDOMContent(popupContent(state.popup.feature));
  }
}

// ---- the popup ------------------------------------------------------------

function formatNumber(v, digits = 2) {
  return new Intl.NumberFormat(locales[state.lang], { maximumFractionDigits: digits }).format(v);
}

function formatValue(field, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  // Coded values (road classes, facility types) read through the style.
  const coded = meta('values')?.[field]?.[String(v)];
  if (coded) return `${nameIn(coded, String(v))} (${v})`;
  if (typeof v === 'number') {
    if (field === 'dien_tich' && v >= 10000) return `${formatNumber(v, 0)} (${formatNumber(v / 10000, 2)} ${t('hectares')})`;
    return formatNumber(v);
  }
  return String(v);
}

// The field a style draws with its legend (a layer whose metadata has
// "plantile:legend": true, painted by ["get", FIELD]), per source layer:
// the rendered-tile fallback uses it where the server has no features.
function legendField(sourceLayer) {
  for (const l of state.style?.layers ?? []) {
    if (l['source-layer'] !== sourceLayer || l.metadata?.['plantile:legend'] !== true) continue;
    const m = JSON.stringify(l.paint ?? {}).match(/\["get","([^"]+)"\]/);
    if (m) return m[1];
  }
  return null;
}

// popupContent shows one feature: {properties, sourceLayer, fields (the
// layer's schema, in order), legendField, legend, layerTitle, others}. The
// rows follow the schema; names of fields, layers and coded values come
// from the style's metadata, with the raw name when it has none.
function popupContent(feature) {
  const props = feature.properties ?? {};
  const fields = feature.fields ?? Object.keys(props);
  const lfield = feature.legendField ?? null;
  const lu = feature.legend ?? (lfield && props[lfield] !== undefined ? landuse(String(props[lfield])) : null);
  // The title: the legend's name for the category, else the first text
  // value that reads like a name (has a space), else the layer.
  const named = fields.map((k) => props[k]).find((v) => typeof v === 'string' && v.trim().includes(' '));
  const layerTitle = nameIn(feature.layerTitle, layerName(feature.sourceLayer));
  const title = lu?.vi ? nameIn(lu, lu.code) : (named ?? t('feature'));
  const rows = fields.filter((k) => k in props).map((k) => {
    let cell = el('td', { text: formatValue(k, props[k]) });
    if (k === lfield && lu) {
      cell = el('td', {}, el('span', { class: 'swatch', style: `background:${lu.color}` }), lu.code ?? String(props[k]));
    }
    return el('tr', { 'data-field': k }, el('th', { scope: 'row', text: fieldName(k) }), cell);
  });
  const others = (feature.others ?? []).map((o) => el('li', {}, `${nameIn(o.layerTitle, layerName(o.sourceLayer))}: ${o.label}`));
  return el('div', { class: 'feature-popup', 'data-id': feature.id ?? null, 'data-layer': feature.sourceLayer },
    el('h3', { text: title }),
    el('p', { class: 'muted', text: `${t('layer')}: ${layerTitle}` }),
    el('table', {}, el('tbody', {}, rows)),
    others.length ? el('p', { class: 'muted', text: `${t('alsoHere')}:` }) : null,
    others.length ? el('ul', { class: 'also-here' }, others) : null);
}

// The layers a click or hover can hit: every layer of a tileset. Computed
// once; map.getStyle() serialises the whole style, too slow for mousemove.
let interactive = null;
function interactiveLayers() {
  if (!interactive) {
    const ids = new Set(state.tilesets.flatMap((ts) => ts.groups.flatMap((g) => g.layerIds)));
    interactive = map.getStyle().layers.filter((l) => ids.has(l.id)).map((l) => l.id);
  }
  return interactive;
}

// visibleLayer tells whether the layer of a tileset is switched on.
function visibleLayer(tileset, sourceLayer) {
  const ts = state.tilesets.find((x) => x.name === tileset);
  const g = ts?.groups.find((x) => x.sourceLayer === sourceLayer);
  return g ? isVisible(g) : false;
}

// bboxArea is the area of a GeoJSON geometry's bounding box in degrees²:
// among polygons at a point, the smallest (a parcel, not its district)
// is what the user most likely means.
function bboxArea(g) {
  let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      x0 = Math.min(x0, c[0]); y0 = Math.min(y0, c[1]); x1 = Math.max(x1, c[0]); y1 = Math.max(y1, c[1]);
    } else c.forEach(walk);
  };
  if (g?.coordinates) walk(g.coordinates);
  return x1 >= x0 ? (x1 - x0) * (y1 - y0) : Infinity;
}

const dimension = { Point: 0, MultiPoint: 0, LineString: 1, MultiLineString: 1, Polygon: 2, MultiPolygon: 2 };

// drawnOnTop names the tileset and layer drawn on top at a pixel (labels
// aside): the layer the user sees and means to click.
function drawnOnTop(point) {
  const f = map.queryRenderedFeatures(point, { layers: interactiveLayers() }).find((x) => x.layer.type !== 'symbol');
  if (!f) return null;
  const ts = state.tilesets.find((x) => x.sourceId === f.source);
  return ts ? `${ts.name}/${f.sourceLayer}` : null;
}

// fromQuery turns the answer of /query/point into the popup's feature: of
// the visible features, one of the layer drawn on top at the click, else
// the first of points, lines, then the smallest polygon; the others are
// listed below it. Only the layer comes from the tiles: the feature and
// its attributes are the exact ones.
function fromQuery(answer, top) {
  const layers = new Map((answer.layers ?? []).map((l) => [`${l.tileset}/${l.layer}`, l]));
  const feats = (answer.features ?? []).filter((f) => visibleLayer(f.tileset, f.layer));
  const rank = (f) => (`${f.tileset}/${f.layer}` === top ? -1 : (dimension[f.geometry?.type] ?? 3));
  feats.sort((a, b) => rank(a) - rank(b) || bboxArea(a.geometry) - bboxArea(b.geometry));
  if (feats.length === 0) return null;
  const view = (f) => {
    const l = layers.get(`${f.tileset}/${f.layer}`) ?? {};
    return {
      id: f.id, properties: f.properties, sourceLayer: f.layer, fields: (l.fields ?? []).map((x) => x.name),
      legendField: l.legend_field ?? null, legend: f.legend ?? null, layerTitle: f.layer_title ?? null,
    };
  };
  const main = view(feats[0]);
  main.others = feats.slice(1).map((f) => {
    const v = view(f);
    const label = v.legend ? `${v.legend.code} ${nameIn(v.legend, '')}` : (v.fields.map((k) => v.properties[k]).find((x) => typeof x === 'string' && x.includes(' ')) ?? String(f.id));
    return { sourceLayer: f.layer, layerTitle: v.layerTitle, label };
  });
  return main;
}

// fromTiles is the popup's feature from the rendered tiles: only for
// tilesets whose file carries no exact features (built before them).
function fromTiles(point) {
  const features = map.queryRenderedFeatures(point, { layers: interactiveLayers() });
  // Prefer what is drawn on top, but a label only stands for its feature.
  const f = features.find((x) => x.layer.type !== 'symbol') ?? features[0];
  if (!f) return null;
  const ts = state.tilesets.find((x) => x.sourceId === f.source);
  const vl = ts?.groups.find((g) => g.sourceLayer === f.sourceLayer)?.vectorLayer;
  const fields = Object.keys(vl?.fields ?? {});
  return {
    id: f.id, properties: f.properties, sourceLayer: f.sourceLayer,
    fields: fields.length ? fields : Object.keys(f.properties), legendField: legendField(f.sourceLayer),
  };
}

let clicks = 0;
// onClick asks the server what is planned at the point: the exact features,
// so the popup is right at every zoom (a low-zoom tile may draw a square
// standing for many small parcels). Lines and points are hit within a few
// pixels, converted to metres by the server at the map's zoom.
async function onClick(e) {
  const seq = ++clicks;
  const { lng, lat } = e.lngLat.wrap();
  let feature = null;
  try {
    const answer = await getJSON(`/query/point?lon=${lng}&lat=${lat}&tolerance_px=6&zoom=${map.getZoom().toFixed(2)}`);
    feature = (answer.layers ?? []).length > 0 ? fromQuery(answer, drawnOnTop(e.point)) : fromTiles(e.point);
  } catch (err) {
    console.warn('plantile: point query failed, showing the rendered tile instead:', err.message ?? err);
    feature = fromTiles(e.point);
  }
  if (seq !== clicks) return; // a later click won
  if (!feature) {
    popup?.remove();
    return;
  }
  state.popup = { lngLat: e.lngLat, feature };
  popup?.remove();
  popup = new maplibregl.Popup({ maxWidth: '340px', closeButton: true })
    .setLngLat(e.lngLat)
    .setDOMContent(popupContent(feature))
    .addTo(map);
  popup.on('close', () => { if (state.popup?.feature === feature) state.popup = null; });
}


// ---- search ----------------------------------------------------------------

// The search box asks /search as the user types (debounced), lists the
// matches, and on a choice flies to the feature's bbox and opens its popup
// with the feature's exact properties from the answer.
const SEARCH_DELAY_MS = 200;
let searchSeq = 0;
let searchTimer = null;
let searchHits = [];
let searchActive = -1;

function searchList() { return document.getElementById('search-results'); }

function closeSearch() {
  const ul = searchList();
  ul.hidden = true;
  ul.replaceChildren();
  searchHits = [];
  searchActive = -1;
  document.getElementById('search-input').setAttribute('aria-expanded', 'false');
}

function renderSearch(q, hits) {
  const ul = searchList();
  searchHits = hits;
  searchActive = hits.length ? 0 : -1;
  const items = hits.map((f, k) => {
    const where = layerName(f.layer);
    const li = el('li', { role: 'option', id: `search-hit-${k}`, 'data-layer': f.layer, 'data-id': String(f.id),
      'data-match': f.match, 'aria-selected': String(k === 0) },
    f.label, el('span', { class: 'muted', text: `${where} · ${fieldName(f.field)}` }));
    li.addEventListener('mousedown', (e) => { e.preventDefault(); chooseHit(f); });
    return li;
  });
  if (!hits.length) items.push(el('li', { class: 'empty', text: t('searchNone', { q }) }));
  ul.replaceChildren(...items);
  ul.hidden = false;
  document.getElementById('search-input').setAttribute('aria-expanded', 'true');
}

async function runSearch(q) {
  const seq = ++searchSeq;
  try {
    const answer = await getJSON(`/search?q=${encodeURIComponent(q)}&limit=8`);
    if (seq !== searchSeq) return; // a later keystroke won
    renderSearch(q, answer.features ?? []);
  } catch (err) {
    if (seq !== searchSeq) return;
    setStatus(t('searchFailed', { error: err.message ?? err }), 'error');
  }
}

function markActive() {
  for (const [k, li] of [...searchList().children].entries()) li.setAttribute('aria-selected', String(k === searchActive));
}

// chooseHit flies to a search hit and opens its popup at the middle of
// its bbox (the popup shows the hit's own properties: the centre of a
// bbox may lie outside the feature, where /query/point would miss it).
function chooseHit(f) {
  closeSearch();
  document.getElementById('search-input').value = f.label;
  const [w, s, e, n] = f.bbox ?? [];
  if (w === undefined) return;
  const center = [(w + e) / 2, (s + n) / 2];
  if (w === e && s === n) map.flyTo({ center, zoom: Math.max(map.getZoom(), 16) });
  else map.fitBounds([[w, s], [e, n]], { padding: 60, maxZoom: 17 });
  const feature = {
    id: f.id, properties: f.properties, sourceLayer: f.layer, fields: Object.keys(f.properties ?? {}),
    legendField: legendField(f.layer),
  };
  state.popup = { lngLat: center, feature };
  popup?.remove();
  popup = new maplibregl.Popup({ maxWidth: '340px', closeButton: true })
    .setLngLat(center)
    .setDOMContent(popupContent(feature))
    .addTo(map);
  popup.on('close', () => { if (state.popup?.feature === feature) state.popup = null; });
}

function wireSearch() {
  const form = document.getElementById('search');
  const input = document.getElementById('search-input');
  input.addEventListener('input', () => {
    clearTimeout(searchTimer);
    const q = input.value.trim();
    if (!q) {
      searchSeq++;
      closeSearch();
      return;
    }
    searchTimer = setTimeout(() => runSearch(q), SEARCH_DELAY_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeSearch();
    else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && searchHits.length) {
      e.preventDefault();
      const d = e.key === 'ArrowDown' ? 1 : -1;
      searchActive = (searchActive + d + searchHits.length) % searchHits.length;
      markActive();
    }
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (searchActive >= 0) chooseHit(searchHits[searchActive]);
  });
  input.addEventListener('blur', () => setTimeout(closeSearch, 150));
}

// ---- start ---------------------------------------------------------------

function wireChrome() {
  // On a phone the panel would cover the map: start with it closed.
  if (window.matchMedia('(max-width: 700px)').matches) document.body.classList.add('panel-hidden');
  for (const b of document.querySelectorAll('#lang button')) b.addEventListener('click', () => setLanguage(b.dataset.lang));
  document.getElementById('panel-toggle').addEventListener('click', () => {
    document.body.classList.toggle('panel-hidden');
    syncPanelToggle();
    map?.resize();
  });
}

async function main() {
  wireChrome();
  renderStatic();
  try {
    maplibregl = await import('./vendor/maplibre-gl.mjs');
  } catch (err) {
    setStatus(t('vendorMissing'), 'error');
    throw err;
  }
  const [config, style] = await Promise.all([
    getJSON('/config.json').catch(() => ({})),
    getJSON(`/styles/${encodeURIComponent(styleName)}.json`),
  ]);
  state.style = style;
  state.tilesets = await loadTilesets();
  const working = structuredClone(style);
  const missing = wireTilesets(working, state.tilesets);
  addBasemap(working, config?.basemap ?? null);

  const fit = unionBounds(state.tilesets.map(tilesetBounds));
  const hasView = /^#[\d.]+\/-?[\d.]+\/-?[\d.]+/.test(location.hash);
  map = new maplibregl.Map({
    container: 'map',
    style: working,
    hash: true,
    attributionControl: { compact: true },
    ...(hasView || !fit ? {} : { bounds: fit, fitBoundsOptions: { padding: 30 } }),
  });
  window.map = map;
  // Both promises are taken now: with nothing to load, 'idle' fires in the
  // same frame as 'load', before code awaiting 'load' could listen for it.
  const loaded = map.once('load');
  const idle = map.once('idle');
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  map.on('error', (e) => console.warn('plantile: map error', e.error?.message ?? e));
  map.on('click', onClick);
  wireSearch();
  map.on('mousemove', (e) => {
    const hit = map.queryRenderedFeatures(e.point, { layers: interactiveLayers() }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
  await loaded;
  renderTilesets();
  renderLegend();
  renderMoreLegends();
  if (missing.length > 0) setStatus(t('tilesetMissing', { name: missing.join(', ') }), 'error');
  else setStatus(state.tilesets.length ? null : t('noTilesets'), 'info');
  await idle;
  ready.resolve(map);
}

main().catch((err) => {
  console.error('plantile:', err);
  if (document.getElementById('status').dataset.kind !== 'error') {
    setStatus(t('loadError', { error: err.message ?? err }), 'error');
  }
  ready.reject(err);
});

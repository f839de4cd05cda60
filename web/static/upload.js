// plantile upload page: staff of an organisation sign in (/api/session,
// a session cookie the script cannot read and a CSRF token it sends back),
// upload a zipped shapefile or GeoJSON as a new version of a layer
// (POST /api/layers/{id}/versions), follow the job (GET /api/jobs/{id})
// until it succeeds or fails with its reasons, and roll their layers back.
// Plain ES module, no bundler; strings in i18n.js.
import { translator, languages, locales } from './i18n.js';

const NEW = '\u0000new'; // the value of the "new layer" choice
const LAYER_ID = /^[a-z0-9_-]{1,64}$/;
const POLL_MS = 400;

const params = new URLSearchParams(location.search);
const state = {
  lang: pickLanguage(),
  session: null, // {user, org, csrf, expires}
  layers: [], // [{id, title, owner, current_version, versions: [...]}]
  job: null, // the last job document shown
  jobError: null, // {detail, reasons} of an upload refused before a job existed
  notice: null, // [key, args] of the notice line
};
let t = translator(state.lang);

function pickLanguage() {
  let stored = null;
  try { stored = localStorage.getItem('plantile.lang'); } catch { /* private mode */ }
  const asked = params.get('lang') || stored;
  return languages.includes(asked) ? asked : 'vi';
}

const $ = (id) => document.getElementById(id);

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

// ---- talking to the server -----------------------------------------------

/** An answer that is not 2xx: status and the problem document, if any. */
class HTTPError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

async function api(method, url, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.session) headers['X-CSRF-Token'] = state.session.csrf;
  const res = await fetch(url, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let doc = null;
  try { doc = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) throw new HTTPError(res.status, doc, Number(res.headers.get('Retry-After')) || 0);
  return doc;
}

// upload sends the form with XMLHttpRequest, which reports the progress of
// the bytes sent (fetch does not), and resolves with the 202's job.
function upload(layer, form, onSent) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/layers/${encodeURIComponent(layer)}/versions`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', state.session.csrf);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onSent(e.loaded / e.total); };
    xhr.onload = () => {
      let doc = null;
      try { doc = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(doc);
      else reject(new HTTPError(xhr.status, doc, Number(xhr.getResponseHeader('Retry-After')) || 0));
    };
    xhr.onerror = () => reject(new Error('network error'));
    xhr.send(form);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- rendering -------------------------------------------------------------

function renderStatic() {
  document.documentElement.lang = state.lang;
  document.title = t('uploadTitle');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const b of document.querySelectorAll('#lang button')) b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
  const notice = $('notice');
  notice.hidden = !state.notice;
  notice.textContent = state.notice ? t(...state.notice) : '';
}

function render() {
  renderStatic();
  const signedIn = !!state.session;
  $('signin-section').hidden = signedIn;
  $('work').hidden = !signedIn;
  if (!signedIn) return;
  $('who').textContent = t('signedInAs', { user: state.session.user, org: state.session.org });
  renderLayerChoice();
  renderJob();
  renderLayers();
}

function renderLayerChoice() {
  const select = $('layer-choice');
  const chosen = select.value;
  select.replaceChildren(
    ...state.layers.filter(mine).map((l) => el('option', { value: l.id, text: l.title ? `${l.title} (${l.id})` : l.id })),
    el('option', { value: NEW, text: t('newLayer') }),
  );
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  $('layer-new-row').hidden = select.value !== NEW;
}

const mine = (l) => l.owner === state.session?.org;

function stepText(job) {
  const step = job.state === 'queued' ? t('step_queued') : t(`step_${job.step}`);
  return job.total > 0 ? t('stepProgress', { step, done: job.done, total: job.total }) : step;
}

function renderJob() {
  const box = $('job');
  const job = state.job;
  const refused = state.jobError;
  box.hidden = !job && !refused;
  if (box.hidden) return;
  const progress = $('job-progress');
  const stateLine = $('job-state');
  let reasons = [];
  if (refused) {
    progress.value = 0;
    $('job-step').textContent = '';
    stateLine.dataset.state = 'failed';
    stateLine.textContent = t('state_failed', { error: refused.detail });
    reasons = refused.reasons ?? [];
  } else if (job.sending !== undefined) {
    progress.value = job.sending;
    $('job-step').textContent = t('sending', { percent: Math.round(job.sending * 100) });
    stateLine.dataset.state = 'sending';
    stateLine.textContent = '';
  } else {
    // The steps, in order, share the bar: read, tile, write.
    const steps = ['read', 'tile', 'write'];
    const i = Math.max(0, steps.indexOf(job.step));
    const part = job.total > 0 ? Math.min(1, job.done / job.total) : 0;
    progress.value = job.state === 'succeeded' ? 1 : job.state === 'queued' ? 0 : (i + part) / steps.length;
    $('job-step').textContent = job.state === 'succeeded' || job.state === 'failed' ? '' : stepText(job);
    stateLine.dataset.state = job.state;
    stateLine.textContent = t(`state_${job.state}`, { version: job.version, error: job.error || '' });
    reasons = job.state === 'failed' ? job.reasons ?? [] : [];
  }
  $('reasons-box').hidden = reasons.length === 0;
  $('reasons').tBodies[0].replaceChildren(...reasons.map((r) => el('tr', {},
    el('td', { text: r.file || '—' }),
    el('td', { text: r.feature ? String(r.feature) : '—' }),
    el('td', { text: r.cause ?? r.reason ?? '' }))));
}

function formatTime(s) {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s ?? '';
  return new Intl.DateTimeFormat(locales[state.lang], { dateStyle: 'short', timeStyle: 'short' }).format(d);
}

function renderLayers() {
  const root = $('layers');
  if (state.layers.length === 0) {
    root.replaceChildren(el('p', { class: 'muted', text: t('noLayers') }));
    return;
  }
  // The organisation's own layers first, then the others (read only).
  const sorted = [...state.layers].sort((a, b) => (mine(b) - mine(a)) || a.id.localeCompare(b.id));
  root.replaceChildren(...sorted.map((l) => {
    const head = el('div', {},
      el('h3', { text: l.title ? `${l.title}` : l.id }),
      el('p', { class: 'muted', text: `${l.id} · ${t('ownedBy', { owner: l.owner, version: l.current_version || '—' })}` }));
    if (!l.versions) return el('div', { class: 'layer', 'data-layer': l.id }, head);
    const rows = l.versions.map((v) => el('tr', { 'data-version': v.number },
      el('td', {}, `${v.number} `, v.current ? el('span', { class: 'current-mark', text: `(${t('current')})` }) : null),
      el('td', { text: t(`status_${v.status}`) }),
      el('td', { class: 'opt', text: v.status === 'published' || v.status === 'retired' ? new Intl.NumberFormat(locales[state.lang]).format(v.feature_count) : '' }),
      el('td', { class: 'opt', text: (v.uploader || '').replace(/^(user|token|system):/, '') }),
      el('td', { text: formatTime(v.created) }),
      el('td', {}, mine(l) && v.status === 'published' && !v.current
        ? el('button', {
          type: 'button', class: 'rollback', text: t('rollback'),
          'aria-label': t('rollbackLabel', { version: v.number, layer: l.id }),
          onclick: () => rollback(l.id, v.number),
        })
        : null)));
    return el('div', { class: 'layer', 'data-layer': l.id }, head,
      el('table', { class: 'table' },
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col', text: t('versionCol') }),
          el('th', { scope: 'col', text: t('statusCol') }),
          el('th', { scope: 'col', class: 'opt', text: t('featuresCol') }),
          el('th', { scope: 'col', class: 'opt', text: t('uploaderCol') }),
          el('th', { scope: 'col', text: t('timeCol') }),
          el('th', { scope: 'col' }, el('span', { class: 'sr-only', text: t('rollback') })))),
        el('tbody', {}, rows)));
  }));
}

// ---- actions ---------------------------------------------------------------

// failed shows what went wrong with a request: a lost session sends the
// user back to the sign-in form.
function failed(err) {
  if (err instanceof HTTPError && err.status === 401 && state.session) {
    state.session = null;
    state.notice = ['sessionEnded'];
  } else {
    state.notice = ['requestFailed', { error: err.message }];
  }
  render();
}

async function loadLayers() {
  const doc = await api('GET', '/api/layers');
  const layers = doc?.layers ?? [];
  await Promise.all(layers.map(async (l) => {
    try {
      l.versions = (await api('GET', `/api/layers/${encodeURIComponent(l.id)}/versions`)).versions;
    } catch (err) {
      if (err instanceof HTTPError && err.status === 401) throw err;
      l.versions = null; // not ours to see: shown without versions
    }
  }));
  state.layers = layers;
}

async function signIn(e) {
  e.preventDefault();
  const error = $('signin-error');
  error.hidden = true;
  const button = e.submitter ?? $('signin').querySelector('button');
  button.disabled = true;
  try {
    state.session = await api('POST', '/api/session', { user: $('signin-user').value.trim(), password: $('signin-password').value });
    $('signin-password').value = '';
    state.notice = null;
    await loadLayers();
    render();
  } catch (err) {
    state.session = null;
    let msg;
    if (!(err instanceof HTTPError)) msg = t('requestFailed', { error: err.message });
    else if (err.status === 401) msg = t('wrongPassword');
    else if (err.status === 429) msg = t('lockedOut', { minutes: Math.max(1, Math.ceil(err.retryAfter / 60)) });
    else if (err.status === 404) msg = t('noCatalog');
    else msg = t('requestFailed', { error: err.message });
    error.textContent = msg;
    error.hidden = false;
    $('signin-password').focus();
  } finally {
    button.disabled = false;
  }
}

async function signOut() {
  try {
    await api('DELETE', '/api/session');
  } catch (err) {
    if (!(err instanceof HTTPError) || err.status !== 401) { failed(err); return; }
  }
  state.session = null;
  state.layers = [];
  state.job = null;
  state.jobError = null;
  state.notice = null;
  render();
  $('signin-user').focus();
}

async function submitUpload(e) {
  e.preventDefault();
  const choice = $('layer-choice').value;
  const layer = choice === NEW ? $('layer-new').value.trim() : choice;
  if (!LAYER_ID.test(layer)) {
    state.jobError = { detail: t('badLayerId'), reasons: [] };
    state.job = null;
    renderJob();
    $('layer-new').focus();
    return;
  }
  const form = new FormData();
  for (const [name, id] of [['title', 'title'], ['encoding', 'encoding'], ['crs', 'crs']]) {
    const v = $(id).value.trim();
    if (v) form.append(name, v);
  }
  form.append('file', $('file').files[0]); // last: the server reads the options first
  const button = $('upload-button');
  button.disabled = true;
  state.jobError = null;
  state.notice = null;
  state.job = { sending: 0 };
  render();
  try {
    let job = await upload(layer, form, (f) => { state.job = { sending: f }; renderJob(); });
    state.job = job;
    renderJob();
    while (job.state !== 'succeeded' && job.state !== 'failed') {
      await sleep(POLL_MS);
      job = await api('GET', job.url ?? `/api/jobs/${encodeURIComponent(job.id)}`);
      state.job = job;
      renderJob();
    }
    await loadLayers();
    if (choice === NEW && job.state === 'succeeded') $('layer-choice').value = layer;
    render();
  } catch (err) {
    if (err instanceof HTTPError && err.status !== 401) {
      state.job = null;
      state.jobError = { detail: err.problem?.detail ?? err.message, reasons: err.problem?.reasons ?? [] };
      render();
    } else {
      failed(err);
    }
  } finally {
    button.disabled = false;
  }
}

async function rollback(layer, version) {
  try {
    await api('POST', `/api/layers/${encodeURIComponent(layer)}/rollback`, { version });
    state.notice = ['rolledBack', { layer, version }];
    await loadLayers();
    render();
  } catch (err) {
    failed(err);
  }
}

function setLanguage(lang) {
  state.lang = lang;
  t = translator(lang);
  try { localStorage.setItem('plantile.lang', lang); } catch { /* private mode */ }
  render();
}

async function main() {
  for (const b of document.querySelectorAll('#lang button')) b.addEventListener('click', () => setLanguage(b.dataset.lang));
  $('signin').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  $('upload').addEventListener('submit', submitUpload);
  $('layer-choice').addEventListener('change', () => { $('layer-new-row').hidden = $('layer-choice').value !== NEW; });
  try {
    state.session = await api('GET', '/api/session');
    await loadLayers();
  } catch (err) {
    state.session = null;
    if (err instanceof HTTPError && err.status === 404) state.notice = ['noCatalog'];
    else if (!(err instanceof HTTPError) || err.status !== 401) state.notice = ['requestFailed', { error: err.message }];
  }
  render();
  document.body.dataset.ready = 'true';
}

main();

'use strict';
const TOKEN_KEY = 'trendwatch-token';
const PAGE_SIZE = 50;

// A token given once in the address moves to sessionStorage and out of the
// address bar (and so out of history and screenshots).
(function takeTokenFromAddress() {
  const params = new URLSearchParams(location.search);
  if (params.has('token')) {
    sessionStorage.setItem(TOKEN_KEY, params.get('token'));
    history.replaceState(null, '', location.pathname + location.hash);
  }
})();

function token() { return sessionStorage.getItem(TOKEN_KEY); }

function withAuth(headers) {
  const all = Object.assign({}, headers || {});
  const t = token();
  if (t) all['Authorization'] = 'Bearer ' + t;
  return all;
}

async function api(path, options) {
  const opts = Object.assign({}, options || {});
  opts.headers = withAuth(opts.headers);
  const response = await fetch(path, opts);
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) throw new Error((body && body.error) || ('HTTP ' + response.status));
  return body;
}

// Builds an element.  Strings among the children become text nodes: never HTML.
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function safeHref(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch (e) {
    return null;
  }
}

function clock(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds - minutes * 60;
  return minutes + ':' + rest.toFixed(1).padStart(4, '0');
}
function percent(score) { return Math.round(score * 100) + '%'; }
function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return isNaN(date) ? iso : date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

const objectUrls = [];
function forgetImages() { while (objectUrls.length) URL.revokeObjectURL(objectUrls.pop()); }

// Evidence images need the token too; an <img src> cannot send a header, so
// with a token they are fetched and shown from a blob.
function loadImage(img, url) {
  if (!token()) { img.src = url; return; }
  fetch(url, { headers: withAuth() })
    .then((response) => { if (!response.ok) throw new Error('HTTP ' + response.status); return response.blob(); })
    .then((blob) => { const local = URL.createObjectURL(blob); objectUrls.push(local); img.src = local; })
    .catch(() => img.classList.add('broken'));
}

function evidenceImage(url, alt, className) {
  if (!url) return el('div', { class: 'thumb missing', text: 'no image' });
  const img = el('img', { class: className || 'thumb', alt: alt });
  loadImage(img, url);
  return img;
}

function setStatus(message) { document.getElementById('status').textContent = message || ''; }

function externalLink(url) {
  const href = safeHref(url);
  if (!href) return null;
  return el('a', { class: 'external', href: href, target: '_blank', rel: 'noopener noreferrer' }, 'open ↗');
}

function verdictControls(appearance, onChange) {
  const badge = el('span', { class: 'badge' });
  const confirm = el('button', { type: 'button', class: 'confirm' }, 'Confirm');
  const dismiss = el('button', { type: 'button', class: 'dismiss' }, 'Dismiss');
  function show() {
    badge.textContent = appearance.verdict;
    badge.className = 'badge ' + appearance.verdict;
    confirm.setAttribute('aria-pressed', String(appearance.verdict === 'confirmed'));
    dismiss.setAttribute('aria-pressed', String(appearance.verdict === 'dismissed'));
  }
  // Pressing the button of the current verdict takes it back.
  async function decide(verdict) {
    const next = appearance.verdict === verdict ? 'unreviewed' : verdict;
    confirm.disabled = dismiss.disabled = true;
    try {
      const updated = await api('/api/appearances/' + encodeURIComponent(appearance.id) + '/verdict', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ verdict: next }),
      });
      appearance.verdict = updated.verdict;
      show();
      if (onChange) onChange(appearance);
      setStatus('');
    } catch (error) {
      setStatus('Could not store the verdict: ' + error.message);
    } finally {
      confirm.disabled = dismiss.disabled = false;
    }
  }
  confirm.addEventListener('click', () => decide('confirmed'));
  dismiss.addEventListener('click', () => decide('dismissed'));
  show();
  return el('div', { class: 'verdict' }, badge, confirm, dismiss);
}

// "12.3k views · 456 likes" when a source gave the figures, else nothing.
function reach(stats) {
  if (!stats) return null;
  const short = (n) => n >= 1e6 ? (n / 1e6).toFixed(1) + 'M' : n >= 1e4 ? (n / 1e3).toFixed(1) + 'k' : String(n);
  const parts = [];
  if (stats.views != null) parts.push(short(stats.views) + ' views');
  if (stats.likes != null) parts.push(short(stats.likes) + ' likes');
  return parts.length ? el('div', { class: 'reach', title: 'as last observed' }, parts.join(' · ')) : null;
}

function appearanceRow(a) {
  const row = el('tr', { dataset: { appearance: a.id, verdict: a.verdict } });
  const title = a.video.title || a.video.platform_id || a.video.id;
  row.append(
    el('td', {}, evidenceImage(a.evidence.crop || a.evidence.frame, 'evidence: ' + a.target)),
    el('td', {}, el('a', { class: 'target', href: '#/target/' + encodeURIComponent(a.target) }, a.target)),
    el('td', {},
      el('a', { class: 'video-title', href: '#/video/' + encodeURIComponent(a.video.id) }, title),
      externalLink(a.video.url), reach(a.video.stats)),
    el('td', { class: 'author' }, a.video.author || '—'),
    el('td', { class: 'num when' }, clock(a.start) + '–' + clock(a.end)),
    el('td', { class: 'num score' }, percent(a.score)),
    el('td', {}, verdictControls(a, (changed) => { row.dataset.verdict = changed.verdict; })));
  return row;
}

function appearanceTable() {
  const body = el('tbody');
  const table = el('table', { class: 'appearances' },
    el('thead', {}, el('tr', {},
      el('th', {}, 'Evidence'), el('th', {}, 'Target'), el('th', {}, 'Video'), el('th', {}, 'Author'),
      el('th', { class: 'num' }, 'Time in video'), el('th', { class: 'num' }, 'Score'), el('th', {}, 'Verdict'))),
    body);
  return { table, body };
}

// A paged list of appearances (newest first) with a verdict filter.
async function appearanceList(view, query) {
  const filter = el('select', { id: 'verdict-filter', 'aria-label': 'verdict' },
    ['', 'unreviewed', 'confirmed', 'dismissed'].map((v) => el('option', { value: v }, v || 'all verdicts')));
  filter.value = query.verdict || '';
  const { table, body } = appearanceTable();
  const more = el('button', { type: 'button', class: 'more' }, 'Load more');
  const empty = el('div', { class: 'empty', text: 'No appearances yet.' });
  let offset = 0;
  async function page() {
    const params = new URLSearchParams({ limit: PAGE_SIZE, offset: offset });
    if (query.target) params.set('target', query.target);
    if (filter.value) params.set('verdict', filter.value);
    const data = await api('/api/appearances?' + params);
    for (const a of data.appearances) body.appendChild(appearanceRow(a));
    offset += data.appearances.length;
    more.hidden = data.appearances.length < PAGE_SIZE;
    empty.hidden = offset > 0;
    table.hidden = offset === 0;
  }
  filter.addEventListener('change', () => { body.replaceChildren(); offset = 0; forgetImages(); page().catch((e) => setStatus(e.message)); });
  more.addEventListener('click', () => page().catch((e) => setStatus(e.message)));
  view.append(el('div', { class: 'toolbar' }, el('label', {}, 'Show ', filter)), table, empty, more);
  await page();
}

async function latestView(view) {
  view.append(el('h1', {}, 'Latest appearances'),
    el('p', { class: 'sub' }, 'Every target found on screen, newest first. Confirm or dismiss each one.'));
  await appearanceList(view, {});
}

async function targetView(view, name) {
  view.append(el('h1', {}, 'Target: ', el('span', { class: 'target-name' }, name)),
    el('p', { class: 'sub' }, 'Every appearance of this target, newest first.'));
  await appearanceList(view, { target: name });
}

async function targetsView(view) {
  const data = await api('/api/targets');
  view.append(el('h1', {}, 'Targets'), el('p', { class: 'sub' }, 'Who or what is watched, and how often it was found.'));
  if (!data.targets.length) { view.append(el('div', { class: 'empty', text: 'No targets have been found yet.' })); return; }
  view.append(el('table', { class: 'targets' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Target'), el('th', { class: 'num' }, 'Appearances'),
      el('th', { class: 'num' }, 'Videos'), el('th', { class: 'num' }, 'Unreviewed'), el('th', { class: 'num' }, 'Confirmed'),
      el('th', { class: 'num' }, 'Dismissed'), el('th', {}, 'Last seen'))),
    el('tbody', {}, data.targets.map((t) => el('tr', {},
      el('td', {}, el('a', { href: '#/target/' + encodeURIComponent(t.name) }, t.name)),
      el('td', { class: 'num' }, t.appearances), el('td', { class: 'num' }, t.videos),
      el('td', { class: 'num' }, t.unreviewed),
      el('td', { class: 'num' }, t.confirmed), el('td', { class: 'num' }, t.dismissed),
      el('td', {}, when(t.last_seen)))))));
}

function tickStep(duration) {
  for (const step of [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600]) if (duration / step <= 10) return step;
  return 1200;
}

async function videoView(view, key) {
  const data = await api('/api/videos/' + encodeURIComponent(key));
  const video = data.video;
  const ends = data.appearances.map((a) => a.end);
  const duration = video.duration || Math.max(1, ...ends) * 1.05;
  const title = video.title || video.platform_id || video.id;
  view.append(el('h1', { class: 'video-title' }, title),
    el('p', { class: 'sub' }, 'by ', el('span', { class: 'author' }, video.author || 'unknown author'),
      ' · ', video.platform, ' · ', clock(duration), video.duration ? '' : ' (shown up to the last appearance)',
      video.source ? ' · source ' : '', video.source || '', ' ', externalLink(video.url)));

  const preview = el('div', { class: 'preview' },
    el('span', { class: 'hint' }, 'Hover over or click a bar to see its evidence.'));
  const timeline = el('div', { class: 'timeline', 'aria-label': 'when each target is on screen' });
  const axis = el('div', { class: 'axis' });
  const step = tickStep(duration);
  for (let t = 0; t <= duration + 1e-9; t += step) {
    const tick = el('span', {}, clock(t));
    tick.style.left = (t / duration * 100) + '%';
    axis.appendChild(tick);
  }
  const byTarget = new Map();
  for (const a of data.appearances) {
    if (!byTarget.has(a.target)) byTarget.set(a.target, []);
    byTarget.get(a.target).push(a);
  }
  let pinned = null;
  function show(a, bar, pin) {
    if (pinned && !pin) return;
    if (pin) {
      if (pinned) pinned.classList.remove('selected');
      pinned = bar;
      bar.classList.add('selected');
    }
    preview.replaceChildren(
      evidenceImage(a.evidence.frame || a.evidence.crop, 'evidence frame: ' + a.target, 'frame'),
      el('div', {},
        el('p', {}, el('strong', {}, a.target), ' on screen ', clock(a.start), '–', clock(a.end),
          ', best frame at ', clock(a.best_time), ', score ', percent(a.score)),
        verdictControls(a, (changed) => { bar.className = 'bar ' + changed.verdict + (bar === pinned ? ' selected' : ''); })));
  }
  for (const [target, appearances] of byTarget) {
    const track = el('div', { class: 'track' });
    for (const a of appearances) {
      const bar = el('button', { type: 'button', class: 'bar ' + a.verdict, dataset: { appearance: a.id },
        title: target + ' ' + clock(a.start) + '–' + clock(a.end) + ' (' + percent(a.score) + ')' });
      bar.style.left = (a.start / duration * 100) + '%';
      bar.style.width = Math.max(0.4, (a.end - a.start) / duration * 100) + '%';
      bar.addEventListener('mouseenter', () => show(a, bar, false));
      bar.addEventListener('focus', () => show(a, bar, false));
      bar.addEventListener('click', () => show(a, bar, true));
      track.appendChild(bar);
    }
    timeline.appendChild(el('div', { class: 'lane' },
      el('a', { class: 'lane-label', href: '#/target/' + encodeURIComponent(target) }, target), track));
  }
  timeline.appendChild(axis);
  if (!data.appearances.length) { view.append(el('div', { class: 'empty', text: 'No target was found in this video.' })); return; }
  const { table, body } = appearanceTable();
  for (const a of data.appearances) body.appendChild(appearanceRow(a));
  view.append(timeline, preview, table);
}

async function sourcesView(view) {
  const data = await api('/api/sources');
  view.append(el('h1', {}, 'Sources'), el('p', { class: 'sub' }, 'The feeds being watched and whether their last polls worked.'));
  if (!data.sources.length) { view.append(el('div', { class: 'empty', text: 'No sources are configured.' })); return; }
  view.append(el('table', { class: 'sources' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Source'), el('th', {}, 'Kind'), el('th', {}, 'Location'),
      el('th', {}, 'Health'), el('th', {}, 'Last poll'), el('th', {}, 'Last success'),
      el('th', { class: 'num' }, 'Failures in a row'), el('th', { class: 'num' }, 'Videos'), el('th', {}, 'Last error'))),
    el('tbody', {}, data.sources.map((s) => el('tr', { dataset: { health: s.health } },
      el('td', {}, el('strong', {}, s.name)), el('td', {}, s.kind), el('td', { class: 'location' }, s.location),
      el('td', {}, el('span', { class: 'badge ' + s.health.split(' ')[0] }, s.health)),
      el('td', {}, when(s.last_polled)), el('td', {}, when(s.last_success)),
      el('td', { class: 'num' }, s.consecutive_failures), el('td', { class: 'num' }, s.videos),
      el('td', { class: 'error-text' }, s.last_error || ''))))));
}

// --- trends ------------------------------------------------------------------

// SVG's namespace, read from the page's own (empty, hidden) <svg> rather than
// written out: the page names no remote address at all (server.DashboardApi
// checks it).
const SVG_NS = document.getElementById('svg-namespace').namespaceURI;
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// 950, 8.1k, 2.4M: as the alerts write figures.
function compact(value) {
  const a = Math.abs(value);
  if (a < 1000) return String(Math.round(value));
  const units = ['k', 'M', 'B', 'T'];
  let scaled = value / 1000;
  let unit = 0;
  while (Math.abs(scaled) >= 999.95 && unit < 3) { scaled /= 1000; unit++; }
  return scaled.toFixed(Math.abs(scaled) < 99.95 ? 1 : 0).replace(/\.0$/, '') + units[unit];
}

// A step for the y axis that gives about four gridlines.
function niceStep(max) {
  const raw = Math.max(max, 1) / 4;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (raw <= m * power) return Math.max(1, m * power);
  return 10 * power;
}

// Videos per bucket as bars (left axis), reach (views) as a line (right
// axis), surges as shaded spans from their first bucket to their end.
function trendChart(report) {
  const W = 1200, H = 300, left = 48, right = 64, top = 24, bottom = 40;
  const buckets = report.buckets;
  const n = Math.max(buckets.length, 1);
  const plotW = W - left - right, plotH = H - top - bottom;
  const slot = plotW / n;
  const t0 = buckets.length ? Date.parse(buckets[0].start) : Date.parse(report.since);
  const step = report.by === 'day' ? 86400000 : 3600000;
  const xOf = (ms) => left + (ms - t0) / step * slot;
  const maxVideos = Math.max(1, ...buckets.map((b) => b.videos));
  const vStep = niceStep(maxVideos);
  const vTop = Math.ceil(maxVideos / vStep) * vStep;
  const maxViews = Math.max(1, ...buckets.map((b) => b.views));
  const yV = (v) => top + plotH - v / vTop * plotH;
  const yR = (v) => top + plotH - v / maxViews * plotH;
  const chart = svg('svg', { class: 'trend-chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img',
    'aria-label': 'videos per ' + report.by + ' and their reach' });
  const grid = svg('g', { class: 'grid' });
  for (let v = 0; v <= vTop; v += vStep) {
    grid.appendChild(svg('line', { x1: left, x2: W - right, y1: yV(v), y2: yV(v) }));
    grid.appendChild(svg('text', { x: left - 6, y: yV(v) + 4, 'text-anchor': 'end' }, String(v)));
  }
  grid.appendChild(svg('text', { x: W - right + 6, y: top + 4 }, compact(maxViews)));
  grid.appendChild(svg('text', { x: W - right + 6, y: top + plotH + 4 }, '0'));
  grid.appendChild(svg('text', { x: left, y: 14, class: 'legend-videos' }, 'videos per ' + report.by));
  grid.appendChild(svg('text', { x: W - right, y: 14, 'text-anchor': 'end', class: 'legend-reach' }, 'reach (views)'));
  chart.appendChild(grid);

  const end = Date.parse(report.until);
  const surges = svg('g', { class: 'surges' });
  for (const s of report.surges) {
    const from = Math.max(Date.parse(s.started_at), t0);
    const to = s.ended_at ? Date.parse(s.ended_at) : end;
    if (to < t0) continue;
    const x = xOf(from);
    const w = Math.max(xOf(Math.max(to, from + step)) - x, 3);
    surges.appendChild(svg('rect', { class: 'surge', x: x, y: top, width: w, height: plotH,
      'data-surge': s.id }, svg('title', {}, 'surge: ' + s.reason)));
    // Labelled inside its span, from the side with room (an open surge is at the right edge).
    const fromRight = x + w > left + plotW * 0.8;
    surges.appendChild(svg('text', { class: 'surge-label', x: fromRight ? x - 3 : x + 3, y: top + 26,
      'text-anchor': fromRight ? 'end' : 'start' }, s.ended_at ? 'surge' : 'surge (open)'));
  }
  chart.appendChild(surges);

  const bars = svg('g', { class: 'bars' });
  buckets.forEach((b, i) => {
    if (!b.videos) return;
    const h = Math.max(plotH - (yV(b.videos) - top), 1);
    bars.appendChild(svg('rect', { class: 'bar-videos', x: left + i * slot + slot * 0.12, y: yV(b.videos),
      width: Math.max(slot * 0.76, 1), height: h, 'data-start': b.start, 'data-videos': b.videos },
    svg('title', {}, when(b.start) + ': ' + b.videos + ' videos, ' + b.authors + ' authors, ' + compact(b.views) + ' views')));
  });
  chart.appendChild(bars);

  let d = '';
  buckets.forEach((b, i) => { d += (i ? 'L' : 'M') + (left + (i + 0.5) * slot).toFixed(1) + ' ' + yR(b.views).toFixed(1); });
  if (d) chart.appendChild(svg('path', { class: 'reach', d: d }));

  const axis = svg('g', { class: 'x-axis' });
  const labels = Math.min(8, n);
  for (let k = 0; k < labels; k++) {
    const i = Math.round(k * (n - 1) / Math.max(labels - 1, 1));
    if (!buckets[i]) continue;
    const text = report.by === 'day' ? buckets[i].start.slice(5, 10) : buckets[i].start.slice(5, 13).replace('T', ' ') + 'h';
    axis.appendChild(svg('text', { x: left + (i + 0.5) * slot, y: H - 14, 'text-anchor': 'middle' }, text));
  }
  chart.appendChild(axis);
  return chart;
}

function topVideoRow(v) {
  const title = v.title || v.id;
  const thumb = v.evidence ? evidenceImage(v.evidence.crop || v.evidence.frame, 'evidence: ' + title) :
    el('div', { class: 'thumb missing', text: 'no image' });
  return el('tr', { dataset: { video: v.video } },
    el('td', {}, el('a', { href: '#/video/' + encodeURIComponent(v.video) }, thumb)),
    el('td', {}, el('a', { class: 'video-title', href: '#/video/' + encodeURIComponent(v.video) }, title), externalLink(v.url)),
    el('td', { class: 'author' }, v.author || '—'),
    el('td', { class: 'num views' }, v.views === null ? '—' : compact(v.views)),
    el('td', { class: 'num' }, v.likes === null ? '—' : compact(v.likes)),
    el('td', {}, when(v.posted_at || v.counted_at)),
    el('td', { class: 'num score' }, percent(v.best_score)));
}

async function trendView(view, name) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const by = params.get('by') === 'day' ? 'day' : 'hour';
  const since = params.get('since') || (by === 'day' ? '30d' : '7d');
  const report = await api('/api/trends?' + new URLSearchParams({ target: name, by: by, since: since }));
  const total = report.buckets.reduce((sum, b) => sum + b.videos, 0);
  const views = report.buckets.reduce((sum, b) => sum + b.views, 0);
  const open = report.surges.find((s) => !s.ended_at);
  const choose = el('div', { class: 'toolbar' },
    ...[['hour', '7d', 'Last 7 days by hour'], ['hour', '48h', 'Last 48 hours'], ['day', '30d', 'Last 30 days by day']]
      .map(([b, s, label]) => el('a', { class: 'range' + (b === by && s === since ? ' current' : ''),
        href: '#/trends/' + encodeURIComponent(name) + '?by=' + b + '&since=' + s }, label)));
  view.append(el('h1', {}, 'Trend: ', el('span', { class: 'target-name' }, name)),
    el('p', { class: 'sub' }, total + ' videos, ' + compact(views) + ' views since ' + when(report.since) + '. ',
      open ? el('strong', { class: 'surging' }, 'Surging now: ' + open.reason) : 'No surge open.'),
    choose, el('div', { class: 'chart-card' }, trendChart(report)));
  if (report.surges.length) {
    view.append(el('h2', {}, 'Surges'), el('table', { class: 'surges' },
      el('thead', {}, el('tr', {}, el('th', {}, 'From'), el('th', {}, 'Until'), el('th', { class: 'num' }, 'Videos'),
        el('th', { class: 'num' }, 'Expected'), el('th', { class: 'num' }, 'Views'), el('th', {}, 'Why'))),
      el('tbody', {}, report.surges.map((s) => el('tr', { dataset: { surge: s.id } },
        el('td', {}, when(s.started_at)), el('td', {}, s.ended_at ? when(s.ended_at) : 'still open'),
        el('td', { class: 'num' }, s.videos), el('td', { class: 'num' }, s.expected),
        el('td', { class: 'num' }, compact(s.views)), el('td', {}, s.reason))))));
  }
  view.append(el('h2', {}, 'Most viewed videos'));
  if (!report.top_videos.length) { view.append(el('div', { class: 'empty', text: 'No videos in this period.' })); return; }
  view.append(el('table', { class: 'top-videos' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Evidence'), el('th', {}, 'Video'), el('th', {}, 'Author'),
      el('th', { class: 'num' }, 'Views'), el('th', { class: 'num' }, 'Likes'), el('th', {}, 'Posted'), el('th', { class: 'num' }, 'Score'))),
    el('tbody', {}, report.top_videos.map(topVideoRow))));
}

async function trendsView(view, argument) {
  const name = argument.split('?')[0];
  if (name) return trendView(view, name);
  const data = await api('/api/trends?since=7d');
  view.append(el('h1', {}, 'Trends'), el('p', { class: 'sub' }, 'Videos with each target in the last 7 days, and who is surging.'));
  if (!data.targets.length) { view.append(el('div', { class: 'empty', text: 'No targets have been found yet.' })); return; }
  view.append(el('table', { class: 'trend-targets' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Target'), el('th', { class: 'num' }, 'Videos (7 days)'),
      el('th', { class: 'num' }, 'Views'), el('th', {}, 'Surge'))),
    el('tbody', {}, data.targets.map((t) => el('tr', {},
      el('td', {}, el('a', { href: '#/trends/' + encodeURIComponent(t.name) }, t.name)),
      el('td', { class: 'num' }, t.videos), el('td', { class: 'num' }, compact(t.views)),
      el('td', {}, t.open_surge ? el('strong', { class: 'surging' }, t.open_surge.reason) : '—'))))));
}

const routes = { '': latestView, target: targetView, targets: targetsView, video: videoView, sources: sourcesView, trends: trendsView };

async function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const slash = hash.indexOf('/');
  const name = slash < 0 ? hash : hash.slice(0, slash);
  let argument = '';
  try { argument = slash < 0 ? '' : decodeURIComponent(hash.slice(slash + 1)); } catch (e) { argument = ''; }
  const render = routes[name] || latestView;
  for (const link of document.querySelectorAll('header nav a')) {
    link.classList.toggle('current', link.dataset.page === (name === 'target' ? 'targets' : name || 'latest'));
  }
  forgetImages();
  setStatus('');
  const view = el('div', { id: 'page-' + (name || 'latest') });
  document.getElementById('view').replaceChildren(view);
  try {
    await render(view, argument);
    document.body.dataset.ready = name || 'latest';
  } catch (error) {
    setStatus(error.message);
    document.body.dataset.ready = 'error';
  }
}

window.addEventListener('hashchange', () => { document.body.dataset.ready = ''; route(); });
route();

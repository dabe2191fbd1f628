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

function appearanceRow(a) {
  const row = el('tr', { dataset: { appearance: a.id, verdict: a.verdict } });
  const title = a.video.title || a.video.platform_id || a.video.id;
  row.append(
    el('td', {}, evidenceImage(a.evidence.crop || a.evidence.frame, 'evidence: ' + a.target)),
    el('td', {}, el('a', { class: 'target', href: '#/target/' + encodeURIComponent(a.target) }, a.target)),
    el('td', {},
      el('a', { class: 'video-title', href: '#/video/' + encodeURIComponent(a.video.id) }, title),
      externalLink(a.video.url)),
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

const routes = { '': latestView, target: targetView, targets: targetsView, video: videoView, sources: sourcesView };

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

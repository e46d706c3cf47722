// Central station: one tile per device from the server's event stream (/api/station, once a second, only what
// changed). What needs attention sorts first: unacknowledged high, medium, low alarms, then devices without signal.
'use strict';
const tiles = new Map(); // id -> { data, element }
const container = document.getElementById('tiles');
const rank = { high: 30, medium: 20, low: 10 };

function attention(t) {
  let score = 0;
  for (const a of t.alerts) {
    score = Math.max(score, (rank[a.priority] || 0) + (a.acknowledged ? 0 : 5));
  }
  if (t.status === 'error' || t.status === 'no-signal') score = Math.max(score, 8);
  if (t.status === 'offline') score = Math.max(score, 1);
  return score;
}

function text(tag, cls, value) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.textContent = value;
  return e;
}

function render(el, t) {
  const top = t.alerts[0];
  el.className = 'tile status-' + t.status + (top ? ' ' + top.priority : '');
  el.dataset.device = t.id;
  el.dataset.alert = top ? top.id : '';
  el.dataset.priority = top ? top.priority : '';
  el.replaceChildren();
  const head = document.createElement('div');
  const link = text('a', 'device', t.id);
  link.href = '/bedside#' + encodeURIComponent(t.id);
  head.append(link, text('span', 'meta', '  ' + t.status));
  const hr = document.createElement('div');
  hr.append(text('span', 'hr', t.hr == null ? '--' : String(t.hr)), text('span', 'unit', ' bpm'));
  const meta = text('div', 'meta',
    'irregularity ' + (t.irregularity == null ? '--' : t.irregularity.toFixed(2)) +
    ' · quality ' + (t.quality == null ? '--' : t.quality.toFixed(2)) + (t.decision ? ' · murmur: ' + t.decision : ''));
  el.append(head, hr, meta);
  if (top) {
    const alert = document.createElement('div');
    alert.className = 'alert ' + top.priority + (top.acknowledged ? '' : ' flash');
    alert.append(text('span', 'type', top.type + (t.alerts.length > 1 ? ' (+' + (t.alerts.length - 1) + ')' : '')));
    if (!top.acknowledged) {
      const ack = text('button', 'ack', 'Acknowledge');
      ack.type = 'button';
      ack.addEventListener('click', () => acknowledge(top.id, ack));
      alert.append(ack);
    } else {
      alert.append(text('span', 'acked', 'acknowledged'));
    }
    el.append(alert);
  }
}

async function acknowledge(id, button) {
  button.disabled = true;
  const r = await fetch('/api/alerts/' + encodeURIComponent(id) + '/ack', { method: 'POST', headers: { 'X-HeartStream': 'ack' } });
  if (!r.ok) { button.disabled = false; button.textContent = 'not acknowledged (' + r.status + ')'; }
}

function layout() {
  const sorted = [...tiles.values()].sort((a, b) => attention(b.data) - attention(a.data) || a.data.id.localeCompare(b.data.id));
  sorted.forEach((t, i) => { if (container.children[i] !== t.element) container.insertBefore(t.element, container.children[i] || null); });
  const alarms = sorted.filter(t => t.data.alerts.some(a => !a.acknowledged)).length;
  document.getElementById('summary').textContent = sorted.length + ' devices, ' + alarms + ' with unacknowledged alarms';
}

function connect() {
  const source = new EventSource('/api/station');
  const state = document.getElementById('connection');
  source.onopen = () => { state.textContent = 'live'; state.classList.add('live'); };
  source.onerror = () => { state.textContent = 'reconnecting…'; state.classList.remove('live'); };
  source.addEventListener('tiles', e => {
    const update = JSON.parse(e.data);
    if (update.full) {
      const listed = new Set(update.tiles.map(t => t.id));
      for (const [id, entry] of tiles) if (!listed.has(id)) { entry.element.remove(); tiles.delete(id); }
    }
    for (const id of update.removed || []) {
      const gone = tiles.get(id);
      if (gone) { gone.element.remove(); tiles.delete(id); }
    }
    for (const t of update.tiles) {
      let entry = tiles.get(t.id);
      if (!entry) { entry = { element: document.createElement('article') }; tiles.set(t.id, entry); }
      entry.data = t;
      render(entry.element, t);
    }
    layout();
  });
}

connect();

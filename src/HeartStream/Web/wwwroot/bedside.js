// Bedside view of one device (/bedside#id): the last 10 s of heart sound as a scrolling envelope with S1/S2 marked,
// vitals, the classifier's decision, the heart-rate trend of the last hour and the alert history, pushed by the server
// four times a second (/api/devices/{id}/stream).
'use strict';
const id = decodeURIComponent(location.hash.slice(1));
const blocks = []; // { start, rate, peaks }
const beats = [];  // { type, start, end }
let trend = [];
let head = 0;      // newest second of audio seen
const span = 10;
document.getElementById('device').textContent = id || '(no device)';

function drawWaveform() {
  const c = document.getElementById('waveform');
  const g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  const from = head - span;
  const x = t => (t - from) / span * c.width;
  const mid = c.height / 2;
  let peak = 1e-6;
  for (const b of blocks) for (const p of b.peaks) peak = Math.max(peak, p);
  g.strokeStyle = '#3fb950';
  g.beginPath();
  for (const b of blocks) {
    for (let i = 0; i < b.peaks.length; i++) {
      const t = b.start + i / b.rate;
      if (t < from) continue;
      const h = b.peaks[i] / peak * (mid - 12);
      g.moveTo(x(t), mid - h);
      g.lineTo(x(t), mid + h);
    }
  }
  g.stroke();
  g.font = '13px system-ui';
  for (const s of beats) {
    if (s.end < from) continue;
    g.fillStyle = s.type === 'S1' ? 'rgba(255,123,114,0.35)' : 'rgba(121,192,255,0.35)';
    g.fillRect(x(s.start), 0, Math.max(2, x(s.end) - x(s.start)), c.height);
    g.fillStyle = s.type === 'S1' ? '#ff7b72' : '#79c0ff';
    g.fillText(s.type, x(s.start), 14);
  }
  c.dataset.head = head.toFixed(2);
  c.dataset.marks = String(beats.filter(s => s.end >= from).length);
}

function drawTrend() {
  const c = document.getElementById('trend');
  const g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  if (trend.length === 0) return;
  const end = trend[trend.length - 1][0], start = end - 3600;
  const lo = 30, hi = 220;
  const x = t => (t - start) / 3600 * c.width, y = v => c.height - (v - lo) / (hi - lo) * c.height;
  g.strokeStyle = '#30363d';
  g.fillStyle = '#8b98a5';
  g.font = '12px system-ui';
  for (const v of [60, 100, 150, 200]) { g.beginPath(); g.moveTo(0, y(v)); g.lineTo(c.width, y(v)); g.stroke(); g.fillText(String(v), 4, y(v) - 2); }
  g.strokeStyle = '#e6edf3';
  g.beginPath();
  trend.forEach(([t, v], i) => (i ? g.lineTo(x(t), y(v)) : g.moveTo(x(t), y(v))));
  g.stroke();
  g.fillStyle = '#e6edf3';
  for (const [t, v] of trend) g.fillRect(x(t) - 2, y(v) - 2, 4, 4);
}

function showTile(t) {
  document.getElementById('hr').textContent = t.hr == null ? '--' : String(t.hr);
  document.getElementById('irregularity').textContent = t.irregularity == null ? '--' : t.irregularity.toFixed(2);
  document.getElementById('quality').textContent = t.quality == null ? '--' : t.quality.toFixed(2);
  document.getElementById('status').textContent = t.status + (t.reason ? ' (' + t.reason + ')' : '');
  const active = document.getElementById('active');
  active.replaceChildren();
  for (const a of t.alerts) {
    const e = document.createElement('div');
    e.className = 'alert ' + a.priority + (a.acknowledged ? '' : ' flash');
    e.textContent = a.type + ': ' + a.message + (a.acknowledged ? ' (acknowledged)' : '');
    active.append(e);
  }
}

function showDetail(u) {
  if (u.trend) { trend = u.trend; drawTrend(); }
  if (u.classification) {
    const c = u.classification;
    const parts = Object.entries(c).filter(([k]) => k !== 'model' && k !== 'time').map(([k, v]) => k + ' ' + (v == null ? 'cannot tell' : Number(v).toFixed(2)));
    document.getElementById('decision').textContent = parts.join(', ') + ' (' + c.model + ')';
  }
  if (u.history) {
    const body = document.querySelector('#history tbody');
    body.replaceChildren();
    for (const a of [...u.history].reverse()) {
      const row = document.createElement('tr');
      for (const v of [a.raised.toFixed(1), a.type, a.priority, a.state, a.acknowledged ? 'yes' : 'no', a.message]) {
        const td = document.createElement('td'); td.textContent = v; row.append(td);
      }
      body.append(row);
    }
  }
}

function connect() {
  if (!id) return;
  const source = new EventSource('/api/devices/' + encodeURIComponent(id) + '/stream');
  const state = document.getElementById('connection');
  source.onopen = () => { state.textContent = 'live'; state.classList.add('live'); };
  source.onerror = () => { state.textContent = 'reconnecting…'; state.classList.remove('live'); };
  source.addEventListener('bedside', e => {
    const u = JSON.parse(e.data);
    showTile(u.tile);
    for (const b of u.waveform) { blocks.push(b); head = Math.max(head, b.start + b.peaks.length / b.rate); }
    for (const s of u.beats) beats.push(s);
    while (blocks.length && blocks[0].start + blocks[0].peaks.length / blocks[0].rate < head - span) blocks.shift();
    while (beats.length && beats[0].end < head - span) beats.shift();
    showDetail(u);
    drawWaveform();
  });
}

connect();

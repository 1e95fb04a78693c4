/* hemosim serve front end: plain JavaScript and <canvas>, no network beyond this server.
 * The server owns the simulation (one per page); this page polls /frames every 100 ms,
 * keeps the last seconds of samples and draws them at the display refresh rate on a
 * clock that runs at real time x speed, a little behind the newest sample. */
'use strict';

/* $, api and showError: api.js */
const fmt = (x, d) => (x === null || x === undefined || !isFinite(x)) ? '--' : x.toFixed(d);
/* Text from the server (notes, labels, a strategy the user typed) as HTML text or an
   attribute value (quotes escaped too). */
const htm = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  .replace(/"/g, '&quot;');

/* ---- state ------------------------------------------------------------------------- */
const S = {
  id: null, info: null, speed: 1, paused: false,
  seq: -1, beatsSeen: -1, marksSeen: -1,
  t: [], sig: {},          /* samples: time and per signal */
  latest: 0, disp: 0,      /* newest sample time, display clock (s) */
  trend: [], marks: [], tiles: {},
  baseline: null, params: [], edits: {},
  frames: 0, fps: 0, polls: 0, drawMs: 0, /* drawMs: time spent drawing, summed */
};
window.hemosim = S; /* for the end-to-end test and the curious */

const KEEP_S = 14, WINDOW_S = 8;

function resetBuffers() {
  S.seq = -1; S.beatsSeen = -1; S.marksSeen = -1;
  S.t = []; S.sig = {}; S.trend = []; S.marks = []; S.latest = 0; S.disp = 0;
}

/* ---- session ------------------------------------------------------------------------ */
async function newSession(body) {
  if (S.id) api('DELETE', `/api/sessions/${S.id}`).catch(() => {});
  resetBuffers();
  const r = await api('POST', '/api/sessions', body || {});
  S.id = r.id;
  await refreshInfo();
}

async function refreshInfo() {
  S.info = await api('GET', `/api/sessions/${S.id}`);
  $('patient-name').textContent = S.info.patient;
  $('patient-desc').textContent = S.info.description;
  await refreshParams();
}

async function poll() {
  if (!S.id) { setTimeout(poll, 200); return; }
  try {
    const q = `after=${S.seq}&beats=${S.beatsSeen}&marks=${S.marksSeen}`;
    const f = await api('GET', `/api/sessions/${S.id}/frames?${q}`);
    ingest(f);
    showError(f.error ? 'simulation stopped: ' + f.error : '');
    S.polls++;
  } catch (e) {
    showError(String(e.message || e));
    if (/no such session/.test(e.message)) { S.id = null; newSession(currentPatientBody()).catch(() => {}); }
  }
  setTimeout(poll, 100);
}

function ingest(f) {
  const n = f.t_samples.length;
  if (n && f.first > S.seq + 1 && S.seq >= 0) { /* fell behind the ring: start over */
    S.t = []; S.sig = {};
  }
  for (let i = 0; i < n; i++) S.t.push(f.t_samples[i]);
  for (const [k, a] of Object.entries(f.samples)) {
    if (!S.sig[k]) S.sig[k] = [];
    for (let i = 0; i < a.length; i++) S.sig[k].push(a[i]);
  }
  S.seq = f.seq;
  if (n) S.latest = f.t_samples[n - 1];
  /* trim */
  let cut = 0;
  while (cut < S.t.length && S.t[cut] < S.latest - KEEP_S) cut++;
  if (cut > 0) { S.t.splice(0, cut); for (const k in S.sig) S.sig[k].splice(0, cut); }
  for (const row of f.trend) S.trend.push(row);
  if (S.trend.length > 5000) S.trend.splice(0, S.trend.length - 5000);
  S.beatsSeen = f.beats - 1;
  for (const m of f.marks) S.marks.push(m);
  S.marksSeen = f.nmarks - 1;
  if (f.tiles) { S.tiles = f.tiles; drawTiles(); }
  S.speed = f.speed; S.paused = f.paused;
}

/* ---- drawing --------------------------------------------------------------------------- */
function fitCanvas(c) {
  const r = c.getBoundingClientRect(), d = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(r.width * d)), h = Math.max(1, Math.round(r.height * d));
  if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  const g = c.getContext('2d');
  g.setTransform(d, 0, 0, d, 0, 0);
  return { g, w: r.width, h: r.height };
}

/* index of the first sample with time >= t (binary search) */
function lower(t) {
  let lo = 0, hi = S.t.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (S.t[m] < t) lo = m + 1; else hi = m; }
  return lo;
}

const BANDS = [
  { title: 'ECG (beat marker)', ecg: true, h: 0.12 },
  { title: 'Arterial: radial / femoral', sigs: [['p_radial', '#ff5252'], ['p_femoral', '#ff9e80']], lo: 0, hi: 160, h: 0.25 },
  { title: 'LV / aortic root', sigs: [['p_lv', '#69f0ae'], ['p_aortic_root', '#ff5252']], lo: 0, hi: 160, h: 0.25 },
  { title: 'PA', sigs: [['p_pa', '#ffd740']], lo: 0, hi: 60, h: 0.19 },
  { title: 'CVP / LA', sigs: [['p_cvp', '#40c4ff'], ['p_la', '#ea80fc']], lo: 0, hi: 40, h: 0.19 },
];

function drawWaves() {
  const { g, w, h } = fitCanvas($('waves'));
  g.fillStyle = '#000'; g.fillRect(0, 0, w, h);
  const t1 = S.disp, t0 = t1 - WINDOW_S, i0 = lower(t0), i1 = lower(t1);
  const X = (t) => 40 + (t - t0) / WINDOW_S * (w - 48);
  let y = 0;
  for (const b of BANDS) {
    const bh = b.h * h;
    g.strokeStyle = '#1c2630'; g.beginPath(); g.moveTo(0, y + bh); g.lineTo(w, y + bh); g.stroke();
    g.fillStyle = '#8496a8'; g.font = '11px system-ui'; g.fillText(b.title, 44, y + 12);
    if (b.ecg) {
      /* synthetic QRS at each beat start (R wave = end of the previous beat) */
      g.strokeStyle = '#76ff03'; g.lineWidth = 1.5; g.beginPath();
      const base = y + bh * 0.7;
      g.moveTo(X(t0), base);
      for (const row of S.trend) {
        const tr = row[0];
        if (tr < t0 || tr > t1) continue;
        const x = X(tr);
        g.lineTo(x - 4, base); g.lineTo(x - 2, base + 4); g.lineTo(x, y + bh * 0.15);
        g.lineTo(x + 2, base + 8); g.lineTo(x + 4, base);
      }
      g.lineTo(X(t1), base); g.stroke();
    } else {
      const Y = (p) => y + bh - 4 - (p - b.lo) / (b.hi - b.lo) * (bh - 16);
      g.fillStyle = '#56677a'; g.fillText(String(b.hi), 4, Y(b.hi) + 4); g.fillText(String(b.lo), 4, Y(b.lo));
      for (const [name, col] of b.sigs) {
        const a = S.sig[name];
        if (!a || !a.length) continue;
        g.strokeStyle = col; g.lineWidth = 1.4; g.beginPath();
        let pen = false;
        for (let i = i0; i < i1; i++) {
          if (a[i] === null) { pen = false; continue; }
          const x = X(S.t[i]), yy = Y(Math.max(b.lo - 5, Math.min(b.hi + 5, a[i])));
          if (pen) g.lineTo(x, yy); else { g.moveTo(x, yy); pen = true; }
        }
        g.stroke();
      }
    }
    y += bh;
  }
  /* change marks */
  g.fillStyle = '#ffd740';
  for (const m of S.marks) if (m.t >= t0 && m.t <= t1) { g.fillRect(X(m.t), 0, 1, h); }
  g.lineWidth = 1;
}

/* the last beat's loop: samples within one RR interval before the display time */
function loopData(vn, pn) {
  const hr = S.tiles.hr_bpm || 80, rr = 60 / hr;
  const i0 = lower(S.disp - rr * 1.02), i1 = lower(S.disp);
  const v = S.sig[vn], p = S.sig[pn], out = [];
  if (!v || !p) return out;
  for (let i = i0; i < i1; i++) if (v[i] !== null && p[i] !== null) out.push([v[i], p[i]]);
  return out;
}

function loopStats(pts) {
  if (!pts.length) return null;
  let vmin = Infinity, vmax = -Infinity, pmax = -Infinity;
  for (const [v, p] of pts) { vmin = Math.min(vmin, v); vmax = Math.max(vmax, v); pmax = Math.max(pmax, p); }
  return { esv: vmin, edv: vmax, sv: vmax - vmin, pmax };
}

function drawPV() {
  const { g, w, h } = fitCanvas($('pv'));
  g.fillStyle = '#000'; g.fillRect(0, 0, w, h);
  const lv = loopData('v_lv', 'p_lv'), rv = loopData('v_rv', 'p_rv');
  S.lvLoop = loopStats(lv); S.rvLoop = loopStats(rv);
  const panes = [['LV', lv, S.baseline && S.baseline.lv, '#69f0ae', 160], ['RV', rv, S.baseline && S.baseline.rv, '#ffd740', 60]];
  panes.forEach(([name, pts, base, col, pmaxDefault], k) => {
    const x0 = k * w / 2 + 34, x1 = (k + 1) * w / 2 - 8, y0 = 10, y1 = h - 22;
    const all = pts.concat(base || []);
    let vmax = 250, pmax = pmaxDefault;
    for (const [v, p] of all) { vmax = Math.max(vmax, v * 1.1); pmax = Math.max(pmax, p * 1.1); }
    const X = (v) => x0 + v / vmax * (x1 - x0), Y = (p) => y1 - p / pmax * (y1 - y0);
    g.strokeStyle = '#263241'; g.strokeRect(x0, y0, x1 - x0, y1 - y0);
    g.fillStyle = '#8496a8'; g.font = '11px system-ui';
    g.fillText(`${name} (mL, mmHg)`, x0 + 6, y0 + 12);
    g.fillText(String(Math.round(pmax)), x0 - 30, y0 + 8); g.fillText('0', x0 - 12, y1);
    g.fillText(String(Math.round(vmax)), x1 - 24, y1 + 14);
    const path = (p, style, dash) => {
      if (!p || p.length < 2) return;
      g.strokeStyle = style; g.setLineDash(dash); g.lineWidth = 2; g.beginPath();
      p.forEach(([v, pp], i) => (i ? g.lineTo(X(v), Y(pp)) : g.moveTo(X(v), Y(pp))));
      g.stroke(); g.setLineDash([]);
    };
    path(base, '#8496a8', [5, 4]);
    path(pts, col, []);
  });
  g.lineWidth = 1;
}

const TREND_SHOW = [['map_mmhg', '#ff5252', 0, 150], ['pcwp_mmhg', '#ea80fc', 0, 50],
                    ['co_lpm', '#69f0ae', 0, 8], ['lv_output_lpm', '#40c4ff', 0, 8]];
function drawTrend() {
  const { g, w, h } = fitCanvas($('trend'));
  g.fillStyle = '#000'; g.fillRect(0, 0, w, h);
  if (!S.info || !S.trend.length) return;
  const cols = S.info.trend_columns, t1 = S.disp, span = Math.max(60, Math.min(600, t1 - S.trend[0][0]));
  const t0 = t1 - span, X = (t) => 8 + (t - t0) / span * (w - 16);
  g.font = '11px system-ui';
  TREND_SHOW.forEach(([name, col, lo, hi], k) => {
    const c = cols.indexOf(name);
    if (c < 0) return;
    const Y = (v) => h - 6 - (v - lo) / (hi - lo) * (h - 24);
    g.strokeStyle = col; g.lineWidth = 1.5; g.beginPath();
    let pen = false;
    for (const row of S.trend) {
      if (row[0] < t0 || row[0] > t1 || row[c] === null) continue;
      const x = X(row[0]), y = Y(row[c]);
      if (pen) g.lineTo(x, y); else { g.moveTo(x, y); pen = true; }
    }
    g.stroke();
    g.fillStyle = col; g.fillText(`${name} (${lo}-${hi})`, 10 + k * 130, 12);
  });
  g.fillStyle = '#ffd740'; g.strokeStyle = '#ffd740';
  for (const m of S.marks) {
    if (m.t < t0 || m.t > t1) continue;
    const x = X(m.t);
    g.setLineDash([3, 3]); g.beginPath(); g.moveTo(x, 16); g.lineTo(x, h); g.stroke(); g.setLineDash([]);
    g.save(); g.translate(x + 3, 22); g.rotate(Math.PI / 2); g.fillText(m.text.slice(0, 48), 0, 0); g.restore();
  }
  g.lineWidth = 1;
}

/* numeric tiles: [label, metric(s), unit, decimals] */
const TILES = [
  ['HR', 'hr_bpm', '/min', 0], ['BP', ['sbp_mmhg', 'dbp_mmhg'], 'mmHg', 0], ['MAP', 'map_mmhg', 'mmHg', 0],
  ['Total flow', 'co_lpm', 'L/min', 2], ['Native LV output', 'lv_output_lpm', 'L/min', 2],
  ['PCWP', 'pcwp_mmhg', 'mmHg', 1], ['CVP', 'cvp_mmhg', 'mmHg', 1],
  ['PA', ['spap_mmhg', 'dpap_mmhg'], 'mmHg', 0], ['SaO2 upper', 'sao2_upper_pct', '%', 1],
  ['SaO2 lower', 'sao2_lower_pct', '%', 1], ['SvO2', 'svo2_pct', '%', 1],
  ['Lactate', 'lactate_mmol_l', 'mmol/L', 1],
  ['ECMO flow', 'ecmo_flow_lpm', 'L/min', 2], ['ECMO speed', 'ecmo_rpm', 'rpm', 0],
  ['ICP', 'icp_mmhg', 'mmHg', 1], ['CPP (cerebral)', 'cerebral_perfusion_pressure_mmhg', 'mmHg', 0],
  ['CBF (left)', 'cbf_left_ml100gmin', 'mL/100 g/min', 0], ['Brain DO2', 'do2_brain_mlmin', 'mL/min', 0],
  ['LVEDV', 'lvedv_ml', 'mL', 0], ['LVEF', 'lvef_pct', '%', 0],
  ['PSVD* (model)', 'psvd_model_mm_mm2', 'mm/mm2', 1],
  ['MVO2 (heart)', 'mvo2_mlmin', 'mL/min', 1], ['Heart O2 demand/delivery', 'heart_o2_extraction', '', 2],
];
function drawTiles() {
  const t = S.tiles, out = [];
  const tile = (label, value, unit) => out.push(`<div class="tile" data-k="${label}"><div class="k">${label}</div><div class="v">${value}<span class="u">${unit}</span></div></div>`);
  for (const [label, key, unit, d] of TILES) {
    if (Array.isArray(key)) {
      if (!(key[0] in t)) continue;
      tile(label, `${fmt(t[key[0]], d)}/${fmt(t[key[1]], d)}`, unit);
    } else if (key in t && (t[key] !== null || key === 'hr_bpm')) {
      tile(label, fmt(t[key], d), unit); /* no heart rate in fibrillation: HR -- */
    }
  }
  for (const k of Object.keys(t))  /* every other device flow (Impella, TandemHeart, vents) */
    if (/_flow_lpm$/.test(k) && !/^ecmo_/.test(k) && t[k] !== null) tile(k.replace(/_flow_lpm$/, ' flow').replace(/_/g, ' '), fmt(t[k], 2), 'L/min');
  $('tiles').innerHTML = out.join('');
}

let lastFrame = performance.now(), fpsT0 = performance.now(), fpsN = 0, lastTrend = 0;
function frame(now) {
  const dt = Math.min(0.25, (now - lastFrame) / 1000);
  lastFrame = now;
  const lag = 0.2 * Math.max(1, S.speed);
  if (!S.paused) S.disp += dt * S.speed;
  if (S.disp > S.latest) S.disp = S.latest;
  if (S.disp < S.latest - lag - 1.0 * Math.max(1, S.speed) || S.paused) S.disp = S.latest - (S.paused ? 0 : lag);
  const c0 = performance.now();
  drawWaves(); drawPV();
  if (now - lastTrend > 250) { drawTrend(); lastTrend = now; } /* per-beat data: 4 Hz is plenty */
  S.drawMs += performance.now() - c0;
  $('clock').textContent = `t = ${S.disp.toFixed(1)} s`;
  S.frames++; fpsN++;
  if (now - fpsT0 > 1000) { S.fps = fpsN * 1000 / (now - fpsT0); fpsN = 0; fpsT0 = now; $('fps').textContent = `${S.fps.toFixed(0)} fps`; }
  requestAnimationFrame(frame);
}

/* ---- controls ------------------------------------------------------------------------------ */
/* curated run-time controls (shown when the running model has the parameter) */
const CONTROLS = [
  ['VA-ECMO', [['ecmo.on', 'pump running'], ['ecmo.control', 'control'], ['ecmo.target_flow', 'flow (flow control)', 0.1],
               ['ecmo.rpm', 'speed (rpm control)', 50], ['ecmo.sweep', 'sweep gas', 0.5], ['ecmo.fdo2', 'FdO2', 0.01],
               ['ecmo.drainage_clamp', 'drainage clamp', 0.05], ['ecmo.vent_clamp', 'vent clamp', 0.05]]],
  ['IABP', [['iabp.on', 'pumping'], ['iabp.ratio', 'ratio 1:n', 1], ['iabp.volume', 'balloon volume', 1]]],
  ['Impella', [['impella.on', 'motor on'], ['impella.level', 'P-level', 1]]],
  ['Impella RP (right side)', [['impella_rp.on', 'motor on'], ['impella_rp.level', 'P-level', 1]]],
  ['TandemHeart', [['tandemheart.on', 'pump on'], ['tandemheart.rpm', 'speed', 100]]],
  ['Septostomy', [['septostomy.diameter', 'diameter', 0.05]]],
  ['Drugs (ug/kg/min)', [['drugs.norepinephrine', 'norepinephrine', 0.01], ['drugs.epinephrine', 'epinephrine', 0.01],
               ['drugs.dobutamine', 'dobutamine', 0.5], ['drugs.milrinone', 'milrinone', 0.05],
               ['drugs.nitroprusside', 'nitroprusside', 0.1], ['drugs.vasopressin', 'vasopressin (U/kg/min)', 0.0001],
               ['drugs.esmolol', 'esmolol', 5]]],
  ['Lungs and ventilation', [['oxygen.fio2', 'FiO2', 0.01], ['oxygen.shunt_fraction', 'lung shunt fraction', 0.05],
             ['oxygen.alveolar_ventilation', 'alveolar ventilation', 0.1]]],
  ['Heart', [['heart.heart_rate', 'heart rate', 1], ['lv.ees', 'LV contractility (Ees)', 0.05],
             ['rv.ees', 'RV contractility (Ees)', 0.05], ['heart.rhythm', 'rhythm']]],
  ['Vessels and volume', [['circulation.thoracic_pressure', 'intrathoracic pressure', 1],
             ['upper_bed.resistance', 'upper body bed R', 0.1], ['abdominal_bed.resistance', 'abdominal bed R', 0.1],
             ['lower_bed.resistance', 'lower body bed R', 0.1], ['abdominal_veins.unstressed_volume', 'venous unstressed volume', 10]]],
];

const valueText = (p, v) => (p.unit ? `${v} ${p.unit}` : String(v));

async function setParam(path, text, el) {
  try {
    await api('POST', `/api/sessions/${S.id}/set`, { path, value: text });
    showError('');
    const p = S.params.find((q) => q.path === path);
    if (p && el) p.value = parseFloat(el.value);
  } catch (e) { showError(String(e.message)); }
}

function buildControls() {
  const byPath = Object.fromEntries(S.params.map((p) => [p.path, p]));
  const box = $('controls');
  box.innerHTML = '';
  for (const [title, items] of CONTROLS) {
    const present = items.filter(([path]) => byPath[path]);
    if (!present.length) continue;
    const grp = document.createElement('div');
    grp.className = 'group';
    grp.innerHTML = `<h4>${title}</h4>`;
    for (const [path, label, step] of present) {
      const p = byPath[path], row = document.createElement('div');
      row.className = 'ctl';
      row.title = `${path}: ${p.doc}`;
      const id = 'c-' + path.replace(/\./g, '-');
      if (p.bool) {
        row.innerHTML = `<span>${label}</span><input type="checkbox" id="${id}" ${p.value ? 'checked' : ''}><span></span>`;
        row.querySelector('input').onchange = (ev) => setParam(path, ev.target.checked ? 'true' : 'false');
      } else if (p.choices) {
        row.innerHTML = `<span>${label}</span><select id="${id}">${p.choices.map((c, i) => `<option value="${c}" ${i === p.value ? 'selected' : ''}>${c}</option>`).join('')}</select><span></span>`;
        row.querySelector('select').onchange = (ev) => setParam(path, ev.target.value);
      } else {
        const hi = path === 'ecmo.target_flow' ? 7 : p.max >= 1e3 && p.unit !== 'rpm' ? Math.max(p.value * 4, 1) : p.max;
        row.innerHTML = `<span>${label}</span><input type="range" id="${id}" min="${p.min}" max="${hi}" step="${step || (hi - p.min) / 100}" value="${p.value}"><span class="val">${fmt(p.value, step < 0.01 ? 4 : step < 1 ? 2 : 0)} ${p.unit}</span>`;
        const inp = row.querySelector('input'), out = row.querySelector('.val');
        inp.oninput = () => { out.textContent = `${fmt(parseFloat(inp.value), step < 0.01 ? 4 : step < 1 ? 2 : 0)} ${p.unit}`; };
        inp.onchange = () => setParam(path, valueText(p, inp.value), inp);
      }
      grp.appendChild(row);
    }
    box.appendChild(grp);
  }
  $('param-list').innerHTML = S.params.map((p) => `<option value="${p.path}">${p.unit}</option>`).join('');
}

async function refreshParams() {
  const r = await api('GET', `/api/sessions/${S.id}/params`);
  S.params = r.params;
  S.edits = {};
  buildControls();
  buildParamTable();
}

/* ---- patient tab --------------------------------------------------------------------------- */
let patients = { bundled: [], roots: [] };
function currentPatientBody() {
  const v = $('patient-select').value;
  if (!v) return {};
  const [kind, a, b] = v.split('|');
  return kind === 'b' ? { patient: a } : { root: parseInt(a, 10), file: b };
}

async function loadPatientList() {
  patients = await api('GET', '/api/patients');
  const opts = patients.bundled.map((f) => `<option value="b|${f}">${f.replace(/\.ya?ml$/, '')}</option>`);
  for (const r of patients.roots) for (const f of r.files) opts.push(`<option value="r|${r.root}|${f}">${r.dir}/${f}</option>`);
  $('patient-select').innerHTML = opts.join('');
  $('load-select').innerHTML = opts.join('');
  const want = 'b|acute_mi_shock_ecmo.yaml';
  if (patients.bundled.includes('acute_mi_shock_ecmo.yaml')) { $('patient-select').value = want; $('load-select').value = want; }
  $('save-root').innerHTML = patients.roots.map((r) => `<option value="${r.root}">${r.dir}</option>`).join('') || '<option value="">(start with --root DIR to save)</option>';
}

function buildParamTable() {
  const f = $('param-filter').value.trim().toLowerCase();
  const rows = S.params.filter((p) => !f || p.path.toLowerCase().includes(f)).slice(0, 300);
  $('param-table').querySelector('tbody').innerHTML = rows.map((p) => {
    const v = p.path in S.edits ? S.edits[p.path] : (p.choices ? p.choices[p.value] : p.bool ? (p.value ? 'true' : 'false') : isFinite(p.value) ? String(Number(p.value.toPrecision(6))) : '--');
    const range = p.choices ? p.choices.join(' | ') : p.bool ? 'true | false' : `${fmt(p.min, 4).replace(/\.?0+$/, '')} - ${fmt(p.max, 4).replace(/\.?0+$/, '')}`;
    return `<tr class="${p.path in S.edits ? 'changed' : ''}"><td>${htm(p.path)}</td><td><input data-path="${htm(p.path)}" value="${htm(v)}"></td><td>${htm(p.unit)}</td><td>${htm(range)}</td><td>${htm(p.doc)}</td></tr>`;
  }).join('');
  for (const inp of $('param-table').querySelectorAll('input')) {
    inp.onchange = () => {
      const p = S.params.find((q) => q.path === inp.dataset.path);
      S.edits[p.path] = inp.value;
      inp.closest('tr').className = 'changed';
      $('apply-edits').disabled = false;
    };
  }
}

/* ---- decide tab ------------------------------------------------------------------------------ */
const QUICK = ['ecmo', 'ecmo+iabp:1:1', 'ecmo+impella_cp:P6', 'ecmo+septostomy:10mm', 'ecmo+la_vent:17Fr'];
async function runJob() {
  const kind = $('job-kind').value, targets = {};
  for (const k of ['pcwp_max', 'map_min', 'do2i_min', 'svo2_min', 'sao2_upper_min', 'flow_max', 'psvd_min', 'heart_er_max', 'cvp_max']) {
    const v = $('t-' + k).value.trim();
    if (v) targets[k] = v;
  }
  const context = [...document.querySelectorAll('.ctx:checked')].map((c) => c.value);
  if ($('ctx-ar').value !== 'none') context.push('ar=' + $('ctx-ar').value);
  if ($('ctx-pad').value !== 'none') context.push('pad=' + $('ctx-pad').value);
  const body = { targets, context };
  let path = 'compare';
  if (kind === 'compare-quick') body.strategies = QUICK;
  if (kind === 'optimize') { path = 'optimize'; body.strategy = $('opt-strategy').value; delete body.context; }
  $('recommendation').hidden = true; $('job-table').hidden = true; $('report').hidden = true;
  try {
    await api('POST', `/api/sessions/${S.id}/${path}`, body);
    $('run-job').disabled = true;
    waitJob();
  } catch (e) { $('job-msg').textContent = ''; showError(String(e.message)); }
}

async function waitJob() {
  const j = await api('GET', `/api/sessions/${S.id}/job`);
  if (j.state === 'running') {
    const prog = j.phase ? `${j.phase}, `
      : j.total ? `${j.done} of ${j.total} ${j.kind === 'calibrate' ? 'evaluations' : 'strategies'}, ` : '';
    const msg = `${j.kind} running: ${prog}${j.elapsed_s.toFixed(1)} s (the monitor keeps running)`;
    $(j.kind === 'calibrate' ? 'cal-msg' : 'job-msg').textContent = msg;
    setTimeout(waitJob, 500);
    return;
  }
  if (j.kind === 'calibrate') { showCalibration(j); return; }
  $('run-job').disabled = false;
  if (j.state === 'failed') { $('job-msg').textContent = ''; showError(`${j.kind} failed: ${j.error}`); return; }
  $('job-msg').textContent = `${j.kind} done in ${j.elapsed_s.toFixed(1)} s`;
  showResult(j);
}

function showResult(j) {
  const r = j.result, rec = $('recommendation'), tab = $('job-table');
  rec.hidden = false;
  if (j.kind === 'compare') {
    rec.innerHTML = `<b>${r.recommended ? 'Recommended: ' + htm(r.recommended_settings) : 'No strategy meets every target'}</b>` +
      `<p>${htm(r.reason)}</p>` + (r.circuit_note ? `<p><b>Not on ECMO:</b> ${htm(r.circuit_note)}</p>` : '') +
      (r.without_circuit_note ? `<p id="without-circuit"><b>Without a circuit:</b> ${htm(r.without_circuit_note)}</p>` : '') +
      (r.near_miss_note ? `<p><b>Near miss:</b> ${htm(r.near_miss_note)}</p>` : '') +
      (r.heart_note ? `<p><b>Heart:</b> ${htm(r.heart_note)}</p>` : '') +
      (r.recheck_note ? `<p><b>Recheck</b> ${htm(r.recheck_note)}</p>` : '') +
      (r.start_check && r.start_check.note ? `<p><b>${r.start_check.failed ? 'Start check' : 'Second steady state'}:</b> ${htm(r.start_check.note)}</p>` : '') +
      (r.gain_check ? `<p><b>Gain check:</b> ${htm(r.gain_check.note)}</p>` : '') +
      (r.threshold_check ? `<p><b>Threshold check:</b> ${htm(r.threshold_check.note)}</p>` : '') +
      (r.recommended ? `<button id="apply-rec">Apply to the live simulation</button>` : '');
    const rows = r.strategies.filter((s) => !s.excluded);
    tab.innerHTML = '<tr><th>strategy</th><th>settings</th><th>PCWP</th><th>MAP</th><th>DO2I</th><th title="the lactate plateau of this circulation (production / clearance; epinephrine adds its aerobic lactate)">lactate mmol/L</th><th>LV output</th><th title="sublingual perfused small-vessel density the microcirculation model predicts with the patient\'s capillary dysfunction (Yeh 2018 cut-off 16.2)">PSVD* mm/mm2</th><th title="cerebral blood flow of the lower hemisphere">CBF mL/100g/min</th><th title="the myocardium\'s O2 demand from the heart\'s work (pressure-volume area, contractility, heart rate): what unloading lowers">MVO2 mL/min</th><th title="the myocardium\'s O2 demand / delivery: 0.70 while its coronary bed regulates; above its critical extraction (the one at a coronary venous PO2 of 16 mmHg: 0.78 at a normal arterial O2 content) anaerobic; above 1 the delivery falls short">heart O2 demand/delivery</th><th>targets</th><th></th></tr>' +
      rows.map((s, i) => `<tr><td>${htm(s.label)}</td><td>${htm(s.settings)}</td><td>${fmt(s.values.pcwp_mmhg, 1)}</td><td>${fmt(s.values.map_mmhg, 0)}</td>` +
        `<td>${fmt(s.values.do2i_mlmin_m2, 0)}</td><td>${fmt(s.values.lactate_steady_mmol_l, 1)}</td><td>${fmt(s.values.lv_output_lpm, 2)}</td>` +
        `<td>${fmt(s.values.psvd_model_mm_mm2, 1)}</td><td>${fmt(s.values.cbf_min_ml100gmin, 0)}</td><td>${fmt(s.values.mvo2_mlmin, 1)}</td><td>${fmt(s.values.heart_o2_extraction, 2)}</td><td>${s.all_targets_met ? 'all met' : htm(s.missed)}</td>` +
        `<td><button data-i="${i}">Apply</button></td></tr>`).join('');
    tab.hidden = false;
    const apply = (s) => applyStrategy(s.name, s.values.ecmo_flow_lpm);
    tab.querySelectorAll('button').forEach((b) => { b.onclick = () => apply(rows[+b.dataset.i]); });
    if (r.recommended) $('apply-rec').onclick = () => apply(r.strategies.find((s) => s.name === r.recommended));
  } else {
    rec.innerHTML = `<b>${htm(r.strategy)}: ${htm(r.chosen !== null ? 'least support meeting every target: ' + r.chosen : 'no setting meets every target (closest ' + r.closest + ')')}</b><p>${htm(r.reason)}</p>`;
  }
  const fr = $('report');
  fr.src = `/api/sessions/${S.id}/job/report?x=${Date.now()}`;
  fr.hidden = false;
}

/* ---- calibration (Patient tab) ------------------------------------------------------- */
const CALQ = [['hr', '/min'], ['sbp', 'mmHg'], ['dbp', 'mmHg'], ['map', 'mmHg'], ['cvp', 'mmHg'],
              ['spap', 'mmHg'], ['dpap', 'mmHg'], ['mpap', 'mmHg'], ['pcwp', 'mmHg'], ['co', 'L/min'],
              ['ecmo_flow', 'L/min'], ['lvef', '%'], ['lvedv', 'mL'], ['sao2_upper', '%']];
function buildCalInputs() {
  $('cal-inputs').innerHTML = CALQ.map(([q, u]) => `<label>${q} <input class="calq" data-q="${q}" data-u="${u}" size="5"> ${u}</label>`).join('');
}
async function runCalibration() {
  const measurements = {};
  for (const inp of document.querySelectorAll('.calq')) {
    const v = inp.value.trim();
    if (v) measurements[inp.dataset.q] = /^[-+0-9.eE]+$/.test(v) && inp.dataset.u !== '%' ? `${v} ${inp.dataset.u}` : v;
  }
  try {
    showError('');
    $('cal-apply').hidden = true; $('cal-report').hidden = true;
    await api('POST', `/api/sessions/${S.id}/calibrate`, { measurements, max_evals: parseInt($('cal-evals').value, 10) || 60 });
    waitJob();
  } catch (e) { showError(String(e.message)); }
}
function showCalibration(j) {
  if (j.state === 'failed') { $('cal-msg').textContent = ''; showError(`calibration failed: ${j.error}`); return; }
  $('cal-msg').textContent = `calibrated in ${j.elapsed_s.toFixed(1)} s`;
  $('cal-apply').hidden = false;
  const fr = $('cal-report');
  fr.src = `/api/sessions/${S.id}/job/report?x=${Date.now()}`;
  fr.hidden = false;
}

/* ---- microcirculation fit (Patient tab): the patient's capillary dysfunction from one
   sublingual measurement (docs/microcirculation.md, "Patient-specific dysfunction") ------ */
let microChanges = null;
async function runMicroFit() {
  const file = $('micro-file').files[0];
  if (!file) { showError('choose a sublingual measurement file (hemosim_micro, YAML or JSON) first'); return; }
  try {
    showError('');
    $('micro-apply').hidden = true;
    $('micro-msg').textContent = 'fitting (one steady state) ...';
    const r = await api('POST', `/api/sessions/${S.id}/micro/fit`, { measurement: await file.text() });
    const f = r.fit, m = f.measured, b = f.predicted_before, a = f.predicted_fitted;
    const row = (label, x, y, z, d) => `<tr><td>${label}</td><td>${fmt(x, d)}</td><td>${fmt(y, d)}</td><td>${fmt(z, d)}</td></tr>`;
    const lim = {};
    for (const n of f.at_limit) lim[n.field] = n.note;
    $('micro-table').innerHTML = '<tr><th>small vessels</th><th>measured</th><th>model before</th><th>model fitted</th></tr>' +
      row('TVD mm/mm2', m.tvd_mm_mm2, b.tvd_mm_mm2, a.tvd_mm_mm2, 2) + row('PPV %', m.ppv_pct, b.ppv_pct, a.ppv_pct, 1) +
      row('PSVD mm/mm2', m.pvd_mm_mm2, b.pvd_mm_mm2, a.pvd_mm_mm2, 2) + row('no-flow share %', m.no_flow_pct, b.no_flow_pct, a.no_flow_pct, 1) +
      '<tr><th>capillary dysfunction</th><th></th><th>before</th><th>fitted</th></tr>' +
      ['obstructed', 'oedema', 'vasoconstriction'].map((k) => `<tr class="${lim[k] ? 'changed' : ''}"><td title="${lim[k] ? htm(lim[k]) : ''}">${k}${lim[k] ? ' (at its limit)' : ''}</td><td></td><td>${fmt(f.before[k], 3)}</td><td>${r.changes.find((c) => c.path.endsWith('.' + k)).value}</td></tr>`).join('');
    $('micro-table').hidden = false;
    microChanges = r.changes;
    const st = f.state;
    $('micro-msg').textContent = `fitted at MAP ${fmt(st.map_mmhg, 0)} mmHg, CI ${fmt(st.ci_lpm_m2, 2)} L/min/m2` +
      (st.ecmo_flow_lpm !== null ? `, ECMO ${fmt(st.ecmo_flow_lpm, 2)} L/min (the measurement's)` : '') + (st.steady ? '' : ' (steady state not reached)');
    $('micro-apply').hidden = false;
  } catch (e) { $('micro-msg').textContent = ''; showError(String(e.message)); }
}

async function applyStrategy(name, flow) {
  try {
    showError('');
    $('job-msg').textContent = `applying ${name} (settling to steady state) ...`;
    const body = { strategy: name };
    if (flow) body.ecmo_flow_lpm = flow;
    await api('POST', `/api/sessions/${S.id}/apply`, body);
    await refreshInfo();
    $('job-msg').textContent = `applied ${name}`;
  } catch (e) { showError(String(e.message)); }
}

/* ---- wiring ---------------------------------------------------------------------------------- */
function wire() {
  $('speed').onchange = () => api('POST', `/api/sessions/${S.id}/control`, { speed: parseFloat($('speed').value) }).catch((e) => showError(e.message));
  $('pause').onclick = async () => {
    const r = await api('POST', `/api/sessions/${S.id}/control`, { paused: !S.paused });
    S.paused = r.paused;
    $('pause').textContent = S.paused ? 'Resume' : 'Pause';
    $('step').disabled = !S.paused;
  };
  $('step').onclick = () => api('POST', `/api/sessions/${S.id}/control`, { step: 'beat' }).catch((e) => showError(e.message));
  $('freeze').onclick = () => {
    S.baseline = { lv: loopData('v_lv', 'p_lv'), rv: loopData('v_rv', 'p_rv') };
    $('unfreeze').disabled = false;
  };
  $('unfreeze').onclick = () => { S.baseline = null; $('unfreeze').disabled = true; };
  $('patient-select').onchange = () => { $('load-select').value = $('patient-select').value; loadPatient(); };
  $('load').onclick = () => { $('patient-select').value = $('load-select').value; loadPatient(); };
  $('any-set').onclick = () => setParam($('any-path').value.trim(), $('any-value').value.trim());
  $('any-path').onchange = () => {
    const p = S.params.find((q) => q.path === $('any-path').value.trim());
    $('any-hint').textContent = p ? `now ${fmt(p.value, 4)} ${p.unit}; range ${p.min}-${p.max}; ${p.doc}` : '';
  };
  $('param-filter').oninput = buildParamTable;
  $('apply-edits').onclick = async () => {
    const changes = Object.entries(S.edits).map(([path, value]) => ({ path, value: (() => {
      const p = S.params.find((q) => q.path === path);
      return p && p.unit && /^[-+0-9.eE]+$/.test(value.trim()) ? `${value.trim()} ${p.unit}` : value;
    })() }));
    try {
      await api('POST', `/api/sessions/${S.id}/patient/set`, { changes });
      $('apply-edits').disabled = true;
      showError('');
      await refreshInfo();
      $('edit-msg').textContent = `${changes.length} change(s) applied; the simulation restarted from the edited patient`;
    } catch (e) { $('edit-msg').textContent = ''; showError(String(e.message)); }
  };
  $('save').onclick = async () => {
    try {
      const r = await api('POST', `/api/sessions/${S.id}/patient/save`, { root: parseInt($('save-root').value, 10), file: $('save-file').value.trim() });
      $('save-msg').textContent = `saved ${r.saved}`;
      showError('');
      await loadPatientList();
    } catch (e) { $('save-msg').textContent = ''; showError(String(e.message)); }
  };
  $('job-kind').onchange = () => { $('opt-strategy').hidden = $('job-kind').value !== 'optimize'; };
  $('run-job').onclick = runJob;
  buildCalInputs();
  $('cal-run').onclick = runCalibration;
  $('micro-fit').onclick = runMicroFit;
  $('micro-apply').onclick = async () => {
    try {
      await api('POST', `/api/sessions/${S.id}/patient/set`, { changes: microChanges });
      $('micro-apply').hidden = true;
      await refreshInfo(); /* the parameter table shows the fitted values before the message says so */
      $('micro-msg').textContent = 'the patient carries the fitted microcirculation; compare and optimize predict with it';
    } catch (e) { showError(String(e.message)); }
  };
  $('cal-apply').onclick = async () => {
    try {
      await api('POST', `/api/sessions/${S.id}/calibrate/apply`, {});
      $('cal-apply').hidden = true;
      await refreshInfo();
      $('cal-msg').textContent = 'the simulation continues from the calibrated patient';
    } catch (e) { showError(String(e.message)); }
  };
  for (const b of document.querySelectorAll('.tabs button')) {
    b.onclick = () => {
      for (const x of document.querySelectorAll('.tabs button')) x.classList.toggle('active', x === b);
      for (const t of document.querySelectorAll('.tab')) t.hidden = t.id !== 'tab-' + b.dataset.tab;
    };
  }
}

async function loadPatient() {
  try {
    showError('');
    $('patient-name').textContent = 'loading (settling to steady state) ...';
    await api('POST', `/api/sessions/${S.id}/patient`, currentPatientBody());
    await refreshInfo();
  } catch (e) { showError(String(e.message)); }
}

async function main() {
  wire();
  try {
    const info = await api('GET', '/api/info');
    $('trial-link').hidden = !info.trial;
    $('opt-strategy').innerHTML = info.optimize_strategies.map((s) => `<option>${s}</option>`).join('');
    await loadPatientList();
    $('patient-name').textContent = 'starting (settling to steady state) ...';
    await newSession(currentPatientBody());
  } catch (e) { showError(String(e.message)); }
  poll();
  requestAnimationFrame(frame);
}
window.addEventListener('beforeunload', () => { if (S.id) navigator.sendBeacon && fetch(`/api/sessions/${S.id}`, { method: 'DELETE', keepalive: true }); });
main();

/* hemosim serve: the trial pages (docs/serve.md, "Trial").  Every action is one request to
 * /api/trial/..., which calls the same library functions as `hemosim trial`; the library
 * checks the role, validates every value and writes the audit trail.  Text from the
 * database is only ever put into the page as text (textContent), never as HTML. */
'use strict';

/* $, api and showError: api.js */
const T = { protocol: null, fields: [], last: {} };
window.hemosimTrial = T; /* for the end-to-end test */

const el = (tag, props, ...kids) => {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const k of kids) e.append(k instanceof Node ? k : String(k === null || k === undefined ? '' : k));
  return e;
};
const table = (head, rows) => el('table', { className: 'params' },
  el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
  el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))));
const num = (x, d) => (x === null || x === undefined || !isFinite(x)) ? '--' : Number(x).toFixed(d);

function who() {
  const user = $('user').value.trim(), role = $('role').value;
  localStorage.setItem('hemosim.trial.user', user);
  localStorage.setItem('hemosim.trial.role', role);
  if (!user) throw new Error('enter your user name first: every change is recorded with it');
  return { user, role };
}
const q = (extra) => new URLSearchParams({ ...who(), ...(extra || {}) }).toString();

/* run an action, showing its error in the banner */
const act = (fn) => async () => { showError(''); try { await fn(); } catch (e) { showError(String(e.message)); } };

/* ---- enrolment -------------------------------------------------------------------------- */
function buildEnrol() {
  const p = T.protocol;
  $('en-site').replaceChildren(...p.sites.map((s) => el('option', { value: s }, s)));
  $('en-strata').replaceChildren(...(p.strata || []).map((f) => el('label', {}, f.name + ' ',
    el('select', { id: 'en-f-' + f.name, className: 'stratum', name: f.name },
      el('option', { value: '' }, '--'), ...f.levels.map((l) => el('option', { value: l }, l))))));
  $('en-criteria').tBodies[0].replaceChildren(...p.eligibility.map((c) => el('tr', {},
    el('td', {}, c.id), el('td', {}, c.text || ''),
    el('td', {}, el('label', {}, el('input', { type: 'radio', name: 'crit-' + c.id, value: 'yes' }), ' yes')),
    el('td', {}, el('label', {}, el('input', { type: 'radio', name: 'crit-' + c.id, value: 'no' }), ' no')),
    el('td', { className: 'muted' }, c.eligible_if ? 'inclusion: eligible if yes' : 'exclusion: eligible if no'))));
  const now = new Date();
  $('en-placed').value = now.toISOString().slice(0, 16) + 'Z';
}

async function enrol() {
  $('en-result').hidden = true;
  const body = { ...who(), patient: $('en-patient').value.trim(), site: $('en-site').value,
    placed: $('en-placed').value.trim(), strata: {}, eligibility: {} };
  for (const s of document.querySelectorAll('.stratum')) if (s.value) body.strata[s.name] = s.value;
  for (const c of T.protocol.eligibility) {
    const r = document.querySelector(`input[name="crit-${CSS.escape(c.id)}"]:checked`);
    if (!r) throw new Error(`eligibility: answer '${c.id}' (${c.text || ''})`);
    body.eligibility[c.id] = r.value;
  }
  const r = await api('POST', '/api/trial/enrol', body);
  T.last.enrolled = r;
  const box = $('en-result');
  box.replaceChildren(el('b', {}, `Patient ${r.patient} enrolled: arm ${r.arm}`),
    el('div', { className: 'muted' }, 'The ECMO team needs the arm (open-label intervention); it is not shown in the status to other roles.'));
  box.hidden = false;
  $('vi-patient').value = r.patient;
  $('re-patient').value = r.patient;
}

/* ---- visits ------------------------------------------------------------------------------ */
const VISIT_BIT = { baseline: 1, T1: 2, T2: 4, T3: 8, T4: 16, day28: 32 };
function buildVisit() {
  const v = $('vi-visit').value, bit = VISIT_BIT[v];
  const rows = T.fields.filter((f) => (f.visits & bit) && !f.computed && f.name !== 'ecmo_placed_at');
  $('vi-fields').tBodies[0].replaceChildren(...rows.map((f) => el('tr', {},
    el('td', {}, f.name),
    el('td', {}, el('input', { className: 'crf', name: f.name, size: 22,
      placeholder: f.type === 'number' ? `value ${f.unit}` : f.type === 'time' ? '2026-03-01T20:00Z' : f.type === 'choice' ? f.choices : '' })),
    el('td', {}, f.unit || f.type),
    el('td', {}, f.type === 'number' ? `${f.min}-${f.max}` : f.choices || ''),
    el('td', { className: 'muted' }, f.doc))));
  const w = T.protocol.windows && T.protocol.windows[v];
  $('vi-window').textContent = w ? `window: ${w.lo_h}-${w.hi_h} h after ${w.from}` : '';
}

async function recordVisit() {
  $('vi-result').hidden = true;
  const fields = {};
  for (const i of document.querySelectorAll('input.crf')) if (i.value.trim()) fields[i.name] = i.value.trim();
  const body = { ...who(), patient: $('vi-patient').value.trim(), visit: $('vi-visit').value, fields };
  const micro = $('vi-micro').value;
  if (micro.trim()) body.micro = micro;
  if ($('vi-reason').value.trim()) body.reason = $('vi-reason').value.trim();
  const r = await api('POST', '/api/trial/visit', body);
  T.last.visit = r;
  const box = $('vi-result');
  box.replaceChildren(el('div', {}, `${r.values} value(s) recorded, ${r.changed} changed` +
    (r.micro_values ? `; microcirculation: ${r.micro_values} value(s)` : '') + (r.vis !== null ? `; VIS ${num(r.vis, 1)}` : '')));
  if (r.note) box.append(el('div', { className: r.deviation ? 'deviation' : 'muted', id: 'vi-note' },
    (r.deviation ? 'DEVIATION: ' : '') + r.note));
  box.hidden = false;
  for (const i of document.querySelectorAll('input.crf')) i.value = '';
}

/* ---- one patient ------------------------------------------------------------------------- */
async function showRecord() {
  const code = $('re-patient').value.trim();
  const r = await api('GET', '/api/trial/patient?' + q({ patient: code }));
  T.last.record = r;
  const out = [el('h4', {}, `${r.patient}: ${r.site}, ${r.stratum}, arm ${r.arm}; enrolled ${r.enrolled_at} by ${r.enrolled_by}` +
    (r.unblinded ? ' (unblinded)' : '') + `; day 28: ${r.day28 || 'not recorded'}`)];
  out.push(table(['visit', 'window', 'check', 'complete', 'missing'],
    Object.entries(r.windows).map(([v, w]) => [v, w.window, w.note, w.complete ? 'yes' : 'no', (w.missing || []).join(', ')])));
  const vals = [];
  for (const [v, fields] of Object.entries(r.values))
    for (const [f, x] of Object.entries(fields)) vals.push([v, f, x.value, x.unit, x.version, x.at, x.by, x.reason || '']);
  out.push(el('h4', {}, 'Current values'), table(['visit', 'field', 'value', 'unit', 'version', 'recorded', 'by', 'reason'], vals));
  if (r.deviations.length) out.push(el('h4', {}, 'Deviations'),
    table(['visit', 'kind', 'detail', 'at', 'by'], r.deviations.map((d) => [d.visit, d.kind, d.detail, d.at, d.by])));
  if (r.adverse_events.length) out.push(el('h4', {}, 'Adverse events'),
    table(['type', 'onset', 'severity', 'description'], r.adverse_events.map((a) => [a.type, a.onset, a.severity, a.description])));
  if (r.queries.length) out.push(el('h4', {}, 'Queries'),
    table(['id', 'visit', 'field', 'text', 'state'], r.queries.map((x) => [x.id, x.visit, x.field, x.text, x.state])));
  $('re-out').replaceChildren(...out);
}

/* ---- status, audit, arms ------------------------------------------------------------------ */
async function showStatus() {
  const s = await api('GET', '/api/trial/status?' + q());
  T.last.status = s;
  $('st-out').replaceChildren(
    el('h4', {}, `${s.enrolled} patient(s), ${s.open_queries} open quer${s.open_queries === 1 ? 'y' : 'ies'}`),
    table(['site', 'patients', 'visits complete', 'expected', 'completeness', 'window deviations'],
      Object.entries(s.sites).map(([k, x]) => [k, x.patients, x.visits_complete, x.visits_expected, num(x.completeness_pct, 0) + ' %', x.window_deviations])),
    table(['patient', 'site', 'stratum', ...(s.arms_shown ? ['arm'] : []), 'complete', 'deviations', 'day 28'],
      s.patients.map((p) => [p.patient, p.site, p.stratum, ...(s.arms_shown ? [p.arm] : []), `${p.visits_complete}/4`, p.window_deviations, p.day28 || ''])));
}

async function verify() {
  const v = await api('GET', '/api/trial/verify?' + q());
  T.last.verify = v;
  const box = $('au-verdict');
  box.replaceChildren(el('b', { id: 'au-ok' }, v.ok ? 'verified: the hash chain, every record and every allocation check out' : 'FAILED: ' + v.problem),
    el('div', { className: 'muted' }, `${v.audit_rows} audit rows, ${v.records} records, ${v.allocations} allocations recomputed; chain head ${v.head}`));
  box.hidden = false;
}

async function audit() {
  const p = $('au-patient').value.trim();
  const a = await api('GET', '/api/trial/audit?' + q(p ? { patient: p } : {}));
  T.last.audit = a;
  const t = table(['seq', 'at', 'user', 'role', 'action', 'patient', 'visit', 'field', 'old', 'new', 'reason'],
    a.rows.map((r) => [r.seq, r.at, r.user, r.role, r.action, r.patient, r.visit, r.field, r.old, r.new, r.reason]));
  t.id = 'au-table';
  $('au-table').replaceWith(t);
}

async function arms() {
  const a = await api('GET', '/api/trial/analysis?' + q());
  T.last.analysis = a;
  const out = [table(['arm', 'enrolled', 'outcome known', 'alive day 28', 'survival', 'KM end (SE)'],
    a.arms.map((x) => [x.arm, x.enrolled, x.outcome_known, x.alive_day28, num(x.survival_day28, 3), `${num(x.km_survival_end, 3)} (${num(x.km_se_end, 3)})`]))];
  out.push(el('h4', {}, 'Survival to day 28'), table(['arm', 'versus', 'risk difference', '95 % CI', 'Fisher p'],
    a.survival.map((s) => [s.arm, s.versus, num(s.risk_difference, 3), `${num(s.ci95_lo, 3)} to ${num(s.ci95_hi, 3)}`, num(s.fisher_p, 3)])));
  const rows = [];
  for (const [v, vars] of Object.entries(a.visits || {}))
    for (const [name, x] of Object.entries(vars)) {
      const d = (x.difference || [])[0] || {};
      rows.push([v, name, x.unit, Object.entries(x.by_arm).map(([arm, m]) => `${arm}: ${num(m.mean, 2)} (n ${m.n})`).join('; '),
        num(d.difference, 2), `${num(d.ci95_lo, 2)} to ${num(d.ci95_hi, 2)}`]);
    }
  out.push(el('h4', {}, 'Per visit (descriptive, not adjusted for multiplicity)'),
    table(['visit', 'variable', 'unit', 'mean by arm', 'difference', 'Welch 95 % CI'], rows));
  $('ar-out').replaceChildren(...out);
  const img = $('ar-km');
  img.src = '/api/trial/km.svg?' + q();
  img.hidden = false;
}

/* ---- wiring -------------------------------------------------------------------------------- */
async function main() {
  for (const b of document.querySelectorAll('.tabs button'))
    b.onclick = () => {
      for (const x of document.querySelectorAll('.tabs button')) x.classList.toggle('active', x === b);
      for (const t of document.querySelectorAll('.tab')) t.hidden = t.id !== 'tab-' + b.dataset.tab;
    };
  $('en-go').onclick = act(enrol);
  $('vi-go').onclick = act(recordVisit);
  $('vi-visit').onchange = buildVisit;
  $('re-go').onclick = act(showRecord);
  $('st-go').onclick = act(showStatus);
  $('au-verify').onclick = act(verify);
  $('au-go').onclick = act(audit);
  $('ar-go').onclick = act(arms);
  try {
    const info = await api('GET', '/api/trial');
    T.protocol = info.protocol;
    T.fields = info.fields;
    $('trial-name').textContent = `${info.protocol.name} (${info.protocol.registration || 'unregistered'}), protocol version ${info.version}`;
    $('role').replaceChildren(...info.roles.map((r) => el('option', { value: r }, r)));
    $('user').value = localStorage.getItem('hemosim.trial.user') || '';
    $('role').value = localStorage.getItem('hemosim.trial.role') || 'data_entry';
    buildEnrol();
    buildVisit();
    T.ready = true;
  } catch (e) { showError(String(e.message)); }
}
main();

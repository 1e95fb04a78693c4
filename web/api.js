/* hemosim serve: helpers shared by the pages (index.html, trial.html), loaded first. */
'use strict';

const $ = (id) => document.getElementById(id);
/* a JSON request to this server; a 4xx/5xx answer throws its {"error"} message */
const api = async (method, path, body) => {
  const opt = { method, headers: {} };
  if (body !== undefined) { opt.headers['Content-Type'] = 'application/json'; opt.body = JSON.stringify(body); }
  const r = await fetch(path, opt);
  const ct = r.headers.get('Content-Type') || '';
  const data = ct.startsWith('application/json') ? await r.json() : await r.text();
  if (!r.ok) throw new Error((data && data.error) || (r.status + ' ' + r.statusText));
  return data;
};
const showError = (msg) => { const e = $('error'); e.textContent = msg || ''; e.hidden = !msg; };

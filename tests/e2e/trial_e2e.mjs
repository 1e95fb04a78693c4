// End-to-end test of the trial pages of `hemosim serve --trial DB` in a real browser
// (Debian chromium, headless, playwright-core).  Run by tests/serve_e2e.sh after the
// monitor test, on a server started with a fresh trial database (examples/trial/protocol.yaml).
// Arguments: URL CHROMIUM SCREENSHOT.  Checks (each failure exits 1 with the reason):
//   1. enrolment: no allocation is shown before; an ineligible checklist is refused with the
//      library's message and shows no arm; an eligible one enrols and shows the arm;
//   2. a T1 form 20 h after placement is recorded and shown as a deviation (late by 2.00 h);
//      a quantity without its unit is refused with the library's message;
//   3. the patient record shows the value and the window status;
//   4. verify reports the database intact;
//   5. the arms are refused to data entry and shown to the statistician (risk difference,
//      Kaplan-Meier image);
//   6. a screenshot is saved.
import { chromium } from 'playwright-core';

const [url, exe, shot] = process.argv.slice(2);
const fail = (msg) => { console.error('FAIL (trial pages): ' + msg); process.exit(1); };

const browser = await chromium.launch({
  executablePath: exe, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + 'trial.html');
  await page.waitForFunction(() => window.hemosimTrial && window.hemosimTrial.ready, null, { timeout: 20000 });
  await page.fill('#user', 'nurse.e2e');
  await page.selectOption('#role', 'data_entry');
  const banner = async () => (await page.isVisible('#error')) ? (await page.textContent('#error')) : '';

  // 1. enrolment
  if (await page.isVisible('#en-result')) fail('an allocation box is visible before any enrolment');
  if (/arm (control|micro)/.test(await page.textContent('body'))) fail('an arm is shown before enrolment');
  await page.fill('#en-patient', 'E-001');
  await page.selectOption('#en-site', 'site-A');
  await page.selectOption('#en-f-scai', 'D');
  await page.fill('#en-placed', '2026-03-01T08:00Z');
  const crit = await page.evaluate(() => window.hemosimTrial.protocol.eligibility.map((c) => [c.id, c.eligible_if]));
  for (const [id, yes] of crit) await page.check(`input[name="crit-${id}"][value="${yes ? 'yes' : 'no'}"]`);
  await page.check('input[name="crit-adult"][value="no"]');
  await page.click('#en-go');
  await page.waitForFunction(() => !document.getElementById('error').hidden, null, { timeout: 10000 });
  if (!/not eligible: adult = no/.test(await banner())) fail('ineligible patient: ' + await banner());
  if (await page.isVisible('#en-result')) fail('an arm is shown for a refused enrolment');
  await page.check('input[name="crit-adult"][value="yes"]');
  await page.click('#en-go');
  await page.waitForSelector('#en-result:not([hidden])', { timeout: 10000 });
  const enrolled = await page.textContent('#en-result');
  if (!/Patient E-001 enrolled: arm (control|micro)/.test(enrolled)) fail('enrolment answer: ' + enrolled);
  console.log('trial pages: ' + enrolled.split('The ECMO')[0]);

  // 2. a late T1 visit, and a quantity without unit
  await page.click('button[data-tab="visit"]');
  await page.selectOption('#vi-visit', 'T1');
  await page.fill('input.crf[name="ecmo_flow"]', '3');
  await page.click('#vi-go');
  await page.waitForFunction(() => /has no unit/.test(document.getElementById('error').textContent), null, { timeout: 10000 });
  await page.fill('input.crf[name="time"]', '2026-03-02T04:00Z');
  await page.fill('input.crf[name="ecmo_flow"]', '3.5 L/min');
  await page.fill('input.crf[name="map"]', '66 mmHg');
  await page.click('#vi-go');
  await page.waitForSelector('#vi-note', { timeout: 10000 });
  const note = await page.textContent('#vi-note');
  const cls = await page.getAttribute('#vi-note', 'class');
  if (!/DEVIATION: T1 at 20.00 h after placement is outside its window 0-18 h \(late by 2.00 h\)/.test(note) || cls !== 'deviation')
    fail('late visit: ' + note + ' (' + cls + ')');
  console.log('trial pages: ' + note);

  // 3. the patient record
  await page.click('button[data-tab="record"]');
  await page.fill('#re-patient', 'E-001');
  await page.click('#re-go');
  await page.waitForSelector('#re-out table', { timeout: 10000 });
  const rec = await page.textContent('#re-out');
  if (!/outside/.test(rec) || !/3\.5/.test(rec) || !/concealed/.test(rec)) fail('patient record: ' + rec.slice(0, 300));

  // 4. verify
  await page.click('button[data-tab="audit"]');
  await page.click('#au-verify');
  await page.waitForSelector('#au-ok', { timeout: 10000 });
  const v = await page.textContent('#au-ok');
  if (!/^verified/.test(v)) fail('verify: ' + v);

  // 5. the arms: refused to data entry, shown to the statistician
  await page.click('button[data-tab="arms"]');
  await page.click('#ar-go');
  await page.waitForFunction(() => /not allowed for role data_entry/.test(document.getElementById('error').textContent), null, { timeout: 10000 });
  await page.selectOption('#role', 'statistician');
  await page.click('#ar-go');
  await page.waitForSelector('#ar-out table', { timeout: 10000 });
  const arms = await page.textContent('#ar-out');
  if (!/risk difference/.test(arms) || !/Fisher p/.test(arms)) fail('arms: ' + arms.slice(0, 300));
  await page.waitForFunction(() => { const i = document.getElementById('ar-km'); return !i.hidden && i.complete && i.naturalWidth > 0; }, null, { timeout: 10000 });
  await page.screenshot({ path: shot });
  console.log('trial pages: screenshot ' + shot);
  if (errors.length) fail('errors in the page: ' + errors.join('; '));
} finally {
  await browser.close();
}

// Hostile input in the browser: cases 1–10 of the "trustworthy with the user's work"
// issue, through the real import button of the built page (under its CSP). Markup
// in values stays text, nothing runs (window.__pwned, dialogs), nothing is polluted,
// and every refused file or item leaves the person's work as it was. The same cases
// natively are in tests/hostile.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  serve, closeAll, openProfile, openPage, listEntries, saved, exportJson, importFile, recordCspViolations, cspViolations,
  nativeFile, dragOver, SEED,
} from '../lib/harness.mjs';

let server;
before(async () => { server = await serve(); });
after(async () => { await closeAll(); await server.close(); });

const PWN = '<img src=x onerror="window.__pwned=1;alert(1)">';
const SVG = '<svg onload="window.__pwned=2;alert(2)">';

/** A fresh profile and page that records CSP violations and dialogs. */
async function start() {
  const { context } = await openProfile();
  await recordCspViolations(context);
  const page = await openPage(context, server.url);
  page.dialogs = [];
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  return { context, page };
}

/** Nothing ran, nothing was created from a value, no CSP violation, no console error. */
async function assertClean(page, what) {
  const state = await page.evaluate(() => ({
    // (The app's own link layer is an <svg class="link-layer">; any other svg came from a value.)
    pwned: window.__pwned, imgs: document.querySelectorAll('img, svg:not(.link-layer), script:not([src]), iframe, object, embed, [onerror], [onload]').length,
    links: document.querySelectorAll('a[href]').length, proto: Object.keys(Object.prototype), polluted: ({}).polluted,
  }));
  assert.equal(state.pwned, undefined, `${what}: no script ran`);
  assert.equal(state.imgs, 0, `${what}: no element made from a value`);
  assert.equal(state.links, 0, `${what}: no link anywhere`);
  assert.deepEqual(state.proto, [], `${what}: Object.prototype untouched`);
  assert.equal(state.polluted, undefined);
  assert.deepEqual(page.dialogs, [], `${what}: no dialog`);
  assert.deepEqual(await cspViolations(page), [], `${what}: no CSP violation`);
  assert.deepEqual(page.problems, [], `${what}: no console error`);
}

/** Imports a file for another document and opens it. */
async function openFile(page, file, name = 'hostile.spantag.json') {
  await importFile(page, name, typeof file === 'string' ? file : JSON.stringify(file));
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Open' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** Imports a file that must be refused whole: an alert, and nothing changed. */
async function refused(page, name, content, message) {
  const before = await listEntries(page);
  const text = await page.locator('article').textContent();
  await importFile(page, name, content);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const said = await alert.innerText();
  assert.match(said, message, name);
  assert.match(said, /nothing was changed/, name);
  assert.deepEqual(await listEntries(page), before, `${name} changed no annotation`);
  assert.equal(await page.locator('article').textContent(), text, `${name} changed no text`);
  await alert.getByRole('button', { name: 'Dismiss message' }).click();
  return said;
}

test('cases 1, 3, 4: markup, URLs and prototype keys in labels, notes, attributes and fields stay plain data', async () => {
  const { context, page } = await start();
  const text = 'Officials met in Geneva on Monday, the ministry said, javascript:alert(1) and data:text/html,x.';
  const file = nativeFile(text, [
    { id: 'ev', label: 'Event', start: 10, end: 23, note: PWN, attributes: { place: PWN } },
    { id: 'ac', label: 'Actor', start: 0, end: 9, note: 'javascript:alert(1)' },
    { id: 'cl', label: 'Claim', start: 35, end: 52, note: 'data:text/html,<script>window.__pwned=3</script>', html: PWN, PROTO: { polluted: 1 } },
    { id: 'bad-label', label: PWN, start: 0, end: 9 },
    { id: 'proto-attr', label: 'Event', start: 24, end: 33, attributes: { PROTO: 'occurred' } },
  ]);
  file.entities = [{ id: 'E1', name: PWN, type: 'government official', members: ['ac'] }];
  file.labels = [{ id: PWN, color: 'red;}*{display:none', keys: ['1'], description: PWN }];
  file.html = PWN;
  // Keys a JavaScript importer would fall for, written into the JSON text itself.
  // (An object literal cannot hold a "__proto__" key, so it is written into the JSON text.)
  const json = JSON.stringify(file).replaceAll('"PROTO"', '"__proto__"')
    .replace('{"format"', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"format"');
  assert.equal((json.match(/"__proto__"/g) || []).length, 3);
  await openFile(page, json);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const said = await alert.innerText();
  assert.match(said, /unknown label "<img src=x onerror="window.__pwned=1;alert\(1\)">"/, 'the hostile label is quoted as text');
  assert.match(said, /has no attribute "__proto__"/);
  assert.equal((await listEntries(page)).length, 3);

  // Every value is shown as text where it appears: list, inspector (note, place, entity).
  for (const id of ['ev', 'ac', 'cl']) {
    await page.locator(`.ann-list li[data-id="${id}"]`).click();
    await page.locator('.inspector').waitFor();
  }
  await page.locator('.ann-list li[data-id="ev"]').click();
  assert.equal(await page.locator('#note').inputValue(), PWN, 'the note is shown as its literal text');
  await page.locator('.ann-list li[data-id="ac"]').click();
  const fields = await page.locator('.inspector').evaluate((el) => [...el.querySelectorAll('input, textarea')].map((f) => f.value));
  assert.ok(fields.includes(PWN), `the entity name is shown as text in a field: ${fields}`);
  // The page's own API gives plain objects; nothing reached Object.prototype.
  const viaApi = await page.evaluate(() => window.spantag && window.spantag.annotations().map((a) => a.id));
  if (viaApi) assert.deepEqual(viaApi.sort(), ['ac', 'cl', 'ev']);
  // Export keeps the values as data, drops the unknown fields.
  const { json: out, text: raw } = await exportJson(page);
  assert.equal(out.annotations.find((a) => a.id === 'ev').note, PWN);
  for (const gone of ['"html"', '__proto__', 'constructor', 'polluted']) assert.ok(!raw.includes(gone), gone);
  page.problems.length = 0;
  await assertClean(page, 'hostile values');
  await context.close();
});

test('case 2: article markup renders as text and round-trips byte for byte', async () => {
  const { context, page } = await start();
  const text = `Title <script>window.__pwned=4</script>\n\nA ${SVG} tag, &lt; &amp;lt; &#60; "quotes" </article></p> done.`;
  const i = [...text.slice(0, text.indexOf(SVG))].length;
  await openFile(page, nativeFile(text, [{ id: 's', label: 'Claim', start: i, end: i + [...SVG].length }]));
  await page.waitForFunction(() => document.querySelector('article').textContent.includes('done.'));
  assert.equal(await page.locator('article script, article svg').count(), 0);
  const shown = await page.locator('article').textContent();
  for (const literal of ['<script>window.__pwned=4</script>', SVG, '&lt; &amp;lt; &#60;', '</article></p>']) assert.ok(shown.includes(literal), literal);
  assert.equal(await page.locator('article mark').first().textContent(), SVG);
  await saved(page);
  await page.reload();
  await page.waitForSelector('article mark');
  const { json } = await exportJson(page);
  assert.equal(json.document.text, text, 'byte for byte after a reload and an export');
  assert.equal(Buffer.compare(Buffer.from(json.document.text), Buffer.from(text)), 0);
  await assertClean(page, 'article markup');
  await context.close();
});

test('cases 5, 6, 9, 10: duplicate keys, newer versions, lone surrogates, huge and deep files are refused with nothing changed', async () => {
  const { context, page } = await start();
  await dragOver(page, 'Benjamin Netanyahu');
  await page.keyboard.press('1');
  await saved(page);
  const { text: mine } = await exportJson(page);
  const before = await listEntries(page);

  // 5. Duplicate keys.
  await refused(page, 'dup.spantag.json', mine.replace('"version": 2,', '"version": 2, "version": 2,'), /the key "version" appears twice in one object/);
  await refused(page, 'dup2.spantag.json', mine.replace('"label": "Actor",', '"label": "Actor", "label": "Claim",'), /the key "label" appears twice/);
  // 6. A newer version.
  await refused(page, 'newer.spantag.json', mine.replace('"version": 2', '"version": 3'), /newer than this spantag reads/);
  // 9. A lone surrogate escape.
  await refused(page, 'lone.spantag.json', mine.replace('"title": "', '"title": "\\ud800'), /not valid JSON/);
  // 10. 10,000 levels of nesting, and a 50 MB file (refused by its size before it is read).
  await refused(page, 'deep.spantag.json', `{"format":"spantag","version":2,"x":${'['.repeat(10000)}${']'.repeat(10000)}}`, /nested deeper than 64 levels/);
  const t0 = Date.now();
  const big = Buffer.alloc(50 * 1024 * 1024, 0x20);
  big.write('{"format":"spantag","version":2,"pad":"', 0);
  big.write('"}', big.length - 2);
  const bigPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spantag-big-')), 'big.spantag.json');
  fs.writeFileSync(bigPath, big);
  await page.getByLabel('Import JSON').setInputFiles(bigPath);
  fs.rmSync(path.dirname(bigPath), { recursive: true, force: true });
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /50\.0 MB; spantag reads files up to 32 MB/);
  assert.ok(Date.now() - t0 < 20000, 'refused at once');
  await alert.getByRole('button', { name: 'Dismiss message' }).click();

  // 6 (stored data untouched): after all that, a reload shows the same work.
  assert.deepEqual(await listEntries(page), before);
  await page.reload();
  await page.waitForSelector('article mark');
  assert.deepEqual(await listEntries(page), before, 'stored work untouched');
  await assertClean(page, 'refused files');
  await context.close();
});

test('cases 5, 7, 8: bad items are refused one by one with a reason, the rest import; no U+FFFD', async () => {
  const { context, page } = await start();
  const text = 'Zoe\u0301 met 👍🏽 and 👩‍👩‍👧 in 🇺🇦 today, the ministry said.';
  const cp = [...text];
  const at = (s) => { const i = text.indexOf(s); return [...text.slice(0, i)].length; };
  const good = { id: 'good', label: 'Actor', start: 0, end: 4 };
  const file = nativeFile(text, [
    good,
    { id: 'good', label: 'Claim', start: at('today'), end: cp.length },
    { id: 'neg', label: 'Actor', start: -1, end: 3 },
    { id: 'empty', label: 'Actor', start: 5, end: 5 },
    { id: 'past', label: 'Actor', start: 5, end: cp.length + 10 },
    { id: 'quote', label: 'Actor', start: 0, end: 4, quote: { exact: 'Biden', prefix: '', suffix: '' } },
    { id: 'accent', label: 'Actor', start: 0, end: 3 },
    { id: 'tone', label: 'Event', start: at('👍'), end: at('👍') + 1 },
    { id: 'zwj', label: 'Event', start: at('👩'), end: at('👩') + 2 },
    { id: 'flag', label: 'Event', start: at('🇺🇦') + 1, end: at('🇺🇦') + 2 },
    { id: 'whole-flag', label: 'Event', start: at('🇺🇦'), end: at('🇺🇦') + 2 },
  ]);
  await openFile(page, file);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const said = await alert.innerText();
  for (const why of ['("good"): id "good" is used twice', '("neg"): negative offset', '("empty"): start 5 is not before end 5', '("past"): end', '("quote"): quote "Biden" does not match the text']) {
    assert.ok(said.includes(why), `${why} in ${said}`);
  }
  assert.equal((said.match(/falls inside a character/g) || []).length, 4, said);
  const entries = await listEntries(page);
  assert.equal(entries.length, 2, entries.join('\n'));
  const shown = await page.locator('article').textContent();
  assert.ok(!shown.includes('\uFFFD'), 'no U+FFFD in the article');
  assert.ok(shown.includes('👩‍👩‍👧') && shown.includes('Zoe\u0301'));
  const { json, text: raw } = await exportJson(page);
  assert.ok(!raw.includes('\uFFFD') && !raw.includes('\\ufffd'));
  assert.deepEqual(json.annotations.map((a) => a.id).sort(), ['good', 'whole-flag']);
  await assertClean(page, 'bad items');
  await context.close();
});

test('case 10: an L-size legitimate file (1M characters, 10,000 annotations) still imports', async () => {
  const { context, page } = await start();
  const words = ['Netanyahu', 'canceled', 'the', 'visit,', 'Kirby', 'said;', 'Zoë', '北京', '👍🏽', 'café'];
  const parts = [];
  let n = 0;
  for (let i = 0; n < 1_000_000; i++) {
    const w = words[i % words.length];
    parts.push(w, i % 17 === 16 ? '\n\n' : ' ');
    n += [...w].length + (i % 17 === 16 ? 2 : 1);
  }
  const text = parts.join('');
  const starts = [];
  let cp = 0;
  for (let i = 0; i < parts.length; i += 2) { starts.push(cp); cp += [...parts[i]].length + [...parts[i + 1]].length; }
  const labels = ['Actor', 'Event', 'Claim', 'Cue'];
  const anns = [];
  for (let k = 0; k < 10_000; k++) {
    const s = starts[k * 10];
    anns.push({ id: `a${k}`, label: labels[k % 4], start: s, end: s + [...parts[k * 20]].length });
  }
  const file = JSON.stringify(nativeFile(text, anns, 'L case'));
  assert.ok(file.length > 3_000_000 && file.length < 32 * 1024 * 1024);
  await openFile(page, file, 'l-case.spantag.json');
  await page.waitForFunction(() => /10,?000 annotations/.test(document.querySelector('footer [role=status]')?.textContent || ''), null, { timeout: 240000 });
  assert.equal(await page.getByRole('alert').count(), 0, 'nothing refused');
  await assertClean(page, 'L case');
  await context.close();
});

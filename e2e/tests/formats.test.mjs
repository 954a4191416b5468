// The interchange formats run in a Web Worker with its own wasm (src/bin/formats_worker.rs),
// started on the first use of the formats menu and reused after: page load does not fetch it.
// Through the menu, under the page's strict CSP, with zero violations and zero console errors:
// export W3C Web Annotation and brat, then import a real doccano file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  serve, closeAll, openProfile, openPage, listEntries, saved, importFile, nativeFile,
  recordCspViolations, cspViolations, cpSlice, SEED, DIST,
} from '../lib/harness.mjs';

let server;
before(async () => { server = await serve(); });
after(async () => { await closeAll(); await server.close(); });

/** Three annotations on the seed text, found by their words. */
function seedAnnotations() {
  const cps = [...SEED];
  const at = (needle, label, id) => {
    const start = [...SEED.slice(0, SEED.indexOf(needle))].length;
    return { id, label, start, end: start + [...needle].length };
  };
  const words = SEED.match(/\p{L}{5,}/gu);
  assert.ok(words.length >= 3 && cps.length > 100);
  return [at(words[0], 'Actor', 'a1'), at(words[1], 'Event', 'a2'), at(words[2], 'Claim', 'a3')];
}

async function exportAs(page, value) {
  await page.getByLabel('Export format').selectOption(value);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export', exact: true }).click(),
  ]);
  return { name: download.suggestedFilename(), bytes: fs.readFileSync(await download.path()) };
}

const notice = (page) => page.locator('.notice p').first().innerText();

test('formats menu: the worker loads on first use, exports W3C and brat, imports doccano', async () => {
  const { context } = await openProfile();
  await recordCspViolations(context);
  const workerRequests = [];
  context.on('request', (r) => { if (/formats_worker/.test(r.url())) workerRequests.push(new URL(r.url()).pathname); });
  const page = await openPage(context, server.url);

  // Open the seed with three annotations (through the native import, on the main thread).
  const anns = seedAnnotations();
  await importFile(page, 'seed.spantag.json', JSON.stringify(nativeFile(SEED, anns)));
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Annotations"] > li').length === 3);
  await saved(page);
  assert.deepEqual(workerRequests, [], 'page load and the native import do not fetch the formats worker');

  // W3C Web Annotation (the menu's first choice after native).
  const w3c = await exportAs(page, 'w3c');
  assert.match(w3c.name, /\.w3c\.jsonld$/);
  const collection = JSON.parse(w3c.bytes.toString('utf8'));
  assert.equal(collection.type, 'AnnotationCollection');
  const items = collection.first?.items ?? collection.items ?? [];
  assert.equal(items.length, 3, JSON.stringify(collection).slice(0, 400));
  const exacts = JSON.stringify(items);
  for (const a of anns) assert.ok(exacts.includes(JSON.stringify(cpSlice(SEED, a.start, a.end))), `W3C export quotes ${cpSlice(SEED, a.start, a.end)}`);
  assert.match(await notice(page), /^Exported .*\.w3c\.jsonld as W3C Web Annotation\./);
  assert.ok(workerRequests.includes('/formats_worker_loader.js'), workerRequests.join(' '));
  assert.ok(workerRequests.includes('/formats_worker_bg.wasm'), workerRequests.join(' '));
  const fetched = workerRequests.length;

  // brat: a zip (stored) with the .txt, the .ann and annotation.conf. The worker is reused.
  const brat = await exportAs(page, 'brat');
  assert.match(brat.name, /\.brat\.zip$/);
  assert.equal(brat.bytes.subarray(0, 2).toString('latin1'), 'PK');
  const zipText = brat.bytes.toString('utf8');
  assert.ok(zipText.includes('annotation.conf'));
  for (const a of anns) {
    assert.match(zipText, new RegExp(`T\\d+\t${a.label} \\d+ \\d+\t${cpSlice(SEED, a.start, a.end)}\n`), `brat .ann has the ${a.label}`);
  }
  assert.match(await notice(page), /^Exported .*\.brat\.zip as brat standoff \(zip\)\./);

  // doccano (a real export, another text): read in the worker, opened after asking.
  const doccano = fs.readFileSync(new URL('../../crates/core/tests/fixtures/doccano/news.jsonl', import.meta.url));
  await page.getByLabel('Import other format').setInputFiles({ name: 'news.jsonl', mimeType: 'application/jsonl', buffer: doccano });
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /another document.*with 6 annotations/s);
  await dialog.getByRole('button', { name: 'Open' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Annotations"] > li').length === 6);
  const entries = (await listEntries(page)).join('\n');
  for (const quote of ['Zelenskyy', '習近平', 'talks failed']) assert.ok(entries.includes(quote), `${quote} in\n${entries}`);
  assert.match(await page.locator('article').innerText(), /Zelenskyy 🇺🇦 met 習近平 in Kyiv/);
  await saved(page);

  assert.equal(workerRequests.length, fetched, `the worker is started once and reused: ${workerRequests.join(' ')}`);
  assert.deepEqual(await cspViolations(page), [], 'the worker runs under the CSP');
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a file no format reads is refused whole, with the reason, and nothing changes', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await page.getByLabel('Import other format').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just some words\n') });
  await page.locator('.notice.error').waitFor();
  assert.match(await notice(page), /Import failed, nothing was changed: notes\.txt: spantag does not recognise the file's format/);
  // A W3C file about another text: read in the worker, refused as a different document.
  const w3c = fs.readFileSync(new URL('../../crates/core/tests/fixtures/w3c/news.jsonld', import.meta.url));
  await page.getByLabel('Import other format').setInputFiles({ name: 'news.jsonld', mimeType: 'application/ld+json', buffer: w3c });
  await page.waitForFunction(() => /different document/.test(document.querySelector('.notice.error p')?.textContent || ''));
  assert.deepEqual(await listEntries(page), []);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a formats worker that cannot start is reported, not waited for; the native format still works', async () => {
  // A copy of the build without the worker's wasm.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spantag-dist-'));
  fs.cpSync(DIST, dir, { recursive: true });
  fs.rmSync(path.join(dir, 'formats_worker_bg.wasm'));
  const broken = await serve(dir);
  try {
    const { context } = await openProfile();
    const page = await openPage(context, broken.url);
    await page.getByLabel('Export format').selectOption('w3c');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.locator('.notice.error').waitFor();
    assert.match(await notice(page), /^Export failed: the formats worker could not start \(.+\)\.$/);
    // Native export runs on the main thread.
    await page.getByLabel('Export format').selectOption('native');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
    assert.match(download.suggestedFilename(), /\.spantag\.json$/);
    assert.equal(JSON.parse(fs.readFileSync(await download.path(), 'utf8')).format, 'spantag');
    // The missing file's 404 is the only console error.
    assert.ok(page.problems.every((p) => /404|Failed to load resource/.test(p)), page.problems.join('\n'));
    await context.close();
  } finally {
    await broken.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

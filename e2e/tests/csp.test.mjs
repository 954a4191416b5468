// The strict Content-Security-Policy (index.html) enforces, and the whole
// annotation loop runs under it with zero violations and zero console errors:
// tag with a mouse drag and keys, relabel, delete, reload, export, import.
// Then a panic (the test event of src/ui/panic.rs) shows the recoverable overlay,
// still under the CSP, and its Export JSON backup button downloads the work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  serve, closeAll, openProfile, openPage, dragOver, listEntries, saved, exportJson, importFile,
  recordCspViolations, cspViolations, SEED, DIST,
} from '../lib/harness.mjs';

let server;
before(async () => { server = await serve(); });
after(async () => { await closeAll(); await server.close(); });

const POLICY = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
  + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

test('the CSP is in the page and enforces: no inline script, no inline style, no foreign image', async () => {
  const { context } = await openProfile();
  await recordCspViolations(context);
  const page = await openPage(context, server.url);
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.equal(meta, POLICY);
  // No inline script is left in the built page: Trunk's loader is the external loader.js.
  const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every <script> has a src');
  assert.match(html, /<script type="module" src="\/loader\.js\?js=spantag-[0-9a-f]+\.js&amp;wasm=spantag-[0-9a-f]+_bg\.wasm"><\/script>/);
  assert.deepEqual(await cspViolations(page), [], 'loading the app violates nothing');

  // Positive controls: the policy blocks what it must.
  const tried = await page.evaluate(async () => {
    window.__ran = false;
    const s = document.createElement('script');
    s.textContent = 'window.__ran = true';
    document.body.appendChild(s);
    const d = document.createElement('div');
    d.setAttribute('style', 'color: rgb(1, 2, 3)');
    document.body.appendChild(d);
    const img = document.createElement('img');
    img.src = 'https://example.invalid/x.png';
    document.body.appendChild(img);
    await new Promise((r) => setTimeout(r, 100));
    const color = getComputedStyle(d).color;
    s.remove(); d.remove(); img.remove();
    return { ran: window.__ran, color };
  });
  assert.equal(tried.ran, false, 'an inline script does not run');
  assert.notEqual(tried.color, 'rgb(1, 2, 3)', 'an inline style attribute does not apply');
  const blocked = await cspViolations(page);
  assert.ok(blocked.some((v) => v.startsWith('script-src-elem')), blocked.join('\n'));
  assert.ok(blocked.some((v) => v.startsWith('style-src-attr')), blocked.join('\n'));
  assert.ok(blocked.some((v) => v.startsWith('img-src')), blocked.join('\n'));
  page.problems.length = 0; // the blocked probes log console errors of their own
  await context.close();
});

test('the whole annotation loop runs under the CSP with zero violations', async () => {
  const { context, dir } = await openProfile();
  await recordCspViolations(context);
  let page = await openPage(context, server.url);

  // Tag: mouse drag then a key, and mouse drag then a label button.
  await dragOver(page, 'Benjamin Netanyahu');
  await page.keyboard.press('1');
  await page.waitForSelector('article mark[data-label="Actor"]');
  await dragOver(page, 'canceled a high-stakes delegation visit');
  await page.keyboard.press('e');
  await dragOver(page, 'White House');
  await page.getByRole('button', { name: /^Claim/ }).click();
  let entries = await listEntries(page);
  assert.equal(entries.length, 3, entries.join('\n'));

  // Relabel through the list with a key; delete with Delete.
  await page.getByRole('list', { name: 'Annotations' }).getByText('White House', { exact: true }).click();
  await page.keyboard.press('1');
  assert.match((await listEntries(page)).join('\n'), /Actor[\s\S]*White House/);
  await page.keyboard.press('Delete');
  if (await page.getByRole('dialog').count()) await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.ann-list li').length === 2);
  await page.keyboard.press('Escape');
  entries = await listEntries(page);

  // Reload keeps everything.
  await saved(page);
  await page.reload();
  await page.waitForSelector('article mark');
  assert.deepEqual(await listEntries(page), entries);

  // Export, then import into a fresh profile.
  const exported = await exportJson(page);
  assert.equal(exported.json.annotations.length, 2);
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(page.problems, []);
  await context.close();

  const fresh = await openProfile();
  await recordCspViolations(fresh.context);
  page = await openPage(fresh.context, server.url);
  await importFile(page, exported.name, exported.text);
  await page.waitForSelector('article mark');
  assert.deepEqual(await listEntries(page), entries);
  await saved(page);
  assert.deepEqual(await cspViolations(page), [], 'import, render and save violate nothing');
  assert.deepEqual(page.problems, []);
  await fresh.context.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a panic shows a recoverable overlay with a working backup export, under the CSP', async () => {
  const { context } = await openProfile();
  await recordCspViolations(context);
  const page = await openPage(context, server.url);
  await dragOver(page, 'Benjamin Netanyahu');
  await page.keyboard.press('1');
  await dragOver(page, 'John Kirby');
  await page.keyboard.press('1');
  await saved(page);
  const before = await listEntries(page);

  // Panic on purpose. Release builds abort after the hook, so the page sees a wasm trap.
  await page.evaluate(() => { setTimeout(() => window.dispatchEvent(new Event('spantag-test-panic'))); });
  const overlay = page.getByRole('alertdialog');
  await overlay.waitFor();
  const text = await overlay.innerText();
  assert.match(text, /spantag hit an internal error/);
  assert.match(text, /saved work is safe/);
  assert.match(await overlay.textContent(), /a test panic/, 'the technical details hold the panic message');
  // The overlay covers the page (styled through the CSSOM, which the CSP allows).
  const box = await overlay.boundingBox();
  assert.ok(box.width >= 1200 && box.height >= 800, JSON.stringify(box));
  assert.equal(await page.locator('#spantag-panic').count(), 1);

  const [download] = await Promise.all([page.waitForEvent('download'), overlay.getByRole('button', { name: 'Export JSON backup' }).click()]);
  const backup = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  assert.match(download.suggestedFilename(), /\.spantag\.json$/);
  assert.equal(backup.format, 'spantag');
  assert.equal(backup.document.text, SEED);
  assert.deepEqual(backup.annotations.map((a) => a.quote.exact).sort(), ['Benjamin Netanyahu', 'John Kirby']);

  assert.deepEqual(await cspViolations(page), [], 'the overlay violates nothing');
  assert.ok(page.problems.every((p) => /panic|unreachable|RuntimeError/i.test(p)), page.problems.join('\n'));
  assert.ok(page.problems.some((p) => /a test panic/.test(p)), 'console_error_panic_hook still logs the panic');

  // Reload brings the app back with the stored work.
  await overlay.getByRole('button', { name: 'Reload' }).click();
  await page.waitForSelector('article mark');
  assert.equal(await page.locator('#spantag-panic').count(), 0);
  assert.deepEqual(await listEntries(page), before, 'stored data survived the panic');
  await context.close();
});

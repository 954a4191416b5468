// Shared end-to-end harness: a static server for dist/, Debian Chromium through
// playwright-core with a fresh profile, and helpers that act like a person
// (real mouse drags over text, key presses, file pickers, downloads).
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
export const DIST = process.env.SPANTAG_DIST || path.join(ROOT, 'dist');
export const SEED = fs.readFileSync(path.join(ROOT, 'seeds', '000_b394ad186b713fdd.txt'), 'utf8');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** Serves dir on 127.0.0.1 (a free port); resolves to { url, close }. */
export function serve(dir = DIST, headers = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = path.join(dir, decodeURIComponent(url.pathname));
    if (!file.startsWith(dir)) { res.writeHead(403); return res.end(); }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) { res.writeHead(404); return res.end('not found'); }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store', ...headers });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) });
  }));
}

export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

const open = new Set();
const made = new Set();
/** Closes every browser still open (call from an `after` hook, so a failing test cannot
    hang the run), and removes the profiles made in this run (a few MB each). */
export async function closeAll() {
  for (const c of open) await c.close().catch(() => {});
  open.clear();
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  made.clear();
}

function newProfileDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spantag-profile-'));
  made.add(dir);
  return dir;
}

/** A fresh browser profile; returns { context, dir }. Pass dir to reopen the same profile. */
export async function openProfile(dir = newProfileDir()) {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  open.add(context);
  context.on('close', () => open.delete(context));
  return { context, dir };
}

/** Opens the widget and fails the test on any page error or console error. */
export async function openPage(context, url) {
  return load(context.pages()[0] || await context.newPage(), url);
}

/** Opens the widget in a new tab of the same browser (same storage). */
export async function openTab(context, url) {
  return load(await context.newPage(), url);
}

/** Loads the widget in `page`, recording page errors and console errors in `page.problems`. */
async function load(page, url) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.problems = problems;
  await page.goto(url);
  await page.waitForSelector('article p');
  return page;
}

/** The client rects around the n-th occurrence of `needle` in the article's text. */
export async function textBox(page, needle, nth = 0) {
  return page.evaluate(([needle, nth]) => {
    const article = document.querySelector('article');
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let all = '';
    for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.data; }
    let at = -1;
    for (let i = 0; i <= nth; i++) { at = all.indexOf(needle, at + 1); if (at < 0) return null; }
    const locate = (off) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= off) return [nodes[i][0], off - nodes[i][1]]; };
    const rectOf = (off) => { const [n, o] = locate(off); const r = document.createRange(); r.setStart(n, o); r.setEnd(n, o + (n.data.codePointAt(o) > 0xffff ? 2 : 1)); return r.getClientRects()[0] || r.getBoundingClientRect(); };
    const last = needle.length - (needle.codePointAt(needle.length - 2) > 0xffff ? 2 : 1);
    const a = rectOf(at), b = rectOf(at + last);
    return { x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2 };
  }, [needle, nth]);
}

/** Drags the mouse over the n-th occurrence of `needle`, like a person selecting it. */
export async function dragOver(page, needle, nth = 0) {
  const first = await textBox(page, needle, nth);
  if (!first) throw new Error(`text not found in article: ${needle}`);
  // Bring it into view, let the page settle (what comes into view may be laid out
  // only then: content-visibility), then measure again.
  await page.evaluate(async (y) => {
    window.scrollBy(0, y - window.innerHeight / 2);
    for (let i = 0; i < 2; i++) await new Promise((r) => requestAnimationFrame(r));
  }, first.y1);
  const box = await textBox(page, needle, nth);
  await page.mouse.move(box.x1, box.y1);
  await page.mouse.down();
  await page.mouse.move((box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2, { steps: 4 });
  await page.mouse.move(box.x2, box.y2, { steps: 4 });
  await page.mouse.up();
}

/** Clicks the middle of the n-th occurrence of `needle` in the article. */
export async function clickText(page, needle, nth = 0) {
  const box = await textBox(page, needle, nth);
  if (!box) throw new Error(`text not found in article: ${needle}`);
  await page.mouse.click((box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2);
}

/** The list entries' texts, in order. */
export async function listEntries(page) {
  return page.getByRole('list', { name: 'Annotations' }).locator(':scope > li').allInnerTexts();
}

/** Waits until the status line says everything is saved. */
export async function saved(page) {
  await page.waitForFunction(() => /Saved/.test(document.querySelector('footer [role=status]')?.textContent || ''));
}

/** Clicks Export JSON and returns the parsed download and its suggested name. */
export async function exportJson(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), json: JSON.parse(fs.readFileSync(file, 'utf8')), text: fs.readFileSync(file, 'utf8') };
}

/** Chooses a file (given as name + content) in the Import JSON picker. */
export async function importFile(page, name, content) {
  await page.getByLabel('Import JSON').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(content) });
}

/** Slices a string by code points, the model's unit. */
export const cpSlice = (s, start, end) => [...s].slice(start, end).join('');

/**
 * Records every Content-Security-Policy violation in every page of `context`, from
 * the first script on, in `window.__cspViolations` (read with `cspViolations`).
 */
export async function recordCspViolations(context) {
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} (${e.sourceFile || '?'}:${e.lineNumber}) ${e.sample || ''}`.trim());
    }, true);
  });
}

/** The CSP violations recorded so far in `page` (see recordCspViolations). */
export const cspViolations = (page) => page.evaluate(() => window.__cspViolations || []);

/** FNV-1a 64 of the UTF-8 bytes of `s`, as 16 hex digits: a native file's document.id. */
export const fnv = (s) => {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(s, 'utf8')) { h ^= BigInt(b); h = (h * 0x100000001b3n) & 0xffffffffffffffffn; }
  return h.toString(16).padStart(16, '0');
};

/** A native (version 2) file for `text` with these annotations (each needs id, label, start, end; quotes are filled in). */
export function nativeFile(text, annotations = [], title = 'Test document') {
  const cps = [...text];
  const slice = (a, b) => cps.slice(a, b).join('');
  return {
    format: 'spantag', version: 2, offset_unit: 'codepoint',
    document: { id: fnv(text), title, length: cps.length, text },
    labels: [],
    annotations: annotations.map((a) => ({
      created: '2024-03-26T10:00:00.000Z', modified: '2024-03-26T10:00:00.000Z',
      quote: { exact: slice(a.start, a.end), prefix: slice(Math.max(0, a.start - 32), a.start), suffix: slice(a.end, a.end + 32) },
      ...a,
    })),
    relations: [], entities: [],
  };
}

// The spantag browser benchmark: drives the release build in headless Debian Chromium
// through playwright-core, like a person, and compares it with two floors measured in
// the same run (see bench/floor.html). Writes bench/results/<name>.json.
//
//   node bench/bench.mjs [--cases S,M,M-overlap,L] [--runs 5] [--dist dist]
//                        [--variants plain,marks,highlight,app] [--out bench/results/latest.json]
//                        [--design "label for this build"]
//
// Each run of each variant is a fresh browser with a fresh profile: one page load,
// on which every figure of that variant is measured once, in this order: load
// (import → painted), heap, export, scroll, select → highlight, relabel, delete.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from '../e2e/node_modules/playwright-core/index.mjs';
import { CHROMIUM_ARGS, dragOver } from '../e2e/lib/harness.mjs';
import { CASES, makeCase } from './gen.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const CASE_NAMES = arg('cases', Object.keys(CASES).join(',')).split(',');
const RUNS = Number(arg('runs', '5'));
const DIST = path.resolve(ROOT, arg('dist', 'dist'));
const VARIANTS = arg('variants', 'plain,marks,highlight,app').split(',');
const OUT = path.resolve(ROOT, arg('out', 'bench/results/latest.json'));
const DESIGN = arg('design', 'current');
const CASE_DIR = path.join(here, 'cases');
const PROBE = fs.readFileSync(path.join(here, 'probe.js'), 'utf8');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** Serves dist/ at /, bench/floor.html at /floor.html, and dist's stylesheet at /app.css. */
function serve() {
  const css = fs.readdirSync(DIST).find((f) => /^style-.*\.css$/.test(f));
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = p === '/floor.html' ? path.join(here, 'floor.html') : p === '/app.css' ? path.join(DIST, css) : path.join(DIST, p);
    if (!file.startsWith(DIST) && !file.startsWith(here)) { res.writeHead(403); return res.end(); }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) { res.writeHead(404); return res.end('not found'); }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) });
  }));
}

async function launch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spantag-bench-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  return { context, dir };
}

const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms))]);

/** Pss (KB→bytes) of renderer process `pid`. Since session 7 the pid comes from the
    page (see `rendererPid`): before, this was the largest renderer of the browser,
    which is not always the page's. A second after start another renderer of the
    browser (a trace names it "WebUI Top Renderer") holds 57–79 MB, more than a small
    page's own renderer. */
function rendererPss(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the renderer process that runs `page`'s main frame: a short trace over
    two animation frames, whose events name the frame they belong to. */
async function rendererPid(cdp, page) {
  const { frameTree } = await cdp.send('Page.getFrameTree');
  const events = [];
  const collect = (d) => events.push(...d.value);
  cdp.on('Tracing.dataCollected', collect);
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline', transferMode: 'ReportEvents' });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await cdp.send('Tracing.end');
  await done;
  cdp.off('Tracing.dataCollected', collect);
  const e = events.find((x) => (x.args?.data?.frame ?? x.args?.beginData?.frame) === frameTree.frame.id);
  return e?.pid;
}

async function heap(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const wasm = await page.evaluate(() => window.__bench.wasmBytes());
  const pid = await rendererPid(cdp, page);
  await cdp.detach();
  return { js: m.JSHeapUsedSize, wasm, total: m.JSHeapUsedSize + wasm, nodes: m.Nodes, renderer: pid ? rendererPss(pid) : undefined };
}

/** One fresh page load of one variant of one case; every figure once. A load that
    has not finished after 3 minutes is closed and tried once more, and the retry is
    logged: three times (once in session 4, twice in session 5, in floor and app runs
    alike) an L page load stopped in the middle with an idle browser, and the whole
    benchmark waited for it forever. */
async function runOnce(server, variant, c, file) {
  for (let attempt = 1; ; attempt++) {
    const { context, dir } = await launch();
    try {
      return await withTimeout(measure(context, server, variant, c, file), 180000, `${path.basename(file)} ${variant} load`);
    } catch (e) {
      if (attempt > 1 || !/^timeout/.test(e.message)) throw e;
      console.log(`${e.message} after 3 minutes: closed, trying once more`);
    } finally {
      await context.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The figures of one page load, in a fresh browser `context`. */
async function measure(context, server, variant, c, file) {
  const out = {};
  {
    await context.addInitScript({ content: PROBE });
    const page = context.pages()[0] || await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    const isApp = variant === 'app';
    await page.goto(isApp ? server.url : `${server.url}floor.html?mode=${variant}`);
    const input = page.getByLabel('Import JSON');
    const nMarks = variant === 'plain' ? 0 : c.n;
    // As a person does: the page has started and been idle for a moment before the
    // file is chosen (finding the button and the file takes seconds). The app reads a
    // small sample file when it is first idle (formats::rehearsal); the floors wait
    // the same.
    await page.waitForSelector(isApp ? 'article p' : 'body');
    await page.waitForTimeout(1000);

    // load → painted (and its parts: import = file read, parse and checks; open = → painted).
    if (isApp) {
      await page.waitForSelector('article p');
      await page.evaluate(() => window.__bench.watchDialog());
      await input.setInputFiles(file);
      await page.waitForSelector('[role=dialog]', { timeout: 120000 });
      const starts = JSON.parse(c.json).annotations.map((a) => a.start).sort((a, b) => a - b);
      const r = await page.evaluate(([n, b, s]) => window.__bench.open(n, b, s), [nMarks, c.nBlocks, starts]);
      const t = await page.evaluate(() => window.__bench.t);
      out.import = t.dialog - t.change;
      out.open = r.next - r.t0;
      out.load = out.import + out.open;
      out.open_all = r.all - r.t0;
      out.load_all = out.import + out.open_all;
    } else {
      const done = page.evaluate(([n, b]) => window.__bench.until(() => document.getElementById('article').querySelectorAll('.block').length === b
        && (n === 0 || window.__bench.painted() === n)), [nMarks, c.nBlocks]);
      await input.setInputFiles(file);
      const r = await done;
      const t = await page.evaluate(() => window.__bench.t);
      out.import = t.imported - t.change;
      out.open = r.next - t.imported;
      out.load = r.next - t.change;
    }
    if (isApp) {
      // Let autosave finish first, so that it is not counted in the figures below.
      await page.waitForFunction(() => /Saved in|Not saved|paused/.test(document.querySelector('footer [role=status]')?.textContent || ''), null, { timeout: 120000 });
      out.status = await page.locator('footer [role=status]').textContent();
    }
    out.heap = await heap(context, page);
    if (isApp) {
      const [download, ms] = await Promise.all([
        page.waitForEvent('download', { timeout: 60000 }),
        withTimeout(page.evaluate(() => window.__bench.exportClick()), 60000, 'export'),
      ]);
      out.export = ms;
      const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
      if (exported.annotations.length !== c.n) throw new Error(`export has ${exported.annotations.length} annotations, expected ${c.n}`);
    }
    out.scroll = await page.evaluate(() => window.__bench.scroll());
    if (isApp) {
      // select → highlight: a real drag over a word in the middle, then 1 (Actor).
      await page.keyboard.press('Escape');
      await dragOver(page, c.target);
      await page.evaluate(() => window.__bench.armKey('article mark.ann.sel.first[data-label="Actor"]'));
      await page.keyboard.press('1');
      out.select = await withTimeout(page.evaluate(() => window.__bench.key), 30000, 'select');
      const id = await page.evaluate(() => document.querySelector('article mark.ann.sel').dataset.id);
      // relabel the new annotation with 2 (Event).
      await page.evaluate(() => window.__bench.armKey('article mark.ann.sel.first[data-label="Event"]'));
      await page.keyboard.press('2');
      out.relabel = await withTimeout(page.evaluate(() => window.__bench.key), 30000, 'relabel');
      // delete it.
      await page.evaluate((id) => window.__bench.armKey(`article mark[data-id="${id}"]`, false), id);
      await page.keyboard.press('Delete');
      out.delete = await withTimeout(page.evaluate(() => window.__bench.key), 30000, 'delete');
      // The save after those edits (autosave, 300 ms after the last): its main-thread
      // tasks over 50 ms, until the status says it is stored.
      await page.evaluate(() => window.__bench.watchLong());
      await page.waitForFunction(() => /Saved in/.test(document.querySelector('footer [role=status]')?.textContent || ''), null, { timeout: 120000 });
      await page.waitForTimeout(100);
      const long = await page.evaluate(() => window.__bench.long);
      out.autosave = { over50: long.length, max: Math.max(0, ...long) };
    }
    if (variant === 'marks') {
      // The floor of relabel and delete: the key handler only changes one mark's label,
      // or unwraps it. A one-mark annotation near the middle of the screen, not Event.
      await page.evaluate(() => {
        scrollTo(0, 0);
        const h = innerHeight;
        const m = [...document.querySelectorAll('article mark.ann.first:not([data-label="Event"])')].find((x) => {
          const r = x.getBoundingClientRect();
          return r.top > h / 3 && r.bottom < h && document.querySelectorAll(`article mark[data-id="${x.dataset.id}"]`).length === 1;
        });
        m.dataset.bench = '1';
      });
      await page.mouse.move(300, 450);
      await page.evaluate(() => window.__bench.armKey('article mark[data-bench][data-label="Event"]'));
      await page.keyboard.press('2');
      out.relabel = await withTimeout(page.evaluate(() => window.__bench.key), 30000, 'relabel');
      await page.evaluate(() => window.__bench.armKey('article mark[data-bench]', false));
      await page.keyboard.press('Delete');
      out.delete = await withTimeout(page.evaluate(() => window.__bench.key), 30000, 'delete');
    }
    // Event Timing entries arrive after the frame is presented: read them last, so that
    // waiting for them changes nothing above.
    if (out.relabel) {
      await page.waitForTimeout(200);
      for (const k of ['select', 'relabel', 'delete']) {
        if (out[k]) out[k].presented = await page.evaluate((t) => window.__bench.presented(t), out[k].t_event);
      }
    }
    if (problems.length) out.problems = problems;
  }
  return out;
}

const stats = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s.at(-1), n: s.length };
};

/** Per-figure statistics of a variant's runs. */
function summarise(runs) {
  const fig = {
    load: (r) => r.load, import: (r) => r.import, open: (r) => r.open, export: (r) => r.export,
    load_all: (r) => r.load_all ?? r.load, open_all: (r) => r.open_all ?? r.open,
    select: (r) => r.select?.paint, relabel: (r) => r.relabel?.paint, delete: (r) => r.delete?.paint,
    select_presented: (r) => r.select?.presented, relabel_presented: (r) => r.relabel?.presented, delete_presented: (r) => r.delete?.presented,
    select_dom: (r) => r.select?.dom, relabel_dom: (r) => r.relabel?.dom, delete_dom: (r) => r.delete?.dom,
    autosave_over50: (r) => r.autosave?.over50, autosave_max: (r) => r.autosave?.max,
    scroll_over50: (r) => r.scroll?.over50, scroll_dropped: (r) => r.scroll?.dropped, scroll_max: (r) => r.scroll?.max, scroll_frames: (r) => r.scroll?.frames,
    heap_js: (r) => r.heap?.js, mem_renderer: (r) => r.heap?.renderer, heap_wasm: (r) => r.heap?.wasm, heap_total: (r) => r.heap?.total, dom_nodes: (r) => r.heap?.nodes,
  };
  const out = {};
  for (const [k, f] of Object.entries(fig)) {
    const s = stats(runs.map(f));
    if (s) out[k] = s;
  }
  return out;
}

/** The app's wasm (spantag-<hash>_bg.wasm), and any other wasm in dist (e.g. a worker's). */
function wasmSize() {
  const size = (f) => {
    const buf = fs.readFileSync(path.join(DIST, f));
    return { file: f, raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length };
  };
  const all = fs.readdirSync(DIST).filter((x) => x.endsWith('.wasm'));
  const main = all.find((x) => /^spantag-[0-9a-f]+_bg\.wasm$/.test(x)) || all[0];
  return { ...size(main), others: all.filter((x) => x !== main).map(size) };
}

async function main() {
  fs.mkdirSync(CASE_DIR, { recursive: true });
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const server = await serve();
  let chromiumVersion = '';
  try { chromiumVersion = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch {}
  const result = {
    design: DESIGN,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, mem_gb: Math.round(os.totalmem() / 2 ** 30) },
    chromium: chromiumVersion,
    runs: RUNS,
    wasm: wasmSize(),
    definitions: {
      load: 'ms from the file input change event to painted, checked in an animation frame, plus the next animation frame. Painted: every block is in the article with its text, and every block in the viewport has one mark.first per annotation starting in it (floors: every annotation has its mark.first or highlight range, as they build everything at once). App: import + open (the time the dialog waits for a person is not counted)',
      load_all: 'as load, until every annotation of the document has its mark.first in the DOM (the app draws blocks out of view in background steps of at most 8 ms); floors: = load',
      import: 'ms from the change event to the dialog (file read, JSON parse, every annotation checked); floors: file read + JSON.parse',
      open: "ms from the click on the dialog's Open (floors: the parsed file) to painted",
      select: 'ms from the key 1 (event timestamp) after a real mouse drag over a word, to the first paint with the new mark',
      relabel: 'ms from the key 2 to the first paint with the new label; marks floor: a key handler that only relabels one mark', delete: 'ms from Delete to the first paint without the mark; marks floor: a key handler that only unwraps one mark',
      '*_presented': 'Event Timing (the standard behind INP): ms from the key event to the frame the browser presented after its handlers ran, in 8 ms steps; the browser reports only 16 ms or more, so a missing entry counts as 8',
      '*_dom': 'ms from the key event to the first DOM mutation (diagnostic)',
      scroll: 'window scrolled by 80% of a viewport per animation frame from top to bottom; over50 = frames longer than 50 ms; dropped = sum of round(interval/16.7)-1',
      heap: 'bytes after a forced GC (CDP): js = JSHeapUsedSize, wasm = the wasm linear memory, total = both; nodes = DOM nodes; renderer = Pss of the renderer process (/proc smaps_rollup), which also counts the DOM, layout and text',
      autosave: 'the save that follows the select, relabel and delete (300 ms after the last edit), until the status line says it is stored: over50 = main-thread tasks longer than 50 ms (Long Tasks API), max = the longest of them (0 if none)',
      export: 'ms from the click on Export JSON to the download link click (synchronous in the page); the downloaded file is checked',
    },
    cases: {},
  };
  try {
    for (const name of CASE_NAMES) {
      const c = makeCase(name);
      const file = path.join(CASE_DIR, `${name}.spantag.json`);
      fs.writeFileSync(file, c.json);
      const entry = { chars: c.nCp, blocks: c.nBlocks, annotations: c.n, file_bytes: Buffer.byteLength(c.json), target: c.target, variants: {} };
      result.cases[name] = entry;
      for (const variant of VARIANTS) {
        const runs = [];
        for (let i = 0; i < RUNS; i++) {
          const t = Date.now();
          const r = await runOnce(server, variant, { ...c }, file);
          runs.push(r);
          console.log(`${name} ${variant} #${i + 1}: load ${r.load?.toFixed(0)} ms (import ${r.import?.toFixed(0)}, open ${r.open?.toFixed(0)})`
            + (r.select ? `, select ${r.select.paint.toFixed(1)}, relabel ${r.relabel.paint.toFixed(1)}, delete ${r.delete.paint.toFixed(1)}, export ${r.export.toFixed(1)}` : '')
            + (r.relabel ? ` (presented: relabel ${r.relabel.presented}, delete ${r.delete.presented})` : '')
            + `, scroll ${r.scroll.over50}/${r.scroll.frames} over 50 ms (max ${r.scroll.max.toFixed(0)}), heap ${(r.heap.total / 1e6).toFixed(1)} MB`
            + `${r.problems ? ' PROBLEMS ' + r.problems.join('; ') : ''} [${((Date.now() - t) / 1000).toFixed(0)} s]`);
        }
        entry.variants[variant] = { runs, summary: summarise(runs) };
      }
      // Ratios to the plain floor (medians).
      const plain = entry.variants.plain?.summary;
      if (plain) {
        for (const v of Object.values(entry.variants)) {
          v.ratio = {};
          for (const [k, floorKey] of [['load', 'load'], ['open', 'open'], ['load_all', 'load'], ['open_all', 'open'], ['heap_total', 'heap_total'], ['heap_js', 'heap_js'], ['mem_renderer', 'mem_renderer'], ['dom_nodes', 'dom_nodes'], ['import', 'import']]) {
            if (v.summary[k] && plain[floorKey]?.median) v.ratio[k] = v.summary[k].median / plain[floorKey].median;
          }
        }
      }
      fs.writeFileSync(OUT, JSON.stringify(result, null, 1));
    }
  } finally {
    await server.close();
  }
  fs.writeFileSync(OUT, JSON.stringify(result, null, 1));
  console.log(`wrote ${path.relative(ROOT, OUT)}`);
}

await main();

// Prints the Markdown table of a results file (bench/results/latest.json by default):
// median, min and max per figure, and the ratio of the median to the plain floor's.
//   node bench/table.mjs [results.json]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const file = process.argv[2] || path.join(here, 'results', 'latest.json');
const r = JSON.parse(fs.readFileSync(file, 'utf8'));

const ms = (s) => (s ? `${s.median.toFixed(s.median < 10 ? 1 : 0)} (${s.min.toFixed(s.min < 10 ? 1 : 0)}–${s.max.toFixed(s.max < 10 ? 1 : 0)})` : '–');
const mb = (s) => (s ? `${(s.median / 1e6).toFixed(1)} (${(s.min / 1e6).toFixed(1)}–${(s.max / 1e6).toFixed(1)})` : '–');
const n = (s) => (s ? `${s.median} (${s.min}–${s.max})` : '–');
const ratio = (s, f) => (s && f?.median ? ` · ${(s.median / f.median).toFixed(2)}×` : '');

const rows = [
  ['load → painted (view), ms', 'load', ms, true],
  ['  of which import (read, parse, check), ms', 'import', ms, true],
  ['  of which open → painted, ms', 'open', ms, true],
  ['load → every mark in the DOM, ms', 'load_all', ms, true],
  ['select → highlight, ms', 'select', ms],
  ['relabel, ms', 'relabel', ms],
  ['delete, ms', 'delete', ms],
  ['select → frame presented (Event Timing), ms', 'select_presented', ms],
  ['relabel → frame presented (Event Timing), ms', 'relabel_presented', ms],
  ['delete → frame presented (Event Timing), ms', 'delete_presented', ms],
  ['export, ms', 'export', ms],
  ['autosave after the edits: tasks over 50 ms', 'autosave_over50', n],
  ['autosave after the edits: longest task, ms', 'autosave_max', ms],
  ['scroll: frames over 50 ms', 'scroll_over50', n],
  ['scroll: dropped frames', 'scroll_dropped', n],
  ['scroll: longest frame, ms', 'scroll_max', ms],
  ['memory: renderer, MB', 'mem_renderer', mb, true],
  ['memory: JS heap + wasm, MB', 'heap_total', mb, true],
  ['  JS heap, MB', 'heap_js', mb, true],
  ['  wasm memory, MB', 'heap_wasm', mb],
  ['DOM nodes', 'dom_nodes', n, true],
];

let out = `Design: **${r.design}** · ${r.date.slice(0, 16).replace('T', ' ')} UTC · ${r.chromium} · ${r.machine.cpus} cores · ${r.runs} fresh page loads per figure\n`;
out += `wasm: ${(r.wasm.raw / 1024).toFixed(0)} KB raw, ${(r.wasm.gzip / 1024).toFixed(0)} KB gzip`
  + (r.wasm.others || []).map((o) => `; ${o.file}: ${(o.raw / 1024).toFixed(0)} KB raw, ${(o.gzip / 1024).toFixed(0)} KB gzip`).join('') + '\n\n';
out += 'Each cell: median (min–max); after "·", the median as a ratio to the plain floor\'s median.\n';
for (const [name, c] of Object.entries(r.cases)) {
  const v = c.variants;
  const cols = ['app', 'plain', 'marks', 'highlight'].filter((k) => v[k]);
  out += `\n**${name}**: ${c.chars.toLocaleString('en')} code points, ${c.blocks} blocks, ${c.annotations.toLocaleString('en')} annotations\n\n`;
  out += `| figure | ${cols.map((k) => (k === 'app' ? 'spantag' : `floor: ${k}`)).join(' | ')} |\n|---|${cols.map(() => '---|').join('')}\n`;
  for (const [label, key, fmt, withRatio] of rows) {
    if (!cols.some((k) => v[k].summary[key])) continue;
    // load_all is compared with the floors' load (they build everything at once).
    const floorKey = key === 'load_all' ? 'load' : key;
    out += `| ${label} | ${cols.map((k) => fmt(v[k].summary[key]) + (withRatio && k !== 'plain' ? ratio(v[k].summary[key], v.plain?.summary[floorKey]) : '')).join(' | ')} |\n`;
  }
}
console.log(out);

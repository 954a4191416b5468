// Deterministic benchmark documents and annotations, as native spantag files.
//
// Documents are the seed article's blocks, numbered ("[17] ...") and repeated until
// the target length; about every 20th block is one of three non-ASCII paragraphs
// (curly quotes and em dash with accented Latin; CJK; emoji with a flag, a
// skin-tone sequence and a ZWJ family). Annotations are word-aligned spans of 1-6
// words (a word is a run of non-space code points, never the block number), labels
// cycling Actor/Event/Claim, spread evenly over the text. In M-overlap, 20% of the
// annotations nest inside or cross another one.
//
// Everything comes from a fixed-seed PRNG: the same case always gives the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..');
const SEED = fs.readFileSync(path.join(ROOT, 'seeds', '000_b394ad186b713fdd.txt'), 'utf8');

export const CASES = {
  S: { chars: 10_000, anns: 100, overlap: 0 },
  M: { chars: 100_000, anns: 1_000, overlap: 0 },
  'M-overlap': { chars: 100_000, anns: 1_000, overlap: 0.2 },
  L: { chars: 1_000_000, anns: 10_000, overlap: 0 },
};

const NON_ASCII = [
  '“We will not be moved,” the minister said — and in Zürich, São Paulo and Łódź the café crowds answered: «Ça suffit», naïve or not; Ærøskøbing’s mayor, José Müller-Šťastný, agreed.',
  '北京 and 東京 issued statements: 以色列总理内塔尼亚胡取消了访问, 서울 officials said the talks in 香港 would resume — 「重要な決定」 according to NHK.',
  'Online, reactions ranged from 👍🏽 to 😡; users posted 🇺🇦 and 🇮🇱 flags, a family 👩‍👩‍👧 photo and the 🕊️ emoji — “unprecedented,” one wrote 🙏🏾.',
];

/** A small deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed's blocks (separated by blank lines), without the leading dateline. */
function seedBlocks() {
  return SEED.split(/\n\s*\n/).map((b) => b.trim().replace(/^date \d{4}-\d{2}-\d{2} /, '')).filter(Boolean);
}

/** The document text of about `chars` code points. */
export function makeText(chars) {
  const blocks = seedBlocks();
  const out = [' date 2024-03-26 ' + blocks[0]];
  let len = [...out[0]].length;
  for (let n = 1; len < chars; n++) {
    const body = n % 20 === 10 ? NON_ASCII[Math.floor(n / 20) % NON_ASCII.length] : blocks[n % blocks.length];
    const block = `[${n}] ${body}`;
    out.push(block);
    len += [...block].length + 2;
  }
  return out.join('\n\n');
}

/** 64-bit FNV-1a of the UTF-8 bytes, as 16 hex digits (the document id). */
export function contentId(text) {
  const bytes = Buffer.from(text, 'utf8');
  // 64-bit multiply by 0x100000001b3 with four 16-bit limbs.
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i];
    // h * 0x1b3 + (h << 40)
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (t1 >>> 16) + ((h0 & 0xff) << 8);
    const t3 = h3 * 0x1b3 + (t2 >>> 16) + (h0 >>> 8) + ((h1 & 0xff) << 8);
    h0 = t0 & 0xffff; h1 = t1 & 0xffff; h2 = t2 & 0xffff; h3 = t3 & 0xffff;
  }
  return [h3, h2, h1, h0].map((x) => x.toString(16).padStart(4, '0')).join('');
}

/** Words as [startCp, endCp) over the code point array, excluding block numbers. */
function words(cps) {
  const out = [];
  let i = 0;
  while (i < cps.length) {
    while (i < cps.length && /\s/.test(cps[i])) i++;
    const s = i;
    while (i < cps.length && !/\s/.test(cps[i])) i++;
    if (i > s && !(cps[s] === '[' && cps[i - 1] === ']')) out.push([s, i]);
  }
  return out;
}

const LABELS = ['Actor', 'Event', 'Claim'];
const TIME = '2024-03-26T12:00:00.000Z';

/** The spans [start, end) of a case, in creation order. */
export function makeSpans(cps, nAnns, overlap, seed = 7) {
  const r = rng(seed);
  const ws = words(cps);
  const nExtra = Math.round(nAnns * overlap);
  const nBase = nAnns - nExtra;
  const slot = Math.floor(ws.length / nBase);
  const base = [];
  for (let k = 0; k < nBase; k++) {
    const first = k * slot + Math.floor(r() * Math.max(1, slot - 12));
    // Spans that will get a nested or crossing partner are at least 3 words long.
    const n = overlap && k % Math.round(nBase / nExtra) === 0 ? 3 + Math.floor(r() * 4) : 1 + Math.floor(r() * 6);
    const last = Math.min(first + n - 1, (k + 1) * slot - 1, ws.length - 1);
    base.push([first, last]);
  }
  const spans = base.map(([f, l]) => [ws[f][0], ws[l][1]]);
  if (nExtra) {
    const every = Math.round(nBase / nExtra);
    let made = 0;
    for (let k = 0; k < nBase && made < nExtra; k += every, made++) {
      const [f, l] = base[k];
      if (made % 2 === 0) {
        // Nested: a strict sub-range of words.
        const a = f + 1 + Math.floor(r() * (l - f - 1));
        spans.push([ws[a][0], ws[Math.min(l, a + Math.floor(r() * 2))][1]]);
        if (spans.at(-1)[0] === spans[k][0] && spans.at(-1)[1] === spans[k][1]) throw new Error('nested equals base');
      } else {
        // Crossing: starts inside, ends 1-3 words after.
        const a = f + 1 + Math.floor(r() * (l - f));
        spans.push([ws[a][0], ws[Math.min(ws.length - 1, l + 1 + Math.floor(r() * 3))][1]]);
      }
    }
  }
  return spans;
}

/** The native spantag file of a case, as { json, text, spans, target }. */
export function makeCase(name) {
  const c = CASES[name];
  const text = makeText(c.chars);
  const cps = Array.from(text);
  const spans = makeSpans(cps, c.anns, c.overlap);
  const slice = (s, e) => cps.slice(Math.max(0, s), Math.min(cps.length, e)).join('');
  const annotations = spans.map(([s, e], i) => ({
    id: `b${String(i + 1).padStart(6, '0')}`,
    label: LABELS[i % 3],
    start: s,
    end: e,
    quote: { exact: slice(s, e), prefix: slice(s - 32, s), suffix: slice(e, e + 32) },
    created: TIME,
    modified: TIME,
  }));
  annotations.sort((a, b) => a.start - b.start || b.end - a.end || a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
  const nBlocks = text.split('\n\n').length;
  // A block number near the middle: the word dragged over in select → highlight.
  const target = `[${Math.floor(nBlocks / 2)}]`;
  const file = {
    format: 'spantag',
    version: 1,
    offset_unit: 'codepoint',
    document: { id: contentId(text), title: `Benchmark ${name}: ${c.chars} characters, ${c.anns} annotations`, length: cps.length, text },
    labels: [],
    annotations,
  };
  return { json: JSON.stringify(file), text, n: annotations.length, nCp: cps.length, nBlocks, target };
}

// `node bench/gen.mjs [dir]` writes every case and prints a summary.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] || path.join(here, 'cases');
  fs.mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(CASES)) {
    const t = Date.now();
    const c = makeCase(name);
    fs.writeFileSync(path.join(dir, `${name}.spantag.json`), c.json);
    console.log(`${name}: ${c.nCp} code points, ${c.nBlocks} blocks, ${c.n} annotations, ${(c.json.length / 1e6).toFixed(2)} MB, target ${c.target} (${Date.now() - t} ms)`);
  }
}

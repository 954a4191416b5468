// A long document (the benchmark's M case: 100,000 characters, 1,000 annotations),
// which the article draws in the background beyond what is in view (src/ui/article.rs,
// `Filled`): text everywhere at once, every mark in the end, exactly once, and a new
// annotation drawn at once wherever it is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, closeAll, openProfile, openPage, dragOver, exportJson, importFile } from '../lib/harness.mjs';
import { makeCase } from '../../bench/gen.mjs';

let server;
before(async () => { server = await serve(); });
after(async () => { await closeAll(); await server.close(); });

test('a long document: text at once, every mark in the end, and new marks at once', async () => {
  const c = makeCase('M');
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await importFile(page, 'M.spantag.json', c.json);
  await page.getByRole('dialog').getByRole('button', { name: 'Open' }).click();

  // The first time any mark of the new document is in the DOM, every block already
  // has its text (so selection, copy and find in page work from the first paint).
  const first = await page.evaluate(async (nBlocks) => {
    const art = document.querySelector('article');
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      if (art.querySelectorAll('.block').length === nBlocks && art.querySelector('mark[data-id^="b0"]')) {
        return { empty: art.querySelectorAll('.block:empty').length, marks: art.querySelectorAll('mark.ann.first').length };
      }
    }
    return null;
  }, c.nBlocks);
  assert.ok(first, 'the document opened');
  assert.equal(first.empty, 0, 'no block is empty when the first marks are drawn');
  assert.ok(first.marks > 0);

  // At once, k selects the last annotation, far below, while the marks out of view
  // may still be drawing: it is drawn at once and scrolled into view.
  const last = JSON.parse(c.json).annotations.at(-1).id;
  await page.keyboard.press('k');
  await page.waitForSelector(`article mark.ann.sel[data-id="${last}"]`, { timeout: 2000 });
  const inView = await page.evaluate((id) => {
    const r = document.querySelector(`article mark.ann.sel[data-id="${id}"]`).getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight;
  }, last);
  assert.ok(inView, 'the selected annotation is scrolled into view');
  await page.keyboard.press('Escape');
  await page.evaluate(() => window.scrollTo(0, 0));

  // In the end every annotation has exactly one mark.first, and the text is the document's.
  await page.waitForFunction((n) => document.querySelectorAll('article mark.ann.first').length === n, c.n, { timeout: 30000 });
  const drawn = await page.evaluate(() => {
    const art = document.querySelector('article');
    const ids = [...art.querySelectorAll('mark.ann.first')].map((m) => m.dataset.id);
    return { ids: ids.length, unique: new Set(ids).size, text: [...art.querySelectorAll('.block')].map((b) => b.textContent).join('\n\n') };
  });
  assert.equal(drawn.ids, c.n);
  assert.equal(drawn.unique, c.n);
  assert.equal(drawn.text, c.text);

  // A new annotation in the middle of the document is drawn at once and exported.
  await dragOver(page, c.target);
  await page.keyboard.press('1');
  await page.waitForSelector('article mark.ann.sel.first[data-label="Actor"]', { timeout: 5000 });
  const { json } = await exportJson(page);
  assert.equal(json.annotations.length, c.n + 1);
  const added = json.annotations.find((a) => !a.id.startsWith('b0'));
  assert.equal(added.quote.exact, c.target);
  await context.close();
});

test('the list scrolls in its own box beside the inspector, windowed wherever it is scrolled', async () => {
  const c = makeCase('M');
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await page.setViewportSize({ width: 1280, height: 800 });
  await importFile(page, 'M.spantag.json', c.json);
  await page.getByRole('dialog').getByRole('button', { name: 'Open' }).click();
  await page.waitForFunction((n) => document.querySelector('.ann-list li')?.getAttribute('aria-setsize') === String(n), c.n);
  // The entries at the top and at the bottom of what the box shows, by their positions.
  const shown = () => page.evaluate(() => {
    const box = document.querySelector('.list-scroll').getBoundingClientRect();
    // (Entries are 2 px apart: look a few pixels up if the point falls between two.)
    const li = (y) => document.elementFromPoint(box.left + 60, y)?.closest('.ann-list li')?.getAttribute('aria-posinset');
    const at = (y) => li(y) ?? li(y - 4) ?? null;
    return { top: at(box.top + 10), bottom: at(Math.min(box.bottom, innerHeight) - 10), height: box.height };
  });
  const scrollList = async (row) => {
    await page.evaluate((y) => { document.querySelector('.list-scroll').scrollTop = y; }, row * 38);
    await page.waitForFunction(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))));
  };
  await scrollList(600);
  let s = await shown();
  assert.ok(s.top && Math.abs(Number(s.top) - 601) <= 1, `entry 601 at the top of the list box, not ${s.top}`);
  assert.ok(s.bottom && Number(s.bottom) > Number(s.top), 'entries fill the box to its bottom');

  // Selecting an entry opens the inspector above the list; relabelling it to Event (a
  // taller inspector) keeps the list box in the window, filled, where it was scrolled.
  await page.locator(`.ann-list li[aria-posinset="${s.top}"]`).click();
  await page.getByRole('region', { name: 'Inspector' }).waitFor();
  const before = await page.evaluate(() => document.querySelector('.list-scroll').scrollTop);
  await page.keyboard.press('2');
  await page.getByRole('region', { name: 'Inspector' }).getByText('Frame').waitFor();
  s = await shown();
  const after = await page.evaluate(() => document.querySelector('.list-scroll').scrollTop);
  assert.equal(after, before, 'the list kept its scroll position');
  assert.ok(s.height >= 150, `the list box keeps room for entries (${s.height} px)`);
  assert.ok(s.top && s.bottom, `the list box still shows entries from top to bottom (${s.top}–${s.bottom})`);
  const panel = await page.evaluate(() => { const r = document.querySelector('.panel').getBoundingClientRect(); return r.bottom <= innerHeight + 1; });
  assert.ok(panel, 'the panel fits the window');
  await scrollList(c.n);
  const lastShown = await page.evaluate((n) => {
    const box = document.querySelector('.list-scroll').getBoundingClientRect();
    const r = document.querySelector(`.ann-list li[aria-posinset="${n}"]`)?.getBoundingClientRect();
    return !!r && r.top >= box.top && r.bottom <= box.bottom && r.bottom <= innerHeight;
  }, c.n);
  assert.ok(lastShown, 'at the end of the list its last entry is shown whole, inside the box and the window');

  // On a narrow screen the page scrolls the list, and the window follows the page.
  await page.setViewportSize({ width: 700, height: 800 });
  await page.evaluate(() => { const ol = document.querySelector('.ann-list'); scrollTo(0, ol.getBoundingClientRect().top + scrollY + 38 * 300); });
  await page.waitForFunction(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))));
  const mid = await page.evaluate(() => document.elementFromPoint(100, 400)?.closest('.ann-list li')?.getAttribute('aria-posinset') ?? null);
  assert.ok(mid && Math.abs(Number(mid) - 311) <= 2, `entry about 311 in the middle of the window, not ${mid}`);
  await context.close();
});

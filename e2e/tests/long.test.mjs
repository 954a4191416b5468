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

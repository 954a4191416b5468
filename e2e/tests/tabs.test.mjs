// Two tabs on the same document make 1,000 interleaved random edits through the
// embedding API (the same reducer as the keys): zero edits lost, both tabs agree,
// and a reload shows the same work. Also: storage wiped while the page is open is
// rebuilt from memory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, closeAll, openProfile, openPage, openTab, SEED, dragOver, importFile, nativeFile, fnv } from '../lib/harness.mjs';

let server;
before(async () => { server = await serve(); });
after(async () => { await closeAll(); await server.close(); });

const LEN = [...SEED].length;

async function settled(page) {
  await page.waitForFunction(() => { const s = window.spantag?.status(); return s && s.saved && s.unsaved === 0; }, null, { timeout: 60000 });
}

test('two tabs, 1,000 interleaved random edits: zero lost', async () => {
  const { context } = await openProfile();
  const tabs = [await openPage(context, server.url), await openTab(context, server.url)];
  let seed = 12345;
  const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const added = new Set();
  const removed = new Set();
  const used = new Set();
  for (let i = 0; i < 1000; i++) {
    const page = tabs[rand() < 0.5 ? 0 : 1];
    const mine = await page.evaluate(() => window.spantag.annotations().map((x) => x.id));
    if (rand() < 0.2 && mine.length > 0) {
      const id = mine[Math.floor(rand() * mine.length)];
      await page.evaluate((id) => window.spantag.remove(id), id);
      removed.add(id);
    } else {
      let s, e, label;
      do {
        s = Math.floor(rand() * (LEN - 20));
        e = s + 1 + Math.floor(rand() * 15);
        label = ['Actor', 'Event', 'Claim'][Math.floor(rand() * 3)];
      } while (used.has(`${s}:${e}:${label}`));
      used.add(`${s}:${e}:${label}`);
      added.add(await page.evaluate(([l, s, e]) => window.spantag.tag(l, s, e), [label, s, e]));
    }
    // Let autosave and the other tab's updates interleave with the edits.
    if (rand() < 0.05) await page.waitForTimeout(Math.floor(rand() * 400));
  }
  await settled(tabs[0]);
  await settled(tabs[1]);
  const expected = [...added].filter((id) => !removed.has(id)).sort();
  const ids = async (p) => (await p.evaluate(() => window.spantag.annotations().map((x) => x.id))).sort();
  await Promise.all(tabs.map((p) => p.waitForFunction((n) => window.spantag.annotations().length === n, expected.length, { timeout: 30000 }).catch(() => {})));
  const [ia, ib] = [await ids(tabs[0]), await ids(tabs[1])];
  const lost = expected.filter((id) => !ia.includes(id));
  assert.equal(lost.length, 0, `${lost.length} edits lost in tab A`);
  assert.deepEqual(ia, expected, 'tab A holds every edit and no removed one');
  assert.deepEqual(ib, expected, 'tab B agrees');
  await tabs[1].reload();
  await tabs[1].waitForSelector('article p');
  await tabs[1].waitForFunction(() => window.spantag);
  assert.deepEqual(await ids(tabs[1]), expected, 'a reload shows the same work');
  for (const p of tabs) assert.deepEqual(p.problems, []);
  await context.close();
});

test('storage wiped while the page is open is rebuilt from memory', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await page.evaluate(() => { window.spantag.tag('Actor', 40, 58); });
  await settled(page);
  // Safari's 7-day rule, or "clear site data": the database disappears under the page.
  await page.evaluate(() => new Promise((res) => {
    const r = indexedDB.open('spantag', 1);
    r.onsuccess = () => { const tx = r.result.transaction('kv', 'readwrite'); tx.objectStore('kv').clear(); tx.oncomplete = res; };
  }));
  await page.evaluate(() => { window.spantag.tag('Event', 68, 107); });
  await page.getByText(/rebuilt from the work on this page/).waitFor();
  await settled(page);
  await page.reload();
  await page.waitForFunction(() => window.spantag && window.spantag.annotations().length === 2);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a tag made just before opening another document is saved before it opens', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await page.waitForFunction(() => /Saved/.test(document.querySelector('footer [role=status]')?.textContent || ''));
  await dragOver(page, 'Benjamin Netanyahu');
  await page.keyboard.press('1');
  // At once, well within autosave's 300 ms wait: open another document.
  const other = 'Another document.\n\nIt has two paragraphs.';
  await importFile(page, 'other.spantag.json', JSON.stringify(nativeFile(other)));
  await page.getByRole('dialog').getByRole('button', { name: 'Open' }).click();
  await page.waitForFunction(() => document.querySelector('article')?.textContent.includes('Another document.'));
  // The seed's stored record already has the tag.
  const stored = await page.evaluate((id) => new Promise((resolve, reject) => {
    const open = indexedDB.open('spantag');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const req = open.result.transaction('kv').objectStore('kv').get(`spantag:v2:doc:${id}`);
      req.onsuccess = () => resolve(req.result && JSON.parse(JSON.parse(req.result).payload).annotations.map((a) => a.quote.exact));
    };
  }), fnv(SEED));
  assert.deepEqual(stored, ['Benjamin Netanyahu']);
  await context.close();
});

test('a file for another document with saved work: Merge keeps that work, Replace only when chosen', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  const other = 'Alice met Bob in Kyiv.\n\nCarol said the talks failed.';
  const openOther = async (anns, name) => {
    await importFile(page, name, JSON.stringify(nativeFile(other, anns, 'Other')));
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    return dialog;
  };
  // Work on the other document: open it with 2 annotations and save.
  let dialog = await openOther([{ id: 'a', label: 'Actor', start: 0, end: 5 }, { id: 'm', label: 'Event', start: 6, end: 9 }], 'mine.spantag.json');
  await dialog.getByRole('button', { name: 'Open' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Annotations"] > li').length === 2);
  await settled(page);
  // Back to the seed.
  await importFile(page, 'seed.spantag.json', JSON.stringify(nativeFile(SEED, [], 'Seed')));
  dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Open' }).click();
  await page.waitForFunction(() => document.querySelector('article')?.textContent.includes('Netanyahu'));
  await settled(page);
  // A colleague's file for the other document, with one span: the dialog says what is saved.
  const theirs = [{ id: 'b', label: 'Actor', start: 10, end: 13 }];
  dialog = await openOther(theirs, 'theirs.spantag.json');
  assert.match(await dialog.innerText(), /You have 2 annotations saved for it in this browser/);
  assert.deepEqual(await dialog.getByRole('button').allInnerTexts(), ['Merge', 'Replace', 'Cancel']);
  await dialog.getByRole('button', { name: 'Merge' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Annotations"] > li').length === 3);
  assert.match(await page.getByRole('status').first().innerText(), /Merged 1 annotation from theirs\.spantag\.json into the 2 saved for “Other”/);
  await settled(page);
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Annotations"] > li').length === 3);
  // Replace, chosen, replaces; the dialog counted the 3 saved first.
  await importFile(page, 'seed.spantag.json', JSON.stringify(nativeFile(SEED, [], 'Seed')));
  await page.getByRole('dialog').getByRole('button', { name: 'Open' }).click();
  await page.waitForFunction(() => document.querySelector('article')?.textContent.includes('Netanyahu'));
  await settled(page);
  dialog = await openOther(theirs, 'theirs.spantag.json');
  assert.match(await dialog.innerText(), /You have 3 annotations saved for it/);
  await dialog.getByRole('button', { name: 'Replace' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Annotations"] > li').length === 1);
  await settled(page);
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Annotations"] > li').length === 1);
  await context.close();
});

test('without IndexedDB the status says so from the start, and leaving the page asks first', async () => {
  const { context } = await openProfile();
  await context.addInitScript(() => { IDBFactory.prototype.open = function () { throw new DOMException('denied', 'SecurityError'); }; });
  const page = await openPage(context, server.url);
  await page.waitForFunction(() => /Not saved/.test(document.querySelector('footer [role=status]')?.textContent || ''));
  assert.match(await page.locator('footer [role=status]').innerText(), /^Not saved: IndexedDB is not available/);
  await dragOver(page, 'Benjamin Netanyahu');
  await page.keyboard.press('1');
  await page.waitForSelector('article mark.ann');
  await page.waitForFunction(() => /^Not saved/.test(document.querySelector('footer [role=status]')?.textContent || ''));
  const asked = new Promise((resolve) => page.once('dialog', async (d) => { resolve(d.type()); await d.dismiss(); }));
  await page.close({ runBeforeUnload: true });
  assert.equal(await asked, 'beforeunload', 'the browser asks before the work on the page is lost');
  await context.close();
});

// The data-loss bug of issue 16: tag a word, then close or reload the tab 0–200 ms
// after the key press. The IndexedDB save (about 300 ms later) has not landed; the
// journal written to localStorage in the same turn as the edit brings the tag back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, closeAll, openProfile, openPage, dragOver, saved } from '../lib/harness.mjs';

let server;
before(async () => { server = await serve(); });
after(async () => { await closeAll(); await server.close(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const how of ['close', 'reload']) {
  for (const delay of [0, 10, 50, 100, 200]) {
    test(`a tag survives a ${how} ${delay} ms after the key press`, async () => {
      const { context, dir } = await openProfile();
      let page = await openPage(context, server.url);
      await saved(page);
      await dragOver(page, 'Netanyahu');
      await page.keyboard.press('1');
      if (delay) await sleep(delay);
      if (how === 'reload') {
        await page.reload();
        await page.waitForSelector('article p');
      } else {
        await page.close({ runBeforeUnload: false });
        await context.close();
        const again = await openProfile(dir);
        page = await openPage(again.context, server.url);
      }
      await page.waitForFunction(() => window.spantag?.annotations().length > 0, null, { timeout: 10000 });
      const anns = await page.evaluate(() => window.spantag.annotations());
      assert.deepEqual(anns.map((a) => [a.label, a.text]), [['Actor', 'Netanyahu']]);
      // And it is saved to IndexedDB from there: a second reload still shows it.
      await saved(page);
      await page.reload();
      await page.waitForSelector('article p');
      await page.waitForFunction(() => window.spantag?.annotations().length === 1, null, { timeout: 10000 });
    });
  }
}

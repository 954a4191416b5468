// Event frames and claim attribution, end to end: the two examples built
// once with the mouse and once with the keyboard alone, then reload, export and CSV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { serve, closeAll, openProfile, openPage, dragOver, clickText, listEntries, saved, exportJson, cpSlice, SEED } from '../lib/harness.mjs';

let server;
before(async () => { server = await serve(); });
after(async () => { await closeAll(); await server.close(); });

const EVENT = 'canceled a high-stakes delegation visit';
const CLAIM = "the Biden administration's policy toward Israel and its stance on combating Hamas has not changed";

const slot = (page, role) => page.locator(`.slot[data-role="${role}"]`);
const selectEntry = (page, text) => page.getByRole('list', { name: 'Annotations' }).locator('li.entry', { hasText: text }).first().click();
/** Tags each [text, key] in turn: a mouse drag over the text, then the label key. */
async function tag(page, ...pairs) {
  for (const [text, key] of pairs) {
    await dragOver(page, text);
    await page.keyboard.press(key);
  }
}

/** Checks the export and the Events table CSV built by either test. */
async function checkResults(page) {
  const { json } = await exportJson(page);
  assert.equal(json.version, 2);
  const byId = Object.fromEntries(json.annotations.map((a) => [a.id, a]));
  const quote = (id) => byId[id]?.quote.exact ?? json.entities.find((e) => e.id === id)?.name;
  for (const a of json.annotations) assert.equal(a.quote.exact, cpSlice(SEED, a.start, a.end));
  const rel = (kind) => json.relations.filter((r) => r.kind === kind).map((r) => [quote(r.from), quote(r.to)]);
  assert.deepEqual(rel('source'), [[EVENT, 'Benjamin Netanyahu']]);
  assert.deepEqual(rel('target'), [[EVENT, 'the United States']]);
  assert.deepEqual(rel('claimer'), [[CLAIM, 'John Kirby']]);
  assert.deepEqual(rel('cue'), [[CLAIM, 'emphasizing']]);
  const claim = json.annotations.find((a) => a.label === 'Claim');
  assert.equal(claim.attributes.stance, 'affirm');
  const event = json.annotations.find((a) => a.label === 'Event');
  assert.equal(event.attributes.modality, 'occurred');
  assert.equal(json.entities.length, 1);
  const members = json.entities[0].members.map(quote).sort();
  assert.deepEqual(members, ['Benjamin Netanyahu', "Netanyahu's office"]);
  // Nothing points at nothing.
  for (const r of json.relations) assert.ok(byId[r.from] && (byId[r.to] || json.entities.some((e) => e.id === r.to)), JSON.stringify(r));

  await page.getByRole('tab', { name: 'Events table' }).click();
  const table = page.getByRole('region', { name: 'Events table' });
  const row = table.locator('tbody tr').first();
  const cells = await row.locator('td').allInnerTexts();
  assert.deepEqual(cells.slice(0, 5), ['Benjamin Netanyahu', EVENT, 'the United States', '', 'occurred']);
  const [download] = await Promise.all([page.waitForEvent('download'), table.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.match(download.suggestedFilename(), /\.events\.csv$/);
  const csv = fs.readFileSync(await download.path(), 'utf8').split('\r\n');
  assert.equal(csv[0], 'event_id,source,event,target,type,modality,place,time,claims');
  assert.match(csv[1], new RegExp(`^[^,]+,Benjamin Netanyahu,${EVENT},the United States,,occurred,,,$`));
  // Clicking a row selects the event.
  await row.click();
  assert.match(await page.getByRole('region', { name: 'Inspector' }).innerText(), /canceled a high-stakes/);
  await page.getByRole('tab', { name: 'Article' }).click();
}

test('the two examples with the mouse, then reload, export and CSV', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await dragOver(page, EVENT);
  await page.keyboard.press('2');
  const inspector = page.getByRole('region', { name: 'Inspector' });
  assert.match(await inspector.innerText(), /Source[\s\S]*Target/);
  for (const f of ['Type', 'Modality', 'Place', 'Time']) await inspector.getByLabel(f, { exact: true }).waitFor();

  // Source: arm the slot, then select untagged text: it becomes an Actor and fills the slot.
  await slot(page, 'source').getByRole('button', { name: 'Pick in text' }).click();
  await dragOver(page, 'Benjamin Netanyahu');
  await slot(page, 'source').locator('.value', { hasText: 'Benjamin Netanyahu' }).waitFor();
  assert.equal(await page.locator('article mark[data-label="Actor"]').count(), 1);

  // Target: an actor tagged first, then picked by clicking its highlight.
  await dragOver(page, 'the United States');
  await page.keyboard.press('1');
  await selectEntry(page, EVENT);
  await slot(page, 'target').getByRole('button', { name: 'Pick in text' }).click();
  await clickText(page, 'United States');
  await slot(page, 'target').locator('.value', { hasText: 'the United States' }).waitFor();
  await inspector.getByLabel('Modality').selectOption('occurred');

  // The claim: Claimer picked by typing in the searchable picker, Cue by selecting text.
  await dragOver(page, 'John Kirby');
  await page.keyboard.press('1');
  await dragOver(page, CLAIM);
  await page.keyboard.press('3');
  await slot(page, 'claimer').getByRole('combobox', { name: 'Claimer' }).fill('Kirby');
  await page.getByRole('option', { name: /John Kirby/ }).click();
  await slot(page, 'claimer').locator('.value', { hasText: 'John Kirby' }).waitFor();
  await inspector.getByLabel('Stance').selectOption('affirm');
  await slot(page, 'cue').getByRole('button', { name: 'Pick in text' }).click();
  await dragOver(page, 'emphasizing');
  await slot(page, 'cue').locator('.value', { hasText: 'emphasizing' }).waitFor();
  await inspector.getByLabel('Note').fill('Kirby: <img src=x onerror=alert(1)> javascript:alert(1)');
  await inspector.getByLabel('Note').blur();

  // Same actor: "Netanyahu's office" joins "Benjamin Netanyahu".
  await dragOver(page, "Netanyahu's office");
  await page.keyboard.press('1');
  await inspector.getByRole('combobox', { name: 'Same actor as' }).fill('Benjamin');
  await page.getByRole('option', { name: /Benjamin Netanyahu/ }).click();
  await inspector.getByLabel('Canonical name').waitFor();
  await inspector.getByLabel('Actor type').selectOption('government official');

  // The note shows as text, and hovering a link lights both ends.
  await selectEntry(page, CLAIM);
  assert.equal(await inspector.getByLabel('Note').inputValue(), 'Kirby: <img src=x onerror=alert(1)> javascript:alert(1)');
  assert.equal(await page.locator('img').count(), 0);

  await saved(page);
  await page.reload();
  await page.waitForSelector('article mark');
  await selectEntry(page, EVENT);
  await slot(page, 'source').locator('.value', { hasText: 'Benjamin Netanyahu' }).waitFor();
  await checkResults(page);

  // Deleting an annotation others point to asks first, then removes the dangling links.
  await selectEntry(page, 'John Kirby');
  await page.keyboard.press('Delete');
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /1 link will be removed/);
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await selectEntry(page, CLAIM);
  assert.equal(await slot(page, 'claimer').locator('.value').count(), 0);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('the two examples with the keyboard alone', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  const kb = page.keyboard;
  const find = async (text) => { await kb.press('f'); await kb.type(text); await kb.press('Enter'); };

  await find('Benjamin Netanyahu'); await kb.press('1');
  await find(EVENT); await kb.press('2');
  await kb.press('s'); await kb.type('Benj'); await kb.press('Enter');
  await find('the United States'); await kb.press('1');
  await kb.press('k'); // back to the event, the previous annotation in text order
  await kb.press('t'); await kb.type('United'); await kb.press('ArrowDown'); await kb.press('ArrowUp'); await kb.press('Enter');
  await kb.press('v'); // the event's first attribute: Place; Tab to Time, Type, Modality
  await kb.press('Tab'); await kb.press('Tab'); await kb.press('Tab');
  await kb.press('o'); // occurred
  await kb.press('Escape');
  await find('John Kirby'); await kb.press('1');
  await find(CLAIM); await kb.press('3');
  await kb.press('w'); await kb.type('Kirby'); await kb.press('Enter');
  await kb.press('v'); await kb.press('a'); // stance: affirm
  await kb.press('Escape');
  await kb.press('u'); await kb.press('Escape'); // the Cue slot waits
  await find('emphasizing'); await kb.press('4');
  await find("Netanyahu's office"); await kb.press('1');
  await kb.press('m'); await kb.type('Benjamin'); await kb.press('Enter');

  const entries = await listEntries(page);
  assert.equal(entries.length, 7, entries.join('\n'));
  await saved(page);
  await page.reload();
  await page.waitForSelector('article mark');
  await checkResults(page);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('relabelling keeps the keyboard where it was in the inspector', async () => {
  // A keyboard user on the inspector's Delete button presses 2, 3, 1: the label's own
  // fields change, the button (the same element) keeps the focus, so Tab goes on from it.
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await dragOver(page, 'John Kirby');
  await page.keyboard.press('1');
  const inspector = page.getByRole('region', { name: 'Inspector' });
  const del = inspector.getByRole('button', { name: 'Delete annotation' });
  await del.focus();
  await del.evaluate((el) => { el.dataset.probe = 'focused'; });
  for (const [key, label, field] of [['2', 'Event', 'Modality'], ['3', 'Claim', 'Stance'], ['1', 'Actor', null]]) {
    await page.keyboard.press(key);
    await page.locator(`article mark.sel[data-label="${label}"]`).first().waitFor();
    if (field) await inspector.getByLabel(field, { exact: true }).waitFor();
    else await inspector.getByRole('combobox', { name: 'Same actor as' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.probe), 'focused', `focus after ${key} (${label})`);
  }
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('.inspector') !== null), true, 'Tab goes on inside the inspector');
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a relabel shows the new label\'s fields, reusing them once the page was idle, and nothing of the others', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await dragOver(page, 'John Kirby');
  await page.keyboard.press('1');
  const inspector = page.getByRole('region', { name: 'Inspector' });
  await inspector.getByRole('combobox', { name: 'Same actor as' }).waitFor();
  // Once the page is idle, the other labels' parts are built, hidden.
  await page.waitForFunction(() => document.querySelectorAll('.inspector .fields').length === 4);
  await page.evaluate(() => document.querySelectorAll('.inspector .fields').forEach((p, i) => { p.dataset.probe = String(i); }));
  const names = { Actor: ['Same actor as'], Event: ['Source', 'Target', 'Place', 'Time', 'Type', 'Modality', 'Polarity'], Claim: ['Claimer', 'Cue', 'About event', 'Supports', 'Contradicts', 'Stance', 'Check-worthy'] };
  for (const [key, label] of [['2', 'Event'], ['3', 'Claim'], ['1', 'Actor'], ['2', 'Event']]) {
    await page.keyboard.press(key);
    await page.waitForFunction((l) => document.querySelector('.inspector h2 .chip')?.textContent === l, label);
    // The label's fields by name, visible; no other label's, by name or by text.
    for (const name of names[label]) assert.ok(await inspector.getByLabel(name, { exact: true }).isVisible(), `${label}: ${name}`);
    const text = await inspector.evaluate((el) => el.textContent);
    for (const [other, list] of Object.entries(names)) {
      if (other === label) continue;
      for (const name of list) {
        if (names[label].includes(name)) continue;
        assert.equal(await inspector.getByLabel(name, { exact: true }).count(), 0, `${label}: no field named ${name}`);
        assert.ok(!text.includes(name), `${label}: no text ${name}`);
      }
    }
    // The same four parts, not new ones: the part was shown, not built.
    assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('.inspector .fields')].map((p) => p.dataset.probe ?? 'new')), ['0', '1', '2', '3']);
  }
  // The slot's key still reaches the live picker (the hidden ones have no ids).
  await page.keyboard.press('s');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Source');
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('the delete dialog takes the focus every time it opens, holds the page behind it, and gives the focus back', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  // An event whose Source is Benjamin Netanyahu: deleting the actor asks first.
  await tag(page, ['Benjamin Netanyahu', '1'], [EVENT, '2']);
  await page.keyboard.press('s');
  await page.keyboard.type('Benj');
  await page.keyboard.press('Enter');
  await slot(page, 'source').locator('.value', { hasText: 'Benjamin Netanyahu' }).waitFor();
  await selectEntry(page, 'Benjamin Netanyahu');
  const inspector = page.getByRole('region', { name: 'Inspector' });
  await inspector.getByRole('button', { name: 'Delete annotation' }).focus();
  const dialog = page.getByRole('dialog');
  for (let round = 1; round <= 3; round++) {
    await page.keyboard.press('Delete');
    await dialog.waitFor();
    await page.waitForFunction(() => document.activeElement?.closest('[role=dialog]') !== null);
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Delete', `round ${round}: the dialog's Delete button has the focus`);
    // Neither Tab nor a label key nor a click reaches the page behind it.
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => !document.activeElement || document.activeElement === document.body || document.activeElement.closest('[role=dialog]') !== null), `round ${round}: Tab stays out of the page behind`);
    await page.keyboard.press('3');
    await page.keyboard.press('Control+z');
    await page.getByRole('button', { name: /^Claim/ }).click({ force: true, timeout: 2000 }).catch(() => {});
    assert.match(await dialog.innerText(), /1 link will be removed/, `round ${round}: the actor and its link are unchanged`);
    assert.equal(await page.locator('.ann-list li.entry.sel .chip').innerText(), 'Actor');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Delete annotation', `round ${round}: the focus is back where it was`);
  }
  // Enter on the focused Delete button deletes, and the link goes with it.
  await page.keyboard.press('Delete');
  await dialog.waitFor();
  await page.waitForFunction(() => document.activeElement?.closest('[role=dialog]') !== null);
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await listEntries(page)).length, 1);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('after a pick by Enter or a value removed with ×, the keyboard goes on from a sensible place', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await tag(page, [EVENT, '2'], [CLAIM, '3']);
  // About event takes several values: after Enter, the page's keys work again.
  await page.keyboard.press('b');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'slot-about');
  await page.keyboard.type('canceled');
  await page.keyboard.press('Enter');
  await slot(page, 'about').locator('.value', { hasText: 'canceled a high-stakes' }).waitFor();
  assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'INPUT', 'Enter leaves the picker');
  await page.keyboard.press('x');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'slot-contradicts', 'the next slot key works at once');
  await page.keyboard.press('Escape');
  // × on the value: the focus goes to the slot's picker, not to the top of the page.
  const remove = slot(page, 'about').getByRole('button', { name: /^Remove About event/ });
  await remove.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('.slot[data-role="about"] .value').length === 0);
  await page.waitForFunction(() => document.activeElement?.id === 'slot-about');
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('the key of a filled single-value slot opens its picker, and a pick replaces the value', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await tag(page, ['Benjamin Netanyahu', '1'], ['John Kirby', '1'], [EVENT, '2']);
  await page.keyboard.press('s');
  await page.keyboard.type('Benj');
  await page.keyboard.press('Enter');
  await slot(page, 'source').locator('.value', { hasText: 'Benjamin Netanyahu' }).waitFor();
  await page.keyboard.press('s');
  await page.waitForFunction(() => document.activeElement?.id === 'slot-source');
  await page.keyboard.type('Kirby');
  await page.keyboard.press('Enter');
  await slot(page, 'source').locator('.value', { hasText: 'John Kirby' }).waitFor();
  assert.deepEqual(await slot(page, 'source').locator('.value .quote').allInnerTexts(), ['John Kirby'], 'the value was replaced, not added');
  await page.keyboard.press('Control+z');
  await slot(page, 'source').locator('.value', { hasText: 'Benjamin Netanyahu' }).waitFor();
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('the view tabs follow the ARIA tabs pattern: arrows and Home/End switch, the shown panel is named', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  const article = page.getByRole('tab', { name: 'Article' });
  const events = page.getByRole('tab', { name: 'Events table' });
  assert.equal(await article.getAttribute('tabindex'), '0');
  assert.equal(await events.getAttribute('tabindex'), '-1', 'one tab stop for the tab list');
  assert.equal(await page.locator(`#${await article.getAttribute('aria-controls')}`).getAttribute('role'), 'tabpanel');
  await article.focus();
  await page.keyboard.press('ArrowRight');
  await page.getByRole('region', { name: 'Events table' }).waitFor();
  assert.equal(await events.getAttribute('aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-events');
  assert.equal(await events.getAttribute('aria-controls'), 'view-events');
  await page.keyboard.press('Home');
  await page.locator('article p').first().waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-article');
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('on a narrow screen a waiting slot says so in the status bar, in view while the article is', async () => {
  const { context } = await openProfile();
  const page = await openPage(context, server.url);
  await page.setViewportSize({ width: 700, height: 900 });
  await tag(page, [EVENT, '2']);
  await slot(page, 'source').getByRole('button', { name: 'Pick in text' }).click();
  await page.evaluate(() => scrollTo(0, 0));
  const hint = page.locator('footer .keys-hint');
  assert.equal(await hint.innerText(), 'Waiting for Source: click an Actor in the text, or select new text · Esc cancels');
  assert.ok(await hint.isVisible() && (await hint.boundingBox()).y < 900, 'the line is on screen');
  await clickText(page, 'Israeli Prime Minister');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('footer .keys-hint')?.textContent.startsWith('Select text'));
  assert.deepEqual(page.problems, []);
  await context.close();
});

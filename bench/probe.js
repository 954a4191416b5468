// Injected into every benchmark page before its own scripts (page.addInitScript).
// All timing happens here, in the page, with performance.now().
//
// "Painted" means: the condition holds in an animation frame callback (the DOM has
// every highlight), and then the frame has been produced: for loads, the next
// animation frame has started (two animation frames, as the issue asks); for key
// presses, a task posted from that callback has run, which happens after the
// frame's style, layout and paint (the "next paint" after the key).
window.__bench = (() => {
  const B = { t: {} };
  // Event Timing (the standard behind INP): for each keydown, from the key event to the
  // frame that the browser presented after its handlers ran, in 8 ms steps. The browser
  // reports only entries of 16 ms or more; B.presented() counts a missing one as 8.
  B.events = [];
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.name === 'keydown') B.events.push({ start: e.startTime, duration: e.duration }); })
      .observe({ type: 'event', durationThreshold: 16, buffered: true });
  } catch {}
  B.presented = (start) => B.events.find((e) => Math.abs(e.start - start) < 0.01)?.duration ?? 8;
  document.addEventListener('change', (e) => {
    if (e.target && e.target.type === 'file') B.t.change = performance.now();
  }, true);
  B.imported = () => { B.t.imported = performance.now(); };
  addEventListener('TrunkApplicationStarted', (e) => { B.wasm = e.detail && e.detail.wasm; });
  B.wasmBytes = () => (B.wasm && B.wasm.memory ? B.wasm.memory.buffer.byteLength : 0);
  B.frame = () => new Promise((r) => requestAnimationFrame(r));
  B.afterPaint = () => new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => r(performance.now());
    ch.port2.postMessage(0);
  });
  /** Checks cond() once per animation frame until it holds. */
  B.until = async (cond, timeout = 120000) => {
    const t0 = performance.now();
    for (;;) {
      await B.frame();
      if (cond()) {
        const cond_at = performance.now();
        const paint = await B.afterPaint();
        await B.frame();
        return { cond: cond_at, paint, next: performance.now() };
      }
      if (performance.now() - t0 > timeout) throw new Error('timeout waiting for ' + cond);
    }
  };
  B.count = (sel) => document.querySelectorAll(sel).length;
  /** Watches for the import dialog to appear; records its time. */
  B.watchDialog = () => {
    B.t.dialog = undefined;
    const mo = new MutationObserver(() => {
      if (!B.t.dialog && document.querySelector('[role=dialog]')) { B.t.dialog = performance.now(); mo.disconnect(); }
    });
    mo.observe(document.body, { childList: true, subtree: true });
  };
  /** Clicks the dialog's Open button and waits until the page is painted as a person
      sees it: every block is in the article with its text, and every block in the
      viewport has a mark.first for each annotation starting in it (`starts`: the
      annotations' start code points, sorted). Then goes on until every mark of the
      document is in the DOM (`all`), which the app finishes in the background. */
  B.open = async (nMarks, nBlocks, starts) => {
    const btn = [...document.querySelectorAll('[role=dialog] button')].find((b) => b.textContent.trim() === 'Open');
    const t0 = performance.now();
    btn.click();
    const t_click = performance.now();
    const art = document.querySelector('article');
    const r = await B.until(() => art.querySelectorAll('.block').length === nBlocks && B.viewPainted(art, starts));
    // Every mark: if they were all there when the view was, the same moment; else the
    // same check from the next frame on.
    const all = B.painted() === nMarks ? r : await B.until(() => B.painted() === nMarks);
    return { t0, t_click, ...r, all: all.next };
  };
  /** Every block has content, and the blocks in the viewport have all their marks. */
  B.viewPainted = (art, starts) => {
    if (art.querySelector('.block:empty')) return false;
    const kids = art.querySelectorAll('.block'), h = innerHeight;
    const startOf = (el) => { const s = el && el.querySelector('[data-s]'); return s ? Number(s.dataset.s) : Infinity; };
    const below = (x) => { let lo = 0, hi = starts.length; while (lo < hi) { const m = (lo + hi) >> 1; if (starts[m] < x) lo = m + 1; else hi = m; } return lo; };
    for (let i = 0; i < kids.length; i++) {
      const r = kids[i].getBoundingClientRect();
      if (r.top >= h) break;
      if (r.bottom <= 0) continue;
      const want = below(startOf(kids[i + 1])) - below(startOf(kids[i]));
      if (kids[i].querySelectorAll('mark.ann.first').length !== want) return false;
    }
    return true;
  };
  /** How many annotations the article paints: one `mark.first` each, or highlight ranges. */
  B.painted = () => {
    const n = document.querySelectorAll('article mark.ann.first').length;
    if (n || !window.CSS || !CSS.highlights) return n;
    let h = 0;
    for (const [name, hl] of CSS.highlights) if (/^ann-l\d+$/.test(name)) h += hl.size;
    return h;
  };
  /** Arms a one-shot keydown listener: from the key event to the first paint where
      document.querySelector(sel) is present (or absent). Result in B.key (a promise). */
  B.armKey = (sel, present = true) => {
    B.key = new Promise((resolve, reject) => {
      addEventListener('keydown', (e) => {
        const t_event = e.timeStamp;
        const t_listener = performance.now();
        let t_dom;
        const mo = new MutationObserver(() => { if (t_dom === undefined) t_dom = performance.now(); });
        mo.observe(document.querySelector('main'), { subtree: true, childList: true, attributes: true, characterData: true });
        B.until(() => !!document.querySelector(sel) === present, 20000).then((r) => {
          mo.disconnect();
          resolve({ paint: r.paint - t_event, dom: (t_dom ?? r.cond) - t_event, queue: t_listener - t_event, t_event });
        }, reject);
      }, { capture: true, once: true });
    });
  };
  /** Records main-thread tasks over 50 ms (the Long Tasks API) from now on. */
  B.watchLong = () => {
    B.long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) B.long.push(e.duration); }).observe({ type: 'longtask' });
  };
  /** Scrolls the window from top to bottom, 80% of a viewport per frame; frame stats. */
  B.scroll = async () => {
    scrollTo(0, 0);
    await B.frame(); await B.frame();
    const stamps = [];
    const step = Math.round(innerHeight * 0.8);
    for (let i = 0; i < 20000; i++) {
      stamps.push(await B.frame());
      const y = scrollY;
      scrollBy(0, step);
      if (scrollY === y && i > 0) break;
    }
    const d = stamps.slice(1).map((t, i) => t - stamps[i]);
    return {
      frames: d.length,
      over50: d.filter((x) => x > 50).length,
      dropped: d.reduce((s, x) => s + Math.max(0, Math.round(x / (1000 / 60)) - 1), 0),
      max: Math.max(0, ...d),
      total: stamps.at(-1) - stamps[0],
      height: document.documentElement.scrollHeight,
    };
  };
  /** Clicks Export JSON; the time until the download link is clicked (synchronous in the app). */
  B.exportClick = () => new Promise((resolve) => {
    const btn = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Export JSON');
    let t0;
    const on = (e) => {
      if (e.target instanceof HTMLAnchorElement && e.target.hasAttribute('download')) {
        document.removeEventListener('click', on, true);
        resolve(performance.now() - t0);
      }
    };
    document.addEventListener('click', on, true);
    t0 = performance.now();
    btn.click();
  });
  return B;
})();

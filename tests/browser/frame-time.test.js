// Frame time with 300 bots: the page watches the top player of a main room with 300 bots for
// about 5 s and reports its own frame-time figures (window.petri.stats()). They are written to
// tests/artifacts/frame-time.json and printed for BENCHMARKS.md. Only their presence is asserted:
// wall-clock times depend on the machine, so no test judges them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serverAndBrowser, openPage, gotoClient, waitFor, sleep, mkArtifacts } from './harness.js';

const BOTS = 300;
// The main room's default capacity (50) and the host's limits are below 300: raise them.
const CONFIG = `
[main_room]
capacity = 400
bots = ${BOTS}

[limits]
max_capacity = 400
max_bots = 500
`;

const env = serverAndBrowser({ bots: BOTS, config: CONFIG });

/** Watches the room the page is in for ~5 s and returns the page's frame-time figures. */
async function measure(page) {
  await waitFor('spectating with cells in view', () =>
    page.evaluate(() => {
      const s = window.petri.stats();
      return s.screen === 'spectating' && s.framesReceived > 10 && s.cells > 0 ? s : null;
    }),
  );
  await sleep(1000); // camera settles, first-frame costs out of the window
  const errorsBefore = await page.evaluate(() => {
    const s = window.petri.stats();
    return { decode: s.decodeErrors, apply: s.applyErrors };
  });
  await page.evaluate(() => {
    window.petri.resetStats();
    // Animation frames that drew nothing although the world holds cells: a blank screen (this
    // caught the camera gliding across the empty map when the watched player changed).
    window.__blank = { frames: 0, blank: 0, stop: false };
    const watch = () => {
      if (window.__blank.stop) return;
      const s = window.petri.stats();
      window.__blank.frames++;
      if (s.cellsDrawn === 0 && s.cells > 0) window.__blank.blank++;
      requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
  });
  await sleep(5000);
  const blank = await page.evaluate(() => {
    window.__blank.stop = true;
    return window.__blank;
  });
  const s = await page.evaluate(() => window.petri.stats());
  const w = await page.evaluate(() => window.petri.world().counts);
  const detail = await page.evaluate(() => {
    const w = window.petri.world();
    return { view: w.view, tick: w.tick, frames: w.frames, camera: window.petri.camera(), board: window.petri.board() && window.petri.board().alive };
  });
  for (const k of ['medianFrameMs', 'p99FrameMs', 'drawMedianMs']) {
    assert.equal(typeof s[k], 'number', `${k} is a number: ${s[k]}`);
    assert.ok(Number.isFinite(s[k]), `${k} is finite: ${s[k]}`);
  }
  assert.ok(s.frames > 0, 'animation frames were measured');
  assert.ok(s.cellsDrawn > 0, `something was drawn: ${JSON.stringify({ s, w, detail })}`);
  // Errors within the measured window only: one at the switch between rooms is the server bug
  // that rooms-switch.test.js documents.
  assert.equal(s.decodeErrors - errorsBefore.decode, 0, JSON.stringify(page.problems));
  assert.equal(s.applyErrors - errorsBefore.apply, 0, JSON.stringify(page.problems));
  assert.equal(blank.blank, 0, `blank frames while the world had cells: ${blank.blank} of ${blank.frames}`);
  return {
    medianFrameMs: s.medianFrameMs,
    p99FrameMs: s.p99FrameMs,
    drawMedianMs: s.drawMedianMs,
    drawP99Ms: s.drawP99Ms,
    fps: s.fps,
    frames: s.frames,
    cellsDrawn: s.cellsDrawn,
    blankFrames: blank.blank,
    inView: w,
    framesReceived: s.framesReceived,
  };
}

test(`frame time while watching rooms with ${BOTS} bots`, async () => {
  const summary = await (await fetch(`${env.server.url}/api/rooms`)).json();
  const main = summary.find((r) => r.id === 'main');
  assert.equal(main.bots, BOTS, JSON.stringify(summary));

  const page = await openPage(env.browser, { viewport: { width: 1280, height: 720 } });
  try {
    await gotoClient(page, env.server);
    // 1. The main room as anyone finds it: Spectate follows the top player. Its map is sized for
    // its capacity, so only the bots near the top player are on screen.
    await page.click('#spectate');
    const mainRoom = await measure(page);

    // 2. The same 300 bots crowded on a small map (a room made through the lobby), so that a
    // good part of them is on screen at once: the renderer's heavy case.
    // createRoom makes a private room and plays in it; we leave and come back as a spectator
    // with its code (the room stays: it has bots).
    await page.evaluate(() => window.petri.leave());
    const made = await page.evaluate(
      (bots) => window.petri.createRoom({ name: 'crowd', bots, map_size: 3000, capacity: 400 }),
      BOTS,
    );
    assert.equal(made.ok, true, JSON.stringify(made));
    const { roomId, roomCode } = await page.evaluate(() => window.petri.stats());
    await page.evaluate(() => window.petri.leave());
    const joined = await page.evaluate(
      ({ id, code }) => window.petri.join(id, { code, spectate: true }),
      { id: roomId, code: roomCode },
    );
    assert.equal(joined.ok, true, JSON.stringify(joined));
    // bots step aside for people: the room keeps bots + players at its fill of BOTS
    assert.equal(joined.room.bots + joined.room.players, BOTS, JSON.stringify(joined.room));
    const crowded = await measure(page);

    const figures = {
      when: new Date().toISOString(),
      bots: BOTS,
      viewport: '1280x720',
      chromium: env.browser.version(),
      mainRoom,
      crowded: { mapSize: 3000, ...crowded },
    };
    const file = path.join(mkArtifacts(), 'frame-time.json');
    fs.writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`frame time (${BOTS} bots, spectating the top player): ${JSON.stringify(figures)}`);
    // A resync note at the room switch is the known server bug (see rooms-switch.test.js).
    assert.deepEqual(page.problems.filter((p) => !/entered twice|without having entered|arrived after tick/.test(p)), []);
  } finally {
    await page.context().close();
  }
});

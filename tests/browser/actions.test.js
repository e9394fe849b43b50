// Space splits and W ejects, from the keyboard. A new cell has mass 10 and both need 35, so the
// test first grows: it makes its own room with the smallest map and no bots (the room keeps the
// usual 1000 pellets, so food is dense there) and steers from pellet to pellet.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, gotoClient, waitFor, sleep } from './harness.js';

const env = serverAndBrowser({ bots: 0 });

/** Steers toward the nearest pellet every `every` ms until the own mass reaches `mass`. */
async function growTo(page, mass, ms) {
  return waitFor(
    `own mass >= ${mass}`,
    () =>
      page.evaluate((target) => {
        const p = window.petri;
        const w = p.world();
        const own = w.cells.filter((c) => w.own.includes(c.id));
        if (own.length === 0) return null;
        if (w.mass >= target) return w.mass;
        const me = own.reduce((a, b) => (a.size >= b.size ? a : b));
        let best = null;
        let bestD = Infinity;
        for (const c of w.cells) {
          if (c.kind !== 1 && c.kind !== 2) continue; // food and ejected mass
          const d = Math.hypot(c.x - me.x, c.y - me.y);
          if (d < bestD) {
            bestD = d;
            best = c;
          }
        }
        // Aim a little past the pellet so we go through it rather than stop on it.
        if (best) {
          const k = bestD > 0 ? (bestD + 60) / bestD : 1;
          p.steer(me.x + (best.x - me.x) * k, me.y + (best.y - me.y) * k);
        } else {
          p.steer(0, 0);
        }
        return null;
      }, mass),
    { ms, every: 150 },
  );
}

test('Space splits your cell and W ejects mass', async () => {
  const page = await openPage(env.browser);
  try {
    await gotoClient(page, env.server);
    await page.fill('#name', 'Splitter');
    const made = await page.evaluate(() => window.petri.createRoom({ map_size: 2000, bots: 0 }));
    assert.equal(made.ok, true, JSON.stringify(made));
    await waitFor('own cell', () => page.evaluate(() => window.petri.stats().ownCells > 0));
    const start = await page.evaluate(() => window.petri.stats());
    assert.equal(start.ownCells, 1);
    assert.ok(start.mass < 35, `a new cell is too small to split (${start.mass})`);

    // Too small: Space does nothing yet (the server ignores the split).
    await page.click('#game', { position: { x: 640, y: 360 } }); // focus the game, not a field
    await page.keyboard.press('Space');
    await sleep(600);
    assert.equal(await page.evaluate(() => window.petri.stats().ownCells), 1, 'split below the minimum mass');

    await growTo(page, 62, 60_000);

    // Eject: W. Stand still first so the pellet flies off and we do not eat it straight back.
    const still = await page.evaluate(() => {
      const w = window.petri.world();
      const me = w.cells.find((c) => w.own.includes(c.id));
      window.petri.steer(me.x + 1, me.y);
      return w.mass;
    });
    await sleep(300);
    const beforeEject = await page.evaluate(() => window.petri.world().mass);
    // One W is enough; pressed again (at most 3 times) only if a press went unanswered, so a
    // lost key event or the server's eject cooldown does not fail the test, but W must work.
    let afterEject = null;
    for (let i = 0; i < 3 && !afterEject; i++) {
      await page.keyboard.press('KeyW');
      afterEject = await waitFor('mass to drop after W', () =>
        page.evaluate((m) => {
          const w = window.petri.world();
          return w.mass < m - 5 ? { mass: w.mass, presses: 0 } : null;
        }, beforeEject),
        { ms: 2000, every: 40 },
      ).catch(() => null);
      if (afterEject) afterEject.presses = i + 1;
    }
    assert.ok(afterEject, `W did not drop the mass (${beforeEject}) in 3 presses: ${JSON.stringify(await page.evaluate(() => window.petri.stats()))}`);
    assert.ok(afterEject.mass < beforeEject - 5, JSON.stringify({ still, beforeEject, afterEject }));
    assert.equal(await page.evaluate(() => window.petri.stats().ownCells), 1, 'W does not split');

    // Split: Space.
    const massBeforeSplit = await page.evaluate(() => window.petri.world().mass);
    assert.ok(massBeforeSplit >= 35, `still big enough to split (${massBeforeSplit})`);
    await page.keyboard.press('Space');
    const split = await waitFor('two own cells after Space', () =>
      page.evaluate(() => {
        const s = window.petri.stats();
        return s.ownCells >= 2 ? s : null;
      }),
      { ms: 5000, every: 40 },
    );
    assert.equal(split.ownCells, 2);
    // Splitting keeps the mass (it is shared between the halves).
    assert.ok(Math.abs(split.mass - massBeforeSplit) < massBeforeSplit * 0.2, JSON.stringify({ massBeforeSplit, split }));
    // The HUD shows the total mass.
    const hud = Number((await page.textContent('#mass')).replace(/[^0-9.]/g, ''));
    assert.ok(Math.abs(hud - split.mass) < massBeforeSplit * 0.2, `HUD mass ${hud} vs ${split.mass}`);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

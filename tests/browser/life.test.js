// A player's life in the page: eaten by another page's player, the death card names the killer,
// Respawn plays again; and a page reload within the reconnect window gets the same cells back
// (the token kept in sessionStorage).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, gotoClient, waitFor, sleep, ownCentre } from './harness.js';

const env = serverAndBrowser({ bots: 0 });

/** One step of "eat the nearest pellet" for a page's biggest own cell; returns the mass. */
function grazeStep(page) {
  return page.evaluate(() => {
    const p = window.petri;
    const w = p.world();
    const own = w.cells.filter((c) => w.own.includes(c.id));
    if (own.length === 0) return 0;
    const me = own.reduce((a, b) => (a.size >= b.size ? a : b));
    let best = null;
    let bestD = Infinity;
    for (const c of w.cells) {
      if (c.kind !== 1) continue;
      const d = Math.hypot(c.x - me.x, c.y - me.y);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    if (best) {
      const k = bestD > 0 ? (bestD + 60) / bestD : 1;
      p.steer(me.x + (best.x - me.x) * k, me.y + (best.y - me.y) * k);
    }
    return w.mass;
  });
}

test('eaten by another player: the death card names the killer, and Respawn plays again', async () => {
  const hunter = await openPage(env.browser);
  const prey = await openPage(env.browser);
  try {
    await gotoClient(hunter, env.server);
    await hunter.fill('#name', 'Hunter');
    const made = await hunter.evaluate(() => window.petri.createRoom({ map_size: 2000, bots: 0 }));
    assert.equal(made.ok, true, JSON.stringify(made));
    await waitFor('hunter mass >= 40', async () => (await grazeStep(hunter)) >= 40, { ms: 60_000, every: 150 });
    await hunter.evaluate(() => {
      // stand still until the prey is there
      const w = window.petri.world();
      const me = w.cells.find((c) => w.own.includes(c.id));
      window.petri.steer(me.x, me.y);
    });

    const link = await hunter.evaluate(() => window.petri.inviteLink());
    await prey.goto(link, { waitUntil: 'load' });
    const preyStats = await waitFor('prey playing', () =>
      prey.evaluate(() => {
        const s = window.petri.stats();
        return s.screen === 'playing' && s.ownCells > 0 ? s : null;
      }),
    );
    const hunterId = await hunter.evaluate(() => window.petri.stats().playerId);

    // They walk toward each other (map coordinates are global, so each page's own position
    // tells the other where to go), then the prey waits; it is about a quarter of the hunter's
    // mass.
    let last = null;
    await waitFor(
      'the prey to be eaten',
      async () => {
        const died = await prey.evaluate(() => window.petri.died());
        if (died) return died;
        const h = await ownCentre(hunter);
        const p = await ownCentre(prey);
        last = {
          h,
          p,
          hunter: await hunter.evaluate(() => window.petri.stats()),
          prey: await prey.evaluate(() => window.petri.stats()),
        };
        if (h && p) {
          await hunter.evaluate(({ x, y }) => window.petri.steer(x, y), p);
          // The prey comes closer, then stands still to be eaten.
          const far = Math.hypot(h.x - p.x, h.y - p.y) > 300;
          await prey.evaluate(({ x, y }) => window.petri.steer(x, y), far ? h : p);
        }
        return null;
      },
      { ms: 60_000, every: 100 },
    ).catch((e) => {
      throw new Error(`${e.message}\nlast seen: ${JSON.stringify(last)}`);
    });
    const died = await prey.evaluate(() => window.petri.died());
    assert.equal(died.killer_id, hunterId);
    assert.equal(died.killer, 'Hunter');
    await waitFor('the death card', () => prey.evaluate(() => document.body.dataset.screen === 'dead'));
    assert.ok(await prey.isVisible('#death'));
    assert.match(await prey.textContent('#death-killer'), /Hunter/);
    assert.match(await prey.textContent('#death-mass'), /\d/);
    assert.equal(await prey.evaluate(() => window.petri.stats().ownCells), 0);

    await prey.click('#respawn');
    const again = await waitFor('playing again with a new cell', () =>
      prey.evaluate(() => {
        const s = window.petri.stats();
        return s.screen === 'playing' && s.ownCells > 0 ? s : null;
      }),
    );
    assert.equal(again.playerId, preyStats.playerId, 'the same player respawns');
    assert.ok(!(await prey.isVisible('#death')));
    for (const p of [hunter, prey]) assert.deepEqual(p.problems, []);
  } finally {
    await hunter.context().close();
    await prey.context().close();
  }
});

test('a reload within the reconnect window gets the same cells back', async () => {
  const page = await openPage(env.browser);
  try {
    await gotoClient(page, env.server);
    await page.fill('#name', 'Reloader');
    await page.click('#quickplay');
    const before = await waitFor('playing', () =>
      page.evaluate(() => {
        const s = window.petri.stats();
        return s.screen === 'playing' && s.ownCells > 0 ? s : null;
      }),
    );
    assert.equal(await page.evaluate(() => location.hash), `#${before.roomId}`);
    await page.reload({ waitUntil: 'load' });
    const after = await waitFor('playing again after the reload', () =>
      page.evaluate(() => {
        const s = window.petri.stats();
        return s.screen === 'playing' && s.ownCells > 0 ? s : null;
      }),
    );
    assert.equal(after.playerId, before.playerId);
    assert.equal(await page.evaluate(() => window.petri.joined().resumed), true);
    assert.ok(Math.abs(after.mass - before.mass) <= Math.max(2, before.mass * 0.2));
    await sleep(300);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

// Several pages: two players meet in one room, a private room's invite link works (and a wrong
// code is refused on screen), and a dropped connection comes back with the same cells.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, gotoClient, quickplay, ownCentre, waitFor, sleep, pixelsAt,
} from './harness.js';

const env = serverAndBrowser({ bots: 0 });

/** Does this page's world hold a player cell owned by `owner`? */
function seesOwner(page, owner) {
  return page.evaluate((id) => window.petri.world().cells.some((c) => c.kind === 0 && c.owner === id), owner);
}

test('two pages in one room see each other', async () => {
  const a = await openPage(env.browser);
  const b = await openPage(env.browser);
  try {
    await gotoClient(a, env.server);
    await gotoClient(b, env.server);
    await quickplay(a, 'Alice');
    await quickplay(b, 'Bob');
    const sa = await a.evaluate(() => window.petri.stats());
    const sb = await b.evaluate(() => window.petri.stats());
    assert.equal(sa.roomId, sb.roomId, 'quick play puts both in the same room');
    assert.notEqual(sa.playerId, sb.playerId);
    // Walk toward each other: both steer to the midpoint of their cells.
    const ca = await ownCentre(a);
    const cb = await ownCentre(b);
    const mid = { x: (ca.x + cb.x) / 2, y: (ca.y + cb.y) / 2 };
    await a.evaluate(({ x, y }) => window.petri.steer(x, y), mid);
    await b.evaluate(({ x, y }) => window.petri.steer(x, y), mid);
    await waitFor('A sees B and B sees A', async () => (await seesOwner(a, sb.playerId)) && (await seesOwner(b, sa.playerId)), {
      ms: 60_000,
      every: 200,
    });
    // Each knows the other's name (PlayerInfo came with the first sighting).
    const nameOf = (page, id) => page.evaluate((pid) => (window.petri.world().players.find((p) => p.id === pid) || {}).name, id);
    assert.equal(await nameOf(a, sb.playerId), 'Bob');
    assert.equal(await nameOf(b, sa.playerId), 'Alice');
    // And the positions agree: A's picture of B's cell is where B sees itself (within a tick or so).
    const bSelf = await ownCentre(b);
    const bFromA = await a.evaluate((id) => {
      const c = window.petri.world().cells.find((x) => x.kind === 0 && x.owner === id);
      return { x: c.x, y: c.y };
    }, sb.playerId);
    assert.ok(Math.hypot(bSelf.x - bFromA.x, bSelf.y - bFromA.y) < 100, JSON.stringify({ bSelf, bFromA }));

    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

/** Both pages draw the pellets they both see in the same colours (real pixels). */
async function assertSamePelletColours(a, b) {
  // Both draw the same pellets in the same colours. Cell ids are per-client handles, so a
  // colour derived from the id would differ between the two pages (and change whenever a
  // pellet leaves the view and comes back with another handle).
  for (const p of [a, b]) {
    await p.evaluate(() => {
      const w = window.petri.world();
      const me = w.cells.find((c) => w.own.includes(c.id));
      if (me) window.petri.steer(me.x, me.y); // stand still
    });
  }
  await sleep(800);
  const screenPellets = (page) =>
    page.evaluate(() => {
      const w = window.petri.world();
      const cam = window.petri.camera();
      const canvas = document.querySelector('#game');
      const others = w.cells;
      const out = {};
      for (const c of w.cells) {
        if (c.kind !== 1) continue;
        const sx = (c.x - cam.x) * cam.scale + cam.width / 2;
        const sy = (c.y - cam.y) * cam.scale + cam.height / 2;
        if (sx < 20 || sy < 20 || sx > cam.width - 20 || sy > cam.height - 20) continue;
        if (document.elementFromPoint(sx, sy) !== canvas) continue; // under the HUD
        if (c.size * cam.scale < 4) continue;
        // clear of every other cell, pellets included (overlapping pellets blend), with a margin
        // for movement
        const margin = (o) => (o.kind === 1 ? 10 : 40);
        if (others.some((o) => o !== c && Math.hypot(o.x - c.x, o.y - c.y) < o.size + c.size + margin(o))) continue;
        out[`${c.x},${c.y}`] = [sx, sy];
      }
      return out;
    });
  // The camera glides: read positions only once it has stopped on both pages.
  for (const p of [a, b]) {
    let last = null;
    await waitFor('the camera at rest', async () => {
      const c = await p.evaluate(() => window.petri.camera());
      const still = last && Math.abs(c.x - last.x) * c.scale < 0.2 && Math.abs(c.y - last.y) * c.scale < 0.2;
      last = c;
      return still;
    }, { ms: 10_000, every: 200 });
  }
  const pa = await screenPellets(a);
  const pb = await screenPellets(b);
  const common = Object.keys(pa).filter((k) => pb[k]).slice(0, 40);
  const ca2 = await pixelsAt(a, common.map((k) => pa[k]));
  const cb2 = await pixelsAt(b, common.map((k) => pb[k]));
  const near = (x, y) => x.every((v, i) => Math.abs(v - y[i]) <= 12);
  // Only samples that hit a pellet's solid fill (a palette colour) on both pages count: a sample
  // on an edge (antialiased) says nothing. With ids as colours the fills are palette colours too,
  // just different ones.
  const palette = await a.evaluate(async () => (await import('/js/colors.js')).PALETTE.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16))));
  const solid = (px) => palette.some((q) => near(px, q));
  const compared = common.map((k, i) => ({ k, pa: ca2[i], pb: cb2[i] })).filter((x) => solid(x.pa) && solid(x.pb));
  assert.ok(compared.length >= 5, `pellets seen and sampled on both pages: ${compared.length} of ${common.length}`);
  const differ = compared.filter((x) => !near(x.pa, x.pb));
  assert.deepEqual(
    differ.map((x) => `${x.k}: ${x.pa} vs ${x.pb}`),
    [],
    `pellets drawn in different colours on the two pages (of ${compared.length})`,
  );
}

test('two pages draw the same pellets in the same colours', async () => {
  const a = await openPage(env.browser);
  const b = await openPage(env.browser);
  try {
    await gotoClient(a, env.server);
    await a.fill('#name', 'Left');
    // A small map: both views cover most of it, so they share many pellets.
    const made = await a.evaluate(() => window.petri.createRoom({ map_size: 2000, bots: 0 }));
    assert.equal(made.ok, true, JSON.stringify(made));
    const link = await a.evaluate(() => window.petri.inviteLink());
    await b.goto(link, { waitUntil: 'load' });
    await waitFor('B plays', () => b.evaluate(() => window.petri.stats().ownCells > 0));
    await waitFor('A plays', () => a.evaluate(() => window.petri.stats().ownCells > 0));
    // Meet in the middle so that the two views overlap.
    // Not at the same point: one that ate a few more pellets on the way could eat the other.
    await a.evaluate(() => window.petri.steer(-200, 0));
    await b.evaluate(() => window.petri.steer(200, 0));
    await waitFor('both near the middle', async () => {
      const [ca, cb] = [await ownCentre(a), await ownCentre(b)];
      return ca && cb && Math.hypot(ca.x + 200, ca.y) < 150 && Math.hypot(cb.x - 200, cb.y) < 150;
    }, { ms: 30_000, every: 200 });
    for (const p of [a, b]) assert.equal(await p.evaluate(() => window.petri.stats().screen), 'playing');
    await assertSamePelletColours(a, b);
    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

test('a private room invite link works, and a wrong code is refused on screen', async () => {
  const a = await openPage(env.browser);
  const b = await openPage(env.browser);
  const c = await openPage(env.browser);
  try {
    await gotoClient(a, env.server);
    await a.fill('#name', 'Host');
    await a.click('#create-private');
    await waitFor('A plays in its private room', () =>
      a.evaluate(() => {
        const s = window.petri.stats();
        return s.screen === 'playing' && s.ownCells > 0 && s.roomCode ? s : null;
      }),
    );
    const sa = await a.evaluate(() => window.petri.stats());
    assert.notEqual(sa.roomId, 'main');
    const link = await a.evaluate(() => window.petri.inviteLink());
    assert.ok(link, 'a private room has an invite link');
    assert.equal(link, `${env.server.url}/#${encodeURIComponent(sa.roomId)}/${encodeURIComponent(sa.roomCode)}`);
    // The HUD shows the same link, and the page's own address carries it.
    assert.equal(await a.inputValue('#invite-link'), link);
    assert.ok(await a.isVisible('#invite'));
    // Unlisted: not in the public room list.
    const listed = await a.evaluate(async () => (await window.petri.rooms()).map((r) => r.id));
    assert.ok(!listed.includes(sa.roomId), `private room listed: ${listed}`);

    // B opens the link and lands in the same room, as a player.
    await b.goto(link, { waitUntil: 'load' });
    const sb = await waitFor('B plays in the linked room', () =>
      b.evaluate(() => {
        const s = window.petri.stats();
        return s.screen === 'playing' && s.ownCells > 0 ? s : null;
      }),
    );
    assert.equal(sb.roomId, sa.roomId);
    assert.notEqual(sb.playerId, sa.playerId);
    assert.equal(await b.evaluate(() => window.petri.joined().room.id), sa.roomId);
    assert.equal(await b.evaluate(() => window.petri.inviteLink()), link);
    await waitFor('B on the board A receives', () =>
      a.evaluate((id) => {
        const board = window.petri.board();
        return board && board.entries.some((e) => e.id === id);
      }, sb.playerId),
    );

    // C opens the link with a wrong code: refused, clearly, and stays on the home screen.
    const wrong = `${env.server.url}/#${encodeURIComponent(sa.roomId)}/WRONG${sa.roomCode}`;
    await c.goto(wrong, { waitUntil: 'load' });
    const msg = await waitFor('a refusal in #home-message', () =>
      c.evaluate(() => {
        const t = document.querySelector('#home-message').textContent.trim();
        return t && !/joining/i.test(t) ? t : null;
      }),
    );
    assert.match(msg, /wrong code/i);
    assert.ok(await c.isVisible('#home-message'));
    const sc = await c.evaluate(() => window.petri.stats());
    assert.equal(sc.screen, 'home');
    assert.equal(sc.roomId, null);
    assert.equal(sc.playerId, null);
    // The bad link is not kept in the address bar.
    assert.equal(await c.evaluate(() => location.hash), '');

    for (const p of [a, b]) assert.deepEqual(p.problems, []);
    // A refused join is an ack, not an error: nothing in C's console either.
    assert.deepEqual(c.problems, []);
  } finally {
    for (const p of [a, b, c]) await p.context().close();
  }
});

test('after the connection drops, the page reconnects and keeps its cells', async () => {
  const page = await openPage(env.browser);
  try {
    await gotoClient(page, env.server);
    await quickplay(page, 'Phoenix');
    await page.mouse.move(700, 400);
    await sleep(500);
    const before = await page.evaluate(() => window.petri.stats());
    assert.equal(before.reconnects, 0);
    await page.evaluate(() => window.petri.dropConnection());
    // The drop is seen (the dot says so), then the page is back.
    await waitFor('#conn not connected', () =>
      page.evaluate(() => document.querySelector('#conn').dataset.status !== 'connected'),
      { ms: 5000, every: 20 },
    );
    const after = await waitFor(
      'reconnected and rejoined',
      () =>
        page.evaluate(() => {
          const s = window.petri.stats();
          return s.reconnects >= 1 && s.resumed !== null && s.connected && s.ownCells > 0 ? s : null;
        }),
      { ms: 15_000, every: 100 },
    );
    assert.equal(after.resumed, true);
    assert.equal(after.playerId, before.playerId);
    assert.equal(after.roomId, before.roomId);
    assert.equal(after.screen, 'playing');
    assert.ok(Math.abs(after.mass - before.mass) <= Math.max(2, before.mass * 0.2), JSON.stringify({ before, after }));
    assert.equal(await page.evaluate(() => document.querySelector('#conn').dataset.status), 'connected');
    // Frames flow again and steering still works after the rejoin.
    const n = after.framesReceived;
    await waitFor('frames after the rejoin', () => page.evaluate((k) => window.petri.stats().framesReceived > k + 10, n));
    const sent = after.inputsSent;
    await page.mouse.move(200, 200);
    await waitFor('inputs after the rejoin', () => page.evaluate((k) => window.petri.stats().inputsSent > k, sent));
    // The warnings a drop may log are the client's own notes, not errors: none expected.
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

// One player in the main room: the page loads cleanly, quick play draws your cell, the mouse
// steers it on the server, the leaderboard names you, and a screenshot of the game is kept.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import {
  serverAndBrowser, openPage, gotoClient, quickplay, ownCentre, waitFor, sleep,
  mkArtifacts,
} from './harness.js';

// A few bots: the room is alive (board, other cells) but we stay in its top 10.
const env = serverAndBrowser({ bots: 3 });

test('the page loads without console errors or page errors', async () => {
  const page = await openPage(env.browser);
  try {
    const res = await page.goto(`${env.server.url}/`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    await waitFor('a connected socket', () => page.evaluate(() => window.petri && window.petri.stats().connected));
    await waitFor('#conn[data-status=connected]', () =>
      page.evaluate(() => document.querySelector('#conn').dataset.status === 'connected'),
    );
    assert.equal(await page.evaluate(() => document.body.dataset.screen), 'home');
    // The room list comes from the lobby: the main room is listed.
    await waitFor('the main room in #rooms', () => page.$('#rooms li.room[data-room="main"]'));
    // Let the animation loop and a rooms refresh run a little before judging.
    await sleep(1500);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

/** Where the own cell is on screen and its colour, read from the hooks. */
function ownOnScreen(page) {
  return page.evaluate(() => {
    const p = window.petri;
    const w = p.world();
    const s = p.stats();
    const cam = p.camera();
    const cell = w.cells.find((c) => w.own.includes(c.id));
    const me = w.players.find((pl) => pl.id === s.playerId);
    if (!cell || !me) return null;
    return {
      sx: (cell.x - cam.x) * cam.scale + cam.width / 2,
      sy: (cell.y - cam.y) * cam.scale + cam.height / 2,
      r: cell.size * cam.scale,
      color: me.color,
      cam,
      cell,
    };
  });
}

test('quick play draws your own cell on the canvas, in your colour', async () => {
  const page = await openPage(env.browser);
  try {
    await gotoClient(page, env.server);
    // Pick a colour no food, bot or background uses, so a match can only be our cell.
    await page.evaluate(() => {
      const c = document.querySelector('#color');
      c.value = '#ff00ff';
      c.dispatchEvent(new Event('input', { bubbles: true }));
      c.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await quickplay(page, 'Pixel');
    assert.equal(await page.evaluate(() => document.body.dataset.screen), 'playing');
    // The mouse has not moved: the cell stays put and the camera settles on it.
    let where;
    await waitFor('the camera settled on the own cell', async () => {
      where = await ownOnScreen(page);
      return where && Math.hypot(where.sx - where.cam.width / 2, where.sy - where.cam.height / 2) < 3;
    });
    assert.equal(where.color, 0xff00ff, 'the server gave us the colour we picked');
    // Real pixels: a screenshot of the canvas as composited, decoded in the page, read at
    // points on a ring inside the cell (its name is written across the middle) and outside it.
    const n = 16;
    const ring = (k) =>
      Array.from({ length: n }, (_, i) => {
        const a = (i / n) * Math.PI * 2;
        return [where.sx + Math.cos(a) * where.r * k, where.sy + Math.sin(a) * where.r * k];
      });
    const points = [...ring(0.6), ...ring(1.6)];
    const png = await page.locator('#game').screenshot();
    const rgb = await page.evaluate(
      async ({ b64, pts }) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = new OffscreenCanvas(img.width, img.height);
        const g = c.getContext('2d', { willReadFrequently: true });
        g.drawImage(img, 0, 0);
        return pts.map(([x, y]) => Array.from(g.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3)));
      },
      { b64: png.toString('base64'), pts: points },
    );
    const isOurs = ([r, g, b]) => Math.abs(r - 255) < 24 && g < 24 && Math.abs(b - 255) < 24;
    const inside = rgb.slice(0, n).filter(isOurs).length;
    const outside = rgb.slice(n).filter(isOurs).length;
    assert.ok(
      inside >= n * 0.75,
      `own colour at ${inside}/${n} points inside the cell at (${where.sx}, ${where.sy}) r=${where.r}: ${JSON.stringify(rgb.slice(0, n))}`,
    );
    // ...and not around it: the colour is the cell's, not the whole canvas'.
    assert.ok(outside <= 1, `own colour at ${outside}/${n} points outside the cell`);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

test('moving the mouse moves the cell on the server', async () => {
  const page = await openPage(env.browser);
  try {
    await gotoClient(page, env.server);
    await quickplay(page, 'Mouse');
    const start = await ownCentre(page);
    const { width, height } = await page.evaluate(() => window.petri.camera());
    // Far to the right of the screen centre (where our cell is), a little down.
    const dir = start.x > 0 ? -1 : 1; // toward the middle of the map, away from the border
    await page.mouse.move(width / 2 + dir * width * 0.45, height / 2 + 10, { steps: 5 });
    await waitFor('an input toward the pointer', () =>
      page.evaluate((d) => {
        const i = window.petri.lastInput();
        return i && Math.sign(i.x - window.petri.world().view.x) === d;
      }, dir),
    );
    const moved = await waitFor(
      'the own cell to move 150 map units that way',
      async () => {
        const now = await ownCentre(page);
        return now && (now.x - start.x) * dir > 150 ? now : null;
      },
      { ms: 10_000 },
    );
    // Mostly sideways: the pointer was nearly level with the cell.
    assert.ok(Math.abs(moved.y - start.y) < Math.abs(moved.x - start.x), JSON.stringify({ start, moved }));
    assert.ok(moved.tick > start.tick);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

test('the leaderboard shows your name', async () => {
  const page = await openPage(env.browser);
  try {
    await gotoClient(page, env.server);
    await quickplay(page, 'Boardy');
    const before = await page.evaluate(() => window.petri.stats().boardsReceived);
    await waitFor('a board after joining', () => page.evaluate((n) => window.petri.stats().boardsReceived > n, before));
    const mine = await waitFor('our row in #board-list', () =>
      page.evaluate(() => {
        const li = document.querySelector('#board-list li.me');
        return li && li.querySelector('.who').textContent;
      }),
    );
    assert.equal(mine, 'Boardy');
    assert.ok(await page.isVisible('#leaderboard'));
    const text = await page.textContent('#leaderboard');
    assert.match(text, /Boardy/);
    // The row is the one with our player id, and the board the server sent has us in it.
    const ids = await page.evaluate(() => ({
      row: Number(document.querySelector('#board-list li.me').dataset.player),
      me: window.petri.stats().playerId,
      inBoard: window.petri.board().entries.some((e) => e.id === window.petri.stats().playerId && e.name === 'Boardy'),
    }));
    assert.equal(ids.row, ids.me);
    assert.ok(ids.inBoard);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

test('a screenshot of a running game is saved to tests/artifacts/game.png', async () => {
  const page = await openPage(env.browser);
  try {
    await gotoClient(page, env.server);
    await quickplay(page, 'Shot');
    await page.mouse.move(900, 300, { steps: 3 });
    await waitFor('a few frames drawn', () => page.evaluate(() => window.petri.stats().frames > 30));
    await sleep(1000);
    const file = path.join(mkArtifacts(), 'game.png');
    await page.screenshot({ path: file });
    const buf = fs.readFileSync(file);
    assert.equal(buf.subarray(1, 4).toString(), 'PNG');
    assert.ok(buf.length > 10_000, `a real picture, not a blank one (${buf.length} bytes)`);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

// world.js applies frames like the Rust ClientWorld::apply, and glides between them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

import { World, ApplyError, FORGET_PLAYERS_EVERY } from '../../web-client/js/world.js';
import { decodeFrame, KIND } from '../../web-client/js/protocol.js';

const view = { dx: 0, dy: 0, dhalf_width: 0, dhalf_height: 0 };
const frame = (tick, parts = {}) => ({
  tick, view, rank: 0, own: [], players: [], left: [], entered: [], changed: [], eaten: [], ...parts,
});
const cell = (id, kind, x, y, size, owner = 0) => ({ id, kind, x, y, size, owner });

test('enter, change, leave: the world holds what the frames say', () => {
  const w = new World();
  w.apply(frame(1, {
    rank: 2,
    own: [10],
    players: [{ id: 7, name: 'Zoë', color: 0x336699 }],
    entered: [cell(10, KIND.PLAYER, -5, 5, 30, 7), cell(11, KIND.FOOD, 1, 1, 5), cell(12, KIND.VIRUS, 50, 0, 60)],
  }), 0);
  assert.equal(w.cells.size, 3);
  assert.equal(w.players.get(7).name, 'Zoë');
  assert.equal(w.rank, 2);
  assert.deepEqual(w.own, [10]);
  assert.equal(w.mass(), 9);

  w.apply(frame(2, { own: [10], changed: [{ id: 10, dx: 3, dy: -4, dsize: 2 }] }), 40);
  assert.deepEqual(
    { x: w.cells.get(10).x, y: w.cells.get(10).y, size: w.cells.get(10).size },
    { x: -2, y: 1, size: 32 },
  );

  w.apply(frame(3, {
    own: [10], left: [11], eaten: [{ eater: 10, eaten: 11 }],
    changed: [{ id: 10, dx: 0, dy: 0, dsize: 1 }],
  }), 80);
  assert.ok(!w.cells.has(11));
  assert.equal(w.cells.get(10).size, 33);
  assert.equal(w.ghostsAt(90).length, 1, 'the eaten food slides into its eater');
  assert.equal(w.ghostsAt(80 + 1000).length, 0);

  w.apply(frame(5, { left: [10, 12] }), 120); // ticks may be skipped
  assert.equal(w.cells.size, 0);
  assert.equal(w.tick, 5);
  assert.equal(w.mass(), 0);
  assert.equal(w.players.size, 1, 'players stay known');

  const snap = w.snapshot();
  assert.equal(JSON.parse(JSON.stringify(snap)).tick, 5);
});

test('a cell is re-entered after it left', () => {
  const w = new World();
  w.apply(frame(1, { entered: [cell(1, KIND.FOOD, 0, 0, 5)] }), 0);
  w.apply(frame(2, { left: [1], entered: [cell(1, KIND.FOOD, 9, 9, 5)] }), 40);
  assert.equal(w.cells.get(1).x, 9);
});

test('frames that do not fit throw ApplyError, like the Rust version', () => {
  const w = new World();
  w.apply(frame(5, { entered: [cell(1, KIND.FOOD, 0, 0, 5)] }), 0);
  assert.throws(() => w.apply(frame(4), 10), (e) => e instanceof ApplyError && /after tick 5/.test(e.message));
  assert.throws(() => w.apply(frame(6, { entered: [cell(1, KIND.FOOD, 0, 0, 5)] }), 20), /entered twice/);
  assert.throws(() => w.apply(frame(7, { left: [99] }), 30), /without having entered/);
  assert.throws(() => w.apply(frame(8, { changed: [{ id: 98, dx: 1, dy: 1, dsize: 1 }] }), 40), /without having entered/);
});

test('arithmetic wraps like i32 / u32', () => {
  const w = new World();
  w.apply(frame(1, { entered: [cell(1, KIND.PLAYER, 2147483647, -2147483648, 1, 3)] }), 0);
  w.apply(frame(2, { changed: [{ id: 1, dx: 1, dy: -1, dsize: -2 }] }), 40);
  const c = w.cells.get(1);
  assert.deepEqual([c.x, c.y, c.size], [-2147483648, 2147483647, 4294967295]);
});

test('positions glide from what was drawn to the new frame', () => {
  const w = new World();
  w.setTickRate(25); // 40 ms
  w.apply(frame(1, { entered: [cell(1, KIND.PLAYER, 0, 0, 10, 1)] }), 1000);
  w.apply(frame(2, { changed: [{ id: 1, dx: 100, dy: 0, dsize: 10 }] }), 1040);
  const p = { x: 0, y: 0, size: 0 };
  World.place(w.cells.get(1), w.alpha(1040), p);
  assert.deepEqual(p, { x: 0, y: 0, size: 10 }, 'starts where it was drawn');
  World.place(w.cells.get(1), w.alpha(1060), p);
  assert.ok(p.x > 40 && p.x < 60, `half way: ${p.x}`);
  World.place(w.cells.get(1), w.alpha(2000), p);
  assert.deepEqual(p, { x: 100, y: 0, size: 20 }, 'ends at the server position');

  // A frame arriving mid-glide starts the next glide from the drawn point: no jump.
  const before = World.place(w.cells.get(1), w.alpha(1060), { x: 0, y: 0, size: 0 });
  w.apply(frame(3, { changed: [{ id: 1, dx: 100, dy: 0, dsize: 0 }] }), 1060);
  const after = World.place(w.cells.get(1), w.alpha(1060), { x: 0, y: 0, size: 0 });
  assert.ok(Math.abs(before.x - after.x) < 1e-9);
});

test('clear() forgets everything for a rejoin', () => {
  const w = new World();
  w.apply(frame(9, { own: [1], entered: [cell(1, KIND.PLAYER, 0, 0, 10, 1)] }), 0);
  w.clear();
  assert.equal(w.cells.size, 0);
  assert.equal(w.tick, 0);
  w.apply(frame(1, { entered: [cell(1, KIND.PLAYER, 0, 0, 10, 1)] }), 10); // a lower tick is fine again
});

test('the full vector applies to an empty world', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const bin = readFileSync(join(here, '..', 'vectors', 'frame_full.bin'));
  const f = decodeFrame(bin);
  const w = new World();
  // Its `left` and `changed` refer to cells an empty world never had: exactly the mismatch a
  // client must notice (and rejoin on) rather than ignore.
  assert.throws(() => w.apply(f, 0), ApplyError);
  const w2 = new World();
  w2.apply({ ...f, left: [], changed: [] }, 0);
  assert.equal(w2.cells.size, 4);
  assert.deepEqual(w2.counts(), { player: 1, food: 1, ejected: 1, virus: 1 });
  assert.equal(w2.players.get(65536).name, 'Zoë 🦠 细胞');
});

test('the view arrives as differences that add up from zero', () => {
  const w = new World();
  w.apply(frame(1, { view: { dx: -1234, dy: 500, dhalf_width: 1010, dhalf_height: 590 } }), 0);
  assert.deepEqual(w.view, { x: -1234, y: 500, half_width: 1010, half_height: 590 });
  w.apply(frame(2, { view: { dx: 19, dy: -3, dhalf_width: 0, dhalf_height: -1 } }), 40);
  assert.deepEqual(w.view, { x: -1215, y: 497, half_width: 1010, half_height: 589 });
});

test('players with no cell in view are forgotten when a frame crosses the interval, as in Rust', () => {
  const w = new World();
  w.apply(frame(1, {
    players: [{ id: 7, name: 'a', color: 1 }, { id: 8, name: 'b', color: 2 }],
    entered: [cell(1, KIND.PLAYER, 0, 0, 10, 7), cell(2, KIND.PLAYER, 50, 0, 10, 8)],
  }), 0);
  w.apply(frame(2, { left: [1] }), 1000); // 7's cell leaves (not eaten: no ghost)
  assert.ok(w.players.has(7), 'kept until the interval boundary');
  w.apply(frame(FORGET_PLAYERS_EVERY + 1), 2000);
  assert.ok(!w.players.has(7), 'forgotten past the boundary');
  assert.ok(w.players.has(8), 'a player with a cell in view stays');
  w.apply(frame(FORGET_PLAYERS_EVERY + 2, {
    players: [{ id: 7, name: 'a', color: 1 }],
    entered: [cell(3, KIND.PLAYER, 0, 0, 10, 7)],
  }), 3000);
  assert.equal(w.players.get(7).name, 'a', 'named again when it comes back');
});

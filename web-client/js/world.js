// The client's picture of the arena, rebuilt from frames exactly like the Rust
// `ClientWorld::apply` (shared/src/client_world.rs): players, then left, then entered, then
// changed. On top of that it keeps, per cell, where the cell was *drawn* when the frame arrived,
// so the renderer can glide from there to the new position until the next frame (25 Hz frames,
// 60 Hz screen) without ever jumping.

import { KIND, massOf } from './protocol.js';
import { colorKey } from './colors.js';

export class ApplyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ApplyError';
  }
}

/** As `FORGET_PLAYERS_EVERY` in shared/src/client_world.rs (docs/PROTOCOL.md). */
export const FORGET_PLAYERS_EVERY = 64;

// How long an eaten cell keeps being drawn while it slides into its eater.
const GHOST_MS = 160;

const lerp = (a, b, t) => a + (b - a) * t;

export class World {
  constructor() {
    this.tickMs = 40; // the room's tick (from `Joined.world.tick_rate`); frames may come slower
    this.clear();
  }

  /** Forgets everything: on (re)join the server starts the delta stream from nothing. */
  clear() {
    this.tick = 0;
    this.frames = 0;
    this.view = { x: 0, y: 0, half_width: 0, half_height: 0 };
    this.viewFrom = { ...this.view };
    this.rank = 0;
    this.own = [];
    /** id -> { id, kind, owner, x, y, size, fromX, fromY, fromSize, key } (x, y, size: server's;
     *  key: colour key from where the cell entered, see colors.js) */
    this.cells = new Map();
    /** id -> { id, name, color } */
    this.players = new Map();
    /** eaten cells still animating: { kind, owner, id, x, y, size, eater, start } */
    this.ghosts = [];
    this.lastApplyAt = null;
    this.gapMs = this.tickMs;
    this.viewJumps = 0; // counted so the renderer can snap its camera too
  }

  setTickRate(rate) {
    if (rate > 0) this.tickMs = this.gapMs = 1000 / rate;
  }

  /** How far (0..1) the display is from the previous frame's drawn state to the latest one. */
  alpha(now) {
    if (this.lastApplyAt === null) return 1;
    const t = (now - this.lastApplyAt) / this.gapMs;
    return t >= 1 ? 1 : t <= 0 ? 0 : t;
  }

  /** Applies one decoded frame at time `now` (ms). Throws ApplyError like the Rust version. */
  apply(frame, now = performance.now()) {
    if (frame.tick < this.tick) {
      throw new ApplyError(`frame for tick ${frame.tick} arrived after tick ${this.tick}`);
    }
    // Freeze what is on screen right now as the start of the next glide.
    const t = this.alpha(now);
    for (const c of this.cells.values()) {
      c.fromX = lerp(c.fromX, c.x, t);
      c.fromY = lerp(c.fromY, c.y, t);
      c.fromSize = lerp(c.fromSize, c.size, t);
    }
    this.viewFrom = {
      x: lerp(this.viewFrom.x, this.view.x, t),
      y: lerp(this.viewFrom.y, this.view.y, t),
      half_width: lerp(this.viewFrom.half_width, this.view.half_width, t),
      half_height: lerp(this.viewFrom.half_height, this.view.half_height, t),
    };
    if (this.lastApplyAt !== null) {
      // Smoothed arrival gap: a slow client gets frames less often, and should glide longer.
      const gap = Math.min(Math.max(now - this.lastApplyAt, this.tickMs), 250);
      this.gapMs += (gap - this.gapMs) * 0.2;
    }
    this.lastApplyAt = now;

    const first = this.frames === 0;
    this.frames += 1;
    const forget = Math.floor(frame.tick / FORGET_PLAYERS_EVERY) !== Math.floor(this.tick / FORGET_PLAYERS_EVERY);
    this.tick = frame.tick;
    // the view arrives as a difference from the last one (from all zeros before the first)
    const d = frame.view;
    this.view = {
      x: (this.view.x + d.dx) | 0,
      y: (this.view.y + d.dy) | 0,
      half_width: (this.view.half_width + d.dhalf_width) >>> 0,
      half_height: (this.view.half_height + d.dhalf_height) >>> 0,
    };
    // A jump farther than the view's own size (a spectator whose player died and who now follows
    // another one across the map) is not glided: the rectangles in between hold no cells, so a
    // glide would flash an empty map.
    const jump =
      Math.abs(this.view.x - this.viewFrom.x) > this.view.half_width ||
      Math.abs(this.view.y - this.viewFrom.y) > this.view.half_height;
    if (first || jump) this.viewFrom = { ...this.view };
    if (jump && !first) this.viewJumps += 1;
    this.rank = frame.rank;
    this.own = frame.own.slice();

    for (const p of frame.players) this.players.set(p.id, { id: p.id, name: p.name, color: p.color });

    // Cells eaten this frame leave as ghosts sliding into their eater.
    const eatenBy = new Map();
    for (const e of frame.eaten) eatenBy.set(e.eaten, e.eater);
    for (const id of frame.left) {
      const c = this.cells.get(id);
      if (!c) throw new ApplyError(`cell ${id} changed or left without having entered`);
      this.cells.delete(id);
      if (eatenBy.has(id)) {
        this.ghosts.push({
          id, kind: c.kind, owner: c.owner, x: c.fromX, y: c.fromY, size: c.fromSize, key: c.key,
          eater: eatenBy.get(id), start: now,
        });
      }
    }
    for (const e of frame.entered) {
      if (this.cells.has(e.id)) throw new ApplyError(`cell ${e.id} entered twice`);
      this.cells.set(e.id, {
        id: e.id, kind: e.kind, owner: e.owner, x: e.x, y: e.y, size: e.size,
        fromX: e.x, fromY: e.y, fromSize: e.size, key: colorKey(e.x, e.y),
      });
    }
    for (const d of frame.changed) {
      const c = this.cells.get(d.id);
      if (!c) throw new ApplyError(`cell ${d.id} changed or left without having entered`);
      // Wrapping arithmetic, as in Rust (i32 / u32).
      c.x = (c.x + d.dx) | 0;
      c.y = (c.y + d.dy) | 0;
      c.size = (c.size + d.dsize) >>> 0;
    }
    this.ghosts = this.ghosts.filter((g) => now - g.start < GHOST_MS);
    if (forget) this.forgetUnseenPlayers();
  }

  /**
   * Forgets the players that own no known cell (the server does the same at the same frame and
   * names a player again when one comes back into view): the table stays the size of the view.
   */
  forgetUnseenPlayers() {
    const owners = new Set();
    for (const c of this.cells.values()) owners.add(c.owner);
    for (const g of this.ghosts) owners.add(g.owner); // an eaten cell still slides on screen
    for (const id of this.players.keys()) if (!owners.has(id)) this.players.delete(id);
  }

  /** The view rectangle as it should be drawn at `now`. */
  viewAt(now) {
    const t = this.alpha(now);
    const a = this.viewFrom;
    const b = this.view;
    return {
      x: lerp(a.x, b.x, t),
      y: lerp(a.y, b.y, t),
      half_width: lerp(a.half_width, b.half_width, t),
      half_height: lerp(a.half_height, b.half_height, t),
    };
  }

  /** Where a cell is drawn at glide fraction `t` (from `alpha`). Writes into `out`. */
  static place(c, t, out) {
    out.x = lerp(c.fromX, c.x, t);
    out.y = lerp(c.fromY, c.y, t);
    out.size = lerp(c.fromSize, c.size, t);
    return out;
  }

  /** Ghosts at `now`: progress 0..1 toward their eater (which may itself be gone). */
  ghostsAt(now) {
    const out = [];
    const t = this.alpha(now);
    const p = { x: 0, y: 0, size: 0 };
    for (const g of this.ghosts) {
      const k = (now - g.start) / GHOST_MS;
      if (k >= 1) continue;
      const eater = this.cells.get(g.eater);
      let x = g.x;
      let y = g.y;
      if (eater) {
        World.place(eater, t, p);
        x = lerp(g.x, p.x, k);
        y = lerp(g.y, p.y, k);
      }
      out.push({ kind: g.kind, owner: g.owner, id: g.id, x, y, size: g.size * (1 - k) });
    }
    return out;
  }

  /** Own cells that the world holds (the frame's `own` may name cells not in view yet). */
  ownCells() {
    const out = [];
    for (const id of this.own) {
      const c = this.cells.get(id);
      if (c) out.push(c);
    }
    return out;
  }

  /** The player's mass: the sum of own cells' size^2/100. */
  mass() {
    let m = 0;
    for (const c of this.ownCells()) m += massOf(c.size);
    return m;
  }

  /** A plain, JSON-friendly copy for tests (`window.petri.world()`). */
  snapshot() {
    return {
      tick: this.tick,
      frames: this.frames,
      view: { ...this.view },
      rank: this.rank,
      own: this.own.slice(),
      mass: this.mass(),
      cells: [...this.cells.values()].map((c) => ({
        id: c.id, kind: c.kind, x: c.x, y: c.y, size: c.size, owner: c.owner,
      })),
      players: [...this.players.values()].map((p) => ({ ...p })),
      counts: this.counts(),
    };
  }

  counts() {
    const n = { player: 0, food: 0, ejected: 0, virus: 0 };
    for (const c of this.cells.values()) {
      if (c.kind === KIND.PLAYER) n.player++;
      else if (c.kind === KIND.FOOD) n.food++;
      else if (c.kind === KIND.EJECTED) n.ejected++;
      else if (c.kind === KIND.VIRUS) n.virus++;
    }
    return n;
  }
}

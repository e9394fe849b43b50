// Canvas drawing. Everything is drawn in map units under one transform (the camera), except
// text, which is drawn in screen pixels so it stays crisp at any zoom. Interpolation happens
// here: every cell is placed at World.alpha(now) between where it was drawn when the last frame
// came and where that frame put it.

import { KIND, massOf } from './protocol.js';
import { World } from './world.js';
import { PALETTE, paletteIndex, colorForId, hexFromInt, darker } from './colors.js';

const BG_OUTSIDE = '#0b0d12';
const BG_MAP = '#11141b';
const GRID = 'rgba(255,255,255,0.055)';
const BORDER = 'rgba(255,95,110,0.7)';
const VIRUS_FILL = 'rgba(64,220,110,0.88)';
const VIRUS_STROKE = '#1d8f45';
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif';
const TAU = Math.PI * 2;

// A virus is a disc with a serrated edge: precomputed unit vertices.
const VIRUS_POINTS = (() => {
  const spikes = 22;
  const pts = [];
  for (let i = 0; i < spikes * 2; i++) {
    const a = (i / (spikes * 2)) * TAU;
    const r = i % 2 === 0 ? 1 : 0.88;
    pts.push(Math.cos(a) * r, Math.sin(a) * r);
  }
  return pts;
})();

export class Renderer {
  constructor(canvas, minimap) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.minimap = minimap;
    this.mctx = minimap ? minimap.getContext('2d') : null;
    this.camera = { x: 0, y: 0, scale: 0.6 };
    this.width = 0;
    this.height = 0;
    this.dpr = 1;
    this.worldSize = null; // { width, height } from the join answer
    this.lastNow = null;
    this.cellsDrawn = 0;
    this.cameraFresh = true;
    this.seenViewJumps = 0;
    this.styles = new Map(); // 0xRRGGBB -> { fill, stroke }
    // Food is most of the cells: drawn one path per palette colour, from reused flat arrays.
    this.foodBuckets = PALETTE.map(() => ({ n: 0, xyr: new Float64Array(3 * 256) }));
    this.items = [];
    this.place = { x: 0, y: 0, size: 0 };
    this.resize();
  }

  /** Matches the backing store to the element's size and the screen's pixel density. */
  resize() {
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    const w = this.canvas.clientWidth || window.innerWidth;
    const h = this.canvas.clientHeight || window.innerHeight;
    if (w === this.width && h === this.height && dpr === this.dpr) return;
    this.width = w;
    this.height = h;
    this.dpr = dpr;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    if (this.minimap) {
      const m = this.minimap.clientWidth || 150;
      this.minimap.width = Math.round(m * dpr);
      this.minimap.height = Math.round(m * dpr);
    }
  }

  /** Screen (CSS pixels) to map units, through the camera. */
  toWorld(sx, sy) {
    const c = this.camera;
    return { x: c.x + (sx - this.width / 2) / c.scale, y: c.y + (sy - this.height / 2) / c.scale };
  }

  styleFor(rgb) {
    let s = this.styles.get(rgb);
    if (!s) {
      const fill = hexFromInt(rgb);
      s = { fill, stroke: darker(fill) };
      this.styles.set(rgb, s);
    }
    return s;
  }

  /** The camera glides to the server's view rectangle and zooms to fill the screen with it. */
  updateCamera(world, now, dt) {
    const c = this.camera;
    if (world.frames === 0) {
      // No game yet (home screen): a slow drift over the grid behind the menus.
      c.x = Math.sin(now / 9000) * 400;
      c.y = Math.cos(now / 11000) * 300;
      c.scale = 0.7;
      return;
    }
    const v = world.viewAt(now);
    const hw = Math.max(v.half_width, 1);
    const hh = Math.max(v.half_height, 1);
    // Cover the screen: nothing outside the view rectangle is sent, so don't show past it.
    const targetScale = Math.max(this.width / (2 * hw), this.height / (2 * hh));
    // The view jumped (see World.apply): snap, don't glide over the empty map in between.
    if (world.viewJumps !== this.seenViewJumps) {
      this.seenViewJumps = world.viewJumps;
      this.cameraFresh = true;
    }
    if (this.cameraFresh) {
      c.x = v.x;
      c.y = v.y;
      c.scale = targetScale;
      this.cameraFresh = false;
      return;
    }
    const kPos = 1 - Math.exp(-dt / 60);
    const kZoom = 1 - Math.exp(-dt / 220);
    c.x += (v.x - c.x) * kPos;
    c.y += (v.y - c.y) * kPos;
    c.scale += (targetScale - c.scale) * kZoom;
  }

  /** Snap the camera at the next frame (after a join, not a glide across the map). */
  snapCamera() {
    this.cameraFresh = true;
  }

  draw(world, now, info) {
    this.resize();
    const dt = this.lastNow === null ? 16 : Math.min(now - this.lastNow, 250);
    this.lastNow = now;
    this.updateCamera(world, now, dt);

    const { ctx, camera: cam, width: W, height: H, dpr } = this;
    const s = cam.scale;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = BG_OUTSIDE;
    ctx.fillRect(0, 0, W, H);
    ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * (W / 2 - cam.x * s), dpr * (H / 2 - cam.y * s));

    const vis = {
      left: cam.x - W / 2 / s,
      right: cam.x + W / 2 / s,
      top: cam.y - H / 2 / s,
      bottom: cam.y + H / 2 / s,
    };
    this.drawMap(vis, s);

    let drawn = 0;
    if (world.frames > 0) drawn = this.drawCells(world, now, vis, s, info);
    this.cellsDrawn = drawn;

    if (this.mctx) this.drawMinimap(world, now, info);
    return drawn;
  }

  drawMap(vis, s) {
    const { ctx } = this;
    // The map (or, before a join, an endless grid).
    const ws = this.worldSize;
    const map = ws
      ? { left: -ws.width / 2, right: ws.width / 2, top: -ws.height / 2, bottom: ws.height / 2 }
      : { left: vis.left, right: vis.right, top: vis.top, bottom: vis.bottom };
    const l = Math.max(map.left, vis.left);
    const r = Math.min(map.right, vis.right);
    const t = Math.max(map.top, vis.top);
    const b = Math.min(map.bottom, vis.bottom);
    if (r <= l || b <= t) return;
    ctx.fillStyle = BG_MAP;
    ctx.fillRect(l, t, r - l, b - t);

    let step = 50;
    while (step * s < 12) step *= 4; // never a grey haze of lines when zoomed out
    ctx.beginPath();
    for (let x = Math.ceil(l / step) * step; x <= r; x += step) {
      ctx.moveTo(x, t);
      ctx.lineTo(x, b);
    }
    for (let y = Math.ceil(t / step) * step; y <= b; y += step) {
      ctx.moveTo(l, y);
      ctx.lineTo(r, y);
    }
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1 / s;
    ctx.stroke();

    if (ws) {
      ctx.strokeStyle = BORDER;
      ctx.lineWidth = 4 / s;
      ctx.strokeRect(map.left, map.top, map.right - map.left, map.bottom - map.top);
    }
  }

  drawCells(world, now, vis, s, info) {
    const { ctx, place: p } = this;
    const t = world.alpha(now);
    for (const bucket of this.foodBuckets) bucket.n = 0;
    const items = this.items;
    let n = 0;
    let drawn = 0;

    for (const c of world.cells.values()) {
      World.place(c, t, p);
      const r = p.size;
      if (p.x + r < vis.left || p.x - r > vis.right || p.y + r < vis.top || p.y - r > vis.bottom) {
        continue;
      }
      drawn++;
      if (c.kind === KIND.FOOD) {
        const bucket = this.foodBuckets[paletteIndex(c.key)]; // not c.id: see colors.js
        if (bucket.xyr.length < 3 * (bucket.n + 1)) {
          const bigger = new Float64Array(bucket.xyr.length * 2);
          bigger.set(bucket.xyr);
          bucket.xyr = bigger;
        }
        bucket.xyr[3 * bucket.n] = p.x;
        bucket.xyr[3 * bucket.n + 1] = p.y;
        bucket.xyr[3 * bucket.n + 2] = Math.max(r, 1.5 / s);
        bucket.n++;
      } else {
        let it = items[n];
        if (!it) it = items[n] = { c: null, x: 0, y: 0, r: 0, alpha: 1 };
        it.c = c;
        it.x = p.x;
        it.y = p.y;
        it.r = r;
        it.alpha = 1;
        n++;
      }
    }

    // Food under everything, one fill per colour.
    for (let i = 0; i < PALETTE.length; i++) {
      const bucket = this.foodBuckets[i];
      if (bucket.n === 0) continue;
      ctx.beginPath();
      const a = bucket.xyr;
      for (let k = 0; k < bucket.n; k++) {
        const x = a[3 * k];
        const y = a[3 * k + 1];
        const r = a[3 * k + 2];
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, TAU);
      }
      ctx.fillStyle = PALETTE[i];
      ctx.fill();
    }

    // Eaten cells sliding into their eaters, fading.
    for (const g of world.ghostsAt(now)) {
      let it = items[n];
      if (!it) it = items[n] = { c: null, x: 0, y: 0, r: 0, alpha: 1 };
      it.c = g;
      it.x = g.x;
      it.y = g.y;
      it.r = g.size;
      it.alpha = 0.8;
      n++;
    }

    // Then the rest, smallest first, so a big cell covers what it is about to eat.
    const list = items.slice(0, n).sort((a, b) => a.r - b.r);
    for (const it of list) this.drawCell(it, world, s, info);
    return drawn;
  }

  drawCell(it, world, s, info) {
    const { ctx } = this;
    const { c, x, y, r } = it;
    if (r <= 0) return;
    ctx.globalAlpha = it.alpha;
    if (c.kind === KIND.VIRUS) {
      ctx.beginPath();
      for (let i = 0; i < VIRUS_POINTS.length; i += 2) {
        const px = x + VIRUS_POINTS[i] * r;
        const py = y + VIRUS_POINTS[i + 1] * r;
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      ctx.closePath();
      ctx.fillStyle = VIRUS_FILL;
      ctx.fill();
      ctx.strokeStyle = VIRUS_STROKE;
      ctx.lineWidth = Math.max(2 / s, r * 0.05);
      ctx.lineJoin = 'round';
      ctx.stroke();
      ctx.globalAlpha = 1;
      return;
    }

    let style;
    if (c.kind === KIND.PLAYER) {
      const player = world.players.get(c.owner);
      style = player ? this.styleFor(player.color) : this.styleFor(parseInt(colorForId(c.owner).slice(1), 16));
    } else {
      style = this.styleFor(parseInt(colorForId(c.key).slice(1), 16)); // not c.id: see colors.js
    }
    // A subtle darker rim, drawn inside the circle so the cell is exactly `size` wide.
    const rim = Math.min(Math.max(1.2 / s, r * 0.06), 6 / s, r * 0.3);
    ctx.beginPath();
    ctx.arc(x, y, r, 0, TAU);
    ctx.fillStyle = style.stroke;
    ctx.fill();
    ctx.beginPath();
    ctx.arc(x, y, r - rim, 0, TAU);
    ctx.fillStyle = style.fill;
    ctx.fill();
    ctx.globalAlpha = 1;

    if (c.kind === KIND.PLAYER && it.alpha === 1) this.drawLabel(c, x, y, r, s, world, info);
  }

  /** Names (and your own cells' mass) in screen pixels, on cells big enough to hold them. */
  drawLabel(c, x, y, r, s, world, info) {
    const screenR = r * s;
    if (screenR < 14) return;
    const player = world.players.get(c.owner);
    const name = player ? player.name : '';
    const own = info.playerId !== null && c.owner === info.playerId;
    const showMass = own && screenR >= 28;
    if (!name && !showMass) return;
    const { ctx, dpr, camera: cam, width: W, height: H } = this;
    const sx = (x - cam.x) * s + W / 2;
    const sy = (y - cam.y) * s + H / 2;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    ctx.fillStyle = '#fff';
    ctx.strokeStyle = 'rgba(0,0,0,0.55)';
    if (name) {
      const px = Math.max(10, Math.min(screenR * 0.38, 56));
      ctx.font = `600 ${px.toFixed(1)}px ${FONT}`;
      ctx.lineWidth = Math.max(2, px * 0.14);
      ctx.strokeText(name, sx, sy, screenR * 1.8);
      ctx.fillText(name, sx, sy, screenR * 1.8);
    }
    if (showMass) {
      const px = Math.max(9, Math.min(screenR * 0.22, 30));
      ctx.font = `500 ${px.toFixed(1)}px ${FONT}`;
      ctx.lineWidth = Math.max(2, px * 0.14);
      const label = String(Math.round(massOf(c.size)));
      const dy = name ? Math.max(12, screenR * 0.38) : 0;
      ctx.strokeText(label, sx, sy + dy);
      ctx.fillText(label, sx, sy + dy);
    }
    ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * (W / 2 - cam.x * s), dpr * (H / 2 - cam.y * s));
  }

  /** The whole map small: its sectors, the view rectangle and your cells. */
  drawMinimap(world, now, info) {
    const { mctx: m, minimap } = this;
    const size = minimap.width;
    m.setTransform(1, 0, 0, 1, 0, 0);
    m.clearRect(0, 0, size, size);
    const ws = this.worldSize;
    if (!ws || world.frames === 0) return;
    const k = size / Math.max(ws.width, ws.height);
    const ox = size / 2;
    const oy = size / 2;
    const mw = ws.width * k;
    const mh = ws.height * k;
    m.fillStyle = 'rgba(17,20,27,0.85)';
    m.fillRect(ox - mw / 2, oy - mh / 2, mw, mh);
    m.strokeStyle = 'rgba(255,255,255,0.08)';
    m.lineWidth = 1;
    m.beginPath();
    for (let i = 1; i < 5; i++) {
      m.moveTo(ox - mw / 2 + (mw * i) / 5, oy - mh / 2);
      m.lineTo(ox - mw / 2 + (mw * i) / 5, oy + mh / 2);
      m.moveTo(ox - mw / 2, oy - mh / 2 + (mh * i) / 5);
      m.lineTo(ox + mw / 2, oy - mh / 2 + (mh * i) / 5);
    }
    m.stroke();
    m.strokeStyle = 'rgba(255,95,110,0.6)';
    m.strokeRect(ox - mw / 2 + 0.5, oy - mh / 2 + 0.5, mw - 1, mh - 1);

    const v = world.viewAt(now);
    m.strokeStyle = 'rgba(255,255,255,0.55)';
    m.strokeRect(ox + (v.x - v.half_width) * k, oy + (v.y - v.half_height) * k, 2 * v.half_width * k, 2 * v.half_height * k);

    const player = info.playerId !== null ? world.players.get(info.playerId) : null;
    m.fillStyle = player ? hexFromInt(player.color) : '#fff';
    const t = world.alpha(now);
    const p = this.place;
    for (const c of world.ownCells()) {
      World.place(c, t, p);
      m.beginPath();
      m.arc(ox + p.x * k, oy + p.y * k, Math.max(2.5 * this.dpr, p.size * k), 0, TAU);
      m.fill();
    }
  }
}

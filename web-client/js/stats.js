// The page measures itself: requestAnimationFrame deltas and the time spent drawing, over the
// last few seconds, so the browser tests can check it stays smooth (window.petri.stats()).

const WINDOW = 600; // ~10 s at 60 fps

class Ring {
  constructor(n) {
    this.buf = new Float64Array(n);
    this.n = 0;
    this.i = 0;
  }
  push(v) {
    this.buf[this.i] = v;
    this.i = (this.i + 1) % this.buf.length;
    if (this.n < this.buf.length) this.n++;
  }
  clear() {
    this.n = 0;
    this.i = 0;
  }
  quantile(q) {
    if (this.n === 0) return 0;
    const sorted = Array.from(this.buf.subarray(0, this.n)).sort((a, b) => a - b);
    return sorted[Math.min(this.n - 1, Math.floor(q * this.n))];
  }
}

export class FrameStats {
  constructor() {
    this.deltas = new Ring(WINDOW);
    this.draws = new Ring(WINDOW);
    this.frames = 0;
    this.last = null;
  }
  /** Called once per animation frame with its timestamp and how long drawing took. */
  record(now, drawMs) {
    if (this.last !== null) this.deltas.push(now - this.last);
    this.last = now;
    this.draws.push(drawMs);
    this.frames++;
  }
  reset() {
    this.deltas.clear();
    this.draws.clear();
    this.frames = 0;
    this.last = null;
  }
  summary() {
    const median = this.deltas.quantile(0.5);
    return {
      medianFrameMs: round2(median),
      p99FrameMs: round2(this.deltas.quantile(0.99)),
      drawMedianMs: round2(this.draws.quantile(0.5)),
      drawP99Ms: round2(this.draws.quantile(0.99)),
      fps: median > 0 ? round2(1000 / median) : 0,
      frames: this.frames,
    };
  }
}

const round2 = (v) => Math.round(v * 100) / 100;

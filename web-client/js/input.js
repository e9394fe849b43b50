// Steering and actions. The pointer is kept in screen pixels and converted to map units through
// the camera each time we send, because the camera moves under a still mouse. `input` goes out at
// most every SEND_MS (the server allows 60/s; 25/s matches its tick and keeps traffic small).

const SEND_MS = 40;
const RESEND_MS = 250; // a still pointer is re-sent now and then, in case the server dropped one
const EJECT_MS = 80; // held W: ~12 ejects a second, under the server's action limit

export class Input {
  /**
   * @param {HTMLElement} surface the game canvas
   * @param {object} hooks { active(): bool, toWorld(sx, sy), send(x, y), split(), eject() }
   */
  constructor(surface, hooks) {
    this.surface = surface;
    this.hooks = hooks;
    this.pointer = null; // { x, y } in CSS pixels, null until the pointer moves
    this.pinned = null; // { x, y } in map units, set by tests through window.petri.steer
    this.lastSentAt = -Infinity;
    this.lastSent = null;
    this.lastEjectAt = -Infinity;
    this.sent = 0;

    surface.addEventListener('mousemove', (e) => this.point(e.clientX, e.clientY));
    surface.addEventListener('touchstart', (e) => this.touch(e), { passive: false });
    surface.addEventListener('touchmove', (e) => this.touch(e), { passive: false });
    window.addEventListener('keydown', (e) => this.key(e));
  }

  point(x, y) {
    this.pointer = { x, y };
    this.pinned = null;
  }

  touch(e) {
    if (!this.hooks.active()) return;
    e.preventDefault(); // no scrolling or zooming the page while steering
    const t = e.touches[0];
    if (t) this.point(t.clientX, t.clientY);
  }

  key(e) {
    if (!this.hooks.active()) return;
    const el = e.target;
    if (el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable)) return;
    if (e.code === 'Space') {
      e.preventDefault();
      // Space on a focused HUD button would also click it: splitting must not press "Leave".
      if (el && el.tagName === 'BUTTON') el.blur();
      if (!e.repeat) this.hooks.split();
    } else if (e.code === 'KeyW') {
      const now = performance.now();
      if (now - this.lastEjectAt >= EJECT_MS) {
        this.lastEjectAt = now;
        this.hooks.eject();
      }
    }
  }

  /** Steer toward a map point until the pointer moves again (test hook). */
  pin(x, y) {
    this.pinned = { x, y };
    this.lastSentAt = -Infinity;
  }

  /** Called every animation frame: sends the steering target when it is due. */
  update(now) {
    if (!this.hooks.active()) return;
    if (now - this.lastSentAt < SEND_MS) return;
    let target = this.pinned;
    if (!target) {
      if (!this.pointer) return; // not moved yet: let the cells be
      target = this.hooks.toWorld(this.pointer.x, this.pointer.y);
    }
    const x = Math.round(target.x);
    const y = Math.round(target.y);
    const same = this.lastSent && this.lastSent.x === x && this.lastSent.y === y;
    if (same && now - this.lastSentAt < RESEND_MS) return;
    this.lastSentAt = now;
    this.lastSent = { x, y, at: now };
    this.sent++;
    this.hooks.send(x, y);
  }

  /** Forget the last target: after a (re)join the server knows none. */
  reset() {
    this.lastSent = null;
    this.lastSentAt = -Infinity;
  }
}

// Watching a replay (`#replay/<id>`, docs/REPLAYS.md): the `/replay` socket, the controls bar
// (play/pause, speed, the timeline, whom to follow, the tick) and the home screen's list.
//
// The server sends a viewer the very `frame` and `board` messages a spectator of a live room
// gets, so main.js applies them with the same world, renderer and leaderboard; what is new here
// is only the controls. An answer with `reset` means the viewer moved to another position (a
// seek): the server starts its picture over, so the page clears its world before the next frame
// (the answer arrives before that frame: one ordered socket).

import { NAMESPACES, EVENTS } from './protocol.js';

const ACK_MS = 8000;
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16];

/** The replay id `#replay/<id>` names, or null. */
export function replayFromLocation() {
  const m = /^#\/?replay\/(.+)$/.exec(location.hash);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

/** The replays the server offers (`GET /api/replays`), or [] when it offers none. */
export async function listReplays() {
  try {
    const res = await fetch(new URL('api/replays', location.href), { cache: 'no-store' });
    const list = res.ok ? await res.json() : [];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function duration(r) {
  if (typeof r.seconds !== 'number') return '';
  const s = Math.round(r.seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Fills the home screen's list: a link per replay. */
export function showReplays(ul, list) {
  ul.replaceChildren();
  if (list.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted empty';
    li.textContent = 'No replays yet';
    ul.append(li);
    return;
  }
  for (const r of list) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `#replay/${encodeURIComponent(r.id)}`;
    a.dataset.replay = r.id;
    a.textContent = `${r.kind === 'room' ? 'Room' : 'Match'} ${r.source}`;
    const meta = document.createElement('span');
    meta.className = 'muted';
    meta.textContent = ` ${r.mode} · seed ${r.seed} ${duration(r)}`;
    li.append(a, meta);
    ul.append(li);
  }
}

export class ReplayViewer {
  /**
   * @param {object} el { bar, play, speed, timeline, tick, follow }
   * @param {object} h handlers: frame(data), board(data), reset()
   */
  constructor(el, h) {
    this.el = el;
    this.h = h;
    this.socket = null;
    this.id = null;
    this.aspect = null; // the screen's shape, sent with `watch`
    this.state = null; // the last `replay_state`
    this.seeking = false; // the timeline is held: its value is the viewer's, not the server's
    for (const s of SPEEDS) {
      const o = document.createElement('option');
      o.value = String(s);
      o.textContent = `${s}x`;
      el.speed.append(o);
    }
    el.speed.value = '1';
    el.play.addEventListener('click', () => this.control(this.state && this.state.playing ? 'pause' : 'play'));
    el.speed.addEventListener('change', () => this.control('speed', Number(el.speed.value)));
    el.timeline.addEventListener('input', () => { this.seeking = true; });
    el.timeline.addEventListener('change', () => {
      this.seeking = false;
      this.control('seek', Number(el.timeline.value));
    });
    el.follow.addEventListener('change', () => {
      const v = el.follow.value;
      this.control('follow', v === '' ? null : Number(v));
    });
  }

  get active() {
    return this.id !== null;
  }

  connect() {
    if (this.socket) return this.socket;
    const path = new URL('socket.io/', location.href).pathname;
    this.socket = window.io(NAMESPACES.REPLAY, { path, reconnectionDelay: 500, reconnectionDelayMax: 2000 });
    this.socket.on(EVENTS.FRAME, (data) => { if (this.active) this.h.frame(data); });
    this.socket.on(EVENTS.BOARD, (data) => { if (this.active) this.h.board(data); });
    this.socket.on(EVENTS.REPLAY_STATE, (s) => this.show(s));
    // a new connection has no playback: open the replay again where it was
    this.socket.on('connect', () => {
      if (this.active && this.state) this.watch(this.id, { tick: this.state.tick, aspect: this.aspect });
    });
    return this.socket;
  }

  ask(event, arg) {
    return new Promise((resolve) => {
      this.connect().timeout(ACK_MS).emit(event, arg, (err, answer) => {
        resolve(err ? { ok: false, code: 'timeout', message: 'The server did not answer.' } : answer);
      });
    });
  }

  /** Opens replay `id`; resolves with the server's answer (`ok`, `world`, `state`). */
  async watch(id, { tick = 0, aspect = null } = {}) {
    this.id = id;
    this.aspect = aspect;
    this.el.bar.hidden = false;
    const request = { id, tick };
    if (aspect) request.aspect = aspect;
    const answer = await this.ask(EVENTS.WATCH, request);
    if (!answer || !answer.ok) {
      this.id = null;
      this.el.bar.hidden = true;
      return answer;
    }
    this.h.reset();
    this.show(answer.state);
    return answer;
  }

  /** play | pause | speed | seek | follow, with its value. Resolves with the answer. */
  async control(action, value = null) {
    if (!this.active) return { ok: false, code: 'bad-request', message: 'no replay open' };
    const answer = await this.ask(EVENTS.REPLAY_CONTROL, { action, value });
    if (answer && answer.ok) {
      if (answer.reset) this.h.reset();
      this.show(answer.state);
    }
    return answer;
  }

  follow(player) {
    this.el.follow.value = player === null ? '' : String(player);
    return this.control('follow', player);
  }

  leave() {
    if (!this.active) return;
    this.id = null;
    this.state = null;
    this.el.bar.hidden = true;
    if (this.socket) this.socket.emit(EVENTS.LEAVE);
  }

  /** Shows where the playback is. */
  show(state) {
    if (!state || !this.active) return;
    this.state = state;
    const el = this.el;
    el.play.textContent = state.playing ? 'Pause' : 'Play';
    el.timeline.max = String(state.total_ticks);
    if (!this.seeking) el.timeline.value = String(state.tick);
    el.tick.textContent = `${state.tick} / ${state.total_ticks}`;
    if (document.activeElement !== el.speed) el.speed.value = String(state.speed);
  }

  /** The follow list from the leaderboard: the leader, then each player on it. */
  players(board) {
    if (!this.active || !board || document.activeElement === this.el.follow) return;
    const sel = this.el.follow;
    const keep = sel.value;
    sel.replaceChildren(new Option('Follow the leader', ''));
    for (const e of board.entries || []) sel.append(new Option(e.name || `#${e.id}`, String(e.id)));
    sel.value = [...sel.options].some((o) => o.value === keep) ? keep : '';
  }
}

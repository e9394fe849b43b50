// The one owner of a play session: the join request, the room we are in (its `Joined`, code and
// reconnect token, kept in sessionStorage so a reload can resume), and the gate that decides which
// frames belong to it. net.js only carries messages; main.js only shows what this decides.
//
// States (`session.state`):
//   idle       no room. `join` -> joining.
//   joining    a `join` is out, its answer not in. Frames are dropped: the server answers a join
//              before any frame of the new session, and stops the old session's frames when we
//              leave, so a frame before the answer is the old room's. Answer ok -> in-room,
//              refused -> idle.
//   in-room    frames pass. The connection drops (or a frame does not fit: `resync`) -> lost;
//              `leave`, `room-closed` -> idle.
//   lost       in a room, no connection. The socket connects again -> rejoining.
//   rejoining  the same `join` again with the token, frames dropped. Ok -> in-room (the same
//              cells within the server's reconnect window); no answer while the connection is
//              down again -> lost (the next connect retries); refused -> idle.
// A join's answer is applied even if `leave` came in between (the server has seated us, so the
// page follows), as the client always did. A rejoin's answer is ignored once it is not the
// current one (left, joined elsewhere, or a newer rejoin after another reconnect).

import { EVENTS, PROTOCOL_VERSION } from './protocol.js';

const SESSION_KEY = 'petri.session';

export const STATES = Object.freeze({
  IDLE: 'idle',
  JOINING: 'joining',
  IN_ROOM: 'in-room',
  LOST: 'lost',
  REJOINING: 'rejoining',
});

export class Session {
  /**
   * @param {object} net the transport (net.js): `join(req)` resolving with the answer,
   *   `action(event)`, `connected`, `reconnect()`
   * @param {object} h callbacks: frame(data) for frames of this session only, rejoining(),
   *   rejoined(joined), rejoinRefused(refusal), closed(reason) (`room-closed`)
   * @param {Storage|null} storage where the token survives a reload (sessionStorage)
   */
  constructor(net, h, storage = defaultStorage()) {
    this.net = net;
    this.h = h;
    this.store = new TokenStore(storage);
    this.state = STATES.IDLE;
    this.current = null; // { request, token, joined } once a join was answered ok
    this.rejoinAttempt = 0;
  }

  /** The last `Joined` of the room we are in, or null. */
  get joined() {
    return this.current ? this.current.joined : null;
  }

  /** The RoomSummary of the room we are in, or null. */
  get room() {
    return this.current ? this.current.joined.room : null;
  }

  /** The private room's code we joined with, or null. */
  get code() {
    return this.current ? (this.current.request.code ?? null) : null;
  }

  get playerId() {
    return this.current ? (this.current.joined.player ?? null) : null;
  }

  /** Seated in a room (in-room, lost or rejoining). */
  get inRoom() {
    return this.current !== null;
  }

  /** A join or rejoin is out: frames are dropped and input waits. */
  get pending() {
    return this.state === STATES.JOINING || this.state === STATES.REJOINING;
  }

  /**
   * Leaves the room we are in (if any) and joins another. `request` is a JoinRequest; a saved
   * token for that room is added. Resolves with the server's answer (Joined or Refusal).
   */
  async join(request) {
    // Only when seated: leaving forgets the saved token, which a reload's first join needs.
    if (this.current) this.leave();
    this.state = STATES.JOINING;
    const req = { ...request };
    const answer = await this.joinWithSavedToken(req);
    if (answer && answer.ok) {
      if (answer.protocol !== PROTOCOL_VERSION) {
        console.info(`server speaks protocol ${answer.protocol}, this page ${PROTOCOL_VERSION}`);
      }
      this.current = { request: req, token: answer.token ?? null, joined: answer };
      this.state = STATES.IN_ROOM;
      this.store.save(req, answer.token);
    } else if (this.state === STATES.JOINING) {
      // (A join started earlier may have been answered meanwhile: then we are in its room.)
      this.state = this.current ? STATES.IN_ROOM : STATES.IDLE;
    }
    return answer;
  }

  /** Sends `req` (a copy that is ours to change), first with the saved token if it fits. */
  async joinWithSavedToken(req) {
    const saved = this.store.load();
    if (!req.token && saved && saved.room === req.room && saved.token && !req.spectate) {
      req.token = saved.token; // a page reload within the reconnect window keeps the cells
    }
    const answer = await this.net.join(req);
    const usedToken = !!req.token;
    delete req.token; // the request we keep carries no token: `current.token` is the live one
    if (!(answer && answer.ok) && usedToken && answer && answer.code !== 'timeout') {
      // The saved token is stale (say, another tab took the player): try once without it.
      this.store.clear();
      return this.joinWithSavedToken(req);
    }
    return answer;
  }

  /** Joins the same room again with the token: after the connection came back. */
  async rejoin() {
    const s = this.current;
    if (!s) return;
    const attempt = ++this.rejoinAttempt;
    const req = { ...s.request };
    if (s.token) req.token = s.token;
    this.state = STATES.REJOINING;
    this.h.rejoining();
    const answer = await this.net.join(req);
    if (this.current !== s || this.rejoinAttempt !== attempt) return; // superseded meanwhile
    if (answer && answer.ok) {
      s.token = answer.token ?? s.token;
      s.joined = answer;
      this.state = STATES.IN_ROOM;
      this.store.save(s.request, s.token);
      this.h.rejoined(answer);
    } else if (answer && answer.code === 'timeout' && !this.net.connected) {
      this.state = STATES.LOST; // dropped again: the next connect retries
    } else {
      this.forget();
      this.h.rejoinRefused(answer || { ok: false, code: 'internal', message: 'no answer' });
    }
  }

  /** Starts over with the same session: after a frame that does not fit our picture. */
  resync() {
    if (!this.net.connected || !this.current) return;
    this.state = STATES.LOST;
    this.net.reconnect();
  }

  /** Tells the server (when we are seated and connected) and forgets the session. */
  leave() {
    if (this.current) this.net.action(EVENTS.LEAVE);
    this.forget();
  }

  forget() {
    this.current = null;
    this.state = STATES.IDLE;
    this.store.clear();
  }

  // ---- fed by the transport ------------------------------------------------------------------

  connected() {
    if (this.state === STATES.LOST) this.rejoin();
  }

  disconnected() {
    if (this.current) this.state = STATES.LOST;
  }

  /** A `frame` attachment: passed on only when it belongs to the session we are in. */
  frame(data) {
    if (this.current && !this.pending) this.h.frame(data);
  }

  /** `room-closed`: the room is gone, and the session with it. */
  closed(reason) {
    this.forget();
    this.h.closed(reason);
  }
}

/** The reconnect token of this tab's session, in sessionStorage (absent in private mode). */
class TokenStore {
  constructor(storage) {
    this.storage = storage;
  }

  save(req, token) {
    try {
      this.storage.setItem(
        SESSION_KEY,
        JSON.stringify({ room: req.room, code: req.code ?? null, token: token ?? null }),
      );
    } catch {
      // storage may be disabled (private mode): reconnecting within the page still works
    }
  }

  load() {
    try {
      return JSON.parse(this.storage.getItem(SESSION_KEY) || 'null');
    } catch {
      return null;
    }
  }

  clear() {
    try {
      this.storage.removeItem(SESSION_KEY);
    } catch {
      // see save
    }
  }
}

function defaultStorage() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // some browsers throw on access when storage is disabled
  }
}

// The two Socket.IO namespaces (one WebSocket underneath: the official client multiplexes
// namespaces of the same origin) and the join session. If the connection drops, Socket.IO
// reconnects by itself; we then `join` the same room again with the saved token, which gives the
// same player and cells back within the server's reconnect window (`resumed: true`).

import { NAMESPACES, EVENTS, PROTOCOL_VERSION } from './protocol.js';

const ACK_MS = 8000;
const SESSION_KEY = 'petri.session';

export class Net {
  /**
   * @param {object} h handlers: status(s), frame(data), board(data), died(d), roomClosed(r),
   *   shutdown(r), rejected(r), rejoining(), rejoined(joined), rejoinRefused(refusal)
   */
  constructor(h) {
    this.h = h;
    this.status = 'connecting';
    this.session = null; // { request, token, joined, lost }
    this.reconnects = 0;
    this.play = null;
    this.lobby = null;
  }

  start() {
    if (typeof window.io !== 'function') {
      this.setStatus('offline');
      throw new Error('the Socket.IO client (vendor/socket.io.min.js) did not load');
    }
    // Retry fast: the server keeps a dropped player's cells only for a few seconds.
    const opts = { transports: ['websocket'], reconnectionDelay: 500, reconnectionDelayMax: 2000 };
    this.play = window.io(NAMESPACES.PLAY, opts);
    this.lobby = window.io(NAMESPACES.LOBBY, opts);
    const play = this.play;

    play.on('connect', () => {
      this.setStatus('connected');
      if (this.session && this.session.lost) this.rejoin();
    });
    play.on('disconnect', (reason) => {
      if (this.session) this.session.lost = true;
      if (reason === 'io client disconnect') {
        this.setStatus('offline');
        return;
      }
      this.setStatus('reconnecting');
      // A disconnect decided by the server is not retried by Socket.IO itself.
      if (reason === 'io server disconnect') setTimeout(() => play.connect(), 1000);
    });
    play.on('connect_error', () => {
      this.setStatus(this.status === 'connected' ? 'reconnecting' : 'offline');
    });

    play.on(EVENTS.FRAME, (data) => this.h.frame(data));
    play.on(EVENTS.BOARD, (data) => this.h.board(data));
    play.on(EVENTS.DIED, (d) => this.h.died(d || {}));
    play.on(EVENTS.ROOM_CLOSED, (r) => {
      this.forget();
      this.h.roomClosed(r || {});
    });
    play.on(EVENTS.SERVER_SHUTDOWN, (r) => this.h.shutdown(r || {}));
    play.on(EVENTS.REJECTED, (r) => this.h.rejected(r || {}));
  }

  setStatus(s) {
    if (s === this.status) return;
    if (s === 'connected' && this.status === 'reconnecting') this.reconnects++;
    this.status = s;
    this.h.status(s);
  }

  get connected() {
    return !!(this.play && this.play.connected);
  }

  /** Emits with an ack; resolves with the answer, or a Refusal-shaped object on timeout. */
  ask(socket, event, ...args) {
    return new Promise((resolve) => {
      socket.timeout(ACK_MS).emit(event, ...args, (err, ...answer) => {
        if (err) {
          resolve({ ok: false, code: 'timeout', message: 'The server did not answer. Is it running?' });
        } else {
          resolve(answer.length === 1 ? answer[0] : answer);
        }
      });
    });
  }

  // ---- lobby -------------------------------------------------------------------------------

  async rooms() {
    const list = await this.ask(this.lobby, EVENTS.ROOMS);
    return Array.isArray(list) ? list : [];
  }

  create(settings) {
    return this.ask(this.lobby, EVENTS.CREATE, settings);
  }

  quickplay() {
    return this.ask(this.lobby, EVENTS.QUICKPLAY);
  }

  // ---- play --------------------------------------------------------------------------------

  /** Joins a room. `request` is a JoinRequest; a saved token for that room is added. */
  async join(request) {
    const req = { ...request };
    const saved = loadSession();
    if (!req.token && saved && saved.room === req.room && saved.token && !req.spectate) {
      req.token = saved.token; // a page reload within the reconnect window keeps the cells
    }
    const answer = await this.ask(this.play, EVENTS.JOIN, req);
    if (answer && answer.ok) {
      if (answer.protocol !== PROTOCOL_VERSION) {
        console.info(`server speaks protocol ${answer.protocol}, this page ${PROTOCOL_VERSION}`);
      }
      delete req.token;
      this.session = { request: req, token: answer.token ?? null, joined: answer, lost: false };
      saveSession(req, answer.token);
    } else if (req.token && answer && answer.code !== 'timeout') {
      // The saved token is stale (say, another tab took the player): try once without it.
      clearSession();
      delete req.token;
      return this.join(req);
    }
    return answer;
  }

  async rejoin() {
    const s = this.session;
    const req = { ...s.request };
    if (s.token) req.token = s.token;
    s.lost = false;
    this.h.rejoining();
    const answer = await this.ask(this.play, EVENTS.JOIN, req);
    if (this.session !== s) return; // left meanwhile
    if (answer && answer.ok) {
      s.token = answer.token ?? s.token;
      s.joined = answer;
      saveSession(s.request, s.token);
      this.h.rejoined(answer);
    } else if (answer && answer.code === 'timeout' && !this.connected) {
      s.lost = true; // dropped again: the next connect retries
    } else {
      this.forget();
      this.h.rejoinRefused(answer || { ok: false, code: 'internal', message: 'no answer' });
    }
  }

  /** Starts over with the same session: after a frame that does not fit our picture. */
  resync() {
    if (!this.connected || !this.session) return;
    this.session.lost = true;
    this.play.disconnect();
    this.play.connect();
  }

  leave() {
    if (this.session && this.connected) this.play.emit(EVENTS.LEAVE);
    this.forget();
  }

  forget() {
    this.session = null;
    clearSession();
  }

  input(x, y) {
    // Volatile: a steering point that could not be sent is stale anyway.
    if (this.connected) this.play.volatile.emit(EVENTS.INPUT, x, y);
  }

  action(event, arg) {
    if (!this.connected) return;
    if (arg === undefined) this.play.emit(event);
    else this.play.emit(event, arg);
  }

  /** Test hook: cut the transport as a network failure would; Socket.IO then reconnects. */
  drop() {
    if (this.play && this.play.io.engine) this.play.io.engine.close();
  }
}

function saveSession(req, token) {
  try {
    sessionStorage.setItem(
      SESSION_KEY,
      JSON.stringify({ room: req.room, code: req.code ?? null, token: token ?? null }),
    );
  } catch {
    // storage may be disabled (private mode): reconnecting within the page still works
  }
}

function loadSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
  } catch {
    return null;
  }
}

function clearSession() {
  try {
    sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // see saveSession
  }
}

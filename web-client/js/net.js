// The transport only: the two Socket.IO namespaces (one WebSocket underneath: the official client
// multiplexes namespaces of the same origin), acks with a timeout, and the input/action senders.
// If the connection drops, Socket.IO reconnects by itself; what to do then (join the same room
// again with the token) is session.js's business, told through `connected`/`disconnected`.

import { NAMESPACES, EVENTS } from './protocol.js';

const ACK_MS = 8000;

export class Net {
  /**
   * @param {object} h handlers: status(s), connected(), disconnected(), frame(data),
   *   board(data), died(d), roomClosed(r), shutdown(r), roomsChanged(notice), chat(line)
   */
  constructor(h) {
    this.h = h;
    this.status = 'connecting';
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
    // The Socket.IO endpoint beside the page, so a node served under a path prefix by a proxy
    // (`https://play.example.com/eu1/`) is reached there too; at the root it is `/socket.io/`.
    const path = new URL('socket.io/', location.href).pathname;
    // No `transports`: Socket.IO's default, long-polling first, then the upgrade to WebSocket, so
    // a network (or proxy) that blocks WebSocket still plays, over polling.
    const opts = { path, reconnectionDelay: 500, reconnectionDelayMax: 2000 };
    this.play = window.io(NAMESPACES.PLAY, opts);
    this.lobby = window.io(NAMESPACES.LOBBY, opts);
    const play = this.play;

    play.on('connect', () => {
      this.setStatus('connected');
      this.h.connected();
    });
    play.on('disconnect', (reason) => {
      this.h.disconnected();
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
    play.on(EVENTS.CHAT, (line) => this.h.chat(line || {}));
    play.on(EVENTS.ROOM_CLOSED, (r) => this.h.roomClosed(r || {}));
    play.on(EVENTS.SERVER_SHUTDOWN, (r) => this.h.shutdown(r || {}));
    this.lobby.on(EVENTS.ROOMS_CHANGED, (n) => this.h.roomsChanged(n || {}));
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

  /** Sends a JoinRequest as it is; resolves with Joined or a Refusal. session.js decides what. */
  join(request) {
    return this.ask(this.play, EVENTS.JOIN, request);
  }

  /** Drops and reopens /play on purpose (a resync): `disconnected`, then `connected` follow. */
  reconnect() {
    this.play.disconnect();
    this.play.connect();
  }

  input(x, y) {
    // Volatile: a steering point that could not be sent is stale anyway.
    if (this.connected) this.play.volatile.emit(EVENTS.INPUT, x, y);
  }

  /** One line for the room's chat (reliable: a line is not stale the way a steering point is). */
  chat(text) {
    if (this.connected) this.play.emit(EVENTS.CHAT, String(text));
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

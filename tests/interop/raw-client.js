// A minimal raw Engine.IO v4 / Socket.IO v5 client over the `ws` package, for checks the
// official client hides: the exact open packet, heartbeat behaviour of a client that never
// answers pings, and the wire form of a few packets.
'use strict';

const WebSocket = require('ws');
const { DEFAULT_TIMEOUT_MS } = require('./harness');

class RawClient {
  constructor(httpUrl, query = 'EIO=4&transport=websocket') {
    this.url = httpUrl.replace(/^http/, 'ws') + '/socket.io/?' + query;
    this.frames = []; // { text: string } or { binary: Buffer }, in arrival order
    this.waiters = [];
    this.closed = null; // { code, reason } once closed
    this.autoPong = true; // answer "2" (ping) with "3" (pong), like a real client
    this.pings = 0;
  }

  open() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('raw ws: no open')), DEFAULT_TIMEOUT_MS);
      this.ws = new WebSocket(this.url);
      this.ws.on('open', () => { clearTimeout(timer); resolve(); });
      this.ws.on('error', (e) => { clearTimeout(timer); reject(e); });
      this.ws.on('message', (data, isBinary) => {
        if (!isBinary && data.toString() === '2') {
          this.pings++;
          if (this.autoPong) this.ws.send('3');
        }
        this.frames.push(isBinary ? { binary: Buffer.from(data) } : { text: data.toString() });
        this._wake();
      });
      this.ws.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        this._wake();
      });
    });
  }

  _wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Wait (bounded) until predicate() is true; re-checked on every frame or close. */
  until(predicate, what, ms = DEFAULT_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`raw ws: timed out after ${ms} ms waiting for ${what}; frames: ${JSON.stringify(this.frames.slice(-5))}`));
      }, ms);
      const check = () => {
        let ok;
        try { ok = predicate(); } catch (e) { clearTimeout(timer); reject(e); return; }
        if (ok) { clearTimeout(timer); resolve(ok); } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Next frame that is not a ping, removed from the queue. */
  async nextFrame(what = 'a frame') {
    const idx = () => this.frames.findIndex((f) => f.text !== '2');
    await this.until(() => idx() >= 0 || this.closed, what);
    const i = idx();
    if (i < 0) throw new Error(`raw ws: closed (${JSON.stringify(this.closed)}) while waiting for ${what}`);
    const [f] = this.frames.splice(i, 1);
    this.frames.splice(0, i); // drop the pings before it
    return f;
  }

  async nextText(what) {
    const f = await this.nextFrame(what);
    if (f.text === undefined) throw new Error(`raw ws: expected text for ${what}, got ${f.binary.length} binary bytes`);
    return f.text;
  }

  send(data) { this.ws.send(data); }

  close() {
    if (this.ws && this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }
}

module.exports = { RawClient };

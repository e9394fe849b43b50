// HTTP long-polling and the upgrade to WebSocket, with the official socket.io-client 4.x:
// default options (start on polling, upgrade), `transports: ["polling"]` (polling the whole
// time), and the upgrade racing with events in flight both ways: every event arrives exactly
// once, in order, whichever transport carried it.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { io } = require('socket.io-client');
const h = require('./harness');

// Default options but for reconnection (a server-side close must stay observable) and a fresh
// Manager: no `transports`, so the client starts on polling and upgrades.
const DEFAULTS = { reconnection: false, forceNew: true, timeout: h.DEFAULT_TIMEOUT_MS };

/** Connects with `opts` and waits for `connect` and the contract's `welcome`. */
async function connect(url, opts) {
  const socket = io(url, { ...DEFAULTS, autoConnect: false, ...opts });
  const welcome = h.once(socket, 'welcome');
  const connected = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  socket.connect();
  await connected;
  await welcome;
  return socket;
}

/** Resolves once the socket's Engine.IO connection runs on WebSocket (bounded). */
async function upgraded(socket) {
  const engine = socket.io.engine;
  if (engine.transport.name !== 'websocket') {
    await h.waitFor(() => engine.transport.name === 'websocket', 'the upgrade to websocket');
  }
}

describe('long-polling and the upgrade', () => {
  let server;
  before(async () => { server = await h.startServer(); });
  after(async () => { await server.stop(); });

  it('default options: opens on polling, upgrades to websocket, joins a room, gets room messages', async () => {
    const a = await connect(server.url, {});
    const b = await connect(server.url, { transports: ['websocket'] });
    try {
      await upgraded(a);
      assert.deepEqual(await h.emitAck(a, 'join', 'lobby'), [true]);
      const got = h.collect(a, 'room-msg');
      b.emit('to-room', 'lobby', { n: 1 });
      b.emit('to-room', 'lobby', Buffer.from([1, 2, 3]));
      await h.waitFor(() => got.length === 2, 'two room messages');
      assert.deepEqual(got[0], { n: 1 });
      assert.deepEqual([...got[1]], [1, 2, 3]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('transports: ["polling"]: text, binary, acks and rooms, on polling the whole time', async () => {
    const a = await connect(server.url, { transports: ['polling'] });
    const b = await connect(server.url, { transports: ['polling'] });
    let upgrades = 0;
    a.io.engine.on('upgrade', () => { upgrades += 1; });
    try {
      assert.equal(a.io.engine.transport.name, 'polling');
      assert.deepEqual(await h.emitAck(a, 'echo-ack', 'hi', 42, { x: [true] }), ['hi', 42, { x: [true] }]);
      const [bin] = await h.emitAck(a, 'make-binary', 1000);
      assert.equal(bin.length, 1000);
      assert.equal(bin[999], 999 % 256);
      const [back] = await h.emitAck(a, 'echo-ack', Buffer.alloc(70000, 7));
      assert.equal(back.length, 70000, 'a binary bigger than the poll buffer comes back whole');
      assert.deepEqual(await h.emitAck(a, 'join', 'r'), [true]);
      const got = h.collect(a, 'room-msg');
      for (let i = 0; i < 50; i++) b.emit('to-room', 'r', i);
      await h.waitFor(() => got.length === 50, '50 room messages over polling');
      assert.deepEqual(got, [...Array(50).keys()]);
      assert.equal(upgrades, 0);
      assert.equal(a.io.engine.transport.name, 'polling');
    } finally {
      a.close();
      b.close();
    }
  });

  it('the upgrade racing with events in flight: each arrives once, in order', async () => {
    // Three bursts of events, each both ways (an `echo` comes back as a server emit, an
    // `echo-ack` is answered): at `connect`, at the engine's `upgrading` (the probe
    // succeeded, polling pauses, `5` not sent yet) and at `upgrade`. Every one must arrive
    // exactly once and in order, whichever transport carried it.
    const BURST = 100;
    const a = io(server.url, { ...DEFAULTS, autoConnect: false });
    const echoes = h.collect(a, 'echo');
    const acks = [];
    let sent = 0;
    const burst = () => {
      for (let i = 0; i < BURST; i++, sent++) {
        a.emit('echo', sent);
        acks.push(h.emitAck(a, 'echo-ack', sent));
      }
    };
    const phases = [];
    a.on('connect', () => { phases.push('connect'); burst(); });
    a.io.on('open', () => {
      a.io.engine.on('upgrading', () => { phases.push('upgrading'); burst(); });
      a.io.engine.on('upgrade', () => { phases.push('upgrade'); burst(); });
    });
    try {
      a.connect();
      await h.waitFor(() => phases.includes('upgrade') && sent === 3 * BURST, 'the upgrade and three bursts');
      // `connect` may come before, during or after the upgrade (the CONNECT answer rides on
      // whichever transport is current); `upgrading` always precedes `upgrade`
      assert.deepEqual(phases.filter((p) => p !== 'connect'), ['upgrading', 'upgrade'], JSON.stringify(phases));
      const replies = await Promise.all(acks);
      assert.deepEqual(replies.map(([v]) => v), [...Array(sent).keys()]);
      await h.waitFor(() => echoes.length >= sent, `${sent} echoes`);
      assert.deepEqual(echoes, [...Array(sent).keys()], 'no loss, no duplicate, no reordering');
      assert.equal(a.io.engine.transport.name, 'websocket');
    } finally {
      a.close();
    }
  });

  it('a server-side disconnect reaches a polling client', async () => {
    const a = await connect(server.url, { transports: ['polling'] });
    const reason = h.once(a, 'disconnect');
    a.emit('disconnect-me');
    assert.equal((await reason)[0], 'io server disconnect');
  });
});

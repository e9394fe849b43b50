// Server-initiated disconnects as the official client reports them, client-initiated
// disconnects, and reconnection after a transport close.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

describe('disconnect', () => {
  let server;
  before(async () => { server = await h.startServer(); });
  after(async () => { await server.stop(); });

  it('disconnect-me: client sees "io server disconnect"', async () => {
    const { socket } = await h.connect(server.url);
    try {
      const gone = h.once(socket, 'disconnect');
      socket.emit('disconnect-me');
      const [reason] = await gone;
      assert.equal(reason, 'io server disconnect');
      assert.equal(socket.connected, false);
    } finally {
      socket.close();
    }
  });

  it('close-me: client sees "transport close"', async () => {
    const { socket } = await h.connect(server.url);
    try {
      const gone = h.once(socket, 'disconnect');
      socket.emit('close-me');
      const [reason] = await gone;
      assert.equal(reason, 'transport close');
    } finally {
      socket.close();
    }
  });

  it('close-me with reconnection on: the client reconnects and is welcomed again', async () => {
    const { socket, welcome } = await h.connect(server.url, '/', {
      reconnection: true, reconnectionAttempts: 5, reconnectionDelay: 50, reconnectionDelayMax: 200,
    });
    try {
      const firstId = welcome.id;
      const again = h.once(socket, 'welcome');
      const gone = h.once(socket, 'disconnect');
      socket.emit('close-me');
      assert.equal((await gone)[0], 'transport close');
      const [w2] = await again;
      assert.equal(socket.connected, true);
      assert.notEqual(w2.id, firstId, 'a new session gets a new socket id');
      assert.equal(w2.id, socket.id);
      assert.deepEqual(await h.emitAck(socket, 'echo-ack', 'back'), ['back']);
    } finally {
      socket.close();
    }
  });

  it('disconnect-me with reconnection on: the client does NOT reconnect (server meant it)', async () => {
    const { socket } = await h.connect(server.url, '/', {
      reconnection: true, reconnectionAttempts: 5, reconnectionDelay: 50, reconnectionDelayMax: 200,
    });
    try {
      let attempts = 0;
      socket.io.on('reconnect_attempt', () => { attempts++; });
      const gone = h.once(socket, 'disconnect');
      socket.emit('disconnect-me');
      assert.equal((await gone)[0], 'io server disconnect');
      // The official client decides this synchronously on the DISCONNECT packet: no timer armed.
      assert.equal(socket.active, false);
      assert.equal(attempts, 0);
    } finally {
      socket.close();
    }
  });

  it('a client that disconnects itself does not disturb the others', async () => {
    const one = await h.connect(server.url);
    const two = await h.connect(server.url);
    try {
      const twoBroadcasts = h.collect(two.socket, 'broadcast-msg');
      one.socket.disconnect();
      const three = await h.connect(server.url);
      three.socket.emit('broadcast', 'still alive');
      await h.waitFor(() => twoBroadcasts.includes('still alive'), 'broadcast to survive');
      assert.deepEqual(await h.emitAck(two.socket, 'echo-ack', 2), [2]);
      three.socket.close();
    } finally {
      one.socket.close();
      two.socket.close();
    }
  });
});

// Namespaces, multiplexing over one Engine.IO connection, welcome payloads, auth, middleware
// refusal and unknown namespaces.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

describe('namespaces', () => {
  let server;
  before(async () => { server = await h.startServer(); });
  after(async () => { await server.stop(); });

  it('connects to "/" and gets welcome with its socket id and auth', async () => {
    const { socket, welcome } = await h.connect(server.url, '/', { auth: { user: 'ana', n: 7, nested: { ok: true } } });
    try {
      assert.equal(typeof socket.id, 'string');
      assert.ok(socket.id.length > 0);
      assert.deepEqual(welcome, { id: socket.id, auth: { user: 'ana', n: 7, nested: { ok: true } } });
    } finally {
      socket.close();
    }
  });

  it('reports auth as {} when the client sent none (official handshake.auth default)', async () => {
    const { socket, welcome } = await h.connect(server.url, '/');
    try {
      assert.deepEqual(welcome, { id: socket.id, auth: {} });
    } finally {
      socket.close();
    }
  });

  it('multiplexes "/" and "/custom" over one Manager (one connection)', async () => {
    const m = h.manager(server.url);
    try {
      const root = await h.connect(m, '/');
      const custom = await h.connect(m, '/custom');
      assert.equal(root.socket.io, custom.socket.io, 'same Manager');
      assert.deepEqual(custom.welcome, { nsp: '/custom' });
      assert.deepEqual(root.welcome.id, root.socket.id);
      // Socket ids are per namespace, even on one connection.
      assert.notEqual(root.socket.id, custom.socket.id);
      // Both namespaces answer on the shared connection, each with its own handlers.
      assert.deepEqual(await h.emitAck(root.socket, 'echo-ack', 'from-root'), ['from-root']);
      assert.deepEqual(await h.emitAck(custom.socket, 'echo-ack', 'from-custom', 2), ['from-custom', 2]);
      const [echoed] = await Promise.all([h.once(custom.socket, 'echo'), custom.socket.emit('echo', { x: 1 })]);
      assert.deepEqual(echoed, [{ x: 1 }]);
      // Only the root namespace implements "make-binary": on /custom it must not be answered.
      // (checked via ordering: the echo-ack sent after it comes back, the make-binary ack never does)
      let answered = false;
      custom.socket.emit('make-binary', 4, () => { answered = true; });
      assert.deepEqual(await h.emitAck(custom.socket, 'echo-ack', 'after'), ['after']);
      assert.equal(answered, false);
    } finally {
      h.closeManager(m);
    }
  });

  it('"disconnect-me" on "/" leaves "/custom" on the same connection working', async () => {
    const m = h.manager(server.url);
    try {
      const root = await h.connect(m, '/');
      const custom = await h.connect(m, '/custom');
      const customDisconnects = h.collect(custom.socket, 'disconnect');
      const gone = h.once(root.socket, 'disconnect');
      root.socket.emit('disconnect-me');
      const [reason] = await gone;
      assert.equal(reason, 'io server disconnect');
      assert.deepEqual(await h.emitAck(custom.socket, 'echo-ack', 'still here'), ['still here']);
      assert.equal(custom.socket.connected, true);
      assert.deepEqual(customDisconnects, []);
    } finally {
      h.closeManager(m);
    }
  });

  it('"close-me" on "/" closes the shared connection: both namespaces see "transport close"', async () => {
    const m = h.manager(server.url);
    try {
      const root = await h.connect(m, '/');
      const custom = await h.connect(m, '/custom');
      const rootGone = h.once(root.socket, 'disconnect');
      const customGone = h.once(custom.socket, 'disconnect');
      root.socket.emit('close-me');
      assert.equal((await rootGone)[0], 'transport close');
      assert.equal((await customGone)[0], 'transport close');
    } finally {
      h.closeManager(m);
    }
  });

  it('"/secure" refuses a wrong token with connect_error "invalid token"', async () => {
    const err = await h.connectError(server.url, '/secure', { auth: { token: 'nope' } });
    assert.equal(err.message, 'invalid token');
  });

  it('"/secure" refuses a missing token with connect_error "invalid token"', async () => {
    const err = await h.connectError(server.url, '/secure');
    assert.equal(err.message, 'invalid token');
  });

  it('"/secure" accepts the right token', async () => {
    const { socket, welcome } = await h.connect(server.url, '/secure', { auth: { token: 'let-me-in' } });
    try {
      assert.deepEqual(welcome, { nsp: '/secure' });
      assert.deepEqual(await h.emitAck(socket, 'echo-ack', 'secret', [1, 2]), ['secret', [1, 2]]);
    } finally {
      socket.close();
    }
  });

  it('a refused namespace does not break the others on the same connection', async () => {
    const m = h.manager(server.url);
    try {
      const root = await h.connect(m, '/');
      const err = await h.connectError(m, '/secure', { auth: { token: 'wrong' } });
      assert.equal(err.message, 'invalid token');
      const err2 = await h.connectError(m, '/does-not-exist');
      assert.equal(err2.message, 'Invalid namespace');
      assert.deepEqual(await h.emitAck(root.socket, 'echo-ack', 'ok'), ['ok']);
      // (the Manager caches the refused /secure socket with its auth, so prove a later
      // namespace connect on the same connection still works with /custom)
      const custom = await h.connect(m, '/custom');
      assert.deepEqual(custom.welcome, { nsp: '/custom' });
    } finally {
      h.closeManager(m);
    }
  });

  it('an unknown namespace gets connect_error "Invalid namespace"', async () => {
    const err = await h.connectError(server.url, '/does-not-exist');
    assert.equal(err.message, 'Invalid namespace');
  });
});

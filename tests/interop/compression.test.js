// permessage-deflate with the official socket.io-client on node (its `ws` transport offers the
// extension whenever `perMessageDeflate` is set, which is engine.io-client's default, with a
// 1024-byte threshold for what it compresses itself): the extension is negotiated, directly
// and after an upgrade from polling; messages under and over both sides' thresholds, text and
// binary, arrive intact both ways; with `perMessageDeflate: false` nothing is negotiated and
// the session works the same.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

/** The extensions the server accepted on this socket's WebSocket ('' if none). */
function extensions(socket) {
  const transport = socket.io.engine.transport;
  assert.equal(transport.name, 'websocket');
  return transport.ws.extensions;
}

describe('permessage-deflate', () => {
  let server;
  before(async () => {
    server = await h.startServer();
  });
  after(async () => {
    await server.stop();
  });

  it('is negotiated with a small server window', async () => {
    const { socket } = await h.connect(server.url, '/', { perMessageDeflate: { threshold: 0 } });
    try {
      assert.match(extensions(socket), /^permessage-deflate/);
    } finally {
      socket.close();
    }
  });

  it('small and large messages, compressed by the client or not, round-trip both ways', async () => {
    // threshold 0: the client compresses everything it sends, even "40"
    for (const threshold of [0, 1024]) {
      const { socket } = await h.connect(server.url, '/', { perMessageDeflate: { threshold } });
      try {
        for (const size of [1, 15, 16, 200, 1023, 1024, 5000, 200000]) {
          const text = 'petri '.repeat(Math.ceil(size / 6)).slice(0, size);
          assert.deepEqual(await h.emitAck(socket, 'echo-ack', text), [text], `size ${size}`);
          const got = h.once(socket, 'echo');
          socket.emit('echo', { text, n: size });
          assert.deepEqual(await got, [{ text, n: size }]);
        }
        const bin = Buffer.alloc(3000, 7);
        const [back] = await h.emitAck(socket, 'echo-ack', bin);
        assert.ok(Buffer.from(back).equals(bin), 'binary attachment');
      } finally {
        socket.close();
      }
    }
  });

  it('is negotiated on the WebSocket a polling session upgrades to', async () => {
    const { socket } = await h.connect(server.url, '/', { transports: ['polling', 'websocket'] });
    try {
      await h.waitFor(() => socket.io.engine.transport.name === 'websocket', 'the upgrade');
      assert.match(extensions(socket), /^permessage-deflate/);
      const text = 'after the upgrade '.repeat(100);
      assert.deepEqual(await h.emitAck(socket, 'echo-ack', text), [text]);
    } finally {
      socket.close();
    }
  });

  it('a client that does not offer it plays uncompressed', async () => {
    const { socket } = await h.connect(server.url, '/', { perMessageDeflate: false });
    try {
      assert.equal(extensions(socket), '');
      const text = 'plain '.repeat(500);
      assert.deepEqual(await h.emitAck(socket, 'echo-ack', text), [text]);
    } finally {
      socket.close();
    }
  });
});

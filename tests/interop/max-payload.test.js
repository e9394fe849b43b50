// maxPayload: a WebSocket message larger than MAX_PAYLOAD closes that client's connection,
// and only that one.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const { RawClient } = require('./raw-client');

const MAX_PAYLOAD = 10000;

describe('maxPayload', () => {
  let server;
  before(async () => { server = await h.startServer({ MAX_PAYLOAD: String(MAX_PAYLOAD) }); });
  after(async () => { await server.stop(); });

  it('the open packet advertises MAX_PAYLOAD', async () => {
    const raw = new RawClient(server.url);
    try {
      await raw.open();
      const open = JSON.parse((await raw.nextText('open packet')).slice(1));
      assert.equal(open.maxPayload, MAX_PAYLOAD);
    } finally {
      raw.close();
    }
  });

  it('a message under the limit is fine', async () => {
    const { socket } = await h.connect(server.url);
    try {
      const s = 'a'.repeat(MAX_PAYLOAD - 1000);
      assert.deepEqual(await h.emitAck(socket, 'echo-ack', s), [s]);
    } finally {
      socket.close();
    }
  });

  for (const [kind, payload] of [
    ['text', () => 'x'.repeat(MAX_PAYLOAD * 2)],
    ['binary attachment', () => Buffer.alloc(MAX_PAYLOAD * 2, 7)],
  ]) {
    it(`an oversized ${kind} message closes that connection; another client keeps working`, async () => {
      const big = await h.connect(server.url);
      const other = await h.connect(server.url);
      try {
        const echoes = h.collect(big.socket, 'echo');
        const otherDisconnects = h.collect(other.socket, 'disconnect');
        const gone = h.once(big.socket, 'disconnect');
        big.socket.emit('echo', payload());
        const [reason] = await gone;
        assert.equal(reason, 'transport close');
        assert.deepEqual(echoes, [], 'the oversized message must not be processed');
        // The other client is unaffected and still served.
        assert.deepEqual(await h.emitAck(other.socket, 'echo-ack', 'fine'), ['fine']);
        assert.deepEqual(otherDisconnects, []);
        // And the server still accepts new connections.
        const fresh = await h.connect(server.url);
        assert.deepEqual(await h.emitAck(fresh.socket, 'echo-ack', 1), [1]);
        fresh.socket.close();
      } finally {
        big.socket.close();
        other.socket.close();
      }
    });
  }
});

// Binary payloads both ways: attachments at the top level, nested in objects/arrays, several
// attachments per packet, in acks, and the server-made `make-binary` buffers.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

function pattern(n, seed = 0) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

// What the node client hands us for a binary attachment: a Buffer (nodebuffer binaryType).
// Anything else (e.g. a JSON {type:'Buffer',data:[...]} or a base64 string) means the server
// did not send it back as a binary attachment.
function assertBinaryEqual(actual, expected, what = 'binary') {
  assert.ok(Buffer.isBuffer(actual) || actual instanceof ArrayBuffer || ArrayBuffer.isView(actual),
    `${what} is not binary: ${JSON.stringify(actual)?.slice(0, 80)}`);
  const got = Buffer.from(actual.buffer ? Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength) : actual);
  assert.equal(got.length, expected.length, `${what} length`);
  assert.ok(got.equals(Buffer.from(expected)), `${what} content differs`);
}

describe('binary', () => {
  let server;
  let client;
  before(async () => {
    server = await h.startServer();
    client = (await h.connect(server.url)).socket;
  });
  after(async () => {
    client?.close();
    await server.stop();
  });

  it('echo: a Buffer comes back byte-identical and still binary', async () => {
    const buf = pattern(1000, 7);
    const got = h.once(client, 'echo');
    client.emit('echo', buf);
    const [back] = await got;
    assertBinaryEqual(back, buf);
  });

  it('echo-ack: a Uint8Array comes back byte-identical', async () => {
    const u8 = new Uint8Array([0, 1, 2, 127, 128, 254, 255]);
    const [back] = await h.emitAck(client, 'echo-ack', u8);
    assertBinaryEqual(back, u8);
  });

  it('echo-ack: a zero-length buffer stays a zero-length buffer', async () => {
    const [back] = await h.emitAck(client, 'echo-ack', Buffer.alloc(0));
    assertBinaryEqual(back, Buffer.alloc(0));
  });

  it('echo-ack: binary nested inside objects and arrays, mixed with JSON', async () => {
    const a = pattern(16, 1);
    const b = pattern(300, 2);
    const payload = { name: 'blob', meta: { size: 16, tags: ['x', 'y'] }, data: a, list: [1, { inner: b }, 'z'] };
    const [back, tail] = await h.emitAck(client, 'echo-ack', payload, 'tail');
    assert.equal(tail, 'tail');
    assert.equal(back.name, 'blob');
    assert.deepEqual(back.meta, { size: 16, tags: ['x', 'y'] });
    assertBinaryEqual(back.data, a, 'data');
    assert.equal(back.list.length, 3);
    assert.equal(back.list[0], 1);
    assert.equal(back.list[2], 'z');
    assertBinaryEqual(back.list[1].inner, b, 'list[1].inner');
  });

  it('echo: two attachments in one event keep their order and content', async () => {
    const a = pattern(10, 3);
    const b = pattern(20, 4);
    const got = h.once(client, 'echo');
    client.emit('echo', a, 'between', b);
    const [x, mid, y] = await got;
    assertBinaryEqual(x, a, 'first');
    assert.equal(mid, 'between');
    assertBinaryEqual(y, b, 'second');
  });

  it('echo-ack: a large buffer (256 KiB, under the default maxPayload) round-trips', async () => {
    const big = pattern(256 * 1024, 9);
    const [back] = await h.emitAck(client, 'echo-ack', big);
    assertBinaryEqual(back, big);
  });

  it('binary and text packets interleaved stay in order', async () => {
    const seen = h.collect(client, 'echo');
    for (let i = 0; i < 10; i++) client.emit('echo', i % 2 ? pattern(5, i) : `text-${i}`);
    await h.waitFor(() => seen.length === 10, '10 echoes');
    client.off('echo');
    for (let i = 0; i < 10; i++) {
      if (i % 2) assertBinaryEqual(seen[i], pattern(5, i), `echo ${i}`);
      else assert.equal(seen[i], `text-${i}`);
    }
  });

  it('ask with binary both ways: binary question payload, binary answer in the client ack', async () => {
    // Exercises the server parsing a BINARY_ACK from the client (the answer) and sending a
    // BINARY_EVENT with an ack id (the question).
    const q = pattern(64, 5);
    const a = pattern(33, 6);
    const onQuestion = (payload, answer) => {
      assertBinaryEqual(payload.q, q, 'question payload');
      answer(a);
    };
    client.on('question', onQuestion);
    try {
      const [reply] = await h.emitAck(client, 'ask', { q });
      assertBinaryEqual(reply.answer, a, 'answer');
    } finally {
      client.off('question', onQuestion);
    }
  });

  for (const [n, expectedLen] of [[0, 0], [1, 1], [300, 300], [65536, 65536], [100000, 65536], [-5, 0]]) {
    it(`make-binary(${n}) acks ${expectedLen} bytes with byte i = i % 256`, async () => {
      const [back] = await h.emitAck(client, 'make-binary', n);
      const expected = Buffer.alloc(expectedLen);
      for (let i = 0; i < expectedLen; i++) expected[i] = i % 256;
      assertBinaryEqual(back, expected);
    });
  }
});

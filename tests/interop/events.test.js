// Events and acknowledgements in both directions, with JSON payloads of every type.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

// Several args of different JSON types. The NUL, astral-plane and RTL characters catch UTF-8 /
// UTF-16 and escaping mistakes; the numbers catch float formatting and integer range mistakes.
const MIXED_ARGS = [
  { nested: { deep: { deeper: [1, { k: 'v' }, [[]]] } }, empty: {}, list: [] },
  'unicode: héllo wörld — 中文 — 😀🚀 — مرحبا — "quotes" \\ backslash \n newline \t tab \u0000 nul',
  0,
  -17,
  3.141592653589793,
  1e300,
  -2.5e-8,
  Number.MAX_SAFE_INTEGER,
  null,
  true,
  false,
  '',
  [1, 'two', [3, [4, null]], { five: 5 }],
];

describe('events and acks', () => {
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

  it('echo-ack: the ack carries the same single arg', async () => {
    assert.deepEqual(await h.emitAck(client, 'echo-ack', 'hello'), ['hello']);
  });

  it('echo-ack: several args of different JSON types come back identical', async () => {
    assert.deepEqual(await h.emitAck(client, 'echo-ack', ...MIXED_ARGS), MIXED_ARGS);
  });

  it('echo-ack with no args: ack is called with no args', async () => {
    assert.deepEqual(await h.emitAck(client, 'echo-ack'), []);
  });

  it('echo (no ack): the server emits the same args back', async () => {
    const got = h.once(client, 'echo');
    client.emit('echo', ...MIXED_ARGS);
    assert.deepEqual(await got, MIXED_ARGS);
  });

  it('a large text message (600 KB, under the default maxPayload) round-trips', async () => {
    const big = 'é'.repeat(150000) + 'x'.repeat(300000); // multi-byte chars: bytes != chars
    const [back] = await h.emitAck(client, 'echo-ack', { big });
    assert.equal(back.big.length, big.length);
    assert.ok(back.big === big, 'content differs');
  });

  it('many acks in flight are matched to the right callbacks', async () => {
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => h.emitAck(client, 'echo-ack', i, `s${i}`)),
    );
    replies.forEach((r, i) => assert.deepEqual(r, [i, `s${i}`]));
  });

  it('ask: server->client emit with ack, the answer comes back in the original ack', async () => {
    const questions = [];
    const onQuestion = (payload, answer) => {
      questions.push(payload);
      assert.equal(typeof answer, 'function', 'server must request an ack');
      answer({ reply: `re: ${payload.q}`, list: [1, 2] });
    };
    client.on('question', onQuestion);
    try {
      const reply = await h.emitAck(client, 'ask', { q: 'life?', n: 42 });
      assert.deepEqual(questions, [{ q: 'life?', n: 42 }]);
      assert.deepEqual(reply, [{ answer: { reply: 're: life?', list: [1, 2] } }]);
    } finally {
      client.off('question', onQuestion);
    }
  });

  it('ask: several concurrent questions keep their own ack ids', async () => {
    const onQuestion = (payload, answer) => answer(payload * 10);
    client.on('question', onQuestion);
    try {
      const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => h.emitAck(client, 'ask', n)));
      assert.deepEqual(replies, [1, 2, 3, 4, 5].map((n) => [{ answer: n * 10 }]));
    } finally {
      client.off('question', onQuestion);
    }
  });

  it('ask: a client that never answers gets {error:"timeout"} (server ack timeout 5000 ms)', async () => {
    const onQuestion = () => {}; // deliberately never call the ack
    client.on('question', onQuestion);
    try {
      // The server waits 5 s; give it generous slack as a guard, not as an assertion.
      const reply = await new Promise((resolve, reject) => {
        client.timeout(15000).emit('ask', 'silence', (err, ...args) => (err ? reject(err) : resolve(args)));
      });
      assert.deepEqual(reply, [{ error: 'timeout' }]);
    } finally {
      client.off('question', onQuestion);
    }
  });

  it('volatile: a volatile emit reaches a connected, idle client', async () => {
    // Volatile packets may legitimately be dropped when the transport is busy, so retry a
    // bounded number of times and only require that one arrives intact.
    const seen = h.collect(client, 'volatile-msg');
    for (let i = 0; i < 20 && seen.length === 0; i++) {
      client.emit('volatile', { v: i, s: 'vol' });
      await h.emitAck(client, 'echo-ack'); // a round trip: the volatile-msg (if sent) came before
    }
    client.off('volatile-msg');
    assert.ok(seen.length >= 1, 'no volatile-msg arrived in 20 tries');
    assert.equal(seen[0].s, 'vol');
  });
});

// The testbed contract's process lifecycle, which the harness relies on: one `listening on`
// line on stdout, PORT=0 picks a free port, exit when stdin closes or on SIGTERM/SIGINT.
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

const EXIT_GUARD_MS = 5000;

function exitWithin(server, ms) {
  let timer;
  return Promise.race([
    server.exited,
    new Promise((resolve) => { timer = setTimeout(() => resolve(null), ms); }),
  ]).finally(() => clearTimeout(timer));
}

describe('lifecycle', () => {
  it('prints exactly one stdout line, even after serving a client', async () => {
    const server = await h.startServer();
    try {
      const { socket } = await h.connect(server.url);
      assert.deepEqual(await h.emitAck(socket, 'echo-ack', 1), [1]);
      socket.close();
      assert.equal(server.stdout(), `listening on 127.0.0.1:${server.port}\n`);
    } finally {
      await server.stop();
    }
  });

  it('two servers with PORT=0 get different ports', async () => {
    const a = await h.startServer();
    const b = await h.startServer();
    try {
      assert.notEqual(a.port, b.port);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('exits when stdin closes, even with a client connected', async () => {
    const server = await h.startServer();
    const { socket } = await h.connect(server.url);
    try {
      const gone = h.once(socket, 'disconnect', EXIT_GUARD_MS);
      server.child.stdin.end();
      const exit = await exitWithin(server, EXIT_GUARD_MS);
      assert.ok(exit, `no exit within ${EXIT_GUARD_MS} ms of stdin closing\n${server.output()}`);
      await gone; // the client notices
    } finally {
      socket.close();
      await server.stop({ allowExited: true });
    }
  });

  for (const sig of ['SIGTERM', 'SIGINT']) {
    it(`exits on ${sig}`, async () => {
      const server = await h.startServer();
      try {
        server.child.kill(sig);
        const exit = await exitWithin(server, EXIT_GUARD_MS);
        assert.ok(exit, `no exit within ${EXIT_GUARD_MS} ms of ${sig}`);
      } finally {
        await server.stop({ allowExited: true });
      }
    });
  }
});

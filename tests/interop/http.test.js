// Plain HTTP requests to the Engine.IO endpoint: a long-polling handshake opens a session,
// unknown transports and sids get Engine.IO's JSON errors, other protocol revisions than EIO=4
// are refused.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const h = require('./harness');

async function get(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(h.DEFAULT_TIMEOUT_MS) });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

// Send a WebSocket upgrade request over a plain TCP socket and collect every byte the server
// sends until it closes (bounded). A raw socket because the official server's reply to a bad
// EIO version is not a clean HTTP response (see README.md). `enough` (a RegExp) ends the wait
// early once the bytes so far match it.
function rawUpgrade(port, query, enough = null) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(
        `GET /socket.io/?${query} HTTP/1.1\r\n` +
        'Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`server did not close the connection for ?${query}; got: ${Buffer.concat(chunks).toString('latin1')}`));
    }, h.DEFAULT_TIMEOUT_MS);
    sock.on('data', (d) => {
      chunks.push(d);
      if (enough && enough.test(Buffer.concat(chunks).toString('latin1'))) sock.destroy();
    });
    sock.on('error', () => {}); // a reset still ends in 'close'
    sock.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('latin1')); });
  });
}

describe('http', () => {
  let server;
  before(async () => { server = await h.startServer(); });
  after(async () => { await server.stop(); });

  it('a long-polling handshake gets 200 and the open packet, offering the upgrade to websocket', async () => {
    const res = await get(`${server.url}/socket.io/?EIO=4&transport=polling&t=PxYz123`);
    assert.equal(res.status, 200);
    assert.match(res.type ?? '', /^text\/plain/);
    assert.equal(res.body[0], '0');
    const open = JSON.parse(res.body.slice(1));
    assert.deepEqual(open.upgrades, ['websocket']);
    assert.equal(typeof open.sid, 'string');
  });

  it('a poll or POST naming an unknown sid gets 400 {"code":1,"message":"Session ID unknown"}', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&sid=nope`, {
        method, body: method === 'POST' ? '40' : undefined, signal: AbortSignal.timeout(h.DEFAULT_TIMEOUT_MS),
      });
      assert.equal(res.status, 400, method);
      assert.deepEqual(await res.json(), { code: 1, message: 'Session ID unknown' }, method);
    }
  });

  it('an unknown transport name and a missing transport get "Transport unknown"', async () => {
    for (const q of ['EIO=4&transport=carrier-pigeon', 'EIO=4']) {
      const res = await get(`${server.url}/socket.io/?${q}`);
      assert.equal(res.status, 400, q);
      assert.deepEqual(JSON.parse(res.body), { code: 0, message: 'Transport unknown' }, q);
    }
  });

  it('an EIO=3 polling handshake gets "Unsupported protocol version"', async () => {
    const res = await get(`${server.url}/socket.io/?EIO=3&transport=polling`);
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), { code: 5, message: 'Unsupported protocol version' });
  });

  it('transport=websocket without an Upgrade gets 400 {"code":3,"message":"Bad request"}', async () => {
    const res = await get(`${server.url}/socket.io/?EIO=4&transport=websocket`);
    assert.equal(res.status, 400);
    assert.match(res.type ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(res.body), { code: 3, message: 'Bad request' });
  });

  for (const q of ['EIO=3&transport=websocket', 'EIO=5&transport=websocket', 'transport=websocket']) {
    it(`WebSocket upgrade with ?${q}: "Unsupported protocol version", no Engine.IO session`, async () => {
      // Stop reading once the error text is there: a clean HTTP 400 may keep the connection open.
      const reply = await rawUpgrade(server.port, q, /Unsupported protocol version/);
      assert.match(reply, /Unsupported protocol version/);
      assert.doesNotMatch(reply, /"sid"/, 'no open packet may be sent');
    });
  }

  it('a good WebSocket upgrade over the same raw path gets 101 and the open packet', async () => {
    // Sanity check of rawUpgrade itself, so the negative tests above cannot pass vacuously.
    const reply = await rawUpgrade(server.port, 'EIO=4&transport=websocket', /"sid"/);
    assert.match(reply, /^HTTP\/1\.1 101 /);
    assert.match(reply, /"sid"/);
  });
});

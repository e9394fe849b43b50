// Engine.IO level: the open packet, heartbeat (pings answered or not) and the wire form of a
// few Socket.IO packets, with a raw WebSocket client. Fast heartbeat settings make the ping
// behaviour observable within a second or two.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const { RawClient } = require('./raw-client');

const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;

// Parse "<type><optional /nsp,><optional ack id><json>" (text Socket.IO packet inside an
// Engine.IO message packet, the leading "4" already stripped by the caller).
function parseSio(text) {
  const m = /^(\d)(?:(\d+)-)?(\/[^,]*,)?(\d+)?(.*)$/s.exec(text);
  assert.ok(m, `not a Socket.IO packet: ${text}`);
  return {
    type: Number(m[1]),
    attachments: m[2] === undefined ? undefined : Number(m[2]),
    nsp: m[3] ? m[3].slice(0, -1) : '/',
    id: m[4] === undefined ? undefined : Number(m[4]),
    data: m[5] === '' ? undefined : JSON.parse(m[5]),
  };
}

async function nextMessage(raw, what) {
  const text = await raw.nextText(what);
  assert.equal(text[0], '4', `expected an Engine.IO message packet for ${what}, got ${text}`);
  return parseSio(text.slice(1));
}

describe('engine.io: open packet, heartbeat, wire format', () => {
  let server;
  const raws = [];
  const rawClient = (q) => { const r = new RawClient(server.url, q); raws.push(r); return r; };

  before(async () => {
    server = await h.startServer({ PING_INTERVAL: String(PING_INTERVAL), PING_TIMEOUT: String(PING_TIMEOUT) });
  });
  after(async () => {
    for (const r of raws) r.close();
    await server.stop();
  });

  it('open packet: sid, upgrades [], pingInterval, pingTimeout, maxPayload from env', async () => {
    const raw = rawClient();
    await raw.open();
    const text = await raw.nextText('open packet');
    assert.equal(text[0], '0', `first frame must be the open packet, got ${text}`);
    const open = JSON.parse(text.slice(1));
    assert.equal(typeof open.sid, 'string');
    assert.ok(open.sid.length > 0);
    assert.deepEqual(
      { ...open, sid: '<sid>' },
      { sid: '<sid>', upgrades: [], pingInterval: PING_INTERVAL, pingTimeout: PING_TIMEOUT, maxPayload: 1000000 },
    );
    raw.close();
  });

  it('every session gets a distinct sid', async () => {
    const sids = new Set();
    for (let i = 0; i < 5; i++) {
      const raw = rawClient();
      await raw.open();
      sids.add(JSON.parse((await raw.nextText('open')).slice(1)).sid);
      raw.close();
    }
    assert.equal(sids.size, 5);
  });

  it('official client: stays connected across several ping periods', async () => {
    const { socket } = await h.connect(server.url);
    try {
      const disconnects = h.collect(socket, 'disconnect');
      let pings = 0;
      socket.io.engine.on('ping', () => { pings++; });
      // 5 pings = 5 full ping periods; the guard is generous and only catches a hang.
      await h.waitFor(() => pings >= 5 || disconnects.length > 0, '5 pings', 20 * PING_INTERVAL + 5000);
      assert.deepEqual(disconnects, []);
      assert.equal(socket.connected, true);
      assert.deepEqual(await h.emitAck(socket, 'echo-ack', 'alive'), ['alive']);
    } finally {
      socket.close();
    }
  });

  it('raw client answering pings stays open; once it stops answering, the server closes it', async () => {
    const raw = rawClient();
    await raw.open();
    await raw.nextText('open packet');
    raw.send('40'); // also join "/" so a Socket.IO session exists, like a real client
    await nextMessage(raw, 'CONNECT reply');
    // Phase 1: answer 3 pings; still open afterwards.
    await raw.until(() => raw.pings >= 3 || raw.closed, '3 pings', 20 * PING_INTERVAL + 5000);
    assert.equal(raw.closed, null, 'closed although pings were answered');
    // Phase 2: go silent; the server must give up (after pingInterval + pingTimeout).
    raw.autoPong = false;
    const pingsBefore = raw.pings;
    await raw.until(() => raw.closed, 'server to close the silent client', 20 * (PING_INTERVAL + PING_TIMEOUT) + 5000);
    assert.ok(raw.pings > pingsBefore, 'the server should have sent a ping that went unanswered');
  });

  it('raw client that never answers a ping is closed by the server', async () => {
    const raw = rawClient();
    raw.autoPong = false;
    await raw.open();
    await raw.nextText('open packet');
    await raw.until(() => raw.closed, 'server to close the silent client', 20 * (PING_INTERVAL + PING_TIMEOUT) + 5000);
    assert.ok(raw.pings >= 1, 'a ping must have been sent before the close');
  });

  it('wire: CONNECT to "/" and "/custom", welcome events, unknown namespace error', async () => {
    const raw = rawClient();
    await raw.open();
    await raw.nextText('open packet');

    raw.send('40');
    const conn = await nextMessage(raw, 'CONNECT reply for /');
    assert.equal(conn.type, 0);
    assert.equal(conn.nsp, '/');
    assert.equal(typeof conn.data?.sid, 'string');
    const welcome = await nextMessage(raw, 'welcome on /');
    assert.deepEqual(welcome, { type: 2, attachments: undefined, nsp: '/', id: undefined, data: ['welcome', { id: conn.data.sid, auth: {} }] });

    raw.send('40/custom,');
    const conn2 = await nextMessage(raw, 'CONNECT reply for /custom');
    assert.equal(conn2.type, 0);
    assert.equal(conn2.nsp, '/custom');
    assert.equal(typeof conn2.data?.sid, 'string');
    const welcome2 = await nextMessage(raw, 'welcome on /custom');
    assert.deepEqual(welcome2.data, ['welcome', { nsp: '/custom' }]);
    assert.equal(welcome2.nsp, '/custom');

    raw.send('40/nope,');
    const err = await nextMessage(raw, 'CONNECT_ERROR for /nope');
    assert.deepEqual(err, { type: 4, attachments: undefined, nsp: '/nope', id: undefined, data: { message: 'Invalid namespace' } });

    raw.send('40/secure,{"token":"bad"}');
    const err2 = await nextMessage(raw, 'CONNECT_ERROR for /secure');
    assert.deepEqual(err2, { type: 4, attachments: undefined, nsp: '/secure', id: undefined, data: { message: 'invalid token' } });
    raw.close();
  });

  it('wire: CONNECT with auth, EVENT with ack id, BINARY_EVENT with an attachment', async () => {
    const raw = rawClient();
    await raw.open();
    await raw.nextText('open packet');
    raw.send('40{"k":"v"}');
    const conn = await nextMessage(raw, 'CONNECT reply');
    const welcome = await nextMessage(raw, 'welcome');
    assert.deepEqual(welcome.data, ['welcome', { id: conn.data.sid, auth: { k: 'v' } }]);

    raw.send('4213["echo-ack","x",{"y":[1,2]}]');
    const ack = await nextMessage(raw, 'ACK 13');
    assert.deepEqual(ack, { type: 3, attachments: undefined, nsp: '/', id: 13, data: ['x', { y: [1, 2] }] });

    raw.send('4214["echo-ack"]');
    const empty = await nextMessage(raw, 'ACK 14');
    assert.deepEqual(empty, { type: 3, attachments: undefined, nsp: '/', id: 14, data: [] });

    // A BINARY_EVENT: header text frame announcing 1 attachment, then the binary frame.
    raw.send('451-7["echo-ack",{"_placeholder":true,"num":0}]');
    raw.send(Buffer.from([9, 8, 7]));
    const back = await nextMessage(raw, 'BINARY_ACK header');
    assert.equal(back.type, 6, 'binary ack (type 6)');
    assert.equal(back.attachments, 1);
    assert.equal(back.id, 7);
    assert.deepEqual(back.data, [{ _placeholder: true, num: 0 }]);
    const bin = await raw.nextFrame('attachment');
    assert.ok(bin.binary, 'attachment must be a binary frame');
    assert.deepEqual([...bin.binary], [9, 8, 7]);
    raw.close();
  });
});

// Rooms: join/leave, to-room (exact membership), to-rooms (once per socket), broadcast (all
// but the sender).
//
// Asserting that a socket did NOT get a message needs no sleeping: the server handles one
// socket's packets in order and delivers to each client in order, so after
//   A: to-room ...   then   A: broadcast <barrier>
// every other client has received any room-msg meant for it before the barrier's broadcast-msg,
// and A itself has received its room-msg before the ack of its own later echo-ack.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

describe('rooms', () => {
  let server;
  const c = {}; // name -> { socket, roomMsgs, broadcasts }
  const names = ['a', 'b', 'c', 'd'];
  let barrierN = 0;

  before(async () => {
    server = await h.startServer();
    for (const n of names) {
      const { socket } = await h.connect(server.url);
      c[n] = { socket, roomMsgs: h.collect(socket, 'room-msg'), broadcasts: h.collect(socket, 'broadcast-msg') };
    }
    // a: r1   b: r1 + r2   c: r2   d: no room
    assert.deepEqual(await h.emitAck(c.a.socket, 'join', 'r1'), [true]);
    assert.deepEqual(await h.emitAck(c.b.socket, 'join', 'r1'), [true]);
    assert.deepEqual(await h.emitAck(c.b.socket, 'join', 'r2'), [true]);
    assert.deepEqual(await h.emitAck(c.c.socket, 'join', 'r2'), [true]);
  });
  after(async () => {
    for (const n of names) c[n]?.socket.close();
    await server.stop();
  });

  // After `sender`'s previous emits, make sure every client has seen everything sent to it.
  async function settle(sender) {
    const tag = `barrier-${++barrierN}`;
    c[sender].socket.emit('broadcast', tag);
    await h.emitAck(c[sender].socket, 'echo-ack');
    await Promise.all(names.filter((n) => n !== sender).map((n) =>
      h.waitFor(() => c[n].broadcasts.includes(tag), `${n} to get ${tag}`)));
  }

  // Take (and clear) what each client got in room-msg.
  function drainRoomMsgs() {
    const out = {};
    for (const n of names) out[n] = c[n].roomMsgs.splice(0);
    return out;
  }

  it('to-room reaches exactly the members, sender included when a member', async () => {
    c.a.socket.emit('to-room', 'r1', { m: 1 });
    await settle('a');
    assert.deepEqual(drainRoomMsgs(), { a: [{ m: 1 }], b: [{ m: 1 }], c: [], d: [] });
  });

  it('to-room from a non-member reaches the members but not the sender', async () => {
    c.d.socket.emit('to-room', 'r2', 'from-d');
    await settle('d');
    assert.deepEqual(drainRoomMsgs(), { a: [], b: ['from-d'], c: ['from-d'], d: [] });
  });

  it('to-room to an empty room reaches nobody', async () => {
    c.a.socket.emit('to-room', 'nobody-here', 'x');
    await settle('a');
    assert.deepEqual(drainRoomMsgs(), { a: [], b: [], c: [], d: [] });
  });

  it('to-rooms delivers once to a socket that is in several of the rooms', async () => {
    c.a.socket.emit('to-rooms', ['r1', 'r2'], { m: 'both' });
    await settle('a');
    assert.deepEqual(drainRoomMsgs(), { a: [{ m: 'both' }], b: [{ m: 'both' }], c: [{ m: 'both' }], d: [] });
  });

  it('to-rooms with a single room behaves like to-room', async () => {
    c.c.socket.emit('to-rooms', ['r2'], 'only-r2');
    await settle('c');
    assert.deepEqual(drainRoomMsgs(), { a: [], b: ['only-r2'], c: ['only-r2'], d: [] });
  });

  it('broadcast reaches every other socket but not the sender', async () => {
    for (const n of names) c[n].broadcasts.splice(0);
    c.b.socket.emit('broadcast', { hi: 'all' });
    await settle('b');
    for (const n of names) {
      const got = c[n].broadcasts.filter((x) => typeof x === 'object');
      assert.deepEqual(got, n === 'b' ? [] : [{ hi: 'all' }], `broadcasts seen by ${n}`);
    }
  });

  it('binary data in a room message arrives intact', async () => {
    const buf = Buffer.from([1, 2, 3, 250, 251]);
    c.a.socket.emit('to-room', 'r1', { bin: buf });
    await settle('a');
    const got = drainRoomMsgs();
    assert.equal(got.c.length + got.d.length, 0);
    for (const n of ['a', 'b']) {
      assert.equal(got[n].length, 1);
      assert.ok(Buffer.from(got[n][0].bin).equals(buf), `${n} binary content`);
    }
  });

  it('leave removes the socket from the room (and only from that room)', async () => {
    assert.deepEqual(await h.emitAck(c.b.socket, 'leave', 'r1'), [true]);
    c.a.socket.emit('to-room', 'r1', 'after-leave');
    c.a.socket.emit('to-room', 'r2', 'r2-still');
    await settle('a');
    assert.deepEqual(drainRoomMsgs(), { a: ['after-leave'], b: ['r2-still'], c: ['r2-still'], d: [] });
  });

  it('30 clients connecting at once all get distinct ids and one broadcast each', async () => {
    const many = await Promise.all(Array.from({ length: 30 }, () => h.connect(server.url)));
    try {
      const ids = new Set(many.map((m) => m.welcome.id));
      assert.equal(ids.size, 30);
      const got = many.map((m) => h.collect(m.socket, 'broadcast-msg'));
      c.d.socket.emit('broadcast', 'to-the-crowd');
      await h.waitFor(() => got.every((g) => g.length >= 1), 'all 30 to get the broadcast');
      await settle('d'); // anything extra would have arrived by now
      for (const g of got) assert.deepEqual(g.filter((x) => x === 'to-the-crowd'), ['to-the-crowd']);
    } finally {
      for (const m of many) m.socket.close();
    }
  });

  it('a disconnected member is no longer in its rooms', async () => {
    const { socket: e } = await h.connect(server.url);
    const eMsgs = h.collect(e, 'room-msg');
    assert.deepEqual(await h.emitAck(e, 'join', 'r1'), [true]);
    const gone = h.once(e, 'disconnect');
    e.emit('disconnect-me');
    await gone;
    c.a.socket.emit('to-room', 'r1', 'after-e-left');
    await settle('a');
    assert.deepEqual(drainRoomMsgs(), { a: ['after-e-left'], b: [], c: [], d: [] });
    assert.deepEqual(eMsgs, []);
    e.close();
  });
});

// The play session's state machine (web-client/js/session.js) against a fake transport: which
// frames pass, what a join/rejoin answer does, and what the saved token becomes. The browser
// suite (tests/browser/) drives the same code against a real server.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Session, STATES } from '../../web-client/js/session.js';
import { EVENTS } from '../../web-client/js/protocol.js';

const ROOM = { id: 'r1', private: true };
const joined = (extra = {}) => ({ ok: true, protocol: 1, player: 7, token: 'tok', resumed: false, room: ROOM, ...extra });
const refused = (code) => ({ ok: false, code, message: `refused: ${code}` });

/** A transport whose `join` answers are released by the test, one request at a time. */
function fakeNet() {
  const net = {
    connected: true,
    sent: [], // join requests, in order
    actions: [],
    reconnects: 0,
    waiting: [],
    join(req) {
      net.sent.push({ ...req });
      return new Promise((resolve) => net.waiting.push(resolve));
    },
    /** Answers the oldest join still out. */
    answer(a) {
      assert.ok(net.waiting.length > 0, 'a join is out');
      net.waiting.shift()(a);
      return new Promise((r) => setImmediate(r)); // let the session's continuation run
    },
    action(event) {
      if (net.connected) net.actions.push(event);
    },
    reconnect() {
      net.reconnects++;
    },
  };
  return net;
}

function memoryStorage() {
  const m = new Map();
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => m.set(k, String(v)),
    removeItem: (k) => m.delete(k),
    saved: () => JSON.parse(m.get('petri.session') ?? 'null'),
  };
}

function setup() {
  const net = fakeNet();
  const storage = memoryStorage();
  const log = [];
  const session = new Session(
    net,
    {
      frame: (d) => log.push(['frame', d]),
      rejoining: () => log.push(['rejoining']),
      rejoined: (j) => log.push(['rejoined', j.resumed]),
      rejoinRefused: (r) => log.push(['rejoinRefused', r.code]),
      closed: (r) => log.push(['closed', r.reason]),
    },
    storage,
  );
  const frames = () => log.filter((e) => e[0] === 'frame').map((e) => e[1]);
  return { net, storage, log, session, frames };
}

async function seated(t, extra) {
  const p = t.session.join({ room: 'r1', name: 'a', code: 'c0de' });
  await t.net.answer(joined(extra));
  await p;
}

test('a join: frames dropped until the answer, then passed; room, code, token kept', async () => {
  const t = setup();
  assert.equal(t.session.state, STATES.IDLE);
  t.session.frame('before');
  const p = t.session.join({ room: 'r1', name: 'a', code: 'c0de' });
  assert.equal(t.session.state, STATES.JOINING);
  assert.equal(t.session.pending, true);
  t.session.frame('old room');
  await t.net.answer(joined());
  assert.equal((await p).ok, true);
  assert.equal(t.session.state, STATES.IN_ROOM);
  t.session.frame('new room');
  assert.deepEqual(t.frames(), ['new room']);
  assert.equal(t.session.room, ROOM);
  assert.equal(t.session.code, 'c0de');
  assert.equal(t.session.playerId, 7);
  assert.deepEqual(t.storage.saved(), { room: 'r1', code: 'c0de', token: 'tok' });
});

test('a refused join goes back to idle and keeps no session', async () => {
  const t = setup();
  const p = t.session.join({ room: 'nope', name: 'a' });
  await t.net.answer(refused('unknown-room'));
  assert.equal((await p).code, 'unknown-room');
  assert.equal(t.session.state, STATES.IDLE);
  assert.equal(t.session.joined, null);
  t.session.frame('x');
  assert.deepEqual(t.frames(), []);
});

test('a saved token is offered once; refused, the join is retried without it', async () => {
  const t = setup();
  t.storage.setItem('petri.session', JSON.stringify({ room: 'r1', code: null, token: 'stale' }));
  const p = t.session.join({ room: 'r1', name: 'a' });
  assert.equal(t.net.sent[0].token, 'stale');
  await t.net.answer(refused('already-joined'));
  assert.equal(t.net.sent.length, 2);
  assert.equal(t.net.sent[1].token, undefined);
  await t.net.answer(joined({ token: 'fresh' }));
  assert.equal((await p).ok, true);
  assert.equal(t.storage.saved().token, 'fresh');
});

test('a spectator join does not take a saved token', async () => {
  const t = setup();
  t.storage.setItem('petri.session', JSON.stringify({ room: 'r1', code: null, token: 'tok' }));
  const p = t.session.join({ room: 'r1', name: 'a', spectate: true });
  assert.equal(t.net.sent[0].token, undefined);
  await t.net.answer(joined({ player: null, token: null }));
  await p;
});

test('drop and reconnect: lost, then rejoining with the token, then in the room again', async () => {
  const t = setup();
  await seated(t);
  t.net.connected = false;
  t.session.disconnected();
  assert.equal(t.session.state, STATES.LOST);
  t.net.connected = true;
  t.session.connected();
  assert.equal(t.session.state, STATES.REJOINING);
  assert.deepEqual(t.net.sent[1], { room: 'r1', name: 'a', code: 'c0de', token: 'tok' });
  t.session.frame('during rejoin');
  await t.net.answer(joined({ resumed: true, token: 'tok2' }));
  assert.equal(t.session.state, STATES.IN_ROOM);
  assert.deepEqual(t.log.slice(-2), [['rejoining'], ['rejoined', true]]);
  assert.equal(t.storage.saved().token, 'tok2');
  t.session.frame('after');
  assert.deepEqual(t.frames(), ['after']);
});

test('a rejoin unanswered while the connection is down again waits for the next connect', async () => {
  const t = setup();
  await seated(t);
  t.session.disconnected();
  t.session.connected();
  t.net.connected = false;
  t.session.disconnected();
  await t.net.answer(refused('timeout'));
  assert.equal(t.session.state, STATES.LOST);
  assert.equal(t.session.inRoom, true);
});

test('a refused rejoin forgets the session and says so', async () => {
  const t = setup();
  await seated(t);
  t.session.disconnected();
  t.session.connected();
  await t.net.answer(refused('unknown-room'));
  assert.equal(t.session.state, STATES.IDLE);
  assert.deepEqual(t.log.at(-1), ['rejoinRefused', 'unknown-room']);
  assert.equal(t.storage.saved(), null);
});

test('a rejoin answer that is no longer the current one is ignored', async () => {
  const t = setup();
  await seated(t);
  t.session.disconnected();
  t.session.connected(); // rejoin 1
  t.session.disconnected();
  t.session.connected(); // rejoin 2, after another reconnect
  await t.net.answer(refused('timeout')); // rejoin 1's ack timer, now connected
  assert.equal(t.session.state, STATES.REJOINING);
  await t.net.answer(joined({ resumed: true }));
  assert.equal(t.session.state, STATES.IN_ROOM);
  assert.equal(t.log.filter((e) => e[0] === 'rejoinRefused').length, 0);
});

test('leave tells the server only when seated, and clears the token', async () => {
  const t = setup();
  t.session.leave();
  assert.deepEqual(t.net.actions, []);
  await seated(t);
  t.session.leave();
  assert.deepEqual(t.net.actions, [EVENTS.LEAVE]);
  assert.equal(t.session.state, STATES.IDLE);
  assert.equal(t.storage.saved(), null);
});

test('resync marks the session lost and reopens the connection', async () => {
  const t = setup();
  await seated(t);
  t.session.resync();
  assert.equal(t.session.state, STATES.LOST);
  assert.equal(t.net.reconnects, 1);
});

test('room-closed ends the session', async () => {
  const t = setup();
  await seated(t);
  t.session.closed({ reason: 'crash' });
  assert.equal(t.session.state, STATES.IDLE);
  assert.deepEqual(t.log.at(-1), ['closed', 'crash']);
});

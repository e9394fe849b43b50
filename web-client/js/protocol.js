// Petri's wire protocol for the browser: event names and the binary messages' decoders.
// docs/PROTOCOL.md is the description; shared/src/game.rs is the source of truth. Field order
// below is the struct order there, because bincode writes structs as their fields in order.

import { Reader } from './bincode.js';

export { DecodeError, toBytes } from './bincode.js';

/** Sent in `Joined.protocol`; the client warns when the server speaks another version. */
export const PROTOCOL_VERSION = 2;

/** `RoundState.phase` on the wire (last man standing). */
export const ROUND_PHASE = Object.freeze({ NONE: 0, PLAYING: 1, BREAK: 2 });

export const NAMESPACES = Object.freeze({ LOBBY: '/lobby', PLAY: '/play', REPLAY: '/replay' });

export const EVENTS = Object.freeze({
  // lobby, client -> server, answered through the ack
  ROOMS: 'rooms',
  CREATE: 'create',
  QUICKPLAY: 'quickplay',
  // lobby, server -> client
  ROOMS_CHANGED: 'rooms-changed',
  // play, client -> server
  JOIN: 'join',
  INPUT: 'input',
  SPLIT: 'split',
  EJECT: 'eject',
  RESPAWN: 'respawn',
  SPECTATE: 'spectate',
  LEAVE: 'leave',
  VIEW: 'view', // { aspect }: the screen's shape (width / height) changed
  // play, both ways: a line of text up, a ChatLine { player, name, color, text } down
  CHAT: 'chat',
  // play, server -> client
  FRAME: 'frame',
  BOARD: 'board',
  DIED: 'died',
  ROOM_CLOSED: 'room-closed',
  SERVER_SHUTDOWN: 'server-shutdown',
  // replay, client -> server, answered through the ack (frames and boards come as in play)
  WATCH: 'watch', // { id, tick?, speed?, paused? }
  REPLAY_CONTROL: 'replay_control', // { action: play|pause|speed|seek|follow, value? }
  // replay, server -> client: { tick, total_ticks, speed, playing }
  REPLAY_STATE: 'replay_state',
});

/**
 * What the page says for each `Refusal.code` the server sends (`RefusalCode` in game.rs, the
 * same keys exactly; a test checks them). `null`: show the server's own `message`, which names
 * the detail (which field was bad, which event was unknown) better than a fixed text could.
 */
export const REFUSAL_MESSAGES = Object.freeze({
  'unknown-room': 'That room does not exist (any more).',
  'wrong-code': 'Wrong code for that private room.',
  'full': 'That room is full.',
  'already-joined': null,
  'bad-request': null,
  'too-many-rooms': null,
  'rate-limited': null,
  'busy': null,
  'unknown-event': null,
  'internal': null,
  'other-node': null,
  'node-unavailable': 'That server of the cluster is not answering; try again.',
});

/** The text for a refused (or unanswered) request. `timeout` is the page's own code (net.js). */
export function refusalText(answer) {
  if (!answer) return 'No answer from the server.';
  const known = Object.hasOwn(REFUSAL_MESSAGES, answer.code) ? REFUSAL_MESSAGES[answer.code] : null;
  return known || answer.message || `Refused (${answer.code})`;
}

/** `CellEntered.kind` on the wire. */
export const KIND = Object.freeze({ PLAYER: 0, FOOD: 1, EJECTED: 2, VIRUS: 3 });

function readViewDelta(r) {
  return { dx: r.i32(), dy: r.i32(), dhalf_width: r.i32(), dhalf_height: r.i32() };
}

function readPlayer(r) {
  return { id: r.u32(), name: r.str(), color: r.u32() };
}

function readEntered(r) {
  return { id: r.u32(), kind: r.u8(), x: r.i32(), y: r.i32(), size: r.u32(), owner: r.u32() };
}

function readChanged(r) {
  return { id: r.u32(), dx: r.i32(), dy: r.i32(), dsize: r.i32() };
}

function readEaten(r) {
  return { eater: r.u32(), eaten: r.u32() };
}

const readU32 = (r) => r.u32();

/** Decodes a `frame` attachment (ArrayBuffer, typed array or Buffer). Throws DecodeError. */
export function decodeFrame(data) {
  const r = new Reader(data);
  const frame = {
    tick: r.u32(),
    view: readViewDelta(r),
    rank: r.u32(),
    own: r.list(readU32),
    players: r.list(readPlayer),
    left: r.list(readU32),
    entered: r.list(readEntered),
    changed: r.list(readChanged),
    eaten: r.list(readEaten),
  };
  r.end();
  return frame;
}

/** Decodes a `board` attachment. Throws DecodeError. */
export function decodeBoard(data) {
  const r = new Reader(data);
  const board = {
    tick: r.u32(),
    entries: r.list((e) => ({ id: e.u32(), name: e.str(), mass: e.u32() })),
    alive: r.u32(),
    teams: r.list((t) => ({ team: t.u32(), color: t.u32(), mass: t.u32(), players: t.u32() })),
    round: {
      phase: r.u8(),
      number: r.u32(),
      seconds_left: r.u32(),
      winner: r.u32(),
      winner_name: r.str(),
    },
  };
  r.end();
  return board;
}

/** Mass from a cell's radius, as the server counts it. */
export const massOf = (size) => (size * size) / 100;

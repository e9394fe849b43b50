// Wires the pieces together: network events -> world -> renderer, the home screen's buttons,
// links with a room in the hash, the animation loop, and the `window.petri` test hooks.

import { World } from './world.js';
import { decodeFrame, decodeBoard, EVENTS, PROTOCOL_VERSION } from './protocol.js';
import { Renderer } from './render.js';
import { Input } from './input.js';
import { Net } from './net.js';
import { UI } from './ui.js';
import { FrameStats } from './stats.js';
import { randomPlayerColor } from './colors.js';

const ROOMS_REFRESH_MS = 4000;
const RESYNC_MIN_MS = 2000;

const ui = new UI();
const world = new World();
const renderer = new Renderer(ui.el.game, ui.el.minimap);
const stats = new FrameStats();

const state = {
  playerId: null,
  room: null, // RoomSummary of the room we are in
  code: null, // private room code, when we know it
  joined: null, // the last Joined answer
  joining: false, // between sending `join` and its answer
  pending: [], // frames that arrived while joining
  board: null,
  died: null,
  resumed: null, // the last automatic rejoin's `resumed`
  framesReceived: 0,
  boardsReceived: 0,
  decodeErrors: 0,
  applyErrors: 0,
  lastResyncAt: -Infinity,
};

// ---- profile (name and colour survive reloads) -----------------------------------------------

function loadProfile() {
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem('petri.profile') || '{}') || {};
  } catch {
    saved = {};
  }
  ui.el.name.value = typeof saved.name === 'string' ? saved.name : '';
  ui.setColor(/^#[0-9a-f]{6}$/i.test(saved.color || '') ? saved.color : randomPlayerColor());
}

function saveProfile() {
  try {
    localStorage.setItem('petri.profile', JSON.stringify(ui.profile()));
  } catch {
    // storage disabled: the profile lasts this page only
  }
}
ui.onColor = saveProfile;
ui.el.name.addEventListener('change', saveProfile);

// ---- network ---------------------------------------------------------------------------------

const net = new Net({
  status(s) {
    ui.status(s);
    if (s === 'connected' && ui.screen === 'home') refreshRooms();
    if (s === 'reconnecting' && net.session) ui.toast('Connection lost: reconnecting…', 'error', 8000);
  },
  frame(data) {
    if (state.joining) {
      // The server answers a join before it sends any frame of the new session, and stops the
      // old session's frames when we leave: a frame before the answer is the old room's. Drop it.
      return;
    }
    if (!net.session) return; // a frame of a room we just left
    try {
      world.apply(decodeFrame(data), performance.now());
      state.framesReceived++;
    } catch (e) {
      frameError(e);
    }
  },
  board(data) {
    try {
      state.board = decodeBoard(data);
      state.boardsReceived++;
      ui.board(state.board, state.playerId, world.rank);
    } catch (e) {
      state.decodeErrors++;
      console.warn(`petri: bad board: ${e.message}`);
    }
  },
  died(d) {
    state.died = d;
    ui.death(d);
    ui.show('dead');
  },
  roomClosed(r) {
    backHome(`The room closed${r.reason ? `: ${r.reason}` : ''}. Pick another one.`);
  },
  shutdown(r) {
    ui.toast(`The server is restarting${r.reason ? ` (${r.reason})` : ''}…`, 'error', 6000);
  },
  rejected(r) {
    ui.toast(r.message || 'The server refused that.', 'error');
  },
  rejoining() {
    state.joining = true;
    state.pending = [];
    resetWorld();
  },
  rejoined(joined) {
    startJoined();
    state.resumed = !!joined.resumed;
    applyJoined(joined);
    if (joined.player === null || joined.player === undefined) {
      ui.toast('Reconnected');
    } else if (joined.resumed) {
      ui.toast('Reconnected: your cells are back');
    } else {
      ui.toast('Reconnected: your cells were lost, new start', 'error');
      if (ui.screen === 'dead') ui.show('playing');
    }
  },
  rejoinRefused(r) {
    state.joining = false;
    state.pending = [];
    backHome(`Could not get back into the room: ${r.message || r.code}`);
  },
});

function frameError(e) {
  if (e.name === 'DecodeError') state.decodeErrors++;
  else state.applyErrors++;
  // Our picture no longer matches the server's: start the delta stream over.
  console.warn(`petri: ${e.message}; resynchronising`);
  resync();
}

/** Called when a join is answered: starts the world from the frames that came meanwhile. */
function startJoined() {
  const frames = state.pending;
  state.pending = [];
  state.joining = false;
  resetWorld();
  for (const data of frames) {
    let frame;
    try {
      frame = decodeFrame(data);
      world.apply(frame, performance.now());
      state.framesReceived++;
    } catch (e) {
      if (!frame) {
        frameError(e);
        continue;
      }
      // A leftover of the room we left, or the first frame of the new one after such a
      // leftover: the new room's stream starts from an empty picture.
      resetWorld();
      try {
        world.apply(frame, performance.now());
        state.framesReceived++;
      } catch {
        resetWorld();
      }
    }
  }
}

function resync() {
  const now = performance.now();
  if (now - state.lastResyncAt < RESYNC_MIN_MS) return;
  state.lastResyncAt = now;
  net.resync();
}

function resetWorld() {
  world.clear();
  input.reset();
  renderer.snapCamera();
}

function refusalText(answer) {
  if (!answer) return 'No answer from the server.';
  const known = {
    'unknown-room': 'That room does not exist (any more).',
    'wrong-code': 'Wrong code for that private room.',
    full: 'That room is full.',
  };
  return known[answer.code] || answer.message || `Refused (${answer.code})`;
}

function inviteLink(room, code) {
  if (!room) return '';
  const base = `${location.origin}${location.pathname}`;
  return room.private && code ? `${base}#${encodeURIComponent(room.id)}/${encodeURIComponent(code)}` : '';
}

function setHash(room, code) {
  const hash = room ? `#${encodeURIComponent(room.id)}${room.private && code ? `/${encodeURIComponent(code)}` : ''}` : '';
  history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
}

function applyJoined(joined) {
  state.joined = joined;
  state.playerId = joined.player ?? null;
  state.room = joined.room;
  renderer.worldSize = { width: joined.world.width, height: joined.world.height };
  world.setTickRate(joined.world.tick_rate);
  setHash(joined.room, state.code);
  ui.room(joined.room, inviteLink(joined.room, state.code));
  ui.el.spectatePlay.hidden = state.playerId === null;
}

/** Joins a room as a player (or spectator). Resolves with the server's answer. */
async function joinRoom(roomId, { code = null, spectate = false } = {}) {
  if (net.session) net.leave();
  saveProfile();
  const { name, color } = ui.profile();
  const req = { room: roomId, name, color };
  if (code) req.code = code;
  if (spectate) req.spectate = true;
  ui.setBusy(true);
  ui.message('Joining…', 'info');
  state.joining = true;
  state.pending = [];
  resetWorld();
  const answer = await net.join(req);
  ui.setBusy(false);
  if (!answer || !answer.ok) {
    state.joining = false;
    state.pending = [];
    if (ui.screen === 'home') {
      ui.message(refusalText(answer));
      setHash(null);
    } else {
      backHome(refusalText(answer)); // we had left the room we were in
    }
    return answer;
  }
  startJoined();
  ui.message('');
  ui.clearBoard();
  state.code = code;
  state.died = null;
  state.resumed = null;
  applyJoined(answer);
  ui.show(spectate ? 'spectating' : 'playing');
  return answer;
}

async function quickplay({ spectate = false } = {}) {
  ui.setBusy(true);
  const found = await net.quickplay();
  ui.setBusy(false);
  if (!found || !found.ok) {
    ui.message(refusalText(found));
    return found;
  }
  return joinRoom(found.room.id, { spectate });
}

async function createPrivate(settings = {}) {
  const { name } = ui.profile();
  ui.setBusy(true);
  const made = await net.create({ name: `${name || 'Private'}'s room`, private: true, ...settings });
  ui.setBusy(false);
  if (!made || !made.ok) {
    ui.message(refusalText(made));
    return made;
  }
  const answer = await joinRoom(made.room.id, { code: made.code });
  if (answer && answer.ok) ui.toast('Private room ready: share the invite link');
  return answer;
}

function backHome(message = '') {
  net.leave();
  state.playerId = null;
  state.room = null;
  state.code = null;
  state.joined = null;
  state.board = null;
  state.died = null;
  resetWorld();
  renderer.worldSize = null;
  ui.clearBoard();
  ui.room(null, '');
  setHash(null);
  ui.message(message);
  ui.show('home');
  refreshRooms();
}

let roomsBusy = false;
async function refreshRooms() {
  if (roomsBusy || ui.screen !== 'home' || !net.connected) return;
  roomsBusy = true;
  try {
    ui.rooms(await net.rooms(), (room, spectate) => joinRoom(room.id, { spectate }));
  } finally {
    roomsBusy = false;
  }
}

/** `#room` or `#room/code` */
function roomFromHash() {
  const h = location.hash.replace(/^#\/?/, '');
  if (!h) return null;
  const [room, code] = h.split('/').map((p) => decodeURIComponent(p));
  return room ? { room, code: code || null } : null;
}

function joinFromHash() {
  const target = roomFromHash();
  if (!target || (state.room && state.room.id === target.room)) return;
  joinRoom(target.room, { code: target.code });
}

// ---- controls --------------------------------------------------------------------------------

const input = new Input(ui.el.game, {
  active: () => ui.screen === 'playing' && net.connected && !state.joining,
  toWorld: (sx, sy) => renderer.toWorld(sx, sy),
  send: (x, y) => net.input(x, y),
  split: () => net.action(EVENTS.SPLIT),
  eject: () => net.action(EVENTS.EJECT),
});

ui.el.form.addEventListener('submit', (e) => {
  e.preventDefault();
  quickplay();
});
ui.el.createPrivate.addEventListener('click', () => createPrivate());
ui.el.spectate.addEventListener('click', () => quickplay({ spectate: true }));
ui.el.leave.addEventListener('click', () => backHome());
ui.el.respawn.addEventListener('click', respawn);
ui.el.spectatePlay.addEventListener('click', respawn);
ui.el.deathSpectate.addEventListener('click', () => spectate());
ui.el.deathHome.addEventListener('click', () => backHome());
for (const [el, event] of [[ui.el.touchSplit, EVENTS.SPLIT], [ui.el.touchEject, EVENTS.EJECT]]) {
  el.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    net.action(event);
  });
}
window.addEventListener('keydown', (e) => {
  // (Enter on the death card presses the focused Respawn button.)
  if (e.code === 'Escape' && ui.screen !== 'home') backHome();
});
window.addEventListener('hashchange', joinFromHash);

ui.onFollow = (id) => spectate(id);

function respawn() {
  net.action(EVENTS.RESPAWN);
  state.died = null;
  ui.show('playing');
}

function spectate(follow) {
  net.action(EVENTS.SPECTATE, follow === undefined ? {} : { follow });
  ui.show('spectating');
}

// ---- the animation loop ------------------------------------------------------------------------

function loop(rafNow) {
  requestAnimationFrame(loop);
  const t0 = performance.now();
  input.update(t0);
  renderer.draw(world, t0, { playerId: state.playerId });
  if (ui.screen === 'playing') ui.mass(world.mass());
  stats.record(rafNow, performance.now() - t0);
}

// ---- test hooks ----------------------------------------------------------------------------------

window.petri = {
  protocol: PROTOCOL_VERSION,
  stats() {
    return {
      ...stats.summary(),
      cellsDrawn: renderer.cellsDrawn,
      cells: world.cells.size,
      connected: net.connected,
      status: net.status,
      screen: ui.screen,
      playerId: state.playerId,
      ownCells: world.ownCells().length,
      mass: Math.round(world.mass() * 100) / 100,
      rank: world.rank,
      roomId: state.room ? state.room.id : null,
      roomCode: state.code,
      tick: world.tick,
      framesReceived: state.framesReceived,
      boardsReceived: state.boardsReceived,
      inputsSent: input.sent,
      decodeErrors: state.decodeErrors,
      applyErrors: state.applyErrors,
      reconnects: net.reconnects,
      resumed: state.resumed,
    };
  },
  resetStats: () => stats.reset(),
  world: () => world.snapshot(),
  board: () => state.board,
  died: () => state.died,
  joined: () => state.joined,
  camera: () => ({ ...renderer.camera, width: renderer.width, height: renderer.height }),
  lastInput: () => input.lastSent,
  inviteLink: () => inviteLink(state.room, state.code) || null,
  rooms: () => net.rooms(),
  quickplay: (opts) => quickplay(opts),
  join: (roomId, opts) => joinRoom(roomId, opts),
  createRoom: (settings) => createPrivate(settings),
  leave: () => backHome(),
  respawn,
  spectate,
  split: () => net.action(EVENTS.SPLIT),
  eject: () => net.action(EVENTS.EJECT),
  steer: (x, y) => input.pin(x, y),
  dropConnection: () => net.drop(),
  // Not an API: the live objects, for debugging in the console and for render checks.
  _internals: { world, renderer, net, ui, state, applyJoined },
};

// ---- start -------------------------------------------------------------------------------------

loadProfile();
ui.status('connecting');
try {
  net.start();
} catch (e) {
  ui.message(`Cannot connect: ${e.message}`);
}
setInterval(refreshRooms, ROOMS_REFRESH_MS);
joinFromHash();
requestAnimationFrame(loop);

// Wires the pieces together: network events -> session -> world -> renderer, the home screen's
// buttons, links with a room in the hash, the animation loop, and the `window.petri` test hooks.
// Who owns what: session.js the play session (room, code, token, Joined, which frames count),
// net.js the sockets, profile.js and route.js their storage and the URL; `state` below holds
// only what this page shows of it.

import { World } from './world.js';
import { decodeFrame, decodeBoard, refusalText, EVENTS, PROTOCOL_VERSION } from './protocol.js';
import { Renderer } from './render.js';
import { Input } from './input.js';
import { Net } from './net.js';
import { Session } from './session.js';
import { UI } from './ui.js';
import { Chat } from './chat.js';
import { ModeHud } from './modes.js';
import { FrameStats } from './stats.js';
import { loadProfile, saveProfile } from './profile.js';
import { ReplayViewer, replayFromLocation, listReplays, showReplays } from './replay.js';
import {
  inviteLink, setHash, roomFromLocation, isElsewhere, goToNode, takeSpectateIntent,
} from './route.js';

const ROOMS_REFRESH_MS = 4000;
/** The replays list changes when a room session or a match is recorded: read it less often. */
const REPLAYS_REFRESH_MS = 30000;
/** How long the page waits after a `rooms-changed` notice for more before re-reading the list. */
const ROOMS_CHANGED_DEBOUNCE_MS = 150;
const RESYNC_MIN_MS = 2000;
/** A resize (or a phone turning) is told to the server once it settles, not on every event. */
const VIEW_SHAPE_DEBOUNCE_MS = 200;

const ui = new UI();
const world = new World();
const renderer = new Renderer(ui.el.game, ui.el.minimap);
const stats = new FrameStats();
const modeHud = new ModeHud({
  teams: ui.el.boardTeams, round: ui.el.round, roundText: ui.el.roundText, roundWinner: ui.el.roundWinner,
});
/** The joined room's mode (`RoomSummary.mode`), `ffa` when none. */
const roomMode = () => (session.joined && session.joined.room && session.joined.room.mode) || 'ffa';
const chat = new Chat(
  { root: ui.el.chat, log: ui.el.chatLog, form: ui.el.chatForm, input: ui.el.chatInput, toggle: ui.el.chatToggle },
  (text) => net.chat(text),
);

const state = {
  board: null,
  died: null,
  resumed: null, // the last automatic rejoin's `resumed`
  framesReceived: 0,
  boardsReceived: 0,
  decodeErrors: 0,
  applyErrors: 0,
  lastResyncAt: -Infinity,
  roomsChanged: 0, // `rooms-changed` notices heard
  roomsChangedTimer: 0,
  roomsListed: 0, // room lists shown
  roomsAgain: false, // a re-read was asked for while one was out
  replaysListedAt: -Infinity, // when the Replays list was last read (the home screen reads it again on showing)
};

// ---- profile (name and colour survive reloads) -----------------------------------------------

const storeProfile = () => saveProfile(ui.profile());
ui.onColor = storeProfile;
ui.el.name.addEventListener('change', storeProfile);

// ---- network and session ---------------------------------------------------------------------

const net = new Net({
  status(s) {
    ui.status(s);
    if (s === 'connected' && ui.screen === 'home') refreshRooms();
    if (s === 'reconnecting' && session.inRoom) ui.toast('Connection lost: reconnecting…', 'error', 8000);
  },
  connected: () => session.connected(),
  disconnected: () => session.disconnected(),
  frame: (data) => session.frame(data),
  board: (data) => showBoard(data),
  died(d) {
    state.died = d;
    ui.death(d, roomMode() === 'lms');
    ui.show('dead');
  },
  roomClosed: (r) => session.closed(r),
  shutdown(r) {
    ui.toast(`The server is restarting${r.reason ? ` (${r.reason})` : ''}…`, 'error', 6000);
  },
  chat: (line) => chat.add(line),
  roomsChanged() {
    state.roomsChanged++;
    // A burst of notices (rooms opening on several nodes) becomes one re-read.
    clearTimeout(state.roomsChangedTimer);
    state.roomsChangedTimer = setTimeout(refreshRooms, ROOMS_CHANGED_DEBOUNCE_MS);
  },
});

function showBoard(data) {
  try {
    state.board = decodeBoard(data);
    state.boardsReceived++;
    ui.board(state.board, session.playerId, world.rank);
    modeHud.update(state.board);
    replay.players(state.board);
  } catch (e) {
    state.decodeErrors++;
    console.warn(`petri: bad board: ${e.message}`);
  }
}

function applyFrame(data) {
  try {
    world.apply(decodeFrame(data), performance.now());
    state.framesReceived++;
  } catch (e) {
    frameError(e);
  }
}

// A replay's viewer gets a spectator's frames and boards (replay.js): the same world and board.
const replay = new ReplayViewer({
  bar: ui.el.replayBar, play: ui.el.replayPlay, speed: ui.el.replaySpeed,
  timeline: ui.el.replayTimeline, tick: ui.el.replayTick, follow: ui.el.replayFollow,
}, { frame: applyFrame, board: showBoard, reset: () => resetWorld() });

const session = new Session(net, {
  frame: applyFrame,
  rejoining: () => resetWorld(),
  rejoined(joined) {
    resetWorld();
    sendViewShape(); // the saved request may carry the shape of before a resize
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
    backHome(`Could not get back into the room: ${r.message || r.code}`);
  },
  closed(r) {
    backHome(`The room closed${r.reason ? `: ${r.reason}` : ''}. Pick another one.`);
  },
});

function frameError(e) {
  if (e.name === 'DecodeError') state.decodeErrors++;
  else state.applyErrors++;
  // a replay's picture starts over with its next seek (or by opening it again where it is)
  if (replay.active) return;
  // Our picture no longer matches the server's: start the delta stream over.
  console.warn(`petri: ${e.message}; resynchronising`);
  resync();
}

function resync() {
  const now = performance.now();
  if (now - state.lastResyncAt < RESYNC_MIN_MS) return;
  state.lastResyncAt = now;
  session.resync();
}

function resetWorld() {
  world.clear();
  input.reset();
  renderer.snapCamera();
}

/** Shows a room we are in (a join's or a rejoin's answer, already taken in by the session). */
function applyJoined(joined) {
  renderer.worldSize = { width: joined.world.width, height: joined.world.height };
  world.setTickRate(joined.world.tick_rate);
  setHash(joined.room, session.code);
  ui.room(joined.room, inviteLink(joined.room, session.code));
  ui.el.spectatePlay.hidden = (joined.player ?? null) === null;
}

/** Joins a room as a player (or spectator). Resolves with the server's answer. */
async function joinRoom(roomId, { code = null, spectate = false } = {}) {
  storeProfile();
  const { name, color } = ui.profile();
  const req = { room: roomId, name, color, aspect: screenAspect() };
  if (code) req.code = code;
  if (spectate) req.spectate = true;
  ui.setBusy(true);
  ui.message('Joining…', 'info');
  resetWorld();
  const answer = await session.join(req); // leaves the room we are in first
  ui.setBusy(false);
  if (answer && answer.code === 'other-node' && isElsewhere(answer.url)) {
    // a room of another node of the cluster: go there, its page joins the room
    if (goToNode(answer.url, { id: roomId, private: !!code }, code, { spectate })) return answer;
  }
  if (!answer || !answer.ok) {
    if (ui.screen === 'home') {
      ui.message(refusalText(answer));
      setHash(null);
    } else {
      backHome(refusalText(answer)); // we had left the room we were in
    }
    return answer;
  }
  resetWorld();
  ui.message('');
  ui.clearBoard();
  modeHud.clear();
  chat.clear();
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
  if (isElsewhere(found.room.url) && goToNode(found.room.url, found.room, null, { spectate })) return found;
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
  // placed on another node of the cluster: its page joins the room from the link
  if (isElsewhere(made.room.url) && goToNode(made.room.url, made.room, made.code)) return made;
  const answer = await joinRoom(made.room.id, { code: made.code });
  if (answer && answer.ok) ui.toast('Private room ready: share the invite link');
  return answer;
}

/** Opens replay `id` (`#replay/<id>`): watched like a room, with the replay's controls. */
async function openReplay(id) {
  if (session.inRoom || session.pending) session.leave();
  resetWorld();
  ui.clearBoard();
  chat.clear();
  chat.setReplay(true);
  const answer = await replay.watch(id, { aspect: screenAspect() });
  if (!answer || !answer.ok) {
    chat.setReplay(false);
    backHome(`Could not open the replay: ${refusalText(answer)}`);
    return answer;
  }
  renderer.worldSize = { width: answer.world.width, height: answer.world.height };
  world.setTickRate(answer.world.tick_rate);
  ui.room({ name: `Replay ${id}` }, '');
  ui.show('spectating');
  return answer;
}

function backHome(message = '') {
  replay.leave();
  chat.setReplay(false);
  session.leave();
  state.board = null;
  state.died = null;
  resetWorld();
  renderer.worldSize = null;
  ui.clearBoard();
  modeHud.clear();
  chat.clear();
  ui.room(null, '');
  setHash(null);
  ui.message(message);
  ui.show('home');
  state.replaysListedAt = -Infinity;
  refreshRooms();
}

let roomsBusy = false;
async function refreshRooms() {
  if (roomsBusy) {
    state.roomsAgain = true; // the list out may predate the change: read again after it
    return;
  }
  if (ui.screen !== 'home' || !net.connected) return;
  if (performance.now() - state.replaysListedAt > REPLAYS_REFRESH_MS) {
    state.replaysListedAt = performance.now();
    listReplays().then((list) => {
      ui.el.replaysSection.hidden = list.length === 0;
      showReplays(ui.el.replays, list);
    });
  }
  roomsBusy = true;
  state.roomsAgain = false;
  try {
    ui.rooms(await net.rooms(), (room, spectate) => {
      if (isElsewhere(room.url) && goToNode(room.url, room, null, { spectate })) return;
      joinRoom(room.id, { spectate });
    });
    state.roomsListed++;
  } finally {
    roomsBusy = false;
  }
  if (state.roomsAgain) refreshRooms();
}

function joinFromHash() {
  const watching = replayFromLocation();
  if (watching !== null) {
    if (watching !== replay.id) openReplay(watching);
    return;
  }
  if (replay.active) backHome();
  const target = roomFromLocation();
  if (!target || (session.room && session.room.id === target.room)) return;
  // sent here by another node to watch (route.js goToNode), not to play
  joinRoom(target.room, { code: target.code, spectate: takeSpectateIntent() });
}

// ---- controls --------------------------------------------------------------------------------

const input = new Input(ui.el.game, {
  active: () => ui.screen === 'playing' && net.connected && !session.pending,
  toWorld: (sx, sy) => renderer.toWorld(sx, sy),
  send: (x, y) => net.input(x, y),
  split: () => net.action(EVENTS.SPLIT),
  eject: () => net.action(EVENTS.EJECT),
});

ui.el.form.addEventListener('submit', (e) => {
  e.preventDefault();
  quickplay();
});
ui.el.createPrivate.addEventListener('click', () => createPrivate({ mode: ui.el.createMode.value }));
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
  if (e.key === 'Enter' && ui.screen !== 'home' && e.target === document.body) {
    e.preventDefault();
    chat.focus();
  }
});
window.addEventListener('hashchange', joinFromHash);

ui.onFollow = (id) => (replay.active ? replay.follow(id) : spectate(id));

function respawn() {
  net.action(EVENTS.RESPAWN);
  state.died = null;
  ui.show('playing');
}

function spectate(follow) {
  net.action(EVENTS.SPECTATE, follow === undefined ? {} : { follow });
  ui.show('spectating');
}

// ---- the screen's shape: the server shapes the view like it, at everyone's area ----------------

function screenAspect() {
  const w = window.innerWidth || 1;
  const h = window.innerHeight || 1;
  return Math.round((w / h) * 1000) / 1000;
}

function sendViewShape() {
  if (session.inRoom) net.action(EVENTS.VIEW, { aspect: screenAspect() });
}

let viewShapeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(viewShapeTimer);
  viewShapeTimer = setTimeout(sendViewShape, VIEW_SHAPE_DEBOUNCE_MS);
});

// ---- the animation loop ------------------------------------------------------------------------

function loop(rafNow) {
  requestAnimationFrame(loop);
  const t0 = performance.now();
  input.update(t0);
  renderer.draw(world, t0, { playerId: session.playerId });
  if (ui.screen === 'playing') ui.mass(world.mass());
  // last man standing: a new round brings everyone back in without a respawn of their own
  if (roomMode() === 'lms' && ui.screen !== 'playing' && ui.screen !== 'home'
      && session.playerId !== null && world.ownCells().length > 0) {
    state.died = null;
    ui.show('playing');
  }
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
      playerId: session.playerId,
      ownCells: world.ownCells().length,
      mass: Math.round(world.mass() * 100) / 100,
      rank: world.rank,
      roomId: session.room ? session.room.id : null,
      roomCode: session.code,
      tick: world.tick,
      framesReceived: state.framesReceived,
      boardsReceived: state.boardsReceived,
      inputsSent: input.sent,
      decodeErrors: state.decodeErrors,
      applyErrors: state.applyErrors,
      reconnects: net.reconnects,
      resumed: state.resumed,
      roomsChanged: state.roomsChanged,
      roomsListed: state.roomsListed,
    };
  },
  resetStats: () => stats.reset(),
  world: () => world.snapshot(),
  board: () => state.board,
  died: () => state.died,
  joined: () => session.joined,
  camera: () => ({ ...renderer.camera, width: renderer.width, height: renderer.height }),
  lastInput: () => input.lastSent,
  inviteLink: () => inviteLink(session.room, session.code) || null,
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
  chat: (text) => net.chat(text),
  chatLines: () => chat.lines.slice(),
  mode: () => roomMode(),
  replay: {
    watch: (id) => openReplay(id),
    control: (action, value) => replay.control(action, value),
    follow: (id) => replay.follow(id),
    state: () => replay.state,
    list: () => listReplays(),
  },
  round: () => modeHud.lastRound,
  // Not an API: the live objects, for debugging in the console and for render checks.
  _internals: { world, renderer, net, session, ui, state, applyJoined, chat, replay },
};

// ---- start -------------------------------------------------------------------------------------

const profile = loadProfile();
ui.el.name.value = profile.name;
ui.setColor(profile.color);
ui.status('connecting');
try {
  net.start();
} catch (e) {
  ui.message(`Cannot connect: ${e.message}`);
}
setInterval(refreshRooms, ROOMS_REFRESH_MS);
joinFromHash();
requestAnimationFrame(loop);

// The DOM around the canvas: screens, home form, room list, HUD, leaderboard, death card,
// connection indicator and toasts. No game logic: main.js decides, this only shows.

import { PALETTE } from './colors.js';
import { modeName } from './modes.js';

const $ = (id) => document.getElementById(id);

const STATUS_TEXT = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: retrying…',
};

export class UI {
  constructor() {
    this.el = {
      name: $('name'),
      color: $('color'),
      swatches: $('swatches'),
      form: $('play-form'),
      quickplay: $('quickplay'),
      createPrivate: $('create-private'),
      createMode: $('create-mode'),
      spectate: $('spectate'),
      homeMessage: $('home-message'),
      rooms: $('rooms'),
      roomsCount: $('rooms-count'),
      mass: $('mass'),
      roomName: $('room-name'),
      leave: $('leave'),
      invite: $('invite'),
      inviteLink: $('invite-link'),
      copyLink: $('copy-link'),
      boardList: $('board-list'),
      boardSelf: $('board-self'),
      boardAlive: $('board-alive'),
      spectatePlay: $('spectate-play'),
      conn: $('conn'),
      connText: $('conn-text'),
      deathKiller: $('death-killer'),
      deathMass: $('death-mass'),
      respawn: $('respawn'),
      deathSpectate: $('death-spectate'),
      deathHome: $('death-home'),
      touchSplit: $('touch-split'),
      touchEject: $('touch-eject'),
      toast: $('toast'),
      game: $('game'),
      minimap: $('minimap'),
      chat: $('chat'),
      chatLog: $('chat-log'),
      chatForm: $('chat-form'),
      chatInput: $('chat-input'),
      chatToggle: $('chat-toggle'),
      boardTeams: $('board-teams'),
      round: $('round'),
      roundText: $('round-text'),
      roundWinner: $('round-winner'),
      replayBar: $('replay-bar'),
      replayPlay: $('replay-play'),
      replaySpeed: $('replay-speed'),
      replayTimeline: $('replay-timeline'),
      replayTick: $('replay-tick'),
      replayFollow: $('replay-follow'),
      replays: $('replays'),
      replaysSection: $('replays-section'),
    };
    this.screen = 'home';
    this.shownMass = -1;
    this.toastTimer = 0;
    this.buildSwatches();
    this.el.copyLink.addEventListener('click', () => this.copyInvite());
    // Spectators pick whom to watch from the leaderboard.
    this.el.boardList.addEventListener('click', (e) => {
      const li = e.target.closest('li[data-player]');
      if (li && this.screen === 'spectating' && this.onFollow) this.onFollow(Number(li.dataset.player));
    });
  }

  /** 'home' | 'playing' | 'dead' | 'spectating' */
  show(screen) {
    this.screen = screen;
    document.body.dataset.screen = screen;
    if (screen === 'dead') this.el.respawn.focus();
    else if (screen !== 'home' && document.activeElement instanceof HTMLElement) {
      document.activeElement.blur(); // keys belong to the game now, not to a menu button
    }
  }

  // ---- home --------------------------------------------------------------------------------

  buildSwatches() {
    for (const c of PALETTE) {
      const b = document.createElement('button');
      b.type = 'button';
      b.style.background = c;
      b.title = c;
      b.dataset.color = c;
      b.setAttribute('aria-label', `Colour ${c}`);
      b.addEventListener('click', () => this.setColor(c, true));
      this.el.swatches.append(b);
    }
    this.el.color.addEventListener('input', () => this.setColor(this.el.color.value, true));
  }

  setColor(hex, fromUser = false) {
    this.el.color.value = hex;
    for (const b of this.el.swatches.children) {
      b.setAttribute('aria-pressed', String(b.dataset.color.toLowerCase() === hex.toLowerCase()));
    }
    if (fromUser && this.onColor) this.onColor(hex);
  }

  profile() {
    return { name: this.el.name.value.trim(), color: this.el.color.value };
  }

  setBusy(busy) {
    for (const b of [this.el.quickplay, this.el.createPrivate, this.el.spectate]) b.disabled = busy;
  }

  message(text, kind = 'error') {
    this.el.homeMessage.textContent = text || '';
    this.el.homeMessage.className = kind === 'info' ? 'info' : '';
  }

  /** The lobby's public rooms, each with Play and Watch buttons. */
  rooms(list, onJoin) {
    const ul = this.el.rooms;
    ul.replaceChildren();
    this.el.roomsCount.textContent = list.length ? `· ${list.length}` : '';
    if (!list.length) {
      const li = document.createElement('li');
      li.className = 'muted empty';
      li.textContent = 'No rooms yet: Quick play starts one.';
      ul.append(li);
      return;
    }
    for (const r of list) {
      const li = document.createElement('li');
      li.className = 'room';
      li.dataset.room = r.id;
      const name = document.createElement('span');
      name.className = 'room-name';
      name.textContent = r.name || r.id;
      name.title = r.id;
      const host = hostElsewhere(r.url);
      if (host) {
        // a room of another node of the cluster: say where it is
        const where = document.createElement('span');
        where.className = 'room-host muted';
        where.textContent = ` · ${host}`;
        name.append(where);
        li.dataset.url = r.url;
      }
      const mode = document.createElement('span');
      mode.className = 'room-mode';
      mode.dataset.mode = r.mode || 'ffa';
      mode.textContent = modeName(r.mode);
      const count = document.createElement('span');
      const full = r.players >= r.capacity;
      count.className = `room-count${full ? ' full' : ''}`;
      count.textContent = `${r.players}/${r.capacity}${r.bots ? ` · ${r.bots} bots` : ''}`;
      count.title = `${r.players} players, ${r.bots} bots, ${r.spectators} watching`;
      const play = document.createElement('button');
      play.type = 'button';
      play.className = 'small';
      play.textContent = 'Play';
      play.disabled = full;
      play.addEventListener('click', () => onJoin(r, false));
      const watch = document.createElement('button');
      watch.type = 'button';
      watch.className = 'small ghost';
      watch.textContent = 'Watch';
      watch.addEventListener('click', () => onJoin(r, true));
      li.append(name, mode, count, play, watch);
      ul.append(li);
    }
  }

  // ---- HUD ---------------------------------------------------------------------------------

  status(s) {
    this.el.conn.dataset.status = s;
    this.el.connText.textContent = STATUS_TEXT[s] || s;
  }

  mass(m) {
    const v = Math.round(m);
    if (v !== this.shownMass) {
      this.shownMass = v;
      this.el.mass.textContent = v.toLocaleString('en-US');
    }
  }

  room(summary, inviteLink) {
    this.el.roomName.textContent = summary ? summary.name || summary.id : '';
    this.el.invite.hidden = !inviteLink;
    this.el.inviteLink.value = inviteLink || '';
  }

  async copyInvite() {
    const link = this.el.inviteLink.value;
    try {
      await navigator.clipboard.writeText(link);
      this.toast('Invite link copied');
    } catch {
      // clipboard needs a secure context: select it for Ctrl+C instead
      this.el.inviteLink.select();
      this.toast('Press Ctrl+C to copy the link');
    }
  }

  /** Top 10 from `board`, you highlighted; your own place below when you are further down. */
  board(board, playerId, rank) {
    const ol = this.el.boardList;
    ol.replaceChildren();
    let listed = false;
    for (const e of board.entries.slice(0, 10)) {
      const li = document.createElement('li');
      const who = document.createElement('span');
      who.className = 'who';
      who.textContent = e.name || 'cell';
      const m = document.createElement('span');
      m.className = 'm';
      m.textContent = e.mass.toLocaleString('en-US');
      if (e.id === playerId) {
        li.className = 'me';
        listed = true;
      }
      li.dataset.player = String(e.id);
      li.append(who, m);
      ol.append(li);
    }
    this.selfRank(listed ? 0 : rank);
    this.el.boardAlive.textContent = `${board.alive} alive`;
  }

  selfRank(rank) {
    const el = this.el.boardSelf;
    if (rank > 10) {
      el.innerHTML = '<span class="r"></span><span class="who">You</span>';
      el.firstChild.textContent = `${rank}.`;
    } else if (el.firstChild) {
      el.replaceChildren();
    }
  }

  clearBoard() {
    this.el.boardList.replaceChildren();
    this.el.boardSelf.replaceChildren();
    this.el.boardAlive.textContent = '';
  }

  /** The death card; `outUntilNextRound` (last man standing): no respawn, the next round will. */
  death(died, outUntilNextRound = false) {
    const by = died.killer ? `by ${died.killer}` : 'Nobody saw what happened.';
    this.el.deathKiller.textContent = outUntilNextRound ? `${by} You are out until the next round.` : by;
    this.el.respawn.hidden = outUntilNextRound;
    this.el.deathMass.textContent = Math.round(died.final_mass || 0).toLocaleString('en-US');
  }

  toast(text, kind = 'info', ms = 3000) {
    const t = this.el.toast;
    t.textContent = text;
    t.className = `show ${kind}`;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => {
      t.className = '';
    }, ms);
  }
}

/** The host of `url` when it is another server than this page's, else ''. */
function hostElsewhere(url) {
  if (!url) return '';
  try {
    const u = new URL(url, location.href);
    return u.origin === location.origin ? '' : u.host;
  } catch {
    return '';
  }
}

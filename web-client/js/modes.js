// What the page shows of a room's game mode: its name in the room list, each team's share of
// the mass (teams), and the round's state (last man standing: a countdown, who is left, the
// winner). Everything comes from the board (`Board.teams`, `Board.round`) and is written as
// text; the cells themselves already wear their team's colour (the server colours them).

import { ROUND_PHASE } from './protocol.js';
import { hexFromInt } from './colors.js';

export const MODE_NAMES = Object.freeze({ ffa: 'FFA', teams: 'Teams', lms: 'Last man standing' });

export function modeName(mode) {
  return MODE_NAMES[mode] || String(mode || 'ffa');
}

function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class ModeHud {
  /** @param {object} el { teams: <ol>, round: <div>, roundText: <span>, roundWinner: <span> } */
  constructor(el) {
    this.el = el;
    this.lastRound = null;
  }

  /** A fresh board: the teams' shares and the round. */
  update(board) {
    this.teams(board.teams || []);
    this.round(board.round, board.alive);
  }

  teams(teams) {
    const ol = this.el.teams;
    ol.hidden = teams.length === 0;
    if (ol.hidden) {
      ol.replaceChildren();
      return;
    }
    const total = teams.reduce((sum, t) => sum + t.mass, 0);
    const items = teams.map((t) => {
      const li = document.createElement('li');
      li.dataset.team = String(t.team);
      const share = total > 0 ? (t.mass / total) * 100 : 0;
      li.dataset.share = share.toFixed(1);
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = hexFromInt(t.color);
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${share.toFixed(1)}%`;
      bar.style.background = hexFromInt(t.color);
      const text = document.createElement('span');
      text.className = 'share';
      text.textContent = `${Math.round(share)}%`;
      li.append(swatch, bar, text);
      li.title = `Team ${t.team}: ${t.players} players, mass ${t.mass}`;
      return li;
    });
    ol.replaceChildren(...items);
  }

  round(round, alive) {
    const box = this.el.round;
    if (!round || round.phase === ROUND_PHASE.NONE) {
      box.hidden = true;
      this.lastRound = null;
      return;
    }
    box.hidden = false;
    box.dataset.phase = round.phase === ROUND_PHASE.PLAYING ? 'playing' : 'break';
    this.lastRound = { ...round, alive };
    if (round.phase === ROUND_PHASE.PLAYING) {
      this.el.roundText.textContent = `Round ${round.number} · ${clock(round.seconds_left)} left · ${alive} alive`;
      this.el.roundWinner.textContent = '';
    } else {
      const winner = round.winner ? round.winner_name || 'cell' : 'nobody';
      this.el.roundWinner.textContent = `${winner} won round ${round.number}`;
      this.el.roundText.textContent = `Next round in ${clock(round.seconds_left)}`;
    }
  }

  clear() {
    this.teams([]);
    this.round(null, 0);
  }
}

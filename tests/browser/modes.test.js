// The game modes in a real browser: the room list names each room's mode, a teams room dresses
// every cell in its team's colour and shows the teams' shares, and a last-man-standing room
// shows the round's countdown and then its winner.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, openPage, gotoClient, quickplay, waitFor } from './harness.js';

const TEAM_COLORS = [0xe84855, 0x3bceac, 0x3d7dd8];

let browser;
test.before(async () => {
  browser = await launchBrowser();
});
test.after(async () => {
  if (browser) await browser.close();
});

test('the room list shows each mode, and a teams room its colours and shares', async () => {
  const server = await startServer({ bots: 0 });
  const page = await openPage(browser);
  try {
    await gotoClient(page, server);
    const made = await page.evaluate(() => window.petri._internals.net.create({ name: 'Team room', mode: 'teams', bots: 5 }));
    assert.equal(made.ok, true, JSON.stringify(made));
    const room = made.room.id;
    const modes = await waitFor('both rooms listed with their modes', () =>
      page.evaluate((id) => {
        const mode = (r) => document.querySelector(`#rooms li.room[data-room="${r}"] .room-mode`)?.textContent;
        const m = { main: mode('main'), team: mode(id) };
        return m.main && m.team ? m : null;
      }, room),
    );
    assert.deepEqual(modes, { main: 'FFA', team: 'Teams' });

    await page.click(`#rooms li.room[data-room="${room}"] button:not(.ghost)`);
    await waitFor('playing with an own cell', () => page.evaluate(() => window.petri.stats().ownCells > 0));
    const shares = await waitFor('three teams on the board', () =>
      page.evaluate(() => {
        const items = [...document.querySelectorAll('#board-teams li')];
        return items.length === 3 ? items.map((li) => Number(li.dataset.share)) : null;
      }),
    );
    const sum = shares.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 100) < 0.5, `shares add up: ${shares}`);
    // every player in view wears a team colour, we included
    const colors = await page.evaluate(() => {
      const w = window.petri.world();
      return { me: w.players.find((p) => p.id === window.petri.stats().playerId)?.color, all: w.players.map((p) => p.color) };
    });
    assert.ok(TEAM_COLORS.includes(colors.me), `own colour ${colors.me}`);
    for (const c of colors.all) assert.ok(TEAM_COLORS.includes(c), `a team colour: ${c}`);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
    await server.stop();
  }
});

test('a last-man-standing room shows the countdown and the winner', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'petri-lms-'));
  const preset = path.join(dir, 'lms.toml');
  fs.writeFileSync(preset, 'lms_round_seconds = 4.0\nlms_break_seconds = 3.0\n');
  const config = `[main_room]\nmode = "lms"\npreset = ${JSON.stringify(preset)}\n`;
  const server = await startServer({ bots: 0, config });
  const alice = await openPage(browser);
  const bob = await openPage(browser);
  try {
    await gotoClient(alice, server);
    await gotoClient(bob, server);
    const listed = await waitFor('the lms room listed', () =>
      alice.evaluate(() => document.querySelector('#rooms li.room[data-room="main"] .room-mode')?.textContent),
    );
    assert.equal(listed, 'Last man standing');
    await quickplay(alice, 'Alice');
    await quickplay(bob, 'Bob');
    const countdown = await waitFor('a round being played, with its countdown', () =>
      alice.evaluate(() => {
        const box = document.querySelector('#round');
        return !box.hidden && box.dataset.phase === 'playing' ? document.querySelector('#round-text').textContent : null;
      }),
    );
    assert.match(countdown, /^Round \d+ · 0:0\d left · 2 alive$/);
    const winner = await waitFor('the round\'s winner', () =>
      bob.evaluate(() => {
        const box = document.querySelector('#round');
        return box.dataset.phase === 'break' ? document.querySelector('#round-winner').textContent : null;
      }),
      { ms: 15_000 },
    );
    assert.match(winner, /^(Alice|Bob) won round \d+$/);
    assert.match(await bob.evaluate(() => document.querySelector('#round-text').textContent), /^Next round in 0:0\d$/);
    assert.deepEqual(alice.problems, []);
    assert.deepEqual(bob.problems, []);
  } finally {
    await alice.context().close();
    await bob.context().close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

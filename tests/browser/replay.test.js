// Watching a replay in a real browser (issue 15): the home screen lists a recorded match, the
// page opens it and draws its cells, the tick counter runs about four times as fast at 4x as at
// 1x (tick deltas over the same bounded interval, compared as a ratio with slack: never absolute
// time), seeking forward and back lands where asked, and following a player centres the view
// on that player's cells.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, openPage, gotoClient, waitFor, sleep, petriBin } from './harness.js';

/** The interval over which tick deltas are compared (the same at both speeds). */
const SAMPLE_MS = 2000;

function recordMatch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'petri-replays-'));
  const file = path.join(dir, 'match-7.petri-replay');
  const run = spawnSync(
    petriBin(),
    ['match', '--bots', 'forager:8,hunter:8,survivor:4', '--ticks', '6000', '--seed', '7', '--no-progress', '--record', file],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(run.status, 0, `petri match failed: ${run.stderr}`);
  return dir;
}

async function ticksOver(page, ms) {
  const t0 = await page.evaluate(() => window.petri.stats().tick);
  await sleep(ms);
  const t1 = await page.evaluate(() => window.petri.stats().tick);
  return t1 - t0;
}

async function seekTo(page, tick) {
  const answer = await page.evaluate((t) => window.petri.replay.control('seek', t), tick);
  assert.equal(answer.ok, true, JSON.stringify(answer));
  return waitFor(`a frame at tick ${tick}`, () =>
    page.evaluate((t) => {
      const now = window.petri.stats().tick;
      return now >= t && now < t + 200 ? now : null;
    }, tick),
  );
}

test('a replay opens from the list, plays at the chosen speed, seeks, and follows a player', async () => {
  const dir = recordMatch();
  const server = await startServer({ bots: 0, extraArgs: ['--replays-dir', dir] });
  const browser = await launchBrowser();
  const page = await openPage(browser);
  try {
    await gotoClient(page, server);
    const link = '#replays a[data-replay="match-7"]';
    await page.waitForSelector(link, { state: 'visible' });
    await page.click(link);
    await waitFor('cells drawn from the replay', () =>
      page.evaluate(() => {
        const s = window.petri.stats();
        return s.screen === 'spectating' && s.cellsDrawn > 5 ? s : null;
      }),
    );
    assert.equal(await page.isHidden('#chat-form'), true, 'no chat line while watching');
    assert.equal(await page.isVisible('#replay-bar'), true);

    const atOne = await ticksOver(page, SAMPLE_MS);
    await page.selectOption('#replay-speed', '4');
    await waitFor('4x in force', () => page.evaluate(() => window.petri.replay.state()?.speed === 4));
    const atFour = await ticksOver(page, SAMPLE_MS);
    assert.ok(atOne > 0, `the tick counter runs at 1x (${atOne})`);
    const ratio = atFour / atOne;
    assert.ok(ratio > 2.5 && ratio < 6, `4x runs about four times as fast: ${atFour} / ${atOne} = ${ratio}`);

    await page.evaluate(() => window.petri.replay.control('pause'));
    await seekTo(page, 5000);
    await seekTo(page, 300);
    await seekTo(page, 3000);
    const text = await page.textContent('#replay-tick');
    assert.match(text, /^3\d{3} \/ 6000$/);

    const board = await waitFor('a leaderboard', () => page.evaluate(() => window.petri.board()));
    const target = board.entries[board.entries.length - 1].id;
    await page.evaluate((id) => window.petri.replay.follow(id), target);
    await page.evaluate(() => window.petri.replay.control('play'));
    await waitFor(`the view centred on player ${target}`, () =>
      page.evaluate((id) => {
        const w = window.petri.world();
        return w.cells.some((c) => c.owner === id
          && Math.abs(c.x - w.view.x) < w.view.half_width / 2
          && Math.abs(c.y - w.view.y) < w.view.half_height / 2);
      }, target),
    );
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
    await browser.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

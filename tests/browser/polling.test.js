// A page whose WebSocket is unavailable (an init script deletes it, as a network or proxy that
// blocks WebSocket would make it useless) still plays: the Socket.IO client falls back to
// HTTP long-polling, frames keep arriving and steering moves the player. A page with WebSocket
// starts on polling and upgrades.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, gotoClient, quickplay, plays, waitFor } from './harness.js';

const env = serverAndBrowser({ bots: 2 });

/** Counts the page's Engine.IO requests by transport. */
function watchTransports(page) {
  const seen = { polling: 0, websocket: 0 };
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (u.pathname.endsWith('/socket.io/')) {
      const t = u.searchParams.get('transport');
      if (t in seen) seen[t] += 1;
    }
  });
  page.on('websocket', () => { seen.websocket += 1; });
  return seen;
}

test('without WebSocket the page plays over long-polling', async () => {
  const page = await openPage(env.browser);
  await page.addInitScript(() => {
    delete window.WebSocket;
    window.WebSocket = undefined;
  });
  const seen = watchTransports(page);
  try {
    await gotoClient(page, env.server);
    assert.equal(await page.evaluate(() => typeof window.WebSocket), 'undefined');
    await quickplay(page, 'Poller');
    await plays(page, ' over polling');
    assert.ok(seen.polling > 2, `polling requests: ${JSON.stringify(seen)}`);
    assert.equal(seen.websocket, 0, 'no WebSocket was opened');
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

test('with WebSocket the page starts on polling and upgrades', async () => {
  const page = await openPage(env.browser);
  const seen = watchTransports(page);
  try {
    await gotoClient(page, env.server);
    await quickplay(page, 'Upgrader');
    await waitFor('a WebSocket upgrade', () => seen.websocket > 0);
    assert.ok(seen.polling >= 1, `the session opened on polling: ${JSON.stringify(seen)}`);
    const first = await page.evaluate(() => window.petri.stats().framesReceived);
    await waitFor('frames after the upgrade', () =>
      page.evaluate((n) => window.petri.stats().framesReceived > n + 20, first),
    { ms: 20_000 });
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

// Two Petri nodes on one real Redis, and real pages: a private room made on node A is opened by
// its link on node B's page, and the player lands in it (B's page is sent to A by itself); a
// public room placed on node B shows up live, with its host, in the room list of a page on A.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startServer, launchBrowser, openPage, gotoClient, waitFor } from './harness.js';

// Short heartbeats so the nodes see each other quickly (the defaults are 2 s / 6 s).
const CLUSTER = '[cluster]\nheartbeat_ms = 200\nexpiry_ms = 1000\n';
const env = { redis: null, a: null, b: null, browser: null };

before(async () => {
  env.redis = await startRedis();
  const node = (id) => startServer({ bots: 2, config: CLUSTER, extraArgs: ['--redis', env.redis.url, '--node-id', id] });
  env.a = await node('node-a');
  env.b = await node('node-b');
  env.browser = await launchBrowser();
  // both nodes list both main rooms: they have met
  for (const server of [env.a, env.b]) {
    await waitFor(`${server.url} lists both nodes`, async () => {
      const list = await (await fetch(`${server.url}/api/rooms`)).json();
      return list.some((r) => r.url === env.a.url) && list.some((r) => r.url === env.b.url);
    });
  }
});

after(async () => {
  if (env.browser) await env.browser.close();
  for (const s of [env.a, env.b, env.redis]) if (s) await s.stop();
});

const playing = (page) =>
  page.evaluate(() => {
    const s = window.petri.stats();
    return s.screen === 'playing' && s.ownCells > 0 && s.playerId !== null ? s : null;
  });

test("a private room's link opened on another node lands the player in the room", async () => {
  const host = await openPage(env.browser);
  const guest = await openPage(env.browser);
  try {
    await gotoClient(host, env.a);
    await host.fill('#name', 'Host');
    await host.click('#create-private');
    const made = await waitFor('the host plays in its private room', async () => {
      const s = await playing(host);
      return s && s.roomCode ? s : null;
    });
    assert.ok(new URL(host.url()).origin === env.a.url, 'the room was made on the asking node (equal load)');
    const hash = `#${encodeURIComponent(made.roomId)}/${encodeURIComponent(made.roomCode)}`;

    // the guest opens the link on node B: B sends the page to A, whose page joins the room
    await guest.goto(`${env.b.url}/${hash}`, { waitUntil: 'load' });
    await guest.fill('#name', 'Guest').catch(() => {});
    const joined = await waitFor('the guest plays in the linked room, on node A', async () => {
      if (new URL(guest.url()).origin !== env.a.url) return null;
      return playing(guest).catch(() => null);
    }, { ms: 20_000 });
    assert.equal(joined.roomId, made.roomId);
    assert.equal(joined.roomCode, made.roomCode);
    assert.notEqual(joined.playerId, made.playerId);
    assert.equal(new URL(guest.url()).hash, hash, 'the address bar keeps the room link');
    // and they play together: the host's board lists the guest
    await waitFor("the guest on the host's board", () =>
      host.evaluate((id) => {
        const board = window.petri.board();
        return board && board.entries.some((e) => e.id === id);
      }, joined.playerId),
    );
    // frames keep coming to the guest on A
    const before = joined.framesReceived;
    await waitFor('frames after landing', async () => (await guest.evaluate(() => window.petri.stats().framesReceived)) > before + 10);
    assert.deepEqual(host.problems, []);
    assert.deepEqual(guest.problems, []);
  } finally {
    await host.context().close();
    await guest.context().close();
  }
});

test('a public room placed on the other node appears live in the room list, with its host', async () => {
  const watcher = await openPage(env.browser);
  const maker = await openPage(env.browser);
  const player = await openPage(env.browser);
  try {
    await gotoClient(watcher, env.a);
    // a player on A makes A the busier node, so the next room is placed on B
    await gotoClient(player, env.a);
    await player.fill('#name', 'Busy');
    await player.click('#quickplay');
    await waitFor('a player on node A', () => playing(player));
    await waitFor('node B sees A as busier', async () => {
      const list = await (await fetch(`${env.b.url}/api/rooms`)).json();
      return list.some((r) => r.url === env.a.url && r.players > 0);
    });
    await waitFor("A's view of B is fresh", async () => {
      const list = await (await fetch(`${env.a.url}/api/rooms`)).json();
      return list.some((r) => r.url === env.b.url);
    });
    const heardBefore = await watcher.evaluate(() => window.petri.stats().roomsChanged);

    await gotoClient(maker, env.a);
    await maker.fill('#name', 'Maker');
    await maker.evaluate(() => window.petri.createRoom({ private: false, name: 'Open to all' }));
    // the maker's page is sent to B, where the room is, and plays there
    const made = await waitFor('the maker plays on node B', async () => {
      if (new URL(maker.url()).origin !== env.b.url) return null;
      return playing(maker).catch(() => null);
    }, { ms: 20_000 });
    assert.notEqual(made.roomId, 'main');

    // the watcher on A heard of it and lists it, hosted on B, without reloading
    await waitFor('the watcher lists the new room with its host', () =>
      watcher.evaluate((id) => {
        const li = document.querySelector(`#rooms li[data-room="${CSS.escape(id)}"]`);
        return li && li.dataset.url ? li.dataset.url : null;
      }, made.roomId),
    );
    const heard = await watcher.evaluate(() => window.petri.stats().roomsChanged);
    assert.ok(heard > heardBefore, `rooms-changed notices heard: ${heardBefore} -> ${heard}`);
    const host = await watcher.evaluate((id) => document.querySelector(`#rooms li[data-room="${CSS.escape(id)}"] .room-host`).textContent, made.roomId);
    assert.match(host, new RegExp(new URL(env.b.url).host.replace(/\./g, '\\.')));
    for (const page of [watcher, maker, player]) assert.deepEqual(page.problems, []);
  } finally {
    for (const page of [watcher, maker, player]) await page.context().close();
  }
});

// Room chat between two real pages: a line typed on one appears on the other as plain text
// (markup shows as its characters, nothing runs), with the sender's name; the chat can be
// hidden; and a page in another room hears nothing of it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, gotoClient, quickplay, waitFor } from './harness.js';

const env = serverAndBrowser({ bots: 2 });

const HOSTILE = '<img src=x onerror="window.pwned=1"><b>bold?</b> & hi';

test('a chat line typed on one page appears on another as plain text', async () => {
  const alice = await openPage(env.browser);
  const bob = await openPage(env.browser);
  try {
    await gotoClient(alice, env.server);
    await gotoClient(bob, env.server);
    await quickplay(alice, 'Alice');
    await quickplay(bob, 'Bob');

    await alice.click('#game', { position: { x: 640, y: 360 } });
    await alice.keyboard.press('Enter'); // Enter opens the chat line
    await waitFor('the chat field focused', () => alice.evaluate(() => document.activeElement.id === 'chat-input'));
    await alice.keyboard.type(HOSTILE);
    await alice.keyboard.press('Enter');

    const seen = await waitFor('the line on the other page', () =>
      bob.evaluate(() => {
        const li = document.querySelector('#chat-log li:last-child');
        return li ? { name: li.querySelector('.chat-name').textContent, text: li.querySelector('.chat-text').textContent } : null;
      }),
    );
    assert.deepEqual(seen, { name: 'Alice', text: HOSTILE });
    const markup = await bob.evaluate(() => ({
      elements: document.querySelectorAll('#chat-log img, #chat-log b').length,
      pwned: window.pwned ?? null,
    }));
    assert.deepEqual(markup, { elements: 0, pwned: null }, 'markup in chat stays text');
    // the sender sees its own line too, and typing in the field did not steer or split
    await waitFor('the own line', () => alice.evaluate(() => window.petri.chatLines().length === 1));
    assert.equal((await alice.evaluate(() => window.petri.stats().ownCells)) >= 1, true);

    // hiding the chat hides the log
    await bob.click('#chat-toggle');
    assert.equal(await bob.isVisible('#chat-log'), false);
    await bob.click('#chat-toggle');
    assert.equal(await bob.isVisible('#chat-log'), true);
    assert.deepEqual(alice.problems, []);
    assert.deepEqual(bob.problems, []);
  } finally {
    await alice.context().close();
    await bob.context().close();
  }
});

test('a page in another room hears nothing of this room', async () => {
  const here = await openPage(env.browser);
  const there = await openPage(env.browser);
  try {
    await gotoClient(here, env.server);
    await gotoClient(there, env.server);
    await quickplay(here, 'Here');
    const made = await there.evaluate(() => window.petri.createRoom({ bots: 0 }));
    assert.equal(made.ok, true, JSON.stringify(made));
    await here.evaluate(() => window.petri.chat('only for main'));
    await waitFor('the line in main', () => here.evaluate(() => window.petri.chatLines().length === 1));
    await there.evaluate(() => window.petri.chat('only for the private room'));
    const lines = await waitFor('the private room line', () =>
      there.evaluate(() => {
        const l = window.petri.chatLines();
        return l.length > 0 ? l.map((x) => x.text) : null;
      }),
    );
    assert.deepEqual(lines, ['only for the private room']);
  } finally {
    await here.context().close();
    await there.context().close();
  }
});

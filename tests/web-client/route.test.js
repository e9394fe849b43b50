// Room links and moving to another cluster node (web-client/js/route.js), against a fake
// `location` and `sessionStorage`: which URLs are elsewhere, the address the page moves to, and
// the loop guard that stops a page bounced between nodes whose directories disagree.

import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import { roomHash, parseRoomHash, isElsewhere, goToNode, takeSpectateIntent } from '../../web-client/js/route.js';

let moves;
beforeEach(() => {
  moves = [];
  const store = new Map();
  globalThis.location = {
    href: 'http://127.0.0.1:8080/#main',
    origin: 'http://127.0.0.1:8080',
    assign: (url) => moves.push(url),
  };
  globalThis.sessionStorage = {
    getItem: (k) => (store.has(k) ? store.get(k) : null),
    setItem: (k, v) => store.set(k, String(v)),
    removeItem: (k) => store.delete(k),
  };
});

test('a room hash round-trips, private codes included', () => {
  const hash = roomHash({ id: 'ab c', private: true }, 'k/1');
  assert.equal(hash, '#ab%20c/k%2F1');
  assert.deepEqual(parseRoomHash(hash), { room: 'ab c', code: 'k/1' });
  assert.equal(roomHash({ id: 'pub', private: false }, 'ignored'), '#pub');
});

test('only another origin is elsewhere', () => {
  assert.equal(isElsewhere('http://127.0.0.1:8080'), false);
  assert.equal(isElsewhere('http://127.0.0.1:8080/'), false);
  assert.equal(isElsewhere('http://127.0.0.1:8081'), true);
  assert.equal(isElsewhere('https://eu1.example.com'), true);
  assert.equal(isElsewhere(undefined), false);
  assert.equal(isElsewhere(''), false);
  assert.equal(isElsewhere('http://['), false, 'a malformed URL keeps the page here');
  assert.equal(isElsewhere('javascript:alert(1)'), false, 'only http(s) pages are elsewhere');
  assert.equal(isElsewhere('data:text/html,hi'), false);
});

test("the page moves to the node's root with the room in the hash", () => {
  assert.equal(goToNode('http://127.0.0.1:8081', { id: 'r1', private: true }, 'c0de'), true);
  assert.equal(goToNode('https://eu1.example.com/petri', { id: 'r2', private: false }), true);
  assert.equal(goToNode('http://127.0.0.1:8082', { id: 'r3', private: false }, null, { spectate: true }), true);
  assert.deepEqual(moves, [
    'http://127.0.0.1:8081/#r1/c0de',
    'https://eu1.example.com/petri/#r2',
    'http://127.0.0.1:8082/?spectate=1#r3',
  ]);
});

test('the spectate intent is read once and leaves the address bar', () => {
  let replaced = null;
  globalThis.history = { replaceState: (_s, _t, url) => { replaced = url; } };
  Object.assign(globalThis.location, { search: '?spectate=1', pathname: '/', hash: '#r3' });
  assert.equal(takeSpectateIntent(), true);
  assert.equal(replaced, '/#r3');
  Object.assign(globalThis.location, { search: '' });
  assert.equal(takeSpectateIntent(), false);
});

test('a page bounced between nodes stops after a few moves', () => {
  const room = { id: 'r1', private: false };
  const results = [];
  for (let i = 0; i < 5; i++) results.push(goToNode('http://127.0.0.1:8081', room));
  assert.deepEqual(results, [true, true, true, false, false]);
  assert.equal(moves.length, 3);
});

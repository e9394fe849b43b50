// The page's event names, namespaces, cell kinds and protocol version are the Rust ones
// (shared/src/game.rs): a rename there fails here instead of silently breaking the client.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

import { EVENTS, KIND, NAMESPACES, PROTOCOL_VERSION } from '../../web-client/js/protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
const rust = readFileSync(join(here, '..', '..', 'shared', 'src', 'game.rs'), 'utf8');

/** `pub const NAME: TYPE = VALUE;` inside `pub mod <name> { ... }`. */
function rustModule(name) {
  const body = new RegExp(`pub mod ${name} \\{([\\s\\S]*?)\\n\\}`).exec(rust);
  assert.ok(body, `mod ${name} in game.rs`);
  const out = {};
  for (const m of body[1].matchAll(/pub const (\w+): [^=]+= ("?)([^";]+)\2;/g)) {
    out[m[1]] = m[2] ? m[3] : Number(m[3]);
  }
  return out;
}

test('event names match game.rs', () => {
  assert.deepEqual({ ...EVENTS }, rustModule('events'));
});

test('namespaces match game.rs', () => {
  assert.deepEqual({ ...NAMESPACES }, rustModule('namespaces'));
});

test('cell kinds match game.rs', () => {
  assert.deepEqual({ ...KIND }, rustModule('kind'));
});

test('protocol version matches game.rs', () => {
  const m = /pub const PROTOCOL_VERSION: u32 = (\d+);/.exec(rust);
  assert.equal(PROTOCOL_VERSION, Number(m[1]));
});

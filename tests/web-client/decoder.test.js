// The web client's decoder against the server's own encodings (tests/vectors, written by
// server/tests/protocol_vectors.rs): every field of every vector must come out as in its JSON.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

import { decodeFrame, decodeBoard, DecodeError } from '../../web-client/js/protocol.js';
import { Reader } from '../../web-client/js/bincode.js';

const here = dirname(fileURLToPath(import.meta.url));
const vectorsDir = join(here, '..', 'vectors');
const decoders = { Frame: decodeFrame, Board: decodeBoard };

const vectors = readdirSync(vectorsDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => {
    const name = f.slice(0, -'.json'.length);
    const doc = JSON.parse(readFileSync(join(vectorsDir, f), 'utf8'));
    const bin = readFileSync(join(vectorsDir, `${name}.bin`));
    return { name, doc, bin };
  });

test('there are vectors for both binary messages', () => {
  const types = new Set(vectors.map((v) => v.doc.type));
  assert.ok(types.has('Frame') && types.has('Board'), `types found: ${[...types]}`);
  assert.ok(vectors.length >= 3);
});

for (const { name, doc, bin } of vectors) {
  test(`${name}: decodes to every field of its JSON`, () => {
    const decode = decoders[doc.type];
    assert.ok(decode, `no decoder for ${doc.type}`);
    assert.equal(bin.length, doc.bytes, 'the .bin is the size the server wrote');
    assert.deepStrictEqual(decode(bin), doc.value);
  });

  test(`${name}: decodes from an ArrayBuffer, as the browser receives it`, () => {
    const copy = new ArrayBuffer(bin.length);
    new Uint8Array(copy).set(bin);
    assert.deepStrictEqual(decoders[doc.type](copy), doc.value);
  });

  test(`${name}: every truncation throws a clear DecodeError`, () => {
    for (let n = 0; n < bin.length; n++) {
      assert.throws(
        () => decoders[doc.type](bin.subarray(0, n)),
        (e) => e instanceof DecodeError && /truncated/.test(e.message),
        `prefix of ${n} bytes`,
      );
    }
  });

  test(`${name}: a trailing byte is refused`, () => {
    const longer = new Uint8Array(bin.length + 1);
    longer.set(bin);
    assert.throws(() => decoders[doc.type](longer), /after the end of the message/);
  });
}

test('varints: each form and the refused u64 marker', () => {
  const r = new Reader(Uint8Array.of(250, 251, 0xfb, 0x00, 251, 0xff, 0xff, 252, 0, 0, 1, 0,
    252, 0xff, 0xff, 0xff, 0xff));
  assert.deepEqual([r.u32(), r.u32(), r.u32(), r.u32(), r.u32()], [250, 251, 65535, 65536, 4294967295]);
  r.end();
  assert.throws(() => new Reader(Uint8Array.of(253, 0, 0, 0, 0, 0, 0, 0, 0)).u32(), DecodeError);
});

test('zigzag i32 edges', () => {
  const r = new Reader(Uint8Array.of(0, 1, 2, 3, 252, 0xff, 0xff, 0xff, 0xff, 252, 0xfe, 0xff, 0xff, 0xff));
  assert.deepEqual([r.i32(), r.i32(), r.i32(), r.i32(), r.i32(), r.i32()], [0, -1, 1, -2, -2147483648, 2147483647]);
});

test('a hostile list length fails at once instead of allocating', () => {
  // tick, view, rank, then `own` claiming 4 billion ids in a 17-byte buffer
  const hostile = Uint8Array.of(0, 0, 0, 0, 0, 0, 252, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6);
  const started = Date.now();
  assert.throws(() => decodeFrame(hostile), DecodeError);
  assert.ok(Date.now() - started < 100);
});

test('invalid UTF-8 in a name is an error, as in Rust', () => {
  // Board { tick: 0, entries: [{ id: 1, name: <0xff>, mass: 0 }], alive: 0 }
  assert.throws(() => decodeBoard(Uint8Array.of(0, 1, 1, 1, 0xff, 0, 0)), /UTF-8/);
});

test('random garbage never hangs: it decodes or throws DecodeError', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const buf = Uint8Array.from({ length: i % 64 }, rand);
    for (const decode of [decodeFrame, decodeBoard]) {
      try {
        decode(buf);
      } catch (e) {
        assert.ok(e instanceof DecodeError, `unexpected ${e}`);
      }
    }
  }
});

test('non-binary input is refused clearly', () => {
  assert.throws(() => decodeFrame('hello'), /expected binary data/);
  assert.throws(() => decodeFrame(null), /expected binary data/);
});

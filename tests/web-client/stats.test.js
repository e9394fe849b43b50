// The self-measurement behind window.petri.stats(), and the colour helpers.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { FrameStats } from '../../web-client/js/stats.js';
import { colorForId, darker, hexFromInt, intFromHex } from '../../web-client/js/colors.js';

test('frame stats: median and p99 of animation-frame deltas and draw times', () => {
  const s = new FrameStats();
  let t = 0;
  for (let i = 0; i < 200; i++) {
    t += i % 50 === 25 ? 100 : 16; // 2% long frames: they are the p99
    s.record(t, 2);
  }
  const sum = s.summary();
  assert.equal(sum.medianFrameMs, 16);
  assert.equal(sum.p99FrameMs, 100);
  assert.equal(sum.drawMedianMs, 2);
  assert.equal(sum.frames, 200);
  s.reset();
  assert.equal(s.summary().frames, 0);
  assert.equal(s.summary().medianFrameMs, 0);
});

test('colours: stable per id, hex round trips, darker borders', () => {
  assert.equal(colorForId(42), colorForId(42));
  assert.equal(hexFromInt(0xff8800), '#ff8800');
  assert.equal(hexFromInt(0), '#000000');
  assert.equal(intFromHex('#FF8800'), 0xff8800);
  assert.equal(intFromHex('nope'), null);
  assert.equal(darker('#ffffff', 0.5), 'rgb(128,128,128)');
});

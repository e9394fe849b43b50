// A fair view on any screen: a portrait phone is shown a portrait slice of the map, of the same
// area as a landscape screen's, and turning it turns the view.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, gotoClient, quickplay, waitFor } from './harness.js';

const env = serverAndBrowser({ bots: 0 });

const view = (page) => page.evaluate(() => {
  const w = window.petri.world();
  return w.frames > 0 ? w.view : null;
});

test("a portrait page's view is portrait, of the same area as a landscape page's", async () => {
  const phone = await openPage(env.browser, { viewport: { width: 390, height: 844 } });
  const desk = await openPage(env.browser, { viewport: { width: 1280, height: 720 } });
  try {
    await gotoClient(phone, env.server);
    await gotoClient(desk, env.server);
    await quickplay(phone, 'Phone');
    await quickplay(desk, 'Desk');
    const tall = await waitFor('a view on the phone', () => view(phone));
    const wide = await waitFor('a view on the desk', () => view(desk));
    assert.ok(tall.half_height > tall.half_width, `portrait: ${JSON.stringify(tall)}`);
    assert.ok(wide.half_width > wide.half_height, `landscape: ${JSON.stringify(wide)}`);
    // both are fresh cells of the start size (a pellet eaten changes the area by a few %)
    const ratio = (tall.half_width * tall.half_height) / (wide.half_width * wide.half_height);
    assert.ok(ratio > 0.85 && ratio < 1.15, `areas ${JSON.stringify({ tall, wide, ratio })}`);
    const shape = tall.half_width / tall.half_height;
    assert.ok(Math.abs(shape - 390 / 844) < 0.02, `the phone's own shape: ${shape}`);

    // turning the phone turns the view
    await phone.setViewportSize({ width: 844, height: 390 });
    await waitFor('a landscape view after turning', async () => {
      const v = await view(phone);
      return v && v.half_width > v.half_height;
    });
    assert.deepEqual(phone.problems, []);
    assert.deepEqual(desk.problems, []);
  } finally {
    await phone.context().close();
    await desk.context().close();
  }
});

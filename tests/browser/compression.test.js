// permessage-deflate in a real Chromium: the page's WebSocket (after its upgrade from polling)
// negotiates the extension, seen in the handshake's `Sec-WebSocket-Extensions` response header
// (CDP Network events) and in the server's `petri_websocket_compressed_total`, and the page plays
// on it: frames keep arriving and steering moves the player. With
// `network.websocket_compression = false` the answer carries no extension and the page plays
// the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, gotoClient, quickplay, plays, waitFor } from './harness.js';

/** Collects the `Sec-WebSocket-Extensions` of every WebSocket handshake answer the page gets. */
async function watchHandshakes(page) {
  const answers = [];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketHandshakeResponseReceived', ({ response }) => {
    const headers = Object.fromEntries(
      Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]),
    );
    answers.push(headers['sec-websocket-extensions'] ?? '');
  });
  return answers;
}

/** The server's count of WebSockets that negotiated compression. */
async function compressedTotal(server) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('petri_websocket_compressed_total'));
  return line ? Number(line.split(' ').pop()) : NaN;
}

for (const enabled of [true, false]) {
  test(`the page plays with websocket_compression = ${enabled}`, async () => {
    const server = await startServer({ bots: 2, config: `[network]\nwebsocket_compression = ${enabled}\n` });
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser);
      const answers = await watchHandshakes(page);
      await gotoClient(page, server);
      await quickplay(page, enabled ? 'Squeezed' : 'Plain');
      await waitFor('the WebSocket handshake', () => answers.length > 0, { ms: 20_000 });
      await plays(page);
      if (enabled) {
        assert.match(answers[0], /^permessage-deflate; server_max_window_bits=10; client_max_window_bits=10$/);
        assert.ok((await compressedTotal(server)) >= 1, 'the server counted a compressed WebSocket');
      } else {
        assert.equal(answers[0], '');
        assert.equal(await compressedTotal(server), 0);
      }
      assert.deepEqual(page.problems, []);
    } finally {
      await browser.close();
      await server.stop();
    }
  });
}

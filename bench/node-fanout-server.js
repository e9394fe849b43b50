#!/usr/bin/env node
// Room fan-out baseline with the OFFICIAL socket.io server, for a side-by-side benchmark
// against Petri's Socket.IO server.
//
// Clients connect (WebSocket only), emit `join` ("bench", ack) as in the testbed contract, and
// the server emits a binary `tick` event to room "bench" at HZ Hz. The payload is BYTES bytes;
// its first 8 bytes are the send time as a little-endian float64 in ms
// (performance.timeOrigin + performance.now()), comparable across processes on one machine,
// the rest is filler (byte i = i % 256).
//
// Usage (from bench/, after `npm ci`):
//   PORT=3000 node node-fanout-server.js          # HZ=25 BYTES=200 by default
//   N=200 DURATION=20 URL=http://127.0.0.1:3000 node node-fanout-client.js
// PORT=0 picks a free port. Like the testbed, it prints `listening on 127.0.0.1:<port>` and
// exits on SIGTERM/SIGINT or when stdin closes. Per-second stats go to stderr.
'use strict';

const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { Server } = require('socket.io');

const port = Number(process.env.PORT ?? 3000);
const hz = Number(process.env.HZ ?? 25);
const bytes = Math.max(8, Number(process.env.BYTES ?? 200));

const httpServer = http.createServer();
// PING_INTERVAL/PING_TIMEOUT (ms) as in Petri's examples, for the idle-connections test.
// TRANSPORTS=polling,websocket also serves HTTP long-polling (bench/polling-cpu.sh).
const io = new Server(httpServer, {
  transports: (process.env.TRANSPORTS ?? 'websocket').split(','),
  serveClient: false,
  pingInterval: Number(process.env.PING_INTERVAL ?? 25000),
  pingTimeout: Number(process.env.PING_TIMEOUT ?? 20000),
});

io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    socket.join(room);
    if (typeof ack === 'function') ack(true);
  });
});

// The filler never changes; only the timestamp is rewritten per tick. A fresh Buffer per emit,
// because socket.io may still hold the previous one in a write queue.
const template = Buffer.alloc(bytes);
for (let i = 8; i < bytes; i++) template[i] = i % 256;

let ticks = 0;
// HZ=0: no ticks at all (the idle-connections test).
const timer = hz > 0 && setInterval(() => {
  const buf = Buffer.from(template);
  buf.writeDoubleLE(performance.timeOrigin + performance.now(), 0);
  io.to('bench').emit('tick', buf);
  ticks++;
}, 1000 / hz);

const stats = setInterval(() => {
  const members = io.of('/').adapter.rooms.get('bench')?.size ?? 0;
  process.stderr.write(`ticks=${ticks} clients=${io.engine.clientsCount} in-room=${members}\n`);
}, 1000);

httpServer.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening on 127.0.0.1:${httpServer.address().port}\n`);
});

function shutdown() {
  clearInterval(timer);
  clearInterval(stats);
  io.close();
  setImmediate(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();

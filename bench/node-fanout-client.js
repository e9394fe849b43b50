#!/usr/bin/env node
// Load client for the fan-out benchmark (see node-fanout-server.js): N official socket.io-client
// connections join room "bench", receive `tick` for DURATION seconds, then report delivery and
// latency (receive time - send time in the payload's first 8 bytes, float64 LE ms).
// Works against the node baseline or any server with the same `join`/`tick` behaviour.
//
//   N=100 DURATION=20 URL=http://127.0.0.1:3000 node node-fanout-client.js
// Output: one JSON line on stdout. Bounded: gives up connecting after 30 s, always ends.
'use strict';

const { performance } = require('node:perf_hooks');
const { io } = require('socket.io-client');

const url = process.env.URL ?? 'http://127.0.0.1:3000';
const n = Math.min(Number(process.env.N ?? 100), 5000);
const durationS = Math.min(Number(process.env.DURATION ?? 20), 600);

const latencies = [];
const MAX_SAMPLES = 2_000_000; // bounded memory
let received = 0;
let measuring = false;
let disconnects = 0;

function connectOne() {
  return new Promise((resolve, reject) => {
    const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10000 });
    s.on('tick', (buf) => {
      if (!measuring) return;
      const now = performance.timeOrigin + performance.now();
      received++;
      if (latencies.length < MAX_SAMPLES) latencies.push(now - Buffer.from(buf).readDoubleLE(0));
    });
    s.on('disconnect', () => { if (measuring) disconnects++; });
    s.once('connect_error', reject);
    s.once('connect', () => s.timeout(10000).emit('join', 'bench', (err) => (err ? reject(err) : resolve(s))));
  });
}

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  return +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(3);
}

(async () => {
  const sockets = [];
  const deadline = Date.now() + 30000;
  for (let i = 0; i < n; i++) {
    if (Date.now() > deadline) throw new Error(`only ${i}/${n} clients connected within 30 s`);
    sockets.push(await connectOne());
  }
  measuring = true;
  await new Promise((r) => setTimeout(r, durationS * 1000));
  measuring = false;
  for (const s of sockets) s.close();
  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({
    clients: n,
    duration_s: durationS,
    received,
    per_client_per_s: +(received / n / durationS).toFixed(2),
    disconnects,
    latency_ms: { p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99), max: pct(latencies, 100) },
  }));
  process.exit(0);
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});

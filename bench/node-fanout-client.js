#!/usr/bin/env node
// Load client for the fan-out benchmark (see node-fanout-server.js): N official socket.io-client
// connections join room "bench", receive `tick` for DURATION seconds, then report delivery and
// latency (receive time - send time in the payload's first 8 bytes, float64 LE ms).
// Works against the node baseline or any server with the same `join`/`tick` behaviour.
//
//   N=100 DURATION=20 URL=http://127.0.0.1:3000 node node-fanout-client.js
// TRANSPORT=polling keeps every client on HTTP long-polling (default websocket). With
// SERVER_PID, the server's CPU time (utime+stime from /proc) over the measurement window is
// reported as server_cpu_s, so connection setup is not billed (bench/polling-cpu.sh).
// Output: one JSON line on stdout. Bounded: gives up connecting after 30 s, always ends.
'use strict';

const { performance } = require('node:perf_hooks');
const { io } = require('socket.io-client');

const url = process.env.URL ?? 'http://127.0.0.1:3000';
const n = Math.min(Number(process.env.N ?? 100), 5000);
const durationS = Math.min(Number(process.env.DURATION ?? 20), 600);
const transport = process.env.TRANSPORT === 'polling' ? 'polling' : 'websocket';
const serverPid = process.env.SERVER_PID;

/** The server's user+system CPU seconds so far (null without SERVER_PID). */
function serverCpuS() {
  if (!serverPid) return null;
  const stat = require('node:fs').readFileSync(`/proc/${serverPid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

const latencies = [];
const MAX_SAMPLES = 2_000_000; // bounded memory
let received = 0;
let measuring = false;
let disconnects = 0;

function connectOne() {
  return new Promise((resolve, reject) => {
    const s = io(url, { transports: [transport], reconnection: false, forceNew: true, timeout: 10000 });
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
  // CONCURRENCY handshakes at once (20): a long-polling handshake takes several round trips
  const sockets = [];
  const concurrency = Math.max(1, Math.min(Number(process.env.CONCURRENCY ?? 20), 200));
  const deadline = Date.now() + 60000;
  while (sockets.length < n) {
    if (Date.now() > deadline) throw new Error(`only ${sockets.length}/${n} clients connected within 60 s`);
    const batch = Math.min(concurrency, n - sockets.length);
    sockets.push(...(await Promise.all(Array.from({ length: batch }, connectOne))));
  }
  const cpuStart = serverCpuS();
  measuring = true;
  await new Promise((r) => setTimeout(r, durationS * 1000));
  measuring = false;
  const cpuEnd = serverCpuS();
  for (const s of sockets) s.close();
  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({
    clients: n,
    transport,
    duration_s: durationS,
    server_cpu_s: cpuStart === null ? null : +(cpuEnd - cpuStart).toFixed(2),
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

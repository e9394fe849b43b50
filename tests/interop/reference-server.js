#!/usr/bin/env node
// Reference implementation of the Socket.IO testbed contract (/work/notes/testbed-contract.md,
// summarised in README.md) with the OFFICIAL `socket.io` 4.x server. The interop tests pass
// against this first, which proves the tests themselves are right; Petri's Rust testbed binary
// must then behave the same way.
//
// Usage: PORT=0 PING_INTERVAL=25000 PING_TIMEOUT=20000 MAX_PAYLOAD=1000000 node reference-server.js
// Prints exactly one line `listening on 127.0.0.1:<port>` once accepting; exits on SIGTERM,
// SIGINT or when stdin closes.
'use strict';

const http = require('node:http');
const { Server } = require('socket.io');

function envInt(name, dflt) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`bad ${name}=${raw}`);
    process.exit(2);
  }
  return n;
}

const port = envInt('PORT', 0);
const httpServer = http.createServer();
const io = new Server(httpServer, {
  path: '/socket.io/',
  pingInterval: envInt('PING_INTERVAL', 25000),
  pingTimeout: envInt('PING_TIMEOUT', 20000),
  maxHttpBufferSize: envInt('MAX_PAYLOAD', 1000000), // engine.io's name for maxPayload
  serveClient: false,
  // The testbed contract includes permessage-deflate (Petri's default, threshold 16 bytes);
  // the JS server's own default is off.
  perMessageDeflate: { threshold: 16 },
});

// The last argument is the ack callback when the client asked for one.
function splitAck(args) {
  if (args.length > 0 && typeof args[args.length - 1] === 'function') {
    return [args.slice(0, -1), args[args.length - 1]];
  }
  return [args, null];
}

function addEchoHandlers(socket) {
  socket.on('echo', (...args) => socket.emit('echo', ...args));
  socket.on('echo-ack', (...all) => {
    const [args, ack] = splitAck(all);
    if (ack) ack(...args);
  });
}

// ---- namespace "/" ----
io.on('connection', (socket) => {
  // The official server's handshake.auth is `{}` when the client sent no auth payload, so
  // `?? null` never triggers here; see README.md ("auth when absent").
  socket.emit('welcome', { id: socket.id, auth: socket.handshake.auth ?? null });
  addEchoHandlers(socket);

  socket.on('ask', (payload, ack) => {
    if (typeof ack !== 'function') return;
    socket.timeout(5000).emit('question', payload, (err, answer) => {
      ack(err ? { error: 'timeout' } : { answer });
    });
  });

  socket.on('join', (room, ack) => {
    socket.join(room);
    if (typeof ack === 'function') ack(true);
  });
  socket.on('leave', (room, ack) => {
    socket.leave(room);
    if (typeof ack === 'function') ack(true);
  });
  // io.to(room) (not socket.to) so that the sender is included when it is a member.
  socket.on('to-room', (room, data) => io.to(room).emit('room-msg', data));
  // .to(array) de-duplicates: a socket in several of the rooms gets the event once.
  socket.on('to-rooms', (rooms, data) => io.to(rooms).emit('room-msg', data));
  socket.on('broadcast', (data) => socket.broadcast.emit('broadcast-msg', data));
  socket.on('volatile', (data) => socket.volatile.emit('volatile-msg', data));

  socket.on('make-binary', (n, ack) => {
    if (typeof ack !== 'function') return;
    const len = Math.max(0, Math.min(65536, Math.floor(Number(n)) || 0));
    const buf = Buffer.alloc(len);
    for (let i = 0; i < len; i++) buf[i] = i % 256;
    ack(buf);
  });

  // Namespace-level disconnect: DISCONNECT packet, client reason "io server disconnect".
  socket.on('disconnect-me', () => socket.disconnect());
  // Close the Engine.IO connection itself. NOT socket.disconnect(true): the official server
  // sends DISCONNECT packets first, so the client would report "io server disconnect".
  socket.on('close-me', () => socket.conn.close());
});

// ---- namespace "/custom" ----
io.of('/custom').on('connection', (socket) => {
  socket.emit('welcome', { nsp: '/custom' });
  addEchoHandlers(socket);
});

// ---- namespace "/secure" ----
const secure = io.of('/secure');
secure.use((socket, next) => {
  const auth = socket.handshake.auth;
  if (auth && auth.token === 'let-me-in') return next();
  next(new Error('invalid token')); // -> CONNECT_ERROR {"message":"invalid token"}
});
secure.on('connection', (socket) => {
  socket.emit('welcome', { nsp: '/secure' });
  addEchoHandlers(socket);
});
// Any other namespace: the official server refuses it with "Invalid namespace" by itself.

httpServer.listen(port, '127.0.0.1', () => {
  const { port: actual } = httpServer.address();
  process.stdout.write(`listening on 127.0.0.1:${actual}\n`);
});

let exiting = false;
function shutdown() {
  if (exiting) return;
  exiting = true;
  io.close();
  // Do not wait for lingering connections: the harness wants us gone now.
  setImmediate(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// stdin closing means the parent (test harness) is gone or done with us.
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();

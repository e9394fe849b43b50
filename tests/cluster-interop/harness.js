// Helpers for the cluster interop tests: a Node.js socket.io 4.8 server with the official
// @socket.io/redis-adapter 8.3 on REDIS_URL, the Petri testbed (TESTBED_BIN) in Redis mode on the
// same Redis, socket.io-client connections, and bounded waits. Every wait has a deadline.
"use strict";

const http = require("node:http");
const { spawn } = require("node:child_process");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");
const ioc = require("socket.io-client");

const WAIT_MS = 5000;
const REDIS_URL = process.env.REDIS_URL;

/** Rejects after `ms` with `what` unless `promise` settles first. */
function within(promise, what, ms = WAIT_MS) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The Node server: socket.io + the official Redis adapter, with a few handlers of its own. */
async function startNodeServer() {
  const pub = createClient({ url: REDIS_URL });
  const sub = pub.duplicate();
  await within(Promise.all([pub.connect(), sub.connect()]), "node-redis connects");
  const httpServer = http.createServer();
  const io = new Server(httpServer, { transports: ["websocket"] });
  io.adapter(createAdapter(pub, sub, { requestsTimeout: 3000 }));
  io.on("connection", (socket) => {
    socket.on("join", (room, ack) => {
      socket.join(room);
      if (typeof ack === "function") ack(true);
    });
  });
  io.on("hello-node", (arg, ack) => ack({ from: "node", arg }));
  await within(new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve)), "listen");
  const port = httpServer.address().port;
  async function close() {
    io.close();
    await Promise.allSettled([pub.quit(), sub.quit()]);
  }
  return { io, port, pub, close };
}

/** The Petri testbed in Redis mode; resolves once it prints its port. */
async function startPetri() {
  const bin = process.env.TESTBED_BIN;
  if (!bin) throw new Error("TESTBED_BIN is not set");
  const child = spawn(bin, [], {
    env: { ...process.env, PORT: "0", REDIS_URL, NODE_ID: "petri-interop" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
    if (process.env.TESTBED_VERBOSE) process.stderr.write(d);
  });
  const port = await within(
    new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/listening on 127\.0\.0\.1:(\d+)/);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`testbed exited (${code}): ${stderr}`)));
    }),
    "the Petri testbed starts",
    15000,
  );
  async function close() {
    child.stdin.end();
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await within(exited, "testbed exits", 3000).catch(() => child.kill("SIGKILL"));
  }
  return { port, close };
}

/** Waits (bounded) until `n` servers subscribe to the request channel of `/`. */
async function waitForServers(redis, n) {
  for (let i = 0; i < 100; i++) {
    const [, count] = await redis.sendCommand(["PUBSUB", "NUMSUB", "socket.io-request#/#"]);
    if (Number(count) >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${n} servers on the request channel`);
}

/** A connected socket.io-client that records every event it gets. */
async function connect(port) {
  const socket = ioc(`http://127.0.0.1:${port}`, { transports: ["websocket"], reconnection: false });
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push([event, ...args]));
  await within(new Promise((resolve) => socket.once("connect", resolve)), `connect to ${port}`);
  return socket;
}

/** The arguments of the next `event` on `socket`. */
function next(socket, event) {
  return within(new Promise((resolve) => socket.once(event, (...args) => resolve(args))), event);
}

/** `emitWithAck`, bounded. */
function ask(socket, event, ...args) {
  return socket.timeout(WAIT_MS).emitWithAck(event, ...args);
}

/** Bounded polling until `check` resolves truthy. */
async function eventually(check, what) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

module.exports = { within, startNodeServer, startPetri, waitForServers, connect, next, ask, eventually };

// A Node.js socket.io 4.8.4 server with the official @socket.io/redis-adapter 8.3.0 and the Petri
// testbed share one Redis; real socket.io-client connections on both check that broadcasts,
// serverSideEmit, fetchSockets, allRooms, socketsJoin, disconnectSockets and broadcasts with acks
// cross in both directions. Not-received checks use a barrier sent after the message: one sender,
// one Redis connection and per-connection order mean anything meant for a client arrives first.
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

let node;
let petri;
const clients = {};

before(async () => {
  node = await h.startNodeServer();
  petri = await h.startPetri();
  await h.waitForServers(node.pub, 2);
  // petriA in room1, petriB in none; nodeC in room2, nodeD in none.
  clients.petriA = await h.connect(petri.port);
  clients.petriB = await h.connect(petri.port);
  clients.nodeC = await h.connect(node.port);
  clients.nodeD = await h.connect(node.port);
  assert.equal(await h.ask(clients.petriA, "join", "room1"), true);
  assert.equal(await h.ask(clients.nodeC, "join", "room2"), true);
  for (const [name, socket] of Object.entries(clients)) {
    socket.on("question", (q, ack) => ack(`${name}:${q}`));
  }
});

after(async () => {
  for (const socket of Object.values(clients)) socket.close();
  await petri?.close();
  await node?.close();
});

/** Events named `event` a client got so far. */
function got(socket, event) {
  return socket.received.filter(([e]) => e === event);
}

/** A barrier from the Node server to everyone, awaited on `socket`. */
async function nodeBarrier(socket, tag) {
  const seen = h.next(socket, "barrier");
  node.io.emit("barrier", tag);
  assert.deepEqual(await seen, [tag]);
}

/** A barrier from the Petri testbed (through `from`) to everyone, awaited on `socket`. */
async function petriBarrier(from, socket, tag) {
  const seen = h.eventually(() => got(socket, "all-msg").some(([, t]) => t === tag), tag);
  from.emit("to-all", tag);
  await seen;
}

test("a room broadcast from Node reaches a Petri client, binary included", async () => {
  const { petriA, petriB } = clients;
  const arrived = h.next(petriA, "room-msg");
  node.io.to("room1").emit("room-msg", "hi", Buffer.from([1, 2, 3]));
  const [text, bytes] = await arrived;
  assert.equal(text, "hi");
  assert.deepEqual([...bytes], [1, 2, 3]);
  await nodeBarrier(petriB, "b1");
  assert.equal(got(petriB, "room-msg").length, 0);
});

test("a room broadcast from Petri reaches a Node client, binary included", async () => {
  const { petriB, nodeC, nodeD } = clients;
  const arrived = h.next(nodeC, "room-msg");
  petriB.emit("to-room", "room2", "yo", Buffer.from([4, 5]));
  const [text, bytes] = await arrived;
  assert.equal(text, "yo");
  assert.deepEqual([...bytes], [4, 5]);
  await petriBarrier(petriB, nodeD, "b2");
  assert.equal(got(nodeD, "room-msg").length, 0);
});

test("emit to all, both ways", async () => {
  const { petriA, petriB, nodeD } = clients;
  const both = [h.next(petriA, "all-node"), h.next(petriB, "all-node")];
  node.io.emit("all-node", 1);
  assert.deepEqual(await Promise.all(both), [[1], [1]]);
  const toNode = h.next(nodeD, "all-msg");
  petriA.emit("to-all", "from-petri");
  assert.deepEqual(await toNode, ["from-petri"]);
});

test("emit to all but a room, both ways", async () => {
  const { petriA, petriB, nodeC, nodeD } = clients;
  const outside = h.next(petriB, "ex-node");
  node.io.except("room1").emit("ex-node");
  await outside;
  await nodeBarrier(petriA, "b3");
  assert.equal(got(petriA, "ex-node").length, 0);

  const toD = h.next(nodeD, "except-msg");
  petriA.emit("except-room", "room2", "z");
  assert.deepEqual(await toD, ["z"]);
  await petriBarrier(petriA, nodeC, "b4");
  assert.equal(got(nodeC, "except-msg").length, 0);
});

test("serverSideEmit with ack, both ways", async () => {
  const fromPetri = await h.within(node.io.serverSideEmitWithAck("hello-petri", 5), "petri answers");
  assert.deepEqual(fromPetri, [{ from: "petri", args: [5] }]);
  const fromNode = await h.ask(clients.petriA, "server-side-emit", "hello-node", 42);
  assert.deepEqual(fromNode, [{ from: "node", arg: 42 }]);
});

test("fetchSockets from Node sees Petri's sockets, and Petri's sees Node's", async () => {
  const { petriA, petriB, nodeC, nodeD } = clients;
  const all = await h.within(node.io.fetchSockets(), "fetchSockets");
  const ids = all.map((s) => s.id).sort();
  assert.deepEqual(ids, [petriA.id, petriB.id, nodeC.id, nodeD.id].sort());
  const inRoom1 = await h.within(node.io.in("room1").fetchSockets(), "fetchSockets room1");
  assert.deepEqual(inRoom1.map((s) => s.id), [petriA.id]);
  assert.ok(inRoom1[0].rooms.has("room1"));
  assert.equal(typeof inRoom1[0].handshake.issued, "number");

  const fetched = await h.ask(petriB, "fetch-sockets", "room2");
  assert.deepEqual(fetched.map((s) => s.id), [nodeC.id]);
  assert.ok(fetched[0].rooms.includes("room2"));
  const everyone = await h.ask(petriB, "fetch-sockets", null);
  assert.equal(everyone.length, 4);
});

test("allRooms, both ways", async () => {
  const rooms = await h.within(node.io.of("/").adapter.allRooms(), "allRooms");
  assert.ok(rooms.has("room1") && rooms.has("room2"), [...rooms].join(","));
  const fromPetri = await h.ask(clients.petriA, "all-rooms");
  assert.ok(fromPetri.includes("room1") && fromPetri.includes("room2"), fromPetri.join(","));
});

test("a broadcast with acks from Node counts Petri's clients", async () => {
  const answers = await h.within(node.io.timeout(3000).emitWithAck("question", "q"), "acks");
  assert.deepEqual(answers.sort(), ["nodeC:q", "nodeD:q", "petriA:q", "petriB:q"]);
  const inRoom1 = await h.within(node.io.to("room1").timeout(3000).emitWithAck("question", "r"), "acks");
  assert.deepEqual(inRoom1, ["petriA:r"]);
});

test("socketsJoin from Node acts on a Petri socket", async () => {
  const { petriB } = clients;
  node.io.in(petriB.id).socketsJoin("joined");
  await h.eventually(async () => {
    const sockets = await node.io.in("joined").fetchSockets();
    return sockets.length === 1 && sockets[0].id === petriB.id;
  }, "petriB in room joined");
  const arrived = h.next(petriB, "joined-msg");
  node.io.to("joined").emit("joined-msg", "welcome");
  assert.deepEqual(await arrived, ["welcome"]);
});

test("disconnectSockets from Node disconnects Petri sockets", async () => {
  const { petriA, petriB } = clients;
  const gone = h.next(petriA, "disconnect");
  node.io.in("room1").disconnectSockets();
  const [reason] = await gone;
  assert.equal(reason, "io server disconnect");
  await nodeBarrier(petriB, "b5");
  assert.ok(petriB.connected);
});

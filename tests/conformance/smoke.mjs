// Replays the WebSocket cases of the official socket.io-protocol and engine.io-protocol test
// suites against a running `socketio-conformance` example (see docs/SOCKETIO.md). Our own script,
// for offline use; the official suites remain the reference.
//
//   node tests/conformance/smoke.mjs                                  # SUITE=socketio, :3000
//   SUITE=engineio BASE=ws://localhost:3001 P=/engine.io/ node tests/conformance/smoke.mjs
//
// Needs the `ws` package: a node_modules dir in NODE_PATH, ./node_modules, or ../interop/node_modules.
import { createRequire } from "module";
import { fileURLToPath } from "url";
import path from "path";

const here = path.dirname(fileURLToPath(import.meta.url));
function loadWs() {
  const req = createRequire(import.meta.url);
  const dirs = [...(process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean),
    path.join(here, "node_modules"), path.join(here, "../interop/node_modules")];
  for (const d of dirs) {
    try { return req(path.join(d, "ws")); } catch {}
  }
  throw new Error("the `ws` npm package is needed (npm i ws, or set NODE_PATH)");
}
const WebSocket = loadWs();
const base = process.env.BASE || "ws://localhost:3000";
const eioPath = process.env.P || "/socket.io/";
function open(q = "EIO=4&transport=websocket") {
  const ws = new WebSocket(`${base}${eioPath}?${q}`); ws.binaryType = "arraybuffer";
  const queue = []; const waiters = []; let closed = false; const cw = [];
  ws.on("message", (d, isBin) => { const v = isBin ? Buffer.from(d) : d.toString(); if (v === "2") return; if (waiters.length) waiters.shift()(v); else queue.push(v); });
  ws.on("close", () => { closed = true; cw.forEach(f => f()); });
  ws.on("error", () => {});
  return { ws, next: () => new Promise((res, rej) => { if (queue.length) return res(queue.shift()); const t = setTimeout(() => rej(new Error("timeout")), 2000); waiters.push(v => { clearTimeout(t); res(v); }); }),
           closed: () => new Promise((res, rej) => { if (closed) return res(); const t = setTimeout(() => rej(new Error("no close")), 2000); cw.push(() => { clearTimeout(t); res(); }); }),
           opened: () => new Promise(r => ws.on("open", r)) };
}
const eq = (a, b, m) => { const A = Buffer.isBuffer(a) ? [...a].join() : a, B = Buffer.isBuffer(b) ? [...b].join() : b; if (A !== B) throw new Error(`${m}: ${A} != ${B}`); };
const tests = {
  async sio_main() { const s = open(); const o = JSON.parse((await s.next()).slice(1)); eq(JSON.stringify(Object.keys(o).sort()), '["maxPayload","pingInterval","pingTimeout","sid","upgrades"]', "keys"); eq(o.pingInterval, 300, "pi"); s.ws.send("40"); const d = await s.next(); if (!d.startsWith("40{\"sid\"")) throw d; eq(await s.next(), '42["auth",{}]', "auth"); s.ws.close(); },
  async sio_payload() { const s = open(); await s.next(); s.ws.send('40{"token":"123"}'); await s.next(); eq(await s.next(), '42["auth",{"token":"123"}]', "auth"); s.ws.close(); },
  async sio_custom() { const s = open(); await s.next(); s.ws.send('40/custom,{"token":"abc"}'); const d = await s.next(); if (!d.startsWith("40/custom,")) throw d; eq(await s.next(), '42/custom,["auth",{"token":"abc"}]', "auth"); s.ws.close(); },
  async sio_unknown() { const s = open(); await s.next(); s.ws.send("40/random"); eq(await s.next(), '44/random,{"message":"Invalid namespace"}', "err"); s.ws.close(); },
  async sio_invalid() { const s = open(); await s.next(); s.ws.send("4abc"); await s.closed(); },
  async sio_disc_custom() { const s = open(); await s.next(); s.ws.send("40"); await s.next(); await s.next(); s.ws.send("40/custom"); await s.next(); await s.next(); s.ws.send("41/custom"); s.ws.send('42["message","message to main namespace"]'); eq(await s.next(), '42["message-back","message to main namespace"]', "mb"); s.ws.close(); },
  async sio_plain() { const s = open(); await s.next(); s.ws.send("40"); await s.next(); await s.next(); s.ws.send('42["message",1,"2",{"3":[true]}]'); eq(await s.next(), '42["message-back",1,"2",{"3":[true]}]', "m"); s.ws.close(); },
  async sio_bin() { const s = open(); await s.next(); s.ws.send("40"); await s.next(); await s.next(); s.ws.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'); s.ws.send(Uint8Array.from([1,2,3])); s.ws.send(Uint8Array.from([4,5,6])); eq(await s.next(), '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]', "h"); eq(await s.next(), Buffer.from([1,2,3]), "b1"); eq(await s.next(), Buffer.from([4,5,6]), "b2"); s.ws.close(); },
  async sio_ack() { const s = open(); await s.next(); s.ws.send("40"); await s.next(); await s.next(); s.ws.send('42456["message-with-ack",1,"2",{"3":[false]}]'); eq(await s.next(), '43456[1,"2",{"3":[false]}]', "a"); s.ws.close(); },
  async sio_binack() { const s = open(); await s.next(); s.ws.send("40"); await s.next(); await s.next(); s.ws.send('452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'); s.ws.send(Uint8Array.from([1,2,3])); s.ws.send(Uint8Array.from([4,5,6])); eq(await s.next(), '462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]', "h"); eq(await s.next(), Buffer.from([1,2,3]), "b1"); eq(await s.next(), Buffer.from([4,5,6]), "b2"); s.ws.close(); },
  async sio_bad_payload() { const s = open(); await s.next(); s.ws.send("40"); await s.next(); await s.next(); s.ws.send("42{}"); await s.closed(); },
  async sio_bad_ackid() { const s = open(); await s.next(); s.ws.send("40"); await s.next(); await s.next(); s.ws.send('42abc["message-with-ack",1]'); await s.closed(); },
  async sio_disc_main() { const s = open(); await s.next(); s.ws.send("40"); await s.next(); await s.next(); s.ws.send("41"); await s.closed(); },
  async eio_bad_version() { const s = open("EIO=3&transport=websocket"); await s.closed(); const t = open("transport=websocket"); await t.closed(); const u = open("EIO=4&transport=abc"); await u.closed(); },
  async eio_ping_timeout() { const s = open(); await s.closed(); },
  async eio_close() { const s = open(); await s.next(); s.ws.send("1"); await s.closed(); },
  async eio_invalid() { const s = open(); await s.next(); s.ws.send("abc"); await s.closed(); },
};
const eioOnly = { async eio_echo() { const s = open(); await s.next(); s.ws.send("4hello"); eq(await s.next(), "4hello", "e"); s.ws.send(Uint8Array.from([1,2,3,4])); eq(await s.next(), Buffer.from([1,2,3,4]), "b"); s.ws.close(); } };
const sel = process.env.SUITE === "engineio" ? { ...Object.fromEntries(Object.entries(tests).filter(([k]) => k.startsWith("eio"))), ...eioOnly } : tests;
let fail = 0;
for (const [n, f] of Object.entries(sel)) { try { await f(); console.log("ok", n); } catch (e) { fail++; console.log("FAIL", n, e.message); } }
process.exit(fail ? 1 : 0);

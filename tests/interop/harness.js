// Test harness: starts the server under test (the testbed contract) as a child process and
// gives helpers around the official socket.io-client.
//
// TESTBED_CMD selects the server: a command line split on whitespace (no shell, no quoting),
// e.g. TESTBED_CMD=/work/main/target/debug/examples/socketio-testbed
// Default: this directory's reference-server.js run by the current node.
// TESTBED_VERBOSE=1 also copies the server's stderr to the test output as it comes.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const { Manager, io } = require('socket.io-client');

const STARTUP_TIMEOUT_MS = 20000; // a cold Rust binary may take a moment
const STOP_TIMEOUT_MS = 3000;
const DEFAULT_TIMEOUT_MS = 5000; // guard for any single awaited event

function testbedCommand() {
  const raw = (process.env.TESTBED_CMD || '').trim();
  if (raw) return raw.split(/\s+/);
  return [process.execPath, path.join(__dirname, 'reference-server.js')];
}

/**
 * Start the server under test with PORT=0 plus `env`. Resolves to
 * { url, port, child, stop(), output(), stdout(), exited } once the `listening on` line was printed.
 */
function startServer(env = {}) {
  const [cmd, ...args] = testbedCommand();
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env, PORT: '0' },
    // stdin is a pipe we keep open: closing it tells the server to exit (contract).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    if (process.env.TESTBED_VERBOSE) process.stderr.write(d); // live server logs when debugging
    stderr += d;
    if (stderr.length > 65536) stderr = stderr.slice(-65536); // bounded memory
  });
  child.stdin.on('error', () => {}); // EPIPE if the child died first

  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const output = () => `--- server stdout ---\n${stdout}\n--- server stderr ---\n${stderr}`;

  // Resolves true if the child exited within ms. The timer is cleared so that it cannot keep
  // the test process alive after the child is gone.
  function exitedWithin(ms) {
    let timer;
    const guard = new Promise((resolve) => { timer = setTimeout(() => resolve(false), ms); });
    return Promise.race([exited.then(() => true), guard]).finally(() => clearTimeout(timer));
  }

  // At the end of a test file. A server that died on its own before that (a crash, a panic)
  // fails the file's `after` hook with its output, instead of only showing up as many
  // unexplained connection errors. Pass { allowExited: true } when the test stopped it itself.
  async function stop({ allowExited = false } = {}) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (allowExited) return;
      throw new Error(`server under test exited during the tests (code ${child.exitCode}, signal ${child.signalCode})\n${output()}`);
    }
    child.stdin.end(); // the polite way the contract defines
    if (await exitedWithin(STOP_TIMEOUT_MS)) return;
    child.kill('SIGTERM');
    if (await exitedWithin(STOP_TIMEOUT_MS)) return;
    child.kill('SIGKILL');
    await exited;
  }

  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        stop({ allowExited: true }).finally(() => reject(new Error(`${err.message}\n${output()}`)));
      } else {
        resolve(value);
      }
    };
    const timer = setTimeout(
      () => finish(new Error(`server did not print "listening on" within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
    child.once('error', (e) => finish(new Error(`cannot start ${cmd}: ${e.message}`)));
    exited.then(({ code, signal }) => finish(new Error(`server exited early (code ${code}, signal ${signal})`)));
    child.stdout.on('data', (d) => {
      if (stdout.length < 65536) stdout += d;
      // The contract: exactly `listening on 127.0.0.1:<port>`, alone on a line.
      const m = /^listening on 127\.0\.0\.1:(\d+)\r?$/m.exec(stdout);
      if (m) {
        const port = Number(m[1]);
        if (!(port > 0 && port < 65536)) return finish(new Error(`bad port in: ${m[0]}`));
        finish(null, { url: `http://127.0.0.1:${port}`, port, child, stop, output, stdout: () => stdout, exited });
      }
    });
  });
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolve with the args of the next `event` on `emitter`, reject after `ms`. */
function once(emitter, event, ms = DEFAULT_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`timed out after ${ms} ms waiting for "${event}"`));
    }, ms);
    const handler = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    emitter.once(event, handler);
  });
}

/** Wait until `predicate()` is true, polling; bounded by `ms`. */
async function waitFor(predicate, what, ms = DEFAULT_TIMEOUT_MS, stepMs = 10) {
  const rounds = Math.ceil(ms / stepMs);
  for (let i = 0; i < rounds; i++) {
    if (predicate()) return;
    await delay(stepMs);
  }
  if (!predicate()) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

// Every client in these tests but polling.test.js's: WebSocket only, no automatic
// reconnection (a server-side disconnect must stay observable), a fresh Manager each time.
const BASE_CLIENT_OPTS = { transports: ['websocket'], reconnection: false, forceNew: true, timeout: DEFAULT_TIMEOUT_MS };

/** A Manager (one Engine.IO connection) that namespaces can be opened on. */
function manager(url, opts = {}) {
  return new Manager(url, { ...BASE_CLIENT_OPTS, autoConnect: false, ...opts });
}

/**
 * Connect a socket and wait for both `connect` and the contract's `welcome` event (the handler
 * is attached before connecting so `welcome` cannot be missed). Resolves { socket, welcome }.
 * `from` is a URL (new Manager) or a Manager (multiplexed on it).
 */
async function connect(from, nsp = '/', opts = {}) {
  const socket = typeof from === 'string'
    ? io(from + (nsp === '/' ? '' : nsp), { ...BASE_CLIENT_OPTS, autoConnect: false, ...opts })
    : from.socket(nsp, { ...opts });
  const welcome = once(socket, 'welcome');
  const connected = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  welcome.catch(() => {}); // reported below if we get that far
  socket.connect();
  try {
    await connected;
    const [payload] = await welcome;
    return { socket, welcome: payload };
  } catch (e) {
    socket.close();
    throw e;
  }
}

/** Try to connect and return the connect_error (rejects if it connects instead). */
async function connectError(from, nsp = '/', opts = {}) {
  const socket = typeof from === 'string'
    ? io(from + (nsp === '/' ? '' : nsp), { ...BASE_CLIENT_OPTS, autoConnect: false, ...opts })
    : from.socket(nsp, { ...opts });
  let timer;
  try {
    const result = new Promise((resolve, reject) => {
      socket.once('connect_error', resolve);
      socket.once('connect', () => reject(new Error(`unexpectedly connected to ${nsp}`)));
      timer = setTimeout(
        () => reject(new Error(`no connect_error for ${nsp} within ${DEFAULT_TIMEOUT_MS} ms`)),
        DEFAULT_TIMEOUT_MS,
      );
    });
    socket.connect();
    return await result;
  } finally {
    clearTimeout(timer); // a pending guard timer would keep the test process alive
    socket.close();
  }
}

/** Emit with an ack, bounded. Resolves to the ack's args as an array. */
function emitAck(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(DEFAULT_TIMEOUT_MS).emit(event, ...args, (err, ...reply) => {
      if (err) reject(new Error(`no ack for "${event}" within ${DEFAULT_TIMEOUT_MS} ms`));
      else resolve(reply);
    });
  });
}

/** Record every occurrence of `event` on `socket` (payload = first arg). */
function collect(socket, event) {
  const seen = [];
  socket.on(event, (...args) => seen.push(args.length === 1 ? args[0] : args));
  return seen;
}

/** Close a Manager and every namespace socket on it (socket.io-client has no public call). */
function closeManager(m) {
  m._close();
}

module.exports = {
  closeManager,
  startServer,
  delay,
  once,
  waitFor,
  manager,
  connect,
  connectError,
  emitAck,
  collect,
  DEFAULT_TIMEOUT_MS,
  BASE_CLIENT_OPTS,
};

// Shared pieces of the browser tests: start a Petri server on a free loopback port, launch
// Debian's headless Chromium through playwright-core, open pages that record console errors,
// and bounded polling. Every wait here has a time limit; nothing leaves 127.0.0.1.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = path.join(REPO, 'tests', 'artifacts');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

const READY_MS = 20_000;
const STOP_MS = 5_000;

export function petriBin() {
  const bin = process.env.PETRI_BIN || 'target/debug/petri';
  return path.isAbsolute(bin) ? bin : path.join(REPO, bin);
}

/** A port that was free a moment ago: bind port 0, read it, close. */
export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `fn` (sync or async) until it returns a truthy value; returns it. Throws after `ms`
 * with `what` and the last value seen, so a failure says what was being waited for.
 */
export async function waitFor(what, fn, { ms = 10_000, every = 100 } = {}) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
    }
    await sleep(every);
  }
}

/**
 * Starts `petri serve` on a free port with the web client from disk (so client fixes are tested
 * without rebuilding the binary). `config` (an object of TOML text) is written to a temp file.
 */
export async function startServer({ bots = 0, config = null, extraArgs = [] } = {}) {
  const bin = petriBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`no Petri binary at ${bin}: build it (cargo build -p petri-server) or set PETRI_BIN`);
  }
  let lastErr;
  // A port found free can be taken by someone else before the server binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = ['serve', '--bind', `127.0.0.1:${port}`, '--web-root', path.join(REPO, 'web-client'), '--bots', String(bots)];
    let configFile = null;
    if (config) {
      configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'petri-browser-')), 'petri.toml');
      fs.writeFileSync(configFile, config);
      args.push('--config', configFile);
    }
    args.push(...extraArgs);
    const child = spawn(bin, args, {
      cwd: REPO,
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d.toString()).slice(-20_000);
      if (process.env.PETRI_LOG) process.stderr.write(d);
    });
    let exited = null;
    child.on('exit', (code, signal) => {
      exited = { code, signal };
    });
    const url = `http://127.0.0.1:${port}`;
    const server = {
      url,
      port,
      child,
      get stderr() {
        return stderr;
      },
      stop: () => stopChild(child, () => exited),
    };
    try {
      await waitFor(
        `${url}/readyz`,
        async () => {
          if (exited) throw new Error(`petri exited early (${JSON.stringify(exited)}): ${stderr}`);
          try {
            const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
            return res.status === 200;
          } catch {
            return false;
          }
        },
        { ms: READY_MS, every: 100 },
      );
      return server;
    } catch (e) {
      lastErr = e;
      await server.stop();
      if (!/address|in use/i.test(stderr)) break;
    }
  }
  throw lastErr;
}

/**
 * A real `redis-server` on a free loopback port, persistence off, for the cluster tests
 * (Debian's `redis-server` package; `.ci/run` installs it). `stop()` kills it.
 */
export async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.on('error', (e) => {
    exited = { error: e.message };
  });
  await waitFor(`redis-server on port ${port}`, async () => {
    if (exited) throw new Error(`redis-server exited: ${JSON.stringify(exited)}`);
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
  }, { ms: READY_MS, every: 50 });
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopChild(child, () => exited) };
}

async function stopChild(child, exited) {
  if (exited()) return;
  child.kill('SIGTERM');
  const done = once(child, 'exit');
  const timer = sleep(STOP_MS).then(() => 'late');
  if ((await Promise.race([done, timer])) === 'late' && !exited()) {
    child.kill('SIGKILL');
    await Promise.race([done, sleep(STOP_MS)]);
  }
}

/**
 * The fixture every browser test file uses: one Petri server (`startServer` options) and one
 * Chromium for the whole file, started before its first test and stopped after its last. Read
 * `env.server` and `env.browser` inside tests (they are set once the `before` hook has run).
 */
export function serverAndBrowser(serverOptions = {}) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer(serverOptions);
    env.browser = await launchBrowser();
  });
  after(async () => {
    if (env.browser) await env.browser.close();
    if (env.server) await env.server.stop();
  });
  return env;
}

export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    timeout: 30_000,
  });
}

/**
 * A fresh context (own storage) and page, recording console errors/warnings and page errors in
 * `page.problems`. Only loopback is reachable: every other request is aborted and recorded.
 */
export async function openPage(browser, { viewport = { width: 1280, height: 720 } } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      page.problems.push(`console.${msg.type()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1' || u.protocol === 'data:') return route.continue();
    page.problems.push(`blocked off-host request: ${u.href}`);
    return route.abort();
  });
  return page;
}

/** Opens the client and waits until its sockets are connected. */
export async function gotoClient(page, server, hash = '') {
  await page.goto(`${server.url}/${hash}`, { waitUntil: 'load' });
  await waitFor('window.petri and a connected socket', () =>
    page.evaluate(() => !!window.petri && window.petri.stats().connected),
  );
}

/** Types a name and presses Quick play; waits until the page plays with its own cell. */
export async function quickplay(page, name) {
  await page.fill('#name', name);
  await page.click('#quickplay');
  await waitFor('playing with an own cell', () =>
    page.evaluate(() => {
      const s = window.petri.stats();
      return s.screen === 'playing' && s.ownCells > 0 && s.playerId !== null ? s : null;
    }),
  );
}

/** The own cells' mass-weighted centre, from the client's picture of the server's frames. */
export function ownCentre(page) {
  return page.evaluate(() => {
    const w = window.petri.world();
    const own = w.cells.filter((c) => w.own.includes(c.id));
    if (own.length === 0) return null;
    let m = 0;
    let x = 0;
    let y = 0;
    for (const c of own) {
      const k = c.size * c.size;
      m += k;
      x += c.x * k;
      y += c.y * k;
    }
    return { x: x / m, y: y / m, cells: own.length, tick: w.tick };
  });
}

/** Waits until frames keep arriving and the player moves as steered: the page really plays.
 * It steers towards the map's middle (the origin), where there is room to move. */
export async function plays(page, how = '') {
  const first = await page.evaluate(() => window.petri.stats().framesReceived);
  await waitFor(`frames keep arriving${how}`, () =>
    page.evaluate((n) => window.petri.stats().framesReceived > n + 20, first),
  { ms: 20_000 });
  const start = await ownCentre(page);
  const dir = start.x > 0 ? -1 : 1;
  await page.evaluate(({ x, y, dir }) => window.petri.steer(x + dir * 2000, y), { ...start, dir });
  await waitFor('the player moves as steered', async () => (await ownCentre(page)).x * dir > start.x * dir + 20,
    { ms: 20_000 });
}

export function mkArtifacts() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}

/**
 * Real pixels: screenshots the page (as composited, HUD included) and returns the [r, g, b] at
 * each of `points` ([x, y] in CSS pixels), decoded in the page itself (no image library needed).
 */
export async function pixelsAt(page, points) {
  const png = await page.screenshot();
  return page.evaluate(
    async ({ b64, pts }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = new OffscreenCanvas(img.width, img.height);
      const g = c.getContext('2d', { willReadFrequently: true });
      g.drawImage(img, 0, 0);
      return pts.map(([x, y]) => Array.from(g.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3)));
    },
    { b64: png.toString('base64'), pts: points },
  );
}

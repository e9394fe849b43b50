#!/usr/bin/env bash
# The cluster interop suite: starts its own redis-server on a free loopback port (persistence
# off), then runs the node tests, which start a Node.js socket.io server with the official
# @socket.io/redis-adapter and the Petri testbed (TESTBED_BIN) in Redis mode on that Redis.
#
#   TESTBED_BIN=/path/to/target/debug/examples/socketio-testbed bash tests/cluster-interop/run.sh
#
# Installs node_modules (npm ci) when missing. Exit status is non-zero if anything failed.
set -uo pipefail

if [[ -z "${TESTBED_BIN:-}" ]]; then
  echo "run.sh: TESTBED_BIN is not set (cargo build -p petri-server --example socketio-testbed)" >&2
  exit 2
fi
if [[ "$TESTBED_BIN" != /* ]]; then
  TESTBED_BIN="$(cd "$(dirname "$TESTBED_BIN")" && pwd)/$(basename "$TESTBED_BIN")"
fi
export TESTBED_BIN
[[ -x "$TESTBED_BIN" ]] || { echo "run.sh: cannot run $TESTBED_BIN" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "run.sh: redis-server is missing (apt-get install redis-server)" >&2; exit 2; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE" || exit 2
if [[ ! -d node_modules ]]; then
  echo "run.sh: installing node dependencies (npm ci)"
  npm ci --no-audit --no-fund || { echo "run.sh: npm ci failed" >&2; exit 2; }
fi

REDIS_PID=""
LOG="$(mktemp)"
cleanup() {
  if [[ -n "$REDIS_PID" ]]; then
    kill "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
  fi
  rm -f "$LOG"
}
trap cleanup EXIT

# A free port (picked by the kernel), then Redis on it; retried if another process took it first.
for attempt in 1 2 3 4 5; do
  PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --protected-mode no >"$LOG" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 1 100); do
    if redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; then break; fi
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$REDIS_PID" 2>/dev/null && redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; then break; fi
  wait "$REDIS_PID" 2>/dev/null
  REDIS_PID=""
done
[[ -n "$REDIS_PID" ]] || { echo "run.sh: redis-server did not start" >&2; cat "$LOG" >&2; exit 2; }
export REDIS_URL="redis://127.0.0.1:$PORT"
echo "run.sh: Redis on $REDIS_URL, Petri testbed $TESTBED_BIN"

node --test --test-concurrency=1 --test-timeout=60000 ./*.test.js
status=$?
if [[ $status -ne 0 ]]; then echo "run.sh: FAILED" >&2; else echo "run.sh: all passed"; fi
exit $status

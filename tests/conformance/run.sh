#!/usr/bin/env bash
# Runs the official Engine.IO (24 cases) and Socket.IO (32 cases) protocol suites against
# `server/examples/socketio-conformance.rs`; fails if any case fails.
#
#   CONFORMANCE_BIN=$CARGO_TARGET_DIR/debug/examples/socketio-conformance tests/conformance/run.sh
#
# Where the suites come from: `CONFORMANCE_DIR` if set (e.g. ../shared/conformance, the copy the
# issue names), else the copy vendored beside this script (tests/conformance/README.md names the
# upstream commits). CI runs on a clean clone where ../shared may not exist, hence the vendored
# copy. Either way the folder is copied to a temporary directory first (the source may be
# read-only, and node_modules must never land in the repository), then `npm ci` and `npm test`.
# The suites hardcode localhost:3000, so port 3000 must be free.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="${CONFORMANCE_DIR:-$HERE}"
BIN="${CONFORMANCE_BIN:-}"
# How long the example may take to listen (bounded: 100 tries of 0.1 s).
LISTEN_TRIES=100

if [[ -z "$BIN" || ! -x "$BIN" ]]; then
  echo "run.sh: CONFORMANCE_BIN must name the built socketio-conformance example" >&2
  exit 2
fi
for suite in engine.io-protocol socket.io-protocol; do
  if [[ ! -f "$SRC/$suite/test-suite/package-lock.json" ]]; then
    echo "run.sh: $SRC/$suite/test-suite is not a suite folder" >&2
    exit 2
  fi
done

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
cp -r "$SRC/engine.io-protocol" "$SRC/socket.io-protocol" "$SRC/queued-websocket.js" "$WORK/"
chmod -R u+w "$WORK"

# Starts the example for `suite`, waits until it listens on :3000.
start_server() {
  local suite="$1"
  # The example exits when its stdin closes: it reads a fifo whose write end this script holds
  # (fd 7), so the server cannot outlive the script, and no helper process is left behind.
  rm -f "$WORK/stdin"
  mkfifo "$WORK/stdin"
  SUITE="$suite" "$BIN" < "$WORK/stdin" > "$WORK/server-$suite.log" 2>&1 &
  SERVER_PID=$!
  exec 7> "$WORK/stdin"
  for _ in $(seq "$LISTEN_TRIES"); do
    if grep -q "listening on" "$WORK/server-$suite.log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "run.sh: the $suite server did not start listening:" >&2
  cat "$WORK/server-$suite.log" >&2
  return 1
}

stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  exec 7>&-
  kill "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}

status=0
for pair in "engineio engine.io-protocol" "socketio socket.io-protocol"; do
  read -r suite folder <<<"$pair"
  echo "=== $folder (official suite) ==="
  (cd "$WORK/$folder/test-suite" && npm ci --no-audit --no-fund --silent) \
    || { echo "run.sh: npm ci failed for $folder" >&2; exit 2; }
  start_server "$suite" || exit 2
  (cd "$WORK/$folder/test-suite" && npm test --silent) || status=1
  stop_server
done

if [[ $status -ne 0 ]]; then
  echo "run.sh: FAILED" >&2
else
  echo "run.sh: both suites passed"
fi
exit $status

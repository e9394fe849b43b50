#!/usr/bin/env bash
# Run the whole interop suite (node tests with the official socket.io-client, then the
# python-socketio smoke test) against the server given by TESTBED_CMD. Installs what is missing.
#
#   TESTBED_CMD=/work/main/target/debug/examples/socketio-testbed tests/interop/run.sh
#   TESTBED_CMD="node tests/interop/reference-server.js" tests/interop/run.sh   # the reference
#
# TESTBED_CMD is split on whitespace (no quoting). A relative program path is taken relative to
# the directory you run this from. Exit status is non-zero if anything failed.
set -uo pipefail

if [[ -z "${TESTBED_CMD:-}" ]]; then
  echo "run.sh: TESTBED_CMD is not set." >&2
  echo "  e.g. TESTBED_CMD=/work/main/target/debug/examples/socketio-testbed $0" >&2
  echo "   or  TESTBED_CMD=\"node $(dirname "$0")/reference-server.js\" $0   (the official server)" >&2
  exit 2
fi

# Make relative paths in TESTBED_CMD absolute before we cd away from the caller's directory.
read -r -a words <<<"$TESTBED_CMD"
for i in "${!words[@]}"; do
  w="${words[$i]}"
  if [[ "$w" != /* && "$w" == */* && -e "$w" ]]; then
    words[$i]="$(cd "$(dirname "$w")" && pwd)/$(basename "$w")"
  fi
done
export TESTBED_CMD="${words[*]}"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE" || exit 2

prog="${words[0]}"
if ! command -v "$prog" >/dev/null 2>&1 && [[ ! -x "$prog" ]]; then
  echo "run.sh: cannot run '$prog' (from TESTBED_CMD). Build it first?" >&2
  exit 2
fi

# --- node deps ---
if [[ ! -d node_modules ]]; then
  echo "run.sh: installing node dependencies (npm ci)"
  npm ci --no-audit --no-fund || { echo "run.sh: npm ci failed" >&2; exit 2; }
fi

# --- python deps: a private venv in tests/interop/.venv (gitignored) ---
PY="$HERE/.venv/bin/python"
if ! "$PY" -c 'import socketio, websocket' >/dev/null 2>&1; then
  echo "run.sh: installing python dependencies into $HERE/.venv"
  python3 -m venv "$HERE/.venv" || { echo "run.sh: python3 -m venv failed (apt-get install python3-venv?)" >&2; exit 2; }
  "$PY" -m pip install --quiet --disable-pip-version-check -r python/requirements.txt \
    || { echo "run.sh: pip install failed" >&2; exit 2; }
fi

echo "run.sh: server under test: $TESTBED_CMD"
status=0

echo "=== node tests (official socket.io-client) ==="
node --test --test-concurrency=1 ./*.test.js || status=1

echo "=== python smoke test (python-socketio client) ==="
"$PY" python/smoke.py || status=1

if [[ $status -ne 0 ]]; then
  echo "run.sh: FAILED" >&2
else
  echo "run.sh: all passed"
fi
exit $status

#!/usr/bin/env bash
# Runs the Python bot (docs/BOTS.md) against a real `petri serve` on a free local port.
# Usage: PETRI_BIN=target/debug/petri tests/python-bot/run.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${PETRI_BIN:-$root/target/debug/petri}"
[ -x "$bin" ] || { echo "no petri binary at $bin (build it: cargo build -p petri-server)" >&2; exit 1; }
venv="$root/tests/interop/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$root/tests/interop/python/requirements.txt"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" --bots 5 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
"$venv/bin/python" "$here/bot.py" "http://127.0.0.1:$port" 4

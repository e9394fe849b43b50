#!/usr/bin/env bash
# Runs every Petri test, from any directory: lints first (a formatting slip fails fast), then the
# Rust unit and integration tests, the web client's node tests, Socket.IO interop with the
# official socket.io-client and python-socketio, a Python bot against a live server, and the web
# client in a real headless Chromium. The official Engine.IO and Socket.IO protocol suites run
# after the interop step.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== cargo fmt --check"
cargo fmt --all --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi

echo "== web client decoder and world (node --test)"
node --test tests/web-client/

echo "== Socket.IO interop: the official socket.io-client (node) and python-socketio"
cargo build -p petri-server --example socketio-testbed
TESTBED_CMD="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/examples/socketio-testbed" bash tests/interop/run.sh

echo "== the official Engine.IO and Socket.IO protocol suites (tests/conformance/README.md)"
cargo build -p petri-server --example socketio-conformance
CONFORMANCE_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/examples/socketio-conformance" bash tests/conformance/run.sh

echo "== cluster interop: Node socket.io + @socket.io/redis-adapter and Petri on one Redis"
TESTBED_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/examples/socketio-testbed" bash tests/cluster-interop/run.sh

echo "== a Python bot (docs/BOTS.md) plays against a real server"
cargo build -p petri-server --bin petri
PETRI_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/petri" bash tests/python-bot/run.sh

echo "== the web client in a real headless Chromium"
PETRI_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/petri" bash tests/browser/run.sh

#!/usr/bin/env bash
# Petri's web client in a real headless Chromium (docs/BROWSER-TESTS.md).
#   PETRI_BIN   the server binary (default: target/debug/petri under the repo root)
#   CHROMIUM_BIN  the browser (default: /usr/bin/chromium, Debian's `chromium` package)
# Extra arguments go to `node --test` (e.g. a single file: bash tests/browser/run.sh rooms.test.js).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

chromium="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "error: no Chromium at $chromium. Install Debian's: apt-get install -y chromium" >&2
  echo "       (or point CHROMIUM_BIN at another Chromium build)" >&2
  exit 1
fi

bin="${PETRI_BIN:-target/debug/petri}"
case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac
if [ ! -x "$bin" ]; then
  echo "error: no Petri binary at $bin: build it (cargo build -p petri-server) or set PETRI_BIN" >&2
  exit 1
fi
export PETRI_BIN="$bin"

if [ ! -f node_modules/playwright-core/package.json ]; then
  echo "== npm ci (playwright-core)"
  npm ci --no-audit --no-fund
fi

mkdir -p "$repo/tests/artifacts"
echo "== browser tests (Chromium: $("$chromium" --version 2>/dev/null | head -1))"
if [ "$#" -gt 0 ]; then
  exec node --test --test-concurrency=1 "$@"
fi
# A real browser on a busy 2-core machine can miss a beat: run the suite once more when it fails,
# saying so loudly, so a flaky test is visible in the log and a broken one still fails twice.
if node --test --test-concurrency=1 ./*.test.js; then
  exit 0
fi
echo "!! the browser suite failed; running it once more to tell a flaky test from a broken one" >&2
exec node --test --test-concurrency=1 ./*.test.js

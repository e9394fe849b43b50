#!/usr/bin/env bash
# The load benchmark: `petri serve` on core 0, `petri swarm` on core 1 of this machine.
#   bench/loadtest.sh BOTS ROOMS DURATION_S [even|half]
# even: BOTS spread over ROOMS rooms; half: BOTS/2 in one room, BOTS/2 over ROOMS-1 rooms.
# TRANSPORT=polling plays every bot over Engine.IO HTTP long-polling (default: websocket), so
# the server's CPU per client of the two transports can be compared.
# Measures the server's CPU and RSS and the tick-time histogram in steady state (after all bots
# have joined), and prints the swarm's report. Needs a release build: cargo build --release.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${PETRI_BIN:-${CARGO_TARGET_DIR:-target}/release/petri}"
# PETRI_BIN and SWARM_BIN run other builds (an A/B pair) as the server and as the swarm
SWARM_BIN="${SWARM_BIN:-$BIN}"
BOTS=$1 ROOMS=$2 DURATION=$3 MODE=${4:-even}
URL=http://127.0.0.1:18090
OUT=$(mktemp -d)
RUST_LOG=warn taskset -c 0 "$BIN" serve --config bench/load.toml 2> "$OUT/serve.log" &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$URL/readyz" > /dev/null && break; sleep 0.1; done
swarm() { taskset -c 1 "$SWARM_BIN" swarm --url "$URL" --duration "${DURATION}s" --connect-rate 400 --no-progress --transport "${TRANSPORT:-websocket}" "$@"; }
if [ "$MODE" = half ]; then
  swarm --bots $((BOTS / 2)) --rooms 1 > "$OUT/swarm-a.txt" 2>&1 &
  A=$!
  swarm --bots $((BOTS / 2)) --rooms $((ROOMS - 1)) > "$OUT/swarm-b.txt" 2>&1 &
  B=$!
else
  swarm --bots "$BOTS" --rooms "$ROOMS" > "$OUT/swarm-a.txt" 2>&1 &
  A=$!
  B=$A
fi
# user and system CPU ticks, as one word (the system's share is mostly the kernel's TCP work)
cpu() { awk '{print $14 "+" $15}' "/proc/$SERVER/stat"; }
settle=$((BOTS / 400 + 5))
sleep "$settle"
C0=$(cpu); T0=$(date +%s.%N); curl -s "$URL/metrics" > "$OUT/before.txt"
sleep $((DURATION - settle - 5))
C1=$(cpu); T1=$(date +%s.%N); curl -s "$URL/metrics" > "$OUT/after.txt"
RSS=$(awk '/VmRSS/{print $2}' "/proc/$SERVER/status")
wait $A; wait $B || true
python3 - "$OUT" "$C0" "$C1" "$T0" "$T1" "$(getconf CLK_TCK)" "$RSS" "$BOTS" <<'PY'
import re, sys
out, c0, c1, t0, t1, tck, rss, bots = sys.argv[1:]
(u0, k0), (u1, k1) = (map(float, c.split("+")) for c in (c0, c1))
user, system = (u1 - u0) / float(tck), (k1 - k0) / float(tck)
cpu = user + system; wall = float(t1) - float(t0); bots = int(bots)
def read(path):
    buckets, totals = {}, {}
    for line in open(path):
        m = re.match(r'petri_tick_seconds_bucket\{le="([^"]+)",room="([^"]+)"\} (\d+)', line)
        if m: buckets.setdefault(m.group(2), {})[m.group(1)] = int(m.group(3))
        m = re.match(r'(petri_frames_(?:sent|skipped)_total)\{[^}]*\} (\d+)', line)
        if m: totals[m.group(1)] = totals.get(m.group(1), 0) + int(m.group(2))
    return buckets, totals
def p99(delta):
    """The 99th percentile: its bucket's bound, and interpolated linearly inside the bucket."""
    ticks = delta.get("+Inf", 0)
    bounds = sorted((k for k in delta if k != "+Inf"), key=float)
    below, lower = 0, 0.0
    for k in bounds:
        if ticks and delta[k] >= 0.99 * ticks:
            inside = delta[k] - below
            frac = (0.99 * ticks - below) / inside if inside else 1.0
            return float(k), lower + (float(k) - lower) * frac
        below, lower = delta[k], float(k)
    return None, None
(b0, s0), (b1, s1) = read(f"{out}/before.txt"), read(f"{out}/after.txt")
rooms = {r: {k: v - b0.get(r, {}).get(k, 0) for k, v in b.items()} for r, b in b1.items()}
delta = {}
for d in rooms.values():
    for k, v in d.items(): delta[k] = delta.get(k, 0) + v
ticks = delta.get("+Inf", 0)
bound, _ = p99(delta)
print(f"server: {cpu / wall * 100:.0f}% of one core, RSS {int(rss) / 1024:.0f} MiB; per client {cpu / wall / bots * 1e3:.3f} ms CPU/s "
      f"(user {user / wall / bots * 1e3:.3f}, system {system / wall / bots * 1e3:.3f}), {int(rss) / bots:.0f} KiB")
print(f"ticks in window: {ticks}; tick p99 <= {bound * 1000 if bound else float('nan'):.1f} ms (histogram bucket bound, all rooms)")
for room, d in sorted(rooms.items(), key=lambda kv: -kv[1].get("+Inf", 0)):
    b, est = p99(d)
    if b is not None:
        print(f"  room {room}: {d.get('+Inf', 0)} ticks, tick p99 <= {b * 1000:.1f} ms, about {est * 1000:.1f} ms interpolated")
print(f"frames sent in window: {s1.get('petri_frames_sent_total', 0) - s0.get('petri_frames_sent_total', 0)}; frames skipped (whole run): {s1.get('petri_frames_skipped_total', 0)}")
PY
for f in "$OUT"/swarm-*.txt; do echo "-- $(basename "$f")"; grep -E "connected|failed|disconnects|frames|bytes|input-to|errors" "$f"; done

#!/usr/bin/env bash
# The soak benchmark: does the server's memory stay flat under steady load? (issue 17)
#   bench/soak.sh MINUTES BOTS ROOMS [steady|churn]
# steady: one swarm of BOTS network bots over ROOMS new rooms for MINUTES, no disconnects.
# churn:  back-to-back swarms of BOTS bots, each CHURN_SECS long (default 30), into the main room
#         (which keeps 20 server bots, so players die and respawn): every round joins, plays, dies
#         and leaves, and the next round reconnects. ROOMS is ignored.
# Samples the server's RSS every SAMPLE_SECS (default 30) and prints the least-squares slope in
# MB/min over the samples after the warm-up (WARMUP_MIN, default 5, at most half the run).
# Needs a release build (cargo build --release). Runs under `nice`; the server and swarms are
# stopped by their ids when the script ends, however it ends.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${CARGO_TARGET_DIR:-target}/release/petri"
MINUTES=${1:?minutes} BOTS=${2:?bots} ROOMS=${3:?rooms} MODE=${4:-steady}
SAMPLE=${SAMPLE_SECS:-30} CHURN=${CHURN_SECS:-30} PORT=${PORT:-18091}
WARMUP=$(python3 -c "print(min(float('${WARMUP_MIN:-5}'), $MINUTES / 2))")
URL=http://127.0.0.1:$PORT
OUT=$(mktemp -d /tmp/petri-soak.XXXXXX)
cat > "$OUT/soak.toml" <<EOF
bind = "127.0.0.1:$PORT"
[network]
max_connections_per_address = 10000
[main_room]
capacity = $((BOTS + 10))
bots = $([ "$MODE" = churn ] && echo 20 || echo 0)
[limits]
max_capacity = 2000
EOF
SERVER='' SWARM=''
cleanup() {
    [ -n "$SWARM" ] && kill -TERM "$SWARM" 2>/dev/null || true
    [ -n "$SERVER" ] && kill -TERM "$SERVER" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT
RUST_LOG=warn nice "$BIN" serve --config "$OUT/soak.toml" 2> "$OUT/serve.log" &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "$URL/readyz" > /dev/null && break; sleep 0.1; done
curl -sf "$URL/readyz" > /dev/null || { echo "server did not start: $(cat "$OUT/serve.log")" >&2; exit 1; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER/status"; }
# the allocator's view (petri_heap_bytes): KB held by the server, and KB malloc keeps unused
# and the cells all clients hold in their views (petri_view_cells summed over rooms)
heap_kb() { curl -sf "$URL/metrics" | awk '/^petri_heap_bytes\{state="in_use"\}/ {u=$2} /^petri_heap_bytes\{state="free"\}/ {f=$2} /^petri_view_cells\{/ {v+=$2} END {printf "%d %d %d", u/1024, f/1024, v}'; }
swarm() { nice "$BIN" swarm --url "$URL" --bots "$BOTS" --connect-rate 200 --no-progress "$@"; }

START=$(date +%s) END=$(($(date +%s) + MINUTES * 60))
echo "soak: $MODE, $BOTS bots, $MINUTES min, RSS every ${SAMPLE}s (warm-up ${WARMUP} min); logs in $OUT"
echo "0 $(rss_kb) $(heap_kb)" > "$OUT/rss.txt"
if [ "$MODE" = churn ]; then
    ( round=0
      while [ $(($(date +%s) + CHURN)) -le "$END" ]; do
          round=$((round + 1))
          swarm --rooms 0 --room main --duration "${CHURN}s" > "$OUT/swarm-$round.txt" 2>&1 || true
      done ) &
else
    swarm --rooms "$ROOMS" --duration "$((MINUTES * 60))s" > "$OUT/swarm-1.txt" 2>&1 &
fi
SWARM=$!
next=$SAMPLE
while kill -0 "$SWARM" 2>/dev/null && [ "$(date +%s)" -lt "$END" ]; do
    now=$(($(date +%s) - START))
    if [ "$now" -ge "$next" ]; then
        echo "$now $(rss_kb) $(heap_kb)" | tee -a "$OUT/rss.txt" \
            | awk '{printf "  %5ds  RSS %6.1f MB  heap in use %6.1f MB, free %6.1f MB  view cells %7d\n", $1, $2 / 1024, $3 / 1024, $4 / 1024, $5}'
        next=$((next + SAMPLE))
    fi
    sleep 1
done
wait "$SWARM" 2>/dev/null || true
SWARM=''
echo "$(($(date +%s) - START)) $(rss_kb) $(heap_kb)" >> "$OUT/rss.txt"
python3 - "$OUT/rss.txt" "$WARMUP" <<'PY'
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
rows = [r + (0.0,) * (5 - len(r)) for r in rows]
# the last sample is taken after the swarm left: reported on its own, never part of a slope
rows, after = rows[:-1], rows[-1]
warm = float(sys.argv[2]) * 60
mb = lambda t: min(rows, key=lambda r: abs(r[0] - t))[1] / 1024
print(f"RSS: {rows[0][1] / 1024:.1f} MB at start, {mb(warm):.1f} MB after warm-up, {rows[-1][1] / 1024:.1f} MB at the end")
def slope(points):
    n = len(points); mx = sum(t for t, _ in points) / n; my = sum(m for _, m in points) / n
    return sum((t - mx) * (m - my) for t, m in points) / sum((t - mx) ** 2 for t, _ in points)
def series(col, since, scale=1024):
    return [(r[0] / 60, r[col] / scale) for r in rows if r[0] >= since]
if len(series(1, warm)) < 3:
    sys.exit("too few samples after the warm-up for a slope")
pts = series(1, warm)
print(f"slope after warm-up: {slope(pts):+.3f} MB/min over {len(pts)} samples")
for col, name in ((2, "heap in use"), (3, "heap free (kept by malloc)")):
    s = series(col, warm)
    print(f"  {name}: {s[0][1]:.1f} -> {s[-1][1]:.1f} MB, slope {slope(s):+.3f} MB/min")
cells = series(4, warm, 1)
if cells[0][1] > 0:
    print(f"  cells in all views: {cells[0][1]:.0f} -> {cells[-1][1]:.0f}, slope {slope(cells):+.0f} per min")
# the same slopes from later starting points: a slope that keeps falling is a game still maturing
end = rows[-1][0] / 60
starts = [m for m in (5, 10, 15, 20, 30, 45, 60, 90) if m >= warm / 60 and end - m >= 2.5]
if starts:
    print("  from minute  " + "".join(f"{m:>8}" for m in starts))
    for col, name in ((1, "RSS"), (2, "in use"), (3, "free")):
        print(f"  {name:<12} " + "".join(f"{slope(series(col, m * 60)):+8.2f}" for m in starts))
print(f"after the swarm left: RSS {after[1] / 1024:.1f} MB, heap in use {after[2] / 1024:.1f} MB, free {after[3] / 1024:.1f} MB")
PY
grep -hE "connected|disconnects|frames" "$OUT"/swarm-1.txt | head -4 || true

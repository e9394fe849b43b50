#!/usr/bin/env bash
# The cluster benchmark (issue 12): one redis-server and three `petri serve` nodes on this machine.
#   bench/cluster.sh
# In order:
#   a. cluster-bench latency and throughput (the adapter layer: ClusterNodes on the Redis);
#   b. three nodes (release, --redis, --node-id, default cluster timings); SIGKILL the third and
#      time how long its rooms stay in the first node's /api/rooms (polled every 50 ms); restart it;
#      kill Redis and start it again empty: time until node 1 lists node 3 again;
#   c. a swarm of BOTS bots that all enter through node 1's lobby (--quickplay) and follow the
#      answers to whichever node hosts the room; its "bots per node" and "failed", with the CPU
#      every process used meanwhile;
#   d. cluster-bench fanout-scale (N pattern subscribers) for the scale plan in docs/CLUSTER.md.
# Then a summary block of every figure. Settings (environment): BOTS (2000), SWARM_SECS (40),
# CONNECT_RATE (200), LAT_RATE (1000), LAT_SECS (10), TP_SECS (5), FAN_N (10,100,1000),
# FAN_RATE (100), FAN_SECS (5), FAN_RAMP (6). Redis runs on a free port with persistence off;
# every process started here is stopped by its id when the script ends, however it ends.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
BIN=$CARGO_TARGET_DIR/release
BOTS=${BOTS:-2000} SWARM_SECS=${SWARM_SECS:-40} CONNECT_RATE=${CONNECT_RATE:-200}
LAT_RATE=${LAT_RATE:-1000} LAT_SECS=${LAT_SECS:-10} TP_SECS=${TP_SECS:-5}
FAN_N=${FAN_N:-10,100,1000} FAN_RATE=${FAN_RATE:-100} FAN_SECS=${FAN_SECS:-5} FAN_RAMP=${FAN_RAMP:-6}
OUT=$(mktemp -d /tmp/petri-cluster.XXXXXX)
command -v redis-server > /dev/null || { echo "redis-server is missing (apt-get install redis-server)" >&2; exit 1; }
# 1,000 subscriber connections here, as many in Redis, thousands of bot sockets.
ulimit -n 65536 2> /dev/null || ulimit -n "$(ulimit -Hn)"

echo "cluster bench: logs and JSON in $OUT"
# Busy and total jiffies of the whole machine so far (every core), from /proc/stat.
machine_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
# busy_between "B0 T0" "B1 T1" -> percent of one core the whole machine was busy
busy_between() { awk -v a="$1" -v b="$2" -v n="$(nproc)" 'BEGIN { split(a, x); split(b, y); printf "%.0f", 100 * n * (y[1] - x[1]) / (y[2] - x[2]) }'; }
J0=$(machine_jiffies); sleep 2; J1=$(machine_jiffies)
echo "start: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg), machine busy $(busy_between "$J0" "$J1")% of a core (of $(nproc)00%) before anything started" > "$OUT/machine.txt"
cargo build --release -q -p petri-server --bin petri --example cluster-bench

PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2> /dev/null || true; done
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# CPU seconds (user + system) of a process so far.
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat" 2> /dev/null || echo 0; }

RPORT=$(free_port)
REDIS=redis://127.0.0.1:$RPORT
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$OUT" \
    > "$OUT/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 100); do redis-cli -p "$RPORT" ping 2> /dev/null | grep -q PONG && break; sleep 0.05; done
redis-cli -p "$RPORT" ping | grep -q PONG || { echo "redis did not start: $(cat "$OUT/redis.log")" >&2; exit 1; }

bench() { "$BIN/examples/cluster-bench" --redis "$REDIS" "$@"; }

echo "a. adapter latency (${LAT_RATE}/s for ${LAT_SECS} s) and throughput (${TP_SECS} s)"
bench latency --rate "$LAT_RATE" --seconds "$LAT_SECS" > "$OUT/latency.json" 2> "$OUT/latency.txt"
bench throughput --seconds "$TP_SECS" > "$OUT/throughput.json" 2> "$OUT/throughput.txt"
bench throughput --seconds "$TP_SECS" --publishers 2 --receivers 1 --bystanders 0 \
    > "$OUT/throughput-2x1.json" 2> "$OUT/throughput-2x1.txt"
cat "$OUT/latency.txt" "$OUT/throughput.txt" "$OUT/throughput-2x1.txt"

echo "b. three nodes; SIGKILL node 3"
declare -A PORT PID
start_node() {
    local n=$1
    cat > "$OUT/node$n.toml" << EOF
bind = "127.0.0.1:${PORT[$n]}"
[network]
max_connections_per_address = 10000
[main_room]
bots = 5
EOF
    RUST_LOG=warn "$BIN/petri" serve --config "$OUT/node$n.toml" --redis "$REDIS" --node-id "node$n" \
        >> "$OUT/node$n.log" 2>&1 &
    PID[$n]=$!
    PIDS+=("${PID[$n]}")
    for _ in $(seq 200); do curl -sf "http://127.0.0.1:${PORT[$n]}/readyz" > /dev/null && return; sleep 0.05; done
    echo "node $n did not start: $(tail -5 "$OUT/node$n.log")" >&2
    return 1
}
for n in 1 2 3; do PORT[$n]=$(free_port); start_node "$n"; done
URL1=http://127.0.0.1:${PORT[1]} URL3=http://127.0.0.1:${PORT[3]}
# until_listed WANT(present|absent) URL -> seconds until node 1's /api/rooms lists (or stops
# listing) a room of URL; polls every 50 ms, at most 30 s.
until_listed() {
    python3 - "$URL1/api/rooms" "$2" "$1" << 'PY'
import json, sys, time, urllib.request
api, url, want = sys.argv[1:]
start = time.monotonic()
while time.monotonic() - start < 30:
    try:
        rooms = json.load(urllib.request.urlopen(api, timeout=2))
        listed = any(r.get("url") == url for r in rooms)
        if listed == (want == "present"):
            print(f"{time.monotonic() - start:.2f}")
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.05)
print("timeout")
PY
}
[ "$(until_listed present "$URL3")" != timeout ] || { echo "node 3 never appeared in node 1's listing" >&2; exit 1; }
sleep 1
# disowned first, so bash does not announce the kill; reaped below by polling (bounded)
disown "${PID[3]}"
kill -KILL "${PID[3]}"
EXPIRED=$(until_listed absent "$URL3")
for _ in $(seq 100); do kill -0 "${PID[3]}" 2> /dev/null || break; sleep 0.05; done
echo "  SIGKILLed node 3 left node 1's /api/rooms after $EXPIRED s"
start_node 3
RETURNED=$(until_listed present "$URL3")
echo "  restarted node 3 listed again after $RETURNED s (from ready)"
# Redis goes away (SIGKILL, nothing saved) and comes back empty on the same port: the nodes keep
# playing, node 1 lists its own rooms only, and every node registers again by itself.
disown "$REDIS_PID"
kill -KILL "$REDIS_PID"
DOWN=$(until_listed absent "$URL3")
sleep 2
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$OUT" \
    >> "$OUT/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 100); do redis-cli -p "$RPORT" ping 2> /dev/null | grep -q PONG && break; sleep 0.05; done
RECOVERED=$(until_listed present "$URL3")
echo "  Redis down: node 3 left node 1's listing after $DOWN s; Redis back (empty): listed again after $RECOVERED s"

echo "c. swarm of $BOTS bots through node 1's lobby (--quickplay, ${SWARM_SECS} s)"
"$BIN/petri" swarm --url "$URL1" --quickplay --bots "$BOTS" --duration "${SWARM_SECS}s" \
    --connect-rate "$CONNECT_RATE" --no-progress --json "$OUT/swarm.json" > "$OUT/swarm.txt" 2>&1 &
SWARM=$!
PIDS+=("$SWARM")
# CPU over the steady part: after every bot had time to enter, until 5 s before the end.
SETTLE=$((BOTS / CONNECT_RATE + 8))
sleep "$SETTLE"
read -r C0 <<< "$(for p in "${PID[1]}" "${PID[2]}" "${PID[3]}" "$SWARM" "$REDIS_PID"; do cpu_s "$p"; done | paste -sd' ')"
T0=$(date +%s.%N) M0=$(machine_jiffies)
WINDOW=$((SWARM_SECS - SETTLE - 5))
[ "$WINDOW" -ge 5 ] || WINDOW=5
sleep "$WINDOW"
read -r C1 <<< "$(for p in "${PID[1]}" "${PID[2]}" "${PID[3]}" "$SWARM" "$REDIS_PID"; do cpu_s "$p"; done | paste -sd' ')"
T1=$(date +%s.%N) M1=$(machine_jiffies)
for n in 1 2 3; do curl -s "http://127.0.0.1:${PORT[$n]}/api/rooms" > "$OUT/rooms-node$n.json" || true; done
wait "$SWARM" || true
cat "$OUT/swarm.txt"
python3 - "$C0" "$C1" "$T0" "$T1" "$(busy_between "$M0" "$M1")" > "$OUT/swarm-cpu.txt" << 'PY'
import sys
c0, c1 = (list(map(float, a.split())) for a in sys.argv[1:3])
wall = float(sys.argv[4]) - float(sys.argv[3])
machine = float(sys.argv[5])
names = ["node 1", "node 2", "node 3", "swarm", "redis"]
ours = [100 * (b - a) / wall for a, b in zip(c0, c1)]
print(", ".join(f"{n} {p:.0f}%" for n, p in zip(names, ours))
      + f" of a core; whole machine {machine:.0f}%, of which other processes {max(0, machine - sum(ours)):.0f}%"
      + f" (over {wall:.0f} s of steady play)")
PY
echo "  CPU: $(cat "$OUT/swarm-cpu.txt")"
for n in 1 2 3; do kill -TERM "${PID[$n]}" 2> /dev/null || true; done
for n in 1 2 3; do wait "${PID[$n]}" 2> /dev/null || true; done

echo "d. fan-out scale: N pattern subscribers (${FAN_N}) at ${FAN_RATE} publishes/s, ramp at the largest"
bench fanout-scale --subscribers "$FAN_N" --rate "$FAN_RATE" --seconds "$FAN_SECS" --ramp-steps "$FAN_RAMP" \
    > "$OUT/fanout.json" 2> "$OUT/fanout.txt"
cat "$OUT/fanout.txt"
echo "end: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + local changes')" >> "$OUT/machine.txt"

python3 - "$OUT" "$EXPIRED" "$RETURNED" "$BOTS" "$RECOVERED" << 'PY'
import json, sys
out, expired, returned, bots, recovered = sys.argv[1:]
# JSON has no NaN: a figure with nothing to divide by (no bystanders, say) arrives as null.
nan = lambda v: {k: nan(x) for k, x in v.items()} if isinstance(v, dict) else [nan(x) for x in v] if isinstance(v, list) else float("nan") if v is None else v
load = lambda name: nan(json.load(open(f"{out}/{name}")))
lat, tp, tp2, fan, swarm = (load(n) for n in ["latency.json", "throughput.json", "throughput-2x1.json", "fanout.json", "swarm.json"])
print("\n==== cluster summary ====")
print(open(f"{out}/machine.txt").read().rstrip())
print(f"latency      {lat['sent']} broadcasts at {lat['achieved_rate']:.0f}/s, {lat['delivered']} delivered: "
      f"p50 {lat['p50_ms']:.3f} ms, p99 {lat['p99_ms']:.3f} ms, p99.9 {lat['p999_ms']:.3f} ms, max {lat['max_ms']:.3f} ms (target p99 < 5 ms)")
for name, t in [("throughput", tp), ("throughput", tp2)]:
    print(f"{name}   {t['publishers']} pub x {t['window']} / {t['receivers']} recv / {t['bystanders']} bystander: "
          f"{t['published_per_s']:.0f} broadcasts/s, {t['delivered_per_s']:.0f} deliveries/s "
          f"({100 * t['delivery_ratio']:.0f}% in window, {100 * t['delivery_ratio_after_drain']:.0f}% after drain); "
          f"Redis {100 * t['redis_cpu_per_s']:.0f}% of a core = {t['redis_us_per_broadcast']:.2f} µs/broadcast; "
          f"node CPU publish {t['publish_us']:.2f} µs, deliver {t['deliver_us']:.2f} µs, skip {t['skip_us']:.2f} µs; "
          f"process {t['process_us_per_delivery']:.2f} µs/delivery")
print(f"sigkill      node 3's rooms left node 1's /api/rooms after {expired} s (target <= 10 s); "
      f"restarted, listed again after {returned} s")
print(f"redis outage Redis killed and started again empty: node 3 listed at node 1 again after {recovered} s "
      f"(target: registered again within 5 s)")
nodes = ", ".join(f"{u.rsplit(':', 1)[-1]}: {n}" for u, n in swarm["nodes"].items())
print(f"swarm        {bots} bots via node 1's lobby: connected {swarm['connected']}, failed {swarm['failed']}, "
      f"disconnects {swarm['disconnects']}, rooms {swarm['rooms']}; bots per node (port: bots) {nodes}")
if swarm["errors"]:
    print(f"             errors: {'; '.join(swarm['errors'])}")
print(f"             CPU: {open(f'{out}/swarm-cpu.txt').read().strip()}")
print(f"             input-to-effect p50 {swarm['latency_p50_ms']:.0f} ms, p99 {swarm['latency_p99_ms']:.0f} ms; "
      f"frames skipped {swarm['frames_skipped']}")
print(f"fanout-scale message {fan['message_bytes']} B, Redis idle {100 * fan['redis_idle_cpu_per_s']:.1f}% of a core")
for kind in ["steps", "ramp"]:
    for s in fan[kind]:
        print(f"  {kind:<5} N={s['subscribers']:<5} {s['published_per_s']:7.0f} pub/s (asked {s['asked_rate']}) "
              f"{s['delivered_per_s']:9.0f} deliveries/s ({100 * s['delivery_ratio']:.0f}%): Redis main thread "
              f"{100 * s['redis_main_thread_cpu_per_s']:.0f}%, {s['redis_us_per_publish']:.1f} µs/publish, "
              f"{s['redis_us_per_delivery']:.3f} µs/delivery; bench process {100 * s['bench_process_cpu_per_s']:.0f}%; "
              f"errors {s['publish_errors']}, drops {s['output_buffer_disconnects']}")
PY

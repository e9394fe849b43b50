#!/usr/bin/env bash
# Room fan-out benchmark, Petri vs the official node socket.io server, side by side: N clients
# in room "bench" receive a BYTES-byte binary `tick` at HZ. The same Rust load client
# (server/examples/fanout-client.rs, raw Engine.IO over WebSocket) drives both servers; it reads
# the server's utime+stime and VmRSS from /proc/<pid> when its measurement window opens and
# closes, so only the steady fan-out is billed, not connection setup.
#
#   bench/fanout.sh                      # NS="200 1000" DURATION=20 HZ=25 BYTES=200
#   NS="200 1000 2000" SERVERS="petri node" DURATION=30 bench/fanout.sh
# Raw JSON lines go to $OUT (bench/fanout-results.jsonl), the table to stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NS=${NS:-"200 1000"}
SERVERS=${SERVERS:-"petri node"}
DURATION=${DURATION:-20}
HZ=${HZ:-25}
BYTES=${BYTES:-200}
OUT=${OUT:-bench/fanout-results.jsonl}

build
raise_fd_limit
: >"$OUT"
for n in $NS; do
    for server in $SERVERS; do
        start_server "$server" "$n" HZ="$HZ" BYTES="$BYTES"
        ADDR=127.0.0.1:$SPORT N=$n DURATION=$DURATION SERVER_PID=$SPID LABEL=$server \
            "$BIN/fanout-client" | tee -a "$OUT" >&2
        stop_server
    done
done

echo
echo "HZ=$HZ BYTES=$BYTES DURATION=${DURATION}s, $(nproc) cores"
echo "| server | N | delivered | expected | server CPU-s (sys) | msgs / CPU-s | p50 ms | p99 ms | server RSS MB | client CPU-s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
jq -r --argjson hz "$HZ" '"| \(.label) | \(.connected)/\(.clients) | \(.received) | \((.connected * $hz * .window_s) | floor) | \(.server_cpu_s) (\(.server_sys_s)) | \(.msgs_per_server_cpu_s) | \(.latency_ms.p50) | \(.latency_ms.p99) | \((.server_rss_kb_end / 1024 * 10 | floor) / 10) | \(.client_cpu_s) |"' "$OUT"
rm -rf "$TMP"

#!/usr/bin/env bash
# What an HTTP long-polling client costs the server, against a WebSocket client, for Petri and
# for the official node socket.io server, side by side in one run. The same official
# socket.io-client load (bench/node-fanout-client.js, N clients in room "bench", a BYTES-byte
# binary `tick` at HZ) drives Petri's fanout-bench example and bench/node-fanout-server.js, once
# with every client kept on polling (`transports: ["polling"]`) and once on WebSocket. The client
# reads the server's utime+stime from /proc when its window opens and closes, so only the steady
# state is billed. Reports server CPU per client (ms of CPU per second of wall time).
#
#   bench/polling-cpu.sh                  # N=200 DURATION=20 HZ=25 BYTES=200
#   N=500 DURATION=30 bench/polling-cpu.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

N=${N:-200}
DURATION=${DURATION:-20}
HZ=${HZ:-25}
BYTES=${BYTES:-200}
OUT=${OUT:-bench/polling-cpu-results.jsonl}

build
raise_fd_limit
: >"$OUT"
for server in petri node; do
    for transport in websocket polling; do
        start_server "$server" "$transport" HZ="$HZ" BYTES="$BYTES" TRANSPORTS=polling,websocket
        URL=http://127.0.0.1:$SPORT N=$N DURATION=$DURATION TRANSPORT=$transport SERVER_PID=$SPID \
            node bench/node-fanout-client.js >"$TMP/run.json"
        stop_server
        jq -c --arg s "$server" '. + {server: $s}' "$TMP/run.json" | tee -a "$OUT" >&2
    done
done

echo
echo "N=$N clients, ${HZ} Hz, ${BYTES}-byte tick, ${DURATION}s window, $(nproc) cores"
echo "| server | transport | ticks per client per s | server CPU ms per client per s | p50 / p99 latency ms |"
echo "|---|---|---|---|---|"
jq -r '"| \(.server) | \(.transport) | \(.per_client_per_s) | \((.server_cpu_s * 1000 / .clients / .duration_s * 1000 | floor) / 1000) | \(.latency_ms.p50) / \(.latency_ms.p99) |"' "$OUT"
rm -rf "$TMP"

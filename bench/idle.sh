#!/usr/bin/env bash
# Idle-connections test: N (10 000) Socket.IO clients connect to namespace "/", join a room and
# then only answer heartbeats (PING_INTERVAL 2 s, so each answers ~HOLD/2 pings) for HOLD
# seconds. Reports the server's VmRSS before any client, while all are held, and after they
# left. Target for Petri: under 200 MB with 10 000 clients.
#
#   bench/idle.sh                 # N=10000 HOLD=30 SERVERS=petri
#   SERVERS="petri node" bench/idle.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

N=${N:-10000}
HOLD=${HOLD:-30}
SERVERS=${SERVERS:-petri}
OUT=${OUT:-bench/idle-results.jsonl}

build
raise_fd_limit
: >"$OUT"
for server in $SERVERS; do
    start_server "$server" idle HZ=0 PING_INTERVAL=2000 PING_TIMEOUT=5000 \
        MAX_CONNECTIONS=$((N + 1000))
    before=$(rss_kb "$SPID")
    ADDR=127.0.0.1:$SPORT N=$N DURATION=$HOLD WARMUP=0 SERVER_PID=$SPID LABEL=$server \
        "$BIN/fanout-client" >"$TMP/idle.json"
    sleep 3 # let the server reap the closed connections
    after=$(rss_kb "$SPID")
    stop_server
    jq -c --argjson b "$before" --argjson a "$after" \
        '. + {server_rss_kb_before_clients: $b, server_rss_kb_after_clients_left: $a}' \
        "$TMP/idle.json" | tee -a "$OUT" >&2
done

echo
echo "N=$N HOLD=${HOLD}s ping interval 2 s, $(nproc) cores"
echo "| server | connected | pings answered in hold | dropped | RSS before MB | RSS held (start/end of hold) MB | RSS after clients left MB |"
echo "|---|---|---|---|---|---|---|"
jq -r 'def mb: (. / 1024 * 10 | floor) / 10;
  "| \(.label) | \(.connected)/\(.clients) | \(.pings_answered) | \(.failed_or_dropped) | \(.server_rss_kb_before_clients | mb) | \(.server_rss_kb_start | mb) / \(.server_rss_kb_end | mb) | \(.server_rss_kb_after_clients_left | mb) |"' "$OUT"
rm -rf "$TMP"

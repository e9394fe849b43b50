# Shared by fanout.sh and idle.sh: build the Rust examples, start/stop one benchmark server.
# Servers read stdin from a FIFO the script holds open, so they also exit if the script dies.

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
BIN=$CARGO_TARGET_DIR/release/examples
TMP=$(mktemp -d /tmp/petri-bench.XXXXXX)

build() {
    cargo build --release -q -p petri-server --example fanout-bench --example fanout-client
    [ -d bench/node_modules ] || (cd bench && npm ci --no-audit --no-fund)
}

# Many sockets on one host: the client holds N, the server N more.
raise_fd_limit() {
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
}

# start_server petri|node TAG [VAR=value ...]  -> sets SPID and SPORT
start_server() {
    local name=$1 tag=$2
    shift 2
    local base=$TMP/$name-$tag
    mkfifo "$base.in"
    case $name in
    petri) env PORT=0 "$@" "$BIN/fanout-bench" <"$base.in" >"$base.out" 2>"$base.err" & ;;
    node) env PORT=0 "$@" node bench/node-fanout-server.js <"$base.in" >"$base.out" 2>"$base.err" & ;;
    *) echo "unknown server $name" >&2 && return 1 ;;
    esac
    SPID=$!
    exec 7>"$base.in"
    local i
    for i in $(seq 100); do
        grep -q '^listening on' "$base.out" 2>/dev/null && break
        sleep 0.1
    done
    SPORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$base.out")
    [ -n "$SPORT" ] || { echo "$name did not start: $(cat "$base.err")" >&2 && return 1; }
}

stop_server() {
    kill -TERM "$SPID" 2>/dev/null || true
    exec 7>&-
    wait "$SPID" 2>/dev/null || true
}

rss_kb() {
    awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

#!/usr/bin/env bash
# Load test of the users API: how many requests per second a server sustains, how slow the
# slowest answers get, and how much memory it takes. Three servers of the one API can be measured
# the same way:
#
#   --server users_api    examples/users_api, the hand-written HTTP/1.1 server (the default)
#   --server hyper        examples/hyper_users --serve, hyper's http1 on glassloop (one loop)
#   --server axum         examples/axum_users, axum served by hyper on glassloop
#   --server axum-tokio   the peer: axum on tokio's multi-thread runtime (bench/src/bin/axum_tokio_users.rs)
#
# with --workers N (glassloop loops sharing the port, or tokio's worker threads; default 1) and
# the SQLite database each uses by default (--memory: users_api's and axum's table in memory
# instead). The simulated database delay is 0 by default (DB_DELAY_MS), so what is measured is the
# loop, the sockets, the HTTP code and the queries, not a sleep.
#
# Installs wrk (Debian's package) if it is missing, builds the server in release mode, starts it on
# a free port of 127.0.0.1, records its resident memory (VmRSS in /proc/PID/status), runs wrk
# against each path with keep-alive connections, checks wrk saw no socket errors and no answer
# other than 2xx, records the memory again and its peak (VmHWM), and stops the server with Ctrl-C
# (SIGINT) — which also checks that it shuts down gracefully, with exit status 0, right after the
# load. Traffic stays on the loopback interface. Exits 1 if any check fails. The last lines, one
# per path, start with `RESULT` and hold the figures as key=value pairs (scripts/load_table.sh
# reads them).
#
#   scripts/load_users_api.sh                    # wrk -t2 -c100 -d10s, /users/1 then /users
#   scripts/load_users_api.sh --workers 2        # two loops on one port
#   scripts/load_users_api.sh --server axum-tokio --workers 2
#   scripts/load_1000.sh                         # 1,000 connections for 60 s (docs/what-can-go-wrong.md)
#   THREADS=1 CONNECTIONS=50 DURATION=5s PATHS=/users scripts/load_users_api.sh
#   DB_DELAY_MS=100 CONNECTIONS=1000 scripts/load_users_api.sh   # 1000 database calls in flight
#   scripts/load_table.sh                        # the HTTP chapter's table: every server, 100 and 1,000 connections
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-100}
DURATION=${DURATION:-10s}
DB_DELAY_MS=${DB_DELAY_MS:-0}
PATHS=${PATHS:-/users/1 /users}
SERVER=users_api
WORKERS=1
MEMORY=0
usage="usage: scripts/load_users_api.sh [--server users_api|hyper|axum|axum-tokio] [--workers N] [--memory]"
while [ $# -gt 0 ]; do
    case "$1" in
        --server) SERVER=${2:?"$usage"}; shift 2 ;;
        --workers) WORKERS=${2:?"$usage"}; shift 2 ;;
        --memory) MEMORY=1; shift ;;
        -h|--help) echo "$usage"; exit 0 ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
done
server_args=(--port 0 --workers "$WORKERS" --db-delay-ms "$DB_DELAY_MS")
[ "$MEMORY" = 1 ] && server_args+=(--memory)
case "$SERVER" in
    users_api)
        build=(cargo build --release --example users_api)
        program=target/release/examples/users_api
        server_args+=(--quiet) ;;
    hyper)
        [ "$WORKERS" = 1 ] || { echo "the hyper example serves on one loop" >&2; exit 2; }
        build=(cargo build --release --example hyper_users)
        program=target/release/examples/hyper_users
        server_args=(--serve --port 0 --db-delay-ms "$DB_DELAY_MS")
        [ "$MEMORY" = 1 ] && server_args+=(--memory) ;;
    axum)
        build=(cargo build --release --example axum_users)
        program=target/release/examples/axum_users ;;
    axum-tokio)
        [ "$MEMORY" = 1 ] && { echo "the axum-tokio peer serves SQLite only" >&2; exit 2; }
        build=(cargo build --release -p glassloop-bench --bin axum_tokio_users)
        program=target/release/axum_tokio_users ;;
    *) echo "$usage" >&2; exit 2 ;;
esac

if ! command -v wrk >/dev/null 2>&1; then
    echo "== wrk is missing: installing Debian's package"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    fi
fi

# Every connection is a file descriptor in wrk and another in the server (both inherit this
# limit); the usual default of 1024 is too few for 1,000 connections plus everything else.
wanted_fds=$((CONNECTIONS + 1024))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$wanted_fds" ]; then
    ulimit -n "$wanted_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi

echo "== ${build[*]}"
"${build[@]}"

server_log=$(mktemp)
wrk_log=$(mktemp)
"$program" "${server_args[@]}" >"$server_log" &
server_pid=$!
cleanup() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    rm -f "$server_log" "$wrk_log"
}
trap cleanup EXIT

# The server prints "listening on http://127.0.0.1:PORT" once it is ready.
base=""
for _ in $(seq 100); do
    base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$server_log" || true)
    [ -n "$base" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "$SERVER exited before it was ready" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$base" ]; then
    echo "$SERVER did not say it was listening within 10 s" >&2
    exit 1
fi

# A field of /proc/PID/status (VmRSS: resident now; VmHWM: the peak so far), e.g. "2816 kB".
memory() { awk -v field="$1:" '$1 == field { print $2 " " $3 }' "/proc/$server_pid/status"; }

echo "== $SERVER (pid $server_pid, $WORKERS worker(s)) is listening on $base; $(head -1 "$server_log");" \
    "database delay $DB_DELAY_MS ms;" \
    "$(nproc) cores; open files allowed: $(ulimit -n)"
echo "== server memory at start: VmRSS $(memory VmRSS)"

failed=0
summary=()
results=()
for path in $PATHS; do
    echo
    echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $base$path"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$base$path" | tee "$wrk_log"
    requests_per_s=$(awk '/^Requests\/sec:/ { print $2 }' "$wrk_log")
    p50=$(awk '$1 == "50%" { print $2 }' "$wrk_log")
    p99=$(awk '$1 == "99%" { print $2 }' "$wrk_log")
    # wrk prints these two lines only when there is something to count.
    socket_errors=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$wrk_log")
    non_2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$wrk_log")
    socket_errors=${socket_errors:-0}
    non_2xx=${non_2xx:-0}
    rss=$(memory VmRSS)
    summary+=("$path: $requests_per_s requests/s, p50 $p50, p99 $p99, socket errors $socket_errors, non-2xx $non_2xx; server VmRSS after: $rss")
    results+=("RESULT server=$SERVER workers=$WORKERS connections=$CONNECTIONS delay_ms=$DB_DELAY_MS path=$path rps=$requests_per_s p50=$p50 p99=$p99 errors=$((socket_errors + non_2xx))")
    if [ "$socket_errors" != 0 ] || [ "$non_2xx" != 0 ]; then
        echo "!! errors under load: $socket_errors socket errors, $non_2xx answers other than 2xx" >&2
        failed=1
    fi
done

peak=$(memory VmHWM)
rss_end=$(memory VmRSS)

# Stop it as a user would, with Ctrl-C: it must shut down gracefully and exit 0.
kill -INT "$server_pid"
exit_status=0
wait "$server_pid" || exit_status=$?
trap 'rm -f "$server_log" "$wrk_log"' EXIT

echo
echo "== summary ($THREADS wrk threads, $CONNECTIONS keep-alive connections, $DURATION per path)"
for line in "${summary[@]}"; do
    echo "   $line"
done
echo "   server memory: VmRSS at the end $rss_end, peak (VmHWM) $peak"
echo "   after Ctrl-C: $(grep '^shut down' "$server_log" || echo 'no shutdown report'); exit status $exit_status"
if [ "$exit_status" != 0 ]; then
    echo "!! $SERVER exited with status $exit_status after Ctrl-C" >&2
    failed=1
fi
for line in "${results[@]}"; do
    echo "$line peak_rss=${peak// /}"
done
exit "$failed"

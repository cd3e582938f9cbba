#!/usr/bin/env bash
# Load test of examples/users_api: how many requests per second the hand-written HTTP/1.1 server
# sustains on one glassloop thread, how slow the slowest answers get, and how much memory it takes,
# with the simulated database delay set to 0 by default (so what is measured is the loop, the
# sockets and the HTTP code, not the sleep).
#
# Installs wrk (Debian's package) if it is missing, builds users_api in release mode, starts it on
# a free port of 127.0.0.1, records its resident memory (VmRSS in /proc/PID/status), runs wrk
# against each path with keep-alive connections, checks wrk saw no socket errors and no answer
# other than 2xx, records the memory again and its peak (VmHWM), and stops the server with Ctrl-C
# (SIGINT) — which also checks that it shuts down gracefully, with exit status 0, right after the
# load. Traffic stays on the loopback interface. Exits 1 if any check fails.
#
#   scripts/load_users_api.sh                    # wrk -t2 -c100 -d10s, /users/1 then /users
#   scripts/load_1000.sh                         # 1,000 connections for 60 s (docs/what-can-go-wrong.md)
#   THREADS=1 CONNECTIONS=50 DURATION=5s PATHS=/users scripts/load_users_api.sh
#   DB_DELAY_MS=100 CONNECTIONS=1000 scripts/load_users_api.sh   # 1000 database calls in flight
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-100}
DURATION=${DURATION:-10s}
DB_DELAY_MS=${DB_DELAY_MS:-0}
PATHS=${PATHS:-/users/1 /users}

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

echo "== cargo build --release --example users_api"
cargo build --release --example users_api

server_log=$(mktemp)
wrk_log=$(mktemp)
target/release/examples/users_api --port 0 --db-delay-ms "$DB_DELAY_MS" --quiet >"$server_log" &
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
        echo "users_api exited before it was ready" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$base" ]; then
    echo "users_api did not say it was listening within 10 s" >&2
    exit 1
fi

# A field of /proc/PID/status (VmRSS: resident now; VmHWM: the peak so far), e.g. "2816 kB".
memory() { awk -v field="$1:" '$1 == field { print $2 " " $3 }' "/proc/$server_pid/status"; }

echo "== users_api (pid $server_pid) is listening on $base; database delay $DB_DELAY_MS ms;" \
    "$(nproc) cores; open files allowed: $(ulimit -n)"
echo "== server memory at start: VmRSS $(memory VmRSS)"

failed=0
summary=()
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
    echo "!! users_api exited with status $exit_status after Ctrl-C" >&2
    failed=1
fi
exit "$failed"

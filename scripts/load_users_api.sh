#!/usr/bin/env bash
# Load test of examples/users_api: how many requests per second the hand-written HTTP/1.1 server
# sustains on one glassloop thread, with the simulated database delay set to 0 (so what is
# measured is the loop, the sockets and the HTTP code, not the sleep).
#
# Installs wrk (Debian's package) if it is missing, builds users_api in release mode, starts it on a
# free port of 127.0.0.1, runs wrk against /users/1 and /users, prints wrk's report, and stops the
# server. Traffic stays on the loopback interface.
#
#   scripts/load_users_api.sh                    # wrk -t2 -c100 -d10s
#   THREADS=1 CONNECTIONS=50 DURATION=5s scripts/load_users_api.sh
#   DB_DELAY_MS=100 CONNECTIONS=1000 scripts/load_users_api.sh   # 1000 database calls in flight
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-100}
DURATION=${DURATION:-10s}
DB_DELAY_MS=${DB_DELAY_MS:-0}

if ! command -v wrk >/dev/null 2>&1; then
    echo "== wrk is missing: installing Debian's package"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    fi
fi

echo "== cargo build --release --example users_api"
cargo build --release --example users_api

server_log=$(mktemp)
target/release/examples/users_api --port 0 --db-delay-ms "$DB_DELAY_MS" --quiet >"$server_log" &
server_pid=$!
cleanup() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    rm -f "$server_log"
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
echo "== users_api is listening on $base (database delay $DB_DELAY_MS ms); $(nproc) cores"

for path in /users/1 /users; do
    echo
    echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $base$path"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$base$path"
done

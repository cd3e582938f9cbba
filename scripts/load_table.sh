#!/usr/bin/env bash
# The load table of docs/http.md ("How fast"): the users API's servers side by side in one run,
# on SQLite, against GET /users/1 —
#   on one loop: users_api (hand-written HTTP), hyper_users (hyper's http1) and axum_users (axum
#   on hyper); on two: users_api and axum_users with 2 workers, and axum on tokio's 2-worker
#   runtime (the peer),
# each at 100 and at 1,000 keep-alive connections, with a database delay of 0 and of 100 ms;
# requests/s, p50/p99 latency, errors (wrk's socket errors plus non-2xx answers) and the server's
# peak resident memory. Each cell is one scripts/load_users_api.sh run; the load generator (wrk,
# 2 threads) shares the machine's cores with the server, so compare rows of one run, not runs of
# different days.
#
#   scripts/load_table.sh                 # 10 s per cell, 24 cells (about 5 minutes)
#   DURATION=30s scripts/load_table.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DURATION=${DURATION:-10s}
export THREADS=${THREADS:-2}
export PATHS=/users/1

# Build everything first, so no build runs while another server is measured.
cargo build --release --example users_api --example hyper_users --example axum_users
cargo build --release -p glassloop-bench --bin axum_tokio_users

servers=("users_api 1" "hyper 1" "axum 1" "users_api 2" "axum 2" "axum-tokio 2")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rows=()
failed=0
for delay in 0 100; do
    for connections in 100 1000; do
        for server in "${servers[@]}"; do
            set -- $server
            echo "== $1, $2 worker(s), $connections connections, database delay $delay ms" >&2
            if ! CONNECTIONS=$connections DB_DELAY_MS=$delay \
                scripts/load_users_api.sh --server "$1" --workers "$2" >"$log" 2>&1; then
                failed=1
                tail -5 "$log" >&2
            fi
            rows+=("$(grep '^RESULT ' "$log" || echo "RESULT server=$1 workers=$2 connections=$connections delay_ms=$delay failed=yes")")
        done
    done
done

field() { echo "$1" | tr ' ' '\n' | awk -F= -v key="$2" '$1 == key { print $2 }'; }
echo
echo "$(nproc) cores; wrk -t$THREADS, $DURATION per cell, GET /users/1, SQLite; $(git rev-parse --short HEAD 2>/dev/null || echo 'no git')"
echo
echo "| server | workers | connections | db delay | requests/s | p50 | p99 | errors | peak RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for row in "${rows[@]}"; do
    name=$(field "$row" server)
    case "$name" in
        users_api) name="users_api (glassloop)" ;;
        hyper) name="hyper on glassloop" ;;
        axum) name="axum on glassloop" ;;
        axum-tokio) name="axum on tokio" ;;
    esac
    echo "| $name | $(field "$row" workers) | $(field "$row" connections) | $(field "$row" delay_ms) ms" \
        "| $(field "$row" rps) | $(field "$row" p50) | $(field "$row" p99) | $(field "$row" errors)" \
        "| $(field "$row" peak_rss) |"
done
exit "$failed"

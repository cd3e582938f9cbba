#!/usr/bin/env bash
# The load test recorded in docs/what-can-go-wrong.md ("Load"): users_api in release mode, no
# database delay, driven by 1,000 concurrent keep-alive connections for 60 s
# (`wrk -t2 -c1000 -d60s --latency` against /users/1), reporting requests/s, p50/p99 latency,
# errors (which must be 0) and the server's memory at start, at the end and at its peak; then
# Ctrl-C, which must end it with status 0. See scripts/load_users_api.sh for the knobs; its
# options pass through (`--memory`, `--workers 2`, `--server axum`).
set -euo pipefail
export THREADS=${THREADS:-2}
export CONNECTIONS=${CONNECTIONS:-1000}
export DURATION=${DURATION:-60s}
export DB_DELAY_MS=${DB_DELAY_MS:-0}
export PATHS=${PATHS:-/users/1}
exec "$(dirname "$0")/load_users_api.sh" "$@"

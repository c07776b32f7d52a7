#!/usr/bin/env bash
# Authentication overhead of Tokenward, measured in one run against one server:
#   - GET /api/v4/users/1 anonymous       (baseline: the API pipeline, log line and one query)
#   - GET /api/v4/users/1 with a token     (the same work plus authentication)
#   - GET /api/v4/personal_access_tokens/self with a token (auth is the whole work)
#   - GET /-/health                        (outside the API pipeline, for scale)
# with the default 5-second authentication cache and with it off (every request looks its token up).
# on SQLite and on a throwaway PostgreSQL. Prints a Markdown table of requests/s and ratios.
#
# Each endpoint is measured ROUNDS times (default 3), the endpoints interleaved, and the median kept,
# so drift (tiered JIT, the other core's load) does not favour whichever ran last.
#
# Rerun: bash bench/auth-overhead/run.sh [seconds-per-run (default 5)] [connections (default 32)]
# Needs: wrk (apt-get install -y wrk), PostgreSQL server binaries (apt-get install -y postgresql).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${2:-32}
TOKEN=bench-root-token-0123456789abcdef
SERVER_PID=""
# shellcheck source=../lib.sh
. bench/lib.sh
bench_stop() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; }

require wrk wrk
publish_tokenward

rps() { # url [token]
  local header=()
  [ -n "${2:-}" ] && header=(-H "PRIVATE-TOKEN: $2")
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${header[@]}" "$1" | awk '/Requests\/sec/ {print $2}'
}

bench_engine() { # name cache-seconds [database]
  local name=$1 cache=$2 db=${3:-} port=5191
  # One data folder per database: a PostgreSQL database's tokens need the secret they were made with.
  local data="$WORK/data-sqlite"
  if [ -n "$db" ]; then data="$WORK/data-postgres"; else rm -rf "$data"; fi
  local args=(serve --urls "http://127.0.0.1:$port" --data-dir "$data")
  [ -n "$db" ] && args+=(--database "$db")
  TOKENWARD_AUTH_CACHE_SECONDS=$cache TOKENWARD_INITIAL_ROOT_TOKEN=$TOKEN Logging__LogLevel__Default=Warning dotnet "$WORK/app/tokenward.dll" "${args[@]}" >"$WORK/serve-$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/-/health" >/dev/null && break; sleep 0.2; done
  local base="http://127.0.0.1:$port"
  # Warm up the JIT and the connection pools on every endpoint.
  wrk -t1 -c"$CONNECTIONS" -d3s "$base/api/v4/users/1" >/dev/null
  wrk -t1 -c"$CONNECTIONS" -d3s -H "PRIVATE-TOKEN: $TOKEN" "$base/api/v4/users/1" >/dev/null
  wrk -t1 -c"$CONNECTIONS" -d3s -H "PRIVATE-TOKEN: $TOKEN" "$base/api/v4/personal_access_tokens/self" >/dev/null
  wrk -t1 -c"$CONNECTIONS" -d2s "$base/-/health" >/dev/null
  local anon=() auth=() self=() health=()
  for _ in $(seq "$ROUNDS"); do
    anon+=("$(rps "$base/api/v4/users/1")")
    auth+=("$(rps "$base/api/v4/users/1" "$TOKEN")")
    self+=("$(rps "$base/api/v4/personal_access_tokens/self" "$TOKEN")")
    health+=("$(rps "$base/-/health")")
  done
  anon=$(median "${anon[@]}"); auth=$(median "${auth[@]}"); self=$(median "${self[@]}"); health=$(median "${health[@]}")
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  awk -v n="$name" -v a="$anon" -v u="$auth" -v s="$self" -v h="$health" 'BEGIN {
    printf "| %s | %.0f | %.0f (%.2f) | %.0f (%.2f) | %.0f (%.2f) | %.1f%% |\n", n, a, u, u/a, s, s/a, h, h/a, (1 - u/a) * 100 }'
}

start_postgres 55499

echo "wrk: 1 thread, $CONNECTIONS connections, median of $ROUNDS interleaved ${DURATION}s runs per endpoint; $(nproc) cores shared by server, PostgreSQL and wrk"
echo
echo "| engine | anonymous /users/1 req/s | authenticated /users/1 (ratio) | /personal_access_tokens/self (ratio) | /-/health (ratio) | auth cost |"
echo "|---|---|---|---|---|---|"
PG_URL=${PG_URL:-postgres://tokenward@127.0.0.1:55499/postgres}
if [ -z "${SKIP_SQLITE:-}" ]; then
  bench_engine "SQLite" 5
  bench_engine "SQLite, auth cache off" 0
fi
bench_engine "PostgreSQL" 5 "$PG_URL"
bench_engine "PostgreSQL, auth cache off" 0 "$PG_URL"

#!/usr/bin/env bash
# /-/auth (the check nginx auth_request, Traefik ForwardAuth and Envoy ext_authz make) against
# /-/health on the same server, in one run: requests/s, the ratio, and p99 latency, at 16
# connections, with the 5-second authentication cache (warm) and with it off (every check looks
# its token up), on SQLite and on a throwaway PostgreSQL.
#
# Each endpoint is measured ROUNDS times (default 3), interleaved, and the median kept.
#
# Rerun: bash bench/auth-request/run.sh [seconds-per-run (default 5)] [connections (default 16)]
# Needs: wrk (apt-get install -y wrk), PostgreSQL server binaries (apt-get install -y postgresql).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${2:-16}
TOKEN=bench-root-token-0123456789abcdef
SERVER_PID=""
# shellcheck source=../lib.sh
. bench/lib.sh
bench_stop() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; }

require wrk wrk
publish_tokenward

# Prints "requests/s p99-in-ms".
measure() { # url [token]
  local header=()
  [ -n "${2:-}" ] && header=(-H "PRIVATE-TOKEN: $2")
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${header[@]}" "$1" | awk '
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { v = $2; ms = v + 0; if (v ~ /us$/) ms /= 1000; else if (v ~ /ms$/) ms += 0; else if (v ~ /s$/) ms *= 1000; p99 = ms }
    END { printf "%s %.3f\n", rps, p99 }'
}

bench_engine() { # name cache-seconds [database]
  local name=$1 cache=$2 db=${3:-} port=5192
  # One data folder per database: a PostgreSQL database's tokens need the secret they were made with.
  local data="$WORK/data-sqlite"
  if [ -n "$db" ]; then data="$WORK/data-postgres"; else rm -rf "$data"; fi
  local args=(serve --urls "http://127.0.0.1:$port" --data-dir "$data")
  [ -n "$db" ] && args+=(--database "$db")
  TOKENWARD_AUTH_CACHE_SECONDS=$cache TOKENWARD_INITIAL_ROOT_TOKEN=$TOKEN Logging__LogLevel__Default=Warning dotnet "$WORK/app/tokenward.dll" "${args[@]}" >"$WORK/serve-$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/-/health" >/dev/null && break; sleep 0.2; done
  local base="http://127.0.0.1:$port"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "PRIVATE-TOKEN: $TOKEN" "$base/-/auth?scope=read_api")" = 200 ] || { echo "/-/auth did not answer 200" >&2; exit 1; }
  wrk -t1 -c"$CONNECTIONS" -d3s -H "PRIVATE-TOKEN: $TOKEN" "$base/-/auth?scope=read_api" >/dev/null
  wrk -t1 -c"$CONNECTIONS" -d3s "$base/-/health" >/dev/null
  local auth=() auth99=() health=() health99=()
  for _ in $(seq "$ROUNDS"); do
    read -r r p < <(measure "$base/-/auth?scope=read_api" "$TOKEN"); auth+=("$r"); auth99+=("$p")
    read -r r p < <(measure "$base/-/health"); health+=("$r"); health99+=("$p")
  done
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  awk -v n="$name" -v a="$(median "${auth[@]}")" -v ap="$(median "${auth99[@]}")" -v h="$(median "${health[@]}")" -v hp="$(median "${health99[@]}")" 'BEGIN {
    printf "| %s | %.0f | %.2f ms | %.0f | %.2f ms | %.2f× |\n", n, a, ap, h, hp, a/h }'
}

start_postgres 55498

echo "wrk: 1 thread, $CONNECTIONS connections, median of $ROUNDS interleaved ${DURATION}s runs per endpoint; $(nproc) cores shared by server, PostgreSQL and wrk"
echo
echo "| engine | /-/auth req/s | /-/auth p99 | /-/health req/s | /-/health p99 | /-/auth / /-/health |"
echo "|---|---|---|---|---|---|"
PG_URL=postgres://tokenward@127.0.0.1:55498/postgres
bench_engine "SQLite, cache warm" 5
bench_engine "PostgreSQL, cache warm" 5 "$PG_URL"
bench_engine "PostgreSQL, cache off" 0 "$PG_URL"

# The peer of the cache-off check: PostgreSQL itself answering the lookup every such check makes
# (the token by its digest, with its owner), from pgbench with as many clients, on the same cores.
DIGEST=$("$PGBIN/psql" -h 127.0.0.1 -p 55498 -U tokenward -d postgres -Atc "SELECT token_digest FROM personal_access_tokens ORDER BY id LIMIT 1")
echo "SELECT t.*, u.* FROM personal_access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_digest = '$DIGEST';" >"$WORK/lookup.sql"
TPS=$("$PGBIN/pgbench" -h 127.0.0.1 -p 55498 -U tokenward -n -M extended -c "$CONNECTIONS" -j 1 -T "$DURATION" -f "$WORK/lookup.sql" postgres 2>/dev/null | awk '/^tps/ {print $3; exit}')
echo
echo "PostgreSQL alone, the same lookup (pgbench, $CONNECTIONS clients, ${DURATION}s): $(printf '%.0f' "$TPS")/s"

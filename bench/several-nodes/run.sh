#!/usr/bin/env bash
# Several nodes, measured in one run (issue #18):
#   1. Requests/s of one node on PostgreSQL with the ban and the token cache in the process vs
#      on Redis (TOKENWARD_REDIS_URL): authenticated GET /api/v4/user (cache hits; with Redis each
#      success also clears the address's shared failure count, sent without waiting), failed
#      authentications (every one counted: in memory, or by the ban script in Redis), and
#      /-/health for scale. wrk, ROUNDS interleaved rounds, medians.
#   2. Revocation propagation across two nodes (bench/several-nodes/propagation.py): the time from
#      node A's 204 for a revocation to node B's first 401 for the token it had cached (300 s
#      cache), p50/p99 of COUNT revocations, through Redis pub/sub and through PostgreSQL
#      LISTEN/NOTIFY (no Redis).
#   3. /-/metrics at 1,000,000 tokens (the token-reports bench's seed): the scrape (curl's total,
#      median of RUNS) vs /-/health, and the aggregate count behind the token gauges (its own
#      gauge, tokenward_tokens_count_duration_seconds), on SQLite and PostgreSQL.
#
# Rerun: bash bench/several-nodes/run.sh      (SKIP_SCALE=1 skips part 3)
# Needs: wrk, redis-server, python3, sqlite3, psql and PostgreSQL server binaries.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-5}
COUNT=${COUNT:-200}
CONNECTIONS=${CONNECTIONS:-32}
ROOT=bench-root-token-0123456789abcdef
SECRET=$(head -c 32 /dev/zero | tr '\0' 'k' | base64)
WORK=$(mktemp -d /tmp/tokenward-nodes-bench-XXXXXX)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=55498
REDISPORT=56390
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  [ -d "$WORK/pg" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "building the release build (scripts/publish, ~3 minutes)..." >&2
APP=$(bash scripts/publish "$WORK/app")

mkdir -p "$WORK/pg" && chown postgres "$WORK/pg" && chmod 755 "$WORK"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -A trust -U tokenward >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg/log" -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start >/dev/null
PGURL="postgres://tokenward@127.0.0.1:$PGPORT"
redis-server --port $REDISPORT --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >/dev/null &
PIDS+=($!)

serve() { # name port database [env...]
  local name=$1 port=$2 db=$3; shift 3
  env TOKENWARD_INITIAL_ROOT_TOKEN=$ROOT TOKENWARD_SECRET="$SECRET" Logging__LogLevel__Default=Warning "$@" \
    "$APP" serve --urls "http://127.0.0.1:$port" --data-dir "$WORK/$name" --database "$db" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/-/health" >/dev/null && return; sleep 0.2; done
  echo "node $name did not start:" >&2; cat "$WORK/$name.log" >&2; exit 1
}

stop_all_nodes() {
  local keep=()
  for pid in "${PIDS[@]}"; do
    if [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = tokenward ]; then kill "$pid"; wait "$pid" 2>/dev/null || true; else keep+=("$pid"); fi
  done
  PIDS=("${keep[@]}")
}

rps() { # url [token]
  local header=()
  [ -n "${2:-}" ] && header=(-H "PRIVATE-TOKEN: $2")
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${header[@]}" "$1" | awk '/Requests\/sec/ {print $2}'
}

echo "## Several nodes ($(nproc) cores; PostgreSQL 15 and Redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2) on loopback)"
echo
echo "### Requests/s of one node: bans and cache in the process vs on Redis"
echo
echo "wrk, $CONNECTIONS connections, ${DURATION} s, median of $ROUNDS interleaved rounds; ban threshold 10,000,000 so failures keep being counted."
echo
psql -q -X "$PGURL/postgres" -c "CREATE DATABASE rps" >/dev/null
BAN=(TOKENWARD_AUTH_BAN_MAX_FAILURES=1000000 TOKENWARD_AUTH_BAN_ALLOWLIST=192.0.2.1)
serve local 5301 "$PGURL/rps" "${BAN[@]}"
serve shared 5302 "$PGURL/rps" "${BAN[@]}" TOKENWARD_REDIS_URL=redis://127.0.0.1:$REDISPORT
declare -A R
for _ in $(seq "$ROUNDS"); do
  for node in 5301 5302; do
    R[$node-ok]+="$(rps "http://127.0.0.1:$node/api/v4/user" "$ROOT") "
    R[$node-bad]+="$(rps "http://127.0.0.1:$node/api/v4/user" "not-a-valid-token-at-all-000") "
    R[$node-health]+="$(rps "http://127.0.0.1:$node/-/health") "
  done
done
echo "| request | in-process req/s | Redis req/s | Redis / in-process | /-/health req/s (in-process node) |"
echo "|---|---|---|---|---|"
for kind in ok bad; do
  name=$([ $kind = ok ] && echo "authenticated GET /api/v4/user (cache hit)" || echo "failed authentication (unknown token, counted)")
  # shellcheck disable=SC2086
  l=$(median ${R[5301-$kind]}); s=$(median ${R[5302-$kind]}); h=$(median ${R[5301-health]})
  awk -v n="$name" -v l="$l" -v s="$s" -v h="$h" 'BEGIN { printf "| %s | %.0f | %.0f | %.2f | %.0f |\n", n, l, s, s / l, h }'
done
stop_all_nodes

echo
echo "### Revocation propagation across two nodes"
echo
echo "From node A's 204 to node B's first 401 for the token it had cached (300 s cache); $COUNT revocations each."
echo
echo "| carried by | p50 ms | p99 ms | max ms |"
echo "|---|---|---|---|"
for transport in redis postgres; do
  psql -q -X "$PGURL/postgres" -c "CREATE DATABASE prop_$transport" >/dev/null
  extra=(TOKENWARD_AUTH_CACHE_SECONDS=300)
  [ $transport = redis ] && extra+=(TOKENWARD_REDIS_URL=redis://127.0.0.1:$REDISPORT)
  serve a-$transport 5311 "$PGURL/prop_$transport" "${extra[@]}"
  serve b-$transport 5312 "$PGURL/prop_$transport" "${extra[@]}"
  python3 bench/several-nodes/propagation.py http://127.0.0.1:5311 http://127.0.0.1:5312 "$ROOT" 20 >/dev/null   # warm-up
  python3 bench/several-nodes/propagation.py http://127.0.0.1:5311 http://127.0.0.1:5312 "$ROOT" "$COUNT" >"$WORK/times"
  sort -g "$WORK/times" | awk -v t="$([ $transport = redis ] && echo 'Redis pub/sub' || echo 'PostgreSQL LISTEN/NOTIFY')" \
    '{ v[NR] = $1 } END { printf "| %s | %.2f | %.2f | %.2f |\n", t, v[int(NR * 0.5 + 0.5)], v[int(NR * 0.99 + 0.5)], v[NR] }'
  stop_all_nodes
done

[ -n "${SKIP_SCALE:-}" ] && exit 0
echo
echo "### /-/metrics at 1,000,000 tokens"
echo
echo "curl's total for the whole scrape, median of $RUNS (the exporter keeps an answer 300 ms, so each scrape waits 0.4 s after the last); the count is the aggregate query behind the token gauges, run every TOKENWARD_METRICS_REFRESH_SECONDS, never per scrape."
echo
echo "| engine | scrape s | /-/health s | scrape / health | token count s (every 60 s) | scrape bytes |"
echo "|---|---|---|---|---|---|"
scale() { # engine port database-args...
  local engine=$1 port=$2; shift 2
  local p=() h=() bytes=0
  for _ in $(seq 300); do
    curl -s "http://127.0.0.1:$port/-/metrics" | grep -q '^tokenward_tokens_count_duration_seconds' && break; sleep 1
  done
  for _ in $(seq "$RUNS"); do
    sleep 0.4
    p+=("$(curl -s -o "$WORK/scrape" -w '%{time_total}' "http://127.0.0.1:$port/-/metrics")")
    h+=("$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/-/health")")
  done
  bytes=$(wc -c <"$WORK/scrape")
  local took; took=$(awk '/^tokenward_tokens_count_duration_seconds/ { print $2 }' "$WORK/scrape")
  local active; active=$(awk '/^tokenward_tokens\{.*kind="personal",state="active"/ { print $2 }' "$WORK/scrape")
  [ "${active%.*}" -gt 100000 ] || { echo "the seed did not show in the gauges ($active)" >&2; exit 1; }
  awk -v e="$engine" -v p="$(median "${p[@]}")" -v h="$(median "${h[@]}")" -v t="$took" -v b="$bytes" \
    'BEGIN { printf "| %s | %.4f | %.4f | %.1f | %.2f | %d |\n", e, p, h, p / h, t, b }'
}
SEEDS=bench/token-reports
echo "seeding SQLite..." >&2
TOKENWARD_INITIAL_ROOT_TOKEN=$ROOT "$APP" init --data-dir "$WORK/sqlite" >/dev/null 2>&1 || true
sqlite3 "$WORK/sqlite/tokenward.sqlite3" <"$SEEDS/seed-sqlite.sql" >/dev/null
TOKENWARD_INITIAL_ROOT_TOKEN=$ROOT Logging__LogLevel__Default=Warning "$APP" serve --urls http://127.0.0.1:5321 --data-dir "$WORK/sqlite" >"$WORK/sqlite.log" 2>&1 &
PIDS+=($!)
scale SQLite 5321
stop_all_nodes
echo "seeding PostgreSQL..." >&2
psql -q -X "$PGURL/postgres" -c "CREATE DATABASE scale" >/dev/null
serve scale 5322 "$PGURL/scale"
stop_all_nodes
psql -q -X "$PGURL/scale" -f "$SEEDS/seed-postgres.sql" >/dev/null
psql -q -X "$PGURL/scale" -c "VACUUM ANALYZE" >/dev/null
serve scale 5322 "$PGURL/scale"
scale PostgreSQL 5322

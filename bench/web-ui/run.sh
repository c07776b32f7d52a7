#!/usr/bin/env bash
# The web UI at scale: 1,000,000 tokens (the token-reports bench's seed) and a 256 MB api_json.log
# with a week of traffic. Each admin page rendered server-side (curl's total time for the whole
# HTML, signed in, warm server) next to the same report through the CLI (the whole process) and
# an unauthenticated endpoint (/-/health) on the same server, medians of RUNS runs (default 5):
#   - the token inventory's first page (50 rows and the count, up to 10,001) for `within=1m` vs
#     `tokens expiring --within 1m` (all ~28,000 rows), and its default view (every active token);
#   - the expiry calendar (every date ahead, grouped) vs `tokens expiry-dates --top 10000`;
#   - the authentication-failure dashboard over 7 days vs `logs auth-failures --since 7d`.
#
# Rerun: bash bench/web-ui/run.sh            (SKIP_PG=1 for SQLite only)
# Needs: sqlite3, psql and PostgreSQL server binaries, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=bench/token-reports
RUNS=${RUNS:-5}
WORK=$(mktemp -d /tmp/tokenward-web-bench-XXXXXX)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=55497
PG="postgres://tokenward@127.0.0.1:$PGPORT/bench"
ROOT=bench-root-token-0123456789abcdef
PASSWORD=bench-password-for-root
PORT=5195
SERVER_PID=""

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -d "$WORK/pg" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "building the release build (scripts/publish, ~3 minutes)..." >&2
APP=$(bash scripts/publish "$WORK/app")

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }

serve() { # database args...
  TOKENWARD_INITIAL_ROOT_TOKEN=$ROOT Logging__LogLevel__Default=Warning "$APP" serve --urls "http://127.0.0.1:$PORT" --data-dir "$WORK/data" "$@" >"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/-/health" >/dev/null && break; sleep 0.2; done
}

stop() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# A page's time as the browser would wait for it: the whole HTML, signed in.
page() { # path
  local answer
  answer=$(curl -s -o "$WORK/page.html" -w '%{http_code} %{time_total}' -b "$WORK/jar" "http://127.0.0.1:$PORT$1")
  [ "${answer%% *}" = 200 ] || { echo "GET $1 answered ${answer%% *}" >&2; exit 1; }
  echo "${answer#* }"
}

sign_in() {
  curl -sf -X PUT -H "PRIVATE-TOKEN: $ROOT" "http://127.0.0.1:$PORT/api/v4/users/1" --data-urlencode "password=$PASSWORD" >/dev/null
  rm -f "$WORK/jar"
  local form token
  form=$(curl -s -c "$WORK/jar" -b "$WORK/jar" "http://127.0.0.1:$PORT/users/sign_in")
  token=$(grep -o 'name="authenticity_token" type="hidden" value="[^"]*"' <<<"$form" | head -1 | sed 's/.*value="//;s/"$//')
  curl -s -o /dev/null -c "$WORK/jar" -b "$WORK/jar" "http://127.0.0.1:$PORT/users/sign_in?handler=Password" \
    --data-urlencode "user[login]=root" --data-urlencode "user[password]=$PASSWORD" --data-urlencode "authenticity_token=$token"
}

bench_engine() { # engine
  local engine=$1 db_args=()
  [ "$engine" = postgres ] && db_args=(--database "$PG")
  serve "${db_args[@]}"
  sign_in
  echo
  echo "### $engine"
  echo
  echo "| page | page s | same report through the CLI s | CLI / page | /-/health s | page / health |"
  echo "|---|---|---|---|---|---|"
  local rows=(
    "token inventory, first page (within=1m, ~28,000 match)|/admin/credentials?state=all&within=1m|tokens expiring --within 1m --format json"
    "token inventory, default view (every active token)|/admin/credentials|-"
    "token inventory, page 100|/admin/credentials?page=100|-"
    "expiry calendar (12 months, cliffs)|/admin/expiry_calendar|tokens expiry-dates --top 10000 --format json"
    "expiry calendar, the backfill day's tokens|/admin/expiry_calendar?day=2027-05-22|tokens expiring --on 2027-05-22 --format json"
    "authentication failures, 7 days of a 256 MB log|/admin/authentication_failures?window=7d|logs auth-failures $WORK/data/log --since 7d --format json"
  )
  for entry in "${rows[@]}"; do
    IFS='|' read -r name path cli <<<"$entry"
    page "$path" >/dev/null   # warm: the first render compiles the page's queries
    local p=() c=() h=()
    for _ in $(seq "$RUNS"); do
      p+=("$(page "$path")")
      h+=("$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/-/health")")
      if [ "$cli" != - ]; then
        local t0; t0=$(now)
        # shellcheck disable=SC2086
        "$APP" --data-dir "$WORK/data" "${db_args[@]}" $cli >/dev/null
        c+=("$(echo "$(now) - $t0" | bc)")
      fi
    done
    local pm hm cm
    pm=$(median "${p[@]}"); hm=$(median "${h[@]}"); cm=${c:+$(median "${c[@]}")}
    awk -v n="$name" -v p="$pm" -v c="${cm:-}" -v h="$hm" 'BEGIN {
      printf "| %s | %.3f | %s | %s | %.4f | %.0f |\n", n, p, c == "" ? "-" : sprintf("%.2f", c), c == "" ? "-" : sprintf("%.1f", c / p), h, p / h }'
  done
  stop
}

bootstrap() { # database args...
  serve "$@"
  stop
}

echo "seeding SQLite and writing the log..." >&2
bootstrap
sqlite3 "$WORK/data/tokenward.sqlite3" <"$SEEDS/seed-sqlite.sql" >/dev/null
mkdir -p "$WORK/data/log"
python3 bench/auth-failures/generate.py 256 --days 7 --start "$(date -u -d '6 days ago' +%F)" >"$WORK/data/log/api_json.log"
echo "1,000,000 tokens, api_json.log $(du -m "$WORK/data/log/api_json.log" | cut -f1) MB; $(nproc) cores; median of $RUNS runs; page = curl's total for the whole HTML, signed in, warm server; CLI = the whole process of the release build"
bench_engine sqlite

if [ -z "${SKIP_PG:-}" ]; then
  echo "seeding PostgreSQL..." >&2
  mkdir -p "$WORK/pg" && chown postgres "$WORK/pg" && chmod 755 "$WORK"
  runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -A trust -U tokenward >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg/log" -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start >/dev/null
  psql -q -X "postgres://tokenward@127.0.0.1:$PGPORT/postgres" -c "CREATE DATABASE bench" >/dev/null
  mv "$WORK/data/log" "$WORK/log-keep"
  rm -rf "$WORK/data"
  bootstrap --database "$PG"
  psql -q -X "$PG" -f "$SEEDS/seed-postgres.sql" >/dev/null
  # What autovacuum does soon after a bulk load: statistics and the visibility map.
  psql -q -X "$PG" -c "VACUUM ANALYZE" >/dev/null
  rm -rf "$WORK/data/log" && mv "$WORK/log-keep" "$WORK/data/log"
  bench_engine postgres
fi

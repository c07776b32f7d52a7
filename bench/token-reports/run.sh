#!/usr/bin/env bash
# The token toolkit at scale: 1,000,000 tokens (seed-*.sql), on SQLite and on a throwaway PostgreSQL.
#   - each report through the CLI (`tokenward tokens ...`, whole process: start, one query, output;
#     expiry-dates names the cliffs, at-risk, a spread's dry run and the policy preview among them),
#     its raw SQL (the same joins and conditions, through sqlite3/psql) as the baseline, and the
#     admin endpoint's first page on a warm server;
#   - `tokens extend` of the 100,000 tokens expiring on 2027-05-22 with an audit event each, against
#     the raw UPDATE + INSERT of the audit rows; and an interrupted extend (SIGTERM once batches are in) rerun
#     to completion, checking that tokens changed = audit events written = whole batches.
# Times are the median of RUNS runs (default 3); RSS is the CLI's peak resident memory.
#
# Rerun: bash bench/token-reports/run.sh            (SKIP_PG=1 for SQLite only)
# Needs: sqlite3, psql and PostgreSQL server binaries (apt-get install -y sqlite3 postgresql), GNU time.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=bench/token-reports
RUNS=${RUNS:-3}
WORK=$(mktemp -d /tmp/tokenward-toolkit-bench-XXXXXX)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=55498
PG="postgres://tokenward@127.0.0.1:$PGPORT/bench"
ROOT=bench-root-token-0123456789abcdef
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

# The report's SQL: the columns and joins the toolkit's query has, with this WHERE and ORDER BY.
report_sql() { # where-clause
  cat <<SQL
SELECT p.id, CASE WHEN p.impersonation THEN 'impersonation' WHEN u.user_type <> 6 THEN 'personal' WHEN m.source_type = 'Project' THEN 'project' ELSE 'group' END,
  p.name, u.id, u.username, u.email, u.state, p.scopes, p.revoked, p.expires_at, p.last_used_at, p.created_at,
  CASE WHEN m.id IS NULL THEN NULL WHEN m.source_type = 'Project' THEN 'project' ELSE 'group' END, m.source_id,
  CASE WHEN m.id IS NULL THEN NULL WHEN m.source_type = 'Project' THEN (SELECT path FROM projects WHERE id = m.source_id) ELSE (SELECT path FROM namespaces WHERE id = m.source_id) END,
  EXISTS (SELECT 1 FROM token_expiry_backfills b WHERE b.personal_access_token_id = p.id AND b.expires_at = p.expires_at)
FROM personal_access_tokens p JOIN users u ON p.user_id = u.id LEFT JOIN members m ON u.id = m.user_id AND u.user_type = 6
WHERE (u.user_type <> 6 OR m.id IS NOT NULL) AND NOT p.revoked AND u.state = 'active' AND $1
ORDER BY p.expires_at, p.id;
SQL
}
DATES_SQL="SELECT p.expires_at, count(*) AS c FROM personal_access_tokens p JOIN users u ON p.user_id = u.id LEFT JOIN members m ON u.id = m.user_id AND u.user_type = 6
WHERE (u.user_type <> 6 OR m.id IS NOT NULL) AND NOT p.revoked AND u.state = 'active' AND p.expires_at >= DATE_TOMORROW GROUP BY p.expires_at ORDER BY c DESC, p.expires_at LIMIT 10;"

TODAY=$(date -u +%F)
TOMORROW=$(date -u -d tomorrow +%F)
MONTH=$(date -u -d "$TODAY + 1 month" +%F)
YEAR=$(date -u -d "$TODAY + 1 year" +%F)
DAYS30=$(date -u -d "$TODAY + 30 days" +%F)
DAYS90=$(date -u -d "$TODAY + 90 days" +%F)
USED_SINCE=$(date -u -d "$TODAY - 2 months" +%F)
# name | CLI arguments | WHERE of the raw SQL (empty: the dates query) | endpoint
# (the seed's groups are two levels deep, so the raw SQL of --group spells out one level of subgroups)
REPORTS=(
  "expiring --on (one day, ~1,400 tokens)|expiring --on 2026-12-05 --format json|p.expires_at = '2026-12-05'|expiring?on=2026-12-05"
  "expiring --on (backfill day, ~100,000)|expiring --on 2027-05-22 --format json|p.expires_at = '2027-05-22'|expiring?on=2027-05-22"
  "expiring --within 1m (~28,000)|expiring --within 1m --format csv|p.expires_at >= '$TODAY' AND p.expires_at <= '$MONTH'|expiring?within=1m"
  "expiry-dates --top 10|expiry-dates||expiry_dates?top=10"
  "no-expiry (~99,000)|no-expiry --format lines|p.expires_at IS NULL|no_expiry?page=1"
  "expiring --within 1m --user user77 (2)|expiring --within 1m --user user77 --format json|p.expires_at >= '$TODAY' AND p.expires_at <= '$MONTH' AND u.username = 'user77'|expiring?within=1m&user=user77"
  "expiring --within 1y --group group7 (~150)|expiring --within 1y --group group7 --format json|p.expires_at >= '$TODAY' AND p.expires_at <= '$YEAR' AND ((m.source_type = 'Project' AND m.source_id IN (SELECT id FROM projects WHERE namespace_id IN (SELECT id FROM namespaces WHERE path = 'group7' OR parent_id = (SELECT id FROM namespaces WHERE path = 'group7')))) OR (m.source_type = 'Namespace' AND m.source_id IN (SELECT id FROM namespaces WHERE path = 'group7' OR parent_id = (SELECT id FROM namespaces WHERE path = 'group7'))))|expiring?within=1y&group=group7"
  "at-risk --within 30d --used-within 2m (~13,000)|at-risk --within 30d --used-within 2m --format json|p.expires_at >= '$TOMORROW' AND p.expires_at <= '$DAYS30' AND p.last_used_at >= '$USED_SINCE'|at_risk?within=30d&used_within=2m"
  "extend --spread 4w, dry run (backfill day, ~100,000)|extend --expiring-on 2027-05-22 --spread 4w --format json|p.expires_at = '2027-05-22'|"
  "policy-preview --max-lifetime 90 --require-expiry|policy-preview --max-lifetime 90 --require-expiry --format json|(p.expires_at > '$DAYS90' OR p.expires_at IS NULL)|policy_preview?max_lifetime=90&require_expiry=true"
  "(process start, no rows)|expiring --on 1900-01-01||"
)

raw() { # engine sql [rows]
  # psql with Tokenward's session settings: JIT off (DatabaseTarget's defaults) and, for a row
  # report, the plan for streaming in expiry order (PostgresEngine.StreamingSettings).
  if [ "$1" = sqlite ]; then sqlite3 "$WORK/data/tokenward.sqlite3" "$2" >/dev/null; return; fi
  local options="-c jit=off"
  [ -n "${3:-}" ] && options="$options -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1"
  PGOPTIONS="$options" psql -q -X -A -t "$PG" -c "$2" >/dev/null
}

bench_engine() { # engine
  local engine=$1 db_args=() port=5193
  [ "$engine" = postgres ] && db_args=(--database "$PG")
  echo
  echo "### $engine"
  echo
  echo "| report | CLI s | CLI peak RSS MB | raw SQL s | CLI / raw SQL | endpoint page 1 s |"
  echo "|---|---|---|---|---|---|"
  TOKENWARD_INITIAL_ROOT_TOKEN=$ROOT Logging__LogLevel__Default=Warning "$APP" serve --urls "http://127.0.0.1:$port" --data-dir "$WORK/data" "${db_args[@]}" >"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/-/health" >/dev/null && break; sleep 0.2; done
  for entry in "${REPORTS[@]}"; do
    IFS='|' read -r name args where endpoint <<<"$entry"
    local cli=() rss=() sql=() http=()
    for _ in $(seq "$RUNS"); do
      # shellcheck disable=SC2086
      /usr/bin/time -f "%e %M" -o "$WORK/time" "$APP" --data-dir "$WORK/data" "${db_args[@]}" tokens $args >/dev/null
      read -r s kb <"$WORK/time"; cli+=("$s"); rss+=("$kb")
      if [ -n "$where" ] || [ "${args%% *}" = expiry-dates ]; then
        local q; if [ -n "$where" ]; then q=$(report_sql "$where"); else q=${DATES_SQL//DATE_TOMORROW/\'$TOMORROW\'}; fi
        local t0; t0=$(now); raw "$engine" "$q" "$where"; sql+=("$(echo "$(now) - $t0" | bc)")
      fi
      if [ -n "$endpoint" ]; then
        local answer; answer=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "PRIVATE-TOKEN: $ROOT" "http://127.0.0.1:$port/api/v4/admin/tokens/$endpoint&per_page=100")
        [ "${answer%% *}" = 200 ] || { echo "GET /admin/tokens/$endpoint answered ${answer%% *}" >&2; exit 1; }
        http+=("${answer#* }")
      fi
    done
    local c r s h
    c=$(median "${cli[@]}"); r=$(median "${rss[@]}")
    s=${sql:+$(median "${sql[@]}")}; h=${http:+$(median "${http[@]}")}
    awk -v n="$name" -v c="$c" -v r="$r" -v s="${s:-}" -v h="${h:-}" 'BEGIN {
      printf "| %s | %.2f | %.0f | %s | %s | %s |\n", n, c, r / 1024, s == "" ? "-" : sprintf("%.2f", s), s == "" ? "-" : sprintf("%.1f", c / s), h == "" ? "-" : sprintf("%.3f", h) }'
  done
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

bench_extend() { # engine
  local engine=$1 db_args=()
  [ "$engine" = postgres ] && db_args=(--database "$PG")
  local select="FROM personal_access_tokens p JOIN users u ON p.user_id = u.id WHERE p.expires_at = '2027-05-22' AND NOT p.revoked AND NOT p.impersonation AND u.state = 'active' AND u.user_type <> 6"
  # Baseline: the raw UPDATE and the audit rows, in one transaction, rolled back.
  local t0 audit
  audit="INSERT INTO audit_events (author_name, entity_type, entity_id, event_name, target_type, target_id, details, created_at)
    SELECT 'bench', 'User', u.id, 'personal_access_token_expiry_changed', 'PersonalAccessToken', p.id, '{}', '2026-11-29 00:00:00' $select;"
  t0=$(now)
  if [ "$engine" = sqlite ]; then
    sqlite3 "$WORK/data/tokenward.sqlite3" "BEGIN; $audit UPDATE personal_access_tokens SET expires_at = '2027-11-01' WHERE id IN (SELECT p.id $select); ROLLBACK;"
  else
    psql -q -X "$PG" -c "BEGIN; $audit UPDATE personal_access_tokens SET expires_at = '2027-11-01' WHERE id IN (SELECT p.id $select); ROLLBACK;" >/dev/null
  fi
  local raw_s; raw_s=$(printf '%.2f' "$(echo "$(now) - $t0" | bc)")

  local count_sql="SELECT (SELECT count(*) FROM personal_access_tokens WHERE expires_at = 'DATE') || ' ' || (SELECT count(*) FROM audit_events WHERE event_name LIKE '%_expiry_changed');"
  counts() { # date
    if [ "$engine" = sqlite ]; then sqlite3 "$WORK/data/tokenward.sqlite3" "${count_sql//DATE/$1}"; else psql -qtAX "$PG" -c "${count_sql//DATE/$1}"; fi
  }
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$APP" --data-dir "$WORK/data" "${db_args[@]}" tokens extend --expiring-on 2027-05-22 --to 2027-11-01 --yes >"$WORK/extend.out"
  read -r s kb <"$WORK/time"
  local done_; done_=$(counts 2027-11-01)

  # The same tokens back to 2027-10-02 (a date no other token has), interrupted (SIGTERM: what a service manager sends; a background job of a script ignores SIGINT) once the first batches are in, then rerun.
  "$APP" --data-dir "$WORK/data" "${db_args[@]}" tokens extend --expiring-on 2027-11-01 --to 2027-10-02 --yes >/dev/null 2>&1 &
  local pid=$! partial="0 0"
  for _ in $(seq 400); do partial=$(counts 2027-10-02); [ "${partial% *}" -gt 0 ] && break; sleep 0.02; done
  kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  partial=$(counts 2027-10-02)
  "$APP" --data-dir "$WORK/data" "${db_args[@]}" tokens extend --expiring-on 2027-11-01 --to 2027-10-02 --yes >/dev/null
  local final; final=$(counts 2027-10-02)
  echo
  echo "extend ($engine): ${done_% *} tokens and ${done_#* } audit events in ${s} s (peak RSS $((kb / 1024)) MB); the raw UPDATE + audit INSERT of the same rows: ${raw_s} s."
  local base=${done_#* }
  echo "interrupted extend ($engine): at SIGTERM ${partial% *} tokens had moved with $(( ${partial#* } - base )) new audit events (whole batches of 1,000); after the rerun ${final% *} tokens and $(( ${final#* } - base )) new audit events."
  grep -E "^Updated|^Skipped" "$WORK/extend.out" || true
}

# Migrates and creates root (with the bench token) on the empty database, before the seed.
bootstrap() { # [database args]
  TOKENWARD_INITIAL_ROOT_TOKEN=$ROOT Logging__LogLevel__Default=Warning "$APP" serve --urls http://127.0.0.1:5194 --data-dir "$WORK/data" "$@" >"$WORK/bootstrap.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:5194/-/health >/dev/null && break; sleep 0.2; done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "seeding SQLite..." >&2
bootstrap
sqlite3 "$WORK/data/tokenward.sqlite3" <"$HERE/seed-sqlite.sql" >/dev/null
echo "1,000,000 tokens; $(nproc) cores; median of $RUNS runs; CLI = the whole process of the release build (scripts/publish); endpoint = first page of 100 (with its count) on a warm server"
bench_engine sqlite
bench_extend sqlite

if [ -z "${SKIP_PG:-}" ]; then
  echo "seeding PostgreSQL..." >&2
  mkdir -p "$WORK/pg" && chown postgres "$WORK/pg" && chmod 755 "$WORK"
  runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -A trust -U tokenward >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg/log" -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start >/dev/null
  psql -q -X "postgres://tokenward@127.0.0.1:$PGPORT/postgres" -c "CREATE DATABASE bench" >/dev/null
  rm -rf "$WORK/data"
  bootstrap --database "$PG"
  psql -q -X "$PG" -f "$HERE/seed-postgres.sql" >/dev/null
  bench_engine postgres
  bench_extend postgres
fi

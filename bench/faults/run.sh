#!/usr/bin/env bash
# Fault scenarios too slow for every CI run (the suite keeps a short version of each, see
# tests/Tokenward.Tests/Faults): real processes, real PostgreSQL, a real full disk.
#   1. `tokens extend` of 20,000 tokens killed with SIGKILL again and again, then run to the end:
#      token changes, audit_events rows and audit_json.log lines compared (SQLite and PostgreSQL).
#   2. PostgreSQL stopped for 10 s under load: the answers by status, second by second.
#   3. The log folder on a 512 KB tmpfs filled to the last byte during load, then freed.
#   4. A second `serve` on the same SQLite data folder.
#
# Rerun: bash bench/faults/run.sh [kills (default 10)]
# Needs: root (tmpfs, PostgreSQL as the postgres user), PostgreSQL server binaries, jq, sqlite3, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
KILLS=${1:-10}
TOKEN=faults-root-token-0123456789abcdef
UNKNOWN=glpat-unknown-token-value-0123456789
WORK=$(mktemp -d /tmp/tokenward-faults-XXXXXX)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=55498
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  mountpoint -q "$WORK/tmpfs" 2>/dev/null && umount -l "$WORK/tmpfs"
  [ -d "$WORK/pg" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

dotnet build src/Tokenward -c Release -o "$WORK/app" --nologo -v quiet >/dev/null
TW=(dotnet "$WORK/app/tokenward.dll")
tw() { "${TW[@]}" "$@"; }

mkdir -p "$WORK/pg" && chown postgres "$WORK/pg" && chmod 755 "$WORK"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -A trust -U tokenward >/dev/null
pg_start() { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg/log" -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null; }
pg_start
psql_q() { psql -h 127.0.0.1 -p $PGPORT -U tokenward -d "$1" -Atqc "$2"; }

wait_up() { for _ in $(seq 150); do curl -sf "$1/-/health" >/dev/null && return 0; sleep 0.2; done; return 1; }

# 1. The extend killed again and again.
extend_killed() { # engine
  local engine=$1 dir="$WORK/extend-$1" args today on to sql db=""
  mkdir -p "$dir"
  args=(--data-dir "$dir")
  if [ "$engine" = postgres ]; then
    psql_q postgres "CREATE DATABASE extend_faults" ; db="postgres://tokenward@127.0.0.1:$PGPORT/extend_faults"; args+=(--database "$db")
  fi
  tw audit ship "${args[@]}" >/dev/null
  on=$(date -u -d '+30 days' +%F); to=$(date -u -d '+90 days' +%F)
  sql="INSERT INTO users (username, email, name, state, admin, user_type, created_at, updated_at) VALUES ('bulk', 'bulk@example.com', 'Bulk', 'active', false, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);"
  if [ "$engine" = postgres ]; then
    psql_q extend_faults "$sql INSERT INTO personal_access_tokens (user_id, name, token_digest, scopes, revoked, impersonation, expires_at, created_at, updated_at) SELECT (SELECT id FROM users WHERE username = 'bulk'), 'bulk ' || i, 'digest-' || i, '[\"api\"]', false, false, DATE '$on', now(), now() FROM generate_series(1, 20000) i"
  else
    sqlite3 "$dir/tokenward.sqlite3" "$sql WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO personal_access_tokens (user_id, name, token_digest, scopes, revoked, impersonation, expires_at, created_at, updated_at) SELECT (SELECT id FROM users WHERE username = 'bulk'), 'bulk ' || i, 'digest-' || i, '[\"api\"]', 0, 0, '$on', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM n"
  fi
  local killed=0
  for k in $(seq "$KILLS"); do
    "${TW[@]}" tokens extend --expiring-on "$on" --to "$to" --yes "${args[@]}" >/dev/null 2>&1 &
    local pid=$!
    sleep "0.$((RANDOM % 7 + 3))"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null || true
  done
  tw tokens extend --expiring-on "$on" --to "$to" --yes "${args[@]}" >/dev/null 2>&1 || true
  tw audit ship "${args[@]}" >/dev/null
  local changed events
  if [ "$engine" = postgres ]; then
    changed=$(psql_q extend_faults "SELECT count(*) FROM personal_access_tokens WHERE expires_at = DATE '$to'")
    events=$(psql_q extend_faults "SELECT count(*) FROM audit_events WHERE event_name = 'personal_access_token_expiry_changed'")
    all=$(psql_q extend_faults "SELECT count(*) FROM audit_events")
  else
    changed=$(sqlite3 "$dir/tokenward.sqlite3" "SELECT count(*) FROM personal_access_tokens WHERE expires_at = '$to'")
    events=$(sqlite3 "$dir/tokenward.sqlite3" "SELECT count(*) FROM audit_events WHERE event_name = 'personal_access_token_expiry_changed'")
    all=$(sqlite3 "$dir/tokenward.sqlite3" "SELECT count(*) FROM audit_events")
  fi
  local lines dups bad
  lines=$(wc -l < "$dir/log/audit_json.log")
  dups=$(jq -r .id "$dir/log/audit_json.log" | sort | uniq -d | wc -l)
  bad=$(jq -c . "$dir/log/audit_json.log" 2>&1 >/dev/null | wc -l)
  echo "| $engine | $killed | $changed | $events | $all | $lines | $dups | $bad |"
}

echo "## 1. tokens extend of 20,000 tokens, SIGKILLed $KILLS times at random points, then run to the end"
echo
echo "| engine | kills that hit a running extend | tokens changed | their audit events | all audit events | audit_json.log lines | ids written twice | unparsable lines |"
echo "|---|---|---|---|---|---|---|---|"
extend_killed sqlite
extend_killed postgres
echo

# 2. PostgreSQL stopped for 10 s under load.
psql_q postgres "CREATE DATABASE outage_faults"
TOKENWARD_INITIAL_ROOT_TOKEN=$TOKEN TOKENWARD_AUTH_CACHE_SECONDS=0 "${TW[@]}" serve --urls http://127.0.0.1:5197 --data-dir "$WORK/outage" \
  --database "postgres://tokenward@127.0.0.1:$PGPORT/outage_faults" >"$WORK/outage.log" 2>&1 &
PIDS+=($!)
wait_up http://127.0.0.1:5197
python3 bench/faults/load.py http://127.0.0.1:5197/api/v4/user 25 8 "$TOKEN" "$UNKNOWN" >"$WORK/outage.json" &
LOAD=$!
sleep 5; runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null
sleep 10; pg_start
wait "$LOAD"
echo "## 2. PostgreSQL stopped from second 5 to 15 under load (8 threads, a valid and an unknown token, auth cache off)"
echo
echo "total: $(jq -c .total "$WORK/outage.json")"
echo
echo "| second | answers |"
echo "|---|---|"
jq -r '.per_second | to_entries[] | "| \(.key) | \(.value | tostring) |"' "$WORK/outage.json"
echo "application log lines about the outage (began, every 10 s while it lasted, over): $(grep -cE 'The database is (unavailable|still unavailable|back)' "$WORK/outage.log" || true); stack traces: $(grep -c '   at ' "$WORK/outage.log" || true)"
echo

# 3. A full log disk under load.
mkdir -p "$WORK/tmpfs" && mount -t tmpfs -o size=512k tmpfs "$WORK/tmpfs"
TOKENWARD_INITIAL_ROOT_TOKEN=$TOKEN "${TW[@]}" serve --urls http://127.0.0.1:5198 --data-dir "$WORK/full" --log-dir "$WORK/tmpfs" >"$WORK/full.log" 2>&1 &
PIDS+=($!)
wait_up http://127.0.0.1:5198
dd if=/dev/zero of="$WORK/tmpfs/filler" bs=4k >/dev/null 2>&1 || true
dd if=/dev/zero of="$WORK/tmpfs/filler2" bs=1 >/dev/null 2>&1 || true
python3 bench/faults/load.py http://127.0.0.1:5198/api/v4/user 5 4 "$TOKEN" >"$WORK/full.json"
CREATED=$(for i in $(seq 20); do
  curl -s -o /dev/null -w '%{http_code}\n' -H "PRIVATE-TOKEN: $TOKEN" -X POST http://127.0.0.1:5198/api/v4/users/1/personal_access_tokens -d name=full$i -d 'scopes[]=api'
done | sort | uniq -c | awk '{printf "%s x %s ", $1, $2}')
rm -f "$WORK/tmpfs/filler" "$WORK/tmpfs/filler2"
sleep 4
curl -s -o /dev/null -H "PRIVATE-TOKEN: $TOKEN" http://127.0.0.1:5198/api/v4/users/1
sleep 1
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
echo "## 3. Log folder on a 512 KB tmpfs filled to the last byte, 5 s of load, 20 token creations, then freed"
echo
echo "requests while full: $(jq -c .total "$WORK/full.json"); token creations while full: $CREATED"
echo "lost api_json.log lines reported: $(grep -c 'could not be written' "$WORK/full.log" || true) report line(s); $(grep -o '[0-9]* line(s) were lost meanwhile' "$WORK/full.log" | head -1)"
echo "audit events: $(sqlite3 "$WORK/full/tokenward.sqlite3" 'SELECT count(*) FROM audit_events'), audit_json.log lines: $(wc -l < "$WORK/tmpfs/audit_json.log"), ids twice: $(jq -r .id "$WORK/tmpfs/audit_json.log" | sort | uniq -d | wc -l)"
echo "unparsable lines: api_json.log $(jq -c . "$WORK/tmpfs/api_json.log" 2>&1 >/dev/null | wc -l), audit_json.log $(jq -c . "$WORK/tmpfs/audit_json.log" 2>&1 >/dev/null | wc -l); stack traces in the application log: $(grep -c '   at ' "$WORK/full.log" || true)"
echo

# 4. Two servers on one SQLite folder.
"${TW[@]}" serve --urls http://127.0.0.1:5199 --data-dir "$WORK/two" >"$WORK/two-1.log" 2>&1 &
PIDS+=($!)
wait_up http://127.0.0.1:5199
set +e
second=$(timeout 30 dotnet "$WORK/app/tokenward.dll" serve --urls http://127.0.0.1:5200 --data-dir "$WORK/two" 2>&1)
code=$?
set -e
echo "## 4. A second serve on the same SQLite data folder"
echo
echo "exit code $code: $second"

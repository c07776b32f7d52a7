#!/usr/bin/env bash
# `tokenward logs auth-failures` against its peers, in one run on the same generated api_json.log:
#   - jq computing the same counts (counts.jq), the baseline;
#   - DuckDB (read_ndjson + GROUP BY, through DuckDB.NET: duckdb-peer/), on all cores;
#   - Tokenward on all cores and on one (--threads 1: throughput per core), and on a quarter of
#     the file (peak memory must not grow with the input).
# The three results are checked identical before any figure is printed. The page cache is warmed
# first, so every tool reads from memory.
#
# Rerun: bash bench/auth-failures/run.sh [size-MB (default 1024)]
# Needs: python3, jq, GNU time; the .NET SDK (DuckDB.NET comes from NuGet).
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=bench/auth-failures
SIZE=${1:-1024}
WORK=$(mktemp -d /tmp/tokenward-logs-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "building..." >&2
dotnet publish src/Tokenward -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$WORK/app" --nologo -v quiet >/dev/null
dotnet build "$HERE/duckdb-peer" -c Release -o "$WORK/duckdb" --nologo -v quiet >/dev/null
echo "generating ${SIZE} MB..." >&2
python3 "$HERE/generate.py" "$SIZE" --seed 42 >"$WORK/api_json.log"
head -c $((SIZE * 1024 * 1024 / 4)) "$WORK/api_json.log" | sed '$d' >"$WORK/quarter.log"
cat "$WORK/api_json.log" "$WORK/quarter.log" >/dev/null

run() { # name output-file command...
  local name=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$out"
  read -r seconds kb <"$WORK/time"
  echo "$name $seconds $kb" >>"$WORK/results"
}

bytes=$(stat -c %s "$WORK/api_json.log")
lines=$(wc -l <"$WORK/api_json.log")
: >"$WORK/results"
run tokenward "$WORK/ours.json" "$WORK/app/tokenward" logs auth-failures "$WORK/api_json.log" --format json --no-inventory
run tokenward-1-core "$WORK/ours1.json" "$WORK/app/tokenward" logs auth-failures "$WORK/api_json.log" --format json --no-inventory --threads 1
run tokenward-quarter "$WORK/quarter.json" "$WORK/app/tokenward" logs auth-failures "$WORK/quarter.log" --format json --no-inventory
run duckdb "$WORK/duckdb.json" "$WORK/duckdb/DuckDbPeer" "$WORK/api_json.log"
run jq "$WORK/jq.json" jq -n -f "$HERE/counts.jq" "$WORK/api_json.log"

jq -S -f "$HERE/ours-to-counts.jq" "$WORK/ours.json" >"$WORK/ours.counts"
jq -S -f "$HERE/ours-to-counts.jq" "$WORK/ours1.json" >"$WORK/ours1.counts"
jq -S . "$WORK/jq.json" >"$WORK/jq.counts"
jq -S . "$WORK/duckdb.json" >"$WORK/duckdb.counts"
cmp -s "$WORK/ours.counts" "$WORK/jq.counts" || { echo "tokenward and jq disagree" >&2; diff "$WORK/ours.counts" "$WORK/jq.counts" | head >&2; exit 1; }
cmp -s "$WORK/ours1.counts" "$WORK/jq.counts" || { echo "tokenward --threads 1 and jq disagree" >&2; exit 1; }
cmp -s "$WORK/duckdb.counts" "$WORK/jq.counts" || { echo "duckdb and jq disagree" >&2; exit 1; }

failures=$(jq .failures "$WORK/jq.json")
echo "api_json.log: $((bytes / 1048576)) MB, $lines lines, $failures failed authentications; $(nproc) cores; results identical across tokenward, DuckDB and jq"
echo
echo "| tool | seconds | MB/s | peak RSS MB | jq time / its time |"
echo "|---|---|---|---|---|"
jq_s=$(awk '$1 == "jq" { print $2 }' "$WORK/results")
quarter_bytes=$(stat -c %s "$WORK/quarter.log")
while read -r name seconds kb; do
  size=$bytes; [ "$name" = tokenward-quarter ] && size=$quarter_bytes
  label=$name
  case $name in
    tokenward) label="tokenward logs auth-failures ($(nproc) workers)" ;;
    tokenward-1-core) label="tokenward logs auth-failures --threads 1" ;;
    tokenward-quarter) label="tokenward, a quarter of the file (memory check)" ;;
    duckdb) label="DuckDB read_ndjson + GROUP BY ($(nproc) threads)" ;;
    jq) label="jq (counts.jq)" ;;
  esac
  awk -v l="$label" -v s="$seconds" -v kb="$kb" -v b="$size" -v j="$jq_s" -v q="$name" 'BEGIN {
    printf "| %s | %.2f | %.0f | %.0f | %s |\n", l, s, b / 1048576 / (s > 0 ? s : 0.01), kb / 1024, q == "tokenward-quarter" ? "-" : sprintf("%.1f", j / (s > 0 ? s : 0.01)) }'
done <"$WORK/results"

# Sourced by the benchmarks (bash bench/NAME/run.sh): a work folder removed on exit, with whatever
# a benchmark started in it; a Release build of tokenward; a throwaway PostgreSQL; the median.
# A benchmark may define bench_stop (called first on exit) to stop what it started itself.
WORK=$(mktemp -d /tmp/tokenward-bench-XXXXXX)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

bench_exit() {
  declare -F bench_stop >/dev/null && bench_stop
  [ -d "$WORK/pg" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap bench_exit EXIT

require() { # command package
  command -v "$1" >/dev/null || { echo "$1 is needed: apt-get install -y $2" >&2; exit 1; }
}

# tokenward serve and the CLI, as released: $WORK/app/tokenward.dll.
publish_tokenward() {
  dotnet publish src/Tokenward -c Release -o "$WORK/app" --nologo -v quiet >/dev/null
}

start_postgres() { # port [server options...]
  local port=$1
  shift
  [ -n "$PGBIN" ] || { echo "PostgreSQL is needed: apt-get install -y postgresql" >&2; exit 1; }
  mkdir -p "$WORK/pg" && chown postgres "$WORK/pg" && chmod 755 "$WORK"
  runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -A trust -U tokenward >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg/log" \
    -o "-p $port -k $WORK/pg -c listen_addresses=127.0.0.1 $*" start >/dev/null
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

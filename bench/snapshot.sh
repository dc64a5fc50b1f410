#!/usr/bin/env bash
# Snapshot benchmark: the warehouse story's data_fact table (5,183,352 rows, ~418 MB heap + ~202 MB primary key)
# on a PostgreSQL 15 source, copied to an empty target until it is complete with its primary key, by:
#   ferry snapshot --jobs N                      (slot + exported snapshot, parallel ctid ranges, binary pipe, PK)
#   pg_dump -Fc | pg_restore                     (one stream, PK built by pg_restore)
#   pgcopydb clone --table-jobs 2 --index-jobs 2 (when the Debian package installs)
#   the floor: psql COPY (binary) | psql COPY into a bare table, then ADD PRIMARY KEY
# and Ferry's peak RSS at 1 M and at the full row count (memory must not grow with the table).
# Usage: bench/snapshot.sh [ROWS=5183352] [JOBS=2]
#
# Measured 2026-11-23 on the 2-core build machine, shared with other jobs (so figures move by 15-40%), 5,183,352
# rows, --jobs 2, three runs:
#   ferry                      7.5   6.8   6.2 s   (-XX:+UseSerialGC -Xmx128m: 5.2 s)
#   floor (COPY | COPY + PK)  14.0   7.7  12.8 s
#   pgcopydb 0.10 clone       10.6  11.0   8.5 s
#   pg_dump -Fc | pg_restore  37.5  32.9  22.8 s
#   ferry peak RSS with the default G1 collector: 125 MB at 1 M rows, 303 MB at 5.2 M rows; with
#   -XX:+UseSerialGC -Xmx128m 111 MB and 111 MB. G1's growth is uncollected garbage (pgjdbc allocates one array
#   per COPY row), not data held: the copy keeps one 256 kB buffer per worker and runs as fast in a 128 MB heap.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap cleanup_bench EXIT
ROWS=${1:-5183352}
JOBS=${2:-2}
SMALL=${SMALL:-1000000}
JAR=$(ferry_jar)
export PGOPTIONS="-c client_min_messages=warning"
sp=$(free_port); tp=$(free_port)
start_cluster src "$sp"; start_cluster tgt "$tp" -c maintenance_work_mem=256MB

make_source() {  # make_source DB ROWS
  psql_at "$sp" -c "CREATE DATABASE $1"
  psql_at "$sp" -d "$1" -c "CREATE TABLE data_fact (uuid uuid PRIMARY KEY, timestamp timestamptz, value double precision,
    fuel_id int, region_id int, power_id int, date_id int, time_id int)"
  psql_at "$sp" -d "$1" -c "INSERT INTO data_fact
    SELECT gen_random_uuid(), timestamptz '2015-01-01 00:00+00' + g * interval '5 minutes', random() * 1000,
           1 + g % 10, 1 + g % 17, 1 + g % 5, g / 288, g % 288
    FROM generate_series(1, $2) g"
  psql_at "$sp" -d "$1" -c "VACUUM ANALYZE data_fact"
  psql_at "$sp" -d "$1" -Atc "SELECT count(*) FROM data_fact" >/dev/null  # warm the cache for every contender
}

reset_target() {
  psql_at "$tp" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" -c "CHECKPOINT"
  psql_at "$sp" -c "CHECKPOINT"
  psql_at "$sp" -d "$1" -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'ferry_slot'" \
    -c "DROP PUBLICATION IF EXISTS ferry_pub" >/dev/null
}

check_target() {  # check_target DB ROWS: complete, and with its primary key
  local n pk
  n=$(psql_at "$tp" -d "$1" -Atc "SELECT count(*) FROM data_fact")
  pk=$(psql_at "$tp" -d "$1" -Atc "SELECT count(*) FROM pg_constraint WHERE conrelid = 'data_fact'::regclass AND contype = 'p'")
  [ "$n" = "$2" ] && [ "$pk" = 1 ] || { echo "FAIL: target $1 has $n rows and $pk primary key(s), expected $2 and 1" >&2; exit 1; }
}

declare -A SECONDS_OF
timed() {  # timed NAME command...: wall seconds into SECONDS_OF[NAME]
  local name=$1; shift
  local t0; t0=$(now_ms)
  "$@"
  SECONDS_OF[$name]=$(echo "scale=2; ($(now_ms) - $t0) / 1000" | bc -l)
}

RSS_KB=0
ferry_snapshot() {  # ferry_snapshot DB [JVM options]: peak RSS into RSS_KB
  local db=$1; shift
  /usr/bin/time -f '%M' -o "$BENCH_DIR/rss" java "$@" -jar "$JAR" snapshot \
    --source "postgresql://postgres@127.0.0.1:$sp/$db" --target "postgresql://postgres@127.0.0.1:$tp/$db" \
    --jobs "$JOBS" --progress none > "$BENCH_DIR/ferry-$db.log" 2>&1 || { cat "$BENCH_DIR/ferry-$db.log"; exit 1; }
  RSS_KB=$(tail -1 "$BENCH_DIR/rss")
}

floor() {
  psql_at "$tp" -d big -c "CREATE TABLE data_fact (uuid uuid, timestamp timestamptz, value double precision,
    fuel_id int, region_id int, power_id int, date_id int, time_id int)"
  psql_at "$sp" -d big -c "COPY data_fact TO STDOUT (FORMAT binary)" | psql_at "$tp" -d big -c "COPY data_fact FROM STDIN (FORMAT binary)"
  psql_at "$tp" -d big -c "ALTER TABLE data_fact ADD PRIMARY KEY (uuid)"
}

dump_restore() {
  "$PGBIN/pg_dump" -Fc -h 127.0.0.1 -p "$sp" -U postgres -t data_fact big \
    | "$PGBIN/pg_restore" -h 127.0.0.1 -p "$tp" -U postgres -d big --no-owner
}

PGCOPYDB=$(command -v pgcopydb || ls "$PGBIN/pgcopydb" 2>/dev/null || true)
if [ -z "$PGCOPYDB" ]; then
  (apt-get install -y -q pgcopydb >/dev/null 2>&1 || true)
  PGCOPYDB=$(command -v pgcopydb || ls "$PGBIN/pgcopydb" 2>/dev/null || true)
fi
pgcopydb_clone() {
  rm -rf "$BENCH_DIR/pgcopydb"
  "$PGCOPYDB" clone --source "postgresql://postgres@127.0.0.1:$sp/big" --target "postgresql://postgres@127.0.0.1:$tp/big" \
    --table-jobs 2 --index-jobs 2 --dir "$BENCH_DIR/pgcopydb" --no-owner --no-acl > "$BENCH_DIR/pgcopydb.log" 2>&1 \
    || { tail -20 "$BENCH_DIR/pgcopydb.log"; return 1; }
}

echo "building the sources: $SMALL and $ROWS rows of data_fact ..."
make_source small "$SMALL"
make_source big "$ROWS"
heap=$(psql_at "$sp" -d big -Atc "SELECT pg_size_pretty(pg_relation_size('data_fact'))")
index=$(psql_at "$sp" -d big -Atc "SELECT pg_size_pretty(pg_relation_size('data_fact_pkey'))")
echo "data_fact: $ROWS rows, heap $heap, primary key $index; target on the same host; --jobs $JOBS, $(nproc) cores"

reset_target big; timed floor floor; check_target big "$ROWS"
reset_target big; timed ferry ferry_snapshot big; check_target big "$ROWS"; rss_big=$RSS_KB
reset_target small; ferry_snapshot small; check_target small "$SMALL"; rss_small=$RSS_KB
# G1, the JVM's default, lets garbage pile up in a heap of up to a quarter of RAM before collecting it; the serial
# collector in a small heap shows what Ferry really needs: buffers, not table size.
SMALL_HEAP="-XX:+UseSerialGC -Xmx128m"
reset_target small; ferry_snapshot small $SMALL_HEAP; check_target small "$SMALL"; rss_small_capped=$RSS_KB
reset_target big; timed "ferry small heap" ferry_snapshot big $SMALL_HEAP; check_target big "$ROWS"; rss_big_capped=$RSS_KB
reset_target big; timed "pg_dump|pg_restore" dump_restore; check_target big "$ROWS"
if [ -n "$PGCOPYDB" ]; then
  reset_target big
  if timed pgcopydb pgcopydb_clone; then check_target big "$ROWS"; else unset 'SECONDS_OF[pgcopydb]'; fi
else
  echo "(pgcopydb is not installed and could not be: skipped)"
fi

echo
printf '%-20s %9s %12s %14s\n' method seconds rows/s "ferry is"
for m in ferry "ferry small heap" floor pgcopydb "pg_dump|pg_restore"; do
  s=${SECONDS_OF[$m]:-}
  [ -n "$s" ] || continue
  ratio=$(echo "scale=2; ${SECONDS_OF[ferry]} / $s" | bc -l)
  printf '%-20s %9.2f %12.0f %13sx\n' "$m" "$s" "$(echo "$ROWS / $s" | bc -l)" "$ratio"
done
echo
echo "ferry peak RSS, default JVM heap: $((rss_small / 1024)) MB at $SMALL rows, $((rss_big / 1024)) MB at $ROWS rows"
echo "ferry peak RSS, $SMALL_HEAP: $((rss_small_capped / 1024)) MB at $SMALL rows, $((rss_big_capped / 1024)) MB at $ROWS rows"

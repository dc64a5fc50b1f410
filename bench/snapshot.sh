#!/usr/bin/env bash
# Snapshot benchmark (issue 15): the warehouse story's data_fact table (by default 5,183,352 rows, ~418 MB heap +
# ~202 MB primary key) on a PostgreSQL 15 source, copied to a fresh target database until it is complete with its
# primary key and indexes, by each method in turn, ROUNDS rounds:
#   ferry     ferry snapshot --jobs JOBS (slot + exported snapshot, parallel ctid ranges, binary pipe, keys)
#   floor     the same work by hand, one stream: the tables without indexes (pg_dump's pre-data section, dumped once
#             beforehand), psql COPY (binary) | psql COPY, then exactly the keys and indexes Ferry builds (the
#             post-data section, dumped once beforehand)
#   floor_freeze the floor's copy with TRUNCATE and COPY ... FREEZE in one transaction, as Ferry copies a whole
#             table (not in the default METHODS: it shows what FREEZE alone gives the key build)
#   pgcopydb  pgcopydb clone --table-jobs JOBS --index-jobs JOBS, when installed (skipped with a note otherwise)
#   dump      pg_dump -Fc | pg_restore (one stream, keys built by pg_restore)
#   ferry_b   Ferry again with other JVM options (FERRY_B_JAVA_OPTS), another build (FERRY_B_JAR) or another
#             --jobs (FERRY_B_JOBS): a before/after measured in the same rounds as the rest (not in the default METHODS)
# Fair by construction: the methods alternate within each round, the first rotating from round to round (A B C,
# B C A, ...), each on a freshly created target database; before every run both servers get VACUUM (FREEZE,
# ANALYZE) and CHECKPOINT (the first read after a load sets hint bits on every page and would slow whoever reads
# first, and a checkpoint left over from the previous run would land in the next one), then sync (the previous run's
# dirty pages would be written back during the next one). A warm-up round, not counted, runs every method once
# first: the first run on a fresh target cluster also creates its WAL segment files (zero-filled, some 600 MB for
# this table and its key) that later runs recycle, and whoever ran first in round 1 was 2-4 s slower than in any
# later round (bench/RESULTS.md).
# Prints each method's median and range, per-step figures for Ferry (its own, from the state store) and the
# floor, Ferry's ratio to each, the rounds Ferry won, and Ferry's peak RSS at SMALL and at ROWS rows.
# Usage: bench/snapshot.sh [ROWS=5183352] [JOBS=2] [ROUNDS=5]
#   METHODS="ferry floor pgcopydb dump" (any subset, ferry first in the list is not required)
#   FERRY_JAVA_OPTS (default the launcher's for snapshot: -XX:+UseSerialGC -Xmx320m -Xmn160m
#             -XX:CompileThresholdScaling=20); SMALL=1000000 (memory check; 0 skips it)
#   WARMUP=0 skips the warm-up round
#   FERRY_CDS=0: without the launcher's class-data archive (cli/class-data.sh), which the warm-up round writes
#   Ferry's java is the launcher's (JAVA_HOME's, else the first on PATH; cli/class-data.sh)
#   FERRY_B_JAVA_OPTS, FERRY_B_JAR, FERRY_B_JOBS, FERRY_B_CDS, FERRY_B_JAVA (a java binary): the ferry_b method's
#             (default: the same as ferry's)
#   FERRY_ARGS, FERRY_B_ARGS: more arguments for ferry snapshot, e.g. FERRY_B_ARGS="--chunk-size 1GB" (default none)
#   FERRY_CONFIG=FILE: both Ferry methods run with --config FILE (transforms, e.g. bench/snapshot-transforms.yml;
#             compare ferry with ferry_b only: the other methods copy the table as it is)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap cleanup_bench EXIT
ROWS=${1:-5183352}
JOBS=${2:-2}
ROUNDS=${3:-5}
METHODS=${METHODS:-ferry floor pgcopydb dump}
SMALL=${SMALL:-1000000}
WARMUP=${WARMUP:-1}
JAVA_OPTS=${FERRY_JAVA_OPTS:--XX:+UseSerialGC -Xmx320m -Xmn160m -XX:CompileThresholdScaling=20}
JAR=$(ferry_jar)
B_JAVA_OPTS=${FERRY_B_JAVA_OPTS:-$JAVA_OPTS}
B_JAR=${FERRY_B_JAR:-$JAR}
B_JOBS=${FERRY_B_JOBS:-$JOBS}
CDS=${FERRY_CDS:-1}
B_CDS=${FERRY_B_CDS:-$CDS}
ARGS=${FERRY_ARGS:-}
B_ARGS=${FERRY_B_ARGS:-$ARGS}
JAVA_BIN=$(ferry_java)
B_JAVA_BIN=${FERRY_B_JAVA:-$JAVA_BIN}
export PGOPTIONS="-c client_min_messages=warning"
sp=$(free_port); tp=$(free_port)
start_cluster src "$sp"; start_cluster tgt "$tp" -c maintenance_work_mem=256MB

PGCOPYDB=$(command -v pgcopydb || true)
if [ -z "$PGCOPYDB" ] && [[ " $METHODS " == *" pgcopydb "* ]]; then
  echo "(pgcopydb is not installed: skipped; install it, e.g. apt-get install pgcopydb, to compare with it)"
  METHODS=${METHODS//pgcopydb/}
fi
read -r -a METHOD_LIST <<< "$METHODS"

make_source() {  # make_source DB ROWS
  psql_at "$sp" -c "CREATE DATABASE $1"
  psql_at "$sp" -d "$1" -c "CREATE TABLE data_fact (uuid uuid PRIMARY KEY, timestamp timestamptz, value double precision,
    fuel_id int, region_id int, power_id int, date_id int, time_id int)"
  psql_at "$sp" -d "$1" -c "INSERT INTO data_fact
    SELECT gen_random_uuid(), timestamptz '2015-01-01 00:00+00' + g * interval '5 minutes', random() * 1000,
           1 + g % 10, 1 + g % 17, 1 + g % 5, g / 288, g % 288
    FROM generate_series(1, $2) g"
}

settle() {  # settle DB: the same starting line for every run, on both servers
  psql_at "$sp" -d "$1" -c "VACUUM (FREEZE, ANALYZE)" -c "CHECKPOINT"
  psql_at "$tp" -d "$1" -c "VACUUM (FREEZE, ANALYZE)" -c "CHECKPOINT"
  # The previous run's gigabyte or so of heap, index and WAL is still dirty in the page cache; the kernel writes it
  # back some 30 s later, in the middle of whichever run comes next, unless it is written now.
  sync
}

fresh_target() {  # fresh_target DB: an empty target database, no slot or publication left on the source
  psql_at "$sp" -d "$1" -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'ferry_slot'" \
    -c "DROP PUBLICATION IF EXISTS ferry_pub" >/dev/null
  psql_at "$tp" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
  settle "$1"
}

check_target() {  # check_target DB ROWS: complete, with its primary key and every index of the source
  local n pk idx want
  n=$(psql_at "$tp" -d "$1" -Atc "SELECT count(*) FROM data_fact")
  pk=$(psql_at "$tp" -d "$1" -Atc "SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.data_fact'::regclass AND contype = 'p'")
  idx=$(psql_at "$tp" -d "$1" -Atc "SELECT count(*) FROM pg_index WHERE indrelid = 'public.data_fact'::regclass")
  want=$(psql_at "$sp" -d "$1" -Atc "SELECT count(*) FROM pg_index WHERE indrelid = 'public.data_fact'::regclass")
  [ "$n" = "$2" ] && [ "$pk" = 1 ] && [ "$idx" = "$want" ] || {
    echo "FAIL: target $1 has $n rows, $pk primary key(s), $idx index(es); expected $2, 1, $want" >&2; exit 1; }
}

secs() { echo "scale=3; ($2 - $1) / 1000" | bc -l; }

# Results: TOTAL[method] and STEP[method:step] hold space-separated seconds, one per round.
declare -A TOTAL STEP
RSS_KB=()
add() { TOTAL[$1]="${TOTAL[$1]:-} $2"; }
add_step() { STEP[$1:$2]="${STEP[$1:$2]:-} $3"; }

run_ferry() {  # run_ferry DB [METHOD JAVA_OPTS JAR JOBS CDS ARGS JAVA]: also records its own step times (ferry.steps) and peak RSS
  local db=$1 method=${2:-ferry} opts=${3:-$JAVA_OPTS} jar=${4:-$JAR} jobs=${5:-$JOBS} cds=${6:-$CDS} args=${7-$ARGS}
  local java=${8:-$JAVA_BIN} t0 t1
  t0=$(now_ms)
  # As the launcher starts it, class-data archive included (cli/class-data.sh; the warm-up round writes it): the
  # subshell execs time, which outlives the JVM, so the archive's owner is the subshell's pid.
  # shellcheck disable=SC2086
  ( me=$BASHPID; flags=$(FERRY_CDS=$cds class_data_flags "$jar" snapshot "$me" "$java")
    exec /usr/bin/time -f '%M' -o "$BENCH_DIR/rss" "$java" $opts $flags -jar "$jar" snapshot \
    --source "postgresql://postgres@127.0.0.1:$sp/$db" --target "postgresql://postgres@127.0.0.1:$tp/$db" \
    --jobs "$jobs" ${FERRY_CONFIG:+--config "$FERRY_CONFIG"} $args --progress log ) > "$BENCH_DIR/ferry.log" 2>&1 || { cat "$BENCH_DIR/ferry.log"; exit 1; }
  t1=$(now_ms)
  LAST_RSS=$(tail -1 "$BENCH_DIR/rss")
  LAST=$(secs "$t0" "$t1")
  [ -z "${NO_STEPS:-}" ] || return 0
  while IFS='|' read -r step s; do add_step "$method" "$step" "$s"; done \
    < <(psql_at "$tp" -d "$db" -Atc "SELECT step, round(seconds::numeric, 3) FROM ferry.steps")
  add_step "$method" jvm "$(echo "$LAST - $(psql_at "$tp" -d "$db" -Atc "SELECT sum(seconds) FROM ferry.steps")" | bc -l)"
}

run_ferry_b() { run_ferry "$1" ferry_b "$B_JAVA_OPTS" "$B_JAR" "$B_JOBS" "$B_CDS" "$B_ARGS" "$B_JAVA_BIN"; }

run_floor() {  # run_floor DB [METHOD]: tables, copy, keys and indexes, each timed; floor_freeze: the copy frozen
  local db=$1 method=${2:-floor} t0 t1 t2 t3
  local into=(-c "COPY public.data_fact FROM STDIN (FORMAT binary)")
  # As Ferry copies a whole table: TRUNCATE and COPY ... FREEZE in one transaction.
  [ "$method" = floor ] || into=(-c "BEGIN" -c "TRUNCATE public.data_fact" \
    -c "COPY public.data_fact FROM STDIN (FORMAT binary, FREEZE)" -c "COMMIT")
  t0=$(now_ms)
  psql_at "$tp" -d "$db" -f "$BENCH_DIR/pre.sql" >/dev/null
  t1=$(now_ms)
  psql_at "$sp" -d "$db" -c "COPY public.data_fact TO STDOUT (FORMAT binary)" | psql_at "$tp" -d "$db" "${into[@]}"
  t2=$(now_ms)
  psql_at "$tp" -d "$db" -f "$BENCH_DIR/post.sql" >/dev/null
  t3=$(now_ms)
  LAST=$(secs "$t0" "$t3")
  [ -z "${NO_STEPS:-}" ] || return 0
  add_step "$method" tables "$(secs "$t0" "$t1")"; add_step "$method" copy "$(secs "$t1" "$t2")"
  add_step "$method" indexes "$(secs "$t2" "$t3")"
}

run_floor_freeze() { run_floor "$1" floor_freeze; }

run_pgcopydb() {
  local db=$1 t0
  rm -rf "$BENCH_DIR/pgcopydb"
  t0=$(now_ms)
  "$PGCOPYDB" clone --source "postgresql://postgres@127.0.0.1:$sp/$db" --target "postgresql://postgres@127.0.0.1:$tp/$db" \
    --table-jobs "$JOBS" --index-jobs "$JOBS" --dir "$BENCH_DIR/pgcopydb" --no-owner --no-acl > "$BENCH_DIR/pgcopydb.log" 2>&1 \
    || { tail -20 "$BENCH_DIR/pgcopydb.log"; exit 1; }
  LAST=$(secs "$t0" "$(now_ms)")
}

run_dump() {
  local db=$1 t0
  t0=$(now_ms)
  "$PGBIN/pg_dump" -Fc -h 127.0.0.1 -p "$sp" -U postgres -t public.data_fact "$db" \
    | "$PGBIN/pg_restore" -h 127.0.0.1 -p "$tp" -U postgres -d "$db" --no-owner
  LAST=$(secs "$t0" "$(now_ms)")
}


echo "building the source: $ROWS rows of data_fact ..."
make_source big "$ROWS"
heap=$(psql_at "$sp" -d big -Atc "SELECT pg_size_pretty(pg_relation_size('data_fact'))")
index=$(psql_at "$sp" -d big -Atc "SELECT pg_size_pretty(pg_relation_size('data_fact_pkey'))")
"$PGBIN/pg_dump" -h 127.0.0.1 -p "$sp" -U postgres -t public.data_fact --section=pre-data --no-owner big > "$BENCH_DIR/pre.sql"
"$PGBIN/pg_dump" -h 127.0.0.1 -p "$sp" -U postgres -t public.data_fact --section=post-data --no-owner big > "$BENCH_DIR/post.sql"
echo "data_fact: $ROWS rows, heap $heap, primary key $index; target on the same host; --jobs $JOBS, $(nproc) cores;"
jvm_of() { "$1" -version 2>&1 | sed -n 2p; }
echo "methods: ${METHOD_LIST[*]}; $ROUNDS rounds; Ferry's JVM: $(jvm_of "$JAVA_BIN"), $JAVA_OPTS, class-data archive $CDS"
[[ " ${METHOD_LIST[*]} " != *" ferry_b "* ]] || echo "ferry_b: $B_JAR, --jobs $B_JOBS, JVM: $(jvm_of "$B_JAVA_BIN"), $B_JAVA_OPTS, class-data archive $B_CDS${B_ARGS:+, arguments $B_ARGS}"

n=${#METHOD_LIST[@]}
if [ "$WARMUP" = 1 ]; then
  line="warm-up (not counted):"
  for m in "${METHOD_LIST[@]}"; do
    fresh_target big
    NO_STEPS=1 "run_$m" big
    check_target big "$ROWS"
    line="$line $m $LAST s"
  done
  echo "$line"
fi
declare -A ROUND_OF
for ((r = 0; r < ROUNDS; r++)); do
  line="round $((r + 1)):"
  for ((i = 0; i < n; i++)); do
    m=${METHOD_LIST[$(((i + r) % n))]}
    fresh_target big
    "run_$m" big
    check_target big "$ROWS"
    add "$m" "$LAST"
    ROUND_OF[$m:$r]=$LAST
    [ "$m" = ferry ] && RSS_KB+=("$LAST_RSS")
    line="$line $m $LAST s"
  done
  echo "$line"
done

rss_small=""
if [ "$SMALL" -gt 0 ] && [[ " ${METHOD_LIST[*]} " == *" ferry "* ]]; then
  make_source small "$SMALL"
  fresh_target small
  NO_STEPS=1 run_ferry small; check_target small "$SMALL"; rss_small=$LAST_RSS
fi

ferry_med=$(echo "${TOTAL[ferry]:-}" | median)
echo
printf '%-12s %9s %13s %12s %16s\n' method median range "rows/s" "ferry / method"
for m in "${METHOD_LIST[@]}"; do
  med=$(echo "${TOTAL[$m]}" | median)
  ratio=$([ -n "$ferry_med" ] && echo "scale=2; $ferry_med / $med" | bc -l || echo "-")
  printf '%-12s %8.2fs %12ss %12.0f %15sx\n' "$m" "$med" "$(echo "${TOTAL[$m]}" | range)" "$(echo "$ROWS / $med" | bc -l)" "$ratio"
done

echo
echo "median seconds per step (ferry: its own figures from ferry.steps; 'jvm' is the rest of its wall time:"
echo "JVM start, catalog checks, connections; floor: psql timings):"
printf '%-12s' method
steps="slot tables copy indexes constraints jvm"
for s in $steps; do printf '%12s' "$s"; done; echo
for m in ferry ferry_b floor floor_freeze; do
  [ -n "${TOTAL[$m]:-}" ] || continue
  printf '%-12s' "$m"
  for s in $steps; do
    v=$(echo "${STEP[$m:$s]:-}" | median)
    if [ -n "$v" ]; then printf '%12.2f' "$v"; else printf '%12s' -; fi
  done
  echo
done

if [ -n "$ferry_med" ]; then
  echo
  for m in "${METHOD_LIST[@]}"; do
    [ "$m" = ferry ] && continue
    wins=0
    for ((r = 0; r < ROUNDS; r++)); do
      [ "$(echo "${ROUND_OF[ferry:$r]} < ${ROUND_OF[$m:$r]}" | bc -l)" = 1 ] && wins=$((wins + 1))
    done
    echo "ferry faster than $m in $wins of $ROUNDS rounds"
  done
  rss_big=$(printf '%s\n' "${RSS_KB[@]}" | sort -n | tail -1)
  echo "ferry peak RSS ($JAVA_OPTS): $((rss_big / 1024)) MB at $ROWS rows${rss_small:+, $((rss_small / 1024)) MB at $SMALL rows}"
  echo
  # The line README.md quotes.
  printf 'README: Ferry %s s median (%s s)' "$ferry_med" "$(echo "${TOTAL[ferry]}" | range)"
  [ -n "${TOTAL[floor]:-}" ] && printf ' against the floor %s s (%s s), ratio %.2fx' \
    "$(echo "${TOTAL[floor]}" | median)" "$(echo "${TOTAL[floor]}" | range)" \
    "$(echo "scale=3; $ferry_med / $(echo "${TOTAL[floor]}" | median)" | bc -l)"
  for m in pgcopydb dump; do
    [ -n "${TOTAL[$m]:-}" ] && printf '; %s %s s (%s s)' "$m" "$(echo "${TOTAL[$m]}" | median)" "$(echo "${TOTAL[$m]}" | range)"
  done
  echo
fi

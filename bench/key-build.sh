#!/usr/bin/env bash
# Key build settings (issue 15): the benchmark's data_fact table (by default 5,183,352 rows, a uuid primary key)
# copied once to a target like bench/snapshot.sh's (shared_buffers 512 MB, maintenance_work_mem 256 MB), then its
# primary key built again and again by ALTER TABLE ... ADD PRIMARY KEY under each setting in turn, the order
# rotating from round to round, a CHECKPOINT before each build. A setting is "MEM:WORKERS", e.g. 256MB:2 (the
# server's defaults here, what the floor's build gets) or 512MB:1 (what BuildSettings gives one build at --jobs 1
# on this target). Prints each setting's median and range and its ratio to the first.
# Usage: bench/key-build.sh [ROWS=5183352] [ROUNDS=5] [SETTINGS="256MB:2 512MB:1 256MB:1 1GB:2"]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap cleanup_bench EXIT
ROWS=${1:-5183352}
ROUNDS=${2:-5}
read -r -a SETTINGS <<< "${3:-256MB:2 512MB:1 256MB:1 1GB:2}"
export PGOPTIONS="-c client_min_messages=warning"
sp=$(free_port); tp=$(free_port)
start_cluster src "$sp"; start_cluster tgt "$tp" -c maintenance_work_mem=256MB
schema="CREATE TABLE data_fact (uuid uuid NOT NULL, timestamp timestamptz, value double precision, fuel_id int,
  region_id int, power_id int, date_id int, time_id int)"
psql_at "$sp" -c "$schema"
psql_at "$sp" -c "INSERT INTO data_fact SELECT gen_random_uuid(), timestamptz '2015-01-01 00:00+00' + g * interval '5 minutes',
  random() * 1000, 1 + g % 10, 1 + g % 17, 1 + g % 5, g / 288, g % 288 FROM generate_series(1, $ROWS) g"
psql_at "$tp" -c "$schema"
# Loaded as Ferry loads a whole table: truncated and frozen in the copy's transaction.
psql_at "$sp" -c "COPY data_fact TO STDOUT (FORMAT binary)" | psql_at "$tp" -c "BEGIN" -c "TRUNCATE data_fact" \
  -c "COPY data_fact FROM STDIN (FORMAT binary, FREEZE)" -c "COMMIT"
psql_at "$tp" -c "VACUUM (FREEZE, ANALYZE) data_fact"
echo "data_fact: $ROWS rows, heap $(psql_at "$tp" -Atc "SELECT pg_size_pretty(pg_relation_size('data_fact'))"); $(nproc) cores, both servers on this host; $ROUNDS rounds"

declare -A TIMES
build() {  # build MEM WORKERS: seconds of one ADD PRIMARY KEY into LAST
  psql_at "$tp" -c "ALTER TABLE data_fact DROP CONSTRAINT IF EXISTS data_fact_pkey" -c "CHECKPOINT"
  local t0; t0=$(now_ms)
  psql_at "$tp" -c "SET maintenance_work_mem = '$1'" -c "SET max_parallel_maintenance_workers = $2" \
    -c "ALTER TABLE data_fact ADD PRIMARY KEY (uuid)"
  LAST=$(echo "scale=3; ($(now_ms) - $t0) / 1000" | bc -l)
}
build 256MB 2  # warm-up, not counted
n=${#SETTINGS[@]}
for ((r = 0; r < ROUNDS; r++)); do
  line="round $((r + 1)):"
  for ((i = 0; i < n; i++)); do
    s=${SETTINGS[$(((i + r) % n))]}
    build "${s%%:*}" "${s##*:}"
    TIMES[$s]="${TIMES[$s]:-} $LAST"
    line="$line $s $LAST s"
  done
  echo "$line"
done
first=$(echo "${TIMES[${SETTINGS[0]}]}" | median)
echo
printf '%-12s %9s %13s %14s\n' "mem:workers" median range "/ ${SETTINGS[0]}"
for s in "${SETTINGS[@]}"; do
  med=$(echo "${TIMES[$s]}" | median)
  printf '%-12s %8.2fs %12ss %13.2fx\n' "$s" "$med" "$(echo "${TIMES[$s]}" | range)" "$(echo "scale=3; $med / $first" | bc -l)"
done

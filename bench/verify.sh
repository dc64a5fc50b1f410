#!/usr/bin/env bash
# Verify benchmark: the story's data_fact table (5,183,352 rows in the story; scale 26 gives 5.2 M) on a source,
# copied to a target with `ferry snapshot` (timed: verify must not take longer than it), then `ferry verify` timed
# on the equal pair and after changing, deleting and adding one row on the target (it must name all three and
# exit 1). The snapshot's slot, publication and state schema are dropped first, so verify measures the
# comparison alone (with a stream recorded it would also wait for it, a second at most when it is idle).
# Then the same under live streaming: `ferry start` into a fresh target database while pgbench writes RATE
# single-row transactions/s to a second table; verify must exit 0 (no false alarm) and its time is printed.
# Usage: bench/verify.sh [SCALE=26] [JOBS=2] [RATE=100]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap cleanup_bench EXIT
SCALE=${1:-26}
JOBS=${2:-2}
RATE=${3:-100}
JAR=$(ferry_jar)
sp=$(free_port); tp=$(free_port)
start_cluster src "$sp"; start_cluster tgt "$tp"
psql_at "$sp" -c "CREATE TABLE data_fact (uuid uuid PRIMARY KEY, timestamp timestamptz, value double precision,
  fuel_id int, region_id int, power_id int, date_id int, time_id int)"
psql_at "$sp" -c "INSERT INTO data_fact
  SELECT gen_random_uuid(), timestamptz '2015-01-01 00:00+00' + g * interval '5 minutes', random() * 1000,
         1 + g % 10, 1 + g % 17, 1 + g % 5, g / 288, g % 288
  FROM generate_series(1, 200000 * $SCALE) g"
psql_at "$sp" -c "VACUUM ANALYZE data_fact"
rows=$(psql_at "$sp" -Atc "SELECT count(*) FROM data_fact")
src="postgresql://postgres@127.0.0.1:$sp/postgres"; tgt="postgresql://postgres@127.0.0.1:$tp/postgres"
t0=$(now_ms)
java -jar "$JAR" snapshot --source "$src" --target "$tgt" --jobs "$JOBS" --progress log > "$BENCH_DIR/snapshot.log" 2>&1 \
  || { cat "$BENCH_DIR/snapshot.log"; echo "FAIL: ferry snapshot"; exit 1; }
snapshot_ms=$(( $(now_ms) - t0 ))
psql_at "$sp" -c "SELECT pg_drop_replication_slot('ferry_slot')" -c "DROP PUBLICATION ferry_pub" >/dev/null
psql_at "$tp" -c "DROP SCHEMA ferry CASCADE" -c "VACUUM ANALYZE data_fact" >/dev/null

run_verify() {  # prints the output, sets $ms and $status
  local t0; t0=$(now_ms)
  set +e; out=$(java -jar "$JAR" verify --source "$src" --target "$tgt" --jobs "$JOBS" 2>&1); status=$?; set -e
  ms=$(( $(now_ms) - t0 ))
  echo "$out" | sed 's/^/  /'
}

echo "equal tables ($rows rows, --jobs $JOBS):"
run_verify
equal_ms=$ms; [ "$status" = 0 ] || { echo "FAIL: verify exited $status on equal tables"; exit 1; }

changed=$(psql_at "$tp" -Atc "SELECT uuid FROM data_fact OFFSET $((rows / 3)) LIMIT 1")
deleted=$(psql_at "$tp" -Atc "SELECT uuid FROM data_fact OFFSET $((rows * 2 / 3)) LIMIT 1")
psql_at "$tp" -c "UPDATE data_fact SET value = value + 0.001 WHERE uuid = '$changed';
  DELETE FROM data_fact WHERE uuid = '$deleted';
  INSERT INTO data_fact (uuid, value) VALUES ('00000000-0000-0000-0000-000000000042', 1)"
echo "one changed, one deleted, one extra row on the target:"
run_verify
diff_ms=$ms
[ "$status" = 1 ] || { echo "FAIL: verify exited $status with differences"; exit 1; }
for want in "different: uuid=$changed" "missing on target: uuid=$deleted" "extra on target: uuid=00000000-0000-0000-0000-000000000042"; do
  echo "$out" | grep -qF "$want" || { echo "FAIL: verify did not report: $want"; exit 1; }
done
printf 'data_fact %s rows, --jobs %s (wall, JVM start included): snapshot %.1f s; verify equal %.1f s, with 3 differences %.1f s\n' \
  "$rows" "$JOBS" "$(echo "$snapshot_ms / 1000" | bc -l)" "$(echo "$equal_ms / 1000" | bc -l)" "$(echo "$diff_ms / 1000" | bc -l)"

psql_at "$sp" -c "CREATE TABLE acct (id int PRIMARY KEY, balance bigint, at timestamptz DEFAULT now())" \
  -c "INSERT INTO acct SELECT g, g FROM generate_series(1, 100000) g"
psql_at "$tp" -c "CREATE DATABASE live"
live="postgresql://postgres@127.0.0.1:$tp/live"
java -jar "$JAR" start --source "$src" --target "$live" --jobs "$JOBS" > "$BENCH_DIR/start.log" 2>&1 &
start_pid=$!
until [ "$(psql_at "$tp" -d live -Atc "SELECT phase FROM ferry.run" 2>/dev/null)" = STREAMING ]; do
  kill -0 "$start_pid" 2>/dev/null || { cat "$BENCH_DIR/start.log"; echo "FAIL: ferry start exited"; exit 1; }
  sleep 0.5
done
printf '\\set id random(1, 100000)\nUPDATE acct SET balance = balance + 1, at = now() WHERE id = :id;\n' > "$BENCH_DIR/w.sql"
"$PGBIN/pgbench" -n -h 127.0.0.1 -p "$sp" -U postgres -c 2 -j 1 -R "$RATE" -T 600 -f "$BENCH_DIR/w.sql" postgres \
  > "$BENCH_DIR/pgbench.log" 2>&1 &
bench_pid=$!
sleep 3
echo "under live streaming, $RATE writes/s:"
t0=$(now_ms)
set +e; out=$(java -jar "$JAR" verify --source "$src" --target "$live" --jobs "$JOBS" 2>&1); status=$?; set -e
live_ms=$(( $(now_ms) - t0 ))
echo "$out" | sed 's/^/  /'
kill "$bench_pid" "$start_pid" 2>/dev/null || true; wait "$bench_pid" "$start_pid" 2>/dev/null || true
[ "$status" = 0 ] || { echo "FAIL: verify exited $status under live streaming (a false alarm)"; exit 1; }
printf 'verify under live streaming (%s writes/s): %.1f s\n' "$RATE" "$(echo "$live_ms / 1000" | bc -l)"


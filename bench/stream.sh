#!/usr/bin/env bash
# Stream benchmark: Ferry's stream against PostgreSQL's native logical replication, in the same run on the same
# servers, applying the same load. One source (database app) and one target cluster holding two databases:
# "ferry_db" (filled by `ferry start`, then streamed) and "native_db" (schema and rows copied while the source is
# idle, then CREATE SUBSCRIPTION ... copy_data = false). A pgbench custom script (single-row inserts, updates and
# deletes, and multi-row transactions over three tables) runs first at a fixed rate, then at full speed.
# Prints: changes/s applied by each and Ferry's ratio to native; lag (bytes behind the source) sampled every
# second; the time for each to hold a marker row committed when the fixed-rate load stops (lag back to zero);
# Ferry's RSS over the run.
# Usage: bench/stream.sh [RATE=1000 tx/s] [FIXED_SECONDS=30] [FULL_SECONDS=30] [CLIENTS=4]
#
# Measured 2026-11-23 on the 2-core build machine, shared with other test runs (load average ~10):
#   bench/stream.sh 1000 600 20 4   fixed 1000 tx/s (3,146 changes/s) for 10 min: Ferry 1.00x native (kept up);
#     lag median 22 kB, p95 205 kB (native 0 / 5 kB); lag back to zero 203 ms after the load (native 137 ms);
#     Ferry RSS 297 MB at 30 s, 466 MB at 2 min, then flat 466-470 MB to 10 min (-Xmx512m: the heap fills, then
#     stays). Full speed after it (4 clients, ~4,000 tx/s, ~12k changes/s): Ferry 5.0k changes/s, native 11.7k,
#     0.43x; the backlog drained 29 s after the load.
#   bench/stream.sh 500 10 30 4     full speed: Ferry 6.8k changes/s = 0.57x native before per-key coalescing,
#     8.9k = 0.63x after (same script, noisy machine).
# Where the time goes (jstack samples of Ferry at full speed): the apply thread waits on the target's statements
# ~45% of samples and on its commit (with the applied LSN) ~15%, and is idle waiting for Debezium ~30%; Debezium's
# decoding thread spends ~45% of its samples in its own per-event metrics (CommonEventMeter formats every event's
# source struct with Jackson; StreamingMeter's MeasurementCollector), which PostgresConnectorTask wires in with
# no setting to turn it off. More apply connections would not help while Debezium's decoding is the other limit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap 'kill -9 ${ferry_pid:-} 2>/dev/null || true; cleanup_bench' EXIT
RATE=${1:-1000}
FIXED=${2:-30}
FULL=${3:-30}
CLIENTS=${4:-4}
JAR=$(ferry_jar)

sp=$(free_port); tp=$(free_port)
start_cluster src "$sp"; start_cluster tgt "$tp"
src="postgresql://postgres@127.0.0.1:$sp/app"
tgt="postgresql://postgres@127.0.0.1:$tp/ferry_db"
psql_at "$sp" -c "CREATE DATABASE app"
psql_at "$tp" -c "CREATE DATABASE ferry_db" -c "CREATE DATABASE native_db"
psql_at "$sp" -d app <<'SQL'
CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (id bigserial PRIMARY KEY, account_id int NOT NULL, amount numeric(12,2), note text);
CREATE TABLE history (id bigserial PRIMARY KEY, account_id int NOT NULL, delta int NOT NULL, at timestamptz DEFAULT now());
CREATE TABLE marker (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 100000) g;
INSERT INTO orders (account_id, amount, note) SELECT g % 100000 + 1, g % 1000, md5(g::text) FROM generate_series(1, 200000) g;
SQL

# Native side: same schema and rows while the source is idle, then a subscription that starts from now.
"$PGBIN/pg_dump" -h 127.0.0.1 -p "$sp" -U postgres app | psql_at "$tp" -d native_db >/dev/null
psql_at "$sp" -d app -c "CREATE PUBLICATION native_pub FOR TABLE accounts, orders, history, marker"
psql_at "$tp" -d native_db -c "CREATE SUBSCRIPTION native_sub CONNECTION 'host=127.0.0.1 port=$sp user=postgres dbname=app' \
  PUBLICATION native_pub WITH (copy_data = false)"

# Ferry side: snapshot, then stream until killed.
java -Xmx512m -jar "$JAR" start --source "$src" --target "$tgt" > "$BENCH_DIR/ferry.log" 2>&1 &
ferry_pid=$!
deadline=$(( $(date +%s) + 300 ))
until [ "$(psql_at "$tp" -d ferry_db -Atc "SELECT phase FROM ferry.run" 2>/dev/null)" = STREAMING ]; do
  kill -0 "$ferry_pid" 2>/dev/null || { echo "ferry start ended:"; cat "$BENCH_DIR/ferry.log"; exit 1; }
  [ "$(date +%s)" -lt "$deadline" ] || { echo "ferry start did not reach STREAMING"; exit 1; }
  sleep 0.2
done
# The engine takes about a second to start reading; wait for its walsender.
until [ "$(psql_at "$sp" -d app -Atc "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'ferry_slot' AND active")" = 1 ]; do sleep 0.2; done

cat > "$BENCH_DIR/insert.sql" <<'SQL'
\set aid random(1, 100000)
\set r random(1, 1000)
INSERT INTO orders (account_id, amount, note) VALUES (:aid, :r, 'n' || :r);
SQL
cat > "$BENCH_DIR/update.sql" <<'SQL'
\set aid random(1, 100000)
UPDATE accounts SET balance = balance + 1, updated_at = now() WHERE id = :aid;
SQL
cat > "$BENCH_DIR/delete.sql" <<'SQL'
\set oid random(1, 200000)
DELETE FROM orders WHERE id = :oid;
SQL
cat > "$BENCH_DIR/multi.sql" <<'SQL'
\set aid random(1, 100000)
\set oid random(1, 200000)
BEGIN;
UPDATE accounts SET balance = balance - 10, updated_at = now() WHERE id = :aid;
INSERT INTO history (account_id, delta) SELECT :aid, g FROM generate_series(1, 10) g;
UPDATE orders SET amount = amount + 1 WHERE id = :oid;
COMMIT;
SQL
chmod a+r "$BENCH_DIR"/*.sql
scripts=(-f "$BENCH_DIR/insert.sql@3" -f "$BENCH_DIR/update.sql@4" -f "$BENCH_DIR/delete.sql@1" -f "$BENCH_DIR/multi.sql@2")

src_changes() {
  psql_at "$sp" -d app -Atc "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
}
# Bytes each side is behind the source's current WAL: Ferry's applied LSN (committed with the target's data),
# native's replay LSN (what the subscriber has applied and flushed).
lag_sample() {
  local cur ferry native
  cur=$(psql_at "$sp" -d app -Atc "SELECT pg_current_wal_lsn()")
  ferry=$(psql_at "$tp" -d ferry_db -Atc "SELECT greatest(0, pg_wal_lsn_diff('$cur', max(lsn)))::bigint FROM ferry.applied")
  native=$(psql_at "$sp" -d app -Atc "SELECT greatest(0, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn))::bigint FROM pg_stat_replication WHERE application_name = 'native_sub'")
  echo "$ferry $native $(ps -o rss= -p "$ferry_pid" | tr -d ' ')"
}
marker_seen() { psql_at "$tp" -d "$1" -Atc "SELECT count(*) FROM marker WHERE id = $2"; }
# wait_marker ID: commits marker ID on the source now, prints ms until each target holds it (ferry native).
wait_marker() {
  local id=$1 t0 tf="" tn=""
  t0=$(now_ms)
  psql_at "$sp" -d app -c "INSERT INTO marker (id) VALUES ($id)"
  while [ -z "$tf" ] || [ -z "$tn" ]; do
    [ -z "$tf" ] && [ "$(marker_seen ferry_db "$id")" = 1 ] && tf=$(( $(now_ms) - t0 ))
    [ -z "$tn" ] && [ "$(marker_seen native_db "$id")" = 1 ] && tn=$(( $(now_ms) - t0 ))
    [ $(( $(now_ms) - t0 )) -lt 600000 ] || { echo "marker $id not applied within 10 min"; exit 1; }
    sleep 0.02
  done
  echo "$tf $tn"
}
rss_max=0; rss_min=999999999
# run_load NAME SECONDS MARKER [pgbench rate args...]: load + lag samples, then the marker; prints the figures.
run_load() {
  local name=$1 secs=$2 id=$3; shift 3
  local before after t0 marker ms_ferry ms_native changes elapsed_f elapsed_n
  before=$(src_changes)
  t0=$(now_ms)
  "$PGBIN/pgbench" -n -h 127.0.0.1 -p "$sp" -U postgres -c "$CLIENTS" -j 2 -T "$secs" "$@" "${scripts[@]}" app \
    > "$BENCH_DIR/pgbench-$name.log" 2>&1 &
  local bench=$!
  echo "$name load: lag samples (bytes behind: ferry / native; ferry RSS)"
  while kill -0 "$bench" 2>/dev/null; do
    read -r lf ln rss < <(lag_sample)
    printf '  t=%3ss  ferry %10s  native %10s  rss %s kB\n' $(( ($(now_ms) - t0) / 1000 )) "$lf" "$ln" "$rss"
    [ "$rss" -gt "$rss_max" ] && rss_max=$rss; [ "$rss" -lt "$rss_min" ] && rss_min=$rss
    sleep 1
  done
  wait "$bench"
  local load_ms=$(( $(now_ms) - t0 ))
  read -r ms_ferry ms_native < <(wait_marker "$id")
  sleep 1.5   # the pgbench backends' statistics reach pg_stat_user_tables when they exit
  after=$(src_changes)
  changes=$(( after - before ))
  elapsed_f=$(( load_ms + ms_ferry )); elapsed_n=$(( load_ms + ms_native ))
  local tps; tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$BENCH_DIR/pgbench-$name.log" | head -1)
  echo "$name load: $changes row changes in $(( load_ms / 1000 )) s (pgbench $tps tx/s)"
  echo "  lag back to zero after the load stopped: ferry $ms_ferry ms, native $ms_native ms"
  echo "  applied: ferry $(( changes * 1000 / elapsed_f )) changes/s, native $(( changes * 1000 / elapsed_n )) changes/s," \
       "ratio $(python3 -c "print(f'{$elapsed_n / $elapsed_f:.2f}')")x"
}

run_load fixed "$FIXED" 1 -R "$RATE"
echo
run_load full "$FULL" 2
echo
echo "ferry RSS over the run: $(( rss_min / 1024 ))-$(( rss_max / 1024 )) MB (-Xmx512m)"
rows() { psql_at "$tp" -d "$1" -Atc "SELECT (SELECT count(*) FROM accounts), (SELECT sum(balance) FROM accounts), \
  (SELECT count(*) FROM orders), (SELECT sum(amount) FROM orders), (SELECT count(*) FROM history)"; }
want=$(psql_at "$sp" -d app -Atc "SELECT (SELECT count(*) FROM accounts), (SELECT sum(balance) FROM accounts), \
  (SELECT count(*) FROM orders), (SELECT sum(amount) FROM orders), (SELECT count(*) FROM history)")
echo "source   $want"; echo "ferry    $(rows ferry_db)"; echo "native   $(rows native_db)"
[ "$(rows ferry_db)" = "$want" ] && echo "ferry target equals the source (counts and sums)" || { echo "FERRY TARGET DIFFERS"; exit 1; }

#!/usr/bin/env bash
# Kill harness: `ferry start` killed with kill -9 at random moments (1.5-5.5 s apart), KILLS times, across the
# snapshot and the stream, while pgbench writes the whole time to
#   accounts  a keyed table of ROWS rows: updates, upserts (INSERT ... ON CONFLICT), deletes, primary-key changes;
#   dup       a keyless REPLICA IDENTITY FULL table of duplicate rows (the biggest table, so kills land in its
#             copy): inserts of two identical rows, deletes of one of several identical rows (by ctid);
#   docs      TOASTed text, jsonb and bytea (STORAGE EXTERNAL) updated on another column.
# Then one last `ferry start` is left running, the load stops, and once the lag is zero the target must equal the
# source row for row (multisets: every row's text, sorted, hashed), `ferry verify` must exit 0, and after
# `ferry cleanup` no slot or publication may be left on the source. Prints the kills, the phases they hit and the
# time to converge. The suite's short form is cli/src/test/java/dev/ferry/cli/KillHarnessIT.java.
# Usage: bench/kill.sh [KILLS=20] [ROWS=1000000] [RATE=400 transactions/s]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap '{ jobs -p | xargs -r kill -9; } 2>/dev/null || true; cleanup_bench' EXIT
KILLS=${1:-20}
ROWS=${2:-1000000}
RATE=${3:-400}
JAR=$(ferry_jar)
JVM=${FERRY_JVM:--XX:+UseSerialGC -Xmx256m}
export PGOPTIONS="-c client_min_messages=warning"
sp=$(free_port); tp=$(free_port)
start_cluster src "$sp"; start_cluster tgt "$tp"
SRC="postgresql://postgres@127.0.0.1:$sp/app"; TGT="postgresql://postgres@127.0.0.1:$tp/app"
psql_at "$sp" -c "CREATE DATABASE app"; psql_at "$tp" -c "CREATE DATABASE app"
psql_at "$sp" -d app <<SQL
CREATE TABLE accounts (id bigint PRIMARY KEY, balance numeric NOT NULL, memo text);
INSERT INTO accounts SELECT g, g, repeat('m', g % 200) FROM generate_series(1, $ROWS) g;
CREATE SEQUENCE neg START -1 INCREMENT -1;
CREATE TABLE dup (a text, b int);
ALTER TABLE dup REPLICA IDENTITY FULL;
INSERT INTO dup SELECT 'v' || (g % 40), g % 3 FROM generate_series(1, $ROWS * 2) g;
CREATE TABLE docs (id int PRIMARY KEY, n int NOT NULL, body text, meta jsonb, raw bytea);
ALTER TABLE docs ALTER body SET STORAGE EXTERNAL, ALTER meta SET STORAGE EXTERNAL, ALTER raw SET STORAGE EXTERNAL;
INSERT INTO docs SELECT g, 0, repeat(md5(g::text), 200), jsonb_build_object('k', repeat(md5((g + 1)::text), 150)),
  decode(repeat(md5(g::text), 150), 'hex') FROM generate_series(1, 2000) g;
VACUUM ANALYZE;
SQL
cat > "$BENCH_DIR/keyed.sql" <<SQL
\set id random(1, $ROWS)
\set up random(1, $ROWS + $ROWS / 10)
BEGIN;
UPDATE accounts SET balance = balance + 1 WHERE id = :id;
INSERT INTO accounts VALUES (:up, 0, 'new') ON CONFLICT (id) DO UPDATE SET balance = accounts.balance - 1, memo = 'upserted';
COMMIT;
SQL
cat > "$BENCH_DIR/rare.sql" <<SQL
\set id random(1, $ROWS)
\set other random(1, $ROWS)
BEGIN;
DELETE FROM accounts WHERE id = :id;
UPDATE accounts SET id = nextval('neg') WHERE id = :other;
COMMIT;
SQL
cat > "$BENCH_DIR/dup.sql" <<SQL
\set a random(0, 39)
\set b random(0, 2)
\set twin random(0, 1)
BEGIN;
INSERT INTO dup SELECT 'v' || :a, :b FROM generate_series(1, 2) WHERE :twin = 1;
DELETE FROM dup WHERE :twin = 0 AND ctid = (SELECT ctid FROM dup WHERE a = 'v' || :a AND b = :b LIMIT 1);
COMMIT;
SQL
cat > "$BENCH_DIR/docs.sql" <<SQL
\set id random(1, 2000)
UPDATE docs SET n = n + 1 WHERE id = :id;
SQL
changes() { psql_at "$sp" -d app -At -c "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables"; }
c0=$(changes)
"$PGBIN/pgbench" -n -h 127.0.0.1 -p "$sp" -U postgres -c 2 -R "$RATE" -T 86400 \
  -f "$BENCH_DIR/keyed.sql@6" -f "$BENCH_DIR/rare.sql@1" -f "$BENCH_DIR/dup.sql@3" -f "$BENCH_DIR/docs.sql@2" app \
  > "$BENCH_DIR/pgbench.log" 2>&1 &
load=$!
ferry() { java $JVM -jar "$JAR" "$@"; }
# In the background java itself must be the job ($! is then the JVM's pid): a backgrounded shell function is a
# subshell, and kill -9 of it would leave the JVM running beside the next start.
ferry_bg() { java $JVM -jar "$JAR" "$@" >> "$BENCH_DIR/ferry.log" 2>&1 & pid=$!; }
# The run's phase; during the copy, which tables are still being copied.
phase() {
  psql_at "$tp" -d app -At -c "SELECT phase || CASE WHEN phase = 'SNAPSHOT' THEN '(' || coalesce((SELECT string_agg(DISTINCT
    source_name, '+') FROM ferry.chunks WHERE NOT done), '') || ')' ELSE '' END FROM ferry.run" 2>/dev/null || echo "NONE"
}
declare -A hit=()
t0=$(now_ms)
for i in $(seq 1 "$KILLS"); do
  ferry_bg start --source "$SRC" --target "$TGT" --slot ferry_kill --jobs 2
  sleep "$(python3 -c 'import random; print(round(random.uniform(1.5, 5.5), 2))')"
  p=$(phase)
  kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  hit[$p]=$(( ${hit[$p]:-0} + 1 ))
  echo "kill $i: phase $p"
done
ferry_bg start --source "$SRC" --target "$TGT" --slot ferry_kill --jobs 2
sleep 5
kill "$load"; wait "$load" 2>/dev/null || true
t_stop=$(now_ms)
sleep 1 # the statistics collector's counters lag a moment
written=$(( $(changes) - c0 ))
end_lsn=$(psql_at "$sp" -d app -At -c "SELECT pg_current_wal_insert_lsn()")
until [ "$(psql_at "$tp" -d app -At -c "SELECT phase = 'STREAMING' AND min(lsn) >= '$end_lsn' FROM ferry.run, ferry.applied GROUP BY phase" 2>/dev/null)" = t ]; do
  kill -0 "$pid" 2>/dev/null || { echo "ferry start exited:"; tail -20 "$BENCH_DIR/ferry.log"; exit 1; }
  sleep 0.2
done
t_conv=$(now_ms)
ok=1
for t in accounts dup docs; do
  q="SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM $t t"
  s=$(psql_at "$sp" -d app -At -c "$q"); d=$(psql_at "$tp" -d app -At -c "$q")
  if [ "$s" = "$d" ]; then echo "$t: equal ($s)"; else echo "$t: DIFFERENT source $s target $d"; ok=0; fi
done
ferry verify --source "$SRC" --target "$TGT" > "$BENCH_DIR/verify.log" 2>&1 && v=0 || v=$?
echo "ferry verify: exit $v"; [ "$v" = 0 ] || { tail -5 "$BENCH_DIR/verify.log"; ok=0; }
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
ferry cleanup --yes --source "$SRC" --target "$TGT" > "$BENCH_DIR/cleanup.log" 2>&1 || { cat "$BENCH_DIR/cleanup.log"; ok=0; }
left=$(psql_at "$sp" -d app -At -c "SELECT (SELECT count(*) FROM pg_replication_slots) || ' slot(s), ' || (SELECT count(*) FROM pg_publication) || ' publication(s)'")
echo "after cleanup: $left left on the source"
[ "$left" = "0 slot(s), 0 publication(s)" ] || ok=0
phases=""; for p in "${!hit[@]}"; do phases+="$p ${hit[$p]}, "; done
echo "kills: $KILLS (phases: ${phases%, }); $written row changes written during the kills; converged $(( t_conv - t_stop )) ms after the load stopped ($(( (t_conv - t0) / 1000 )) s from the first start)"
[ "$ok" = 1 ] && echo "RESULT: equal" || { echo "RESULT: NOT EQUAL"; exit 1; }

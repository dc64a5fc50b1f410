#!/usr/bin/env bash
# What the switch's write protection costs the source's writes once its triggers exist (after a first switch
# attempt was undone, the triggers stay with an allowing body): single-row INSERTs and UPDATEs by pgbench, without
# the trigger and with the `ferry_fence` statement trigger (ENABLE ALWAYS) calling the allowing plpgsql function.
# Usage: bench/switch-trigger-cost.sh [SECONDS=10] [CLIENTS=2]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap cleanup_bench EXIT
SECONDS_EACH=${1:-10}
CLIENTS=${2:-2}
sp=$(free_port)
start_cluster src "$sp"
psql_at "$sp" -c "CREATE DATABASE app"
psql_at "$sp" -d app -c "CREATE TABLE t (id bigserial PRIMARY KEY, v int NOT NULL DEFAULT 0);
  INSERT INTO t (v) SELECT 0 FROM generate_series(1, 100000);"
cat > "$BENCH_DIR/w.sql" <<SQL
\set k random(1, 100000)
INSERT INTO t (v) VALUES (1);
UPDATE t SET v = v + 1 WHERE id = :k;
SQL
run() {
  "$PGBIN/pgbench" -n -h 127.0.0.1 -p "$sp" -U postgres -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_EACH" -M prepared \
    -f "$BENCH_DIR/w.sql" app 2>/dev/null | sed -n 's/^latency average = \(.*\)$/\1/p; s/^tps = \([0-9.]*\).*/\1 tps/p' | paste -sd' '
}
echo "without trigger:   $(run)"
psql_at "$sp" -d app -c "CREATE SCHEMA ferry;
  CREATE FUNCTION ferry.fence_check() RETURNS trigger LANGUAGE plpgsql AS \$f\$BEGIN RETURN NULL; END\$f\$;
  CREATE TRIGGER ferry_fence BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON t FOR EACH STATEMENT
    EXECUTE FUNCTION ferry.fence_check();
  ALTER TABLE t ENABLE ALWAYS TRIGGER ferry_fence;"
echo "with ferry_fence:  $(run)"
psql_at "$sp" -d app -c "DROP TRIGGER ferry_fence ON t"
echo "without again:     $(run)"

#!/usr/bin/env bash
# Switch benchmark: PgBouncer (transaction pooling) in front of the source, clients writing ~500 tx/s through it,
# Ferry streaming, then `ferry switch --fence pgbouncer`. Repeated on fresh server pairs; prints the write-held
# window (median and worst), client errors and lost writes (acknowledged writes missing on the target).
# Usage: bench/switch.sh [ROUNDS=10] [RATE=500]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap cleanup_bench EXIT
ROUNDS=${1:-10}
RATE=${2:-500}
JAR=$(ferry_jar)
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || { echo "needs pgbouncer (apt-get install pgbouncer)"; exit 2; }
windows=()
total_errors=0
total_lost=0
for round in $(seq 1 "$ROUNDS"); do
  sp=$(free_port); tp=$(free_port); bp=$(free_port)
  start_cluster "src$round" "$sp"; start_cluster "tgt$round" "$tp"
  psql_at "$sp" -c "CREATE DATABASE app"; psql_at "$tp" -c "CREATE DATABASE app"
  psql_at "$sp" -d app -c "CREATE TABLE events (id bigserial PRIMARY KEY, client int, at timestamptz DEFAULT now(), body text);
    INSERT INTO events (client, body) SELECT g % 10, md5(g::text) FROM generate_series(1, 100000) g;"
  bdir="$BENCH_DIR/bouncer$round"; start_bouncer "$bdir" "$bp" "$sp"
  src="postgresql://postgres@127.0.0.1:$sp/app"; tgt="postgresql://postgres@127.0.0.1:$tp/app"
  java -jar "$JAR" start --source "$src" --target "$tgt" > "$BENCH_DIR/ferry$round.log" 2>&1 &
  ferry_pid=$!
  until [ "$(psql_at "$tp" -d app -Atc "SELECT phase FROM ferry.run" 2>/dev/null)" = STREAMING ]; do sleep 0.2; done
  before=$(psql_at "$sp" -d app -Atc "SELECT count(*) FROM events")
  echo "INSERT INTO events (client, body) VALUES (:client_id, 'bench');" > "$BENCH_DIR/insert.sql"
  "$PGBIN/pgbench" -n -h 127.0.0.1 -p "$bp" -U postgres -c 8 -j 2 -R "$RATE" -T 12 -M simple -f "$BENCH_DIR/insert.sql" app \
    > "$BENCH_DIR/pgbench$round.log" 2>&1 &
  bench_pid=$!
  sleep 5
  out=$(java -jar "$JAR" switch --source "$src" --target "$tgt" --fence pgbouncer \
        --pgbouncer "postgresql://postgres@127.0.0.1:$bp/pgbouncer" --pgbouncer-ini "$bdir/pgbouncer.ini" --timeout 20s 2>&1) || true
  wait "$bench_pid" || true
  window=$(echo "$out" | sed -n 's/.*held for \([0-9]*\) ms.*/\1/p')
  drain=$(echo "$out" | sed -n 's/.*in \([0-9]*\) ms, .*/\1/p')
  [ -n "$window" ] || echo "   switch said: $out"
  processed=$(sed -n 's/.*number of transactions actually processed: \([0-9]*\).*/\1/p' "$BENCH_DIR/pgbench$round.log")
  failed=$(sed -n 's/.*number of failed transactions: \([0-9]*\).*/\1/p' "$BENCH_DIR/pgbench$round.log"); failed=${failed:-0}
  aborted=$(grep -c "aborted\|ERROR" "$BENCH_DIR/pgbench$round.log" || true)
  on_target=$(psql_at "$tp" -d app -Atc "SELECT count(*) FROM events")
  # Writes after the switch go straight to the target; every acknowledged one must be there.
  lost=$(( before + processed - on_target ))
  [ "$lost" -lt 0 ] && lost=0
  echo "round $round: held ${window:-?} ms (drain ${drain:-?} ms), $processed writes acknowledged, $failed failed, $aborted client errors, $lost lost"
  [ -n "$window" ] && windows+=("$window")
  total_errors=$(( total_errors + failed + aborted )); total_lost=$(( total_lost + lost ))
  kill -9 "$ferry_pid" 2>/dev/null || true
  kill "$(cat "$bdir/pgbouncer.pid")" 2>/dev/null || true
  stop_clusters
done
sorted=$(printf '%s\n' "${windows[@]}" | sort -n)
n=${#windows[@]}
[ "$n" -gt 0 ] || { echo "no switch succeeded"; exit 1; }
median=$(echo "$sorted" | sed -n "$(( (n + 1) / 2 ))p"); worst=$(echo "$sorted" | tail -1)
echo
echo "switch window over $n switches: median ${median} ms, worst ${worst} ms (target: worst < 1000 ms)"
echo "client errors: $total_errors, lost writes: $total_lost (targets: 0 and 0)"
echo "reference: the hand-built cut-over of the user stories held writes 10-15 s"

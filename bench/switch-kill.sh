#!/usr/bin/env bash
# Switch kill bench: on fresh server pairs, pgbench writes (through PgBouncer for --fence pgbouncer, straight to
# the source for --fence lock) while Ferry streams; `ferry switch --then "sleep 1"` is started and killed with
# kill -9 once it has recorded a random step (or before any: start, fencing, draining, protected, traffic) and up
# to 0.3 s more (0.9 s in the hook), `ferry status` must then say
# one of "not switched", "held" or "switched"; every second round runs `ferry switch --abort` first, then every
# round runs `ferry switch` again, and both must exit 0. Checked at the end of each round: every row the source
# holds is on the target (the source accepted no write after the switch's fence), no acknowledged write is missing
# on the target, the target's sequence is past the source's rows, the source refuses a direct write, and
# `ferry start` has stopped at the switch. Prints the write-held times of the completed switches (median, p99,
# worst; with and without the 1 s hook), each switch's held-window steps, and the client errors per fence. The suite's short form: cli/src/test/java/dev/ferry/cli/SwitchKillIT.java.
# Usage: bench/switch-kill.sh [KILLS_PER_FENCE=10] [RATE=300 transactions/s] [FENCES="lock pgbouncer"]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap '{ jobs -p | xargs -r kill -9; } 2>/dev/null || true; cleanup_bench' EXIT
KILLS=${1:-10}
RATE=${2:-300}
FENCES=${3:-lock pgbouncer}
JAR=$(ferry_jar)
JVM=${FERRY_JVM:--XX:+UseSerialGC -Xmx256m}
ferry() { java $JVM -jar "$JAR" "$@"; }
failures=0
fail() { echo "   FAIL: $*"; failures=$((failures + 1)); }

for fence in $FENCES; do
  if [ "$fence" = pgbouncer ] && ! { command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ]; }; then
    echo "skipping --fence pgbouncer: pgbouncer is not installed"; continue
  fi
  held=(); ferry_held=(); errors=0
  for round in $(seq 1 "$KILLS"); do
    sp=$(free_port); tp=$(free_port); bp=$(free_port)
    start_cluster "src$fence$round" "$sp"; start_cluster "tgt$fence$round" "$tp"
    psql_at "$sp" -c "CREATE DATABASE app"; psql_at "$tp" -c "CREATE DATABASE app"
    psql_at "$sp" -d app -c "CREATE TABLE events (id bigserial PRIMARY KEY, client int, body text);
      INSERT INTO events (client, body) SELECT g % 10, md5(g::text) FROM generate_series(1, 50000) g;"
    src="postgresql://postgres@127.0.0.1:$sp/app"; tgt="postgresql://postgres@127.0.0.1:$tp/app"
    extra=(); write_port=$sp
    if [ "$fence" = pgbouncer ]; then
      bdir="$BENCH_DIR/bouncer$round"; start_bouncer "$bdir" "$bp" "$sp"
      extra=(--pgbouncer "postgresql://postgres@127.0.0.1:$bp/pgbouncer" --pgbouncer-ini "$bdir/pgbouncer.ini")
      write_port=$bp
    fi
    # java itself in the background (not the ferry function): $! must be the process kill -9 hits
    java $JVM -jar "$JAR" start --source "$src" --target "$tgt" > "$BENCH_DIR/start-$fence$round.log" 2>&1 &
    ferry_pid=$!
    until [ "$(psql_at "$tp" -d app -Atc "SELECT phase FROM ferry.run" 2>/dev/null)" = STREAMING ]; do sleep 0.2; done
    before=$(psql_at "$sp" -d app -Atc "SELECT count(*) FROM events")
    echo "INSERT INTO events (client, body) VALUES (:client_id, 'bench');" > "$BENCH_DIR/insert.sql"
    "$PGBIN/pgbench" -n -h 127.0.0.1 -p "$write_port" -U postgres -c 4 -j 2 -R "$RATE" -T 14 -M simple \
      -f "$BENCH_DIR/insert.sql" app > "$BENCH_DIR/pgbench-$fence$round.log" 2>&1 &
    bench_pid=$!
    sleep 3
    args=(switch --source "$src" --target "$tgt" --fence "$fence" --then "sleep 1" --timeout 20s "${extra[@]}")
    java $JVM -jar "$JAR" "${args[@]}" > "$BENCH_DIR/killed-$fence$round.log" 2>&1 &
    sw_pid=$!
    # Kill at a random recorded step (or before any), then up to 0.3 s more (0.9 s inside the hook's sleep).
    steps=(start fencing draining protected traffic)
    at=${steps[$((RANDOM % 5))]}
    extra=$(python3 -c "import random; print(round(random.uniform(0, 0.9 if '$at' == 'traffic' else 0.3), 2))")
    if [ "$at" = start ]; then sleep 0.5; else
      for _ in $(seq 1 3000); do
        now=$(psql_at "$tp" -d app -Atc "SELECT coalesce((SELECT state FROM ferry.switch), 'start')" 2>/dev/null || echo start)
        reached=0
        for st in "${steps[@]}" done aborted; do
          [ "$st" = "$at" ] && reached=1
          [ "$st" = "$now" ] && break
        done
        # $now is at or past $at when the loop met $at before (or at) $now
        [ "$reached" = 1 ] && [ "$now" != start ] && break
        kill -0 "$sw_pid" 2>/dev/null || break
        sleep 0.02
      done
    fi
    sleep "$extra"; kill -9 "$sw_pid" 2>/dev/null || true; wait "$sw_pid" 2>/dev/null || true
    delay="$at+${extra}"
    state=$(ferry status --source "$src" --target "$tgt" 2>&1 | sed -n 's/^switch *//p')
    case "$state" in "not switched"*|held*|switched*) ;; *) fail "round $round: status after the kill: $state";; esac
    if [ $((round % 2)) = 0 ]; then
      ferry "${args[@]}" --abort > "$BENCH_DIR/abort-$fence$round.log" 2>&1 || fail "round $round: --abort exited $?"
    fi
    out=$(ferry "${args[@]}" 2>&1) || fail "round $round: re-run exited $?: $out"
    wait "$bench_pid" || true
    window=$(echo "$out" | sed -n 's/.*held for \([0-9]*\) ms.*/\1/p')
    own=$(echo "$out" | sed -n 's/.*held for [0-9]* ms, \([0-9]*\) ms without the --then hook.*/\1/p')
    steps_line=$(echo "$out" | sed -n 's/^Held window: //p')
    [ -n "$window" ] && held+=("$window")
    [ -n "$own" ] && ferry_held+=("$own")
    end=$(ferry status --source "$src" --target "$tgt" 2>&1 | sed -n 's/^switch *//p')
    case "$end" in switched*) ;; *) fail "round $round: at the end: $end";; esac
    processed=$(sed -n 's/.*number of transactions actually processed: \([0-9]*\).*/\1/p' "$BENCH_DIR/pgbench-$fence$round.log")
    client_errors=$(grep -c "ERROR\|aborted" "$BENCH_DIR/pgbench-$fence$round.log" || true)
    errors=$((errors + client_errors))
    psql_at "$sp" -d app -c "\\copy (SELECT id FROM events) TO '$BENCH_DIR/ids'"
    missing=$(psql_at "$tp" -d app -At <<SQL
CREATE TEMP TABLE source_ids (id bigint);
\\copy source_ids FROM '$BENCH_DIR/ids'
SELECT count(*) FROM source_ids s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = s.id);
SQL
)
    [ "$missing" = 0 ] || fail "round $round: $missing source rows missing on the target (written after the fence)"
    total=$(psql_at "$tp" -d app -Atc "SELECT count(*) FROM events")
    [ $((before + ${processed:-0})) -le "$total" ] || fail "round $round: $((before + processed - total)) acknowledged writes lost"
    next=$(psql_at "$tp" -d app -Atc "SELECT nextval('events_id_seq')")
    max=$(psql_at "$sp" -d app -Atc "SELECT max(id) FROM events")
    [ "$next" -gt "$max" ] || fail "round $round: target sequence $next not past the source's $max"
    psql_at "$sp" -d app -c "INSERT INTO events (client) VALUES (0)" 2>/dev/null && fail "round $round: the source took a write"
    for _ in $(seq 1 60); do kill -0 "$ferry_pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$ferry_pid" 2>/dev/null && fail "round $round: ferry start did not stop at the switch"
    echo "round $round ($fence): killed at ${delay}s in state '${state%%:*}'$([ $((round % 2)) = 0 ] && echo ", aborted"), re-run held ${window:-(no window: finished or already done)} ms, $client_errors client errors${steps_line:+ (${steps_line%.})}"
    kill -9 "$ferry_pid" 2>/dev/null || true
    [ "$fence" = pgbouncer ] && { kill "$(cat "$bdir/pgbouncer.pid")" 2>/dev/null || true; }
    stop_clusters
  done
  # distribution NAME VALUES...: median, p99 and worst of the completed switches' held times
  distribution() {
    local what=$1; shift
    local n=$# sorted
    [ "$n" -gt 0 ] || { echo "--fence $fence: no switch completed with a window"; return; }
    sorted=$(printf '%s\n' "$@" | sort -n)
    echo "--fence $fence: $n completed switches held writes ($what) median $(echo "$sorted" | sed -n "$(( (n + 1) / 2 ))p") ms," \
      "p99 $(echo "$sorted" | sed -n "$(( (n * 99 + 99) / 100 ))p") ms, worst $(echo "$sorted" | tail -1) ms"
  }
  distribution "with the 1 s --then hook" "${held[@]}"
  distribution "without the hook: Ferry's own window" "${ferry_held[@]}"
  echo "--fence $fence: $errors client errors in $KILLS rounds"
done
echo "failures: $failures"
[ "$failures" = 0 ]

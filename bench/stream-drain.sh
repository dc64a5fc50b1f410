#!/usr/bin/env bash
# The stream benchmark: Ferry's stream against PostgreSQL's native logical replication, in one run on the same host.
# A pgbench load on a PostgreSQL 15 source, applied at the same time by
#   ferry start        (snapshot of the small tables, then streaming through the embedded Debezium engine), and
#   native logical replication (CREATE SUBSCRIPTION ... WITH (copy_data = false), its own publication and slot)
# to two fresh target clusters. Three phases (a phase given 0 seconds is skipped):
#   fixed   pgbench -R RATE for FIXED_SECS: lag sampled, then the time until a marker row written right after the
#           load is on each target (lag back to zero);
#   full    pgbench at full speed for FULL_SECS: changes/s each applier delivered until it held the marker;
#   drain   both appliers stopped, full-speed load for DRAIN_SECS, then each one alone drains the backlog: its
#           apply capacity, without the load competing for the cores. Native first, then (CEILING=1) Debezium's
#           own ceiling on the same backlog (the engine as Ferry runs it, feeding a consumer that only counts:
#           dev.ferry.applier.internal.CountingDrain; it confirms nothing), then Ferry.
# For each drain: changes/s and the ratios; CPU per change of each process from the operating system's accounting
# (/proc): Ferry's JVM per thread group (decoding: Debezium's threads; engine: its record-conversion pool;
# conversion: ferry-convert, Connect records to rows and transforms; apply: ferry-apply, statements to the target;
# gc; jit; other), the target backend that applies, the target cluster in all, the source's walsender; GC pauses
# during the drain (-Xlog:gc, summed). Drains should last 60 s or more so that JVM warm-up is a small part: the
# report says when Ferry's did not (raise DRAIN_SECS: Ferry drained a 120 s backlog in 35 s on this machine, hence the default 240 s).
# Changes are counted on the source (pg_stat_user_tables, rows really inserted/updated/deleted). Ferry's RSS is
# sampled all along. The targets are compared with the source at the end (row-for-row md5 per table).
# Usage: bench/stream-drain.sh [RATE=500] [FIXED_SECS=60] [FULL_SECS=30] [DRAIN_SECS=240]
#   LOAD=mixed (default): 4 scripts weighted 4:4:1:1 (insert an event | update an account | delete an order | a
#     transaction of 13 rows); LOAD=single: single-row updates and inserts only, 1:1.
#   CEILING=0 skips Debezium's ceiling. FERRY_JVM passes JVM options to Ferry (default: the launcher's,
#   -XX:+UseSerialGC -Xmx320m -Xmn160m); CLIENTS (4) and ROWS (100000 per table) size the load.
#   PROFILE=1 also records Ferry's drain with JFR and prints where its CPU goes. KEEP=1 keeps the logs (BENCH_DIR).
# Replaces bench/stream.sh (one target cluster, fixed rate and full speed only; its figures are in RESULTS.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap '{ jobs -p | xargs -r kill; } 2>/dev/null || true; if [ "${KEEP:-0}" = 1 ]; then stop_clusters; echo "kept $BENCH_DIR"; else cleanup_bench; fi' EXIT
RATE=${1:-500}
FIXED_SECS=${2:-60}
FULL_SECS=${3:-30}
DRAIN_SECS=${4:-240}
LOAD=${LOAD:-mixed}
CEILING=${CEILING:-1}
FERRY_JVM=${FERRY_JVM:--XX:+UseSerialGC -Xmx320m -Xmn160m}
CLIENTS=${CLIENTS:-4}
ROWS=${ROWS:-100000}
PROFILE=${PROFILE:-0}
JAR=$(ferry_jar)
export PGOPTIONS="-c client_min_messages=warning"
sp=$(free_port); fp=$(free_port); np=$(free_port)
start_cluster src "$sp"; start_cluster ferry_tgt "$fp"; start_cluster native_tgt "$np"
SRC="postgresql://postgres@127.0.0.1:$sp/app"; FTGT="postgresql://postgres@127.0.0.1:$fp/app"
TABLES="accounts orders events marker"

# ---- source schema, initial rows, the two targets ----
psql_at "$sp" -c "CREATE DATABASE app"; psql_at "$fp" -c "CREATE DATABASE app"; psql_at "$np" -c "CREATE DATABASE app"
psql_at "$sp" -d app <<SQL
CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL, name text, updated timestamptz);
CREATE TABLE orders (id bigserial PRIMARY KEY, account_id bigint NOT NULL, amount numeric(12,2), status text,
                     created timestamptz DEFAULT now());
CREATE TABLE events (id bigserial PRIMARY KEY, kind text, payload jsonb, at timestamptz DEFAULT now());
CREATE TABLE marker (id int PRIMARY KEY, at timestamptz DEFAULT now());
INSERT INTO accounts SELECT g, 1000, md5(g::text), now() FROM generate_series(1, $ROWS) g;
INSERT INTO orders (account_id, amount, status) SELECT 1 + g % $ROWS, g % 1000 / 7.0, 'new' FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE;
SQL
# Native: same rows by pg_dump, then a subscription that starts at its slot's creation; nothing writes in between.
"$PGBIN/pg_dump" -h 127.0.0.1 -p "$sp" -U postgres app | psql_at "$np" -d app >/dev/null
psql_at "$sp" -d app -c "CREATE PUBLICATION native_pub FOR TABLE accounts, orders, events, marker"
psql_at "$np" -d app -c "CREATE SUBSCRIPTION native_sub CONNECTION 'host=127.0.0.1 port=$sp dbname=app user=postgres'
  PUBLICATION native_pub WITH (copy_data = false)"
FERRY_PID=
start_ferry() {  # start_ferry start|stream [options]
  java $FERRY_JVM ${GC_LOG:+-Xlog:gc:file=$GC_LOG:uptime} -jar "$JAR" "$@" --source "$SRC" --target "$FTGT" >> "$BENCH_DIR/ferry.log" 2>&1 &
  FERRY_PID=$!
  echo "$FERRY_PID" > "$BENCH_DIR/ferry.pid"
}
start_ferry start --progress none
wait_for() {  # wait_for SECONDS DESCRIPTION command...: poll until the command succeeds
  local deadline what=$2; clock; deadline=$(( NOW + $1 * 1000 )); shift 2
  until "$@"; do
    clock; [ "$NOW" -lt "$deadline" ] || { echo "FAIL: $what within ${deadline}s"; tail -20 "$BENCH_DIR/ferry.log"; exit 1; }
    [ -z "$FERRY_PID" ] || kill -0 "$FERRY_PID" 2>/dev/null || { echo "FAIL: ferry exited"; tail -20 "$BENCH_DIR/ferry.log"; exit 1; }
    nap 0.1
  done
}
slot_active() { ask "$sp" "SELECT active FROM pg_replication_slots WHERE slot_name = '$1'" && [ "$ASKED" = t ]; }
# The slot is active while its exported snapshot is held too, so streaming also needs the snapshot recorded done.
ferry_streaming() { ask "$fp" "SELECT phase FROM ferry.run" && [ "$ASKED" = STREAMING ] && slot_active ferry_slot; }
wait_for 120 "ferry streaming" ferry_streaming
wait_for 30 "native subscription streaming" slot_active native_sub
echo "source: accounts and orders with $ROWS rows each; ferry and native subscription streaming; $(nproc) cores"

# ---- the load ----
write_load_scripts "$BENCH_DIR" "$ROWS"
case "$LOAD" in
  mixed) SCRIPTS=(-f "$BENCH_DIR/insert.sql@4" -f "$BENCH_DIR/update.sql@4" -f "$BENCH_DIR/delete.sql@1" -f "$BENCH_DIR/multi.sql@1")
         LOAD_TEXT="4 scripts weighted 4:4:1:1 (insert event | update account | delete order | transaction of 13 rows)" ;;
  single) SCRIPTS=(-f "$BENCH_DIR/insert.sql@1" -f "$BENCH_DIR/update.sql@1")
          LOAD_TEXT="single-row transactions: insert event | update account, 1:1" ;;
  *) echo "LOAD must be mixed or single, not $LOAD" >&2; exit 2 ;;
esac
pgbench_load() {  # pgbench_load SECONDS [-R RATE]
  local secs=$1; shift
  "$PGBIN/pgbench" -n -h 127.0.0.1 -p "$sp" -U postgres -c "$CLIENTS" -j 2 -T "$secs" -M prepared "$@" \
    "${SCRIPTS[@]}" app \
    > "$BENCH_DIR/pgbench.log" 2>&1 || { cat "$BENCH_DIR/pgbench.log" >&2; exit 1; }
  sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$BENCH_DIR/pgbench.log" | head -1
}
changes_on_source() {  # rows inserted + updated + deleted so far (the stats are flushed when the clients exit)
  psql_at "$sp" -d app -Atc "SELECT pg_stat_force_next_flush(); SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables" | tail -1
}

set_phase() { echo "$1" > "$BENCH_DIR/phase"; }
set_phase idle
# ---- sampling: every 0.5 s, lag of both slots (bytes behind the source's WAL end), applied positions, RSS ----
SAMPLES="$BENCH_DIR/samples"
: > "$SAMPLES"
sampler() {  # no process started per sample (see ask in lib.sh)
  local lsn f_lag n_lag f_applied n_applied rss phase pid k v
  while true; do
    clock
    ask "$sp" "SELECT pg_current_wal_lsn(),
      coalesce((SELECT pg_current_wal_lsn() - confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'ferry_slot'), -1),
      coalesce((SELECT pg_current_wal_lsn() - confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'native_sub'), -1)" || ASKED="0/0 -1 -1"
    read -r lsn f_lag n_lag <<< "$ASKED"
    # Applied positions are read after the source's WAL end, so they may be ahead of it: that is zero lag.
    ask "$fp" "SELECT greatest(0, pg_lsn '$lsn' - min(lsn)) FROM ferry.applied" || ASKED=-1; f_applied=$ASKED
    ask "$np" "SELECT coalesce(greatest(0, pg_lsn '$lsn' - nullif(remote_lsn, '0/0')), -1)
      FROM pg_replication_origin_status" || ASKED=-1; n_applied=$ASKED
    read -r phase < "$BENCH_DIR/phase"; read -r pid < "$BENCH_DIR/ferry.pid" || pid=
    rss=0
    if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
      while read -r k v _; do [ "$k" = VmRSS: ] && rss=$v; done < "/proc/$pid/status" 2>/dev/null || true
    fi
    echo "$NOW $phase $f_lag $n_lag ${f_applied:--1} ${n_applied:--1} $rss" >> "$SAMPLES"
    nap 0.5
  done
}
MARK=0
put_marker() { MARK=$((MARK + 1)); psql_at "$sp" -d app -c "INSERT INTO marker (id) VALUES ($MARK)"; }
has_marker() { ask "$1" "SELECT count(*) FROM marker WHERE id = $MARK" && [ "$ASKED" = 1 ]; }
# wait_markers T0: milliseconds from T0 until each target holds the current marker, into F_MS and N_MS
wait_markers() {
  local t0=$1 deadline; clock; deadline=$(( NOW + 600000 ))
  F_MS=; N_MS=
  while [ -z "$F_MS" ] || [ -z "$N_MS" ]; do
    [ -z "$F_MS" ] && has_marker "$fp" && clock && F_MS=$(( NOW - t0 ))
    [ -z "$N_MS" ] && has_marker "$np" && clock && N_MS=$(( NOW - t0 ))
    clock; [ "$NOW" -lt "$deadline" ] || { echo "FAIL: marker $MARK not applied within 600 s (ferry ${F_MS:-no}, native ${N_MS:-no})"; exit 1; }
    nap 0.01
  done
}
lag_stats() {  # lag_stats PHASE COLUMN: mean, p95 and max in kB over the phase's samples
  awk -v p="$1" -v c="$2" '$2 == p && $c >= 0 {print $c}' "$SAMPLES" | sort -n | awk '
    {v[NR] = $1; s += $1} END {if (NR == 0) {print "n/a"; exit}
    i = int(NR * 0.95); if (i < 1) i = 1
    printf "mean %.0f kB, p95 %.0f kB, max %.0f kB", s / NR / 1024, v[i] / 1024, v[NR] / 1024}'
}
rate() { echo "scale=0; $1 * 1000 / $2" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }

sampler & SAMPLER_PID=$!

# ---- phase 1: fixed rate ----
if [ "$FIXED_SECS" -gt 0 ]; then
  set_phase fixed; c0=$(changes_on_source); t0=$(now_ms)
  echo "phase fixed: pgbench -R $RATE for $FIXED_SECS s ..."
  tps_fixed=$(pgbench_load "$FIXED_SECS" -R "$RATE")
  t_stop=$(now_ms); put_marker; wait_markers "$t_stop"
  changes_fixed=$(( $(changes_on_source) - c0 ))
  fixed_f_ms=$F_MS; fixed_n_ms=$N_MS; fixed_secs_ms=$(( t_stop - t0 ))
fi

# ---- phase 2: full speed, appliers live ----
if [ "$FULL_SECS" -gt 0 ]; then
  set_phase full; c0=$(changes_on_source); t0=$(now_ms)
  echo "phase full: pgbench at full speed for $FULL_SECS s ..."
  tps_full=$(pgbench_load "$FULL_SECS")
  t_stop=$(now_ms); put_marker; wait_markers "$t0"
  changes_full=$(( $(changes_on_source) - c0 ))
  full_load_ms=$(( t_stop - t0 )); full_f_ms=$F_MS; full_n_ms=$N_MS
fi

if [ "$DRAIN_SECS" -gt 0 ]; then
  # ---- phase 3: backlog drained by each applier alone ----
  set_phase drain
  kill -TERM "$FERRY_PID"; wait "$FERRY_PID" || true
  psql_at "$np" -d app -c "ALTER SUBSCRIPTION native_sub DISABLE"
  wait_for_inactive() { ! slot_active native_sub && ! slot_active ferry_slot; }
  FERRY_PID=; wait_for 30 "appliers stopped" wait_for_inactive
  c0=$(changes_on_source)
  echo "phase drain: appliers stopped, pgbench at full speed for $DRAIN_SECS s ..."
  tps_drain=$(pgbench_load "$DRAIN_SECS")
  put_marker
  changes_drain=$(( $(changes_on_source) - c0 ))
  backlog=$(psql_at "$sp" -d app -Atc "SELECT pg_size_pretty(pg_current_wal_lsn() - confirmed_flush_lsn) FROM pg_replication_slots WHERE slot_name = 'native_sub'")
  # Each drain is timed from its first applied transaction, so that neither JVM start-up nor worker launch counts.
  first_progress() {  # first_progress PORT QUERY: epoch ms at which QUERY's value first changes, into NOW
    local before; ask "$1" "$2" || true; before=$ASKED
    while { ask "$1" "$2" || true; [ "$ASKED" = "$before" ]; }; do
      [ -z "$FERRY_PID" ] || kill -0 "$FERRY_PID" 2>/dev/null || { echo "FAIL: ferry exited" >&2; tail -20 "$BENCH_DIR/ferry.log" >&2; exit 1; }
      nap 0.01
    done
    clock
  }

  # ---- CPU accounting (/proc, clock ticks) ----
  HZ=$(getconf CLK_TCK)
  ticks_of() {  # ticks_of PID...: utime + stime of these processes
    local p
    for p in "$@"; do [ -n "$p" ] && awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null || true; done \
      | awk '{s += $1} END {print s + 0}'
  }
  cluster_ticks() { local pm; pm=$(head -1 "$BENCH_DIR/$1/postmaster.pid"); ticks_of "$pm" $(pgrep -P "$pm" || true); }
  thread_ticks() {  # thread_ticks PID: "tid ticks name" per thread (name: /proc comm, 15 characters, spaces as _)
    local t
    for t in /proc/"$1"/task/*; do
      { awk -v tid="${t##*/}" '{sub(/^.*\) /, ""); printf "%s %d ", tid, $12 + $13}' "$t/stat" && tr ' ' _ < "$t/comm"; } 2>/dev/null || true
    done
  }
  # thread_groups BEFORE AFTER CHANGES: CPU of the threads between two thread_ticks files, by group, in s and us/change
  thread_groups() {
    awk -v hz="$HZ" -v n="$3" 'FNR == NR {before[$1] = $2; next}
      { d = $2 - before[$1]; name = $3
        g = name ~ /^ferry-apply/ ? "apply" : name ~ /^ferry-convert/ ? "conversion" : name ~ /^debezium/ ? "decoding" \
          : name ~ /^pool-/ ? "engine" : name ~ /^(VM_Thread|GC_Thread|G1_|VM_Periodic)/ ? "gc" \
          : name ~ /Compiler/ ? "jit" : "other"
        sum[g] += d; total += d }
      END { printf "total %.1f s = %.0f us/change:", total / hz, n ? total / hz * 1e6 / n : 0
            split("decoding engine conversion apply gc jit other", order, " ")
            for (i = 1; i <= 7; i++) if (order[i] in sum) printf " %s %.1f s (%.0f us)", order[i], sum[order[i]] / hz, n ? sum[order[i]] / hz * 1e6 / n : 0
            print "" }' "$1" "$2"
  }
  us_per() { awk -v t="$1" -v hz="$HZ" -v n="$2" 'BEGIN {printf "%.1f s = %.1f us/change", t / hz, n ? t / hz * 1e6 / n : 0}'; }
  walsender() { psql_at "$sp" -d app -Atc "SELECT active_pid FROM pg_replication_slots WHERE slot_name = '$1'"; }
  # gc_pauses LOG PID FROM_MS: collections and pause total in the -Xlog:gc file after epoch ms FROM_MS
  gc_pauses() {
    local start_s boot_s from_up
    start_s=$(awk '{sub(/^.*\) /, ""); print $20}' "/proc/$2/stat" 2>/dev/null || echo 0)
    boot_s=$(awk '/^btime/ {print $2}' /proc/stat)
    from_up=$(awk -v f="$3" -v st="$start_s" -v b="$boot_s" -v hz="$HZ" 'BEGIN {printf "%.3f", f / 1000 - (b + st / hz)}')
    awk -v from="$from_up" '/Pause/ {t = $1; gsub(/[\[\]s]/, "", t); if (t + 0 < from + 0) next
        v = $NF; sub(/ms$/, "", v); ms += v; n++}
      END {printf "%d collections, %.0f ms paused", n, ms}' "$1" 2>/dev/null || echo "n/a"
  }

  # ---- native drain ----
  t_enable=$(now_ms)
  psql_at "$np" -d app -c "ALTER SUBSCRIPTION native_sub ENABLE"
  first_progress "$np" "SELECT remote_lsn FROM pg_replication_origin_status"; n_first=$NOW
  n_worker=$(psql_at "$np" -d app -Atc "SELECT pid FROM pg_stat_activity WHERE backend_type = 'logical replication worker' LIMIT 1")
  n_ws=$(walsender native_sub)
  n0=("$(ticks_of "$n_worker")" "$(cluster_ticks native_tgt)" "$(ticks_of "$n_ws")")
  until has_marker "$np"; do nap 0.05; done
  clock; native_drain_ms=$(( NOW - n_first )); native_start_ms=$(( n_first - t_enable ))
  native_cpu="apply worker $(us_per $(( $(ticks_of "$n_worker") - n0[0] )) "$changes_drain"); target cluster $(us_per $(( $(cluster_ticks native_tgt) - n0[1] )) "$changes_drain"); walsender $(us_per $(( $(ticks_of "$n_ws") - n0[2] )) "$changes_drain")"

  # ---- Debezium's ceiling: the same engine and slot position, a consumer that only counts ----
  if [ "$CEILING" = 1 ]; then
    GC_CEIL="$BENCH_DIR/gc-ceiling.log"
    java $FERRY_JVM -Xlog:gc:file="$GC_CEIL":uptime -cp "$JAR" dev.ferry.applier.internal.CountingDrain "$SRC" "$FTGT" marker \
      > "$BENCH_DIR/ceiling.out" 2>> "$BENCH_DIR/ferry.log" &
    CEIL_PID=$!
    has_line() { local l; [ -f "$2" ] || return 1; while IFS= read -r l; do [[ $l == "$1"* ]] && return 0; done < "$2"; return 1; }  # no grep per poll
    until has_line first "$BENCH_DIR/ceiling.out"; do
      kill -0 "$CEIL_PID" 2>/dev/null || { echo "FAIL: the ceiling run exited"; tail -20 "$BENCH_DIR/ferry.log"; exit 1; }
      nap 0.01
    done
    c_from=$(now_ms); c_ws=$(walsender ferry_slot)
    thread_ticks "$CEIL_PID" > "$BENCH_DIR/ceil.t0"; c_ws0=$(ticks_of "$c_ws")
    until has_line changes= "$BENCH_DIR/ceiling.out"; do
      kill -0 "$CEIL_PID" 2>/dev/null || { echo "FAIL: the ceiling run exited"; tail -20 "$BENCH_DIR/ferry.log"; exit 1; }
      nap 0.05
    done
    thread_ticks "$CEIL_PID" > "$BENCH_DIR/ceil.t1"; c_ws1=$(ticks_of "$c_ws")
    ceil_gc=$(gc_pauses "$GC_CEIL" "$CEIL_PID" "$c_from")
    kill -TERM "$CEIL_PID"; wait "$CEIL_PID" || true
    ceil_drain_ms=$(sed -n 's/.*drain_ms=\([0-9]*\).*/\1/p' "$BENCH_DIR/ceiling.out")
    ceil_changes=$(sed -n 's/^changes=\([0-9]*\).*/\1/p' "$BENCH_DIR/ceiling.out")
    ceil_cpu="JVM $(thread_groups "$BENCH_DIR/ceil.t0" "$BENCH_DIR/ceil.t1" "$changes_drain"); walsender $(us_per $(( c_ws1 - c_ws0 )) "$changes_drain")"
    wait_for 30 "the ceiling run's walsender gone" eval '! slot_active ferry_slot'
  fi

  # ---- Ferry's drain ----
  t_enable=$(now_ms)
  GC_LOG="$BENCH_DIR/gc-ferry.log" start_ferry stream
  PROFILE_OUT="$BENCH_DIR/drain.jfr"
  first_progress "$fp" "SELECT sum(changes) FROM ferry.applied"; f_first=$NOW
  f_backend=$(psql_at "$fp" -d app -Atc "SELECT pid FROM pg_stat_activity WHERE application_name = 'ferry apply' LIMIT 1")
  f_ws=$(walsender ferry_slot)
  thread_ticks "$FERRY_PID" > "$BENCH_DIR/ferry.t0"
  f0=("$(ticks_of "$f_backend")" "$(cluster_ticks ferry_tgt)" "$(ticks_of "$f_ws")")
  [ "$PROFILE" = 1 ] && jcmd "$FERRY_PID" JFR.start name=drain settings=profile >/dev/null
  until has_marker "$fp"; do
    kill -0 "$FERRY_PID" 2>/dev/null || { echo "FAIL: ferry exited"; tail -20 "$BENCH_DIR/ferry.log"; exit 1; }
    nap 0.05
  done
  clock; ferry_drain_ms=$(( NOW - f_first )); ferry_start_ms=$(( f_first - t_enable ))
  thread_ticks "$FERRY_PID" > "$BENCH_DIR/ferry.t1"
  ferry_cpu="JVM $(thread_groups "$BENCH_DIR/ferry.t0" "$BENCH_DIR/ferry.t1" "$changes_drain"); apply backend $(us_per $(( $(ticks_of "$f_backend") - f0[0] )) "$changes_drain"); target cluster $(us_per $(( $(cluster_ticks ferry_tgt) - f0[1] )) "$changes_drain"); walsender $(us_per $(( $(ticks_of "$f_ws") - f0[2] )) "$changes_drain")"
  ferry_gc=$(gc_pauses "$BENCH_DIR/gc-ferry.log" "$FERRY_PID" "$f_first")
  [ "$PROFILE" = 1 ] && jcmd "$FERRY_PID" JFR.dump name=drain filename="$PROFILE_OUT" >/dev/null
fi
set_phase end; sleep 1
kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true

# ---- the targets equal the source ----
same=yes
for t in $TABLES; do
  q="SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM $t t"
  s=$(psql_at "$sp" -d app -Atc "$q"); f=$(psql_at "$fp" -d app -Atc "$q"); n=$(psql_at "$np" -d app -Atc "$q")
  [ "$s" = "$f" ] || { echo "MISMATCH: ferry's $t: source ${s%% *} rows, target ${f%% *} rows (or different contents)"; same=no; }
  [ "$s" = "$n" ] || { echo "MISMATCH: native's $t: source ${s%% *} rows, target ${n%% *} rows (or different contents)"; same=no; }
done
kill -TERM "$FERRY_PID" 2>/dev/null; wait "$FERRY_PID" 2>/dev/null || true

# ---- report ----
echo
echo "load: $LOAD_TEXT, $CLIENTS clients"
printf '%-8s %9s %12s %14s %14s %10s\n' phase "source" "changes" "ferry ch/s" "native ch/s" "ferry is"
if [ "$FIXED_SECS" -gt 0 ]; then
  f=$(rate "$changes_fixed" $(( fixed_secs_ms + fixed_f_ms ))); n=$(rate "$changes_fixed" $(( fixed_secs_ms + fixed_n_ms )))
  printf '%-8s %5.0f tx/s %12s %14s %14s %9sx\n' fixed "$tps_fixed" "$changes_fixed" "$f" "$n" "$(ratio "$f" "$n")"
fi
if [ "$FULL_SECS" -gt 0 ]; then
  f=$(rate "$changes_full" "$full_f_ms"); n=$(rate "$changes_full" "$full_n_ms")
  printf '%-8s %5.0f tx/s %12s %14s %14s %9sx\n' full "$tps_full" "$changes_full" "$f" "$n" "$(ratio "$f" "$n")"
fi
if [ "$FIXED_SECS" -gt 0 ] || [ "$FULL_SECS" -gt 0 ]; then
  echo "  (fixed/full: changes / time from the load's start until the marker written after it was applied)"
  if [ "$FULL_SECS" -gt 0 ]; then echo "  full-speed source rate $(rate "$changes_full" "$full_load_ms") ch/s"; fi
fi
if [ "$DRAIN_SECS" -gt 0 ]; then
  f_drain=$(rate "$changes_drain" "$ferry_drain_ms"); n_drain=$(rate "$changes_drain" "$native_drain_ms")
  printf '%-8s %5.0f tx/s %12s %14s %14s %9sx\n' drain "$tps_drain" "$changes_drain" "$f_drain" "$n_drain" "$(ratio "$f_drain" "$n_drain")"
  echo
  echo "drain: backlog $backlog, $changes_drain changes, each applier alone, timed from its first applied transaction"
  echo "  native   $n_drain ch/s in ${native_drain_ms} ms (after ${native_start_ms} ms of start-up)"
  echo "    CPU: $native_cpu"
  if [ "$CEILING" = 1 ]; then
    c_drain=$(rate "$changes_drain" "$ceil_drain_ms")
    echo "  debezium $c_drain ch/s in ${ceil_drain_ms} ms (its ceiling: the engine feeding a consumer that only counts; $ceil_changes change records) = $(ratio "$c_drain" "$n_drain")x native"
    echo "    CPU: $ceil_cpu"
    echo "    GC during the drain: $ceil_gc"
  fi
  echo "  ferry    $f_drain ch/s in ${ferry_drain_ms} ms (after ${ferry_start_ms} ms of start-up) = $(ratio "$f_drain" "$n_drain")x native${c_drain:+, $(ratio "$f_drain" "$c_drain")x the ceiling}"
  echo "    CPU: $ferry_cpu"
  echo "    GC during the drain: $ferry_gc"
  [ "$ferry_drain_ms" -ge 60000 ] || echo "  NOTE: Ferry's drain took under 60 s: JVM warm-up weighs in; raise DRAIN_SECS"
fi
echo
if [ "$FIXED_SECS" -gt 0 ]; then
  echo "lag back to zero after the fixed-rate load (marker applied): ferry ${fixed_f_ms} ms, native ${fixed_n_ms} ms"
fi
if [ "$FULL_SECS" -gt 0 ]; then
  echo "after the full-speed load: ferry $(( full_f_ms - full_load_ms )) ms, native $(( full_n_ms - full_load_ms )) ms"
fi
for p in fixed full; do
  grep -q " $p " "$SAMPLES" || continue
  echo "slot lag during $p (pg_current_wal_lsn - confirmed_flush_lsn): ferry $(lag_stats $p 3); native $(lag_stats $p 4)"
  echo "applied lag during $p (pg_current_wal_lsn - applied LSN on the target): ferry $(lag_stats $p 5); native $(lag_stats $p 6)"
done
awk '$7 > 0 {print $2, $7}' "$SAMPLES" | awk '
  {if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2; if ($2 > hi[$1]) hi[$1] = $2; last[$1] = $2; if (!($1 in first)) {first[$1] = $2; order[++n] = $1}}
  END {printf "ferry RSS (MB, first/min/max/last per phase):"; for (i = 1; i <= n; i++) {p = order[i];
       printf " %s %.0f/%.0f/%.0f/%.0f;", p, first[p] / 1024, lo[p] / 1024, hi[p] / 1024, last[p] / 1024}; print ""}'
echo "targets equal the source: $same"
if [ "$PROFILE" = 1 ] && [ -s "$PROFILE_OUT" ]; then
  # JFR execution samples (Java threads on CPU) of Ferry's drain: by the innermost layer a sample is in (the
  # stack is printed top-down), then the hottest methods themselves.
  jfr print --events jdk.ExecutionSample --stack-depth 200 "$PROFILE_OUT" > "$BENCH_DIR/samples.txt"
  echo
  echo "ferry's CPU during the drain ($(grep -c 'jdk.ExecutionSample' "$BENCH_DIR/samples.txt") JFR execution samples), by innermost layer:"
  awk '/jdk.ExecutionSample/ {if (n) print (layer == "" ? "(jdk only)" : layer); n++; layer = ""; next}
       /line:/ && layer == "" {
         if ($0 ~ /org\.postgresql\.core\.v3\.replication|org\.postgresql\.replication/) layer = "pgjdbc replication stream (source)";
         else if ($0 ~ /org\.postgresql/) layer = "pgjdbc (target statements)";
         else if ($0 ~ /io\.debezium\.connector\.postgresql/) layer = "debezium postgres decoding";
         else if ($0 ~ /io\.debezium|org\.apache\.kafka/) layer = "debezium engine / kafka connect";
         else if ($0 ~ /dev\.ferry\.applier/) layer = "ferry applier";
         else if ($0 ~ /dev\.ferry\.transforms/) layer = "ferry transforms";
         else if ($0 ~ /dev\.ferry/) layer = "ferry other";
         if (layer != "") {f = $0; sub(/^ */, "", f); sub(/\(.*/, "", f); print layer " | " f > "/dev/stderr"} }
       END {if (n) print (layer == "" ? "(jdk only)" : layer)}' "$BENCH_DIR/samples.txt" 2> "$BENCH_DIR/entries.txt" \
    | sort | uniq -c | sort -rn | awk '{c = $1; $1 = ""; t += c; l[++n] = $0; v[n] = c}
      END {for (i = 1; i <= n; i++) printf "  %5.1f%%%s\n", 100 * v[i] / t, l[i]}'
  echo "hottest methods (self samples):"
  awk '/stackTrace = \[/ {getline; sub(/^ */, ""); sub(/ *line:.*/, ""); print}' "$BENCH_DIR/samples.txt" \
    | sort | uniq -c | sort -rn | head -15 || true
  jfr print --events jdk.GarbageCollection "$PROFILE_OUT" | awk '/sumOfPauses/ {v = $3; u = $4;
      ms += u == "s" ? v * 1000 : u == "us" ? v / 1000 : u == "ns" ? v / 1e6 : v; n++}
      END {printf "garbage collections: %d, paused %.0f ms in all\n", n, ms}'
  echo "where each layer is entered (its innermost frame):"
  sort "$BENCH_DIR/entries.txt" | uniq -c | sort -rn | head -20 || true
fi
[ "$same" = yes ] || exit 1

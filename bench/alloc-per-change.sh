#!/usr/bin/env bash
# Bytes Ferry's JVM allocates per change while draining a backlog, and where (JFR). Not a timing benchmark:
# allocated bytes do not depend on how busy the machine is, so it may run while other work does.
# Two clusters (source, target): `ferry start` streams a warm-up load (the mixed load of bench/stream-drain.sh,
# WARM transactions per client, default half of the measured ones), then its JVM is stopped (SIGSTOP) while the
# same load builds a backlog, and drains it under JFR until a marker row written after the load is on the target.
# Reports
#   bytes per change by thread group (jdk.ThreadAllocationStatistics at the recording's start and end; the
#   difference, divided by the changes applied meanwhile), and
#   the top allocation sites (jdk.ObjectAllocationSample weights, by top frame and by the first frame outside the
#   JDK) with their share of the sampled bytes.
# Usage: bench/alloc-per-change.sh [TRANSACTIONS_PER_CLIENT=12000]   (4 clients; ~2.2 changes per transaction)
#   FERRY_JAR names another build; KEEP=1 keeps BENCH_DIR (the .jfr and the printed samples).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
trap '{ jobs -p | xargs -r kill -CONT; jobs -p | xargs -r kill; } 2>/dev/null || true; if [ "${KEEP:-0}" = 1 ]; then stop_clusters; echo "kept $BENCH_DIR"; else cleanup_bench; fi' EXIT
TX=${1:-12000}
WARM=${WARM:-$((TX / 2))}
CLIENTS=4 ROWS=100000
FERRY_JVM=${FERRY_JVM:--XX:+UseSerialGC -Xmx320m -Xmn160m}
JAR=$(ferry_jar)
export PGOPTIONS="-c client_min_messages=warning"
sp=$(free_port); fp=$(free_port)
start_cluster src "$sp" -c wal_sender_timeout=0; start_cluster tgt "$fp"
SRC="postgresql://postgres@127.0.0.1:$sp/app"; TGT="postgresql://postgres@127.0.0.1:$fp/app"
psql_at "$sp" -c "CREATE DATABASE app"; psql_at "$fp" -c "CREATE DATABASE app"
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
FERRY_PID=
start_ferry() {  # start_ferry start|stream [options]
  java $FERRY_JVM -jar "$JAR" "$@" --source "$SRC" --target "$TGT" >> "$BENCH_DIR/ferry.log" 2>&1 &
  FERRY_PID=$!
}
wait_for() {  # wait_for SECONDS DESCRIPTION command...
  local deadline=$(( $(date +%s) + $1 )) what=$2; shift 2
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "FAIL: $what within $1 s"; tail -20 "$BENCH_DIR/ferry.log"; exit 1; }
    [ -z "$FERRY_PID" ] || kill -0 "$FERRY_PID" 2>/dev/null || { echo "FAIL: ferry exited"; tail -20 "$BENCH_DIR/ferry.log"; exit 1; }
    sleep 0.1
  done
}
# The slot is active while its exported snapshot is held too, so streaming also needs the snapshot recorded done.
slot_active() { [ "$(psql_at "$fp" -d app -Atc "SELECT phase FROM ferry.run" 2>/dev/null)" = STREAMING ] \
  && [ "$(psql_at "$sp" -d app -Atc "SELECT active FROM pg_replication_slots WHERE slot_name = 'ferry_slot'")" = t ]; }
write_load_scripts "$BENCH_DIR" "$ROWS"
changes_on_source() {
  psql_at "$sp" -d app -Atc "SELECT pg_stat_force_next_flush(); SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables" | tail -1
}
load() {  # load TRANSACTIONS_PER_CLIENT
  "$PGBIN/pgbench" -n -h 127.0.0.1 -p "$sp" -U postgres -c "$CLIENTS" -j 2 -t "$1" -M prepared \
    -f "$BENCH_DIR/insert.sql@4" -f "$BENCH_DIR/update.sql@4" -f "$BENCH_DIR/delete.sql@1" -f "$BENCH_DIR/multi.sql@1" app \
    > "$BENCH_DIR/pgbench.log" 2>&1 || { cat "$BENCH_DIR/pgbench.log" >&2; exit 1; }
}
applied() { psql_at "$fp" -d app -Atc "SELECT coalesce(sum(changes), 0) FROM ferry.applied" 2>/dev/null || echo 0; }
has_marker() { [ "$(psql_at "$fp" -d app -Atc "SELECT count(*) FROM marker WHERE id = $1" 2>/dev/null)" = 1 ]; }
# JFR: the profile settings, allocation samples throttled higher (a short drain), thread totals at start and end.
JFC="$BENCH_DIR/alloc.jfc"
sed -e '/jdk.ObjectAllocationSample"/,/<\/event>/ s|<setting name="throttle"[^>]*>[^<]*<|<setting name="throttle">2000/s<|' \
  "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc" > "$JFC"

start_ferry start --progress none
wait_for 120 "ferry streaming" slot_active
# Warm-up (the JIT compiles the hot paths; escape analysis then removes some allocations): a live load applied.
load "$WARM"; psql_at "$sp" -d app -c "INSERT INTO marker (id) VALUES (1)"
wait_for 600 "warm-up applied" has_marker 1
# The measured drain: the JVM stopped (SIGSTOP; the source's wal_sender_timeout is off) while the load runs.
jcmd "$FERRY_PID" JFR.start name=alloc settings="$JFC" >/dev/null
a1=$(applied)
kill -STOP "$FERRY_PID"
c0=$(changes_on_source)
load "$TX"; psql_at "$sp" -d app -c "INSERT INTO marker (id) VALUES (2)"
changes=$(( $(changes_on_source) - c0 ))
kill -CONT "$FERRY_PID"
wait_for 600 "backlog drained" has_marker 2
jcmd "$FERRY_PID" JFR.dump name=alloc filename="$BENCH_DIR/alloc.jfr" >/dev/null
jcmd "$FERRY_PID" JFR.stop name=alloc >/dev/null
drained=$(( $(applied) - a1 ))
kill -TERM "$FERRY_PID"; wait "$FERRY_PID" || true; FERRY_PID=
for t in accounts orders events marker; do
  q="SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM $t t"
  [ "$(psql_at "$sp" -d app -Atc "$q")" = "$(psql_at "$fp" -d app -Atc "$q")" ] || echo "MISMATCH: $t differs on the target"
done

# Bytes are divided by the changes applied while recording (ferry.applied's count).
echo "changes on the source: $changes; applied while recording: $drained"
jfr print --json --events jdk.ThreadAllocationStatistics "$BENCH_DIR/alloc.jfr" > "$BENCH_DIR/threads.json"
jfr print --json --stack-depth 64 --events jdk.ObjectAllocationSample "$BENCH_DIR/alloc.jfr" > "$BENCH_DIR/samples.json"
python3 - "$BENCH_DIR" "$drained" <<'PY'
import json, re, sys, collections
d, n = sys.argv[1], int(sys.argv[2])
def events(f): return json.load(open(f"{d}/{f}"))["recording"]["events"]
first, last = {}, {}
for e in events("threads.json"):
    v = e["values"]; t = v["thread"]["javaName"] or v["thread"]["osName"]; tid = v["thread"]["javaThreadId"]
    first.setdefault(tid, (t, v["allocated"])); last[tid] = (t, v["allocated"])
def group(t):
    for p, g in (("ferry-apply", "ferry-apply"), ("ferry-convert", "ferry-convert"), ("debezium", "debezium (decoding)"),
                 ("pool-", "engine record pool")):
        if t.startswith(p): return g
    return "other"
by = collections.Counter()
for tid, (t, a) in last.items(): by[group(t)] += a - first[tid][1]
print(f"allocated: {sum(by.values()) / n:.0f} bytes per change ({n} changes)")
for g, b in by.most_common(): print(f"  {g:22s} {b / n:7.0f} bytes/change")
# A sample's weight is what its thread allocated since its previous sample: a thread's first sample in the
# recording carries everything since before the recording started (the warm-up), so it is left out.
own, top, total, seen = collections.Counter(), collections.Counter(), 0, set()
for e in events("samples.json"):
    v = e["values"]; w = v["weight"]; t = v["eventThread"]["javaThreadId"]
    if t not in seen:
        seen.add(t); continue
    total += w
    frames = [f"{f['method']['type']['name']}.{f['method']['name']}" for f in (v["stackTrace"] or {"frames": []})["frames"]]
    cls = v["objectClass"]["name"]
    top[f"{frames[0] if frames else '?'} <{cls}>"] += w
    own[next((f for f in frames if not re.match(r"(java|jdk|sun)[./]", f)), "?")] += w
print(f"top 10 sites by the first frame outside the JDK (share of {total / 1e6:.0f} MB sampled weight, {total / n:.0f} bytes/change):")
for k, w in own.most_common(10): print(f"  {100 * w / total:5.1f} %  {k}")
print("top 10 allocating frames, with the class allocated:")
for k, w in top.most_common(10): print(f"  {100 * w / total:5.1f} %  {k}")
PY

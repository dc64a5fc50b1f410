# Shared helpers for the bench scripts: throwaway PostgreSQL clusters from the distribution's binaries.
# Source it; it needs /usr/lib/postgresql/15/bin (apt-get install postgresql-15) and runs servers as "postgres".
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BENCH_DIR=${BENCH_DIR:-$(mktemp -d /tmp/ferry-bench-XXXX)}
chown postgres "$BENCH_DIR" 2>/dev/null || true
CLUSTERS=()

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# class_data_flags: the launcher's class-data archive, for benchmarks that start Ferry's JVM as it does.
source "$(dirname "${BASH_SOURCE[0]}")/../cli/class-data.sh"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_cluster NAME PORT [extra -c settings...]: initdb + start with logical decoding, fast and honest commits.
start_cluster() {
  local name=$1 port=$2; shift 2
  local dir="$BENCH_DIR/$name"
  as_pg "$PGBIN/initdb" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 -D "$dir" >/dev/null
  as_pg "$PGBIN/pg_ctl" -w -D "$dir" -l "$dir.log" -o "-p $port -k $BENCH_DIR -c listen_addresses=127.0.0.1 \
    -c wal_level=logical -c fsync=off -c full_page_writes=off -c synchronous_commit=on -c max_wal_size=4GB \
    -c shared_buffers=512MB -c max_replication_slots=10 -c max_wal_senders=10 -c max_connections=200 $*" start >/dev/null
  CLUSTERS+=("$dir")
}

stop_clusters() {
  for d in "${CLUSTERS[@]}"; do as_pg "$PGBIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true; done
  CLUSTERS=()
}

cleanup_bench() { stop_clusters; rm -rf "$BENCH_DIR"; }

psql_at() { local port=$1; shift; "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }

ferry_jar() {  # FERRY_JAR names another build (bench/stream-drain-ab.sh compares two)
  [ -n "${FERRY_JAR:-}" ] && { echo "$FERRY_JAR"; return; }
  local root; root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  [ -f "$root/cli/target/ferry.jar" ] || (cd "$root" && mvn -B -q -DskipTests package)
  echo "$root/cli/target/ferry.jar"
}

# median, range: of the space-separated seconds on stdin (empty input: an empty median)
median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print ""; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
range() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.2f-%.2f", lo, hi}'; }

now_ms() { clock; echo "$NOW"; }  # for command substitution; loops call clock

# Polling without starting processes. On these machines starting psql costs about 75 ms of CPU (the process, then
# a new backend on the server) and any process about 5 ms, so a loop that ran psql every 20 ms took about a core
# from the drain it was timing. Loops use ask (one psql session per port and shell, fed through a FIFO), nap
# (a read that times out) and clock (the time into NOW) instead.
declare -A SESSION_IN=() SESSION_OUT=()
# ask PORT SQL: runs one statement on database app at PORT and puts its rows (fields separated by a space) in
# ASKED; fails, with ASKED empty, if the statement fails. Not for command substitution: that is another shell.
ask() {
  local key="$BASHPID.$1" line out= w r
  if [ -z "${SESSION_IN[$key]:-}" ]; then
    local f="$BENCH_DIR/session.$key"
    mkfifo "$f.in" "$f.out"
    "$PGBIN/psql" -X -q -At -F ' ' -h 127.0.0.1 -p "$1" -U postgres -d app < "$f.in" > "$f.out" 2>&1 &
    exec {w}> "$f.in"; exec {r}< "$f.out"
    SESSION_IN[$key]=$w; SESSION_OUT[$key]=$r
  fi
  w=${SESSION_IN[$key]}; r=${SESSION_OUT[$key]}
  printf '%s;\n\\echo __done__\n' "$2" >&"$w"
  while IFS= read -r -t 60 -u "$r" line; do [ "$line" = __done__ ] && break; out+="${out:+$'\n'}$line"; done
  ASKED=$out
  case "$out" in psql:*|ERROR:*|FATAL:*) ASKED=; return 1 ;; esac
}
nap() {  # nap SECONDS
  [ -n "${NAP_FD:-}" ] || { mkfifo "$BENCH_DIR/nap.$BASHPID"; exec {NAP_FD}<> "$BENCH_DIR/nap.$BASHPID"; }
  read -r -t "$1" -u "$NAP_FD" _ || true
}
clock() { NOW=$(( ${EPOCHREALTIME/./} / 1000 )); }  # epoch ms into NOW

# start_bouncer DIR LISTEN_PORT SOURCE_PORT: PgBouncer in transaction pooling in front of database "app" of the
# source, trust authentication, admin user postgres (the switch benchmarks' traffic step repoints it).
start_bouncer() {
  local bdir=$1 bp=$2 sp=$3
  mkdir -p "$bdir"
  cat > "$bdir/pgbouncer.ini" <<INI
[databases]
app = host=127.0.0.1 port=$sp dbname=app
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bp
unix_socket_dir =
auth_type = trust
auth_file = $bdir/users.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
logfile = $bdir/pgbouncer.log
pidfile = $bdir/pgbouncer.pid
INI
  echo '"postgres" ""' > "$bdir/users.txt"; chown -R postgres "$bdir"
  as_pg pgbouncer -d "$bdir/pgbouncer.ini"
}

# write_load_scripts DIR ROWS: the stream benchmarks' pgbench scripts (insert an event | update an account |
# delete an order | a transaction of 13 rows) over tables of ROWS rows, as DIR/{insert,update,delete,multi}.sql
write_load_scripts() {
cat > "$1/insert.sql" <<'SQL'
\set r random(1, 1000000)
INSERT INTO events (kind, payload) VALUES ('single', jsonb_build_object('r', :r::int));
SQL
cat > "$1/update.sql" <<SQL
\set id random(1, $2)
UPDATE accounts SET balance = balance + 1, updated = now() WHERE id = :id;
SQL
cat > "$1/delete.sql" <<SQL
\set id random(1, $2)
DELETE FROM orders WHERE id = :id;
SQL
cat > "$1/multi.sql" <<SQL
\set aid random(1, $2)
BEGIN;
INSERT INTO orders (account_id, amount, status) VALUES (:aid, 12.50, 'new') ;
UPDATE accounts SET balance = balance - 12, updated = now() WHERE id = :aid;
INSERT INTO events (kind, payload) SELECT 'batch', jsonb_build_object('aid', :aid::bigint, 'n', g) FROM generate_series(1, 10) g;
UPDATE orders SET status = 'paid' WHERE account_id = :aid AND status = 'new';
COMMIT;
SQL
}

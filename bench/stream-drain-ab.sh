#!/usr/bin/env bash
# Before/after for the stream: runs bench/stream-drain.sh's drain (no live phases) for two variants alternately,
# A B, B A, A B ..., ROUNDS rounds. Each run builds its own backlog and drains it natively too, so what is compared
# is each run's Ferry/native ratio (the machine's state changes between runs; the ratio carries less of it). It
# prints each variant's median ratio, changes/s and Ferry's JVM CPU per change, with their ranges.
# Usage: bench/stream-drain-ab.sh [ROUNDS=3] [DRAIN_SECS=60]
#   A_JAR / B_JAR: the two builds (default: cli/target/ferry.jar for both); A_JVM / B_JVM: their JVM options
#   (default: stream-drain.sh's). LOAD, CLIENTS, ROWS as for stream-drain.sh. CEILING is off. KEEP_LOGS=DIR keeps
#   each run's full report there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${1:-3}
DRAIN_SECS=${2:-60}
default_jar="$here/../cli/target/ferry.jar"
A_JAR=${A_JAR:-$default_jar}; B_JAR=${B_JAR:-$default_jar}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {  # run VARIANT ROUND
  local jar jvm
  if [ "$1" = A ]; then jar=$A_JAR; jvm=${A_JVM:-}; else jar=$B_JAR; jvm=${B_JVM:-}; fi
  FERRY_JAR="$jar" FERRY_JVM="$jvm" CEILING=0 "$here/stream-drain.sh" 0 0 0 "$DRAIN_SECS" > "$out/$1.$2" 2>&1 \
    || { echo "run $1 round $2 failed:"; tail -20 "$out/$1.$2"; exit 1; }
  local line; line=$(grep -E '^  ferry ' "$out/$1.$2")
  local ratio rate cpu
  ratio=$(sed -n 's/.*= \([.0-9]*\)x native.*/\1/p' <<<"$line")
  rate=$(awk '{print $2}' <<<"$line")
  cpu=$(grep -A1 -E '^  ferry ' "$out/$1.$2" | sed -n 's/.*JVM total [.0-9]* s = \([0-9]*\) us\/change.*/\1/p')
  echo "$ratio $rate $cpu" >> "$out/$1"
  local took; took=$(sed -n 's/.* ch\/s in \([0-9]*\) ms.*/\1/p' <<<"$line")
  echo "round $2 $1: ferry/native ${ratio}x, $rate ch/s in $((took / 1000)) s, JVM $cpu us/change;$(grep -A2 -E '^  ferry ' "$out/$1.$2" | sed -n 's/.*GC during the drain:/ GC/p')"
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$out/$1.$2" "$KEEP_LOGS/"; fi
}
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then run A "$r"; run B "$r"; else run B "$r"; run A "$r"; fi
done
median() { sort -g | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%s (%s-%s)", m, a[1], a[NR]}'; }
echo
echo "variant  ferry/native         ch/s                 JVM us/change"
for v in A B; do
  printf '%-8s %-20s %-20s %s\n' "$v" "$(cut -d' ' -f1 "$out/$v" | median)" "$(cut -d' ' -f2 "$out/$v" | median)" \
    "$(cut -d' ' -f3 "$out/$v" | median)"
done
echo "A: ${A_JAR} ${A_JVM:-(default JVM options)}"
echo "B: ${B_JAR} ${B_JVM:-(default JVM options)}"

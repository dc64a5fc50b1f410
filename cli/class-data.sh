# Class-data sharing for Ferry's JVM, sourced by ./ferry and bench/lib.sh (bash).
#
# Before any of its own work a Ferry run spends about a third of a second of CPU loading and verifying the same
# few thousand classes (PgJDBC, Jackson, picocli, Ferry); on a two-core host shared with both servers that is time
# the copy waits for. A class-data archive maps them instead: bench/RESULTS.md, 2026-12-03, one-table snapshots.
# JDK 17 can write such an archive at exit (-XX:ArchiveClassesAtExit) but not create and use one by itself (that
# is JDK 19's -XX:+AutoCreateSharedArchive), so this does it: the first run of a command after a build writes
# NAME.jsa.PID at exit; a later run promotes it once that process is gone and the JVM has loaded it with its
# checksums verified (a half-written archive crashes the JVM that maps it, so it is never used unverified), and
# uses it from then on. An archive is per command (each loads other classes), per jar (older than the jar: unused
# and replaced) and per JVM (its file's time is in the name). FERRY_CDS=0 turns it off.
#
# On JDK 25 or later the same scheme writes an ahead-of-time cache instead (-XX:AOTCacheOutput, JEP 483/515):
# classes loaded and linked, and the training run's method profiles, so the JIT compiles sooner. A 1,000-row
# snapshot took about 0.15 s less than with JDK 17's archive in a lab pair of servers, the 5.2 M-row benchmark 0.07 s
# of median (docs/design.md, bench/RESULTS.md, 2026-12-04). Its training run
# hands its JVM options to a child JVM that prints them ("Picked up JAVA_TOOL_OPTIONS"), so it is used only with
# the launcher's own options (FERRY_JAVA_OPTS unset: they could hold a keystore password); the child also costs
# 1.5-4 s at that run's exit, once per command and build.

# ferry_java: the java Ferry runs on: JAVA_HOME's when it has one, else the first on PATH.
ferry_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}

# java_feature JAVA: the feature release (17, 25, ...) of the JDK that JAVA (a resolved path) belongs to, from its
# release file; 0 when it cannot tell.
java_feature() {
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$(dirname "$(dirname "$1")")/release" 2>/dev/null)
  echo "${v:-0}"
}

# class_data_flags JAR NAME OWNER [JAVA]: prints the JVM flags for command NAME of JAR, run as process OWNER (the
# pid the JVM will have, or one that outlives it) on JAVA (default ferry_java): use the archive, or write one at
# exit.
class_data_flags() {
  local jar=$1 name=$2 owner=$3 dir java_bin jvm_id jsa part rest pid use write check quiet
  [ "${FERRY_CDS:-1}" = 1 ] || return 0
  [[ $name =~ ^[a-z][a-z-]*$ ]] || return 0
  dir="$(dirname "$jar")/cds"
  mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ] || return 0
  java_bin=$(readlink -f "${4:-$(ferry_java)}") || return 0
  jvm_id=$(stat -c %Y "$java_bin") || return 0
  if [ "$(java_feature "$java_bin")" -ge 25 ] && [ -z "${FERRY_JAVA_OPTS:-}" ]; then
    # Unified logging and the training run's own messages go to stdout, where a command's output goes.
    jsa="$dir/$name-$jvm_id.aot" quiet="-Xlog:aot=off -Xlog:cds=off"
    use="-XX:AOTCache=" write="-XX:+UnlockDiagnosticVMOptions -XX:-DisplayVMOutput -XX:AOTCacheOutput="
    check=(-XX:AOTMode=on -XX:AOTCache=)
  else
    jsa="$dir/$name-$jvm_id.jsa" quiet="-Xlog:cds=off -Xlog:cds+dynamic=off"
    use="-XX:SharedArchiveFile=" write="-XX:ArchiveClassesAtExit=" check=(-Xshare:on -XX:SharedArchiveFile=)
  fi
  # NAME.PID is a finished or half-written archive, NAME.PID.config a training run's leftover (JDK 25).
  for part in "$jsa".*; do
    [ -e "$part" ] || continue
    rest=${part#"$jsa."} pid=${rest%%.*}
    [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null || continue
    if [ "$rest" = "$pid" ] && [ "$part" -nt "$jar" ] && [ ! "$jsa" -nt "$jar" ] && "$java_bin" "${check[0]}" \
        -XX:+VerifySharedSpaces "${check[1]}$part" -XX:ErrorFile=/dev/null -cp "$jar" -version >/dev/null 2>&1; then
      mv -f "$part" "$jsa"
    else
      rm -f "$part"
    fi
  done
  if [ -f "$jsa" ] && [ "$jsa" -nt "$jar" ]; then
    echo "$use$jsa $quiet"
  elif ! compgen -G "$jsa.*" >/dev/null; then
    echo "$write$jsa.$owner $quiet"
  fi
}

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

# class_data_flags JAR NAME OWNER: prints the JVM flags for command NAME of JAR, run as process OWNER (the pid the
# JVM will have, or one that outlives it): use the archive, or write one at exit.
class_data_flags() {
  local jar=$1 name=$2 owner=$3 dir java_bin jvm_id jsa part pid
  [ "${FERRY_CDS:-1}" = 1 ] || return 0
  [[ $name =~ ^[a-z][a-z-]*$ ]] || return 0
  dir="$(dirname "$jar")/cds"
  mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ] || return 0
  java_bin=$(readlink -f "$(command -v java)") || return 0
  jvm_id=$(stat -c %Y "$java_bin") || return 0
  jsa="$dir/$name-$jvm_id.jsa"
  for part in "$jsa".*; do
    [ -e "$part" ] || continue
    pid=${part##*.}
    [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null || continue
    if [ "$part" -nt "$jar" ] && [ ! "$jsa" -nt "$jar" ] && java -Xshare:on -XX:+VerifySharedSpaces \
        -XX:SharedArchiveFile="$part" -XX:ErrorFile=/dev/null -cp "$jar" -version >/dev/null 2>&1; then
      mv -f "$part" "$jsa"
    else
      rm -f "$part"
    fi
  done
  if [ -f "$jsa" ] && [ "$jsa" -nt "$jar" ]; then
    echo "-XX:SharedArchiveFile=$jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
  elif ! compgen -G "$jsa.*" >/dev/null; then
    echo "-XX:ArchiveClassesAtExit=$jsa.$owner -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
}

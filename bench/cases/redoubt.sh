#!/usr/bin/env bash
# Redoubt, as built in this checkout and started by ./redoubt, against the bench cluster
# and both S3 regions (config written by redoubt-bench.sh to $BENCH_RUN/redoubt.yaml).
#   cases/redoubt.sh backup     logical backup of $PGDATABASE to regions A and B at once
#   cases/redoubt.sh restore    full restore of the latest backup into the next pre-made empty
#                               database rdrestore_N (redoubt-bench.sh creates the pool before timing)
#   cases/redoubt.sh verify     redoubt verify of the latest backup (local sandbox, 2 jobs); reports
#                               into $BENCH_RUN/verify-report
# REDOUBT_JAVA_OPTS: JVM options (default -Xmx512m: the heap cap Redoubt is held to).
set -euo pipefail
. "$(dirname "$0")/../env.sh"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
CONF="$BENCH_RUN/redoubt.yaml"
# the launcher users run (unpacked jar, class-data sharing), with the 512 MB heap cap
run() { REDOUBT_NO_BUILD=1 JAVA_OPTS="${REDOUBT_JAVA_OPTS:--Xmx512m -XX:+UseSerialGC}" exec "$ROOT/redoubt" --config "$CONF" "$@"; }
case "${1:?backup|restore}" in
  backup)  run backup --source bench ;;
  restore) n=$(next_slot rdrestore)
           run restore --source bench --backup latest --jobs 2 \
             --target "jdbc:postgresql://127.0.0.1:$PGPORT/rdrestore_$n" ;;
  verify)  run verify --source bench --backup latest --jobs 2 --sandbox local --report "$BENCH_RUN/verify-report" ;;
  *) bench_die "unknown variant $1" ;;
esac

#!/usr/bin/env bash
# Point-in-time recovery with replay, Redoubt against pgBackRest, on the archive and base backups that
# bench/redoubt-wal-bench.sh left (both tools received the same WAL through one archive_command):
# restore to the end of the archive into an empty directory, replay, promote, stop (Redoubt) against
# pgbackrest restore + start until promoted + stop. Paired rounds after a warm-up; prints seconds.
#   bench/redoubt-pitr-bench.sh [SCALE=50] [PAIRS=3]
set -euo pipefail
. "$(dirname "$0")/env.sh"
SCALE="${1:-50}"; PAIRS="${2:-3}"; DB="bench$SCALE"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
CONF="$BENCH_RUN/redoubt-wal-redoubt-wal-$DB.yaml"
[ -f "$CONF" ] || bench_die "run bench/redoubt-wal-bench.sh $SCALE first"
now() { date +%s.%N; }
rm -rf "$BENCH_WORK"/redoubt-pitr-* "$BENCH_WORK"/pgbr-pitr-*
for i in $(seq 0 "$PAIRS"); do
  dir="$BENCH_WORK/redoubt-pitr-$i"
  t0=$(now)
  REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" "$ROOT/redoubt" --config "$CONF" restore --source "$DB" \
    --type physical --data-dir "$dir" --latest >"$BENCH_WORK/pitr-$i.txt" 2>&1 || bench_die "redoubt restore failed"
  t1=$(now)
  pdir="$BENCH_WORK/pgbr-pitr-$i"
  bench_pgbr_recover "$pdir"
  t2=$(now)
  walfiles=$(grep -o '[0-9]* WAL files replayed' "$BENCH_WORK/pitr-$i.txt" || true)
  rm -rf "$dir" "$pdir"
  awk -v i="$i" -v a="$t0" -v b="$t1" -v c="$t2" -v w="$walfiles" \
    'BEGIN { printf "%s redoubt %.2f pgbackrest %.2f ratio %.2f (%s)\n", (i == 0) ? "warm-up" : "pair " i, b - a, c - b, (b - a) / (c - b), w }'
done

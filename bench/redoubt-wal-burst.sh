#!/usr/bin/env bash
# Per-segment cost of archive_command with the wal-archiver reading ahead, as on a busy server:
# the 16 staged segments become ready at once (a fake pg_wal with archive_status/*.ready, made after
# the archiver is up), then wal-push is called for each in turn, as PostgreSQL's archiver calls it.
# Prints one line per round: seconds per segment, from the first wal-push to the last one's exit 0.
#   bench/redoubt-wal-burst.sh CONFIG_PREFIX_BASE ROUNDS   (after redoubt-wal-bench.sh staged the segments)
set -euo pipefail
. "$(dirname "$0")/env.sh"
BASE="${1:-walburst}"
ROUNDS="${2:-3}"
SCALE="${SCALE:-50}"
DB="bench$SCALE"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
CLIENT="$ROOT/backup-core/src/main/resources/dev/redoubt/core/wal/redoubt-wal.sh"
SEGMENTS=("$BENCH_WORK"/wal-stage/[0-9A-F]*)
for round in $(seq 1 "$ROUNDS"); do
  conf="$BENCH_RUN/redoubt-wal-burst.yaml"
  sed "s/prefix: [^,]*,/prefix: $BASE-$round-$$,/" "$BENCH_RUN/redoubt-wal-redoubt-wal-$DB.yaml" > "$conf"
  fake="$BENCH_WORK/burst-pg_wal"; spool="$BENCH_WORK/burst-spool"
  rm -rf "$fake" "$spool"; mkdir -p "$fake/archive_status"
  for seg in "${SEGMENTS[@]}"; do ln "$seg" "$fake/${seg##*/}" 2>/dev/null || cp "$seg" "$fake/"; done
  chmod -R a+rX "$fake"
  REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m" "$ROOT/redoubt" --config "$conf" wal-archiver --source "$DB" \
    --spool "$spool" --jobs 2 --data-dir "$(dirname "$fake")/burst-data" >/dev/null 2>&1 &
  pid=$!
  until [ -f "$spool/heartbeat" ]; do sleep 0.1; done
  # the archiver watches <data-dir>/pg_wal: point it at the fake one
  mkdir -p "$BENCH_WORK/burst-data"; ln -sfn "$fake" "$BENCH_WORK/burst-data/pg_wal"
  t0=$(date +%s.%N)
  for seg in "${SEGMENTS[@]}"; do touch "$fake/archive_status/${seg##*/}.ready"; done
  for seg in "${SEGMENTS[@]}"; do
    as_pg "$CLIENT" wal-push --spool "$spool" "$fake/${seg##*/}" || { echo "wal-push failed" >&2; exit 1; }
  done
  t1=$(date +%s.%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v a="$t0" -v b="$t1" -v n="${#SEGMENTS[@]}" 'BEGIN { printf "%.4f\n", (b - a) / n }'
done

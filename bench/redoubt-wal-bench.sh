#!/usr/bin/env bash
# WAL archiving, base backups and point-in-time recovery, against pgBackRest on the same cluster
# in the same run:
#   1. per-segment cost of archive_command: Redoubt's thin wal-push with a running wal-archiver
#      (no reading ahead: each segment uploaded when asked, as a cold start would) and the JVM-per-segment
#      wal-push, against `pgbackrest archive-push` to one region and to two; 16 staged real segments
#   2. archive lag under pgbench running as fast as it can, with the archiver reading ahead
#   3. base backup to two regions against a pgBackRest full backup to one
#   4. point-in-time recovery with replay (to the end of the archive, after pgbench wrote on top of the
#      base backup) against `pgbackrest restore` + start until promoted
#   bench/redoubt-wal-bench.sh [SCALE=50] [PGBENCH_SECONDS=60]
# Writes raw results to $BENCH_RUN/results/redoubt-wal-scaleN-STAMP/ and docs/benchmarks-wal.md.
set -euo pipefail
. "$(dirname "$0")/env.sh"
SCALE="${1:-50}"
PGBENCH_SECONDS="${2:-60}"
PAIRS="${PAIRS:-3}"
DB="bench$SCALE"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
RES="$BENCH_RUN/results/redoubt-wal-scale$SCALE-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RES" "$BENCH_WORK"
"$BENCH_DIR/gen-data.sh" "$SCALE" "$DB"
[ -f "$PGBR_CONF" ] || "$BENCH_DIR/lib/pgbackrest-conf.sh" >/dev/null
[ -s "$BENCH_RUN/redoubt.key" ] || "$ROOT/redoubt" key-generate --out "$BENCH_RUN/redoubt.key" >/dev/null
CLIENT="$ROOT/backup-core/src/main/resources/dev/redoubt/core/wal/redoubt-wal.sh"
config() {   # config PREFIX -> a config file whose repository lives under PREFIX in both regions
  local file="$BENCH_RUN/redoubt-wal-$1.yaml"
  cat > "$file" <<YAML
redoubt:
  sources:
    $DB:
      url: jdbc:postgresql://127.0.0.1:$PGPORT/$DB
      username: $PGUSER
  repositories:
    - { name: region-a, endpoint: "http://127.0.0.1:$S3_A_HTTP_PORT", region: $S3_A_REGION, bucket: $S3_BUCKET,
        prefix: $1, path-style: true, access-key: $S3_ACCESS_KEY, secret-key: $S3_SECRET_KEY }
    - { name: region-b, endpoint: "http://127.0.0.1:$S3_B_HTTP_PORT", region: $S3_B_REGION, bucket: $S3_BUCKET,
        prefix: $1, path-style: true, access-key: $S3_ACCESS_KEY, secret-key: $S3_SECRET_KEY }
  encryption:
    key-file: $BENCH_RUN/redoubt.key
  backup:
    workers: 2
  restore:
    jobs: 2
YAML
  echo "$file"
}
redoubt() { local conf=$1; shift; REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" "$ROOT/redoubt" --config "$conf" "$@"; }
now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ARCHIVER_PID=""
start_archiver() {   # start_archiver CONF SPOOL [--data-dir DIR]
  local conf=$1 spool=$2; shift 2
  rm -rf "$spool"
  REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m" "$ROOT/redoubt" --config "$conf" wal-archiver --source "$DB" \
    --spool "$spool" --jobs 2 "$@" >>"$RES/archiver.log" 2>&1 &
  ARCHIVER_PID=$!
  until [ -f "$spool/heartbeat" ]; do sleep 0.1; done
}
stop_archiver() {   # a JVM stopped by SIGTERM exits 143: not a failure of the bench
  if [ -n "$ARCHIVER_PID" ]; then kill "$ARCHIVER_PID" 2>/dev/null || true; wait "$ARCHIVER_PID" 2>/dev/null || true; fi
  ARCHIVER_PID=""
}
trap stop_archiver EXIT

# ---- 1. per-segment cost ---------------------------------------------------------------------
bench_log "staging 16 WAL segments"
if [ "$(ls "$BENCH_WORK/wal-stage" 2>/dev/null | wc -l)" -lt 16 ]; then
  mkdir -p "$BENCH_WORK/wal-stage"; rm -f "$BENCH_WORK"/wal-stage/*
  for i in $(seq 16); do
    pgbench -n -N -T 2 -c 2 "$DB" >/dev/null 2>&1
    seg=$(bench_psql -d "$DB" -Atc "SELECT pg_walfile_name(pg_current_wal_insert_lsn())")
    bench_psql -d "$DB" -Atc "SELECT pg_switch_wal()" >/dev/null
    cp "$PGDATA/pg_wal/$seg" "$BENCH_WORK/wal-stage/$seg"
  done
fi
chmod 755 "$BENCH_WORK" "$BENCH_WORK/wal-stage"; chmod 644 "$BENCH_WORK"/wal-stage/*
SEGMENTS=("$BENCH_WORK"/wal-stage/[0-9A-F]*)
N=${#SEGMENTS[@]}
spool_push() {   # one run: a fresh repository prefix, a running archiver, each segment pushed in turn
  local conf spool t0 t1
  conf=$(config "walbench-redoubt-$1"); spool="$BENCH_WORK/walbench-spool"
  start_archiver "$conf" "$spool"
  t0=$(now)
  for seg in "${SEGMENTS[@]}"; do as_pg "$CLIENT" wal-push --spool "$spool" "$seg" || bench_die "wal-push failed"; done
  t1=$(now)
  stop_archiver
  awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN { printf "%.4f\n", (b - a) / n }'
}
pgbr_push() {   # pgbackrest archive-push, one process per segment, to repo1 (a) or both (ab)
  local t0 t1 n path
  # the case pushes into a fresh repository path; its stanza is made first, untimed
  n=$(( $(cat "$BENCH_WORK/pgbr-walpush-$1.slot" 2>/dev/null || echo 0) + 1 )); path="/walbench/$1-$n"
  if [ "$1" = a ]; then
    as_pg pgbackrest --config="$BENCH_RUN/pgbackrest/pgbackrest-a.conf" --stanza="$PGBR_STANZA" --repo1-path="$path" stanza-create >/dev/null 2>&1
  else
    as_pg pgbackrest --config="$PGBR_CONF" --stanza="$PGBR_STANZA" --repo1-path="$path" --repo2-path="$path" stanza-create >/dev/null 2>&1
  fi
  t0=$(now); "$BENCH_DIR/cases/pgbackrest.sh" wal-push "$1" >/dev/null 2>&1 || bench_die "archive-push failed"; t1=$(now)
  awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN { printf "%.4f\n", (b - a) / n }'
}
bench_log "per-segment cost, $PAIRS rounds of: redoubt (spool, 2 regions), pgbackrest 1 region, pgbackrest 2 regions"
for i in $(seq 0 "$PAIRS"); do   # round 0 is the warm-up
  r=$(spool_push "$i-$$"); a=$(pgbr_push a); ab=$(pgbr_push ab)
  [ "$i" = 0 ] && continue
  echo "$r" >> "$RES/push-redoubt"; echo "$a" >> "$RES/push-pgbr-a"; echo "$ab" >> "$RES/push-pgbr-ab"
done
bench_log "JVM per segment (wal-push without --spool), 4 segments"
conf=$(config "walbench-direct-$$"); t0=$(now)
for seg in "${SEGMENTS[@]:0:4}"; do redoubt "$conf" wal-push --source "$DB" "$seg" >/dev/null 2>&1; done
t1=$(now); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", (b - a) / 4 }' > "$RES/push-direct"

# ---- 2. archive lag under pgbench --------------------------------------------------------------
CONF=$(config "redoubt-wal-$DB")
rm -rf "$S3_A_DIR/$S3_BUCKET/redoubt-wal-$DB" "$S3_B_DIR/$S3_BUCKET/redoubt-wal-$DB"
SPOOL="$BENCH_WORK/redoubt-spool"
start_archiver "$CONF" "$SPOOL" --data-dir "$PGDATA"
# every segment goes to Redoubt and to pgBackRest, so both restores below replay the same WAL
bench_set_archive_command "$CLIENT wal-push --spool $SPOOL %p && pgbackrest --config=$PGBR_CONF --stanza=$PGBR_STANZA archive-push %p"
bench_psql -d "$DB" -Atc "SELECT pg_switch_wal()" >/dev/null
bench_log "base backups: redoubt (2 regions) and pgbackrest full (repo1), $PAIRS pairs after a warm-up"
for i in $(seq 0 "$PAIRS"); do
  t0=$(now); redoubt "$CONF" backup --source "$DB" --type base >"$RES/base-$i.txt" 2>&1 || bench_die "base backup failed"; t1=$(now)
  "$BENCH_DIR/cases/pgbackrest.sh" backup 1 zst >/dev/null 2>&1 || bench_die "pgbackrest backup failed"; t2=$(now)
  [ "$i" = 0 ] && continue
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >> "$RES/base-redoubt"
  awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f\n", b - a }' >> "$RES/base-pgbr"
done
bench_log "pgbench -N -c 4 -j 2 for ${PGBENCH_SECONDS}s, sampling the archive lag every second"
lsn0=$(bench_psql -d "$DB" -Atc "SELECT pg_current_wal_lsn()")
pgbench -n -N -c 4 -j 2 -T "$PGBENCH_SECONDS" "$DB" >"$RES/pgbench.txt" 2>&1 &
PGBENCH=$!
: > "$RES/lag-samples"
while kill -0 "$PGBENCH" 2>/dev/null; do
  lag=$(awk '/^redoubt_wal_archive_lag_seconds/ { print $2 }' "$SPOOL/metrics.prom" 2>/dev/null)
  pending=$(ls "$PGDATA/pg_wal/archive_status" | grep -c '\.ready$' || true)
  echo "$(date +%s) ${lag:--1} $pending" >> "$RES/lag-samples"
  sleep 1
done
wait "$PGBENCH" || true
lsn1=$(bench_psql -d "$DB" -Atc "SELECT pg_current_wal_lsn()")
WAL_BYTES=$(bench_psql -d "$DB" -Atc "SELECT pg_wal_lsn_diff('$lsn1', '$lsn0')::bigint")
bench_psql -d "$DB" -Atc "SELECT pg_switch_wal()" >/dev/null
# wait until PostgreSQL has handed every segment over
until [ "$(ls "$PGDATA/pg_wal/archive_status" | grep -c '\.ready$' || true)" = 0 ]; do sleep 0.5; done
stop_archiver

# ---- 4. point-in-time recovery with replay ------------------------------------------------------
bench_log "PITR to the end of the archive: redoubt restore --type physical vs pgbackrest restore + start, $PAIRS pairs"
rm -rf "$BENCH_WORK"/redoubt-pitr-* "$BENCH_WORK"/pgbr-pitr-*
for i in $(seq 0 "$PAIRS"); do
  dir="$BENCH_WORK/redoubt-pitr-$i"
  t0=$(now); redoubt "$CONF" restore --source "$DB" --type physical --data-dir "$dir" --latest >"$RES/pitr-$i.txt" 2>&1 \
    || bench_die "redoubt restore failed: $(tail -3 "$RES/pitr-$i.txt")"; t1=$(now)
  pdir="$BENCH_WORK/pgbr-pitr-$i"; mkdir -p "$pdir"; chown "$PG_OS_USER" "$pdir"; chmod 700 "$pdir"
  as_pg pgbackrest --config="$PGBR_CONF" --stanza="$PGBR_STANZA" --repo=1 --pg1-path="$pdir" \
    --type=default --archive-mode=off restore >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$pdir" -l "$pdir/restore.log" -w -t 600 -o "-p 55434 -k $pdir -c listen_addresses=''" start >/dev/null
  until [ "$(psql -X -At -h "$pdir" -p 55434 -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; do sleep 0.1; done
  as_pg "$PG_BIN/pg_ctl" -D "$pdir" -m fast -w stop >/dev/null; t2=$(now)
  rm -rf "$dir" "$pdir"
  [ "$i" = 0 ] && continue
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >> "$RES/pitr-redoubt"
  awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f\n", b - a }' >> "$RES/pitr-pgbr"
done
bench_set_archive_command "/bin/true"

# ---- report ---------------------------------------------------------------------------------------
pair_ratios() {   # pair_ratios FILE_A FILE_B -> median (min-max) of A/B pair by pair
  paste "$1" "$2" | awk '{ print $1 / $2 }' | sort -g | awk '{ v[NR] = $1 } END {
    med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.2f (%.2f-%.2f)", med, v[1], v[NR] }'
}
m() { median < "$1"; }
wal_mb_s=$(awk -v b="$WAL_BYTES" -v s="$PGBENCH_SECONDS" 'BEGIN { printf "%.1f", b / s / 1048576 }')
max_lag=$(awk '$2 >= 0 { if ($2 > m) m = $2 } END { printf "%.1f", m }' "$RES/lag-samples")
med_lag=$(awk '$2 >= 0 { print $2 }' "$RES/lag-samples" | median)
max_pending=$(awk '{ if ($3 > m) m = $3 } END { print m + 0 }' "$RES/lag-samples")
tps=$(awk '/^tps/ { printf "%.0f", $3 }' "$RES/pgbench.txt")
OUT="$ROOT/docs/benchmarks-wal.md"
{
  echo "### WAL archiving, base backups and point-in-time recovery (scale $SCALE, $(date -u +%Y-%m-%d))"
  echo
  echo "Paired rounds on this machine (2 cores shared by PostgreSQL, both S3Proxy regions, the tools); median"
  echo "of $PAIRS after a warm-up, ratio taken pair by pair (median, range). Raw: \`${RES#$ROOT/}\`."
  echo
  echo "| case | Redoubt | baseline | ratio | target |"
  echo "|---|---|---|---|---|"
  echo "| archive_command per segment, 2 regions (thin wal-push + wal-archiver, no read-ahead) vs \`pgbackrest archive-push\` to 1 region | $(m "$RES/push-redoubt") s | $(m "$RES/push-pgbr-a") s | $(pair_ratios "$RES/push-redoubt" "$RES/push-pgbr-a") | ≤ 0.1 s |"
  echo "| same vs \`pgbackrest archive-push\` to 2 regions | $(m "$RES/push-redoubt") s | $(m "$RES/push-pgbr-ab") s | $(pair_ratios "$RES/push-redoubt" "$RES/push-pgbr-ab") | |"
  echo "| \`redoubt wal-push\` without a spool (a JVM per segment), for contrast | $(cat "$RES/push-direct") s | | | |"
  echo "| base backup to 2 regions vs \`pgbackrest backup --type=full\` to 1 | $(m "$RES/base-redoubt") s | $(m "$RES/base-pgbr") s | $(pair_ratios "$RES/base-redoubt" "$RES/base-pgbr") | ≤ 1 |"
  echo "| PITR to the end of the archive (unpack + replay + promote + stop) vs \`pgbackrest restore\` + start until promoted + stop | $(m "$RES/pitr-redoubt") s | $(m "$RES/pitr-pgbr") s | $(pair_ratios "$RES/pitr-redoubt" "$RES/pitr-pgbr") | – |"
  echo
  echo "Archive lag with \`pgbench -N -c 4 -j 2 -T $PGBENCH_SECONDS\` ($tps tps) writing $wal_mb_s MB/s of WAL, archived to"
  echo "Redoubt (2 regions, archiver reading ahead, 2 uploads at a time) and, in the same archive_command, to pgBackRest:"
  echo "\`redoubt_wal_archive_lag_seconds\` sampled every second: median $med_lag s, max $max_lag s (target < 10 s);"
  echo "at most $max_pending segments waited in \`archive_status\`."
} > "$OUT"
cat "$OUT"

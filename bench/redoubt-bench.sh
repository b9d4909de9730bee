#!/usr/bin/env bash
# Redoubt against the baselines a user would pick instead, on the same data in the same run, as paired
# ratios (A and B alternate, the ratio is taken pair by pair, so drift of the machine's speed cancels).
#   bench/redoubt-bench.sh [SCALE=50] [--only REGEX]
#       writes raw results to $BENCH_RUN/results/redoubt-scaleN-STAMP/ and the summary to
#       docs/benchmarks.md (section for that scale), with the commit they were measured at.
#       --only runs the cases whose names match (e.g. --only 'backup-vs-pg_dump-Fc'); the
#       report keeps the other rows of the previous report, marked as such.
# Every run starts from an empty Redoubt repository and a checkpointed, settled cluster: no
# backup, chunk or restore target left by an earlier run helps or hurts it.
# Needs root (apt-get for pgbackrest etc., PostgreSQL runs as postgres). BENCH_RUNS / BENCH_WARMUP as in env.sh.
set -euo pipefail
. "$(dirname "$0")/env.sh"
SCALE=50 ONLY=.
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift 2 ;;
    [0-9]*) SCALE="$1"; shift ;;
    *) bench_die "usage: redoubt-bench.sh [SCALE] [--only REGEX]" ;;
  esac
done
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
C="$BENCH_DIR/cases"
RES="$BENCH_RUN/results/redoubt-scale$SCALE-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RES"

"$BENCH_DIR/setup.sh"
"$BENCH_DIR/gen-data.sh" "$SCALE"
bench_log "building redoubt"
(cd "$ROOT" && ./mvnw -q -B -DskipTests -Dspring-javaformat.skip=true install)
# the commit measured; "+changes" when the work tree differs from it (besides the reports)
commit=$(git -C "$ROOT" rev-parse --short=10 HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!docs' 2>/dev/null)" ] && commit="$commit+changes"
echo "$commit" > "$RES/commit.txt"

# ---- Redoubt configuration: the bench cluster (trust auth) and both regions over plain HTTP
. "$BENCH_DIR/lib/redoubt-config.sh"
{ redoubt_yaml bench "$PGDATABASE" redoubt-bench
  printf '  backup:\n    workers: %s\n' "${REDOUBT_WORKERS:-2}"; } > "$BENCH_RUN/redoubt.yaml"

# start from an empty Redoubt repository (earlier runs' backups would only fill the disk)
rm -rf "$S3_A_DIR/$S3_BUCKET/redoubt-bench" "$S3_B_DIR/$S3_BUCKET/redoubt-bench"

# no restore target of an earlier run either; then a checkpoint, and the disks settle
for db in $(bench_psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datname ~ '^(rdrestore|restore)_[0-9]+\$'"); do
  bench_psql -d postgres -c "DROP DATABASE $db"; done
bench_psql -d postgres -c CHECKPOINT; sync; sleep "${BENCH_SETTLE_S:-10}"

T=("$BENCH_TIMER" -n "$BENCH_RUNS" --warmup "$BENCH_WARMUP" --timeout 3600)
wanted() { [[ "$1" =~ $ONLY ]]; }
pair() {   # pair NAME 'B command' -- A command...
  local name=$1 vs=$2; shift 3
  wanted "$name" || return 0
  bench_log "case $name"
  "${T[@]}" --vs "$vs" -- "$@" | tee "$RES/$name.txt" >&2
}
single() { local name=$1; shift 2; wanted "$name" || return 0; bench_log "case $name"; "${T[@]}" -- "$@" | tee "$RES/$name.txt" >&2; }

pool() {   # pool PREFIX N: fresh empty databases PREFIX_1..N, slot counter reset
  local p=$1 n=$2 i
  for db in $(bench_psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datname ~ '^${p}_[0-9]+\$'"); do
    bench_psql -d postgres -c "DROP DATABASE $db"; done
  for i in $(seq 1 "$n"); do bench_psql -d postgres -c "CREATE DATABASE ${p}_$i"; done
  rm -f "$BENCH_WORK/$p.slot"
}
SLOTS=$(( (BENCH_RUNS + BENCH_WARMUP) ))

# ---- backup
pair backup-vs-pg_dump-Fc      "$C/pg-dump.sh fc"      -- "$C/redoubt.sh" backup
pair backup-vs-copy-floor-2    "$C/copy-all.sh 2"      -- "$C/redoubt.sh" backup
pair backup-vs-pg_dump-Fd-j2   "$C/pg-dump.sh fd-j2"   -- "$C/redoubt.sh" backup
if command -v pgbackrest >/dev/null; then
  "$BENCH_DIR/lib/pgbackrest-conf.sh" >&2
  bench_set_archive_command "pgbackrest --config=$PGBR_CONF --stanza=$PGBR_STANZA archive-push %p"
  pair backup-vs-pgbackrest-full "$C/pgbackrest.sh backup 1 zst" -- "$C/redoubt.sh" backup
  bench_set_archive_command /bin/true
fi

# ---- restore (dump.fc for pg_restore was written by the pg_dump -Fc case above)
pool restore "$SLOTS"; pool rdrestore "$SLOTS"
pair restore-vs-pg_restore-j2 "$C/pg-restore.sh full" -- "$C/redoubt.sh" restore
pool restore 0; pool rdrestore 0

# ---- verification (restore into a sandbox + ten checks) against a plain full restore of the same backup
pool rdrestore "$SLOTS"
pair verify-vs-restore "$C/redoubt.sh restore" -- "$C/redoubt.sh" verify
pool rdrestore 0

# ---- heap: one backup and one restore with GC logging; peak = largest heap occupancy before a GC
pool rdrestore 1
REDOUBT_JAVA_OPTS="-Xmx512m -Xlog:gc:file=$RES/gc-backup.log" "$C/redoubt.sh" backup >/dev/null 2>&1
REDOUBT_JAVA_OPTS="-Xmx512m -Xlog:gc:file=$RES/gc-restore.log" "$C/redoubt.sh" restore >/dev/null 2>&1
pool rdrestore 0
peak() { grep -oE '[0-9]+M->[0-9]+M' "$1" | sed 's/M->.*//' | sort -n | tail -1; }
echo "backup $(peak "$RES/gc-backup.log") restore $(peak "$RES/gc-restore.log")" > "$RES/heap.txt"
# ---- CPU accounting, one run each: who burns the 2 cores (Redoubt, PostgreSQL, S3Proxy)
pool rdrestore 1; pool restore 1
CPU="$BENCH_DIR/lib/cpu-account.sh"
{
  "$CPU" redoubt-backup -- "$C/redoubt.sh" backup
  "$CPU" pg_dump-Fc -- "$C/pg-dump.sh" fc
  "$CPU" copy-floor-2 -- "$C/copy-all.sh" 2
  "$CPU" redoubt-restore -- "$C/redoubt.sh" restore
  "$CPU" pg_restore-j2 -- "$C/pg-restore.sh" full
} | tee "$RES/cpu.txt" >&2
pool rdrestore 0; pool restore 0
bench_psql -d "$PGDATABASE" -Atc "SELECT pg_database_size(current_database())" > "$RES/dbsize.txt"
"$BENCH_DIR/redoubt-report.sh" "$RES" "$SCALE"
bench_log "results in $RES; docs/benchmarks.md updated"

#!/usr/bin/env bash
# The on-call engineer's number: one table back as of a moment before a bad DELETE, beside the live
# one, with Redoubt against the manual pgBackRest path, on the same cluster, WAL and moment:
#   1. a base backup by both tools (one archive_command sends every segment to both)
#   2. PGBENCH_SECONDS of `pgbench -N -c 4` traffic; the moment T and an exact fingerprint of
#      pgbench_accounts (row count and the sum of a 64-bit hash of every row); 60 s more traffic;
#      DELETE FROM pgbench_accounts WHERE aid % 10 = 0; 60 s more traffic; the WAL archived
#   3. PAIRS pairs after a warm-up, the order alternating:
#        redoubt  restore --table pgbench_accounts --as-of T (one command; beside the live table)
#        manual   pgbackrest restore --type=time --target=T into a spare directory | start until
#                 promoted | pg_dump -Fc -t the table (moved into a schema of its own first, so that it
#                 lands beside the live one) | pg_restore into the live database
#      each restored copy is checked against the fingerprint, then dropped (untimed)
#   [PGBENCH_SECONDS=300] [AFTER_SECONDS=60] bench/redoubt-table-pitr-bench.sh [SCALE=50] [PAIRS=2]
# Needs bench/setup.sh. Writes $BENCH_RUN/results/redoubt-table-pitr-scaleN-STAMP/ and
# docs/benchmarks-table-pitr.md (whose "Reading it" section is written by hand after a run).
set -euo pipefail
shopt -s inherit_errexit   # a failed step inside $(run_manual) stops the run
. "$(dirname "$0")/env.sh"
SCALE="${1:-50}"; PAIRS="${2:-2}"; DB="bench$SCALE"
PGBENCH_SECONDS="${PGBENCH_SECONDS:-300}"
AFTER_SECONDS="${AFTER_SECONDS:-60}"   # traffic before and after the DELETE
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
RES="$BENCH_RUN/results/redoubt-table-pitr-scale$SCALE-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RES" "$BENCH_WORK"
git -C "$ROOT" rev-parse --short=10 HEAD > "$RES/commit.txt" 2>/dev/null || echo unknown > "$RES/commit.txt"
"$BENCH_DIR/gen-data.sh" "$SCALE" "$DB"
[ -f "$PGBR_CONF" ] || "$BENCH_DIR/lib/pgbackrest-conf.sh" >/dev/null
[ -s "$BENCH_RUN/redoubt.key" ] || "$ROOT/redoubt" key-generate --out "$BENCH_RUN/redoubt.key" >/dev/null
CLIENT="$ROOT/backup-core/src/main/resources/dev/redoubt/core/wal/redoubt-wal.sh"
PREFIX="table-pitr-$DB"
CONF="$BENCH_RUN/redoubt-$PREFIX.yaml"
cat > "$CONF" <<YAML
redoubt:
  sources:
    $DB:
      url: jdbc:postgresql://127.0.0.1:$PGPORT/$DB
      username: $PGUSER
  repositories:
    - { name: region-a, endpoint: "http://127.0.0.1:$S3_A_HTTP_PORT", region: $S3_A_REGION, bucket: $S3_BUCKET,
        prefix: $PREFIX, path-style: true, access-key: $S3_ACCESS_KEY, secret-key: $S3_SECRET_KEY }
    - { name: region-b, endpoint: "http://127.0.0.1:$S3_B_HTTP_PORT", region: $S3_B_REGION, bucket: $S3_BUCKET,
        prefix: $PREFIX, path-style: true, access-key: $S3_ACCESS_KEY, secret-key: $S3_SECRET_KEY }
  encryption:
    key-file: $BENCH_RUN/redoubt.key
  backup:
    workers: 2
  restore:
    jobs: 2
YAML
redoubt() { REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" "$ROOT/redoubt" --config "$CONF" "$@"; }
now() { date +%s.%N; }
q() { bench_psql -d "$DB" -Atc "$1"; }
fingerprint() { q "SELECT count(*) || ' ' || coalesce(sum(hashtextextended(t::text, 0)), 0) FROM $1 t"; }
ARCHIVER_PID=""
stop_archiver() {
  if [ -n "$ARCHIVER_PID" ]; then kill "$ARCHIVER_PID" 2>/dev/null || true; wait "$ARCHIVER_PID" 2>/dev/null || true; fi
  ARCHIVER_PID=""
  bench_set_archive_command "/bin/true" 2>/dev/null || true
}
trap 'stop_archiver; restore_fk' EXIT

# ---- 1. archiving to both tools, a base backup by each --------------------------------------------
# pgbench's own schema: without the foreign key gen-data.sh adds (pgbench -I f), which would refuse
# both the bad DELETE and pgbench's history rows for the deleted accounts; put back, NOT VALID, at exit
q "ALTER TABLE pgbench_history DROP CONSTRAINT IF EXISTS pgbench_history_aid_fkey" >/dev/null
restore_fk() {
  q "ALTER TABLE pgbench_history ADD CONSTRAINT pgbench_history_aid_fkey FOREIGN KEY (aid)
     REFERENCES pgbench_accounts NOT VALID" >/dev/null 2>&1 || true
}
rm -rf "$S3_A_DIR/$S3_BUCKET/$PREFIX" "$S3_B_DIR/$S3_BUCKET/$PREFIX"
SPOOL="$BENCH_WORK/table-pitr-spool"; rm -rf "$SPOOL"
REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m" "$ROOT/redoubt" --config "$CONF" wal-archiver --source "$DB" \
  --spool "$SPOOL" --jobs 2 --data-dir "$PGDATA" >>"$RES/archiver.log" 2>&1 &
ARCHIVER_PID=$!
until [ -f "$SPOOL/heartbeat" ]; do sleep 0.1; done
bench_set_archive_command "$CLIENT wal-push --spool $SPOOL %p && pgbackrest --config=$PGBR_CONF --stanza=$PGBR_STANZA archive-push %p"
q "SELECT pg_switch_wal()" >/dev/null
bench_log "base backups: redoubt and pgbackrest"
redoubt backup --source "$DB" --type base >"$RES/base-redoubt.txt" 2>&1 || bench_die "redoubt base backup failed"
"$BENCH_DIR/cases/pgbackrest.sh" backup 1 zst >"$RES/base-pgbr.txt" 2>&1 || bench_die "pgbackrest backup failed"

# ---- 2. the incident ----------------------------------------------------------------------------
# the accounts an earlier run deleted (and did not put back) come back as pgbench -i makes them,
# so that the DELETE below deletes a tenth of the table every time
q "INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
   SELECT g, (g - 1) / 100000 + 1, 0, repeat(' ', 84) FROM generate_series(1, $SCALE * 100000) g
   WHERE NOT EXISTS (SELECT FROM pgbench_accounts a WHERE a.aid = g)" >/dev/null
bench_log "pgbench -N -c 4 for ${PGBENCH_SECONDS}s"
pgbench -n -N -c 4 -j 2 -T "$PGBENCH_SECONDS" "$DB" >"$RES/pgbench-1.txt" 2>&1
T=$(q "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
EXPECTED=$(fingerprint pgbench_accounts)
echo "$T $EXPECTED" > "$RES/moment.txt"
bench_log "T = $T, pgbench_accounts = $EXPECTED; ${AFTER_SECONDS} s more, the bad DELETE, ${AFTER_SECONDS} s more"
pgbench -n -N -c 4 -j 2 -T "$AFTER_SECONDS" "$DB" >"$RES/pgbench-2.txt" 2>&1
q "WITH d AS (DELETE FROM pgbench_accounts WHERE aid % 10 = 0 RETURNING 1) SELECT count(*) FROM d" > "$RES/deleted.txt"
pgbench -n -N -c 4 -j 2 -T "$AFTER_SECONDS" "$DB" >"$RES/pgbench-3.txt" 2>&1
segment=$(q "SELECT pg_walfile_name(pg_current_wal_insert_lsn())")
q "SELECT pg_switch_wal()" >/dev/null
until [ "$(q "SELECT coalesce(last_archived_wal, '') >= '$segment' FROM pg_stat_archiver")" = t ]; do sleep 0.5; done
stop_archiver

# ---- 3. the restores ----------------------------------------------------------------------------
run_redoubt() {   # run_redoubt I -> seconds; the table checked and dropped
  local t0 t1 schema
  t0=$(now)
  redoubt restore --source "$DB" --table pgbench_accounts --as-of "$T" --output json \
    >"$RES/redoubt-$1.json" 2>"$RES/redoubt-$1.log" || bench_die "redoubt restore failed: $RES/redoubt-$1.log"
  t1=$(now)
  schema=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"][0]["restoredAs"].split(".")[0])' \
    "$RES/redoubt-$1.json")
  [ "$(fingerprint "$schema.pgbench_accounts")" = "$EXPECTED" ] || bench_die "redoubt's copy differs from the moment"
  q "DROP SCHEMA $schema CASCADE" >/dev/null
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
run_manual() {   # run_manual I -> seconds, and the steps in $RES/manual-I.txt
  local dir="$BENCH_WORK/table-pitr-spare-$1" t0 t1 t2 t3 t4
  rm -rf "$dir"; mkdir -p "$dir"; chown "$PG_OS_USER" "$dir"; chmod 700 "$dir"
  t0=$(now)
  as_pg pgbackrest --config="$PGBR_CONF" --stanza="$PGBR_STANZA" --repo=1 --pg1-path="$dir" --type=time \
    "--target=$(echo "$T" | sed 's/T/ /; s/Z$/+00/')" --target-action=promote --archive-mode=off restore >/dev/null
  t1=$(now)
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/restore.log" -w -t 3600 -o "-p 55435 -k $dir -c listen_addresses=''" start >/dev/null
  until [ "$(psql -X -At -h "$dir" -p 55435 -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; do sleep 0.1; done
  t2=$(now)
  psql -X -q -h "$dir" -p 55435 -d "$DB" -c "CREATE SCHEMA manual_restore; ALTER TABLE pgbench_accounts SET SCHEMA manual_restore"
  pg_dump -h "$dir" -p 55435 -Fc -n manual_restore -f "$BENCH_WORK/table-pitr-$1.dump" "$DB"
  t3=$(now)
  pg_restore -d "$DB" "$BENCH_WORK/table-pitr-$1.dump"
  t4=$(now)
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null
  [ "$(fingerprint manual_restore.pgbench_accounts)" = "$EXPECTED" ] || bench_die "the manual copy differs from the moment"
  # what the engineer does next (untimed): the deleted accounts back into the live table
  q "INSERT INTO pgbench_accounts SELECT * FROM manual_restore.pgbench_accounts ON CONFLICT (aid) DO NOTHING" >/dev/null
  q "DROP SCHEMA manual_restore CASCADE" >/dev/null
  rm -rf "$dir" "$BENCH_WORK/table-pitr-$1.dump"
  awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" \
    'BEGIN { printf "restore %.2f start+replay %.2f pg_dump %.2f pg_restore %.2f\n", b - a, c - b, d - c, e - d }' \
    > "$RES/manual-$1.txt"
  awk -v a="$t0" -v b="$t4" 'BEGIN { printf "%.2f\n", b - a }'
}
for i in $(seq 0 "$PAIRS"); do   # pair 0 is the warm-up
  bench_log "pair $i"
  if [ $((i % 2)) = 0 ]; then r=$(run_redoubt "$i"); m=$(run_manual "$i")
  else m=$(run_manual "$i"); r=$(run_redoubt "$i"); fi
  echo "$i $r $m" >> "$RES/pairs.txt"
done

# ---- report -------------------------------------------------------------------------------------
python3 - "$RES" "$SCALE" "$PGBENCH_SECONDS" "$AFTER_SECONDS" > "$ROOT/docs/benchmarks-table-pitr.md" <<'PY'
import json, os, sys
res, scale, seconds, after = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
commit = open(os.path.join(res, "commit.txt")).read().strip()
deleted = open(os.path.join(res, "deleted.txt")).read().strip() if os.path.exists(os.path.join(res, "deleted.txt")) else "?"
pairs = [line.split() for line in open(os.path.join(res, "pairs.txt"))]
print("# Benchmark: one table as of a moment before a bad DELETE\n")
print(f"Written by `bench/redoubt-table-pitr-bench.sh {scale}` at commit `{commit}`; raw results in `{os.path.relpath(res)}`.")
print(f"Scale {scale} (`pgbench_accounts` ~{int(scale) * 13} MB), a base backup by both tools, {seconds} s of "
      f"`pgbench -N -c 4`, the moment T, {after} s more, `DELETE FROM pgbench_accounts WHERE aid % 10 = 0` ({deleted} rows), "
      f"{after} s more (pgbench's own schema: the foreign key `pgbench -I f` adds is dropped for the run). "
      "Both copies are checked equal to the table's fingerprint at T (row count and the sum of a 64-bit hash of "
      "every row) before they are dropped. Pair 0 is a warm-up; the order alternates.\n")
print("| pair | redoubt restore --table --as-of, s | manual pgBackRest path, s | ratio |")
print("|---|---|---|---|")
ratios = []
for i, r, m in pairs:
    ratio = float(r) / float(m)
    if i != "0":
        ratios.append(ratio)
    print(f"| {'warm-up' if i == '0' else i} | {r} | {m} | {ratio:.2f} |")
if ratios:
    import statistics
    print(f"\nPaired ratio (Redoubt / manual), median of {len(ratios)}: **{statistics.median(ratios):.2f}×** "
          f"({min(ratios):.2f}–{max(ratios):.2f}; goal ≤ 0.6×).\n")
print("## Where the time goes\n")
print("| pair | Redoubt: fetch + unpack | replay | copy out of the sandbox | restore beside | fetched | zero-filled | WAL segments | manual: pgbackrest restore | start + replay | pg_dump | pg_restore |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for i, r, m in pairs:
    rec = json.load(open(os.path.join(res, f"redoubt-{i}.json")))["recovery"]
    manual = open(os.path.join(res, f"manual-{i}.txt")).read().split()
    print(f"| {i} | {rec['unpackMs'] / 1000:.1f} | {rec['replayMs'] / 1000:.1f} | {rec['copyMs'] / 1000:.1f} | "
          f"{rec['restoreMs'] / 1000:.1f} | {rec['fetchedBytes'] / 2**20:.0f} MiB | {rec['leftOutBytes'] / 2**20:.0f} MiB "
          f"({rec['leftOutFiles']} files) | {rec['walSegments']} | {manual[1]} | {manual[3]} | {manual[5]} | {manual[7]} |")
PY
cat "$ROOT/docs/benchmarks-table-pitr.md"

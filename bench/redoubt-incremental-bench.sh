#!/usr/bin/env bash
# Nightly logical backups that share chunks (redoubt.backup.shared-chunks), after a day's churn,
# against pg_dump -Fc of the same database in the same run:
#   1. a first backup (everything uploaded)
#   2. NIGHTS nights of the churn OLTP tables usually see: the newest 1% of pgbench_accounts
#      updated, 1% new rows inserted, the oldest 0.1% deleted; then the nightly backup and
#      pg_dump -Fc, the order alternating; what the backup uploaded is counted by the backup
#      (uploadedBytes) and checked at the store (the bytes of objects that appeared)
#   3. UNIFORM_NIGHTS nights of 1% of rows updated uniformly at random (about half the pages at
#      fillfactor 100): the same, reported without a target
#   each night also a base backup of the whole cluster (format 2 shares its slices too): what it
#   uploaded against what the first base backup stored
#   4. a full backup of the same state sharing nothing (shared-chunks: false, format 1); then the
#      newest backup (the tenth with the defaults), the first and that full one restored, PAIRS
#      rounds with the order rotating, the newest compared with the source: newest/first is the
#      goal, newest/full separates what ten nights of shared chunks cost from what the data's
#      growth and order cost
# pgbench's foreign key from pgbench_history is dropped for the run (the deletes would break it)
# and put back NOT VALID at exit.
#   [CHUNK=8MB] [PAIRS=3] bench/redoubt-incremental-bench.sh [SCALE=50] [NIGHTS=6] [UNIFORM_NIGHTS=3]
# RESTORE_ONLY=RESULTS_DIR runs step 4 again on the repository and results a run left.
# Needs bench/setup.sh. Writes $BENCH_RUN/results/redoubt-incremental-scaleN-STAMP/ and
# docs/benchmarks-incremental.md (whose "Reading it" section is written by hand after a run).
set -euo pipefail
shopt -s inherit_errexit
. "$(dirname "$0")/env.sh"
SCALE="${1:-50}"; NIGHTS="${2:-6}"; UNIFORM_NIGHTS="${3:-3}"; DB="bench$SCALE"
CHUNK="${CHUNK:-8MB}"; PAIRS="${PAIRS:-3}"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
RES="${RESTORE_ONLY:-$BENCH_RUN/results/redoubt-incremental-scale$SCALE-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$RES" "$BENCH_WORK"
[ -n "${RESTORE_ONLY:-}" ] || git -C "$ROOT" rev-parse --short=10 HEAD > "$RES/commit.txt" 2>/dev/null \
  || echo unknown > "$RES/commit.txt"
"$BENCH_DIR/gen-data.sh" "$SCALE" "$DB"
. "$BENCH_DIR/lib/redoubt-config.sh"
PREFIX="incremental-$DB"
CONF="$BENCH_RUN/redoubt-$PREFIX.yaml"
{ redoubt_yaml "$DB" "$DB" "$PREFIX"
  printf '  backup:\n    workers: 2\n    chunk-size: %s\n    shared-chunks: true\n  restore:\n    jobs: 2\n' "$CHUNK"; } > "$CONF"
[ -n "${RESTORE_ONLY:-}" ] || rm -rf "$S3_A_DIR/$S3_BUCKET/$PREFIX" "$S3_B_DIR/$S3_BUCKET/$PREFIX"
redoubt() { REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" "$ROOT/redoubt" --config "$CONF" "$@"; }
now() { date +%s.%N; }
q() { bench_psql -d "$DB" -Atc "$1"; }
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
store_bytes() { du -sb --apparent-size "$S3_A_DIR/$S3_BUCKET/$PREFIX/$DB/${1:-}chunks" 2>/dev/null | cut -f1; }
q "ALTER TABLE pgbench_history DROP CONSTRAINT IF EXISTS pgbench_history_aid_fkey" >/dev/null
restore_fk() {
  q "ALTER TABLE pgbench_history ADD CONSTRAINT pgbench_history_aid_fkey FOREIGN KEY (aid)
     REFERENCES pgbench_accounts NOT VALID" >/dev/null 2>&1 || true
}
trap restore_fk EXIT

backup() {   # backup NAME -> seconds; JSON in $RES/NAME.json
  local t0 t1 before after
  before=$(store_bytes || echo 0); before=${before:-0}
  t0=$(now)
  redoubt backup --source "$DB" --output json >"$RES/$1.json" 2>"$RES/$1.log" || bench_die "backup failed: $RES/$1.log"
  t1=$(now)
  after=$(store_bytes)
  echo $((after - before)) > "$RES/$1.store-growth"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
base() {   # base NAME -> seconds; JSON in $RES/NAME-base.json
  local t0 t1 before after
  before=$(store_bytes base/ || echo 0); before=${before:-0}
  t0=$(now)
  redoubt backup --source "$DB" --type base --output json >"$RES/$1-base.json" 2>"$RES/$1-base.log" \
    || bench_die "base backup failed: $RES/$1-base.log"
  t1=$(now)
  after=$(store_bytes base/)
  echo $((after - before)) > "$RES/$1-base.store-growth"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
dump() {   # dump NAME -> seconds
  local t0 t1
  t0=$(now)
  pg_dump -Fc -f "$BENCH_WORK/incremental.fc" "$DB"
  t1=$(now)
  stat -c %s "$BENCH_WORK/incremental.fc" > "$RES/$1.dump-bytes"
  rm -f "$BENCH_WORK/incremental.fc"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
oltp_day() {
  local n=$((SCALE * 1000))   # 1% of the scale's 100 000 rows per unit
  q "UPDATE pgbench_accounts SET abalance = abalance + 1
     WHERE aid > (SELECT max(aid) FROM pgbench_accounts) - $n" >/dev/null
  q "INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
     SELECT m + g, 1 + g % $SCALE, 0, repeat(' ', 84)
     FROM (SELECT max(aid) AS m FROM pgbench_accounts) x, generate_series(1, $n) g" >/dev/null
  q "DELETE FROM pgbench_accounts WHERE aid < (SELECT min(aid) FROM pgbench_accounts) + $((n / 10))" >/dev/null
}
uniform_day() {
  q "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE random() < 0.01" >/dev/null
}

if [ -z "${RESTORE_ONLY:-}" ]; then
q "CHECKPOINT" >/dev/null
bench_log "first backup (shared chunks, $CHUNK chunks)"
first_s=$(backup first); first_d=$(dump first); first_b=$(base first)
echo "first $first_s $first_d $first_b" > "$RES/nights.txt"
for kind in oltp uniform; do
  count=$NIGHTS; [ "$kind" = uniform ] && count=$UNIFORM_NIGHTS
  for i in $(seq 1 "$count"); do
    bench_log "$kind night $i"
    if [ "$kind" = oltp ]; then oltp_day; else uniform_day; fi
    q "VACUUM ANALYZE pgbench_accounts" >/dev/null   # the nightly maintenance a busy table gets
    if [ $((i % 2)) = 1 ]; then b=$(backup "$kind-$i"); d=$(dump "$kind-$i")
    else d=$(dump "$kind-$i"); b=$(backup "$kind-$i"); fi
    p=$(base "$kind-$i")
    echo "$kind-$i $b $d $p" >> "$RES/nights.txt"
  done
done
fi

# restoring the newest backup against restoring the first (both complete on their own)
restore_timed() {   # restore_timed NAME ID -> seconds
  local t0 t1
  q "SELECT 1" >/dev/null
  bench_psql -d postgres -c "DROP DATABASE IF EXISTS incremental_restore" -c "CREATE DATABASE incremental_restore" >/dev/null
  t0=$(now)
  REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" "$ROOT/redoubt" --config "$CONF" restore --source "$DB" \
    --backup "$2" --target "jdbc:postgresql://127.0.0.1:$PGPORT/incremental_restore" >"$RES/restore-$1.txt" 2>&1 \
    || bench_die "restore failed: $RES/restore-$1.txt"
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
last=$(tail -1 "$RES/nights.txt" | cut -d' ' -f1)
nth=$(wc -l < "$RES/nights.txt")
FULL_CONF="${CONF%.yaml}-full.yaml"   # the loader reads *.yaml
sed 's/shared-chunks: true/shared-chunks: false/' "$CONF" > "$FULL_CONF"
bench_log "a full backup of the same state, sharing nothing (format 1)"
REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" "$ROOT/redoubt" --config "$FULL_CONF" backup --source "$DB" \
  --output json >"$RES/full.json" 2>"$RES/full.log" || bench_die "full backup failed: $RES/full.log"
restore_last() {
  local s
  s=$(restore_timed last "$(json "$RES/$last.json" backupId)")
  [ "$(bench_psql -d incremental_restore -Atc 'SELECT count(*) FROM pgbench_accounts')" = "$(q 'SELECT count(*) FROM pgbench_accounts')" ] \
    || bench_die "the newest backup restored another row count"
  echo "$s"
}
: > "$RES/restores.txt"
restore_first() { restore_timed first "$(json "$RES/first.json" backupId)"; }
restore_full() { restore_timed full "$(json "$RES/full.json" backupId)"; }
for i in $(seq 1 "$PAIRS"); do
  bench_log "restore round $i of $PAIRS: backup $nth, the first, and a full one of the same state"
  case $((i % 3)) in
    1) r_last=$(restore_last); r_first=$(restore_first); r_full=$(restore_full) ;;
    2) r_first=$(restore_first); r_full=$(restore_full); r_last=$(restore_last) ;;
    0) r_full=$(restore_full); r_last=$(restore_last); r_first=$(restore_first) ;;
  esac
  echo "$r_first $r_last $r_full" >> "$RES/restores.txt"
done
bench_psql -d postgres -c "DROP DATABASE IF EXISTS incremental_restore" >/dev/null

python3 - "$RES" "$SCALE" "$CHUNK" "$nth" > "$ROOT/docs/benchmarks-incremental.md" <<'PY'
import json, os, statistics, sys
res, scale, chunk, nth = sys.argv[1:5]
def read(name): return open(os.path.join(res, name)).read().strip()
def doc(name): return json.load(open(os.path.join(res, name + ".json")))
nights = [line.split() for line in open(os.path.join(res, "nights.txt"))]
first = doc("first")
print("# Benchmark: nightly logical backups that share chunks\n")
print(f"Written by `bench/redoubt-incremental-bench.sh {scale}` at commit `{read('commit.txt')}` "
      f"(`CHUNK={chunk}`); raw results in `{os.path.relpath(res)}`.\n")
print(f"Scale {scale} with `redoubt.backup.shared-chunks: true`, {chunk} chunks, both regions. A first backup, then "
      "nights of churn, each followed by the nightly backup and `pg_dump -Fc` of the same database (the order "
      "alternating). **oltp**: the newest 1% of `pgbench_accounts` updated, 1% new rows, the oldest 0.1% deleted. "
      "**uniform**: 1% of the rows updated at random. `VACUUM ANALYZE` of the table after each day. Uploaded: what "
      "the backup says it uploaded; at the store: how much the shared chunks directory of region A grew.\n")
print("| night | backup, s | `pg_dump -Fc`, s | time ratio | stored per region | uploaded | of the first backup | at the store |")
print("|---|---|---|---|---|---|---|---|")
ratios = {"oltp": [], "uniform": []}
for name, b, d, p in nights:
    j = doc(name)
    grow = int(read(name + ".store-growth"))
    share = j["uploadedBytes"] / first["storedBytes"]
    kind = name.split("-")[0]
    if kind in ratios:
        ratios[kind].append((float(b) / float(d), share))
    print(f"| {name} | {b} | {d} | {float(b) / float(d):.2f} | {j['storedBytes'] / 2**20:.1f} MiB | "
          f"{j['uploadedBytes'] / 2**20:.1f} MiB | {100 * share:.1f}% | {grow / 2**20:.1f} MiB |")
for kind, goal in (("oltp", " (goals: ≤ 5% of the first backup's bytes, ≤ 0.5× `pg_dump -Fc`)"), ("uniform", " (no target)")):
    if ratios[kind]:
        print(f"\n**{kind}**, median of {len(ratios[kind])} nights: uploaded "
              f"**{100 * statistics.median(r[1] for r in ratios[kind]):.1f}%** of the first backup, time "
              f"**{statistics.median(r[0] for r in ratios[kind]):.2f}×** `pg_dump -Fc`{goal}.")
first_base = doc("first-base")
print("\n### Base backups of the whole cluster, the same nights\n")
print("After each night's logical backup, `backup --type base` of the cluster (every database on it, "
      "`pg_basebackup` streamed through the shared-chunk writer). Uploaded against what the first base backup "
      "stored.\n")
print("| night | base backup, s | stored per region | uploaded | of the first base backup | at the store |")
print("|---|---|---|---|---|---|")
base_share = {"oltp": [], "uniform": []}
for name, b, d, p in nights:
    j = doc(name + "-base")
    grow = int(read(name + "-base.store-growth"))
    share = j["uploadedBytes"] / first_base["storedBytes"]
    kind = name.split("-")[0]
    if kind in base_share:
        base_share[kind].append(share)
    print(f"| {name} | {p} | {j['storedBytes'] / 2**20:.1f} MiB | {j['uploadedBytes'] / 2**20:.1f} MiB | "
          f"{100 * share:.1f}% | {grow / 2**20:.1f} MiB |")
for kind, goal in (("oltp", " (goal: ≤ 10% of a full one)"), ("uniform", " (no target)")):
    if base_share[kind]:
        print(f"\n**{kind}**, median of {len(base_share[kind])} nights: a base backup uploaded "
              f"**{100 * statistics.median(base_share[kind]):.1f}%** of the first{goal}.")
rounds = [tuple(map(float, line.split())) for line in open(os.path.join(res, "restores.txt"))]
full = doc("full")
newest = doc(nights[-1][0])
print(f"\n### Restoring backup {nth} of the sequence against the first\n")
print("`redoubt restore` of the logical backup into an empty database: the newest (shared chunks written over "
      f"{nth} nights), the first, and a full backup of the newest's state that shares nothing (format 1, taken "
      "after the last night), in rounds with the order rotating; the newest's row count checked against the "
      f"source. The first holds {first['rows']} rows, the newest and the full one {newest['rows']}.\n")
print("| round | first, s | newest, s | full, same state, s | newest / first | newest / full |")
print("|---|---|---|---|---|---|")
for i, (f, l, u) in enumerate(rounds, 1):
    print(f"| {i} | {f:.2f} | {l:.2f} | {u:.2f} | {l / f:.2f} | {l / u:.2f} |")
ratios = [l / f for f, l, u in rounds]
same = [l / u for f, l, u in rounds]
print(f"\nNewest against the first: median **{statistics.median(ratios):.2f}×** ({min(ratios):.2f}–{max(ratios):.2f}; "
      "goal ≤ 1.1×). Newest against a full backup of the same data: median "
      f"**{statistics.median(same):.2f}×** ({min(same):.2f}–{max(same):.2f}).")
PY
cat "$ROOT/docs/benchmarks-incremental.md"

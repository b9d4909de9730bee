#!/usr/bin/env bash
# Masked table restores against plain ones of the same backup (issue 17, `restore --table --mask`):
#   1. one logical backup of bench$SCALE (both regions)
#   2. PAIRS rounds after a warm-up round, the order rotating, each restoring TABLE beside the live
#      one in bench$SCALE (`--into app.events_copy`, dropped after each run), 2 sessions:
#        plain         the whole table
#        masked        the same with --mask bench/masking/bench.yaml (customer_id and session_id hashed)
#        where         --where "id <= 10% of the rows" (chunks pruned by key range, the predicate judged
#                      in a sandbox)
#        masked-where  the same, masked: each chunk's rows loaded twice, originals into the predicate's
#                      sandbox only and masked ones into the target, selected there by number
#      each masked copy checked: as many rows as the plain one, no session_id left as it was
# Needs bench/setup.sh. Writes $BENCH_RUN/results/redoubt-mask-table-scaleN-STAMP/ and docs/benchmarks-mask-tables.md.
#   bench/redoubt-mask-table-bench.sh [SCALE=50] [PAIRS=3]
set -euo pipefail
shopt -s inherit_errexit
. "$(dirname "$0")/env.sh"
SCALE="${1:-50}"; PAIRS="${2:-3}"; DB="bench$SCALE"; NAME=mask-table; TABLE=app.events
. "$BENCH_DIR/lib/mask-setup.sh"
ROWS=$(bench_psql -d "$DB" -Atc "SELECT count(*) FROM $TABLE")
LIMIT=$(bench_psql -d "$DB" -Atc "SELECT min(id) + ($ROWS / 10) - 1 FROM $TABLE")
TARGET="jdbc:postgresql://127.0.0.1:$PGPORT/$DB"

bench_log "one logical backup of $DB"
redoubt backup --source "$DB" > "$RES/backup.txt" 2>&1 || bench_die "backup failed: $RES/backup.txt"

run_timed() {   # run_timed NAME [options] -> seconds
  local name=$1 t0 t1; shift
  bench_psql -d "$DB" -c "DROP TABLE IF EXISTS app.events_copy" >/dev/null
  t0=$(now)
  redoubt restore --source "$DB" --backup latest --table "$TABLE" --into app.events_copy --target "$TARGET" "$@" \
    >"$RES/restore-$name.txt" 2>&1 || bench_die "restore failed: $RES/restore-$name.txt"
  t1=$(now)
  check "$name"
  bench_psql -d "$DB" -c "DROP TABLE IF EXISTS app.events_copy" >/dev/null
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
check() {
  local expected left
  case "$1" in *where*) expected=$((ROWS / 10)) ;; *) expected=$ROWS ;; esac
  [ "$(bench_psql -d "$DB" -Atc "SELECT count(*) FROM app.events_copy")" = "$expected" ] \
    || bench_die "$1: not $expected rows"
  case "$1" in masked*)
    left=$(bench_psql -d "$DB" -Atc "SELECT count(*) FROM app.events_copy c JOIN $TABLE e USING (id) WHERE c.session_id = e.session_id")
    [ "$left" = 0 ] || bench_die "$1: $left session ids left as they were" ;;
  esac
}
MASK=(--mask "$POLICY" --mask-key "$KEY")
WHERE=(--where "id <= $LIMIT")
: > "$RES/rounds.txt"
for i in $(seq 0 "$PAIRS"); do
  bench_log "round $i of $PAIRS (0 is the warm-up)"
  declare -A t=()
  order=(plain masked where masked-where)
  for _ in $(seq 1 $((i % 4))); do order=("${order[@]:1}" "${order[0]}"); done
  for case in "${order[@]}"; do
    case $case in
      plain) t[$case]=$(run_timed "plain-$i") ;;
      masked) t[$case]=$(run_timed "masked-$i" "${MASK[@]}") ;;
      where) t[$case]=$(run_timed "where-$i" "${WHERE[@]}") ;;
      masked-where) t[$case]=$(run_timed "masked-where-$i" "${WHERE[@]}" "${MASK[@]}") ;;
    esac
  done
  echo "$i ${t[plain]} ${t[masked]} ${t[where]} ${t[masked-where]}" >> "$RES/rounds.txt"
done

python3 - "$RES" "$SCALE" "$PAIRS" "$ROWS" "$TABLE" > "$ROOT/docs/benchmarks-mask-tables.md" <<'PY'
import os, statistics, sys
res, scale, pairs, rows, table = sys.argv[1:6]
def read(name): return open(os.path.join(res, name)).read().strip()
data = [line.split() for line in read("rounds.txt").splitlines()]
counted = [[float(x) for x in r[1:]] for r in data if r[0] != "0"]
def med(xs): return statistics.median(xs)
whole = [m / p for p, m, w, mw in counted]; part = [mw / w for p, m, w, mw in counted]
print("# Benchmark: masked table restores against plain ones\n")
print(f"Written by `bench/redoubt-mask-table-bench.sh {scale} {pairs}` at commit `{read('commit.txt')}`; raw results in "
      f"`{os.path.relpath(res)}`.\n")
print(f"One logical backup of scale {scale}; `{table}` ({int(rows):,} rows) restored beside the live table "
      "(`--into app.events_copy`, 2 sessions) whole and with `--where` selecting 10 % of its ids, each with and "
      "without `--mask bench/masking/bench.yaml` (its `customer_id` and `session_id` hashed), the order rotating "
      "each round. Every masked copy checked: as many rows, no `session_id` as it was.\n")
print("| round | plain, s | masked, s | `--where`, s | masked `--where`, s |")
print("|---|---|---|---|---|")
for r in data:
    print(f"| {'warm-up' if r[0] == '0' else r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |")
print(f"\nPaired medians: the whole table masked **{med(whole):.2f}×** plain ({min(whole):.2f}–{max(whole):.2f}); "
      f"10 % by `--where` masked **{med(part):.2f}×** plain ({min(part):.2f}–{max(part):.2f}).\n")
print("""## Reading it

- Whole table: the rows are rewritten on their way into `COPY` in the loading sessions, as in a masked full
  restore ([benchmarks-mask.md](benchmarks-mask.md)).
- With `--where`: unmasked, the fetched chunks are staged in the target and copied from there into the
  predicate's sandbox; masked, each chunk is copied from memory twice, as it is into the sandbox and masked into
  the target's stage, so that the target never holds an original value. The extra work is the masking; the
  copies are the same number.
""")
PY
cat "$ROOT/docs/benchmarks-mask-tables.md"

#!/usr/bin/env bash
# A masked full restore against a plain one of the same backup (issue 17, acceptance 5):
#   1. one logical backup of bench$SCALE (both regions)
#   2. PAIRS pairs after a warm-up pair, the order alternating: `redoubt restore` into an empty
#      database, and the same with `--mask` (bench/masking/bench.yaml: the app schema's customers,
#      their events, invoices and audit trail, and pgbench_accounts' balances; lenient, the rest
#      kept); each masked copy checked: as many rows, no customer email left
# Needs bench/setup.sh. Writes $BENCH_RUN/results/redoubt-mask-scaleN-STAMP/ and docs/benchmarks-mask.md.
#   bench/redoubt-mask-bench.sh [SCALE=50] [PAIRS=3]
set -euo pipefail
shopt -s inherit_errexit
. "$(dirname "$0")/env.sh"
SCALE="${1:-50}"; PAIRS="${2:-3}"; DB="bench$SCALE"; NAME=mask
. "$BENCH_DIR/lib/mask-setup.sh"

bench_log "one logical backup of $DB"
redoubt backup --source "$DB" > "$RES/backup.txt" 2>&1 || bench_die "backup failed: $RES/backup.txt"

restore_timed() {   # restore_timed NAME [--mask ...] -> seconds
  local name=$1 t0 t1; shift
  bench_psql -d postgres -c "DROP DATABASE IF EXISTS mask_restore" -c "CREATE DATABASE mask_restore" >/dev/null
  t0=$(now)
  redoubt restore --source "$DB" --backup latest --target "jdbc:postgresql://127.0.0.1:$PGPORT/mask_restore" "$@" \
    >"$RES/restore-$name.txt" 2>&1 || bench_die "restore failed: $RES/restore-$name.txt"
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
check_masked() {
  local rows left
  rows=$(bench_psql -d mask_restore -Atc "SELECT count(*) FROM app.customers")
  [ "$rows" = "$(bench_psql -d "$DB" -Atc 'SELECT count(*) FROM app.customers')" ] || bench_die "masked copy: $rows customers"
  left=$(bench_psql -d mask_restore -Atc "SELECT count(*) FROM app.customers WHERE email NOT LIKE '%@example.org'")
  [ "$left" = 0 ] || bench_die "masked copy: $left customer emails not masked"
}
: > "$RES/pairs.txt"
for i in $(seq 0 "$PAIRS"); do
  bench_log "pair $i of $PAIRS (0 is the warm-up)"
  if [ $((i % 2)) = 0 ]; then
    p=$(restore_timed "plain-$i"); m=$(restore_timed "masked-$i" --mask "$POLICY" --mask-key "$KEY"); check_masked
  else
    m=$(restore_timed "masked-$i" --mask "$POLICY" --mask-key "$KEY"); check_masked; p=$(restore_timed "plain-$i")
  fi
  echo "$i $p $m" >> "$RES/pairs.txt"
done
bench_psql -d postgres -c "DROP DATABASE IF EXISTS mask_restore" >/dev/null

python3 - "$RES" "$SCALE" "$PAIRS" > "$ROOT/docs/benchmarks-mask.md" <<'PY'
import os, statistics, sys
res, scale, pairs = sys.argv[1:4]
def read(name): return open(os.path.join(res, name)).read().strip()
rows = [line.split() for line in read("pairs.txt").splitlines()]
counted = [(float(p), float(m)) for i, p, m in rows if i != "0"]
ratios = [m / p for p, m in counted]
print("# Benchmark: a masked full restore against a plain one\n")
print(f"Written by `bench/redoubt-mask-bench.sh {scale} {pairs}` at commit `{read('commit.txt')}`; raw results in "
      f"`{os.path.relpath(res)}`.\n")
print(f"One logical backup of scale {scale} (both regions), restored into an empty database with and without "
      "`--mask bench/masking/bench.yaml` (customers' ids, emails, names and dates, their events' and invoices' "
      "customer ids, session ids and amounts, the audit trail's actors, and `pgbench_accounts.abalance`; the rest "
      "kept), 2 sessions, the order alternating. Each masked copy checked: every customer there, no email left.\n")
print("| pair | plain, s | masked, s | masked / plain |")
print("|---|---|---|---|")
for i, p, m in rows:
    print(f"| {'warm-up' if i == '0' else i} | {p} | {m} | {float(m) / float(p):.2f} |")
print(f"\nPaired median **{statistics.median(ratios):.2f}×** ({min(ratios):.2f}–{max(ratios):.2f}; goal ≤ 1.3×).")
PY
cat "$ROOT/docs/benchmarks-mask.md"

#!/usr/bin/env bash
# A physical DR drill's RTO against what a user would otherwise run, on the archive and base backups
# that bench/redoubt-wal-bench.sh left (both tools received the same WAL through one archive_command):
#   drill    redoubt drill --type physical --lose-region region-a: recover from region-b alone, replay to
#            the newest recoverable point, promote, check every database (amcheck, constraints)
#   restore  redoubt restore --type physical --latest into an empty directory (replay, promote, stop)
#   pgbr     pgbackrest restore + start until promoted + stop
# Paired rounds after a warm-up, whole processes timed; the drill's own RTO and phases come from its
# JSON. The last drill also writes its reports, rendered into docs/drill-report.png by Chromium.
#   bench/redoubt-drill-bench.sh [SCALE=50] [PAIRS=3]
# Writes docs/benchmarks-drill.md.
set -euo pipefail
. "$(dirname "$0")/env.sh"
SCALE="${1:-50}"; PAIRS="${2:-3}"; DB="bench$SCALE"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
CONF="$BENCH_RUN/redoubt-wal-redoubt-wal-$DB.yaml"
[ -f "$CONF" ] || bench_die "run bench/redoubt-wal-bench.sh $SCALE first"
RES="$BENCH_RUN/results/redoubt-drill-scale$SCALE-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RES" "$BENCH_WORK"
now() { date +%s.%N; }
redoubt() { REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" "$ROOT/redoubt" --config "$CONF" "$@"; }
git -C "$ROOT" rev-parse --short=10 HEAD > "$RES/commit.txt" 2>/dev/null || echo unknown > "$RES/commit.txt"
rm -rf "$BENCH_WORK"/redoubt-restore-* "$BENCH_WORK"/pgbr-drill-*
for i in $(seq 0 "$PAIRS"); do
  report=(); [ "$i" = "$PAIRS" ] && report=(--report "$RES/report")
  t0=$(now)
  redoubt drill --source "$DB" --type physical --lose-region region-a --output json "${report[@]}" \
    >"$RES/drill-$i.json" 2>"$RES/drill-$i.log" || bench_die "drill $i did not pass: $RES/drill-$i.json"
  t1=$(now)
  dir="$BENCH_WORK/redoubt-restore-$i"
  redoubt restore --source "$DB" --type physical --data-dir "$dir" --latest >"$RES/restore-$i.txt" 2>&1 \
    || bench_die "redoubt restore failed"
  t2=$(now)
  pdir="$BENCH_WORK/pgbr-drill-$i"
  bench_pgbr_recover "$pdir"
  t3=$(now)
  rm -rf "$dir" "$pdir"
  python3 - "$RES/drill-$i.json" "$i" "$t0" "$t1" "$t2" "$t3" >>"$RES/pairs.txt" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
i, t0, t1, t2, t3 = int(sys.argv[2]), *map(float, sys.argv[3:7])
phases = {p["name"]: p["seconds"] for p in report["phases"]}
print(json.dumps({"pair": i, "drill_wall": t1 - t0, "drill_rto": report["rto"]["seconds"],
    "drill_checks": phases.get("checks", 0), "restore_wall": t2 - t1, "pgbr_wall": t3 - t2,
    "wal_files": report["recovered"].get("walFiles"), "phases": phases}))
PY
  tail -1 "$RES/pairs.txt"
done
python3 - "$RES" "$ROOT/docs/benchmarks-drill.md" "$SCALE" <<'PY'
import json, statistics, sys
res, out, scale = sys.argv[1], sys.argv[2], sys.argv[3]
pairs = [json.loads(l) for l in open(res + "/pairs.txt") if l.strip()]
pairs = [p for p in pairs if p["pair"] > 0]
commit = open(res + "/commit.txt").read().strip()
def ratio(a, b):
    values = sorted(p[a] / p[b] for p in pairs)
    return "**%.2f** (%.2f–%.2f)" % (statistics.median(values), values[0], values[-1])
def med(key):
    return statistics.median(p[key] for p in pairs)
phases = {}
for p in pairs:
    for name, seconds in p["phases"].items():
        phases.setdefault(name, []).append(seconds)
lines = ["# Benchmark: a physical DR drill", "",
 "Scale %s, commit `%s`, %d paired rounds after a warm-up (`bench/redoubt-drill-bench.sh %s`), on the"
 " archive and base backups `bench/redoubt-wal-bench.sh` left (pgbench wrote on top of the base backup;"
 " both tools received the same WAL). Medians, with the range of the paired ratios." % (scale, commit, len(pairs), scale), "",
 "| measure | median | vs | ratio |", "|---|---|---|---|",
 "| drill, whole process (region-a lost: recover from region-b, replay, promote, amcheck + constraints in every database) | %.1f s | `redoubt restore --type physical --latest` %.1f s | %s |" % (med("drill_wall"), med("restore_wall"), ratio("drill_wall", "restore_wall")),
 "| drill's measured RTO (T to a usable, checked database) | %.1f s | same restore | %s |" % (med("drill_rto"), ratio("drill_rto", "restore_wall")),
 "| drill's RTO without its checks | %.1f s | same restore | %s |" % (statistics.median(p["drill_rto"] - p["drill_checks"] for p in pairs), "**%.2f**" % statistics.median((p["drill_rto"] - p["drill_checks"]) / p["restore_wall"] for p in pairs)),
 "| drill's measured RTO | %.1f s | `pgbackrest restore` + start until promoted %.1f s | %s |" % (med("drill_rto"), med("pgbr_wall"), ratio("drill_rto", "pgbr_wall")),
 "", "Phases of the drill (median seconds): " + ", ".join("%s %.1f" % (n, statistics.median(v)) for n, v in phases.items()) +
 "; WAL files replayed: %s." % pairs[-1]["wal_files"], "",
 "The drill's report of the last round, rendered by Chromium: ![drill report](drill-report.png)", ""]
open(out, "w").write("\n".join(lines))
print("\n".join(lines))
PY
"$BENCH_DIR/drill-screenshot.sh" "$RES/report"

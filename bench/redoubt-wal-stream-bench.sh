#!/usr/bin/env bash
# The RPO that redoubt wal-stream gives under load, against what complete segments alone give
# (archive_command's best case, whatever archive_timeout), in the same run:
#   1. redoubt wal-stream on a fresh replication slot, storing the segment being received every
#      INTERVAL (default 1s) in both S3 regions
#   2. SECONDS of `pgbench -N -c 4` on bench$SCALE; meanwhile a sampler asks the source for its WAL
#      insert position ten times a second (psql coprocess), and once a second lists what BOTH regions
#      hold: the archived position is the lowest over the regions of the highest segment end or
#      snapshot end (wal/<segment>, wal-stream/<segment>-<valid bytes>.partial)
#   3. RPO at each second t = t - the last sample time whose insert position the archive covers (every
#      commit before that moment is in every region); the same with complete segments only
# Needs bench/setup.sh. Writes $BENCH_RUN/results/redoubt-wal-stream-scaleN-STAMP/ and
# docs/benchmarks-wal-stream.md.
#   [INTERVAL=1s] bench/redoubt-wal-stream-bench.sh [SCALE=50] [SECONDS=60]
set -euo pipefail
shopt -s inherit_errexit
. "$(dirname "$0")/env.sh"
SCALE="${1:-50}"; RUN_SECONDS="${2:-60}"; DB="bench$SCALE"; INTERVAL="${INTERVAL:-1s}"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
RES="$BENCH_RUN/results/redoubt-wal-stream-scale$SCALE-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RES" "$BENCH_WORK"
git -C "$ROOT" rev-parse --short=10 HEAD > "$RES/commit.txt" 2>/dev/null || echo unknown > "$RES/commit.txt"
"$BENCH_DIR/gen-data.sh" "$SCALE" "$DB"
. "$BENCH_DIR/lib/redoubt-config.sh"
PREFIX="walstream-$DB"
CONF="$BENCH_RUN/redoubt-$PREFIX.yaml"
redoubt_yaml "$DB" "$DB" "$PREFIX" > "$CONF"
rm -rf "$S3_A_DIR/$S3_BUCKET/$PREFIX" "$S3_B_DIR/$S3_BUCKET/$PREFIX"
DIR="$BENCH_WORK/wal-stream-$DB"; rm -rf "$DIR"
SLOT="redoubt_$DB"
bench_psql -d postgres -Atc "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null

REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" "$ROOT/redoubt" --config "$CONF" wal-stream --source "$DB" \
  --dir "$DIR" --interval "$INTERVAL" > "$RES/wal-stream.log" 2>&1 &
STREAM=$!
cleanup() {
  kill "$STREAM" 2>/dev/null && wait "$STREAM" 2>/dev/null || true
  bench_psql -d postgres -Atc "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 1 600); do
  [ "$(bench_psql -d postgres -Atc "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND active")" = 1 ] && break
  sleep 0.1
done
[ "$(bench_psql -d postgres -Atc "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND active")" = 1 ] \
  || bench_die "wal-stream did not start streaming: $RES/wal-stream.log"
SEGMENT_BYTES=$(bench_psql -d postgres -Atc "SELECT pg_size_bytes(current_setting('wal_segment_size'))" 2>/dev/null)
[ "$SEGMENT_BYTES" -gt 1048576 ] 2>/dev/null || SEGMENT_BYTES=16777216

# the accounts another benchmark deleted come back as pgbench -i makes them (pgbench picks any aid)
bench_psql -d "$DB" -Atc "INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
   SELECT g, (g - 1) / 100000 + 1, 0, repeat(' ', 84) FROM generate_series(1, $SCALE * 100000) g
   WHERE NOT EXISTS (SELECT FROM pgbench_accounts a WHERE a.aid = g)" >/dev/null
bench_log "pgbench -N -c 4 for ${RUN_SECONDS}s with wal-stream (interval $INTERVAL), sampling the RPO"
python3 - "$RES" "$RUN_SECONDS" "$SEGMENT_BYTES" "$S3_A_DIR/$S3_BUCKET/$PREFIX/$DB" "$S3_B_DIR/$S3_BUCKET/$PREFIX/$DB" \
  "$PG_BIN/psql" "$DB" <<'PY' &
import os, re, subprocess, sys, time
res, seconds, segment_bytes, region_a, region_b, psql, db = sys.argv[1:8]
seconds, segment_bytes = float(seconds), int(segment_bytes)
per_log = 0x100000000 // segment_bytes
def seg_start(name):
    return (int(name[8:16], 16) * per_log + int(name[16:24], 16)) * segment_bytes
def lsn(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) + int(lo, 16)
SNAP = re.compile(r"([0-9A-F]{24})-([0-9A-F]{8})\.partial$")
def archived(region, snapshots):
    best = 0
    for name in os.listdir(os.path.join(region, "wal")) if os.path.isdir(os.path.join(region, "wal")) else []:
        if re.fullmatch(r"[0-9A-F]{24}", name):
            best = max(best, seg_start(name) + segment_bytes)
    stream = os.path.join(region, "wal-stream")
    if snapshots and os.path.isdir(stream):
        for name in os.listdir(stream):
            m = SNAP.match(name)
            if m:
                best = max(best, seg_start(m.group(1)) + int(m.group(2), 16))
    return best
coproc = subprocess.Popen([psql, "-X", "-At", "-d", db], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
def insert_lsn():
    coproc.stdin.write("SELECT pg_current_wal_insert_lsn();\n"); coproc.stdin.flush()
    return lsn(coproc.stdout.readline().strip())
samples = []      # (time, insert position)
rows = []
start = time.time(); next_check = start + 1.0
while time.time() - start < seconds:
    samples.append((time.time(), insert_lsn()))
    if time.time() >= next_check:
        now = time.time(); next_check += 1.0
        row = [now - start]
        for snapshots in (True, False):
            covered = min(archived(region_a, snapshots), archived(region_b, snapshots))
            ok = [t for t, p in samples if p <= covered]
            row.append(now - max(ok) if ok else float("nan"))
        rows.append(row)
    time.sleep(0.1)
coproc.stdin.close()
with open(os.path.join(res, "rpo.tsv"), "w") as out:
    out.write("second\trpo_stream\trpo_segments_only\n")
    for r in rows:
        out.write("%.1f\t%.3f\t%.3f\n" % tuple(r))
with open(os.path.join(res, "wal.txt"), "w") as out:
    out.write("%d %.3f\n" % (samples[-1][1] - samples[0][1], samples[-1][0] - samples[0][0]))
PY
SAMPLER=$!
pgbench -n -N -c 4 -j 2 -T "$RUN_SECONDS" "$DB" > "$RES/pgbench.txt" 2>&1 || bench_die "pgbench failed: $RES/pgbench.txt"
wait "$SAMPLER"
cp "$DIR/metrics.prom" "$RES/metrics.prom" 2>/dev/null || true

python3 - "$RES" "$SCALE" "$RUN_SECONDS" "$INTERVAL" > "$ROOT/docs/benchmarks-wal-stream.md" <<'PY'
import math, os, re, statistics, sys
res, scale, seconds, interval = sys.argv[1:5]
def read(name): return open(os.path.join(res, name)).read().strip()
rows = [list(map(float, line.split("\t"))) for line in read("rpo.tsv").splitlines()[1:]]
rows = [r for r in rows if r[0] >= 5]        # the first seconds: the stream catching up to the load
stream = [r[1] for r in rows if not math.isnan(r[1])]
segments = [r[2] for r in rows if not math.isnan(r[2])]
wal_bytes, wal_seconds = read("wal.txt").split()
tps = re.search(r"tps = ([0-9.]+)", read("pgbench.txt"))
metrics = read("metrics.prom") if os.path.exists(os.path.join(res, "metrics.prom")) else ""
def counter(kind):
    m = re.search(r'redoubt_wal_stream_uploads_total\{kind="%s",source="[^"]*"} ([0-9.E]+)' % kind, metrics)
    return int(float(m.group(1))) if m else 0
def q(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]
print("# Benchmark: the RPO of wal-stream under load\n")
print(f"Written by `bench/redoubt-wal-stream-bench.sh {scale} {seconds}` at commit `{read('commit.txt')}` "
      f"(`INTERVAL={interval}`); raw results in `{os.path.relpath(res)}`.\n")
print(f"`pgbench -N -c 4` on scale {scale} for {seconds} s ({tps.group(1) if tps else '?'} tps, "
      f"{int(wal_bytes) / float(wal_seconds) / 2**20:.1f} MiB/s of WAL) while `redoubt wal-stream` stores the segment "
      f"being received every {interval} in both regions. Each second: the RPO is that second minus the last moment "
      "(sampled ten times a second) whose WAL insert position both regions hold, counting the snapshots of the "
      "segment being received (**stream**) or complete segments only (**segments**: the best archive_command "
      "can do). The first 5 s are left out.\n")
print("| | samples | median | p90 | max |")
print("|---|---|---|---|---|")
for name, values in (("stream", stream), ("segments only", segments)):
    if values:
        print(f"| {name} | {len(values)} | {statistics.median(values):.2f} s | {q(values, 0.9):.2f} s | {max(values):.2f} s |")
print(f"\nMedian RPO with wal-stream **{statistics.median(stream):.2f} s** (goal: under 2 s); with complete "
      f"segments only {statistics.median(segments):.2f} s, in the same run. Uploads: {counter('segment')} complete "
      f"segments and {counter('snapshot')} snapshots.")
PY
cat "$ROOT/docs/benchmarks-wal-stream.md"

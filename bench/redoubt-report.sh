#!/usr/bin/env bash
# Turns a redoubt-bench.sh results directory into docs/benchmarks.md.
#   bench/redoubt-report.sh RESULTS_DIR SCALE
set -euo pipefail
. "$(dirname "$0")/env.sh"
RES="${1:?results dir}" SCALE="${2:?scale}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/docs/benchmarks.md"
field() { awk -v k="$2" '$0 ~ "^"k" " { print $(NF-1) }' "$RES/$1.txt" 2>/dev/null | head -1; }   # median
range() { awk -v k="$2" '$0 ~ "^"k" " { printf "%s–%s", $(NF-2), $NF }' "$RES/$1.txt" 2>/dev/null | head -1; }
PREVIOUS="$(cat "$OUT" 2>/dev/null || true)"
row() {   # row CASE 'B label' TARGET; a case not run keeps its row of the previous report
  local c=$1 old
  if [ ! -s "$RES/$c.txt" ]; then
    old=$(grep -F -- "| $2 |" <<<"$PREVIOUS" | head -1 || true)
    case "$old" in
      "") echo "| $2 | not run | | | | |" ;;
      *"(earlier run"*) echo "$old" ;;
      *) echo "${old%|} (earlier run: $PREVIOUS_RUN) |" ;;
    esac
    return
  fi
  printf '| %s | %s (%s) | %s (%s) | **%s** (%s) | %s | %s |\n' "$2" \
    "$(field "$c" 'A wall s')" "$(range "$c" 'A wall s')" "$(field "$c" 'B wall s')" "$(range "$c" 'B wall s')" \
    "$(field "$c" 'A/B wall')" "$(range "$c" 'A/B wall')" "$(field "$c" 'A peak MiB')" "$3"
}
size=$(cat "$RES/dbsize.txt" 2>/dev/null || echo 0)
COMMIT=$(cat "$RES/commit.txt" 2>/dev/null || echo unknown)
PREVIOUS_RUN=$(grep -oE 'raw output: `[^`]*`' <<<"$PREVIOUS" | head -1 | sed 's/raw output: //; s/`//g' || true)
read -r _ heap_backup _ heap_restore < "$RES/heap.txt" || true
{
cat <<MD
# Benchmarks

Redoubt against what a user would run instead, on the same database, in the same run, on the
same machine. Produced by \`bench/redoubt-bench.sh $SCALE\` at commit **$COMMIT** (raw output: \`$(basename "$RES")\`);
regenerate with that command from a clean clone. Absolute times on these shared 2-core machines drift by up to
2x within an hour, so **only the paired ratios count**: each case alternates Redoubt (A) and
the baseline (B) run by run, and A/B is taken pair by pair.

## Setup

- Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(. /etc/os-release; echo "$PRETTY_NAME"), PostgreSQL $(psql -X -At -h "${PGHOST:-$ROOT/bench/.run}" -p "${PGPORT:-55432}" -U postgres -d postgres -c 'SHOW server_version' 2>/dev/null || echo 15), Java $(java -version 2>&1 | awk -F'"' '/version/ {print $2}').
- Data: \`bench/gen-data.sh $SCALE\`: pgbench at scale $SCALE plus the \`app\` schema (wide jsonb rows,
  bytea, partitions, a table without primary key, GIN/BRIN indexes), $(( size / 1048576 )) MiB on disk, in the page cache.
- S3: two S3Proxy servers on the same machine (regions A and B), plain HTTP for Redoubt,
  HTTPS for pgBackRest (it speaks only TLS); S3Proxy's CPU is on the same 2 cores.
- Redoubt: \`./redoubt\` (unpacked jar with a class-data-sharing archive, \`-Xmx512m
  -XX:+UseSerialGC\`), 2 workers, 32 MiB chunks, zstd level 1, AES-256-GCM, **both regions
  written in the same run**; process start-up (~1.5 s of JVM and Spring) is inside every
  Redoubt figure.
- Runs: $BENCH_RUNS counted pairs after $BENCH_WARMUP warm-up pair(s); median (min–max).

## Results, scale $SCALE

| Redoubt (A) vs baseline (B) | A wall s | B wall s | A/B | A peak RSS MiB | target |
|---|---|---|---|---|---|
MD
row backup-vs-pg_dump-Fc '2-region backup vs `pg_dump -Fc` to a local file' '≤ 0.5'
row backup-vs-copy-floor-2 '2-region backup vs the floor: `COPY` of every table to /dev/null, 2 sessions' '≤ 2.5'
row backup-vs-pg_dump-Fd-j2 '2-region backup vs `pg_dump -Fd -j 2`' '–'
row backup-vs-pgbackrest-full '2-region backup vs pgBackRest full backup (zst) to 1 region' '–'
row restore-vs-pg_restore-j2 'full restore vs `pg_restore -j 2` (from the `pg_dump -Fc` file)' '≤ 0.8'
row verify-vs-restore '`redoubt verify` (sandbox restore + 10 checks) vs a plain `redoubt restore` of the same backup' '≤ 1.3'
cat <<MD

Peak Java heap (largest heap occupancy before a collection, from \`-Xlog:gc\`, with \`-Xmx512m\`):
backup **${heap_backup:-?} MiB**, restore **${heap_restore:-?} MiB**. The heap holds at most two
chunks per worker (one being filled, one uploading): it depends on the worker count and the
chunk size, not on the size of the database.

MD
if [ -s "$RES/cpu.txt" ]; then
  cores=$(nproc)
  cat <<MD
## Where the CPU goes (one run each, \`bench/lib/cpu-account.sh\`)

CPU seconds of the measured command (with its children: \`psql\`, \`pg_restore\`), of the PostgreSQL
server (every backend) and of both S3Proxy servers. With every core busy, no client can finish
in less than *server CPU / cores*: that bound is in the last column.

| run | wall s | command CPU s | PostgreSQL CPU s | S3Proxy CPU s | PostgreSQL CPU / $cores cores, s |
|---|---|---|---|---|---|
MD
  awk -v cores="$cores" '{ printf "| %s | %s | %s | %s | %s | %.2f |\n", $1, $3, $5, $7, $9, $7 / cores }' "$RES/cpu.txt"
  echo
fi
} > "$OUT.new"
[ -f "$ROOT/docs/benchmarks-tables.md" ] && cat "$ROOT/docs/benchmarks-tables.md" >> "$OUT.new"
[ -f "$ROOT/docs/benchmarks-wal.md" ] && cat "$ROOT/docs/benchmarks-wal.md" >> "$OUT.new"
[ -f "$ROOT/docs/benchmarks-service.md" ] && cat "$ROOT/docs/benchmarks-service.md" >> "$OUT.new"
[ -f "$ROOT/docs/benchmarks-notes.md" ] && cat "$ROOT/docs/benchmarks-notes.md" >> "$OUT.new"
mv "$OUT.new" "$OUT"

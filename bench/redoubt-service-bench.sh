#!/usr/bin/env bash
# A logical backup taken by the long-lived service (`redoubt serve`, JVM warm, asked through the
# REST API) against `pg_dump -Fc` and against the same backup from the one-shot CLI, on the same
# data in the same run, paired (A and B alternate; ratios pair by pair).
#   PGDATABASE=bench50 bench/redoubt-service-bench.sh [SCALE=50]
# writes raw results to $BENCH_RUN/results/service-scaleN-STAMP/ and docs/benchmarks-service.md
set -euo pipefail
. "$(dirname "$0")/env.sh"
SCALE="${1:-50}"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
C="$BENCH_DIR/cases"
RES="$BENCH_RUN/results/service-scale$SCALE-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RES"
"$BENCH_DIR/setup.sh" --no-install
"$BENCH_DIR/gen-data.sh" "$SCALE" "$PGDATABASE"
[ -f "$ROOT/backup-service/target/redoubt.jar" ] || (cd "$ROOT" && ./mvnw -q -B -DskipTests install)

export REDOUBT_SERVICE_PORT=18181
REDOUBT_SERVICE_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
export REDOUBT_SERVICE_PASSWORD
CONF="$BENCH_RUN/redoubt.yaml"
. "$BENCH_DIR/lib/redoubt-config.sh"
{ redoubt_yaml bench "$PGDATABASE" redoubt-bench
  cat <<YAML
  backup:
    workers: ${REDOUBT_WORKERS:-2}
  service:
    metadata: { url: "jdbc:h2:file:$BENCH_RUN/service/metadata" }
    verify-after-backup: false
    users:
      - { name: bench-writer, password: "\${REDOUBT_SERVICE_PASSWORD}", role: write }
server:
  port: $REDOUBT_SERVICE_PORT
YAML
} > "$CONF"
rm -rf "$S3_A_DIR/$S3_BUCKET/redoubt-bench" "$S3_B_DIR/$S3_BUCKET/redoubt-bench" "$BENCH_RUN/service"
mkdir -p "$BENCH_RUN/service"

bench_log "starting redoubt serve"
(cd "$BENCH_RUN/service" && REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" \
  exec "$ROOT/redoubt" --config "$CONF" serve >"$RES/serve.log" 2>&1) &
SERVE=$!
trap 'kill $SERVE 2>/dev/null; wait $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$REDOUBT_SERVICE_PORT/actuator/health" | grep -q UP && break
  sleep 1
done
curl -sf "http://127.0.0.1:$REDOUBT_SERVICE_PORT/actuator/health" | grep -q UP || bench_die "serve did not start: $RES/serve.log"

T=("$BENCH_TIMER" -n "$BENCH_RUNS" --warmup "$BENCH_WARMUP" --timeout 3600)
pair() { local name=$1 vs=$2; shift 3; bench_log "case $name"; "${T[@]}" --vs "$vs" -- "$@" | tee "$RES/$name.txt" >&2; }
pair service-vs-pg_dump-Fc "$C/pg-dump.sh fc"          -- "$C/redoubt-service.sh" backup
pair service-vs-cli        "$C/redoubt.sh backup"  -- "$C/redoubt-service.sh" backup

field() { awk -v k="$2" '$0 ~ "^"k" " { print $(NF-1) }' "$RES/$1.txt" | head -1; }
range() { awk -v k="$2" '$0 ~ "^"k" " { printf "%s–%s", $(NF-2), $NF }' "$RES/$1.txt" | head -1; }
{
  echo "## The service: a warm backup (scale $SCALE, $(date -u +%F))"
  echo
  echo "\`PGDATABASE=$PGDATABASE bench/redoubt-service-bench.sh $SCALE\`: \`redoubt serve\` already running, a"
  echo "backup asked for through \`POST /api/sources/bench/backups\` and timed until the job"
  echo "repository records it completed; to both regions, 2 workers, no verification. Paired medians"
  echo "(min–max) of $BENCH_RUNS runs after $BENCH_WARMUP warm-up."
  echo
  echo "| A vs B | A wall s | B wall s | A/B |"
  echo "|---|---|---|---|"
  for c in service-vs-pg_dump-Fc:"pg_dump -Fc to a local file" service-vs-cli:"the same backup by the one-shot CLI"; do
    n=${c%%:*} label=${c#*:}
    echo "| service vs $label | $(field "$n" 'A wall s') ($(range "$n" 'A wall s')) | $(field "$n" 'B wall s') ($(range "$n" 'B wall s')) | **$(field "$n" 'A/B wall')** ($(range "$n" 'A/B wall')) |"
  done
  echo
} > "$ROOT/docs/benchmarks-service.md"
bench_log "wrote docs/benchmarks-service.md"

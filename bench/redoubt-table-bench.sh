#!/usr/bin/env bash
# One table back, against what a user would run instead: `pg_restore -t` of the same table
# from a local `pg_dump -Fc` file, and a full restore; and a 0.1 % key range of it against the
# whole table. Paired runs (A and B alternate), as in redoubt-bench.sh.
#   bench/redoubt-table-bench.sh [SCALE=100] [SCHEMA.TABLE=app.attachments]
# Writes raw results to $BENCH_RUN/results/redoubt-tables-scaleN-STAMP/ and docs/benchmarks-tables.md
# (appended to docs/benchmarks.md by redoubt-report.sh). Needs bench/setup.sh to have run.
set -euo pipefail
. "$(dirname "$0")/env.sh"
SCALE="${1:-100}"
TABLE="${2:-app.attachments}"
SCHEMA="${TABLE%%.*}"; NAME="${TABLE#*.}"
DB="bench$SCALE"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
RES="$BENCH_RUN/results/redoubt-tables-scale$SCALE-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RES"
"$BENCH_DIR/gen-data.sh" "$SCALE" "$DB"

CONF="$BENCH_RUN/redoubt-$DB.yaml"
[ -s "$BENCH_RUN/redoubt.key" ] || "$ROOT/redoubt" key-generate --out "$BENCH_RUN/redoubt.key" >/dev/null
cat > "$CONF" <<YAML
redoubt:
  sources:
    $DB:
      url: jdbc:postgresql://127.0.0.1:$PGPORT/$DB
      username: $PGUSER
      verify: { sandbox: local }
  repositories:
    - { name: region-a, endpoint: "http://127.0.0.1:$S3_A_HTTP_PORT", region: $S3_A_REGION, bucket: $S3_BUCKET,
        prefix: redoubt-$DB, path-style: true, access-key: $S3_ACCESS_KEY, secret-key: $S3_SECRET_KEY }
    - { name: region-b, endpoint: "http://127.0.0.1:$S3_B_HTTP_PORT", region: $S3_B_REGION, bucket: $S3_BUCKET,
        prefix: redoubt-$DB, path-style: true, access-key: $S3_ACCESS_KEY, secret-key: $S3_SECRET_KEY }
  encryption:
    key-file: $BENCH_RUN/redoubt.key
  backup:
    workers: 2
YAML
rm -rf "$S3_A_DIR/$S3_BUCKET/redoubt-$DB" "$S3_B_DIR/$S3_BUCKET/redoubt-$DB"
redoubt() { REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" "$ROOT/redoubt" --config "$CONF" "$@"; }
bench_log "backup of $DB (untimed) and pg_dump -Fc of it"
redoubt backup --source "$DB" >"$RES/backup.txt" 2>/dev/null
pg_dump -Fc -f "$BENCH_WORK/$DB.fc" "$DB"

# a 0.1 % key range of the table
read -r LO ROWS <<<"$(bench_psql -d "$DB" -Atc "SELECT min(id), count(*) FROM $TABLE" | tr '|' ' ')"
HI=$(( LO + ROWS / 1000 - 1 ))
RANGE="id BETWEEN $LO AND $HI"
redoubt restore --source "$DB" --backup latest --table "$TABLE" --where "$RANGE" --dry-run --output json \
  >"$RES/range-plan.json" 2>/dev/null

# empty target databases (with what the live database already has: the schema and pgcrypto)
pool() {
  local p=$1 n=$2 i
  for db in $(bench_psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datname ~ '^${p}_[0-9]+\$'"); do
    bench_psql -d postgres -c "DROP DATABASE $db"; done
  for i in $(seq 1 "$n"); do
    bench_psql -d postgres -c "CREATE DATABASE ${p}_$i"
    [ "${3:-}" = full ] || bench_psql -d "${p}_$i" -c "CREATE SCHEMA $SCHEMA; CREATE EXTENSION IF NOT EXISTS pgcrypto"
  done
  rm -f "$BENCH_WORK/$p.slot"
}
SLOTS=$(( BENCH_RUNS + BENCH_WARMUP ))
cat > "$BENCH_WORK/table-cases.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
. "$BENCH_DIR/env.sh"
r() { REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" exec "$ROOT/redoubt" --config "$CONF" "\$@"; }
case "\$1" in
  redoubt-table) n=\$(next_slot tbl); r restore --source $DB --backup latest --table $TABLE --target "jdbc:postgresql://127.0.0.1:$PGPORT/tbl_\$n" ;;
  redoubt-range) n=\$(next_slot rng); r restore --source $DB --backup latest --table $TABLE --where "$RANGE" --target "jdbc:postgresql://127.0.0.1:$PGPORT/rng_\$n" ;;
  redoubt-plan)  n=\$(next_slot pln); r restore --source $DB --backup latest --table $TABLE --dry-run --target "jdbc:postgresql://127.0.0.1:$PGPORT/pln_\$n" ;;
  redoubt-full)  n=\$(next_slot full); r restore --source $DB --backup latest --jobs 2 --target "jdbc:postgresql://127.0.0.1:$PGPORT/full_\$n" ;;
  pg-restore-t)  n=\$(next_slot pgt); exec pg_restore --exit-on-error -d "pgt_\$n" -n $SCHEMA -t $NAME "$BENCH_WORK/$DB.fc" ;;
esac
SH
chmod +x "$BENCH_WORK/table-cases.sh"
T=("$BENCH_TIMER" -n "$BENCH_RUNS" --warmup "$BENCH_WARMUP" --timeout 3600)
K="$BENCH_WORK/table-cases.sh"
pair() { local name=$1 vs=$2; shift 3; bench_log "case $name"; "${T[@]}" --vs "$vs" -- "$@" | tee "$RES/$name.txt" >&2; }

pool tbl "$SLOTS"; pool pgt "$SLOTS"
pair table-vs-pg_restore-t "$K pg-restore-t" -- "$K" redoubt-table
pool tbl "$SLOTS"; pool full "$SLOTS" full
pair table-vs-full-restore "$K redoubt-full" -- "$K" redoubt-table
pool tbl "$SLOTS"; pool rng "$SLOTS"
pair range-vs-table "$K redoubt-table" -- "$K" redoubt-range
# the fixed cost of any restore process: JVM and Spring start, resolve the backup, read its
# manifest and the table's DDL, connect; no chunk is fetched
pool pln "$SLOTS"; pool pgt "$SLOTS"
pair plan-vs-pg_restore-t "$K pg-restore-t" -- "$K" redoubt-plan
pool tbl 0; pool pgt 0; pool full 0; pool rng 0; pool pln 0

field() { awk -v k="$2" '$0 ~ "^"k" " { print $(NF-1) }' "$RES/$1.txt" | head -1; }
range() { awk -v k="$2" '$0 ~ "^"k" " { printf "%s–%s", $(NF-2), $NF }' "$RES/$1.txt" | head -1; }
row() { printf '| %s | %s | %s | **%s** (%s) | %s |\n' "$2" "$(field "$1" 'A wall s')" "$(field "$1" 'B wall s')" \
  "$(field "$1" 'A/B wall')" "$(range "$1" 'A/B wall')" "$3"; }
plan=$(python3 -c "import json,sys; t=json.load(open('$RES/range-plan.json'))['tables'][0]; print(f\"{t['rowsSelected']} of {t['rowsInBackup']} rows; {t['chunksFetched']} of {t['chunksTotal']} chunks ({t['bytesFetched']} of {t['bytesTotal']} bytes)\")")
size=$(bench_psql -d "$DB" -Atc "SELECT pg_size_pretty(pg_total_relation_size('$TABLE')) || ' of ' || pg_size_pretty(pg_database_size('$DB'))")
{
cat <<MD
## One table back, scale $SCALE (\`bench/redoubt-table-bench.sh $SCALE $TABLE\`, raw output \`$(basename "$RES")\`)

\`$TABLE\` is $size. Redoubt restores it beside the live tables from the two-region
repository (its DDL rewritten into a new schema, rows loaded by two sessions through a staging
schema, its primary key, identity and generated column included, moved into place in one
commit); \`pg_restore -t\` reads a local \`pg_dump -Fc\` file and creates the table and its
rows only. The 0.1 % range
is \`$RANGE\`: $plan. $BENCH_RUNS counted pairs after $BENCH_WARMUP warm-up pair(s); median (min–max).

| Redoubt (A) vs baseline (B) | A wall s | B wall s | A/B | target |
|---|---|---|---|---|
MD
row table-vs-pg_restore-t "\`restore --table $TABLE\` vs \`pg_restore -t\`" '≤ 1.5'
row table-vs-full-restore "\`restore --table $TABLE\` vs a full \`redoubt restore\`" '≤ 0.1'
row range-vs-table "\`restore --table $TABLE --where '<0.1 % of ids>'\` vs the whole table" '≤ 0.05'
row plan-vs-pg_restore-t "\`restore --table $TABLE --dry-run\` (the fixed cost: no chunk fetched) vs \`pg_restore -t\`" '–'
echo
} > "$ROOT/docs/benchmarks-tables.md"
bench_log "results in $RES; docs/benchmarks-tables.md written"

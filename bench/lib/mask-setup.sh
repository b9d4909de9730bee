# Sourced by the masking benchmarks (after env.sh, with SCALE, DB and NAME set):
#   RES (results directory, commit.txt in it), ROOT, CONF (one source on bench$SCALE under the
#   prefix NAME-$DB, 2 workers, 2 restore sessions, its objects removed), KEY (the bench's masking
#   key, drawn once), POLICY, and the functions redoubt (the CLI on CONF) and now.
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
RES="$BENCH_RUN/results/redoubt-$NAME-scale$SCALE-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RES" "$BENCH_WORK"
git -C "$ROOT" rev-parse --short=10 HEAD > "$RES/commit.txt" 2>/dev/null || echo unknown > "$RES/commit.txt"
"$BENCH_DIR/gen-data.sh" "$SCALE" "$DB"
. "$BENCH_DIR/lib/redoubt-config.sh"
PREFIX="$NAME-$DB"
CONF="$BENCH_RUN/redoubt-$PREFIX.yaml"
{ redoubt_yaml "$DB" "$DB" "$PREFIX"; printf '  backup:\n    workers: 2\n  restore:\n    jobs: 2\n'; } > "$CONF"
rm -rf "$S3_A_DIR/$S3_BUCKET/$PREFIX" "$S3_B_DIR/$S3_BUCKET/$PREFIX"
KEY="$BENCH_RUN/masking.key"
[ -s "$KEY" ] || head -c 32 /dev/urandom | base64 > "$KEY"
POLICY="$BENCH_DIR/masking/bench.yaml"
redoubt() { REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" "$ROOT/redoubt" --config "$CONF" "$@"; }
now() { date +%s.%N; }

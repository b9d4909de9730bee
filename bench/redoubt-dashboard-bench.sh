#!/usr/bin/env bash
# The dashboard's fleet page for a fleet of N sources (issue 18, acceptance 4), against the REST
# API's listing of the same fleet, in the same run, alternating:
#   1. `redoubt serve` with N sources (a logical and a verify schedule each, never firing during
#      the run; every 5th with a drill schedule; every 5th with a WAL archiver spool whose
#      metrics.prom the page reads), its metadata database on the bench cluster
#   2. the catalog filled as a month of nightly backups leaves it: 30 logical backups per source,
#      each verified (every 25th source's newest verification failed, every 50th never backed up)
#   3. WARMUP unmeasured requests of each, then RUNS rounds, the order rotating: GET / (the fleet
#      page, HTML) as a browser asks for it (signed in through the login form, its session cookie),
#      the same page over HTTP Basic (a password hash checked per request), and GET /api/sources
#      (JSON, HTTP Basic); curl's time_total each
# Needs bench/setup.sh. Writes $BENCH_RUN/results/redoubt-dashboard-NN-STAMP/ and docs/benchmarks-dashboard.md.
#   bench/redoubt-dashboard-bench.sh [SOURCES=500] [RUNS=30] [WARMUP=10]
set -euo pipefail
shopt -s inherit_errexit
. "$(dirname "$0")/env.sh"
N="${1:-500}"; RUNS="${2:-30}"; WARMUP="${3:-10}"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
RES="$BENCH_RUN/results/redoubt-dashboard-$N-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RES" "$BENCH_WORK"
git -C "$ROOT" rev-parse --short=10 HEAD > "$RES/commit.txt" 2>/dev/null || echo unknown > "$RES/commit.txt"
. "$BENCH_DIR/lib/redoubt-config.sh"
PORT=18282
PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
NEVER="0 0 3 1 1 ? 2099"
META=redoubt_dashboard_meta
SPOOLS="$BENCH_WORK/dashboard-spools"
rm -rf "$SPOOLS" "$S3_A_DIR/$S3_BUCKET/dashboard-bench" "$S3_B_DIR/$S3_BUCKET/dashboard-bench"
mkdir -p "$SPOOLS"
bench_psql -d postgres -c "DROP DATABASE IF EXISTS $META" -c "CREATE DATABASE $META" >/dev/null

CONF="$BENCH_RUN/redoubt-dashboard.yaml"
{
  redoubt_yaml db0001 bench dashboard-bench | sed '/^    db0001:/,$d'
  for i in $(seq 1 "$N"); do
    name=$(printf 'db%04d' "$i")
    printf '    %s:\n      url: jdbc:postgresql://127.0.0.1:%s/bench\n      username: %s\n' "$name" "$PGPORT" "$PGUSER"
    printf '      schedules: { logical: "%s", verify: "%s" }\n' "$NEVER" "$NEVER"
    if [ $((i % 5)) = 0 ]; then
      printf '      drill: { schedule: "%s", type: logical, rto: 15m, rpo: 1d }\n' "$NEVER"
    fi
  done
  redoubt_yaml db0001 bench dashboard-bench | sed -n '/^  repositories:/,$p'
  cat <<YAML
  service:
    metadata: { url: "jdbc:postgresql://127.0.0.1:$PGPORT/$META", username: $PGUSER }
    users:
      - { name: reader, password: "$PASSWORD", role: read }
    wal-spools:
YAML
  for i in $(seq 5 5 "$N"); do
    name=$(printf 'db%04d' "$i"); mkdir -p "$SPOOLS/$name"
    printf 'redoubt_wal_archive_lag_seconds %d\nredoubt_wal_archive_failures_total 0\n' $((i % 97)) > "$SPOOLS/$name/metrics.prom"
    printf '      %s: %s\n' "$name" "$SPOOLS/$name"
  done
  printf 'server:\n  port: %s\n' "$PORT"
} > "$CONF"

bench_log "starting redoubt serve with $N sources"
mkdir -p "$BENCH_RUN/dashboard-service"
(cd "$BENCH_RUN/dashboard-service" && REDOUBT_NO_BUILD=1 JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" \
  exec "$ROOT/redoubt" --config "$CONF" serve >"$RES/serve.log" 2>&1) &
SERVE=$!
trap 'kill $SERVE 2>/dev/null; wait $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$PORT/actuator/health" | grep -q UP && break
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/actuator/health" | grep -q UP || bench_die "serve did not start: $RES/serve.log"

bench_log "filling the catalog: 30 nightly backups per source"
bench_psql -d "$META" -q <<SQL
INSERT INTO redoubt_backup (source, backup_id, type, status, started_at, completed_at, stored_bytes, row_count)
SELECT format('db%s', lpad(s::text, 4, '0')),
       to_char(d, 'YYYYMMDD"T"HH24MISS"Z"') || '-' || substr(md5(s::text || d::text), 1, 4), 'logical', 'complete',
       to_char(d, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(d + interval '7 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       1000000 + s * 1000, 5000000
FROM generate_series(1, $N) s,
     generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - interval '29 days' + interval '2 hours',
                     date_trunc('day', now() AT TIME ZONE 'UTC') + interval '2 hours', interval '1 day') d
WHERE s % 50 <> 0 AND d < now() AT TIME ZONE 'UTC';
INSERT INTO redoubt_verification (source, backup_id, region, finished_at, verified, restore_seconds, failed_checks)
SELECT b.source, b.backup_id, 'region-a', to_char(b.completed_at::timestamp + interval '20 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       NOT (substr(b.source, 3)::int % 25 = 0 AND b.backup_id = (SELECT max(backup_id) FROM redoubt_backup n WHERE n.source = b.source)),
       41.5, CASE WHEN substr(b.source, 3)::int % 25 = 0 AND b.backup_id = (SELECT max(backup_id) FROM redoubt_backup n WHERE n.source = b.source)
                  THEN 'row-counts' ELSE '' END
FROM redoubt_backup b;
INSERT INTO redoubt_wal_window (source, timeline, first_segment, last_segment, segments)
SELECT DISTINCT source, 1, '000000010000000000000001', '0000000100000000000000FF', 255 FROM redoubt_backup;
SQL
bench_psql -d "$META" -Atc "SELECT count(*) FROM redoubt_backup" > "$RES/backups.txt"

get() {   # get PATH -> "seconds bytes status"
  curl -s -o /dev/null -u "reader:$PASSWORD" -w '%{time_total} %{size_download} %{http_code}\n' "http://127.0.0.1:$PORT$1"
}
JAR="$RES/cookies.txt"
bench_log "signing in through the login form"
csrf=$(curl -s -c "$JAR" -b "$JAR" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$csrf" ] || bench_die "no CSRF token on the login page"
curl -s -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "username=reader" --data-urlencode "password=$PASSWORD" \
  --data-urlencode "_csrf=$csrf" "http://127.0.0.1:$PORT/login"
browse() {   # browse PATH -> "seconds bytes status", with the session
  curl -s -o /dev/null -b "$JAR" -w '%{time_total} %{size_download} %{http_code}\n' "http://127.0.0.1:$PORT$1"
}
[ "$(browse / | awk '{print $3}')" = 200 ] || bench_die "the session does not open the fleet page"
bench_log "warm-up: $WARMUP requests of each"
for _ in $(seq 1 "$WARMUP"); do browse / > /dev/null; get / > /dev/null; get /api/sources > /dev/null; done
curl -s -u "reader:$PASSWORD" "http://127.0.0.1:$PORT/" > "$RES/fleet.html"
rows=$(grep -c 'data-source=' "$RES/fleet.html" || true)
[ "$rows" = "$N" ] || bench_die "the fleet page lists $rows sources, not $N"
: > "$RES/rounds.txt"
for i in $(seq 1 "$RUNS"); do
  case $((i % 3)) in
    1) s=$(browse /); p=$(get /); a=$(get /api/sources) ;;
    2) p=$(get /); a=$(get /api/sources); s=$(browse /) ;;
    0) a=$(get /api/sources); s=$(browse /); p=$(get /) ;;
  esac
  echo "$i $s $p $a" >> "$RES/rounds.txt"
  case "$s $p $a" in *" 200 "*" 200 "*" 200") ;; *) bench_die "a request failed: $s / $p / $a" ;; esac
done

python3 - "$RES" "$N" "$(cat "$RES/commit.txt")" "$(cat "$RES/backups.txt")" > "$ROOT/docs/benchmarks-dashboard.md" <<'PY'
import statistics, sys
res, n, commit, backups = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [l.split() for l in open(res + "/rounds.txt")]
session = [float(r[1]) * 1000 for r in rows]; basic = [float(r[4]) * 1000 for r in rows]
api = [float(r[7]) * 1000 for r in rows]
def q(xs, f): xs = sorted(xs); return xs[min(len(xs) - 1, int(round(f * (len(xs) - 1))))]
def line(name, xs, goal): return f"| {name} | **{statistics.median(xs):.0f} ms** | {q(xs, .9):.0f} ms | {max(xs):.0f} ms | {goal} |"
ratio = [a / b for a, b in zip(session, api)]
print(f"""# Benchmark: the dashboard's fleet page for {n} sources

Written by `bench/redoubt-dashboard-bench.sh {n} {len(rows)}` at commit `{commit}`; raw results in `{res.split('/bench/')[-1] if '/bench/' in res else res}`.

`redoubt serve` (`-Xmx512m`, serial GC) with {n} sources on the bench cluster, its metadata database a PostgreSQL
database there, the catalog holding {backups} backups (30 nightly logical backups per source, each verified; every 25th
source's newest verification failed, every 50th source never backed up), every 5th source with a drill schedule and
a WAL archiver spool whose `metrics.prom` the page reads. After warm-up requests, {len(rows)} rounds, the order
rotating, timed by curl (`time_total`) on the same machine: the fleet page `GET /` ({rows[0][2]} bytes of HTML) as a
browser gets it (signed in once through the login form, then its session cookie), the same page over HTTP Basic,
and the API's JSON listing of the same sources `GET /api/sources` ({rows[0][8]} bytes) over HTTP Basic.

| | median | p90 | max | goal |
|---|---|---|---|---|
{line("fleet page, signed-in browser session", session, "< 300 ms")}
{line("fleet page, HTTP Basic", basic, "—")}
{line("API `GET /api/sources`, HTTP Basic", api, "—")}

Paired, the fleet page in a session takes {statistics.median(ratio):.2f}× (p90 {q(ratio, .9):.2f}×) the API's listing.

## Reading it

- The fleet page reads the whole catalog in three queries (`CatalogStore.readAll`), the newest drills from memory
  (the drill metrics hold them) and the spools' `metrics.prom` files, judges each source (the cron of each schedule
  evaluated against its newest backup), sorts worst first and renders one table row per source with Thymeleaf.
- HTTP Basic checks the password's hash (bcrypt, on purpose slow) on every request: the difference between the
  first two rows. A browser signs in once.
- The API's listing reads the catalog once per source (three queries each) and the scheduler's next fires, so it
  grows with the fleet by round trips; the page grows by rows.
""")
PY
cp "$ROOT/docs/benchmarks-dashboard.md" "$RES/"
bench_log "done: $ROOT/docs/benchmarks-dashboard.md"
cat "$ROOT/docs/benchmarks-dashboard.md"

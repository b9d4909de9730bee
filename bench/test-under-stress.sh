#!/usr/bin/env bash
# The suite's timing-sensitive classes, run again and again while stress-ng loads every core:
# a test that waits on a fixed time or races the wall clock fails here first.
#   bench/test-under-stress.sh [ROUNDS=5] [CLASSES=ServeIT,ServeClusterIT,PointInTimeRecoveryIT,VerifyCliIT]
# Needs stress-ng (apt-get install stress-ng) and, for the container tests, a Docker engine
# with the images of docker/build-images.sh. Per-round logs in target/stress/; the summary
# (exit status, time, tests per class) on standard output and in target/stress/summary.txt.
# IT_FORKS (default 1): test JVMs at once.
set -uo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
classes="${2:-ServeIT,ServeClusterIT,PointInTimeRecoveryIT,VerifyCliIT}"
command -v stress-ng > /dev/null || { echo "stress-ng is not installed (apt-get install stress-ng)" >&2; exit 2; }
export CI="${CI:-true}" TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost
out=target/stress
mkdir -p "$out"
./mvnw -B -q install -DskipTests -Dspring-javaformat.skip=true > "$out/build.log" 2>&1 \
  || { echo "build failed: $out/build.log" >&2; exit 1; }
summary="$out/summary.txt"
echo "commit $(git rev-parse --short=10 HEAD 2>/dev/null || echo unknown), $(nproc) cores, stress-ng --cpu $(nproc)" | tee "$summary"
failed=0
for round in $(seq 1 "$rounds"); do
  stress-ng --cpu "$(nproc)" --timeout 0 > /dev/null 2>&1 &
  load=$!
  started=$(date +%s)
  ./mvnw -B -pl backup-service verify -Dit.forks="${IT_FORKS:-1}" -Dit.test="$classes" -Dtest=NoSuchTest \
    -Dsurefire.failIfNoSpecifiedTests=false -Dspring-javaformat.skip=true > "$out/round-$round.log" 2>&1
  status=$?
  kill "$load"; wait "$load" 2> /dev/null
  [ "$status" = 0 ] || failed=$((failed + 1))
  echo "round $round: exit $status in $(( $(date +%s) - started )) s" | tee -a "$summary"
  grep -E "Tests run:.*in dev" "$out/round-$round.log" | sed 's/^\[[A-Z]*\] /  /' | tee -a "$summary"
done
echo "$rounds rounds, $failed failed" | tee -a "$summary"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# One backup taken by a running `redoubt serve` (started by redoubt-service-bench.sh): asks for it
# through the REST API and returns once the job repository records it COMPLETED (polled every
# 50 ms), so the timer measures what an operator waits for, with the JVM already warm.
#   cases/redoubt-service.sh backup
set -euo pipefail
. "$(dirname "$0")/../env.sh"
API="http://127.0.0.1:${REDOUBT_SERVICE_PORT:-18181}"
AUTH="bench-writer:${REDOUBT_SERVICE_PASSWORD:?}"
latest() { curl -sf -u "$AUTH" "$API/api/job-runs?job=logicalBackup&limit=1" | sed -n 's/^\[{"id":\([0-9]*\),.*"status":"\([A-Z]*\)".*/\1 \2/p'; }
before=$(latest | cut -d' ' -f1)
curl -sf -u "$AUTH" -X POST "$API/api/sources/bench/backups" >/dev/null
while :; do
  read -r id status <<<"$(latest)" || true
  if [ "${id:-}" != "${before:-}" ] && [ -n "${id:-}" ]; then
    case "$status" in
      COMPLETED) exit 0 ;;
      FAILED|STOPPED|ABANDONED) echo "backup job $id ended $status" >&2; exit 1 ;;
    esac
  fi
  sleep 0.05
done

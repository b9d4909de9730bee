#!/usr/bin/env bash
# Renders a drill's HTML report in headless Chromium into docs/drill-report.png.
#   bench/drill-screenshot.sh REPORT_DIR     (the --report DIR of a `redoubt drill` run)
# Needs the Debian package chromium.
set -euo pipefail
dir="${1:?REPORT_DIR}"
root="$(cd "$(dirname "$0")/.." && pwd)"
profile="$(mktemp -d)"; trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size=1150,1300 --screenshot="$root/docs/drill-report.png" \
  "file://$(cd "$dir" && pwd)/drill.html" 2>/dev/null
echo "wrote docs/drill-report.png"

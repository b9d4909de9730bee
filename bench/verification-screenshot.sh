#!/usr/bin/env bash
# Renders a verification's HTML report in headless Chromium into docs/verification-report.png.
#   bench/verification-screenshot.sh REPORT_DIR     (the --report DIR of a `redoubt verify` run)
# Needs the Debian package chromium.
set -euo pipefail
dir="${1:?REPORT_DIR}"
root="$(cd "$(dirname "$0")/.." && pwd)"
profile="$(mktemp -d)"; trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size=1150,1050 --screenshot="$root/docs/verification-report.png" \
  "file://$(cd "$dir" && pwd)/verification.html" 2>/dev/null
echo "wrote docs/verification-report.png"

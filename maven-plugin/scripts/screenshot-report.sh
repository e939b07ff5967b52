#!/usr/bin/env bash
# Renders a reprodiff:report page in headless Chromium and saves a PNG, to look at it the way a browser shows it.
# Not part of the build. Needs Debian's chromium (apt-get install -y chromium).
#
#   maven-plugin/scripts/screenshot-report.sh [examples/target/reprodiff/report/index.html] [report.png]
set -euo pipefail
page="${1:-examples/target/reprodiff/report/index.html}"
out="${2:-${page%/*}/screenshot.png}"
[ -f "$page" ] || { echo "No report at $page: run mvn test, then mvn reprodiff:report, in that module" >&2; exit 1; }
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "No Chromium found: apt-get install -y chromium" >&2; exit 1; }
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars \
    --window-size=1280,1600 --screenshot="$(realpath -m "$out")" "file://$(realpath "$page")" 2>/dev/null
echo "Screenshot of $page: $out"

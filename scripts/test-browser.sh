#!/usr/bin/env bash
# make test-browser: serve's HTML page in a real headless browser, Debian's
# chromium (installed here with apt when missing: about 17 s on a warm apt
# cache), against real PostgreSQL and MinIO from the test-services harness.
# The test is built with the `browser` tag, under which a missing chromium is
# a failure, not a skip. The screenshot is kept in bin/serve-page.png.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=test-services/lib.sh
. scripts/test-services/lib.sh
start=$(now_ms)
SPT_INSTALL_ID=$$
apt_ensure chromium
rm -f "$SPT_CACHE/.apt-updated.$SPT_INSTALL_ID"
log "test-browser: chromium ready in $(elapsed "$start") ($(chromium --version 2>/dev/null || echo missing))"
mkdir -p bin
export SPT_BROWSER_SCREENSHOT=$PWD/bin/serve-page.png
exec scripts/test-services/run.sh -s postgres,minio -- go test -tags browser -count=1 -run Browser ./internal/cli/

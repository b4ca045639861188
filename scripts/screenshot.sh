#!/usr/bin/env bash
# Retakes docs/screenshot.png (the search page with its facets), docs/screenshot-entity.png
# (an entity page), docs/screenshot-entity-names.png (an entity found under several names),
# docs/screenshot-overview.png (the home page: the archive at a glance) and
# docs/screenshot-duplicates.png (the copy audit) in headless Chromium,
# through the browser test.
# Needs Debian's chromium, chromium-driver and fonts-noto-cjk.
set -euo pipefail
cd "$(dirname "$0")/.."
ZHSEARCH_BROWSER_TESTS=1 ZHSEARCH_UPDATE_SCREENSHOT=1 cargo test --release --test browser
echo "wrote docs/screenshot.png, docs/screenshot-entity.png, docs/screenshot-entity-names.png, docs/screenshot-overview.png and docs/screenshot-duplicates.png"

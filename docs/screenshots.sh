#!/usr/bin/env bash
# Regenerate docs/screenshots/*.png: the browser tests take a full-page screenshot of every tab and, with
# FTCORE_SCREENSHOTS set, copy them here. Needs `make install-test` (Chromium and Playwright).
set -euo pipefail
cd "$(dirname "$0")/.."
FTCORE_SCREENSHOTS="$PWD/docs/screenshots" .venv/bin/python -m pytest -q tests/ui/test_browser.py -p no:cacheprovider
FTCORE_SCREENSHOTS="$PWD/docs/screenshots" .venv/bin/python -m pytest -q tests/ui/test_data_browser.py -k tool \
  -p no:cacheprovider
ls -l docs/screenshots

#!/usr/bin/env bash
# Regenerate docs/screenshots/*.png: the tour (tests/ui/test_tour.py) takes every tab in English and Chinese at
# 1400 px and Compare at 390 px, once the plots have marks, over one real tiny run; with FTCORE_SCREENSHOTS set the
# browser tests copy their screenshots here. Needs `make install-test` (Chromium and Playwright). The forgetting
# report of a real run with a blend (report-blend-*.png) comes from a workspace holding one:
#   .venv/bin/python docs/report_screenshot.py WORKSPACE RUN_ID   (e.g. after bench/forgetting.py --demo contracts-risk)
# and the Train tab of a run while it trains (train-forgetting-*.png: start one with train.eval_steps=4 and
# train.stop_on_forgetting set, then):  .venv/bin/python docs/report_screenshot.py WORKSPACE RUN_ID --train
set -euo pipefail
cd "$(dirname "$0")/.."
FTCORE_SCREENSHOTS="$PWD/docs/screenshots" .venv/bin/python -m pytest -q tests/ui/test_tour.py -p no:cacheprovider
FTCORE_SCREENSHOTS="$PWD/docs/screenshots" .venv/bin/python -m pytest -q tests/ui/test_data_browser.py -k tool \
  -p no:cacheprovider
ls -l docs/screenshots

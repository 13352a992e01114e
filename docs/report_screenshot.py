"""Screenshots of one real run, in English and Chinese. Compare (default): its forgetting report, with the α the
recommendation chose, the probe table with the 95% intervals and the gain-vs-forgetting plot with the blend curve
(docs/screenshots/report-blend-LOCALE.png); the run is copied into a temporary workspace beside a link to the
workspace's converted models. --train: the Train tab while the run trains, its forgetting curve beside the
validation loss (docs/screenshots/train-forgetting-LOCALE.png); the app runs on the workspace itself, so that the
curves grow. Needs `make install-test` (Chromium and Playwright).

    .venv/bin/python docs/report_screenshot.py WORKSPACE RUN_ID [--train [--points N]] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "ui"))

from test_browser import ARGS, CHROMIUM, MARKS, goto_tab, open_page, pick, start_app  # noqa: E402

COMPARE = {"en-US": "Compare", "zh-CN": "对比"}
TRAIN = {"en-US": "Train", "zh-CN": "训练"}


def train_shots(browser, url: str, run: str, points: int, out: Path) -> None:
    """The Train tab following `run`, once its forgetting plot has `points` marks."""
    for locale, tab in TRAIN.items():
        page = open_page(browser, url, locale=locale)
        goto_tab(page, tab)
        pick(page, "runs-dropdown", run)
        page.wait_for_function(f"() => ({MARKS})('forget-plot') >= {points}", timeout=600_000)
        page.wait_for_function(f"() => ({MARKS})('loss-plot') >= 2", timeout=120_000)
        path = out / f"train-forgetting-{locale}.png"
        page.screenshot(path=str(path), full_page=True)
        print(path)


@contextmanager
def app_and_browser(home: Path, tmp: Path):
    """The app on workspace `home` and a headless Chromium; both closed on the way out."""
    from playwright.sync_api import sync_playwright

    url, proc = start_app(SimpleNamespace(home=home), tmp)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            yield browser, url
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def compare_shots(browser, url: str, run: str, out: Path) -> None:
    """The Compare tab on `run`, once the recommendation (its α) and both plots are drawn."""
    for locale, tab in COMPARE.items():
        page = open_page(browser, url, locale=locale)
        goto_tab(page, tab)
        pick(page, "compare-run", run)
        # base, the blends on the curve and the final model: drawn before the picture is taken
        page.wait_for_function(f"() => ({MARKS})('tradeoff-plot') >= 3", timeout=120_000)
        page.wait_for_function(f"() => ({MARKS})('probe-plot') >= 2", timeout=120_000)
        page.get_by_text("α").first.wait_for(timeout=60_000)
        path = out / f"report-blend-{locale}.png"
        page.screenshot(path=str(path), full_page=True)
        print(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("run")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--train", action="store_true", help="The Train tab of a run (training or done).")
    parser.add_argument("--points", type=int, default=4, help="--train: forgetting points to wait for.")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ftreport-") as tmp:
        if args.train:
            with app_and_browser(args.workspace, Path(tmp)) as (browser, url):
                train_shots(browser, url, args.run, args.points, args.out)
            return
        source = args.workspace / "runs" / args.run
        if not (source / "report.json").is_file():
            raise SystemExit(f"{source}: no report.json (a finished run with its report is needed)")
        home = Path(tmp) / "home"
        shutil.copytree(source, home / "runs" / args.run)
        for shared in ("models", "cache", "probe-cache"):  # the base model the run names, converted once
            if (args.workspace / shared).is_dir():
                (home / shared).symlink_to((args.workspace / shared).resolve())
        with app_and_browser(home, Path(tmp)) as (browser, url):
            compare_shots(browser, url, args.run, args.out)


if __name__ == "__main__":
    main()

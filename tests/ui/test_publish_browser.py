"""Publish errors in a real browser: a failed push is told in the result area, in the browser's language, and it
stays there (a toast is gone after a few seconds); a first push that fails leaves no repository behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_browser import browser, goto_tab, open_page, pick, shot, start_app  # noqa: F401 (browser: a fixture)

pytestmark = pytest.mark.browser
TOKEN = "hf_BrowserSessionToken0123456789"
WRONG = "hf_WrongTokenWrongToken000000000"


def fill_push_form(page, run_id: str, repo: str, token: str, endpoint: str, address_label: str) -> None:
    pick(page, "publish-run", run_id)
    page.locator("#publish-repo textarea, #publish-repo input").first.fill(repo)
    page.locator("#publish-token input").fill(token)
    page.get_by_text(address_label).click()
    page.locator("#publish-endpoint textarea, #publish-endpoint input").first.fill(endpoint)


def keep(page, tmp_path, name: str) -> None:
    """The screenshot in the test's folder and as /tmp/publish-NAME.png, to look at."""
    shot(page, tmp_path, f"publish-{name}")
    shutil.copyfile(tmp_path / f"publish-{name}.png", Path("/tmp") / f"publish-{name}.png")


def test_a_failed_push_stays_in_the_result_area_in_the_browsers_language(browser, cli, home, tiny_model,  # noqa: F811
                                                                          chat_file, tmp_path):
    from hubstub import StandInHub

    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "3", "--name", "pub")
    assert out.returncode == 0, out.stderr
    (run_dir,) = home.runs_dir.iterdir()
    with StandInHub() as stub:
        stub.add_user("alice", TOKEN)
        url, proc = start_app(home, tmp_path, stub.env())
        try:
            page = open_page(browser, url)
            goto_tab(page, "Publish")
            fill_push_form(page, run_dir.name, "alice/browser-tiny", WRONG, stub.endpoint, "Hub address")
            page.locator("#publish-push").click()
            result = page.locator("#publish-result")
            result.get_by_text("The push did not go through").wait_for(timeout=120_000)
            text = result.inner_text()
            assert "HTTP 401" in text and "the Hub said: “Invalid credentials in Authorization header”." in text
            assert "The token was rejected" in text and "Push to the Hub" in text
            assert "Run the same command" not in text and "--endpoint" not in text and "令牌" not in text
            keep(page, tmp_path, "error-en")
            page.wait_for_timeout(15_000)  # a toast would be gone by now
            assert result.inner_text() == text
            keep(page, tmp_path, "error-en-15s")
            assert stub.repos == {} and stub.leaks(WRONG) == []

            page = open_page(browser, url, locale="zh-CN")
            goto_tab(page, "发布")
            fill_push_form(page, run_dir.name, "alice/browser-tiny", WRONG, stub.endpoint, "Hub 地址")
            page.locator("#publish-push").click()
            result = page.locator("#publish-result")
            result.get_by_text("推送未完成").wait_for(timeout=120_000)
            text = result.inner_text()
            assert "HTTP 401" in text and "令牌被拒绝" in text and "推送到 Hub" in text
            assert "The token was rejected" not in text and "did not go through" not in text
            keep(page, tmp_path, "error-zh")

            # the right token, but the commit fails: the repository this push created is deleted again
            stub.fail_next(500, path_contains="/commit/")
            page.locator("#publish-token input").fill(TOKEN)
            page.locator("#publish-push").click()
            result.get_by_text("已被删除").wait_for(timeout=120_000)
            assert "HTTP 500" in result.inner_text() and "令牌被拒绝" not in result.inner_text()
            assert stub.repos == {}
            keep(page, tmp_path, "deleted-zh")
        finally:
            proc.terminate()
            proc.wait(timeout=30)

"""The app in a real browser (Debian's Chromium via Playwright): the full flow (upload, report, train a tiny run,
re-attach after a reload mid-run and from a second browser, Compare, publish to a stand-in Hub, export), and the
browser surface: hostile hosts and images, uploads, number fields, the Train tab's curves, the guided panel."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(home, tmp_path, extra_env: dict | None = None):
    port = free_port()
    env = {**os.environ, "FTCORE_HOME": str(home.home), "GRADIO_SERVER_PORT": str(port),
           "GRADIO_SERVER_NAME": "127.0.0.1", "FTCORE_SKIP_PREPARE": "1", "HF_HUB_OFFLINE": "1",
           "FTCORE_MODEL_ROOTS": tempfile.gettempdir(),  # the tests' tiny models live under the temp folder
           **(extra_env or {})}
    log = open(tmp_path / "app.log", "wb")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail((tmp_path / "app.log").read_text())
            time.sleep(0.5)
    return url, proc


@pytest.fixture
def app_url(home, tmp_path):
    url, proc = start_app(home, tmp_path)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make install-test` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


def open_page(browser, url, locale: str | None = None):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale).new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#check-data", timeout=60_000)  # the Data tab comes first
    return page


def shot(page, tmp_path, name: str) -> None:
    """A full-page screenshot in the test's folder; with FTCORE_SCREENSHOTS=DIR also there (docs/screenshots.sh)."""
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    folder = os.environ.get("FTCORE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / f"{name}.png", Path(folder) / f"{name}.png")


def upload(page, elem_id: str, path) -> None:
    """Attach a file and wait until the server holds it (the file's name is listed), not a fixed time."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    shown = page.locator(f"#{elem_id}").get_by_text(Path(path).name).first
    for attempt in range(3):  # a file set while the tab is still being drawn can be dropped: set it again
        page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))
        try:
            shown.wait_for(timeout=30_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    if elem_id == "train-upload":  # its change handler switches the data source to the upload
        page.wait_for_function("document.querySelector('#train-source input').value === 'Uploaded file'",
                               timeout=60_000)


def goto_tab(page, name: str):
    page.get_by_role("tab", name=name).click()


def pick(page, elem_id: str, text: str):
    """Choose an option of a dropdown and wait until the dropdown shows it."""
    page.locator(f"#{elem_id} input").click()
    page.locator("ul[role=listbox] li", has_text=text).first.click()
    page.wait_for_function("([id, text]) => { const el = document.querySelector('#' + id + ' input');"
                           " return el && el.value.includes(text); }", arg=[elem_id, text], timeout=30_000)


# the marks Vega drew in a plot that a reader can see: a stroke or a fill, and a size
MARKS = """id => [...document.querySelectorAll('#' + id + ' .role-mark path')].filter(p => {
  const s = getComputedStyle(p), box = p.getBoundingClientRect();
  const painted = c => c && c !== 'none' && c !== 'transparent' && c !== 'rgba(0, 0, 0, 0)';
  return (painted(s.stroke) || painted(s.fill)) && box.width > 0 && box.height > 0; }).length"""
# whether the middle of an element is what the reader sees there (not clipped by its table's scrolling)
SEEN = """el => { const b = el.getBoundingClientRect(); if (b.right > window.innerWidth) return false;
  const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2); return !!hit && el.contains(hit); }"""


def seen(page, locator) -> bool:
    """Whether the element is seen once the page is scrolled to it (vertically only: a table's own horizontal
    scrolling is what this checks)."""
    handle = locator.element_handle(timeout=60_000)
    page.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 200)", handle)
    return page.evaluate(SEEN, handle)


def ask_both(page, prompt: str, timeout: int = 60_000) -> None:
    """Ask both models of the Compare tab and wait until each answer has text."""
    page.locator("#compare-prompt textarea").fill(prompt)
    page.locator("#compare-ask").click()
    page.wait_for_function(
        "() => ['base-answer','tuned-answer'].every(id => {"
        " const b = document.querySelector('#' + id + ' .bot'); return b && b.innerText.trim().length > 0; })",
        timeout=timeout)


def test_full_flow_upload_report_train_reattach_compare_publish_export(browser, home, tiny_model, chat_file,
                                                                        tmp_path):
    """The whole path a user takes, in one browser session and a second one: upload, quality report, dataset
    handed to training, a tiny run, a reload mid-run that re-attaches, a second browser that sees the same run,
    Compare, blind A/B, Chat, a push to a stand-in Hub and the .zip export."""
    from hubstub import StandInHub

    token = "hf_FullFlowToken0123456789abcdef"
    with StandInHub() as stub:
        stub.add_user("alice", token)
        app_url, proc = start_app(home, tmp_path, stub.env())
        try:
            full_flow(browser, app_url, home, tiny_model, chat_file, tmp_path, stub, token)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    written = [p for root in (home.home, tmp_path) for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    assert written and [str(p) for p in written if token.encode() in p.read_bytes()] == []


def full_flow(browser, app_url, home, tiny_model, chat_file, tmp_path, stub, token):
    page = open_page(browser, app_url)
    # Data: upload, check, the quality report, then hand the dataset to training
    upload(page, "data-files", chat_file)
    data_model = page.locator("#data-model input")
    data_model.fill(str(tiny_model))
    data_model.press("Enter")
    page.locator("#check-data").click()
    page.locator("#data-summary").get_by_text("12 examples").wait_for(timeout=60_000)
    page.locator("#data-report").get_by_text("Rows: 12").wait_for(timeout=30_000)
    page.get_by_label("Dataset name").fill("flow data")
    page.locator("#use-for-training").click()
    page.wait_for_function("() => { const el = document.querySelector('#train-source input');"
                           " return el && el.value.includes('flow-data'); }", timeout=30_000)

    model = page.locator("#model-dropdown input")
    model.fill(str(tiny_model))
    model.press("Enter")
    page.get_by_label("Max steps").fill("60")
    page.get_by_role("spinbutton", name="Learning rate").fill("0.001")
    page.get_by_label("Run name").fill("browser run")
    # the plan panel and the command follow the knobs: the tiny model fits, and the command carries the values
    page.locator("#train-command").get_by_text("train.max_steps=60").wait_for(timeout=30_000)
    page.locator("#train-plan").get_by_text("Fits").wait_for(timeout=30_000)
    page.locator("#start-training").click()
    status = page.locator("#run-status")
    status.get_by_text("running").wait_for(timeout=120_000)
    (run_dir,) = home.runs_dir.iterdir()
    assert run_dir.name.endswith("browser-run")

    page.reload(wait_until="domcontentloaded")  # a reload mid-run re-attaches to the run, live
    goto_tab(page, "Train")
    page.locator("#run-status").get_by_text(run_dir.name).wait_for(timeout=30_000)
    assert "done" in page.locator("#run-status").inner_text() or "running" in page.locator("#run-status").inner_text()
    reattached_live = "running" in page.locator("#run-status").inner_text()
    second = open_page(browser, app_url)  # so does a second browser
    goto_tab(second, "Train")
    second.locator("#run-status").get_by_text(run_dir.name).wait_for(timeout=30_000)
    page.locator("#run-status").get_by_text("done").wait_for(timeout=180_000)  # the live view follows to the end
    second.locator("#run-status").get_by_text("done").wait_for(timeout=60_000)
    print(f"re-attached while running: {reattached_live}")
    assert (run_dir / "final" / "model.safetensors").is_file()
    page.locator("#runs-table").get_by_text(run_dir.name).filter(visible=True).first.wait_for(timeout=30_000)
    page.get_by_text("Log").click()
    page.locator("#run-log").get_by_text("train_runtime").first.wait_for(timeout=30_000)
    shot(page, tmp_path, "train")

    # the model is usable once training ends; the report follows as its own phase, and the Compare tab shows it
    # when it lands, with no new pick
    page.get_by_role("tab", name="Compare").click()
    pick(page, "compare-run", run_dir.name)
    pending = not (run_dir / "report.json").is_file()
    page.locator("#report-summary").get_by_text("Recommended").wait_for(timeout=300_000)
    print(f"report pending when the run was picked: {pending}")
    ask_both(page, "How hot should the milk be?")
    # the tuned model has seen the data: its answer is model text, not the empty-answer notice
    assert "no text" not in page.locator("#tuned-answer .bot").first.inner_text()
    # the run's report: probe table with verdicts, and the recommendation
    page.locator("#probe-table").get_by_text("general_en").filter(visible=True).first.wait_for(timeout=30_000)
    page.locator("#report-summary").get_by_text("Recommended").wait_for(timeout=30_000)
    shot(page, tmp_path, "compare")

    page.locator("#compare-blind input").check()  # blind A/B: answer, vote, and the vote is kept with the run
    ask_both(page, "Oat or whole milk?")
    page.locator("#vote-a").click()
    page.locator("#vote-result").get_by_text("Saved").wait_for(timeout=30_000)
    (vote,) = [json.loads(line) for line in (run_dir / "votes.jsonl").read_text().splitlines()]
    assert vote["winner"] == "a" and {vote["a"], vote["b"]} == {str(tiny_model), run_dir.name}
    assert vote["prompt"] == "Oat or whole milk?"

    page.get_by_role("tab", name="Chat").click()  # the Chat tab talks to the finished run
    chat_model = page.locator("#chat-model input")
    chat_model.fill(run_dir.name)
    chat_model.press("Enter")
    page.locator("#chat-input textarea").fill("What grind for espresso?")
    page.locator("#chat-send").click()
    page.locator("#chat-bot .bot").first.wait_for(timeout=60_000)
    shot(page, tmp_path, "chat")

    # Publish to the stand-in Hub (the real huggingface_hub client), then the .zip export
    goto_tab(page, "Publish")
    pick(page, "publish-run", run_dir.name)
    page.locator("#publish-preview").get_by_text("What the model kept").wait_for(timeout=60_000)
    page.locator("#publish-repo textarea, #publish-repo input").first.fill("alice/flow-tiny")
    page.locator("#publish-token input").fill(token)
    page.get_by_text("Hub address").click()
    page.locator("#publish-endpoint textarea, #publish-endpoint input").first.fill(stub.endpoint)
    page.locator("#publish-push").click()
    page.locator("#publish-result").get_by_text("Pushed").wait_for(timeout=120_000)
    assert "model.safetensors" in stub.files("alice/flow-tiny") and stub.leaks(token) == []
    page.locator("#publish-export").click()
    link = page.locator("#publish-file a").first
    link.wait_for(timeout=60_000)
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "export.zip"
    download.value.save_as(saved)
    import zipfile

    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
    assert any(n.endswith("model.safetensors") for n in names), names


def test_bad_upload_shows_the_cli_error_and_creates_no_run(app_url, browser, home, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "only a question"}]}\n', encoding="utf-8")
    page = open_page(browser, app_url)
    goto_tab(page, "Train")
    upload(page, "train-upload", bad)
    page.locator("#start-training").click()
    page.get_by_text("the last turn is 'user', not 'assistant'").wait_for(timeout=30_000)
    assert page.get_by_text("最后一轮是“user”").count() >= 1  # the toast holds both languages
    assert not home.runs_dir.exists() or not any(home.runs_dir.iterdir())


def test_a_chinese_browser_reads_the_engine_texts_in_chinese(app_url, browser, tiny_model):
    page = open_page(browser, app_url, locale="zh-CN")
    goto_tab(page, "训练")
    plan = page.locator("#train-plan")
    plan.get_by_text("内置模型").wait_for(timeout=60_000)  # the embedded model is not prepared here: the engine says so
    model = page.locator("#model-dropdown input")
    model.fill(str(tiny_model))
    model.press("Enter")
    plan.get_by_text("建议学习率").wait_for(timeout=60_000)
    assert "Suggested learning rate" not in plan.inner_text()


def test_data_tab_checks_reports_and_hands_a_dataset_to_training(app_url, browser, home, tiny_model, tmp_path):
    from ftcore import DEMOS

    page = open_page(browser, app_url)
    upload(page, "data-files", DEMOS["contracts-risk"].path)
    page.get_by_label("Prompt template (classification)").fill(DEMOS["contracts-risk"].template)
    model = page.locator("#data-model input")
    model.fill(str(tiny_model))
    model.press("Enter")
    page.locator("#check-data").click()
    page.locator("#data-summary").get_by_text("150 examples").wait_for(timeout=60_000)
    report = page.locator("#data-report")
    report.get_by_text("Rows: 150").wait_for(timeout=30_000)
    assert "高 50" in report.inner_text()
    assert page.locator("#data-rendered").get_by_text("learned").count() >= 1  # the loss-masked answer is marked
    shot(page, tmp_path, "data")

    page.get_by_label("Dataset name").fill("contracts ui")
    page.locator("#use-for-training").click()
    # the Train tab opens with the prepared dataset selected
    page.wait_for_function("() => { const el = document.querySelector('#train-source input');"
                           " return el && el.value.includes('contracts-ui'); }", timeout=30_000)
    (info,) = __import__("ftcore").prepared_datasets(home)
    assert info["train"] == 135 and info["validation"] == 15


def test_stop_and_resume_buttons(app_url, browser, tiny_model, chat_file, home):
    page = open_page(browser, app_url)
    goto_tab(page, "Train")
    upload(page, "train-upload", chat_file)
    model = page.locator("#model-dropdown input")
    model.fill(str(tiny_model))
    model.press("Enter")
    page.get_by_label("Max steps").fill("100000")
    page.get_by_text("Advanced").click()
    page.get_by_label("Save steps").fill("5")
    page.get_by_label("Save steps").press("Tab")
    # the command line is rebuilt from the same settings the Start button sends: wait until it has both
    page.locator("#train-command").get_by_text("train.save_steps=5").wait_for(timeout=60_000)
    assert "train.max_steps=100000" in page.locator("#train-command").inner_text()
    page.locator("#start-training").click()
    status = page.locator("#run-status")
    status.get_by_text("running").wait_for(timeout=60_000)
    status.get_by_text(" left").wait_for(timeout=120_000)  # time left after the first step (the model loads first)
    (run_dir,) = home.runs_dir.iterdir()
    deadline = time.monotonic() + 120
    while not list((run_dir / "checkpoints").glob("checkpoint-*")):
        assert time.monotonic() < deadline, "no checkpoint within 120 s (is train.save_steps 5?)"
        time.sleep(0.2)
    page.get_by_role("button", name="Stop run").click()
    status.get_by_text("cancelled").wait_for(timeout=120_000)
    status.get_by_text("Resume").wait_for(timeout=10_000)
    page.locator("#resume-run").click()
    status.get_by_text("running").wait_for(timeout=60_000)
    assert any("Resume requested" in line for line in (run_dir / "events.jsonl").read_text().splitlines())
    page.get_by_role("button", name="Stop run").click()
    status.get_by_text("cancelled").wait_for(timeout=120_000)


def test_publish_tab_renders_the_card_and_pushes_without_keeping_the_token(browser, cli, home, tiny_model,
                                                                           chat_file, tmp_path):
    """Publish to the stand-in Hub (tests/hubstub.py; the app's client is the real huggingface_hub)."""
    from hubstub import StandInHub

    token = "hf_BrowserSessionToken0123456789"
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "3", "--name", "pub")
    assert out.returncode == 0, out.stderr
    (run_dir,) = home.runs_dir.iterdir()
    with StandInHub() as stub:
        stub.add_user("alice", token)
        url, proc = start_app(home, tmp_path, stub.env())
        try:
            page = open_page(browser, url)
            goto_tab(page, "Publish")
            pick(page, "publish-run", run_dir.name)
            page.locator("#publish-preview").get_by_text("What the model kept").wait_for(timeout=60_000)
            page.locator("#publish-preview img").first.wait_for(timeout=30_000)  # the loss curve
            page.wait_for_function("() => { const i = document.querySelector('#publish-preview img'); "
                                   "return i && i.complete && i.naturalWidth > 0; }", timeout=30_000)  # drawn
            page.get_by_text("Use it in your app").click()  # how to serve and call this run, copyable
            page.locator("#publish-snippet").get_by_text(f"ftcore serve {run_dir.name}").wait_for(timeout=30_000)
            assert "chat.completions.create" in page.locator("#publish-snippet").inner_text()
            page.locator("#publish-repo textarea, #publish-repo input").first.fill("not a repo")
            page.locator("#publish-hint").get_by_text("is not a repository name").wait_for(timeout=30_000)
            page.locator("#publish-repo textarea, #publish-repo input").first.fill("alice/browser-tiny")
            page.locator("#publish-hint").get_by_text("alice/browser-tiny").wait_for(timeout=30_000)
            page.locator("#publish-token input").fill(token)
            page.get_by_text("Hub address").click()
            page.locator("#publish-endpoint textarea, #publish-endpoint input").first.fill(stub.endpoint)
            page.locator("#publish-push").click()
            page.locator("#publish-result").get_by_text("Pushed").wait_for(timeout=120_000)
            shot(page, tmp_path, "publish")
            assert "model.safetensors" in stub.files("alice/browser-tiny")
            assert stub.repo("alice/browser-tiny").private is True and stub.leaks(token) == []
            page.locator("#publish-export").click()
            page.locator("#publish-file a").first.wait_for(timeout=60_000)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    written = [p for root in (home.home, tmp_path) for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    assert written and [str(p) for p in written if token.encode() in p.read_bytes()] == []


def test_a_foreign_host_header_is_refused(app_url):
    """DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 sends Host: evil.example."""
    import urllib.error

    port = app_url.rsplit(":", 1)[1].strip("/")
    for host, expected in ((f"127.0.0.1:{port}", 200), (f"localhost:{port}", 200), ("evil.example", 400)):
        request = urllib.request.Request(app_url + "config", headers={"Host": host, "Origin": f"http://{host}"})
        try:
            status = urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == expected, host


def test_external_images_in_the_page_are_never_fetched(app_url, browser):
    """Model output with ![](http://host/?q=...) must not leak the conversation: the page's Content-Security-Policy
    allows images from the app itself and data: URLs only. A counting server stands in for the other host."""
    import http.server
    import threading

    hits = []

    class Count(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", free_port()), Count)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = open_page(browser, app_url)
        leak = f"http://127.0.0.1:{server.server_port}/leak?q=secret"
        page.evaluate("src => { const img = document.createElement('img'); img.src = src; "
                      "document.body.appendChild(img); }", leak)
        page.evaluate("() => { const img = document.createElement('img'); img.src = 'data:image/gif;base64,"
                      "R0lGODlhAQABAAAAACw='; document.body.appendChild(img); }")
        page.wait_for_timeout(1500)
        assert hits == []
    finally:
        server.shutdown()


def test_number_fields_step_on_their_own_scale(app_url, browser):
    """The arrow keys move a learning rate by 1e-06, not by 1 (5e-05 became 1, unflagged)."""
    page = open_page(browser, app_url)
    goto_tab(page, "Train")
    box = page.get_by_role("spinbutton", name="Learning rate")
    box.fill("0.00005")
    box.press("ArrowUp")
    assert float(box.input_value()) == pytest.approx(5.1e-05)
    epochs = page.get_by_role("spinbutton", name="Epochs", exact=True)
    epochs.fill("3")
    epochs.press("ArrowUp")
    assert float(epochs.input_value()) == pytest.approx(3.5)


def write_finished_run(home, steps: int = 12):
    """A run folder as a finished worker leaves it: train events every step, one validation at the end."""
    import ftcore

    run = ftcore.RunStore(home.ensure()).create(ftcore.apply_overrides(ftcore.RunConfig(name="curves"),
                                                                       ["data.train=x.jsonl"]))
    start = time.time() - 60
    events = [{"time": start, "type": "train_begin", "total_steps": steps, "step": 0}]
    events += [{"time": start + i, "type": "train", "step": i, "loss": 3 - i / 10, "grad_norm": 1.0,
                "learning_rate": 1e-4, "num_input_tokens_seen": 500 * i} for i in range(1, steps + 1)]
    events.append({"time": start + steps + 1, "type": "eval", "step": steps, "eval_loss": 2.4})
    run.events_path.write_text("".join(__import__("json").dumps(e) + "\n" for e in events))
    run.update_status(state="done", step=steps, total_steps=steps, loss=3 - steps / 10)
    return run


def test_train_tab_draws_every_curve_and_speaks_the_readers_language(home, browser, tmp_path):
    """A validation loss measured once is a point on the loss chart (a line never drew it); the runs table, the
    run list and the chart titles of the Chinese page are Chinese; the re-attached run is shown without a click."""
    run = write_finished_run(home)
    url, proc = start_app(home, tmp_path)
    try:
        for locale, tab, state in (("en-US", "Train", "done"), ("zh-CN", "训练", "已完成")):
            page = open_page(browser, url, locale=locale)
            goto_tab(page, tab)
            page.locator("#run-status").get_by_text(run.id).wait_for(timeout=60_000)
            page.locator("#run-status").get_by_text(state).first.wait_for(timeout=30_000)
            symbols = page.locator("#loss-plot g.mark-symbol path")
            page.wait_for_function("n => document.querySelectorAll('#loss-plot g.mark-symbol path').length >= n",
                                   arg=13, timeout=30_000)
            assert symbols.count() >= 13  # 12 training losses and the one validation loss (and the legend's)
            headers = page.locator("#runs-table th").all_inner_texts()
            if locale == "zh-CN":
                assert "状态" in "".join(headers) and "state" not in headers
                plot_text = page.locator("#loss-plot").inner_text()
                assert "按步数" in plot_text and "__i18n__" not in plot_text  # the label; no untranslated title
                # the last column's header is seen at 1400 px, not clipped by the table's scrolling
                assert seen(page, page.locator("#runs-table th").filter(has_text="创建时间").first), headers
                shot(page, tmp_path, "train-zh")
            else:
                assert [h.strip() for h in headers][:3] == ["run", "state", "step"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_guided_panel_follows_its_run_after_a_reload(home, browser, tmp_path):
    """The guided run belongs to the workspace, not the browser session: a new page finds the run in progress,
    shows where it stands with its button disabled (no second run), and the outcome when it ends."""
    import ftcore
    from ftcore.runs.liveness import process_start

    worker = subprocess.Popen(["sleep", "600"])  # stands in for the guided run's live worker
    try:
        run = write_finished_run(home)
        config = run.config()
        config.name = "first-run"
        run.config_path.write_text(config.to_yaml())
        run.update_status(state="running", step=6, total_steps=12, loss=2.4, pid=worker.pid,
                          pid_start=process_start(worker.pid), host=home.node_name)
        url, proc = start_app(home, tmp_path)
        try:
            page = open_page(browser, url, locale="zh-CN")
            steps = page.locator("#guided-steps")
            steps.get_by_text(run.id).first.wait_for(timeout=60_000)
            assert "第 6/12 步" in steps.inner_text() and "训练中" in steps.inner_text()
            assert page.locator("#guided-start").is_disabled()
            run.report_path.write_text(__import__("json").dumps(
                {"budget": 5, "suites": [], "domain_split": "validation", "recommended": "final",
                 "recommendation": "final", "base": {"domain": {"loss": 3.0}, "probes": {}},
                 "candidates": [{"name": "final", "domain": {"loss": 2.4}, "rows": [], "within_budget": True}]}))
            run.update_status(state="done", step=12, ended=ftcore.runs.state.now())
            steps.get_by_text("引导式运行用时").wait_for(timeout=60_000)
            page.wait_for_function("() => !document.querySelector('#guided-start').disabled", timeout=30_000)
            assert not list(home.runs_dir.glob("*first-run-2"))  # no second guided run
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        worker.kill()


def test_uploads_are_same_origin_bounded_per_request_and_per_workspace(home, tmp_path):
    """Cross-origin uploads are refused, a request may carry one file's worth of bytes (four 60 MB files are not
    one 200 MB file), all uploads together have a quota, and old uploads are removed; refused bytes are never
    stored."""
    import http.client

    from ui import uploads

    url, proc = start_app(home, tmp_path)
    temp = home.home / "tmp" / "gradio"
    port = int(url.rsplit(":", 1)[1].strip("/"))

    def post(body: bytes, headers: dict, length: int | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        boundary = "ftcoreboundary"
        data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"d.jsonl\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()
        conn.putrequest("POST", "/gradio_api/upload", skip_host=True, skip_accept_encoding=True)
        for key, value in {"Host": f"127.0.0.1:{port}", "Content-Type": f"multipart/form-data; boundary={boundary}",
                           "Content-Length": str(length if length is not None else len(data)), **headers}.items():
            conn.putheader(key, value)
        conn.endheaders()
        try:
            conn.send(data if length is None or length <= len(data) else data[:1024])
            answer = conn.getresponse()
            return answer.status, answer.read().decode()
        finally:
            conn.close()

    def stored() -> list[str]:
        return sorted(p.name for p in temp.rglob("d.jsonl")) if temp.is_dir() else []

    try:
        status, text = post(b'{"text": "a"}\n', {"Origin": "http://evil.example"})
        assert status == 403 and "own pages" in text and stored() == [], (status, text)
        status, text = post(b"x", {"Origin": f"http://127.0.0.1:{port}"}, length=4 * 60 * 2**20)
        assert status == 413 and "At most 210 MB" in text and stored() == []
        status, text = post(b'{"text": "a"}\n', {"Origin": f"http://127.0.0.1:{port}"})
        assert status == 200 and stored() == ["d.jsonl"], text
        old = temp / ("0" * 8)
        old.mkdir(parents=True)
        with open(old / "big.bin", "wb") as handle:  # a sparse file: counts toward the quota, takes no disk
            handle.truncate(uploads.WORKSPACE_QUOTA)
        status, text = post(b'{"text": "a"}\n', {})
        assert status == 413 and "at most 2048 MB" in text
        stale = time.time() - uploads.UPLOAD_TTL_S - 60
        os.utime(old, (stale, stale))  # older than the time uploads are kept: removed at the next upload
        status, text = post(b'{"text": "a"}\n', {})
        assert status == 200 and not old.exists(), text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_command_line_follows_the_run_name(app_url, browser):
    page = open_page(browser, app_url)
    goto_tab(page, "Train")
    page.locator("#train-command").get_by_text("ftcore train").wait_for(timeout=60_000)
    page.get_by_label("Run name").fill("my latte run")
    page.get_by_label("Run name").press("Tab")
    page.locator("#train-command").get_by_text("my latte run").wait_for(timeout=30_000)
    assert "ui-run" not in page.locator("#train-command").inner_text()

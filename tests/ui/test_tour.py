"""Every tab in English and in Chinese at 1400 px, and Compare on a phone (390 px), over one real tiny run with its
report. Each screenshot is taken once its plots have marks (with FTCORE_SCREENSHOTS=DIR they are copied there:
docs/screenshots.sh). The Chinese pages are walked for English: no Latin-only word is left in a tab's labels,
tables and charts, outside a small allow-list (ids, units, names of formats and techniques) and the user's own
text (data rows, model answers, the command line, the log)."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from test_browser import MARKS, ask_both, browser, goto_tab, open_page, pick, seen, shot, start_app, upload  # noqa: F401 (browser)

from ftcore import RunStore

pytestmark = pytest.mark.browser

# text the user brought or the model wrote, and code: not the page's own words
USER_TEXT = ["#data-rendered", "#data-canonical", "#data-augmented", "#chat-bot", "#base-answer", "#tuned-answer",
             "#run-log", "#train-command", "#publish-card", "#publish-snippet", "#publish-preview", "#data-files",
             "textarea", "input", "code", "pre", ".file-preview", "#runs-dropdown", "#compare-run", "#publish-run",
             # gradio's own transient queue and progress line ("In queue: 1 of 1"), gone once a handler answers
             ".progress-text", ".meta-text", ".meta-text-center", ".eta-bar"]
# ids, units and names a Chinese interface keeps as they are
ALLOWED = {
    "smollm", "instruct", "tiny", "model", "tour", "checkpoint", "final", "jsonl", "json", "csv", "tsv", "parquet",
    "txt", "yaml", "gib", "mib", "gb", "mb", "kb", "tokens", "cpu", "gpu", "cuda", "ram", "hub", "hugging", "face",
    "rouge", "kl", "sft", "lora", "zero", "deepspeed", "fsdp", "ddp", "adamw", "torch", "fused", "bf", "fp",
    "adafactor", "adalomo", "galore", "sgd", "bit", "cosine", "linear", "constant", "full", "freeze", "bottom",
    "progressive", "distill", "none", "optimizer", "params", "auto", "messages", "alpaca", "prompt", "completion",
    "text", "classification", "general", "en", "zh", "arithmetic", "passages", "ppl", "poem", "mit", "apache",
    "llama", "gemma", "cc", "by", "sa", "nc", "openrail", "other", "chatml", "tools", "demo", "barista",
    "contracts", "risk", "roastery", "upload", "quick", "alice", "ftcore", "python", "openai", "api", "curl",
    "fulltune", "gradio", "mfu", "eta", "nan", "inf", "ms", "s", "min", "id", "url", "http", "https", "localhost",
    "safetensors", "gguf", "ollama", "zip", "llm", "chat", "gptq", "utc", "top", "label", "jinja",
}
WORDS = """([skip, root]) => {
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || !node.textContent.trim()) continue;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    out.push(node.textContent);
  }
  return out; }"""


def english_left(page, tab_selector: str, extra: set[str]) -> list[str]:
    texts = page.evaluate(WORDS, [", ".join(USER_TEXT), page.locator(tab_selector).element_handle()])
    found = []
    for text in texts:
        for token in re.split(r"[\s，。：；、（）()“”‘’！？,;!?\[\]{}|*+×]+", text):
            if re.search(r"[_=/<>.:@\d]", token):  # a key, a path, a file, key=value, a number: not prose
                continue
            for word in re.findall(r"[A-Za-z]{3,}", token):
                if word.lower() not in ALLOWED | extra:
                    found.append(f"{word} (in {text.strip()[:60]!r})")
    return sorted(set(found))


def wait_marks(page, plot: str, at_least: int = 1) -> None:
    page.wait_for_function(f"() => ({MARKS})('{plot}') >= {at_least}", timeout=120_000)


@pytest.fixture
def toured(cli, home, tiny_model, chat_file, tmp_path):
    """The app over one finished run: a tiny one trained here, or (FTCORE_TOUR_HOME=WORKSPACE, for the docs'
    screenshots) a copy of a workspace holding a real run, such as the guided run's, whose newest run is shown."""
    source = os.environ.get("FTCORE_TOUR_HOME")
    if source:
        shutil.copytree(source, home.home, dirs_exist_ok=True, ignore=shutil.ignore_patterns("gradio", "tmp"))
    else:
        out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "8", "--lr", "1e-3",
                  "--batch-size", "2", "--save-steps", "4", "train.eval_steps=4", "probe.suites=quick",
                  "--name", "tour")
        assert out.returncode == 0, out.stderr[-2000:]
    run = next(r for r in RunStore(home).list() if r.report_path.is_file())
    assert json.loads(run.report_path.read_text())["candidates"]
    model = run.config().model.ref if source else str(tiny_model)
    url, proc = start_app(home, tmp_path)
    yield url, run, model
    proc.terminate()
    proc.wait(timeout=30)


TABS = {"en-US": ("Data", "Train", "Compare", "Chat", "Publish"), "zh-CN": ("数据", "训练", "对比", "对话", "发布")}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_every_tab_drawn_in_both_languages_with_no_english_left_in_chinese(
        toured, browser, chat_file, tmp_path, locale):  # noqa: F811 (browser: the fixture)
    url, run, model = toured
    data, train, compare, chat, publish = TABS[locale]
    zh = locale == "zh-CN"
    ids = {run.id.lower(), *run.id.lower().split("-"), *model.lower().replace("/", " ").split()}
    leftovers: dict[str, list[str]] = {}

    page = open_page(browser, url, locale=locale)
    upload(page, "data-files", chat_file)
    box = page.locator("#data-model input")
    box.fill(model)
    box.press("Enter")
    page.locator("#check-data").click()
    page.locator("#data-summary").get_by_text("12").first.wait_for(timeout=60_000)
    wait_marks(page, "data-histogram")
    shot(page, tmp_path, f"data-{locale}")
    if zh:
        leftovers[data] = english_left(page, "#component-0, body", ids)

    goto_tab(page, train)
    page.locator("#run-status").get_by_text(run.id).wait_for(timeout=60_000)
    wait_marks(page, "loss-plot")
    # forgetting is measured at evaluations: with no validation file no point will come, and no empty plot shows
    evaluates = bool(run.config().data.val)
    assert page.locator("#forget-plot").is_visible() == evaluates
    if evaluates:
        wait_marks(page, "forget-plot")
    # every runs-table column is seen
    last = page.locator("#runs-table th").filter(has_text="创建时间" if zh else "created").first
    assert seen(page, last)
    shot(page, tmp_path, f"train-{locale}")
    if zh:
        leftovers[train] = english_left(page, "body", ids)

    goto_tab(page, compare)
    pick(page, "compare-run", run.id)
    wait_marks(page, "probe-plot")
    wait_marks(page, "tradeoff-plot")
    ask_both(page, "如何让奶泡更细腻？" if zh else "How do I get silkier milk foam?", timeout=120_000)
    shot(page, tmp_path, f"compare-{locale}")
    if zh:
        leftovers[compare] = english_left(page, "body", ids)

    goto_tab(page, chat)
    box = page.locator("#chat-model input")
    box.fill(run.id)
    box.press("Enter")
    page.locator("#chat-input textarea").fill("What grind for espresso?")
    page.locator("#chat-send").click()
    page.locator("#chat-bot .bot").first.wait_for(timeout=60_000)
    shot(page, tmp_path, f"chat-{locale}")
    if zh:
        leftovers[chat] = english_left(page, "body", ids)

    goto_tab(page, publish)
    pick(page, "publish-run", run.id)
    page.locator("#publish-preview img").first.wait_for(timeout=60_000)
    shot(page, tmp_path, f"publish-{locale}")
    if zh:
        leftovers[publish] = english_left(page, "body", ids)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale).new_page()
    phone.goto(url, wait_until="domcontentloaded")
    phone.wait_for_selector("#check-data", timeout=60_000)
    goto_tab(phone, compare)
    pick(phone, "compare-run", run.id)
    wait_marks(phone, "probe-plot")
    wait_marks(phone, "tradeoff-plot")
    shot(phone, tmp_path, f"compare-390-{locale}")
    print(json.dumps(leftovers, ensure_ascii=False, indent=1))
    assert not {tab: words for tab, words in leftovers.items() if words}, leftovers

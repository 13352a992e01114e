"""The Data tab in a real browser at 1400 px, in English and Chinese: a bad row is named by the upload's own file
name and line, wrapped on screen; a Chinese file's preview ends on whole characters; the canonical and augmented
rows read as turns; the length histogram's labels do not overlap; label balance shows only for labelled data."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from test_browser import app_url, browser, goto_tab, open_page, upload  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
SCREENSHOTS = "/tmp"

# the rect of the first occurrence of `text` inside the element, and whether every box that clips it shows it
VISIBLE_TEXT = """([selector, text]) => {
    const root = document.querySelector(selector);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(text);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + text.length);
        const r = range.getBoundingClientRect();
        let shown = r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
        for (let el = node.parentElement; el; el = el.parentElement) {
            const style = getComputedStyle(el);
            if (style.overflowX === 'visible') continue;
            const box = el.getBoundingClientRect();
            shown = shown && r.left >= box.left - 1 && r.right <= box.right + 1;
        }
        return {left: r.left, right: r.right, shown: shown, width: window.innerWidth};
    }
    return null;
}"""

# the x-axis labels of a plot and how many neighbours overlap: two labels at the same angle, their anchors d apart,
# are apart when d along the text's direction passes the text's length or d across it passes the text's height
OVERLAPPING_LABELS = """(selector) => {
    const texts = [...document.querySelectorAll(selector + ' g[aria-label^="X-axis"] .role-axis-label text')];
    const labels = texts.map(t => {
        const m = /translate\\(([-\\d.]+),[-\\d.]+\\)(?: rotate\\(([-\\d.]+)\\))?/.exec(t.getAttribute('transform'));
        const box = t.getBBox();
        return {x: +m[1], angle: (+(m[2] || 0)) * Math.PI / 180, w: box.width, h: box.height};
    }).sort((a, b) => a.x - b.x);
    let overlaps = 0;
    for (let i = 1; i < labels.length; i++) {
        const a = labels[i - 1], b = labels[i], d = b.x - a.x;
        const along = d * Math.abs(Math.cos(a.angle)), across = d * Math.abs(Math.sin(a.angle));
        if (along < Math.max(a.w, b.w) && across < 0.8 * Math.max(a.h, b.h)) overlaps++;
    }
    return [labels.length, overlaps];
}"""


def save(page, name: str) -> None:
    for close in page.locator(".toast-close").all():  # the toasts would cover the page's right side
        close.click()
    page.wait_for_function("() => !document.querySelector('.toast-close')", timeout=10_000)
    page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)
    folder = os.environ.get("FTCORE_SCREENSHOTS")  # docs/screenshots.sh
    if folder and name.startswith("data-tools"):
        shutil.copyfile(f"{SCREENSHOTS}/{name}.png", f"{folder}/{name}.png")


def late_error_file(tmp_path):
    """4,001 good chat rows, then one whose answer is a number: the problem is at line 4001."""
    rows = [{"messages": [{"role": "user", "content": f"Question {i}?"},
                          {"role": "assistant", "content": f"Answer {i}."}]} for i in range(4000)]
    rows.append({"messages": [{"role": "user", "content": "Last?"}, {"role": "assistant", "content": 7}]})
    path = tmp_path / "support-tickets.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def chinese_alpaca_file(tmp_path, model, rows: int = 50, max_length: int = 512):
    """Alpaca rows with long Chinese answers, the first one cut at max_length inside a character: the tiny model's
    tokenizer spells most Chinese characters as two or three byte tokens, and the rows differ in their number."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model)
    clause = "本合同对违约责任做出了明确规定，双方应当按照约定履行各自的义务；"

    def row(n: int) -> dict:
        return {"instruction": f"请概括第{n}份合同中关于违约责任的条款。", "input": "", "output": clause * (20 + n % 7)}

    def cut_inside_a_character(n: int) -> bool:
        text = tokenizer.apply_chat_template([{"role": "user", "content": row(n)["instruction"]},
                                              {"role": "assistant", "content": row(n)["output"]}], tokenize=False)
        offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        return offsets[max_length][0] < offsets[max_length - 1][1]

    first = next(n for n in range(100) if cut_inside_a_character(n))
    data = [row(n) for n in range(first, first + rows)]
    path = tmp_path / "合同摘要.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")
    return path, clause, first


def use_model(page, model) -> None:
    box = page.locator("#data-model input")
    box.fill(str(model))
    box.press("Enter")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_bad_row_is_named_by_the_uploads_own_name_and_line_in_view(app_url, browser, tmp_path, locale):  # noqa: F811
    bad = late_error_file(tmp_path)
    page = open_page(browser, app_url, locale=locale)
    upload(page, "data-files", bad)
    page.locator("#check-data").click()
    summary = page.locator("#data-summary")
    summary.get_by_text(":4001:").first.wait_for(timeout=120_000)
    shown = next(line.strip() for line in summary.inner_text().splitlines() if ":4001:" in line)
    assert shown.startswith("support-tickets.jsonl:4001: messages[1].content"), shown
    assert "/tmp" not in summary.inner_text()
    where = page.evaluate(VISIBLE_TEXT, ["#data-summary", "support-tickets.jsonl:4001"])
    assert where and where["shown"] and where["width"] == 1400, where
    # the whole problem wraps inside the page: its end (what to do) is on screen too
    end = page.evaluate(VISIBLE_TEXT, ["#data-summary", shown[-12:]])
    assert end and end["shown"], end
    save(page, f"data-error-{locale}")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_chinese_file_previews_whole_characters_and_readable_turns(app_url, browser, tiny_model, tmp_path,  # noqa: F811
                                                                     locale):
    path, clause, first = chinese_alpaca_file(tmp_path, tiny_model)
    page = open_page(browser, app_url, locale=locale)
    upload(page, "data-files", path)
    use_model(page, tiny_model)
    page.locator("#check-data").click()
    learned = page.locator("#data-rendered .token.highlighted .text")
    learned.first.wait_for(timeout=120_000)
    answer = "".join(learned.all_inner_texts())
    seen = page.locator("#data-rendered .textfield").inner_text()
    assert "\ufffd" not in seen and answer, seen[-40:]
    # the answer is cut at max length (512 tokens) on a whole character: what is shown is the answer's start
    assert len(answer) < len(clause * 20) and (clause * 30).startswith(answer), answer[-20:]

    page.locator("#data-canonical li").first.wait_for(timeout=30_000)
    canonical = page.locator("#data-canonical").inner_text()
    assert "Object(" not in canonical
    assert f"user: 请概括第{first}份合同中关于违约责任的条款。" in canonical
    assert f"assistant: {clause * 2}" in canonical

    labels = page.locator("#data-labels")
    assert labels.count() == 0 or not labels.is_visible()  # no labels, no label-balance plot
    assert page.get_by_text("Label balance").or_(page.get_by_text("标签分布")).filter(visible=True).count() == 0
    page.wait_for_function("() => document.querySelectorAll('#data-histogram .role-axis-label text').length > 0",
                           timeout=30_000)  # the plot shows once it has data, then vega draws it
    count, overlaps = page.evaluate(OVERLAPPING_LABELS, "#data-histogram")
    assert count >= 1 and overlaps == 0
    titles = page.evaluate("() => [...document.querySelectorAll('#data-histogram .role-axis-title text')]"
                           ".map(e => e.textContent)")
    assert set(titles) == ({"词元数", "行数"} if locale == "zh-CN" else {"tokens", "rows"}), titles
    tag = "参与训练" if locale == "zh-CN" else "learned"
    rendered = page.locator("#data-rendered").inner_text()
    assert tag in rendered and (locale == "en-US" or "learned" not in rendered.lower()), rendered[-80:]

    report = page.locator("#data-report")
    assert report.locator("li").count() >= 1  # the warnings are a list that wraps, not a clipped code box
    warning = report.locator("li").first.inner_text()
    where = page.evaluate(VISIBLE_TEXT, ["#data-report", warning[-10:]])
    assert where and where["shown"], where
    save(page, f"data-preview-{locale}")

    page.get_by_text("划分与增强" if locale == "zh-CN" else "Split and augment").first.click()
    page.locator("#data-augmented").scroll_into_view_if_needed()
    page.get_by_label("swap").check()
    page.locator("#data-augmented li").first.wait_for(timeout=120_000)
    augmented = page.locator("#data-augmented").inner_text()
    assert "Object(" not in augmented and "user: " in augmented and "assistant: " in augmented
    save(page, f"data-augment-{locale}")


def test_labelled_data_shows_its_label_balance(app_url, browser, tiny_model, tmp_path):  # noqa: F811
    from ftcore import DEMOS

    demo = DEMOS["contracts-risk"]
    path = tmp_path / demo.path.name
    shutil.copyfile(demo.path, path)
    page = open_page(browser, app_url)
    upload(page, "data-files", path)
    page.get_by_label("Prompt template (classification)").fill(demo.template)
    use_model(page, tiny_model)
    page.locator("#check-data").click()
    page.locator("#data-summary").get_by_text("150 examples").wait_for(timeout=120_000)
    page.locator("#data-labels").wait_for(state="visible", timeout=30_000)
    assert "label: " in page.locator("#data-canonical").inner_text()
    save(page, "data-labels-en-US")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_tool_calling_row_previews_its_calls_and_results(app_url, browser, tiny_model, tmp_path, locale):  # noqa: F811
    from ftcore import DEMOS

    path = tmp_path / "roastery.jsonl"
    shutil.copyfile(DEMOS["roastery-tools"].path, path)
    page = open_page(browser, app_url, locale=locale)
    upload(page, "data-files", path)
    use_model(page, tiny_model)
    page.locator("#check-data").click()
    # the tiny model's template has no tool support: refused with the fix, nothing rendered without the calls
    page.locator("#data-summary").get_by_text("chatml-tools").first.wait_for(timeout=120_000)
    box = page.locator("#data-chat-template input")
    box.fill("chatml-tools")
    box.press("Enter")
    length = page.get_by_label("Max length (tokens)").or_(page.get_by_label("最大长度（词元）"))
    length.fill("4096")
    page.locator("#check-data").click()
    page.locator("#data-report").get_by_text("check_stock").first.wait_for(timeout=120_000)

    learned = "".join(page.locator("#data-rendered .token.highlighted .text").all_inner_texts())
    seen = page.locator("#data-rendered .textfield").inner_text()
    # the call is learned, in the template's own syntax (the spans' text comes without its line breaks)
    assert '<tool_call>{"name": "check_stock", "arguments": {"coffee": ' in learned
    assert "<tool_response>" in seen and "<tool_response>" not in learned  # the tool's answer is shown, not learned
    canonical = page.locator("#data-canonical").inner_text()
    calls, tools = ("→ 调用 check_stock(", "工具：check_stock") if locale == "zh-CN" else ("→ calls check_stock(",
                                                                                        "Tools: check_stock")
    assert calls in canonical and tools in canonical and "tool: {" in canonical
    report = page.locator("#data-report").inner_text()
    assert ("工具调用：" if locale == "zh-CN" else "Tool calls: ") in report
    page.wait_for_function("() => document.querySelectorAll('#data-histogram .role-axis-label text').length > 2",
                           timeout=30_000)
    bins = page.evaluate("""() => [...document.querySelectorAll(
        '#data-histogram g[aria-label^="X-axis"] .role-axis-label text')]
        .map(t => [t.getBoundingClientRect().left, +t.textContent.split('-')[0]])
        .sort((a, b) => a[0] - b[0]).map(p => p[1])""")
    assert bins == sorted(bins) and bins[0] < 1000 < bins[-1], bins  # length order, not text order
    page.locator("#data-rendered").scroll_into_view_if_needed()
    save(page, f"data-tools-{locale}")


def test_a_150_mb_upload_arrives_whole_and_a_250_mb_one_is_refused_with_the_limit(app_url, browser, home, tmp_path):  # noqa: F811
    line = json.dumps({"messages": [{"role": "user", "content": "Where is my order?"},
                                    {"role": "assistant", "content": "It ships today. " * 60}]}) + "\n"
    big = tmp_path / "support-150mb.jsonl"
    with open(big, "w", encoding="utf-8") as handle:
        handle.write(line * (150 * 2**20 // len(line)))
    page = open_page(browser, app_url)
    upload(page, "data-files", big)
    temp = home.gradio_temp_dir

    def held() -> int:
        return max((p.stat().st_size for p in temp.rglob(big.name)), default=0) if temp.is_dir() else 0

    deadline = time.monotonic() + 180
    while held() < big.stat().st_size and time.monotonic() < deadline:
        time.sleep(0.5)
    assert held() == big.stat().st_size  # all of it, not a part
    page.locator("#data-files").get_by_text("MB").first.wait_for(timeout=30_000)  # listed with its size

    huge = tmp_path / "support-250mb.jsonl"
    with open(huge, "wb") as handle:
        handle.truncate(250 * 2**20)
    page.locator("#data-files input[type=file]").set_input_files(str(huge))
    toast = page.locator(".toast-body").filter(has_text="200")
    toast.first.wait_for(timeout=60_000)  # the browser refuses it before sending a byte, and says the limit
    shown = toast.first.evaluate("e => e.textContent")
    assert 'exceed the maximum allowed size of 200.0 Mb: "support-250mb.jsonl"' in shown, shown
    page.wait_for_timeout(1000)  # the toast slides in
    page.screenshot(path=f"{SCREENSHOTS}/data-upload-limit-toast.png")
    page.screenshot(path=f"{SCREENSHOTS}/data-upload-limit.png")
    assert not [p for p in home.gradio_temp_dir.rglob(huge.name)]

"""The Data tab's texts on literal inputs: errors name the upload by its own name, rows read as turns, the report
wraps with its warnings as a list, and plots without data are hidden."""

from __future__ import annotations

import json

import pytest

import ftcore
from ui.data_tab import named, plain, preview_rows, problems_markdown, report_frames, report_markdown


@pytest.fixture
def upload(tmp_path):
    """A file where gradio keeps an upload: its own name under a folder named by a hash."""
    folder = tmp_path / "gradio" / ("ab" * 32)
    folder.mkdir(parents=True)
    path = folder / "tickets.jsonl"
    rows = [{"instruction": f"q{i}", "output": f"a{i}"} for i in range(5)] + [{"instruction": "q", "output": 3}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_a_data_error_names_the_upload_by_its_own_name(upload):
    with pytest.raises(ftcore.UserError) as caught:
        ftcore.read_examples(upload)
    for lang, problem in (("en", "must be text, got int"), ("zh", "必须是文本，实际是 int")):
        shown = problems_markdown(caught.value, [upload], lang)
        assert shown.splitlines()[2].startswith(f"- tickets\\.jsonl:6: output: {problem}"), shown
        assert "gradio" not in shown and "```" not in shown
    assert str(caught.value).startswith(upload)  # the engine's error itself is left as it was
    single = ftcore.DataError(upload, 2, "data.no_examples")
    assert named(single, [upload]).text().startswith("tickets.jsonl:2: ") and single.path == upload


def test_plain_shows_user_text_without_markup():
    assert plain("**x** <b>y</b> $$z$$ 1. [a](b)\nnext") == (
        "\\*\\*x\\*\\* &lt;b\\>y&lt;/b\\> \\$\\$z\\$\\$ 1\\. \\[a\\]\\(b\\)<br>next")


def test_rows_read_as_turns():
    rows = [ftcore.Example([{"role": "user", "content": "合同类型：买卖"}, {"role": "assistant", "content": "高"}], 3,
                           {"label": "高"})]
    shown = preview_rows(rows, "canonical", "zh")
    assert "**第 3 行** · 标签：高" in shown
    assert "- **user**: 合同类型：买卖" in shown and "- **assistant**: 高" in shown


def test_the_report_wraps_and_lists_its_warnings():
    examples = [ftcore.Example([{"role": "user", "content": f"问题{i}"}, {"role": "assistant", "content": ""}], i + 1)
                for i in range(3)]
    report = ftcore.quality_report(examples, fmt="messages")
    shown = report_markdown(report, "en")
    assert "```" not in shown and shown.startswith("Rows: 3")
    assert [line for line in shown.splitlines() if line.startswith("- ")]  # the warnings, one item each


def test_plots_without_data_are_hidden():
    assert [frame["visible"] for frame in report_frames({})] == [False, False, False]
    report = {"length_histogram": [{"start": 0, "end": 10, "count": 2}], "languages": {"zh": 1.0}}
    assert [frame["visible"] for frame in report_frames(report)] == [True, True, False]
    assert report_frames({**report, "labels": {"高": 2}})[2]["visible"] is True


def test_a_tool_calling_row_shows_its_tools_calls_results_and_untrained_turns():
    row = ftcore.Example([
        {"role": "user", "content": "Kenya beans?", "train": True},
        {"role": "assistant", "content": "", "reasoning_content": "check first", "tool_calls": [
            {"type": "function", "function": {"name": "check_stock", "arguments": {"coffee": "kenya"}}}]},
        {"role": "tool", "content": '{"kg": 3}'},
        {"role": "assistant", "content": "Yes, 3 kg.", "train": False}], 7,
        {"tools": [{"type": "function", "function": {"name": "check_stock"}}]})
    shown = preview_rows([row], "canonical", "en")
    assert "Tools: check\\_stock" in shown
    assert '→ calls check\\_stock\\(\\{"coffee": "kenya"\\}\\)' in shown and "*reasoning:* check first" in shown
    assert '- **tool**: \\{"kg": 3\\}' in shown
    assert "- **user** · learned: Kenya beans?" in shown and "- **assistant** · not learned: Yes, 3 kg\\." in shown
    zh = preview_rows([row], "canonical", "zh")
    assert "工具：check\\_stock" in zh and "→ 调用 check\\_stock" in zh and "不参与训练" in zh

"""Every user-facing string of the UI has English and Chinese: the two tables match, no gradio component gets a
hard-coded text, every key the code asks for exists, and every config knob has a translated label and tooltip."""

from __future__ import annotations

import ast
import dataclasses
import re
import string
from pathlib import Path

import ftcore
from ui.i18n import EN, ZH

ROOT = Path(__file__).resolve().parents[2]
# gradio calls whose texts a user reads; the first positional argument and these keywords must not be literals
COMPONENTS = {"Accordion", "BarPlot", "Button", "Chatbot", "Checkbox", "CheckboxGroup", "Code", "Dataframe",
              "Dropdown", "Error", "File", "HighlightedText", "Info", "JSON", "LinePlot", "Markdown", "Number",
              "Radio", "ScatterPlot", "Slider", "Tab", "Textbox", "Warning", "update"}
TEXT_KEYWORDS = {"label", "info", "placeholder", "value", "title", "message"}
# literals that are data or examples of data, the same in every language
ALLOWED = {"demo:barista", "quick-cpu", "auto", "my-dataset", "prepared:", "alice/barista-135m",
           "https://huggingface.co"}
LOOKUPS = {"t", "tr", "both"}
# gradio's own translation groups: a key of ours with one of these names would be shadowed in the browser
GRADIO_KEYS = {"_name", "3D_model", "annotated_image", "audio", "blocks", "chat_interface", "chatbot", "checkbox",
               "code", "color_picker", "common", "dataframe", "dropdown", "errors", "file", "highlighted_text",
               "image", "image_editor", "label", "login", "number", "plot", "radio", "slider", "status",
               "upload_text", "video"}


def ui_trees():
    for path in sorted((ROOT / "ui").glob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def is_text(node: ast.AST) -> bool:
    """A literal with words in it: a plain string, or an f-string with text around its placeholders."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[^\W\d_]", node.value)) and node.value not in ALLOWED
    if isinstance(node, ast.JoinedStr):
        return any(is_text(part) for part in node.values if isinstance(part, ast.Constant))
    return False


def literal_texts() -> list[str]:
    found = []
    for path, tree in ui_trees():
        for node in ast.walk(tree):
            func = node.func if isinstance(node, ast.Call) else None
            if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "gr"
                    and func.attr in COMPONENTS):
                continue
            args = [node.args[0]] if node.args else []
            args += [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS]
            found += [f"{path.name}:{arg.lineno} gr.{func.attr}({ast.unparse(arg)[:60]})" for arg in args
                      if is_text(arg)]
    return found


def test_english_and_chinese_tables_match():
    assert set(EN) == set(ZH), set(EN) ^ set(ZH)
    assert [k for k in EN if not (EN[k].strip() and ZH[k].strip())] == []
    fields = {k: ({f for _, f, _, _ in string.Formatter().parse(EN[k]) if f},
                  {f for _, f, _, _ in string.Formatter().parse(ZH[k]) if f}) for k in EN}
    assert {k: v for k, v in fields.items() if v[0] != v[1]} == {}  # the same {placeholders} in both
    assert {k.split(".")[0] for k in EN} & GRADIO_KEYS == set()


def test_no_component_gets_a_hard_coded_text():
    assert literal_texts() == []


def test_the_check_finds_hard_coded_texts():
    tree = ast.parse('gr.Button("Send")\ngr.Markdown(f"**{n} rows**")\ngr.Textbox("", label=t("x"))\n'
                     'gr.Dropdown(["a"], value="quick-cpu", info="Pick one")\ngr.Error(f"{exc}")')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    texts = [a for c in calls for a in [*c.args[:1], *(k.value for k in c.keywords if k.arg in TEXT_KEYWORDS)]
             if is_text(a)]
    assert [ast.unparse(a) for a in texts] == ["'Send'", "f'**{n} rows**'", "'Pick one'"]


def test_every_key_used_exists():
    used = set()
    for _, tree in ui_trees():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") in LOOKUPS and node.args
                    and isinstance(node.args[0], ast.Constant)):
                used.add(node.args[0].value)
    from ui.train_tab import ADVANCED, BASIC, DEVICES

    for section, key in BASIC + ADVANCED + DEVICES:  # knobs look their label and tooltip up by field
        used |= {f"knob.{section}.{key}", f"help.{section}.{key}"}
    assert len(used) > 100 and used - set(EN) == set()


def test_every_config_field_has_chinese_help():
    from ui.i18n_help import LABELS, SECTIONS, ZH_HELP

    for section, cls in SECTIONS.items():
        names = {f.name for f in dataclasses.fields(cls)}
        assert set(ZH_HELP[section]) == names, (section, names ^ set(ZH_HELP[section]))
        assert section not in LABELS or set(LABELS[section]) == names, (section, names ^ set(LABELS[section]))
        assert set(ftcore.field_help(cls)) <= names
        for name in names:
            assert EN[f"help.{section}.{name}"] == ftcore.field_help(cls).get(name, EN[f"help.{section}.{name}"])
            assert re.search(r"[\u4e00-\u9fff]", ZH[f"help.{section}.{name}"]), (section, name)


def test_texts_composed_at_run_time_follow_the_request_language():
    from types import SimpleNamespace

    from ui.compare_view import summary
    from ui.i18n import both, lang_of, tr
    from ui.train_view import status_markdown

    def asking(header):
        return SimpleNamespace(headers={"accept-language": header})

    assert [lang_of(asking(h)) for h in ("zh-CN,zh;q=0.9", "en-US,en;q=0.9,zh-CN;q=0.8", "")] == ["zh", "en", "en"]
    assert lang_of(None) == "en" and status_markdown(None, "zh") == ZH["no_run"]
    assert tr("knob_empty", "zh", name="train.seed") == "train.seed 为空，请填写一个值。"
    assert both("type_prompt") == "Type a prompt first. / 请先输入提示词。"
    assert summary(None, None, "zh") == ZH["pick_finished_run"]

"""Every user-facing string of the UI has English and Chinese: the two tables match, no gradio component gets a
hard-coded text, every key the code asks for exists, and every config knob has a translated label and tooltip.
The engine's texts likewise: every error and text it composes takes a key of its catalog (ftcore.messages), whose
entries all have both languages with the same placeholders and are all used, and they reach the UI in Chinese."""

from __future__ import annotations

import ast
import dataclasses
import re
import string
from pathlib import Path

import pytest

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
LOOKUPS = {"t", "tr", "both", "UIError"}
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
    from ui.train_form import ADVANCED, BASIC, DEVICES

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


# --- the engine's texts: ftcore.messages ---------------------------------------------------------------------

ENGINE = ROOT / "ftcore"
CATALOG = ENGINE / "messages"  # the catalog itself: its keys are the texts, not uses of them
MACHINERY = {CATALOG / "__init__.py", ENGINE / "errors.py"}  # keys forwarded by design (rendering, pickling, restoring)
KEY_PARAMS = {"key", "problem", "fix"}  # the parameters of the errors and texts below that take a catalog key
ROOTS = {"UserError", "RowProblem", "Text"}  # every subclass of these takes its key the same way


def engine_trees():
    for path in sorted(ENGINE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def params_of(fn: ast.FunctionDef) -> list[str]:
    return [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs if a.arg not in ("self", "cls")]


def keywords_of(fn: ast.FunctionDef) -> set[str]:
    return {a.arg for a in fn.args.args + fn.args.kwonlyargs}  # a positional-only key leaves its name to the values


def key_takers(trees) -> dict[str, tuple[list[str], set[str], set[str]]]:
    """Callable name -> (its parameters, those that take a key, those a keyword argument can name): the error
    classes and Text, and message()."""
    classes = {}
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                init = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name in ("__init__", "__new__")),
                            None)
                bases = [getattr(b, "id", getattr(b, "attr", "")) for b in node.bases]
                classes[node.name] = (bases, (params_of(init), keywords_of(init)) if init else None)
    takers = {"message": (["key", "lang"], {"key"}, set())}

    def signature(name):
        bases, params = classes[name]
        return params if params is not None else signature(next(b for b in bases if b in classes))

    changed = True
    while changed:
        changed = False
        for name, (bases, _) in classes.items():
            if name not in takers and (name in ROOTS or any(b in takers for b in bases)):
                params, keywords = signature(name)
                takers[name] = (params, set(params) & KEY_PARAMS, keywords)
                changed = True
    return takers


def key_violations(trees, known: set[str]) -> list[str]:
    """Calls that hand an error or a text something other than a catalog key: a literal key, a choice between
    literal keys (`a if x else b`), a key the object already holds (self.key), a local variable only ever set to
    those, or a parameter whose every caller passes one (the parameter's function is then checked the same way)."""
    trees = list(trees)
    takers = key_takers(trees)
    found: list[str] = []

    def valid(node, fn, optional: bool = False) -> bool:
        """Whether `node`, inside function `fn`, is a key (or None where a key is optional)."""
        if isinstance(node, ast.Constant):
            return node.value in known or (optional and node.value is None)
        if isinstance(node, ast.IfExp):
            return valid(node.body, fn, optional) and valid(node.orelse, fn, optional)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return True
        if isinstance(node, ast.Name) and fn is not None:
            if node.id in params_of(fn):
                params, keys, _ = takers.setdefault(fn.name, (params_of(fn), set(), keywords_of(fn)))
                if node.id not in keys:
                    keys.add(node.id)
                    pending.append(fn.name)
                return True
            values = [a.value for a in ast.walk(fn) if isinstance(a, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)]
            return bool(values) and all(valid(v, fn, optional=True) for v in values)
        return False

    def calls(tree):
        """(call, innermost enclosing function) for every call in the tree."""
        def visit(node, fn):
            for child in ast.iter_child_nodes(node):
                inner = child if isinstance(child, ast.FunctionDef) else fn
                if isinstance(child, ast.Call):
                    yield child, fn
                yield from visit(child, inner)
        yield from visit(tree, None)

    pending = list(takers)
    while pending:
        pending.clear()
        found.clear()
        for path, tree in trees:
            if path in MACHINERY:
                continue
            for call, fn in calls(tree):
                name = getattr(call.func, "id", getattr(call.func, "attr", None))
                if name not in takers:
                    continue
                params, keys, keywords = takers[name]
                bound = dict(zip(params, call.args, strict=False)) | {k.arg: k.value for k in call.keywords
                                                                      if k.arg in keywords}
                for param in keys & set(bound):
                    if not valid(bound[param], fn, optional=param == "fix"):
                        found.append(f"{path.relative_to(ROOT)}:{call.lineno} {ast.unparse(call)[:70]}")
    return sorted(set(found), key=lambda hit: (hit.split(":")[0], int(hit.split(":")[1].split()[0])))


def test_every_engine_error_and_text_takes_a_catalog_key():
    from ftcore.messages import MESSAGES

    assert key_violations(engine_trees(), set(MESSAGES)) == []


def test_the_key_check_finds_composed_messages():
    known = {"a.ok", "b.fix"}
    source = ("class UserError(Exception):\n    def __init__(self, key, /, **values): pass\n"
              "class DataError(UserError):\n    def __init__(self, path, line, problem, fix=None, field=None): pass\n"
              "class HubError(UserError): pass\n"
              "def field(row, name, fix):\n    raise DataError(p, 1, 'a.ok', fix)\n"
              "UserError('a.ok', key=k)\nUserError(f'bad {n}')\nUserError('a.' + x)\nHubError('no.such')\n"
              "DataError(p, 1, 'a.ok', 'b.fix')\nDataError(p, 1, 'a.ok', 'nope')\nDataError(p, 1, 'a.ok')\n"
              "UserError('a.ok' if x else 'c.bad')\nfield(r, 'x', 'b.fix')\nfield(r, 'x', 'give the text')\n")
    found = key_violations([(ROOT / "ftcore" / "example.py", ast.parse(source))], known)
    assert [line.split(" ", 1)[1] for line in found] == [
        "UserError(f'bad {n}')", "UserError('a.' + x)", "HubError('no.such')", "DataError(p, 1, 'a.ok', 'nope')",
        "UserError('a.ok' if x else 'c.bad')", "field(r, 'x', 'give the text')"]


def fields(template: str) -> set[tuple]:
    return {(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template) if name}


def test_the_catalog_has_both_languages_with_the_same_placeholders():
    from ftcore.messages import MESSAGES

    assert [k for k, (en, zh) in MESSAGES.items() if not (en.strip() and zh.strip())] == []
    assert {k: (en, zh) for k, (en, zh) in MESSAGES.items() if fields(en) != fields(zh)} == {}
    words = re.compile(r"[A-Za-z]{2,}")
    # a Chinese text that is the English again was forgotten (texts of placeholders alone are the same in both)
    assert [k for k, (en, zh) in MESSAGES.items() if en == zh and words.search(re.sub(r"\{[^}]*\}", "", en))] == []


def test_every_catalog_key_is_used():
    """The engine's keys by the engine, the app's (area ui, named without the prefix) by the app."""
    from ftcore.messages import MESSAGES

    def strings(trees):
        return {node.value for path, tree in trees if path.parent != CATALOG
                for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}

    used = strings(engine_trees()) | {f"ui.{key}" for key in strings(ui_trees())}
    prefixes = {f"ui.{key}" for key in strings(ui_trees()) if key.endswith("_")}  # keys composed from a prefix
    unused = [k for k in set(MESSAGES) - used if not any(k.startswith(p) for p in prefixes)]
    assert sorted(unused) == []


def test_engine_errors_and_plan_render_in_chinese(tmp_path):
    from ftcore import Advice, DataError, RunConfig, UserError, apply_overrides, read_examples
    from ftcore.plan.lr import suggest_learning_rate
    from ftcore.plan.memory import GiB, Plan

    config = apply_overrides(RunConfig(), ["data.train=x.jsonl", "train.learning_rate=7.5"])
    with pytest.raises(UserError) as caught:
        config.validate()
    error = caught.value
    assert str(error) == "learning_rate 7.5 is out of range; try 2e-5."
    assert error.text("zh") == "learning_rate 7.5 超出合理范围；可以试试 2e-5。"
    assert error.text("en") == str(error) and error.text("zh") != str(error)

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": 3}]}\n', encoding="utf-8")
    with pytest.raises(UserError) as caught:
        read_examples(bad)
    problems = caught.value
    (row,) = problems.problems
    assert isinstance(row, DataError) and row.line == 1 and row.field == "messages[0].content"
    assert row.problem == "must be text, got int" and row.fix == "give the turn's text as a string"
    assert row.text("zh") == f"{bad}:1: messages[0].content: 必须是文本，实际是 int — 请以字符串形式提供该轮的文本"
    assert problems.text("zh") == row.text("zh") and str(problems) == str(row)

    plan = Plan(weights=GiB, gradients=GiB, optimizer=2 * GiB, activations=GiB, buffers=GiB, total=6 * GiB,
                fits=False, capacity=4 * GiB)
    advice = Advice(plan=plan, parameters=135_000_000, learning_rate=suggest_learning_rate("tiny", 135_000_000))
    assert "**Does not fit** in 4.0 GiB." in advice.markdown() and "Suggested learning rate" in advice.markdown()
    chinese = advice.markdown("zh")
    assert "**放不下**" in chinese and "建议学习率" in chinese and "GPT-3" in chinese and "Suggested" not in chinese


def test_engine_texts_reach_the_ui_in_the_request_language(home, monkeypatch, capsys):
    from ftcore import RunConfig, RunStore, Text, apply_overrides
    from ftcore.cli.main import main
    from ui.compare_view import summary
    from ui.i18n import UIError, both_of, error
    from ui.train_view import status_markdown

    exc = ftcore.UserError("runs.missing", run="nope", root="/w")
    assert both_of(exc) == "No run 'nope' under /w; `ftcore runs` lists them. / /w 下没有运行“nope”；`ftcore runs` 可列出所有运行。"
    assert error(exc).message == both_of(exc) and both_of(UIError("type_prompt")) == f"{EN['type_prompt']} / {ZH['type_prompt']}"

    report = {"budget": 5, "recommendation": "final: best rouge_l (30.00) within the budget.",
              "recommendation_key": "report.best", "recommendation_values": {"name": "final", "metric": "rouge_l",
                                                                             "value": 30.0}}
    run = RunStore(home.ensure()).create(apply_overrides(RunConfig(name="i18n"), ["data.train=x.jsonl"]))
    assert "final：在预算之内ROUGE-L最佳（30.00）。" in summary(report, run, "zh")
    older = {key: report[key] for key in ("budget", "recommendation")}  # a report.json from before the key was kept
    assert report["recommendation"] in summary(older, run, "zh") and report["recommendation"] in summary(report, run)

    run.update_status(state="cancelled", error=Text("worker.stopped_by_user"))
    assert run.status()["error"] == "Stopped by the user." and "已被用户停止。" in status_markdown(run, "zh")
    run.update_status(error="RuntimeError: boom")  # not an engine text: the same in both languages
    assert run.status()["error_zh"] is None and "RuntimeError: boom" in status_markdown(run, "zh")

    monkeypatch.setenv("FTCORE_LANG", "zh-CN")
    assert main(["status", "nope"]) == 2
    assert "没有运行“nope”" in capsys.readouterr().err


def test_chinese_bold_closes_before_full_width_punctuation():
    """Markdown's bold cannot close right after full-width punctuation that a letter follows (`**推荐：**文本`
    shows its asterisks): the punctuation goes outside (`**推荐**：文本`)."""
    from ftcore.messages import MESSAGES

    stuck = re.compile(r"\*\*[^*\n]*[\u3000-\u303f\uff00-\uffef]\*\*(?=[^\s*\u3000-\u303f\uff00-\uffef])")
    assert [key for key, (_, zh) in MESSAGES.items() if stuck.search(zh)] == []

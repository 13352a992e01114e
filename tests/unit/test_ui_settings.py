"""The app's launch settings follow the security checklist, and every label has both languages."""

import ast
from pathlib import Path

import ui
from ui.i18n import EN, ZH

ROOT = Path(__file__).resolve().parents[2]


def test_launch_settings_are_locked_down(home):
    kwargs = ui.launch_kwargs(home)
    assert kwargs["ssr_mode"] is False and kwargs["run_history"] is False
    assert kwargs["enable_monitoring"] is False and kwargs["strict_cors"] is True
    assert kwargs["allowed_paths"] == [] and kwargs["max_file_size"]
    assert "runs" not in kwargs["footer_links"]


def test_app_builds_with_both_tabs(home):
    demo = ui.build_app(home)
    labels = {str(getattr(block, "label", "")) for block in demo.blocks.values()}
    assert any("tab_train" in label for label in labels) and any("tab_compare" in label for label in labels)


def test_every_translation_key_has_english_and_chinese():
    assert set(EN) == set(ZH)
    assert all(EN[k].strip() and ZH[k].strip() for k in EN)
    used = set()
    for path in (ROOT / "ui").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "t" and node.args:
                if isinstance(node.args[0], ast.Constant):
                    used.add(node.args[0].value)
    from ui.train_tab import LABELS  # keys looked up through a table: t(LABELS[key])

    used |= set(LABELS.values())
    assert used and used <= set(EN), used - set(EN)

"""Layering rules: ftcore never imports gradio; ui imports only ftcore's public API."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_ftcore_loads_no_gradio_and_no_torch():
    code = "import sys, ftcore, ftcore.cli.main; print(sorted(m for m in ('gradio','torch','transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_ftcore_sources_never_import_gradio():
    for path in (ROOT / "ftcore").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "gradio" for n in names), path


def test_ui_uses_only_ftcore_public_api():
    import ftcore

    for path in (ROOT / "ui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ftcore"):
                assert node.module == "ftcore", f"{path}: imports {node.module}"
                assert all(a.name in ftcore.__all__ for a in node.names), path
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ftcore":
                assert node.attr in ftcore.__all__, f"{path}: ftcore.{node.attr} is not public"

"""The engine's layout holds: the run folder's file names are spelled in one place, report.json has one reader,
checkpoint folders are listed and their metric names parsed in one place each, no module reads the environment
for its own settings, data sources are typed values."""

import ast
import re
from pathlib import Path

import pytest

import ftcore

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for d in ("ftcore", "ui") for p in (ROOT / d).rglob("*.py") if "messages" not in p.parts)


def literals(path: Path) -> set[str]:
    """The string constants of a module that are a file name alone (docstrings and labels may mention one)."""
    return {n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and " " not in n.value}


@pytest.mark.parametrize("name", ["report.json", "plan.json", "status.json", "events.jsonl", "votes.jsonl",
                                  "worker.log", "config.yaml", "data.json", "STOP",
                                  "base_logprobs.safetensors"])
def test_run_folder_files_are_named_once(name):
    spelled = [p.relative_to(ROOT).as_posix() for p in SOURCES if name in literals(p)]
    assert spelled == ["ftcore/runs/store.py"], f"{name} spelled in {spelled}: use Run's paths"


def test_checkpoints_and_validation_losses_are_parsed_once():
    text = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in SOURCES}
    assert [f for f, t in text.items() if 'glob("checkpoint-' in t] == []
    assert [f for f, t in text.items() if re.search(r'endswith\("_loss"\)', t)] == ["ftcore/runs/store.py"]


def test_settings_are_the_only_reader_of_the_environment():
    allowed = {"ftcore/settings.py",  # the one reader
               "ftcore/runs/devices.py", "ftcore/runs/launcher.py", "ftcore/runs/worker.py",  # a child's environment
               "ftcore/runs/placement.py", "ftcore/train/distributed.py",  # CUDA and torchrun's own variables
               "ftcore/serve/__init__.py",  # the API key, from the variable the user names
               "ftcore/cli/reference.py"}  # the help's width
    readers = [p.relative_to(ROOT).as_posix() for p in SOURCES if "os.environ" in p.read_text(encoding="utf-8")]
    assert sorted(set(readers) - allowed) == []


def test_settings_read_the_hub_variables_as_huggingface_hub_does(tmp_path):
    env = {"FTCORE_HOME": str(tmp_path), "HF_HUB_OFFLINE": "False", "HF_ENDPOINT": "http://127.0.0.1:9/",
           "SPACE_ID": "me/app", "SPACE_HOST": "me-app.hf.space", "FTCORE_ALLOWED_HOSTS": "proxy.example, x.example"}
    settings = ftcore.Settings.from_env(env)
    assert not settings.offline and settings.hub_endpoint == "http://127.0.0.1:9" and settings.on_space
    assert ftcore.Settings.from_env({**env, "HF_HUB_OFFLINE": "1"}).offline
    assert {"me-app.hf.space", "proxy.example", "x.example", "127.0.0.1"} <= set(settings.allowed_hosts())
    assert settings.gradio_temp_dir == tmp_path / "tmp" / "gradio"


def test_data_sources_are_typed(home):
    settings = home.ensure()
    refs = [source.ref for source, _ in ftcore.data_sources(settings)]
    assert refs[0] == "demo:barista" and refs[-1] == "upload"
    assert all(ftcore.DataSource.parse(ref).ref == ref for ref in refs)
    demo = ftcore.DataSource.parse("demo:contracts-risk").data_config(settings)
    assert demo.format == "classification" and demo.template
    with pytest.raises(ftcore.UserError, match="Upload a data file first"):
        ftcore.DataSource.parse("upload").data_config(settings)
    with pytest.raises(ftcore.UserError, match="is gone"):
        ftcore.DataSource.parse("prepared:nothing-here").data_config(settings)
    for bad in ("demo:nonsense", "prepared:", "/etc/passwd", ""):
        with pytest.raises(ftcore.UserError, match="Unknown data source"):
            ftcore.DataSource.parse(bad)


def test_the_report_reader_is_typed(home):
    run = ftcore.RunStore(home.ensure()).create(ftcore.apply_overrides(ftcore.RunConfig(name="r"),
                                                                       ["data.train=x.jsonl"]))
    assert run.report() is None
    with pytest.raises(ftcore.UserError):
        ftcore.Report.load(run)
    raw = {"budget": 5, "suites": ["general_en"], "domain_split": "validation", "recommended": "final",
           "recommendation": "final: best", "base": {"domain": {"loss": 2.0}, "probes": {},
                                                      "fewshot": {"k": 2, "domain": {"loss": 1.8}}},
           "candidates": [{"name": "final", "domain": {"loss": 1.0}, "metric": "loss", "metric_value": -1.0,
                           "within_budget": True,
                           "rows": [{"suite": "general_en", "kind": "qa", "base": 50.0, "tuned": 44.0,
                                     "delta": -6.0, "lost": 6.0, "verdict": "forgot"},
                                    {"suite": "kl", "kind": "kl", "base": 0.0, "tuned": 9.0, "delta": 9.0,
                                     "lost": 9.0, "verdict": "info"}]}]}
    run.report_path.write_text(__import__("json").dumps(raw))
    report = ftcore.Report.load(run)
    assert report.final.worst_forgetting == 6.0 and report.final.forgot == ["general_en"]  # kl is no score
    assert report.final.domain_value == 1.0
    assert [(r.model, r.task, r.k) for r in report.domain_rows()] == [("base", "all", None), ("fewshot", "all", 2),
                                                                     ("final", "all", None)]
    assert report.recommendation() == "final: best" and report.to_dict() == raw


def test_the_app_loads_model_folders_only_inside_its_roots(home, tiny_model, tmp_path):
    """From the app a folder outside the workspace and FTCORE_MODEL_ROOTS is refused with one message whether it
    exists or not (no existence oracle), a link out of a root is refused too; the CLI's settings load any folder."""
    import dataclasses
    import os

    settings = dataclasses.replace(home.ensure(), restrict_models=True)
    answers = []
    for ref in (str(tiny_model), str(tmp_path / "no-such-folder"), os.path.expanduser("~/.ssh"), "/etc"):
        with pytest.raises(ftcore.UserError) as caught:
            ftcore.resolve(ref, settings)
        answers.append(caught.value.key)
    assert answers == ["models.folder_not_allowed"] * 4
    assert ftcore.resolve(str(tiny_model), home).kind == "folder"  # the CLI: any folder
    allowed = dataclasses.replace(settings, model_roots=(tiny_model.parent.resolve(),))
    assert ftcore.resolve(str(tiny_model), allowed).kind == "folder"
    inside = settings.models_dir / "escape"
    inside.symlink_to(tmp_path, target_is_directory=True)  # a link in the workspace pointing out of it
    with pytest.raises(ftcore.UserError, match="FTCORE_MODEL_ROOTS"):
        ftcore.resolve(str(inside), settings)
    with pytest.raises(ftcore.UserError) as caught:  # a relative name is a Hub id in the app, never a folder
        ftcore.resolve("tests", settings)
    assert caught.value.key == "models.unknown"

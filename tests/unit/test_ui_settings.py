"""The app's launch settings follow the security checklist, and the app builds with its tabs (translations:
test_i18n.py)."""

import os

import ui


def test_launch_settings_are_locked_down(home):
    kwargs = ui.launch_kwargs(home)
    assert kwargs["ssr_mode"] is False and kwargs["run_history"] is False
    assert kwargs["enable_monitoring"] is False and kwargs["strict_cors"] is True
    assert kwargs["allowed_paths"] == [] and kwargs["max_file_size"]
    assert "runs" not in kwargs["footer_links"]
    host_check, _images, guard = kwargs["app_kwargs"]["middleware"]  # Host allow-list; image policy; uploads
    assert {"127.0.0.1", "localhost"} <= set(host_check.kwargs["allowed_hosts"])
    assert guard.kwargs["temp_dir"] == str(home.gradio_temp_dir)  # the guard watches the folder gradio stores in


def test_app_builds_with_both_tabs(home):
    demo = ui.build_app(home)
    labels = {str(getattr(block, "label", "")) for block in demo.blocks.values()}
    assert any("tab_train" in label for label in labels) and any("tab_compare" in label for label in labels)



def test_an_unknown_mixture_source_is_a_clear_error(home):
    import pytest

    import ftcore
    from ui.train_form import mixture_tasks

    with pytest.raises(ftcore.UserError) as err:
        mixture_tasks(home, [["demo:nonsense", 1.0]], None)
    assert err.value.key == "sources.unknown" and "demo:barista" in err.value.text("en")
    assert "未知的数据来源" in err.value.text("zh")


def test_exports_have_unguessable_names_and_old_ones_go(home, tiny_model, tmp_path):
    import dataclasses
    import os
    import shutil
    import time

    import ftcore
    from ui import publish_tab

    home = dataclasses.replace(home, gradio_temp=tmp_path)  # the app's settings name gradio's temp folder

    run = ftcore.RunStore(home).create(ftcore.apply_overrides(ftcore.RunConfig(name="zip"), ["data.train=a.jsonl"]))
    shutil.copytree(tiny_model, run.final_dir)
    stale = tmp_path / "exports" / "stale"
    stale.mkdir(parents=True)
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    first, second = publish_tab.export_zip(home, run.id), publish_tab.export_zip(home, run.id)
    assert first != second and all(len(os.path.basename(os.path.dirname(p))) == 32 for p in (first, second))
    assert run.id not in os.path.dirname(first)  # the folder name says nothing about the run
    assert not stale.exists()  # older than an hour: removed


def test_publish_offers_runs_whose_model_is_done_and_says_when_the_report_is_pending(home, tiny_model):
    """A run still training is not offered; a done one is, while its report runs too (the label says so, and a
    card written meanwhile says the report is pending)."""
    import shutil

    import ftcore
    from ftcore.publish.card import make_card
    from ui.publish_tab import finished_runs

    store = ftcore.RunStore(home.ensure())
    runs = [store.create(ftcore.apply_overrides(ftcore.RunConfig(name=n), ["data.train=a.jsonl"])) for n in "abc"]
    for run in runs:
        shutil.copytree(tiny_model, run.final_dir)
    runs[0].update_status(state="running")
    runs[1].update_status(state="done", report="done")
    runs[2].update_status(state="done", report="running", pid=os.getpid())
    offered = dict((ref, label) for label, ref in finished_runs(home))
    assert set(offered) == {runs[1].id, runs[2].id}
    assert offered[runs[2].id].endswith("report still running") and offered[runs[1].id].endswith("done")
    assert dict((r, label) for label, r in finished_runs(home, "zh"))[runs[1].id].endswith("已完成")
    assert "still being made" in make_card(runs[2], home)
    assert "No evaluation report was made" in make_card(runs[1], home)

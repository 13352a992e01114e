"""The Train tab's views of a run folder: curves from events, ETA from the pace, the log tail with tokens masked,
the runs table."""

import time

import pytest

from ftcore import RunConfig, RunStore, apply_overrides
from ui.train_view import curves, duration, eta_seconds, log_tail, runs_table, status_markdown


@pytest.fixture
def run(home):
    config = apply_overrides(RunConfig(name="view"), ["data.train=x.jsonl", "dist.nproc=2", "dist.strategy=zero2"])
    return RunStore(home.ensure()).create(config)


def test_curves_eta_and_table(run, home):
    start = time.time() - 10
    lines = [f'{{"time": {start}, "type": "train_begin", "total_steps": 20, "step": 0}}']
    for step, seen in ((1, 100), (2, 300), (3, 600)):
        lines.append(f'{{"time": {start + step}, "type": "train", "step": {step}, "loss": {4 - step / 10}, '
                     f'"grad_norm": 1.5, "learning_rate": 0.001, "num_input_tokens_seen": {seen}}}')
    lines.append(f'{{"time": {start + 4}, "type": "eval", "step": 3, "eval_loss": 3.9}}')
    run.events_path.write_text("\n".join(lines) + "\n")
    frames = curves(run)
    assert list(frames["loss"]["series"]) == ["train"] * 3 + ["validation"]
    assert list(frames["speed"]["value"]) == [200.0, 300.0]  # tokens between logs over the time between them
    assert list(frames["lr"]["value"]) == [0.001] * 3 and list(frames["grad"]["value"]) == [1.5] * 3
    run.update_status(state="running", step=5, total_steps=20)
    eta = eta_seconds(run, run.status())
    assert eta == pytest.approx(30, rel=0.2)  # 10 s for 5 steps, 15 steps to go
    assert "ETA" in status_markdown(run) and duration(75) == "1m15s"
    table = runs_table(home)
    assert table.iloc[0]["run"] == run.id and table.iloc[0]["devices"] == "2× zero2"


def test_log_tail_masks_tokens(run):
    (run.dir / "worker.log").write_text("loading\r50%\rdone\nusing hf_abcdefghijklmnop1234 for upload\n")
    tail = log_tail(run)
    assert "hf_abcdefghijklmnop1234" not in tail and "hf_***" in tail and "done" in tail


def test_mixture_table_becomes_tasks_with_token_shares(home, tiny_model):
    import ftcore
    from ui.train_tab import build_config, knob_values

    settings = home.ensure()
    values = knob_values(ftcore.load_layers("quick-cpu"))
    config = build_config(settings, "demo:barista", None, str(tiny_model), "mix", values,
                          [["demo:barista", 1], ["demo:contracts-risk", 3]])
    tasks = config.data.task_list()
    assert [(t.name, t.weight, t.format) for t in tasks] == [("barista", 1.0, "messages"),
                                                             ("contracts-risk", 3.0, "classification")]
    assert tasks[1].template == ftcore.DEMOS["contracts-risk"].template and not config.data.train
    rows = ftcore.mixture_share(tasks, ftcore.load_tokenizer(str(tiny_model), settings), 256)
    assert [r["examples"] for r in rows] == [75, 225] and abs(sum(r["token_share"] for r in rows) - 100) < 0.2
    with pytest.raises(ftcore.UserError, match="weight"):
        build_config(settings, "demo:barista", None, str(tiny_model), "mix", values, [["demo:barista", "lots"]])
    single = build_config(settings, "demo:barista", None, str(tiny_model), "one", values, [])
    assert single.data.train.endswith("barista.jsonl") and not single.data.tasks

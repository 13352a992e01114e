"""The Train tab's views of a run folder: curves from events, progress (time left, tokens/s) from the pace, the
log tail with tokens masked, the runs table; a timer tick reads only what was appended."""

import time

import pytest

import ftcore
from ftcore import RunConfig, RunStore, apply_overrides
from ui.train_view import Watch, curves, log_tail, runs_table, status_markdown


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
    now = ftcore.progress(run)
    assert now.eta_seconds == pytest.approx(30, rel=0.2)  # 10 s for 5 steps, 15 steps to go
    assert now.tokens_per_second == pytest.approx(300)  # the last two logged steps
    assert "left" in status_markdown(run) and "剩余" in status_markdown(run, "zh")
    assert [ftcore.human_duration(s) for s in (9, 75, 7500)] == ["9s", "1m15s", "2h05m"]
    table = runs_table(home)
    assert table.iloc[0]["run"] == run.id and table.iloc[0]["devices"] == "2× zero2"


def test_log_tail_masks_tokens(run):
    (run.dir / "worker.log").write_text("loading\r50%\rdone\nusing hf_abcdefghijklmnop1234 for upload\n")
    tail = log_tail(run)
    assert "hf_abcdefghijklmnop1234" not in tail and "hf_***" in tail and "done" in tail


def test_mixture_table_becomes_tasks_with_token_shares(home, tiny_model):
    import ftcore
    from ui.train_form import build_config, knob_values

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


def test_a_tick_reads_only_what_was_appended(run):
    """The timer's view keeps a byte offset: a tick with nothing new changes nothing, a half-written line waits."""
    watch = Watch()
    assert watch.read(run, "en") == (False, True, False)  # the status file was seen for the first time
    assert watch.read(run, "en") == (False, False, False)  # nothing new: the tick sends nothing
    with open(run.events_path, "a") as handle:
        handle.write('{"time": 1.0, "type": "train", "step": 1, "loss": 2.5}\n{"time": 2.0, "type": "tr')
    assert watch.read(run, "en")[0] and len(watch.rows["loss"]) == 1
    offset = watch.tail.offset
    with open(run.events_path, "a") as handle:
        handle.write('ain", "step": 2, "loss": 2.0}\n')
    assert watch.read(run, "en")[0] and [r["value"] for r in watch.rows["loss"]] == [2.5, 2.0]
    assert watch.tail.offset > offset
    run.update_status(state="running")
    assert watch.read(run, "en")[1]  # the status changed
    assert watch.read(run, "zh")[0] and watch.rows["loss"][0]["series"] == "训练"  # another language: read again


def test_the_latest_message_of_an_active_run_shows_in_the_readers_language(run):
    run.note(ftcore.Text("notes.queued", need=1, busy="cpu"))
    assert run.events("message")[-1]["text"] == "Queued: waiting for 1 free device(s) of cpu."  # logs keep English
    assert str(run.notes()[-1].text("zh")) == "排队中：等待 cpu 中有 1 个设备空闲。"
    watch = Watch()
    watch.read(run, "zh")
    assert "排队中：等待 cpu" in status_markdown(run, "zh", watch.pace, watch.note)  # queued: active
    run.update_status(state="done")
    assert "排队中" not in status_markdown(run, "zh", watch.pace, watch.note)


def test_the_report_phase_has_its_own_progress_and_time_left(run):
    """Once the model is done its report runs: the run reads done and model ready, with the report's suite
    evaluations and a time left from their pace, not training's (an older report announced no plan)."""
    now = time.time()
    events = [{"time": now - 100, "type": "train_begin", "total_steps": 4, "step": 0},
              {"time": now - 60, "type": "report_begin", "units": 4},
              {"time": now - 40, "type": "probe", "model": "base", "suite": "general_en"},
              {"time": now - 20, "type": "probe", "model": "final", "suite": "general_en"}]
    run.events_path.write_text("".join(__import__("json").dumps(e) + "\n" for e in events))
    run.update_status(state="done", step=4, total_steps=4, report="running")
    now_progress = ftcore.progress(run, now=now)
    assert (now_progress.report_done, now_progress.report_total) == (2, 4)
    assert now_progress.eta_seconds == pytest.approx(60)  # 60 s for 2 evaluations, 2 to go
    line = str(now_progress.summary())
    assert line.startswith("done · model ready · report running") and "2/4 suite evaluations" in line
    assert "1m00s left" in line and "step" not in line
    assert "模型已就绪" in now_progress.summary().text("zh")
    assert "talk to it in Chat or Compare" in status_markdown(run)
    run.update_status(report="done")
    assert str(ftcore.progress(run, now=now).summary()) == "done · step 4/4"


def test_the_reports_estimate_shows_before_it_starts_and_its_pace_corrects_it(run):
    """The plan the report announces (ftcore.eval.estimate) gives the estimate at once; once parts are done,
    the time left is the rest of the plan at the pace kept so far."""
    now = time.time()
    parts = [{"model": "base", "suite": "general_en", "seconds": 10}, {"model": "final", "suite": "load",
                                                                        "seconds": 5},
             {"model": "final", "suite": "general_en", "seconds": 10}, {"model": "final", "suite": "kl", "seconds": 5}]
    events = [{"time": now - 2, "type": "report_plan", "parts": parts, "estimate_s": 30}]
    run.events_path.write_text("".join(__import__("json").dumps(e) + "\n" for e in events))
    run.update_status(state="done", report="running")
    first = ftcore.progress(run, now=now)
    assert first.report_estimate == 30 and first.eta_seconds == pytest.approx(28)
    assert "estimated 30s at most" in str(first.summary())
    more = [{"time": now - 1, "type": "report_begin", "units": 3},
            {"time": now + 18, "type": "probe", "model": "base", "suite": "general_en"}]  # twice the prediction
    with open(run.events_path, "a") as handle:
        handle.write("".join(__import__("json").dumps(e) + "\n" for e in more))
    later = ftcore.progress(run, now=now + 18)
    assert later.eta_seconds == pytest.approx(40)  # 20 s predicted left, at 2x
    run.update_status(report="stopping")
    assert "stopping the report" in str(ftcore.progress(run, now=now + 18).summary())


def test_forgetting_is_drawn_from_the_eval_events_beside_the_validation_loss(run):
    lines = ['{"time": 1.0, "type": "eval", "step": 3, "eval_loss": 3.9, "forget_kl": 0.01}',
             '{"time": 2.0, "type": "eval", "step": 6, "eval_a_loss": 3.5, "eval_b_loss": 3.6, "forget_kl": 0.04}',
             '{"time": 3.0, "type": "eval", "step": 9, "eval_loss": 3.4}']  # a run from before the watch
    run.events_path.write_text("\n".join(lines) + "\n")
    forget = curves(run)["forget"]
    assert forget.to_dict("records") == [{"step": 3, "value": 0.01, "series": "KL to the base"},
                                         {"step": 6, "value": 0.04, "series": "KL to the base"}]
    assert list(curves(run)["loss"]["step"]) == [3, 6, 6, 9]
    assert list(curves(run, "zh")["forget"]["series"]) == ["与基座的 KL"] * 2


def test_the_stop_level_is_drawn_beside_the_forgetting_curve_when_set(home):
    config = apply_overrides(RunConfig(name="stop"), ["data.train=x.jsonl", "data.val=v.jsonl",
                                                      "train.stop_on_forgetting=1.5"])
    run = RunStore(home.ensure()).create(config)
    run.events_path.write_text('{"time": 1.0, "type": "eval", "step": 3, "eval_loss": 3.9, "forget_kl": 0.4}\n')
    assert curves(run)["forget"].to_dict("records") == [
        {"step": 3, "value": 0.4, "series": "KL to the base"},
        {"step": 3, "value": 1.5, "series": "stop at 1.5"}]
    watch = Watch()
    assert watch.read(run, "zh")[0] and watch.stop_at == 1.5
    with run.events_path.open("a") as f:
        f.write('{"time": 2.0, "type": "eval", "step": 6, "eval_loss": 3.7, "forget_kl": 0.9}\n')
    watch.read(run, "zh")
    assert [(r["step"], r["value"], r["series"]) for r in watch.rows["forget"]][2:] == [
        (6, 0.9, "与基座的 KL"), (6, 1.5, "超过 1.5 即停止")]
    plain = RunStore(home).create(apply_overrides(RunConfig(name="plain"), ["data.train=x.jsonl"]))
    plain.events_path.write_text('{"time": 1.0, "type": "eval", "step": 3, "eval_loss": 3.9, "forget_kl": 0.4}\n')
    assert list(curves(plain)["forget"]["series"]) == ["KL to the base"]  # off: no level drawn


def test_the_step_plots_span_the_run_and_their_limits_are_sent_once(run):
    from ui.train_tab import drawn

    run.events_path.write_text('{"time": 0.5, "type": "train_begin", "total_steps": 40, "step": 0}\n'
                               '{"time": 1.0, "type": "eval", "step": 20, "eval_loss": 3.1, "forget_kl": 1.2}\n'
                               '{"time": 2.0, "type": "train", "step": 20, "loss": 3.0, "learning_rate": 0.001}\n')
    watch = Watch()
    watch.read(run, "en")
    out = drawn(watch)
    assert out["forget"]["x_lim"] == [0, 42.0] and out["loss"]["x_lim"] == [0, 42.0]  # the last step not on the edge
    assert "x_lim" not in out["lr"]
    with run.events_path.open("a") as f:
        f.write('{"time": 3.0, "type": "eval", "step": 24, "eval_loss": 3.0, "forget_kl": 1.3}\n')
    watch.read(run, "en")
    again = drawn(watch)  # new points, the same limits: only the data is sent (new limits would show old data)
    assert len(again["forget"]["value"]) == 2 and "x_lim" not in again["forget"] and "x_lim" not in again["loss"]
    assert "y_lim" not in out["forget"]  # no stop level: the plot's own range
    stopping = Watch(stop_at=1.5, total_steps=40)
    stopping.rows["forget"].append({"step": 4, "value": 1.0, "series": "KL to the base"})
    assert drawn(stopping)["forget"]["y_lim"] == [0, 2.25]  # the level two thirds up, not on the edge

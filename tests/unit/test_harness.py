"""lm_eval: suites: lm-eval loads the task and scores the loaded model item by item, in the suite's order, as a
% correct result like any answer suite; unknown tasks, data out of reach and tasks without a per-item accuracy
are one-line errors; lm-eval is never imported with ftcore."""

import subprocess
import sys

import pytest
from lm_eval_task import ROWS, write_task

from ftcore import UserError
from ftcore.config import ProbeConfig
from ftcore.eval import estimate
from ftcore.eval.probes import compare, load_suite, run_suite


@pytest.fixture(scope="module")
def tiny(tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(tiny_model), AutoTokenizer.from_pretrained(tiny_model)


def loglikelihood(model, tokenizer, context: str, continuation: str) -> float:
    """Sum of log-probabilities of the continuation's tokens after the context (the test's own reckoning)."""
    import torch

    whole = tokenizer(context + continuation)["input_ids"]
    start = len(tokenizer(context)["input_ids"])
    with torch.inference_mode():
        logp = torch.log_softmax(model(torch.tensor([whole])).logits[0].float(), -1)
    return sum(float(logp[i - 1, whole[i]]) for i in range(start, len(whole)))


def test_a_local_task_scores_each_item_on_the_given_model(tiny, tmp_path):
    model, tokenizer = tiny
    suite = load_suite(f"lm_eval:{write_task(tmp_path / 'tasks')}", ProbeConfig(lm_eval_limit=5))
    assert (suite.name, suite.kind, len(suite.items)) == ("lm_eval:tiny_mc", "harness", 5)
    assert suite.items[1]["prompt"] == f"Question: {ROWS[1][0]}\nAnswer:" and suite.items[1]["choices"] == ROWS[1][1]
    # the report's estimate reads each choice after its context
    one = estimate.suite_seconds(estimate.Speed(read_s=1.0, write_s=0.0), tokenizer, suite)
    assert one == sum(len(tokenizer(suite.items[i]["prompt"] + " " + c, add_special_tokens=False)["input_ids"])
                      for i in range(5) for c in ROWS[i][1])
    result = run_suite(model, tokenizer, suite, batch_size=2)
    assert (result.suite, result.kind, result.n) == ("lm_eval:tiny_mc", "qa", 5)
    for item, (question, choices, answer) in zip(result.items, ROWS, strict=False):
        assert question in item["prompt"]  # the suite's order
        lls = [loglikelihood(model, tokenizer, item["prompt"], " " + choice) for choice in choices]
        assert item["reply"] == choices[lls.index(max(lls))]  # what this model ranks first
        assert item["ok"] is (item["reply"] == choices[answer])
    assert result.score == pytest.approx(100 * sum(i["ok"] for i in result.items) / 5)

    # scored like any answer suite: % correct, points lost against the budget
    base = {"lm_eval:tiny_mc": {"kind": "qa", "score": 60.0}}
    (row,) = compare(base, {"lm_eval:tiny_mc": {"kind": "qa", "score": 40.0}}, budget=5)
    assert (row.lost, row.verdict) == (20.0, "forgot")


def test_a_group_shares_the_item_cap_and_names_come_from_include_folders(tiny, tmp_path):
    folder = tmp_path / "tasks"
    write_task(folder, "tiny_a")
    write_task(folder, "tiny_b")
    (folder / "tiny_group.yaml").write_text("group: tiny_group\ntask:\n  - tiny_a\n  - tiny_b\n", encoding="utf-8")
    probe = ProbeConfig(lm_eval_limit=3, lm_eval_include=str(folder))
    suite = load_suite("lm_eval:tiny_group", probe)
    assert [(i["task"], i["doc"]) for i in suite.items] == [("tiny_a", 0), ("tiny_a", 1), ("tiny_b", 0),
                                                            ("tiny_b", 1)]
    result = run_suite(*tiny, suite)
    assert [ROWS[i % 2][0] in item["prompt"] for i, item in enumerate(result.items)] == [True] * 4

    with pytest.raises(UserError) as unknown:
        load_suite("lm_eval:tiny_groop", probe)
    assert unknown.value.key == "harness.unknown_task" and "tiny_group" in str(unknown.value)
    assert "lm-eval ls tasks" in str(unknown.value) and "\n" not in str(unknown.value)


def test_tasks_that_cannot_run_say_why_in_one_line(tmp_path):
    path = write_task(tmp_path / "gone")
    (tmp_path / "gone" / "tiny_mc.jsonl").unlink()
    with pytest.raises(UserError) as missing:
        load_suite(f"lm_eval:{path}")
    assert missing.value.key == "harness.no_data" and "tiny_mc.jsonl" in str(missing.value)

    rolling = write_task(tmp_path / "ppl", "tiny_ppl")
    rolling.write_text(rolling.read_text().replace("output_type: multiple_choice", "output_type: "
                                                   "loglikelihood_rolling").split("doc_to_text")[0]
                       + "doc_to_text: ''\ndoc_to_target: '{{question}}'\n", encoding="utf-8")
    with pytest.raises(UserError) as no_metric:
        load_suite(f"lm_eval:{rolling}")
    assert no_metric.value.key == "harness.no_metric" and "word_perplexity" in str(no_metric.value)

    with pytest.raises(UserError) as folder:
        load_suite("lm_eval:arc_easy", ProbeConfig(lm_eval_include=str(tmp_path / "nowhere")))
    assert folder.value.key == "harness.bad_include"
    for error in (missing.value, no_metric.value, folder.value):
        assert "\n" not in error.text("en") and "\n" not in error.text("zh")


def test_lm_eval_is_imported_only_when_a_harness_suite_is_asked_for():
    code = ("import sys, ftcore, ftcore.cli.main, ftcore.eval.report, ftcore.eval.probes; "
            "ftcore.eval.probes.load_suite('general_en'); print('lm_eval' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_task_files_and_folders_named_from_here_reach_the_worker(tmp_path, monkeypatch):
    from ftcore.config import RunConfig
    from ftcore.runs.jobs import absolute_probe_paths

    write_task(tmp_path / "tasks")
    (tmp_path / "mine.jsonl").write_text('{"question": "q", "answer": "a"}\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the worker runs in the run folder: what is relative here must not stay so
    config = RunConfig()
    config.probe.suites = "quick, lm_eval:tasks/tiny_mc.yaml,mine.jsonl,lm_eval:hellaswag"
    config.probe.lm_eval_include = "tasks"
    absolute_probe_paths(config)
    assert config.probe.suites == (f"quick,lm_eval:{tmp_path / 'tasks' / 'tiny_mc.yaml'},{tmp_path / 'mine.jsonl'},"
                                   "lm_eval:hellaswag")
    assert config.probe.lm_eval_include == str(tmp_path / "tasks")

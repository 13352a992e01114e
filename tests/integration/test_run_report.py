"""Every run ends with a report: domain metric and probes for base, final and (when asked) each checkpoint, the
verdicts against the forgetting budget and the recommended candidate; `ftcore compare`, `probe` and `eval`."""

import json

from ftcore import DEMOS, RunStore


def test_run_ends_with_a_report_and_compare_reads_it(cli, home, tiny_model, chat_file, tmp_path):
    suite = tmp_path / "shots.jsonl"
    suite.write_text("".join(json.dumps({"question": f"How long should shot {i} pull?", "answer": f"{20 + i}"})
                             + "\n" for i in range(4)), encoding="utf-8")
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "6", "--lr", "1e-3",
              "--save-steps", "3", "train.save_total_limit=3", "probe.checkpoints=true",
              f"probe.suites=general_en,instruction,passages_ppl,kl,{suite}", "--name", "reported")
    assert out.returncode == 0, out.stderr[-3000:]
    run = RunStore(home).list()[0]
    report = json.loads((run.dir / "report.json").read_text())
    assert report["suites"] == ["general_en", "instruction", "passages_ppl", "kl", "shots"]
    assert [c["name"] for c in report["candidates"]] == ["final", "checkpoint-3", "checkpoint-6"]
    assert report["base"]["domain"]["examples"] > 0 and report["domain_split"].startswith("training sample")
    final = report["candidates"][0]
    assert {r["suite"] for r in final["rows"]} == set(report["suites"])
    assert final["probes"]["general_en"]["n"] >= 40 and len(final["probes"]["general_en"]["items"]) > 0
    assert final["probes"]["kl"]["score"] > 0  # lr 1e-3 moved the next-token distributions
    assert final["domain"]["loss"] < report["base"]["domain"]["loss"]  # it learned the data
    assert report["recommended"] in ("final", "checkpoint-3", "checkpoint-6")
    assert len(run.events("probe")) == 4 * 4 + 4 - 1  # base (no kl) + final + 2 checkpoints
    assert run.status()["state"] == "done" and run.status()["report"] == "done"

    table = cli("compare", run.id)
    assert table.returncode == 0 and "passages_ppl" in table.stdout and "recommended:" in table.stdout
    data = json.loads(cli("compare", run.id, "--json", "--budget", "0").stdout)
    assert data["budget"] == 0 and {r["suite"] for r in data["rows"]} == set(report["suites"])


def test_probe_and_eval_commands(cli, home, tiny_model, tmp_path):
    out = cli("probe", "--model", str(tiny_model), "--model", str(tiny_model), "--suite", "arithmetic",
              "--suite", "kl", "--max-new-tokens", "8", "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads(out.stdout)
    (ref,) = results  # the same model twice: one key
    assert results[ref]["arithmetic"]["n"] >= 30 and results[ref]["kl"]["score"] == 0.0

    demo = DEMOS["contracts-risk"]
    out = cli("eval", str(tiny_model), "--data", str(demo.path), "--format", demo.format, "--template",
              demo.template, "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    metrics = json.loads(out.stdout)
    assert {"loss", "perplexity", "accuracy", "macro_f1"} <= set(metrics) and metrics["examples"] == 100

    bad = cli("probe", "--model", str(tiny_model), "--suite", str(tmp_path / "missing.jsonl"))
    assert bad.returncode == 2 and "Unknown suite" in bad.stderr

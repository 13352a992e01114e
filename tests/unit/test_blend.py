"""Blends of base and fine-tuned weights (WiSE-FT): the arithmetic (α = 0 is the base, 1 the tuned model, 0.5 the
mean, a tied embedding blended once), refusals, the atomic write, `ftcore blend` giving a model usable as --model
(chat, models, Compare, card), the report's search over α and its recommendation, and the blend curve."""

import json
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file
from tiny import build_model

import ftcore
from ftcore.cli.main import main as cli_main
from ftcore.eval import blend_search
from ftcore.eval.blend import InPlaceBlend, write_blend
from ftcore.eval.report import make_report, recommend
from ftcore.runs.progress import Pace
from ui.compare_view import model_choices, tradeoff, tradeoff_plot

WEIGHTS = "model.safetensors"


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """Another model of the same shapes and vocabulary (other random weights)."""
    return build_model(tmp_path_factory.mktemp("tuned") / "model", seed=1)


def test_blend_arithmetic_and_the_folder(tiny_model, tuned, tmp_path):
    base_w, tuned_w = load_file(tiny_model / WEIGHTS), load_file(tuned / WEIGHTS)
    assert "lm_head.weight" not in tuned_w  # tied: saved once, as the embedding
    for alpha, expected in ((0.0, base_w), (1.0, tuned_w),
                            (0.5, {k: (base_w[k] + tuned_w[k]) / 2 for k in base_w})):
        out = write_blend(tiny_model, tuned, tmp_path / f"a{alpha}", alpha, {"blend": {"alpha": alpha}})
        got = load_file(out / WEIGHTS)
        assert got.keys() == tuned_w.keys()
        for name, value in got.items():
            assert torch.allclose(value, expected[name], atol=1e-7) and value.dtype == tuned_w[name].dtype, name
    assert all(torch.equal(load_file(tmp_path / "a0.0" / WEIGHTS)[k], base_w[k]) for k in base_w)  # exactly
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "generation_config.json", "tokenizer.json", "fulltune.json", WEIGHTS} <= names
    assert "README.md" not in names and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(out)
    mean = (base_w["model.embed_tokens.weight"] + tuned_w["model.embed_tokens.weight"]) / 2
    assert model.lm_head.weight is model.model.embed_tokens.weight and torch.allclose(model.lm_head.weight, mean)


def test_a_tied_output_the_base_saved_is_blended_once_and_in_memory_too(tiny_model, tuned, tmp_path):
    from transformers import AutoModelForCausalLM

    base = tmp_path / "base"
    shutil.copytree(tiny_model, base)
    weights = load_file(base / WEIGHTS)
    save_file({**weights, "lm_head.weight": weights["model.embed_tokens.weight"].clone()}, base / WEIGHTS,
              metadata={"format": "pt"})
    out = load_file(write_blend(base, tuned, tmp_path / "out", 0.5, {}) / WEIGHTS)
    assert "lm_head.weight" not in out

    a, b = AutoModelForCausalLM.from_pretrained(tiny_model), AutoModelForCausalLM.from_pretrained(tuned)
    before = {k: v.clone() for k, v in b.state_dict().items()}
    blend = InPlaceBlend(a, b)
    blend.set(0.5)
    for name, value in b.state_dict().items():
        if value.is_floating_point() and "rotary" not in name:
            assert torch.allclose(value, (a.state_dict()[name] + before[name]) / 2, atol=1e-6), name
    assert b.lm_head.weight is b.model.embed_tokens.weight  # one parameter: blended once, not twice
    blend.set(1.0)
    assert all(torch.equal(v, before[k]) for k, v in b.state_dict().items())


def test_models_that_cannot_be_blended_are_refused_and_nothing_is_written(tiny_model, tuned, tmp_path):
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    other = tmp_path / "other"
    config = LlamaConfig.from_pretrained(tuned)
    config.intermediate_size = 96
    LlamaForCausalLM(config).save_pretrained(other)
    AutoTokenizer.from_pretrained(tuned).save_pretrained(other)
    with pytest.raises(ftcore.UserError, match="same architecture and vocabulary") as caught:
        write_blend(tiny_model, other, tmp_path / "out", 0.5, {})
    assert "mlp" in str(caught.value) and "[128, 64] vs [96, 64]" in str(caught.value)
    words = tmp_path / "words"
    shutil.copytree(tuned, words)
    tokenizer = AutoTokenizer.from_pretrained(words)
    tokenizer.add_tokens(["<|blend-test|>"])  # same embedding shape, another vocabulary
    tokenizer.save_pretrained(words)
    with pytest.raises(ftcore.UserError) as caught:
        write_blend(tiny_model, words, tmp_path / "out", 0.5, {})
    assert caught.value.key == "blend.vocab"
    with pytest.raises(ftcore.UserError, match="from 0"):
        write_blend(tiny_model, tuned, tmp_path / "out", 1.5, {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "words"]


def test_the_write_is_atomic(tiny_model, tuned, tmp_path, monkeypatch):
    out = write_blend(tiny_model, tuned, tmp_path / "blend", 0.5, {"n": 1})
    before = (out / WEIGHTS).read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr("safetensors.torch.save_file", full_disk)
    with pytest.raises(OSError):
        write_blend(tiny_model, tuned, tmp_path / "blend", 0.25, {"n": 2})
    assert (out / WEIGHTS).read_bytes() == before and json.loads((out / "fulltune.json").read_text()) == {"n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["blend"]  # no half-written folder left beside it


def finished_run(settings, base, final, chat_file, *overrides):
    config = ftcore.apply_overrides(ftcore.RunConfig(name="blend"), [f"model.ref={base}", f"data.train={chat_file}",
                                                                     *overrides])
    run = ftcore.RunStore(settings).create(config)
    shutil.copytree(final, run.final_dir)
    return run


def test_cli_blend_gives_a_model_usable_everywhere(cli, home, tiny_model, tuned, chat_file, capsys):
    run = finished_run(home.ensure(), tiny_model, tuned, chat_file)
    done = cli("blend", run.id, "--alpha", "0.5")
    assert done.returncode == 0, done.stderr
    ref = done.stdout.strip().splitlines()[-1]
    assert ref == f"{run.id}/blend-0.5" and (run.dir / "blends" / "alpha-0.5" / WEIGHTS).is_file()
    meta = json.loads((run.dir / "blends" / "alpha-0.5" / "fulltune.json").read_text())
    assert meta["blend"] == {"base": str(tiny_model), "source": "final", "alpha": 0.5, "run_id": run.id}
    assert ftcore.resolve(ref, home).kind == "blend"
    assert cli_main(["chat", "--model", ref, "--max-new-tokens", "3", "Hello"]) == 0
    capsys.readouterr()
    assert cli_main(["models", "--json"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out) if r["kind"] == "blend"]
    assert [r["ref"] for r in rows] == [ref] and "0.5 x final" in rows[0]["description"]
    assert [r for _, r in model_choices(run)] == [str(tiny_model), run.id, ref]
    assert dict(model_choices(run, "zh"))["最终模型与基础模型的混合 α = 0.5"] == ref
    assert cli_main(["card", ref]) == 0
    card = (run.dir / "blends" / "alpha-0.5" / "README.md").read_text()
    assert "WiSE-FT" in card and "0.5 × fine-tuned + 0.5 × base" in card
    assert not (run.final_dir / "README.md").exists()
    files = ftcore.hub.files_to_publish(ftcore.RunStore(home).model(ref))  # what a push of it uploads
    assert {p.parent for p in files} == {run.dir / "blends" / "alpha-0.5"}
    assert {"README.md", WEIGHTS, "tokenizer.json"} <= {p.name for p in files} and "fulltune.json" not in str(files)
    with pytest.raises(ftcore.UserError, match=f"ftcore blend {run.id} --alpha 0.25 --from checkpoint-4"):
        ftcore.resolve(f"{run.id}/blend-0.25-checkpoint-4", home)
    assert cli_main(["blend", run.id, "--alpha", "0.5", "--from", "4"]) == 2
    assert "no model 'checkpoint-4' to blend; it has: final" in capsys.readouterr().err


def test_the_report_recommends_a_blend_with_its_alpha_when_the_final_model_forgets(home, tiny_model, tmp_path,
                                                                                   chat_file):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    noisy = tmp_path / "noisy"  # a "fine-tuned" model that forgot: the base plus noise, its perplexity up ~10%
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    torch.manual_seed(1)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.05)
    model.save_pretrained(noisy)
    AutoTokenizer.from_pretrained(tiny_model).save_pretrained(noisy)
    run = finished_run(home.ensure(), tiny_model, noisy, chat_file, "probe.suites=passages_ppl,kl",
                       "probe.budget=5")
    report = ftcore.Report.of(make_report(run, home))
    final = report.final
    assert not final.within_budget and final.alpha is None
    blends = [c for c in report.candidates if c.alpha is not None]
    search = report.raw["blend_search"]
    assert [p["alpha"] for p in search["points"]] == [0.25, 0.5, 0.75] and blends[0].alpha == search["picked"]
    assert all(p["probes"]["passages_ppl"] and p["domain_loss"] for p in search["points"])
    assert blends[0].within_budget and blends[0].worst_forgetting < final.worst_forgetting
    assert report.recommended == blends[0].name == f"blend-{blends[0].alpha:g}"
    assert report.recommendation_key == "report.best_blend"
    assert report.recommendation_values["alpha"] == blends[0].alpha and "0.25, 0.5, 0.75" in report.recommendation()
    assert f"--model {run.id}/blend-{blends[0].alpha:g}" in report.recommendation_en
    assert "α = " in ftcore.restore(report.recommendation_en, report.recommendation_key,
                                    report.recommendation_values).text("zh")
    assert blends[0].path == f"blends/alpha-{blends[0].alpha:g}" and ftcore.resolve(blends[0].ref, home).kind == "blend"
    events = run.events()
    assert [e["units"] for e in events if e["type"] == "report_more"] == [2] * len(blends)
    pace = Pace().add(events)
    assert pace.report_done == pace.report_total


def test_search_rules_on_literal_values():
    final = {"within_budget": False}
    suites = [ftcore.eval.probes.builtin("general_en"), ftcore.eval.probes.builtin("kl")]
    assert blend_search.wanted("auto", final, suites) and not blend_search.wanted("off", final, suites)
    assert not blend_search.wanted("auto", {"within_budget": True}, suites)
    assert blend_search.wanted("always", {"within_budget": True}, suites)
    assert not blend_search.wanted("always", final, suites[1:])  # kl alone: nothing to trade
    base = {"passages_ppl": {"kind": "ppl", "score": 10.0}}
    rows = [{"suite": "general_en", "kind": "qa", "base": 50.0, "tuned": 38.0, "delta": -12.0, "lost": 12.0,
             "verdict": "forgot"}]
    predicted = blend_search.predicted_rows(base, {"passages_ppl": {"kind": "ppl", "score": 10.2}}, rows, 0.25, 5)
    assert [(r["suite"], r["lost"], r["verdict"]) for r in predicted] == [("passages_ppl", 2.0, "kept"),
                                                                       ("general_en", 3.0, "kept")]
    points = [{"alpha": 0.25, "predicted_within": True, "domain_loss": 1.4},
              {"alpha": 0.5, "predicted_within": True, "domain_loss": 1.2},
              {"alpha": 0.75, "predicted_within": False, "domain_loss": 1.1}]
    assert blend_search.choose(points) == 0.5
    assert blend_search.choose([{**p, "predicted_within": False} for p in points]) == 0.25
    with pytest.raises(ftcore.UserError, match="auto, always or off"):
        ftcore.apply_overrides(ftcore.RunConfig(), ["data.train=x.jsonl", "probe.blend=sometimes"]).validate()


def rows(lost):
    return [{"suite": "general_en", "kind": "qa", "base": 50.0, "tuned": 50.0 - lost, "delta": -lost, "lost": lost,
             "verdict": "forgot" if lost > 5 else "kept"}]


REPORT = {"budget": 5, "base": {"domain": {"accuracy": 40.0}}, "candidates": [
    {"name": "final", "metric": "accuracy", "metric_value": 90.0, "within_budget": False, "rows": rows(12.0)},
    {"name": "blend-0.5", "alpha": 0.5, "ref": "r/blend-0.5", "metric": "accuracy", "metric_value": 80.0,
     "within_budget": True, "rows": rows(4.0)},
    {"name": "checkpoint-2", "metric": "accuracy", "metric_value": 70.0, "within_budget": True, "rows": rows(1.0)}]}


def test_recommendation_and_curve_of_a_literal_report():
    chosen = recommend(REPORT["candidates"], 5, {"points": [{"alpha": 0.25}, {"alpha": 0.5}, {"alpha": 0.75}]})
    assert chosen["recommended"] == "blend-0.5" and chosen["recommendation_key"] == "report.best_blend"
    assert "α = 0.5 (0.5 × fine-tuned + 0.5 × base)" in chosen["recommendation"]
    assert "worst forgetting is 4.0 against the final model's 12.0" in chosen["recommendation"]
    report = ftcore.Report.from_dict(REPORT)
    assert [c.alpha for c in report.candidates] == [None, 0.5, None]  # reports older than blends: None
    points = tradeoff(REPORT)
    assert list(points["candidate"]) == ["base (α = 0)", "blend α = 0.5", "final (α = 1)", "checkpoint-2"]
    assert list(points["forgetting"]) == [0.0, 4.0, 12.0, 1.0] and list(points["domain"]) == [40.0, 80.0, 90.0, 70.0]
    assert list(tradeoff(REPORT, "zh")["candidate"])[:2] == ["基础模型（α = 0）", "混合 α = 0.5"]
    assert tradeoff_plot(REPORT)["color_map"]["base (α = 0)"] == "#9ca3af"
    plain = {**REPORT, "candidates": [REPORT["candidates"][0], REPORT["candidates"][2]]}
    assert list(tradeoff(plain)["candidate"]) == ["final", "checkpoint-2"]  # no blends: no base point


def test_the_recommendation_names_its_metric_in_the_readers_language():
    values = {"name": "blend-0.25", "metric": "accuracy", "value": 36.67, "alpha": 0.25, "rest": 0.75,
              "tried": "0.25, 0.5, 0.75", "worst": 1.6, "final_worst": 31.1, "budget": 5.0, "ref": "r/blend-0.25"}
    report = ftcore.Report.from_dict({"recommendation": "blend-0.25: best accuracy (36.67) within the budget.",
                                      "recommendation_key": "report.best_blend", "recommendation_values": values})
    text = report.recommendation()
    assert str(text).startswith("blend-0.25: best accuracy (36.67)")
    assert text.text("zh").startswith("blend-0.25：在预算之内准确率最佳（36.67）") and "accuracy" not in text.text("zh")
    values = {"name": "final", "metric": "rouge_l", "value": 15.14}
    report = ftcore.Report.from_dict({"recommendation": "x", "recommendation_key": "report.best",
                                      "recommendation_values": values})
    assert report.recommendation().text("zh") == "final：在预算之内ROUGE-L最佳（15.14）。"

"""`ftcore data report|split|augment` and prepared datasets, end to end through the CLI and the API."""

import json
from pathlib import Path

import ftcore
from ftcore import DEMOS

TEMPLATE = DEMOS["contracts-risk"].template


def test_report_json_on_the_contract_demo(cli, tiny_model):
    out = cli("data", "report", str(DEMOS["contracts-risk"].path), "--template", TEMPLATE, "--model",
              str(tiny_model), "--max-length", "64", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["rows"] == 150 and report["labels"] == {"高": 50, "中": 50, "低": 50}
    assert report["languages"]["zh"] > 0.9 and report["truncated_share"] > 0
    assert any("Chinese" in w for w in report["warnings"])
    text = cli("data", "report", str(DEMOS["barista"].path), "--model", str(tiny_model)).stdout
    assert "Rows: 150" in text


def test_split_is_stratified_and_augment_keeps_answers(cli, tmp_path):
    src = tmp_path / "contracts.jsonl"
    src.write_bytes(DEMOS["contracts-risk"].path.read_bytes())
    out = cli("data", "split", str(src), "--val-ratio", "0.2", "--template", TEMPLATE)
    assert out.returncode == 0, out.stderr
    train = ftcore.read_examples(tmp_path / "contracts.train.jsonl")
    val = ftcore.read_examples(tmp_path / "contracts.val.jsonl")
    assert (len(train), len(val)) == (120, 30)
    assert sorted(e.meta["label"] for e in val) == sorted(["高"] * 10 + ["中"] * 10 + ["低"] * 10)
    assert not {e.meta["text"] for e in train} & {e.meta["text"] for e in val}

    out = cli("data", "augment", str(tmp_path / "contracts.train.jsonl"), "--ops", "synonym,swap",
              "--factor", "2", "--out", str(tmp_path / "aug.jsonl"))
    assert out.returncode == 0, out.stderr
    rows = ftcore.read_examples(tmp_path / "aug.jsonl")
    added = [e for e in rows if "augmented_from" in e.meta]
    assert len(rows) > 120 and added
    labels = {e.meta["source_row"]: e.meta["label"] for e in rows if "augmented_from" not in e.meta}
    assert all(e.messages[-1]["content"] == e.meta["label"] for e in added)
    bad = cli("data", "augment", str(src), "--ops", "shout", "--out", str(tmp_path / "x.jsonl"))
    assert bad.returncode == 2 and "shout" in bad.stderr and labels


def test_prepared_dataset_trains(home, tiny_model):
    examples = ftcore.read_examples(DEMOS["barista"].path)[:40]
    dataset_id = ftcore.prepare_dataset(home, examples, "Barista subset", val_ratio=0.25,
                                        augment_ops=["reorder"], augment_factor=1)
    (info,) = ftcore.prepared_datasets(home)
    assert info["id"] == dataset_id and info["train"] == 30 and info["validation"] == 10
    assert ftcore.read_examples(info["val_file"])[0].meta.get("augmented_from") is None
    config = ftcore.apply_overrides(ftcore.RunConfig(name="prepared"), [], {
        "data.train": info["train_file"], "data.val": info["val_file"], "model.ref": str(tiny_model),
        "train.max_steps": 2, "probe.suites": "none", "probe.domain": False})
    run = ftcore.start(config, home)
    assert ftcore.wait(run, timeout=120)["state"] == "done"
    staged = run.config().data.train  # the run trains on a content-addressed copy, not the prepared file
    assert staged != info["train_file"] and Path(staged).parent == home.datasets_dir
    from ftcore.data.store import dataset_name

    assert dataset_name(staged) == "barista-subset"
    again = ftcore.prepare_dataset(home, examples[:8], "Barista subset")  # same name, same second
    assert again != dataset_id and len(ftcore.prepared_datasets(home)) == 2


def test_paraphrase_op_asks_the_chosen_model(home, tiny_model):
    from ui.data_tab import paraphraser

    cache = ftcore.ModelCache(home, size=1)
    assert paraphraser(cache, str(tiny_model), ["swap"]) is None
    paraphrase = paraphraser(cache, str(tiny_model), ["paraphrase"])
    text = "How hot should the milk be?"
    out = paraphrase(text)
    assert isinstance(out, str) and out.strip()  # the model's text, or the original when it answers nothing
    examples = ftcore.read_examples(DEMOS["barista"].path)[:3]
    rows = ftcore.augment_examples(examples, ["paraphrase"], 1, paraphrase=lambda t: t.upper())
    assert rows and all(r.messages[-1] == e.messages[-1] for r, e in zip(rows, examples, strict=False))


def test_tool_calling_rows_need_a_template_with_tools_then_train_with_the_shipped_one(cli, home, tiny_model,
                                                                                       tmp_path):
    rows = DEMOS["roastery-tools"].path.read_text(encoding="utf-8").splitlines()[:12]
    data = tmp_path / "tools.jsonl"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = cli("data", "report", str(data), "--model", str(tiny_model))
    assert out.returncode == 2 and "data.chat_template=chatml-tools" in out.stderr, out.stderr
    out = cli("data", "report", str(data), "--model", str(tiny_model), "--chat-template", "chatml-tools",
              "--max-length", "4096", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["tool_calls"] >= 8 and report["unknown_tool_calls"] == 0 and report["truncated_rows"] == 0

    out = cli("train", "--data", str(data), "--model", str(tiny_model), "--max-steps", "2", "--batch-size", "2",
              "--max-length", "4096", "--name", "tools")
    assert out.returncode != 0 and "chatml-tools" in out.stderr, (out.stdout, out.stderr)
    out = cli("train", "--data", str(data), "--model", str(tiny_model), "--max-steps", "2", "--batch-size", "2",
              "--max-length", "4096", "--chat-template", "chatml-tools", "--name", "tools")
    assert out.returncode == 0, out.stderr
    run = next(r for r in ftcore.RunStore(home).list() if r.status()["state"] == "done")
    from transformers import AutoTokenizer

    # the model is saved with the template it was trained with: chat and serving render calls the same way
    assert "<tool_call>" in AutoTokenizer.from_pretrained(run.final_dir).chat_template


def test_a_second_run_on_the_same_rows_reads_them_tokenized_from_the_cache(cli, home, tiny_model, chat_file):
    def run(name: str) -> dict:
        out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "1",
                  "--batch-size", "2", "--name", name)
        assert out.returncode == 0, out.stderr
        found = next(r for r in ftcore.RunStore(home).list() if r.config().name == name)
        return json.loads(found.data_path.read_text())["train"], [str(n) for n in found.notes()]

    first, notes = run("first")
    assert first["tokenized"] == "new" and any(n.startswith("Tokenized: ") for n in notes)
    second, notes = run("second")
    assert second["tokenized"] == "cache" and any("read from the cache" in n for n in notes)
    assert (second["examples"], second["tokens"]) == (first["examples"], first["tokens"])
    assert len(list(home.tokenized_dir.iterdir())) == 1

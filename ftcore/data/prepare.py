"""The datasets a run trains on: each task's rows read once, rendered with the chat template, split, mixed by
weight with replay of general data, and fingerprinted in data.json."""

from __future__ import annotations

from ftcore._atomic import write_json
from ftcore.config import RunConfig
from ftcore.data import fingerprint, read_examples, tokenize_all
from ftcore.data.mixture import mixture_counts, sample_to
from ftcore.runs.store import Run


def prepare_data(config: RunConfig, tokenizer, run: Run, replay=None):
    """Tokenized train and validation splits and data.json. A multi-task mixture samples each task to its share
    of the training examples (weight / sum of weights of the total row count; rows repeat or are subsampled with
    the run's seed) and keeps one validation set per task, which the Trainer evaluates (and logs) separately.
    `replay(want)`: where the replay rows come from (default: the shipped general data); with data.replay_source
    self, the base model's own answers (ftcore.data.self_replay)."""
    from datasets import Dataset

    d, seed = config.data, config.train.seed
    tasks = d.task_list()
    options = d.read_options()
    read = {t.name: read_examples(t.train, t.format, t.template, t.columns, **options) for t in tasks}
    shares = mixture_counts({t.name: (len(read[t.name]), t.weight) for t in tasks}) if d.tasks else {}
    splits, info, train_rows, val_sets = {}, {}, [], {}
    for task in tasks:
        suffix = f":{task.name}" if task.name else ""
        examples = read[task.name]
        picked = sample_to(examples, shares[task.name], seed) if d.tasks else examples
        tokens = tokenize_all(picked, tokenizer, d.max_length)
        train_rows += tokens.rows
        info[f"train{suffix}"] = {"file": str(task.train), "sha256": fingerprint(task.train), "rows": len(examples),
                                  "examples": len(tokens.rows), "tokens": tokens.tokens, "truncated": tokens.truncated,
                                  "dropped": tokens.dropped, "replay": 0,
                                  **({"task": task.name, "weight": task.weight} if d.tasks else {})}
        if task.val:
            rows = read_examples(task.val, task.format, task.template, task.columns, **options)
            val = tokenize_all(rows, tokenizer, d.max_length)
            val_sets[task.name] = Dataset.from_list(val.rows)
            info[f"validation{suffix}"] = {"file": str(task.val), "sha256": fingerprint(task.val), "rows": len(rows),
                                           "examples": len(val.rows), "tokens": val.tokens,
                                           "truncated": val.truncated, "dropped": val.dropped}
    want = round(d.replay * len(train_rows))
    general = (replay(want) if replay else replay_examples(d.replay, len(train_rows), seed)) if want > 0 else []
    replay_rows = tokenize_all(general, tokenizer, d.max_length).rows if general else []
    splits["train"] = Dataset.from_list(train_rows + replay_rows)
    splits["replay"] = replay_rows  # the replay rows alone (a list), which train.anchor=kl anchors on
    first = info[next(iter(info))]  # the replay mix is counted once, with the first training file
    first["replay"], first["examples"] = len(replay_rows), first["examples"] + len(replay_rows)
    if d.replay_source != "shipped":
        first["replay_source"] = d.replay_source
    if val_sets:
        # one task: a plain eval set (eval_loss); several: a dict, logged as eval_TASK_loss per task
        splits["validation"] = val_sets[""] if "" in val_sets else val_sets
    if run.writes:
        write_json(run.data_path, info)
    run.append_event("data", **info)
    return splits, info


def replay_examples(share: float, count: int, seed: int) -> list:
    """General instruction examples (EN and ZH, written for this project) mixed into training against
    forgetting: `share` of the domain example count, drawn with the run's seed."""
    import random
    from importlib import resources

    want = round(share * count)
    if want <= 0:
        return []
    folder = resources.files("ftcore") / "data" / "replay"
    pool = [e for name in ("general_en.jsonl", "general_zh.jsonl") for e in read_examples(folder / name, "messages")]
    rng = random.Random(seed)
    picked = rng.sample(pool, min(want, len(pool)))
    picked += [rng.choice(pool) for _ in range(want - len(picked))]  # beyond the pool: repeats
    return picked

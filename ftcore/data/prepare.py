"""The datasets a run trains on: each task's rows read once, rendered with the chat template, split, mixed by
weight with replay of general data, and fingerprinted in data.json."""

from __future__ import annotations

import time
from pathlib import Path

from ftcore._atomic import write_json
from ftcore.config import RunConfig
from ftcore.data import fingerprint, read_examples, tokenize_all
from ftcore.data.mixture import mixture_counts, sample_to
from ftcore.data.token_cache import tokenize_dataset
from ftcore.messages import Text
from ftcore.runs.store import Run


def prepare_data(config: RunConfig, tokenizer, run: Run, replay=None, cache: Path | None = None):
    """Tokenized train and validation splits and data.json. A multi-task mixture samples each task to its share
    of the training examples (weight / sum of weights of the total row count; rows repeat or are subsampled with
    the run's seed) and keeps one validation set per task, which the Trainer evaluates (and logs) separately.
    `replay(want)`: where the replay rows come from (default: the shipped general data); with data.replay_source
    self, the base model's own answers (ftcore.data.self_replay). `cache`: where tokenized rows are kept
    (ftcore.data.token_cache), so a resume or another run on the same rows does not tokenize them again."""
    from datasets import Dataset, concatenate_datasets

    d, seed = config.data, config.train.seed
    tasks = d.task_list()
    options = d.read_options()
    read = {t.name: read_examples(t.train, t.format, t.template, t.columns, **options) for t in tasks}
    shares = mixture_counts({t.name: (len(read[t.name]), t.weight) for t in tasks}) if d.tasks else {}
    splits, info, train_sets, val_sets = {}, {}, [], {}
    for task in tasks:
        suffix = f":{task.name}" if task.name else ""
        examples = read[task.name]
        picked = sample_to(examples, shares[task.name], seed) if d.tasks else examples
        run.note(Text("notes.tokenizing", rows=len(picked), file=Path(task.train).name))
        started = time.perf_counter()
        tokens = tokenize_dataset(picked, tokenizer, d.max_length, cache)
        run.note(Text("notes.tokenized_cache" if tokens.cached else "notes.tokenized", examples=len(tokens.dataset),
                      tokens=tokens.tokens, seconds=round(time.perf_counter() - started, 1)))
        train_sets.append(tokens.dataset)
        info[f"train{suffix}"] = {"file": str(task.train), "sha256": fingerprint(task.train), "rows": len(examples),
                                  "examples": len(tokens.dataset), "tokens": tokens.tokens,
                                  "truncated": tokens.truncated, "dropped": tokens.dropped, "replay": 0,
                                  "tokenized": "cache" if tokens.cached else "new",
                                  **({"task": task.name, "weight": task.weight} if d.tasks else {})}
        if task.val:
            rows = read_examples(task.val, task.format, task.template, task.columns, **options)
            val = tokenize_dataset(rows, tokenizer, d.max_length, cache)
            val_sets[task.name] = val.dataset
            info[f"validation{suffix}"] = {"file": str(task.val), "sha256": fingerprint(task.val), "rows": len(rows),
                                           "examples": len(val.dataset), "tokens": val.tokens,
                                           "truncated": val.truncated, "dropped": val.dropped}
    domain = sum(len(t) for t in train_sets)
    want = round(d.replay * domain)
    general = (replay(want) if replay else replay_examples(d.replay, domain, seed)) if want > 0 else []
    replay_rows = tokenize_all(general, tokenizer, d.max_length).rows if general else []
    if replay_rows:
        train_sets.append(Dataset.from_list(replay_rows).cast(train_sets[0].features))
    splits["train"] = train_sets[0] if len(train_sets) == 1 else concatenate_datasets(train_sets)
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

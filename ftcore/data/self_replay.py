"""data.replay_source=self: replay rows that are the base model's own answers to general prompts (the shipped EN/ZH
prompts, weighted by the language of the user's data, or the user's prompt file), generated before training.

Answers are greedy (the same prompt always gets the same answer) and cached in the workspace, keyed by the model's
fingerprint (its files' contents) and the generation settings, one answer per prompt: a second run, or a run that
needs more rows, generates only what the cache lacks.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from ftcore._atomic import write_json
from ftcore.config import RunConfig
from ftcore.data.read import Example, read_examples
from ftcore.errors import UserError
from ftcore.messages import Text
from ftcore.settings import Settings

MAX_NEW_TOKENS = 256  # the shipped answers run 1-6 sentences; a longer one is cut here
BATCH = 16
LANGUAGES = {"en": "general_en.jsonl", "zh": "general_zh.jsonl"}
CACHE_VERSION = 1  # bump when the way answers are made changes


def shipped_prompts(lang: str) -> list[str]:
    """The user turns of the shipped general data of one language."""
    path = resources.files("ftcore") / "data" / "replay" / LANGUAGES[lang]
    return [e.messages[0]["content"] for e in read_examples(path, "messages")]


def read_prompts(path: Path) -> list[str]:
    """A user's prompts: .txt, one per line; .jsonl rows with a prompt field, or chat messages (first user turn)."""
    prompts = []
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".txt":
        prompts = [line.strip() for line in text.splitlines()]
    else:
        for line in text.splitlines():
            try:
                row = json.loads(line) if line.strip() else {}
            except json.JSONDecodeError:
                continue
            users = [m.get("content", "") for m in row.get("messages") or [] if isinstance(m, dict)
                     and m.get("role") == "user"] if isinstance(row, dict) else []
            prompts.append(str(row.get("prompt") or (users[0] if users else "")) if isinstance(row, dict) else "")
    prompts = list(dict.fromkeys(p for p in prompts if p.strip()))
    if not prompts:
        raise UserError("data.replay_prompts_empty", path=path.name)
    return prompts


def language_weights(config: RunConfig) -> dict[str, float]:
    """Share of the user's training rows in Chinese and in everything else (answered with English prompts)."""
    from ftcore.data.quality.language import language_shares

    rows = [e for t in config.data.task_list() for e in read_examples(t.train, t.format, t.template, t.columns)]
    zh = language_shares(rows).get("zh", 0.0)
    return {lang: share for lang, share in (("en", 1.0 - zh), ("zh", zh)) if share > 0}


def prompt_pool(config: RunConfig, settings: Settings) -> tuple[list[str], list[str]]:
    """(prompts, languages): the user's file, or the shipped prompts of each language in proportion to the
    user's data (the main language's whole set, the others cut to their share of it)."""
    if config.data.replay_prompts:
        return read_prompts(settings.inside(config.data.replay_prompts)), ["own"]
    weights = language_weights(config)
    top = max(weights.values())
    pool, langs = [], []
    for lang, share in weights.items():
        prompts = shipped_prompts(lang)
        keep = round(len(prompts) * share / top)
        if keep:
            pool += prompts[:keep]
            langs.append(lang)
    return pool, langs


def pick(pool: list[str], want: int, seed: int) -> list[str]:
    """`want` prompts in an order shuffled with the run's seed, each once while they last, then round again: more
    rows extend fewer (so a bigger run reuses a smaller one's cached answers)."""
    order = list(pool)
    random.Random(seed).shuffle(order)
    return [order[i % len(order)] for i in range(want)]


def model_fingerprint(location: str, settings: Settings) -> str:
    """sha256 over the contents of the model's files (weights, config, tokenizer, chat template). Whole-file
    hashes are remembered by path, size and modification time, so a big model is read once."""
    folder = Path(location)
    if not folder.is_dir():
        try:  # a Hub id: its downloaded snapshot, when there is one
            from huggingface_hub import snapshot_download

            folder = Path(snapshot_download(location, local_files_only=True))
        except Exception:
            return hashlib.sha256(f"hub:{location}".encode()).hexdigest()
    memo_path = settings.home / "self-replay" / "file-hashes.json"
    memo = json.loads(memo_path.read_text()) if memo_path.is_file() else {}
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".safetensors", ".json", ".jinja",
                                                                                     ".model", ".txt")):
        stat = path.stat()
        key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        if key not in memo:
            with path.open("rb") as handle:
                memo[key] = hashlib.file_digest(handle, "sha256").hexdigest()
        digest.update(f"{path.name}:{memo[key]}\n".encode())
    write_json(memo_path, memo)
    return digest.hexdigest()


def cache_path(settings: Settings, fingerprint: str) -> Path:
    key = hashlib.sha256(json.dumps([fingerprint, MAX_NEW_TOKENS, "greedy", CACHE_VERSION]).encode()).hexdigest()
    return settings.home / "self-replay" / f"{key[:24]}.json"


def _read_cache(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["answers"]
    except (OSError, ValueError, KeyError):
        return {}


def answer(prompts: list[str], config: RunConfig, settings: Settings, run, stop: Callable[[], bool] | None = None,
           generate: Callable | None = None, languages: str = "") -> dict[str, str]:
    """The base model's answer to each prompt, from the cache or generated now (the missing ones, in batches, on
    the device policy's device), with progress in the run's notes. Only a node's first process generates; the
    node's other processes wait for its cache."""
    from ftcore import models
    from ftcore.train.distributed import local_rank

    location = models.materialize(models.resolve(config.model.ref, settings), settings)
    path = cache_path(settings, model_fingerprint(location, settings))
    cached = _read_cache(path)
    missing = list(dict.fromkeys(p for p in prompts if p not in cached))
    run.note(Text("notes.self_replay", count=len(set(prompts)), languages=languages,
                  cached=len(set(prompts)) - len(missing)))
    if missing and local_rank() != 0:
        return _wait_for(path, prompts, stop)
    if missing:
        began = time.perf_counter()
        fresh: dict[str, str] = {}
        try:
            _generate(missing, config, settings, run, stop, generate, fresh)
        finally:  # a stop keeps what was generated
            cached = _read_cache(path) | cached | fresh
            write_json(path, {"model": config.model.ref, "max_new_tokens": MAX_NEW_TOKENS, "answers": cached})
        empty = sum(1 for p in missing if not cached[p].strip())
        run.note(Text("notes.self_replay_done", rows=len(missing) - empty, empty=empty,
                      seconds=round(time.perf_counter() - began, 1)))
    return {p: cached[p] for p in prompts}


def _generate(prompts: list[str], config: RunConfig, settings: Settings, run, stop, generate,
              out: dict[str, str]) -> None:
    """Answers into `out`, batch by batch."""
    from ftcore import models
    from ftcore.eval.probes.runner import generate as default_generate
    from ftcore.runs.placement import release_cuda_memory

    generate = generate or default_generate
    model, tokenizer = models.load(config.model.ref, settings, phase="eval",
                                   trust_remote_code=config.model.trust_remote_code)
    try:
        for start in range(0, len(prompts), BATCH):
            chunk = prompts[start:start + BATCH]
            out.update(zip(chunk, generate(model, tokenizer, chunk, MAX_NEW_TOKENS, BATCH, stop), strict=True))
            run.append_event("self_replay", done=len(out), total=len(prompts))
            run.note(Text("notes.self_replay_progress", done=len(out), total=len(prompts)))
    finally:
        del model
        release_cuda_memory()


def _wait_for(path: Path, prompts: list[str], stop, every: float = 2.0) -> dict[str, str]:
    from ftcore.eval.probes.runner import Stopped

    while True:
        cached = _read_cache(path)
        if all(p in cached for p in prompts):
            return {p: cached[p] for p in prompts}
        if stop is not None and stop():
            raise Stopped
        time.sleep(every)


def self_replay(config: RunConfig, settings: Settings, run, stop=None, generate=None) -> Callable[[int], list]:
    """The replay source prepare_data draws `want` rows from: the base's answers to `want` prompts picked with
    the run's seed (rows the base left empty are dropped)."""

    from ftcore.eval.probes.runner import Stopped

    def rows(want: int) -> list[Example]:
        pool, languages = prompt_pool(config, settings)
        prompts = pick(pool, want, config.train.seed)
        try:
            answers = answer(prompts, config, settings, run, stop, generate, ", ".join(languages))
        except Stopped:  # the trainer sees the stop next and ends the run as cancelled
            return []
        examples = [Example([{"role": "user", "content": p}, {"role": "assistant", "content": answers[p]}], i + 1,
                            {"replay": "self"}) for i, p in enumerate(prompts) if answers[p].strip()]
        if want and not examples:
            raise UserError("data.self_replay_empty", count=len(set(prompts)))
        return examples

    return rows

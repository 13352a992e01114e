"""Weight-space blends of a base model and a model fine-tuned from it (WiSE-FT: θ = (1−α)·θ_base + α·θ_tuned).
`write_blend` makes a normal model folder in one streaming pass over the two models' safetensors shards (one
output shard in memory at a time); `InPlaceBlend` sets a loaded tuned model's weights to blends, for the
report's search over α."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ftcore._atomic import publish_dir, write_json
from ftcore.errors import UserError
from ftcore.publish.files import REPO_FILES
from ftcore.runs.store import META_FILE, Run
from ftcore.settings import Settings

SINGLE = "model.safetensors"
INDEX = "model.safetensors.index.json"
# beside its weights a blend gets the tuned model's config, generation config and tokenizer (not its card)
COPIED = tuple(p for p in REPO_FILES if "safetensors" not in p and p not in ("README.md", "*.png"))


def check_alpha(alpha: float) -> float:
    """α in [0, 1], kept to three decimals (it names the blend's folder and reference)."""
    if not isinstance(alpha, int | float) or not 0 <= alpha <= 1:
        raise UserError("blend.alpha", alpha=alpha)
    return round(float(alpha), 3)


def _tensors(folder: Path) -> dict[str, Path]:
    """Tensor name -> the safetensors file holding it (sharded models name them in their index)."""
    from safetensors import safe_open

    if (folder / INDEX).is_file():
        weight_map = json.loads((folder / INDEX).read_text(encoding="utf-8"))["weight_map"]
        return {name: folder / file for name, file in weight_map.items()}
    if not (folder / SINGLE).is_file():
        raise UserError("blend.no_weights", folder=folder)
    with safe_open(folder / SINGLE, framework="pt") as handle:
        return dict.fromkeys(handle.keys(), folder / SINGLE)


def _shapes(names: dict[str, Path]) -> dict[str, list[int]]:
    from safetensors import safe_open

    shapes = {}
    for file in dict.fromkeys(names.values()):
        with safe_open(file, framework="pt") as handle:
            shapes.update({n: list(handle.get_slice(n).get_shape()) for n in handle.keys() if n in names})
    return shapes


def _config(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "config.json").read_text(encoding="utf-8"))


def check_compatible(base: Path, tuned: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """Refuse two models that cannot be blended (other architecture, shapes or vocabulary); return the base and
    the tuned model's tensors (name -> file). A tied output embedding the base saved and the tuned model did not is the same tensor as
    the input embedding: it is left out (blended once, as the embedding)."""
    from transformers import AutoTokenizer

    a, b = _config(base), _config(tuned)
    for key in ("model_type", "tie_word_embeddings"):
        if a.get(key) != b.get(key):
            raise UserError("blend.config", key=key, base=a.get(key), tuned=b.get(key))
    base_names, tuned_names = _tensors(base), _tensors(tuned)
    tied = {n for n in base_names if b.get("tie_word_embeddings") and n.endswith("lm_head.weight")}
    missing = sorted(set(tuned_names) - set(base_names))
    extra = sorted(set(base_names) - set(tuned_names) - tied)
    base_shapes, tuned_shapes = _shapes(base_names), _shapes(tuned_names)
    differ = [f"{n} {base_shapes[n]} vs {tuned_shapes[n]}" for n in tuned_names
              if n in base_shapes and base_shapes[n] != tuned_shapes[n]]
    if missing or extra or differ:
        raise UserError("blend.tensors", problems="; ".join([*differ, *missing, *extra][:3]),
                        n=len(differ) + len(missing) + len(extra))
    if AutoTokenizer.from_pretrained(base).get_vocab() != AutoTokenizer.from_pretrained(tuned).get_vocab():
        raise UserError("blend.vocab")
    return base_names, tuned_names


def blend_tensor(base, tuned, alpha: float):
    """(1 − α)·base + α·tuned in fp32, in the tuned tensor's dtype; exactly base at 0 and tuned at 1."""
    import torch

    if not tuned.is_floating_point():
        return tuned
    return torch.lerp(base.float(), tuned.float(), alpha).to(tuned.dtype)


def write_blend(base: Path, tuned: Path, out: Path, alpha: float, meta: dict[str, Any]) -> Path:
    """Write the blend of two model folders into `out`: its shards mirror the tuned model's, each computed and
    saved in turn; config, generation config and tokenizer are the tuned model's; `meta` goes to fulltune.json.
    The folder is written aside and renamed into place (never seen half-written)."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    alpha = check_alpha(alpha)
    base_names, names = check_compatible(base, tuned)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for shard in dict.fromkeys(names.values()):
            wanted = [n for n, file in names.items() if file == shard]
            with ExitStack() as stack:
                opened = {f: stack.enter_context(safe_open(f, framework="pt"))
                          for f in {shard, *(base_names[n] for n in wanted)}}
                tensors = {n: blend_tensor(opened[base_names[n]].get_tensor(n), opened[shard].get_tensor(n), alpha)
                           for n in wanted}
            save_file(tensors, staging / shard.name, metadata={"format": "pt"})
            del tensors
        for path in tuned.iterdir():
            if path.is_file() and (path.name == INDEX or any(fnmatch.fnmatch(path.name, p) for p in COPIED)):
                shutil.copy2(path, staging / path.name)
        write_json(staging / META_FILE, meta)
        publish_dir(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def write_run_blend(run: Run, settings: Settings, alpha: float, source: str = "final") -> Path:
    """The blend of a run's base and its final model (or checkpoint-N), written into the run folder (replacing the
    same blend written before); fulltune.json says base, source and α beside what the final model carries."""
    from ftcore import models

    alpha = check_alpha(alpha)
    tuned = run.final_dir if source == "final" else run.checkpoints_dir / source
    if not (tuned / "config.json").is_file():
        available = ", ".join(["final"] * (run.final_dir / "config.json").is_file() + [p.name for p in run.checkpoints()])
        raise UserError("blend.no_source", run=run.id, source=source, available=available or "-")
    base_ref = run.config().model.ref
    base = models.local_folder(base_ref, settings)
    meta = {**run.final_meta(), "base_model": base_ref, "base_kind": models.resolve(base_ref, settings).kind,
            "blend": {"base": base_ref, "source": source, "alpha": alpha, "run_id": run.id}}
    return write_blend(base, tuned, run.blend_dir(alpha, source), alpha, meta)


class InPlaceBlend:
    """Sets a loaded tuned model's weights to its blends with a loaded base (the two on their devices, in their
    dtype), from a copy of its own weights kept on the CPU. Tied parameters are one parameter: blended once."""

    def __init__(self, base, tuned):
        base_params = dict(base.named_parameters())
        self.pairs = []
        for name, param in tuned.named_parameters():
            other = base_params.get(name)
            if other is None or other.shape != param.shape:
                raise UserError("blend.tensors", problems=name, n=1)
            self.pairs.append((param, other, param.detach().to("cpu", copy=True)))

    def set(self, alpha: float) -> None:
        import torch

        with torch.no_grad():
            for param, base, own in self.pairs:
                param.copy_(blend_tensor(base.to(param.device), own.to(param.device), alpha))

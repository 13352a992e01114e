"""Publishing a finished run: the model card, a push to the Hugging Face Hub, an offline export, a Space folder.

The card is written with huggingface_hub's ModelCard/ModelCardData; the push is one commit made by
`HfApi.upload_folder` with only what a model repository needs. The token is a function argument held by the caller
(CLI: read from HF_TOKEN or a file; UI: the session's login): it is never written, logged or passed to a process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._atomic import write_text
from .errors import UserError
from .messages import Text
from .redact import redact
from .runs import Run

# What a model repository needs from final/, and what it must never get (fulltune.json holds local paths).
REPO_FILES = ("*.safetensors", "*.safetensors.index.json", "config.json", "generation_config.json",
              "tokenizer*", "special_tokens_map.json", "vocab.json", "merges.txt", "*.model", "added_tokens.json",
              "chat_template.jinja", "chat_template.json", "README.md", "*.png")
NEVER = ("fulltune.json", "training_args.bin", "optimizer.pt", "scheduler.pt", "rng_state*", "trainer_state.json",
         "*.pth", "*.bin", "*.pkl", "checkpoint-*/**")
CARD_IMAGE = "loss_curve.png"
NOT_METRICS = ("examples", "seconds")


def _metrics(values: dict[str, Any] | None) -> dict[str, float]:
    """The numeric metrics of a domain result (counts and timings left out)."""
    return {k: v for k, v in (values or {}).items() if isinstance(v, int | float) and k not in NOT_METRICS}
LICENSES = ("apache-2.0", "mit", "llama3.1", "llama3.2", "gemma", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0",
            "openrail", "other")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


class RemoteError(UserError):
    """The Hub (or the network to it) refused or failed; exit code 3."""

    exit_code = 3


def _final(run: Run) -> Path:
    if not (run.final_dir / "config.json").is_file():
        raise UserError("hub.no_final", run=run.id, state=run.status().get("state"))
    return run.final_dir


def _meta(run: Run) -> dict[str, Any]:
    path = run.final_dir / "fulltune.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


# ---------------------------------------------------------------------------------------------------------- card


def base_model_id(meta: dict[str, Any], settings) -> str | None:
    """The base as a Hub id when there is one: embedded models map to their Hub copy, a run to its own base."""
    from .models import EMBEDDED

    ref, kind = meta.get("base_model"), meta.get("base_kind")
    if ref in EMBEDDED:
        return EMBEDDED[ref].hub_id
    if kind == "hub":
        return ref
    if kind == "run" and settings is not None:
        parent = settings.runs_dir / ref / "final" / "fulltune.json"
        if parent.is_file():
            return base_model_id(json.loads(parent.read_text(encoding="utf-8")), settings)
    return None


def base_license(meta: dict[str, Any], settings) -> str | None:
    """The base model's license, when it can be known without the network."""
    from huggingface_hub import ModelCard

    from .models import EMBEDDED

    ref, kind = meta.get("base_model"), meta.get("base_kind")
    if ref in EMBEDDED:
        return EMBEDDED[ref].license
    candidates = []
    if kind == "folder":
        candidates.append(Path(ref) / "README.md")
    elif kind == "run" and settings is not None:
        candidates.append(settings.runs_dir / ref / "final" / "README.md")
    elif kind == "hub":
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(ref, "README.md")
        if isinstance(cached, str):
            candidates.append(Path(cached))
    for path in candidates:
        if path.is_file():
            try:
                return ModelCard.load(path).data.license
            except Exception:  # a README without valid metadata: no license known
                return None
    return None


def data_languages(meta: dict[str, Any], threshold: float = 0.1) -> list[str]:
    """Languages holding at least `threshold` of the training rows (ISO 639-1)."""
    from .data import read_examples
    from .data.report import language_shares

    train = (meta.get("data") or {}).get("train") or {}
    try:
        shares = language_shares(read_examples(train["file"]))
    except Exception:  # the data file moved: fall back to English, the card says so only through metadata
        return ["en"]
    langs = [lang for lang, share in sorted(shares.items(), key=lambda kv: -kv[1])
             if lang != "other" and share >= threshold]
    return langs or ["en"]


def loss_curve(run: Run, path: Path) -> bool:
    """Train (and validation) loss against step as a PNG; False when the run logged no loss."""
    train = [(e["step"], e["loss"]) for e in run.events("train") if e.get("loss") is not None]
    series: dict[str, list] = {}
    for e in run.events("eval"):  # eval_loss, or eval_TASK_loss per task of a mixture
        for key, value in e.items():
            if key.startswith("eval_") and key.endswith("_loss") and value is not None:
                task = key[len("eval_"):-len("_loss")]
                series.setdefault(f"validation {task}".strip(), []).append((e["step"], value))
    if not train and not series:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=110)
    for points, label, style in ((train, "train", "-"), *((v, k, "o-") for k, v in series.items())):
        if points:
            ax.plot(*zip(*points, strict=True), style, label=label, linewidth=1.4, markersize=3)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png")
    plt.close(fig)
    os.replace(tmp, path)
    return True


def _eval_results(report: dict[str, Any], model_name: str, dataset: str) -> list:
    """Model-index results: the domain metrics (per task for a mixture, each under its task's name) and every
    probe suite, for the final model."""
    from huggingface_hub import EvalResult

    final = next((c for c in report.get("candidates", []) if c["name"] == "final"), None)
    if not final:
        return []
    split = report.get("domain_split") or "validation"
    domains = final.get("tasks") or {dataset: final.get("domain")}
    results = []
    for name, metrics in domains.items():
        for key, value in _metrics(metrics).items():
            results.append(EvalResult(task_type="text-generation", dataset_type=name, dataset_name=name,
                                      dataset_split=split, metric_type=key, metric_name=f"domain {key}",
                                      metric_value=round(value, 4)))
    for row in final.get("rows", []):
        results.append(EvalResult(task_type="text-generation", dataset_type=f"fulltune/{row['suite']}",
                                  dataset_name=f"FullTune probe {row['suite']}", metric_type=row["kind"],
                                  metric_name=f"{row['suite']} ({row['kind']})", metric_value=row["tuned"]))
    return results


def _forgetting_table(report: dict[str, Any]) -> str:
    final = next((c for c in report.get("candidates", []) if c["name"] == "final"), None)
    if not final:
        return "No evaluation report was made for this run."
    lines = ["| suite | kind | base | fine-tuned | change | verdict |", "|---|---|---|---|---|---|"]
    for r in final.get("rows", []):
        lines.append(f"| {r['suite']} | {r['kind']} | {r['base']:.4g} | {r['tuned']:.4g} | {r['delta']:+.4g} | "
                     f"{r['verdict']} |")
    budget = report.get("budget")
    within = "within" if final.get("within_budget") else "**over**"
    lines.append("")
    lines.append(f"Forgetting budget: no suite loses more than {budget:g} points (or {budget:g}% more perplexity); "
                 f"this model is {within} budget. Scores are % for question and format suites, perplexity for "
                 "`*_ppl` (lower is better), nats of next-token KL divergence from the base for `kl`.")
    return "\n".join(lines)


def _domain_table(report: dict[str, Any]) -> str:
    """Base, base + k-shot prompt (when the run scored it) and fine-tuned on the domain data: all tasks together,
    then each task of a mixture."""
    final = next((c for c in report.get("candidates", []) if c["name"] == "final"), None) or {}
    base, fewshot = report.get("base", {}), report.get("base", {}).get("fewshot") or {}
    tuned = final.get("domain") or {}
    if not _metrics(tuned):
        return "No domain evaluation (the run had no validation data)."
    shots = f"base + {fewshot['k']}-shot prompt" if fewshot else None
    sections = [("all", base.get("domain") or {}, fewshot.get("domain") or {}, tuned)]
    for task, metrics in (final.get("tasks") or {}).items():
        sections.append((task, (base.get("tasks") or {}).get(task) or {}, (fewshot.get("tasks") or {}).get(task) or {},
                         metrics))
    lines = [f"On {tuned.get('examples', '?')} examples ({report.get('domain_split') or 'validation'})"
             + (f"; the prompting baseline is the base model with a system prompt and {fewshot['k']} examples from "
                "the training split" if fewshot else "") + ":", ""]
    header = ["task", "metric", "base", *([shots] if shots else []), "fine-tuned"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def cell(value) -> str:
        return "-" if value is None else f"{value:.4g}"

    for task, b, f, t in sections:
        for key, value in _metrics(t).items():
            row = [task, key, cell(b.get(key)), *([cell(f.get(key))] if shots else []), cell(value)]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


CARD_TEMPLATE = """---
{{ card_data }}
---

# {{ model_name }}

{{ summary }}

## Training

- Method: **{{ method }}** fine-tuning with FullTune (every weight trainable unless the method says otherwise:
  {{ trainable }} of {{ parameters }} parameters trained).
- Base model: {{ base_text }}
- Data: {{ data_text }}
- Hardware: {{ hardware }}; training time {{ seconds }}; peak memory {{ peak }}.

### Hyperparameters

| setting | value |
|---|---|
{% for k, v in hyperparameters %}| {{ k }} | {{ v }} |
{% endfor %}
{% if image %}
### Loss curve

![loss curve]({{ image }})
{% endif %}
## Evaluation

### Domain

{{ domain_table }}

### What the model kept and what it forgot

{{ forgetting_table }}

## Use it

- transformers: `AutoModelForCausalLM.from_pretrained("{{ repo_id }}")` with its tokenizer's chat template.
- An OpenAI-compatible endpoint: `ftcore serve {{ repo_id }}` (FullTune), then any OpenAI client at
  `http://127.0.0.1:8000/v1`.
{% if gguf %}- llama.cpp / Ollama: this repository holds `{{ gguf }}` ({{ gguf_quant }} GGUF): `llama-cli -m {{ gguf }} -cnv`,
  or `ollama run hf.co/{{ repo_id }}`.
{% else %}- llama.cpp / Ollama: `ftcore export RUN --format gguf --quant q8_0 --out DIR` writes a GGUF file and an Ollama
  Modelfile.
{% endif %}
## Intended use and limitations

Intended for the task of its training data ({{ data_names }}): a small, specialised assistant. It inherits the
base model's limitations and biases; full fine-tuning on a narrow dataset can make a model worse outside that
domain, which the forgetting table above measures on general knowledge, arithmetic, instruction following,
writing and language-model perplexity. Check the outputs before relying on them; it is not meant for medical,
legal or financial decisions without review by a person.
"""


def make_card(run: Run, settings=None, *, license: str | None = None, language: list[str] | None = None,
              repo: str | None = None, gguf: str | None = None) -> str:
    """The model card's text for a finished run (metadata from the run folder; nothing is written)."""
    from huggingface_hub import ModelCard, ModelCardData

    final, meta = _final(run), _meta(run)
    config = meta.get("config") or run.config().to_dict()
    report_path = run.dir / "report.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.is_file() else {}
    data = meta.get("data") or {}
    from .datasets import dataset_name

    names = list(dict.fromkeys(dataset_name(v["file"]) for v in data.values() if isinstance(v, dict) and v.get("file")))
    base_id = base_model_id(meta, settings)
    license = license or base_license(meta, settings) or "other"
    if license not in LICENSES and not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,40}", license):
        raise UserError("hub.bad_license", license=license, licenses=", ".join(LICENSES))
    method = config.get("train", {}).get("method", "full")
    tags = ["fulltune", "full-fine-tuning" if method in ("full", "progressive", "distill") else method,
            "text-generation", "safetensors"]
    model_name = (repo or run.id).split("/")[-1]
    card_data = ModelCardData(
        base_model=base_id, datasets=names or None, language=language or data_languages(meta), license=license,
        library_name="transformers", pipeline_tag="text-generation", tags=tags, model_name=model_name,
        eval_results=_eval_results(report, model_name, names[0] if names else "training-data") or None,
    )
    image = CARD_IMAGE if (final / CARD_IMAGE).is_file() else None
    train = config.get("train", {})
    keys = ("learning_rate", "epochs", "max_steps", "batch_size", "grad_accum", "warmup_ratio", "scheduler",
            "weight_decay", "max_grad_norm", "optimizer", "precision", "gradient_checkpointing", "packing", "seed",
            "save_precision")
    hyper = [(k, meta.get("precision", train[k]) if k == "precision" else train[k]) for k in keys if k in train]
    hyper.append(("max_length", config.get("data", {}).get("max_length")))
    dist = config.get("dist", {})
    if dist.get("nproc", 1) * dist.get("nnodes", 1) > 1:
        hyper.append(("processes", f"{dist['nproc']} x {dist['nnodes']} node(s), {dist['strategy']}"))
    data_text = "; ".join(f"{split}: `{dataset_name(v['file'])}` ({v.get('rows', '?')} rows, {v.get('tokens', '?')} "
                          f"tokens, sha256 `{v.get('sha256', '?')[:16]}`)"
                          for split, v in data.items() if isinstance(v, dict) and v.get("file"))
    # a local folder's path is private: the card names the folder only
    base_ref = Path(str(meta.get("base_model"))).name if meta.get("base_kind") == "folder" else meta.get("base_model")
    base_text = f"[{base_id}](https://huggingface.co/{base_id})" if base_id else f"`{base_ref}`"
    if meta.get("base_kind") == "embedded":
        base_text += " (the copy shipped as a Q4_1 GGUF file, dequantized to full precision before training)"
    peak = meta.get("peak_rss_mb")
    card = ModelCard.from_template(
        card_data, template_str=CARD_TEMPLATE, model_name=model_name,
        summary=f"A fully fine-tuned version of {base_text}, trained on {', '.join(names) or 'the user data'}.",
        method=method, trainable=f"{meta.get('trainable', 0):,}", parameters=f"{meta.get('parameters', 0):,}",
        base_text=base_text, data_text=data_text or "not recorded", data_names=", ".join(names) or "its data",
        hardware=f"{meta.get('device', 'cpu')}, {meta.get('precision', '?')}",
        seconds=f"{meta.get('seconds', 0):.0f} s", peak=f"{peak / 1024:.2f} GiB" if peak else "not measured",
        hyperparameters=hyper, image=image, domain_table=_domain_table(report),
        forgetting_table=_forgetting_table(report), repo_id=repo or run.id,
        gguf=Path(gguf).name if gguf else None, gguf_quant=Path(gguf).stem.rsplit(".", 1)[-1] if gguf else None,
    )
    return str(card)


def write_card(run: Run, settings=None, **kwargs) -> Path:
    """final/README.md (and the loss curve image beside it), written atomically."""
    final = _final(run)
    loss_curve(run, final / CARD_IMAGE)
    text = make_card(run, settings, **kwargs)
    write_text(final / "README.md", text)
    return final / "README.md"


def save_card_text(run: Run, text: str) -> Path:
    """Keep a card edited by the user, after checking that its metadata still parses."""
    from huggingface_hub import ModelCard

    try:
        ModelCard(text, ignore_metadata_errors=False)
    except Exception as exc:
        raise UserError("hub.card_metadata", error=exc) from None
    path = _final(run) / "README.md"
    write_text(path, text)
    return path


# ---------------------------------------------------------------------------------------------------------- push


def check_repo_id(repo: str) -> str:
    repo = (repo or "").strip()
    if not _REPO.match(repo) or ".." in repo or "--" in repo or repo.endswith((".git", ".")):
        raise UserError("hub.bad_repo", repo=repo)
    return repo


def read_token(token_file: str | None = None) -> str:
    """The Hub token from --token-file or HF_TOKEN (never from a command-line argument)."""
    if token_file:
        path = Path(token_file).expanduser()
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UserError("hub.token_file", path=path, reason=exc.strerror) from None
    else:
        token = (os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN") or "").strip()
    if not token:
        raise UserError("hub.no_token")
    if any(c.isspace() for c in token):
        raise UserError("hub.token_spaces")
    return token


def _remote_error(exc: Exception, action: Text, endpoint: str) -> RemoteError:
    """A one-line message for a failed Hub call (the exception text may not hold the token: tokens go in headers)."""
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        code = exc.response.status_code
        server = redact(str(exc.server_message or "").strip().splitlines()[0] if exc.server_message else "")
        hint = {401: Text("hub.hint_401"), 403: Text("hub.hint_403"), 404: Text("hub.hint_404"),
                409: Text("hub.hint_409"), 429: Text("hub.hint_429")}.get(
            code, Text("hub.hint_5xx") if code >= 500 else Text("hub.hint_refused"))
        if server:
            return RemoteError("hub.http_said", action=action, code=code, hint=hint, server=server)
        return RemoteError("hub.http", action=action, code=code, hint=hint)
    return RemoteError("hub.unreachable", action=action, endpoint=endpoint,
                       error=f"{type(exc).__name__}: {redact(str(exc))[:200]}")


@dataclass
class PushResult:
    repo: str
    url: str
    commit: str | None
    pr_url: str | None
    files: list[str]
    private: bool


def files_to_publish(run: Run, gguf: str | None = None) -> list[Path]:
    """The final/ files a model repository gets (weights, config, tokenizer, card, plots; the GGUF file named
    `gguf` when asked: it is opt-in)."""
    import fnmatch

    final = _final(run)
    out = []
    for path in sorted(final.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            name = path.name
            if any(fnmatch.fnmatch(name, p) for p in REPO_FILES) and not any(fnmatch.fnmatch(name, p) for p in NEVER):
                out.append(path)
            elif gguf and name == gguf:
                out.append(path)
    return out


def _not_found(exc: Exception) -> bool:
    """The repository does not exist: the client's RepoNotFound, or a plain 404 (a proxy or a Hub mirror that
    answers without the Hub's error code)."""
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    if isinstance(exc, RepositoryNotFoundError):
        return True
    response = getattr(exc, "response", None) if isinstance(exc, HfHubHTTPError) else None
    return getattr(response, "status_code", None) == 404


def gguf_for_push(run: Run, quant: str, progress: Callable[[str], None]) -> str:
    """final/RUN.QUANT.gguf for a push that includes GGUF (exported once, then reused); returns its name."""
    from .export_gguf import export_gguf

    name = f"{run.id}.{quant}.gguf"
    if not (run.final_dir / name).is_file():
        progress(Text("hub.progress_gguf", quant=quant))
        export_gguf(_final(run), run.final_dir / name, quant)
    return name


def push(run: Run, repo: str, token: str, *, settings=None, private: bool = True, branch: str | None = None,
         pr: bool = False, endpoint: str | None = None, license: str | None = None,
         progress: Callable[[str], None] = print, gguf: str | None = None) -> PushResult:
    """Upload the run's final model as one commit. Safe to run again: the repository is reused, unchanged files
    are not sent twice, and a failure before the commit leaves the repository as it was. `progress` gets each step
    as a Text (a str in English; text("zh") renders it in Chinese)."""
    from huggingface_hub import HfApi

    repo = check_repo_id(repo)
    if branch and pr:
        raise UserError("hub.branch_and_pr")
    if branch and (not re.fullmatch(r"[A-Za-z0-9][\w./-]{0,99}", branch) or ".." in branch):
        raise UserError("hub.bad_branch", branch=branch)
    if not token:
        raise UserError("hub.no_token_push")
    final = _final(run)
    endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")
    api = HfApi(endpoint=endpoint, token=token, library_name="fulltune")

    progress(Text("hub.progress_checking", endpoint=endpoint))
    try:
        me = api.whoami()
    except Exception as exc:  # HTTP errors and network failures alike become one line
        raise _remote_error(exc, Text("hub.checking_token"), endpoint) from None
    role = ((me.get("auth") or {}).get("accessToken") or {}).get("role")
    if role == "read":
        raise UserError("hub.read_only", name=me.get("name"))
    owner = repo.split("/")[0]
    mine = {me.get("name"), *(o.get("name") for o in me.get("orgs") or [])}
    if owner not in mine:
        orgs = ", ".join(sorted(n for n in mine if n and n != me.get("name"))) or Text("hub.no_orgs")
        raise UserError("hub.not_owner", owner=owner, name=me.get("name"), orgs=orgs, repo_name=repo.split("/")[1])

    gguf_name = gguf_for_push(run, gguf, progress) if gguf else None
    if not (final / "README.md").is_file():  # a card the user wrote or edited is kept as it is
        progress(Text("hub.progress_card"))
        write_card(run, settings, license=license, repo=repo, gguf=gguf_name)
    files = files_to_publish(run, gguf_name)
    size = sum(p.stat().st_size for p in files)
    created = False
    try:
        progress(Text("hub.progress_creating", repo=repo,
                      visibility=Text("hub.private") if private else Text("hub.public")))
        try:
            info = api.repo_info(repo)
            is_private = bool(info.private)
        except Exception as exc:
            if not _not_found(exc):
                raise
            api.create_repo(repo, private=private, exist_ok=True)
            created, is_private = True, private
        if branch:
            api.create_branch(repo, branch=branch, exist_ok=True)
        upload = dict(n=len(files), mib=size / 2**20, repo=repo)
        progress(Text("hub.progress_uploading_branch", branch=branch, **upload) if branch else
                 Text("hub.progress_uploading_pr", **upload) if pr else Text("hub.progress_uploading", **upload))
        commit = api.upload_folder(
            repo_id=repo, folder_path=final, allow_patterns=[p.name for p in files], ignore_patterns=list(NEVER),
            commit_message=f"Upload {run.id} (FullTune full fine-tuning)", revision=branch, create_pr=pr or None,
            commit_description=f"Model, tokenizer and card of the FullTune run {run.id}.",
        )
    except Exception as exc:
        error = _remote_error(exc, Text("hub.pushing_to", repo=repo), endpoint)
        note = Text("hub.created_empty", repo=repo) if created else Text("hub.nothing_committed")
        raise RemoteError("hub.push_failed", error=error, note=note) from None
    url = f"{endpoint}/{repo}" + (f"/tree/{branch}" if branch else "")
    progress(Text("hub.progress_done", url=commit.pr_url or url))
    return PushResult(repo=repo, url=url, commit=commit.oid, pr_url=commit.pr_url,
                      files=[p.name for p in files], private=is_private)


# ---------------------------------------------------------------------------------------------------------- export


def export(run: Run, out: Path, settings=None) -> Path:
    """The model repository's files as a folder or a .zip (written aside, then renamed into place)."""
    out = Path(out).expanduser().resolve()
    _final(run)
    if not (run.final_dir / "README.md").is_file():
        write_card(run, settings)
    files = files_to_publish(run)
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise UserError("hub.export_exists", path=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        if out.suffix == ".zip":
            with zipfile.ZipFile(staging, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path in files:
                    archive.write(path, arcname=f"{run.id}/{path.name}")
        else:
            staging.mkdir()
            for path in files:
                shutil.copy2(path, staging / path.name)
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True) if staging.is_dir() else staging.unlink()
    return out


# ---------------------------------------------------------------------------------------------------------- space

SPACE_KEYS = ("title", "sdk", "sdk_version", "app_file", "hf_oauth", "hf_oauth_scopes", "suggested_hardware",
              "models")


def source_root() -> Path:
    root = Path(__file__).resolve().parents[1]
    missing = [p for p in ("app.py", "ui", "spaces_config/README.md", "spaces_config/requirements.txt")
               if not (root / p).exists()]
    if missing:
        raise UserError("hub.space_source", root=root, missing=", ".join(missing))
    return root


def build_space(out: Path) -> Path:
    """A folder ready to push as a Gradio Space: app.py, ftcore/, ui/, README.md (front matter), requirements."""
    out = Path(out).expanduser().resolve()
    root = source_root()
    if out.exists() and any(out.iterdir()):
        raise UserError("hub.space_exists", path=out)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    try:
        staging.mkdir(parents=True)
        shutil.copy2(root / "app.py", staging / "app.py")
        for package in ("ftcore", "ui"):
            shutil.copytree(root / package, staging / package, ignore=ignore)
        shutil.copy2(root / "spaces_config" / "README.md", staging / "README.md")
        shutil.copy2(root / "spaces_config" / "requirements.txt", staging / "requirements.txt")
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def space_front_matter(readme: Path) -> dict[str, Any]:
    """The Space README's YAML front matter, checked for the keys a Space needs."""
    import yaml

    text = readme.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise UserError("hub.no_front_matter", path=readme)
    meta = yaml.safe_load(text.split("---\n", 2)[1]) or {}
    missing = [k for k in SPACE_KEYS if k not in meta]
    if missing:
        raise UserError("hub.front_matter_lacks", path=readme, missing=", ".join(missing))
    return meta

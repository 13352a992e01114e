"""The model card of a finished run: metadata, hyperparameters, loss curve, the domain table (base | base + k-shot |
tuned) and the forgetting table, through huggingface_hub's ModelCard with a template shipped as package data."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ftcore._atomic import write_text
from ftcore.errors import UserError
from ftcore.eval.schema import Report, metrics_of
from ftcore.publish.files import final_folder, final_meta
from ftcore.runs.state import busy
from ftcore.runs.store import Run, eval_losses

CARD_IMAGE = "loss_curve.png"
LICENSES = ("apache-2.0", "mit", "llama3.1", "llama3.2", "gemma", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0",
            "openrail", "other")


def base_model_id(meta: dict[str, Any], settings) -> str | None:
    """The base as a Hub id when there is one: embedded models map to their Hub copy, a run to its own base."""
    from ftcore.models import EMBEDDED

    ref, kind = meta.get("base_model"), meta.get("base_kind")
    if ref in EMBEDDED:
        return EMBEDDED[ref].hub_id
    if kind == "hub":
        return ref
    if kind == "run" and settings is not None:
        parent = Run(ref, settings.runs_dir / ref).final_meta()
        if parent:
            return base_model_id(parent, settings)
    return None


def base_license(meta: dict[str, Any], settings) -> str | None:
    """The base model's license, when it can be known without the network."""
    from huggingface_hub import ModelCard

    from ftcore.models import EMBEDDED

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
    from ftcore.data import read_examples
    from ftcore.data.quality.language import language_shares

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
    for e in run.events("eval"):
        for task, value in eval_losses(e).items():
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


def eval_results(report: Report | dict[str, Any] | None, model_name: str, dataset: str,
                 candidate: str = "final") -> list:
    """Model-index results: the domain metrics (per task for a mixture, each under its task's name) and every
    probe suite, for the final model."""
    from huggingface_hub import EvalResult

    report = Report.of(report)
    final = report.candidate(candidate) if report else None
    if final is None:
        return []
    split = report.domain_split or "validation"
    domains = final.tasks or {dataset: final.domain}
    results = []
    for name, metrics in domains.items():
        for key, value in metrics_of(metrics).items():
            results.append(EvalResult(task_type="text-generation", dataset_type=name, dataset_name=name,
                                      dataset_split=split, metric_type=key, metric_name=f"domain {key}",
                                      metric_value=round(value, 4)))
    for row in final.rows:
        results.append(EvalResult(task_type="text-generation", dataset_type=f"fulltune/{row.suite}",
                                  dataset_name=f"FullTune probe {row.suite}", metric_type=row.kind,
                                  metric_name=f"{row.suite} ({row.kind})", metric_value=row.tuned))
    return results


def forgetting_table(report: Report | dict[str, Any] | None, candidate: str = "final", pending: bool = False
                     ) -> str:
    """The forgetting rows of a candidate; without a report, why (`pending`: it is still being made)."""
    report = Report.of(report)
    final = report.candidate(candidate) if report else None
    if final is None and pending:
        return ("The evaluation report was still being made when this card was written: write the card again once "
                "it is done (the Train tab and `ftcore status RUN` show its progress) to include the forgetting "
                "table.")
    if final is None:
        return "No evaluation report was made for this run."
    lines = ["| suite | kind | base | fine-tuned | change | 95% interval | verdict |", "|---|---|---|---|---|---|---|"]
    for r in final.rows:
        lines.append(f"| {r.suite} | {r.kind} | {r.base:.4g} | {r.tuned:.4g} | {r.delta:+.4g} | "
                     f"{r.interval_text or '-'} | {r.verdict} |")
    within = "within" if final.within_budget else "**over**"
    lines.append("")
    lines.append(f"Forgetting budget: no suite loses more than {report.budget:g} points (or {report.budget:g}% more "
                 f"perplexity); this model is {within} budget. Scores are % for question and format suites, "
                 "perplexity for `*_ppl` (lower is better), nats of next-token KL divergence from the base for `kl`. "
                 "The interval is paired over the same items (an exact McNemar test for question and format suites, "
                 "a bootstrap over texts for perplexity): a suite is *forgot* only when its loss is over budget and "
                 "the interval excludes no change, *uncertain* when the loss is over budget but chance on that many "
                 "items could explain it.")
    return "\n".join(lines)


def domain_table(report: Report | dict[str, Any] | None, candidate: str = "final") -> str:
    """Base, base + k-shot prompt (when the run scored it) and fine-tuned on the domain data: all tasks together,
    then each task of a mixture (the report's domain rows)."""
    report = Report.of(report)
    final = report.candidate(candidate) if report else None
    if final is None or not metrics_of(final.domain):
        return "No domain evaluation (the run had no validation data)."
    rows = report.domain_rows([candidate])
    by = {(r.model, r.task): r.metrics for r in rows}
    k = next((r.k for r in rows if r.model == "fewshot"), None)
    shots = f"base + {k}-shot prompt" if k else None
    lines = [f"On {final.domain.get('examples', '?')} examples ({report.domain_split or 'validation'})"
             + (f"; the prompting baseline is the base model with a system prompt and {k} examples from "
                "the training split" if k else "") + ":", ""]
    header = ["task", "metric", "base", *([shots] if shots else []), "fine-tuned"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def cell(value) -> str:
        return "-" if value is None else f"{value:.4g}"

    for row in (r for r in rows if r.model == candidate):
        base, shot = by.get(("base", row.task), {}), by.get(("fewshot", row.task), {})
        for key, value in metrics_of(row.metrics).items():
            cells = [row.task, key, cell(base.get(key)), *([cell(shot.get(key))] if shots else []), cell(value)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


CARD_TEMPLATE = (Path(__file__).parent / "card_template.md").read_text(encoding="utf-8")


def summary(meta: dict[str, Any], base_text: str, names: list[str]) -> str:
    """The card's first line: a fine-tuned model, or a blend of the base and a fine-tuned one (WiSE-FT)."""
    data = ", ".join(names) or "the user data"
    blend = meta.get("blend")
    if not blend:
        return f"A fully fine-tuned version of {base_text}, trained on {data}."
    alpha = blend["alpha"]
    return (f"A weight-space blend (WiSE-FT) of {base_text} and its full fine-tune on {data} "
            f"({blend['source']} of run `{blend.get('run_id', '?')}`): {alpha:g} × fine-tuned + {1 - alpha:g} × base, "
            "which keeps part of the fine-tuning's gain while forgetting less of what the base knew.")


def make_card(run: Run, settings=None, *, license: str | None = None, language: list[str] | None = None,
              repo: str | None = None, gguf: str | None = None) -> str:
    """The model card's text for a finished run (metadata from the run folder; nothing is written)."""
    from huggingface_hub import ModelCard, ModelCardData

    final, meta = final_folder(run), final_meta(run)
    config = meta.get("config") or run.config().to_dict()
    report = run.report()
    data = meta.get("data") or {}
    from ftcore.data.store import dataset_name

    names = list(dict.fromkeys(dataset_name(v["file"]) for v in data.values() if isinstance(v, dict) and v.get("file")))
    base_id = base_model_id(meta, settings)
    license = license or base_license(meta, settings) or "other"
    if license not in LICENSES and not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,40}", license):
        raise UserError("hub.bad_license", license=license, licenses=", ".join(LICENSES))
    method = config.get("train", {}).get("method", "full")
    tags = ["fulltune", "full-fine-tuning" if method in ("full", "progressive", "distill") else method,
            "text-generation", "safetensors"]
    own = run.id if run.model == "final" else f"{run.id}-{run.model}"  # a blend: the run's name and its own
    model_name = (repo or own).split("/")[-1]
    card_data = ModelCardData(
        base_model=base_id, datasets=names or None, language=language or data_languages(meta), license=license,
        library_name="transformers", pipeline_tag="text-generation", tags=tags, model_name=model_name,
        eval_results=eval_results(report, model_name, names[0] if names else "training-data", run.model) or None,
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
        summary=summary(meta, base_text, names),
        method=method, trainable=f"{meta.get('trainable', 0):,}", parameters=f"{meta.get('parameters', 0):,}",
        base_text=base_text, data_text=data_text or "not recorded", data_names=", ".join(names) or "its data",
        hardware=f"{meta.get('device', 'cpu')}, {meta.get('precision', '?')}",
        seconds=f"{meta.get('seconds', 0):.0f} s", peak=f"{peak / 1024:.2f} GiB" if peak else "not measured",
        hyperparameters=hyper, image=image, domain_table=domain_table(report, run.model),
        forgetting_table=forgetting_table(report, run.model, pending=report is None and busy(run.status())),
        repo_id=repo or own,
        gguf=Path(gguf).name if gguf else None, gguf_quant=Path(gguf).stem.rsplit(".", 1)[-1] if gguf else None,
    )
    return str(card)


def write_card(run: Run, settings=None, **kwargs) -> Path:
    """final/README.md (and the loss curve image beside it), written atomically."""
    final = final_folder(run)
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
    path = final_folder(run) / "README.md"
    write_text(path, text)
    return path





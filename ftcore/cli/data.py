"""`ftcore data check|report|split|augment`: the data commands of the CLI."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ftcore import models
from ftcore.config import RunConfig, parse_columns, parse_template
from ftcore.settings import Settings


def add_data_parser(sub, helps: dict[str, str]) -> None:
    p = sub.add_parser("data", help="Check, report on, split and augment training data files.")
    data_sub = p.add_subparsers(dest="data_command", required=True)

    def data_parser(name: str, help: str) -> argparse.ArgumentParser:
        p = data_sub.add_parser(name, help=help)
        p.add_argument("file")
        p.add_argument("--format", default="auto", help=helps["format"])
        p.add_argument("--template", type=parse_template, default=None, help=helps["template"])
        p.add_argument("--columns", type=parse_columns, default=None, help=helps["columns"])
        p.add_argument("--train-on-input", action="store_true", help=helps["train_on_input"])
        p.add_argument("--reasoning", choices=("keep", "drop"), default="keep", help=helps["reasoning"])
        return p

    p = data_parser("check", "Validate a data file: exit 0 with a summary, or 2 with the bad rows.")
    p.add_argument("--json", action="store_true")
    p = data_parser("report", "Quality report: lengths, duplicates, conflicts, languages, labels, PII, leakage.")
    p.add_argument("--model", default=None, help="Tokenizer for token counts (default: the embedded model).")
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--chat-template", default=None, help=helps["chat_template"])
    p.add_argument("--val", default=None, help="A validation file, to look for train/validation leakage.")
    p.add_argument("--json", action="store_true")
    p = data_parser("split", "Split into train and validation files (stratified by label when labelled).")
    p.add_argument("--val-ratio", type=float, required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", default=None, help="Output prefix (default: FILE without suffix).")
    p = data_parser("augment", "Write augmented copies of the rows (answers and labels never change).")
    p.add_argument("--ops", required=True, help="Comma-separated: synonym,reorder,swap,delete,paraphrase.")
    p.add_argument("--factor", type=int, default=1, help="New rows per source row.")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--synonyms", default=None, help="Your own synonym table (TSV: word<TAB>syn1|syn2).")
    p.add_argument("--paraphrase-model", default=None, help="Model reference used by the paraphrase op.")
    p.add_argument("--out", required=True, help="Output .jsonl with the original rows plus the new ones.")


def cmd_data(args, settings: Settings) -> int:
    return {"check": data_check, "report": data_report, "split": data_split,
            "augment": data_augment}[args.data_command](args, settings)


def _options(args) -> dict:
    return {"train_on_input": args.train_on_input, "reasoning": args.reasoning}


def data_report(args, settings: Settings) -> int:
    from ftcore.data import read_examples
    from ftcore.data.chat_template import use_chat_template
    from ftcore.data.quality.report import format_report, quality_report

    examples = read_examples(args.file, args.format, args.template, args.columns, **_options(args))
    val = read_examples(args.val, args.format, args.template, args.columns, **_options(args)) if args.val else None
    tokenizer = use_chat_template(models.load_tokenizer(args.model or RunConfig().model.ref, settings),
                                  args.chat_template, settings)
    report = quality_report(examples, fmt=examples[0].meta["format"], val=val, tokenizer=tokenizer,
                            max_length=args.max_length)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else format_report(report))
    return 0


def data_split(args, settings: Settings) -> int:
    from ftcore.data import read_examples, write_jsonl
    from ftcore.data.split import split_examples

    result = split_examples(read_examples(args.file, args.format, args.template, args.columns, **_options(args)),
                            args.val_ratio, seed=args.seed)
    prefix = args.out or str(Path(args.file).with_suffix(""))
    train, val = write_jsonl(result.train, f"{prefix}.train.jsonl"), write_jsonl(result.val, f"{prefix}.val.jsonl")
    print(f"{train}: {len(result.train)} rows\n{val}: {len(result.val)} rows")
    if result.dropped_augmented:
        print(f"dropped {result.dropped_augmented} augmented rows whose source went to validation")
    return 0


def data_augment(args, settings: Settings) -> int:
    from ftcore.data import read_examples, write_jsonl
    from ftcore.data.augment import augment_examples, load_synonyms, paraphrase_with_model

    examples = read_examples(args.file, args.format, args.template, args.columns, **_options(args))
    synonyms = None
    if args.synonyms:
        synonyms = {lang: load_synonyms(Path(args.synonyms), lang) for lang in ("en", "zh")}
    paraphrase = None
    if args.paraphrase_model:
        from ftcore.serve.generate import ModelCache, complete

        cache = ModelCache(settings, size=1)
        paraphrase = paraphrase_with_model(lambda messages: complete(cache, args.paraphrase_model, messages))
    ops = [op.strip() for op in args.ops.split(",") if op.strip()]
    added = augment_examples(examples, ops, args.factor, seed=args.seed, synonyms=synonyms, paraphrase=paraphrase)
    write_jsonl(examples + added, args.out)
    print(f"{args.out}: {len(examples)} rows + {len(added)} augmented ({', '.join(ops)})")
    if paraphrase is not None:
        print(f"paraphrase: {paraphrase.used} rewrites used, {paraphrase.rejected} rejected (a name or number lost, a "
              "question answered instead of rewritten, or a far different length)")
    return 0


def data_check(args, settings: Settings) -> int:
    from ftcore.data import DataProblems, check_file

    try:
        summary = check_file(args.file, args.format, args.template, args.columns, **_options(args))
    except DataProblems as exc:
        if args.json:
            print(json.dumps({"ok": False, "problems": [str(p) for p in exc.problems], "total": exc.total},
                             ensure_ascii=False, indent=2))
            return 2
        raise
    if args.json:
        print(json.dumps({"ok": True, **vars(summary)}, ensure_ascii=False, indent=2))
    else:
        print(f"{summary.path}: {summary.rows} examples, format {summary.format}")
        if summary.labels:
            print("labels: " + ", ".join(f"{k}={v}" for k, v in sorted(summary.labels.items())))
        for warning in summary.warnings:
            print(f"warning: {warning}")
    return 0

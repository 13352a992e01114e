"""Probe suites: the built-in ones written for this project (general knowledge EN/ZH, arithmetic, instruction
following, short poems, perplexity on poems and passages, next-token KL), standard benchmarks through lm-eval
(`lm_eval:TASK`, see harness.py) and user suites (JSONL or CSV rows with `question`, `answer` and an optional
`match` rule)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ftcore.data.formats import RowProblem
from ftcore.data.sources import iter_rows
from ftcore.errors import DataError, UserError
from ftcore.eval.probes.checks import MATCHES
from ftcore.messages import Join

# accuracy on answers | share of replies meeting constraints | perplexity | KL | an lm-eval task (scored as qa)
KINDS = ("qa", "checks", "ppl", "kl", "harness")


@dataclass
class Suite:
    name: str
    kind: str
    description: str
    items: list[dict[str, Any]] = field(default_factory=list)
    harness: Any = field(default=None, repr=False, compare=False)  # the loaded lm-eval tasks (kind harness)

    @property
    def higher_is_better(self) -> bool:
        return self.kind in ("qa", "checks", "harness")


BUILTIN = {  # name -> (file, kind, description)
    "general_en": ("general_en.jsonl", "qa", "General knowledge, English"),
    "general_zh": ("general_zh.jsonl", "qa", "General knowledge, Chinese"),
    "arithmetic": ("arithmetic.jsonl", "qa", "Arithmetic, EN and ZH"),
    "instruction": ("instruction.jsonl", "checks", "Instruction following with checkable format constraints"),
    "poems": ("poems.jsonl", "checks", "Creative writing: short poems (lines, language, non-empty)"),
    "poem_ppl": ("poem_refs.jsonl", "ppl", "Perplexity on reference poems"),
    "passages_ppl": ("passages.jsonl", "ppl", "Perplexity on general-domain passages, EN and ZH"),
    "kl": ("kl_prompts.jsonl", "kl", "KL divergence of next-token distributions from the base, general prompts"),
}


def builtin(name: str) -> Suite:
    file, kind, description = BUILTIN[name]
    text = (resources.files("ftcore") / "eval" / "probes" / "suites" / file).read_text(encoding="utf-8")
    return Suite(name, kind, description, [json.loads(line) for line in text.splitlines() if line.strip()])


def load_suite(name_or_path: str, probe=None) -> Suite:
    """A built-in suite by name, an lm-eval task (`lm_eval:TASK`, with the item cap and task folders of `probe`,
    a ProbeConfig; default: its defaults), or a user file of question/answer rows (checked row by row)."""
    if name_or_path in BUILTIN:
        return builtin(name_or_path)
    if name_or_path.startswith("lm_eval:"):
        from ftcore.config import ProbeConfig
        from ftcore.eval.probes import harness

        probe = probe or ProbeConfig()
        return harness.load(name_or_path, limit=probe.lm_eval_limit, include=probe.lm_eval_include)
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        raise UserError("suites.unknown", name=name_or_path, builtin=", ".join(BUILTIN))
    items, problems = [], []
    for line, row in iter_rows(path):
        if isinstance(row, DataError):
            problems.append(row)
            continue
        problem = _check_row(row)
        if problem:
            problems.append(problem.at(str(path), line))
            continue
        items.append({"question": str(row["question"]), "answer": str(row["answer"]),
                      "match": (row.get("match") or "contains").strip()})
    if len(problems) > 3:
        raise UserError("suites.problems_more", problems=Join(problems[:3]), n=len(problems) - 3)
    if problems:
        raise UserError("suites.problems", problems=Join(problems))
    if not items:
        raise UserError("suites.no_rows", path=path)
    return Suite(path.stem, "qa", f"User suite {path.name}", items)


def _check_row(row: dict) -> RowProblem | None:
    for key in ("question", "answer"):
        if not str(row.get(key) or "").strip():
            return RowProblem(key, "row.missing_or_empty", "suites.fix_pair")
    rule = (row.get("match") or "contains").strip()
    if rule not in MATCHES:
        return RowProblem("match", "suites.unknown_rule", "suites.fix_rule", rule=rule, rules=", ".join(MATCHES))
    if rule == "regex":
        import re

        try:
            re.compile(str(row["answer"]))
        except re.error as exc:
            return RowProblem("answer", "suites.bad_regex", "suites.fix_regex", error=exc)
    if rule == "choice" and str(row["answer"]).strip().upper() not in ("A", "B", "C", "D"):
        return RowProblem("answer", "suites.not_a_letter", "suites.fix_letter")
    return None


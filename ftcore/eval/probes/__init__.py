"""Forgetting probes and comparisons: what a fine-tuned model kept, gained and lost outside its domain."""

from __future__ import annotations

from ftcore.eval.compare import DEFAULT_BUDGET, Row, compare, format_rows, within_budget
from ftcore.eval.probes.checks import CHECKS, MATCHES, check_reply, language_of, match_answer
from ftcore.eval.probes.runner import SuiteResult, run_suite
from ftcore.eval.probes.suites import BUILTIN, Suite, builtin, load_suite

__all__ = ["BUILTIN", "CHECKS", "DEFAULT_BUDGET", "MATCHES", "Row", "Suite", "SuiteResult", "builtin",
           "check_reply", "compare", "format_rows", "language_of", "load_suite", "match_answer", "probe_models",
           "run_suite", "within_budget"]


def probe_models(refs: list[str], suite_names: list[str | Suite], settings, *, batch_size: int = 16,
                 max_new_tokens: int | None = None, on_result=None, device: str | None = None, probe=None
                 ) -> dict[str, dict[str, SuiteResult]]:
    """Run every suite (a name, or a Suite already loaded) on every model; the first model is the base for the kl
    suite. Models load one or two at a time (the base stays loaded when a kl suite needs it). `probe`: a
    ProbeConfig for lm_eval: suites."""
    from ftcore import models

    suites = [name if isinstance(name, Suite) else load_suite(name, probe) for name in suite_names]
    results: dict[str, dict[str, SuiteResult]] = {}
    base = None
    for index, ref in enumerate(refs):
        model, tokenizer = models.load(ref, settings, phase="eval", device=device)
        if index == 0:
            base = model
        results[ref] = {}
        for suite in suites:
            result = run_suite(model, tokenizer, suite, base=base, batch_size=batch_size,
                               max_new_tokens=max_new_tokens)
            results[ref][suite.name] = result
            if on_result:
                on_result(ref, result)
        if index:
            del model
    return results

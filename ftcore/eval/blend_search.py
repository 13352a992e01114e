"""The report's search over blends of the base and the final model (WiSE-FT). A coarse pass over a few α scores
what costs forward passes only (the domain loss, the perplexity suites, the next-token KL from the base) and
predicts each α's forgetting on the generation suites; the pick gets the full evaluation every candidate gets, and
when it forgot over budget after all, the next smaller α gets one too: at most two full evaluations beyond the
coarse pass. The blends are made in place on the loaded final model: nothing is written to disk here."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ftcore.eval.blend import InPlaceBlend
from ftcore.eval.compare import compare
from ftcore.eval.domain import answer_loss
from ftcore.eval.probes import builtin, run_suite
from ftcore.eval.probes.runner import Stopped, next_token_kl, next_token_logprobs

GRID = (0.25, 0.5, 0.75)
QUICK = ("ppl", "kl")  # suite kinds scored with forward passes only: cheap enough for every α
MODES = ("auto", "always", "off")


def wanted(mode: str, final: dict[str, Any], suites) -> bool:
    """auto: when the final model forgot over budget; always: whenever there is forgetting to trade (a scored
    suite); off: never."""
    if mode == "off" or not any(s.kind != "kl" for s in suites):
        return False
    return mode == "always" or not final["within_budget"]


def predicted_rows(base_probes: dict, probes: dict, final_rows: list[dict], share: float, budget: float
                   ) -> list[dict]:
    """A blend's forgetting: measured on the quick suites, and on the others the final model's loss scaled by how
    far the blend moved from the base, as a share of how far the final model moved (`share`, from 0 to 1)."""
    rows = [r.to_dict() for r in compare(base_probes, probes, budget)]
    for row in final_rows:
        if row["suite"] not in probes and row["kind"] in ("qa", "checks"):
            lost = round(row["lost"] * share, 2)
            rows.append({**row, "lost": lost, "verdict": "forgot" if lost > budget else "kept", "predicted": True})
    return rows


def search(base_model, tuned, tokenizer, *, base: dict[str, Any], final: dict[str, Any], suites, examples: dict,
           max_length: int, budget: float, evaluate: Callable[[float, Any], dict], stop=None
           ) -> tuple[list[dict], dict[str, Any]]:
    """Blend candidates (named and fully evaluated by `evaluate(alpha, model)`, as the report's other
    candidates) and what the search saw: each α's coarse scores and predicted forgetting, the pick, the seconds."""
    began = time.perf_counter()
    quick = [s for s in suites if s.kind in QUICK]
    kl = builtin("kl")  # the distance from the base (the kl suite's own measure): the base's side once for all α
    prompts = [item["prompt"] for item in kl.items]
    at_base = next_token_logprobs(base_model, tokenizer, prompts)
    rows = [e for task in examples.values() for e in task]
    moved = final["probes"]["kl"]["score"] if "kl" in final["probes"] else next_token_kl(base_model, tuned,
                                                                                          tokenizer, prompts, at_base)
    blend = InPlaceBlend(base_model, tuned)
    points = []
    for alpha in GRID:
        if stop is not None and stop():
            raise Stopped
        blend.set(alpha)
        probes = {s.name: run_suite(tuned, tokenizer, s).to_dict() for s in quick if s.kind != "kl"}
        distance = next_token_kl(base_model, tuned, tokenizer, prompts, at_base)
        if any(s.kind == "kl" for s in quick):
            probes[kl.name] = {"suite": kl.name, "kind": "kl", "score": round(distance, 4)}
        share = min(1.0, distance / moved) if moved > 0 else alpha
        point = {"alpha": alpha, "distance": round(distance, 4), "share": round(share, 3),
                 "probes": {k: v["score"] for k, v in probes.items()}}
        if rows:
            point["domain_loss"] = round(answer_loss(tuned, tokenizer, rows, max_length), 4)
        predicted = predicted_rows(base["probes"], probes, final["rows"], share, budget)
        point["predicted_worst"] = max((r["lost"] for r in predicted if r["kind"] != "kl"), default=0.0)
        point["predicted_within"] = all(r["verdict"] != "forgot" for r in predicted)
        points.append(point)
    pick = choose(points)
    candidates = []
    for alpha in (pick, *[a for a in sorted(GRID, reverse=True) if a < pick][:1]):
        if stop is not None and stop():
            raise Stopped
        blend.set(alpha)
        entry = {"alpha": alpha, "source": "final", **evaluate(alpha, tuned)}
        candidates.append(entry)
        if entry["within_budget"]:
            break
    summary = {"grid": list(GRID), "points": points, "picked": pick, "evaluated": [c["alpha"] for c in candidates],
               "final_distance": round(moved, 4), "seconds": round(time.perf_counter() - began, 1)}
    return candidates, summary


def choose(points: list[dict]) -> float:
    """The α to evaluate fully: of those predicted within budget, the lowest domain loss (the largest α without
    domain data); when none is, the smallest α (the nearest the base)."""
    inside = [p for p in points if p["predicted_within"]]
    if not inside:
        return min(p["alpha"] for p in points)
    return min(inside, key=lambda p: (p.get("domain_loss", 0.0), -p["alpha"]))["alpha"]

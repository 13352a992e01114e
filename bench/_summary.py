"""The summary block of bench/gpu_check.py and the cells of its bench/RESULTS.md row."""

from __future__ import annotations

from _gpu import GiB, mfu_text
from _product import lines as product_lines
from _varlen import lines as varlen_lines


def summary(check) -> tuple[list[str], str, str]:
    """Lines for people, and the numbers and ratio cells of the RESULTS.md row."""
    a, r = check.args, check.results
    lines, cells, ratio = [], [], []
    mfus = {}
    c = r.get("ceiling")
    if c and c["status"] == "ok":
        text = f"ceiling {c['tflops']:.4g} TFLOP/s ({c['n']}^3 {c['dtype']} matmul)"
        lines.append(text + (f", {c['tflops'] / check.peak:.1%} of the dense peak {check.peak:g}" if check.peak else ""))
        cells.append(text)
    for name in ("eager", *a.variants):
        key = "1" if name == "eager" else f"2:{name}"
        res = r.get(key)
        if res is None:
            continue
        if res["status"] != "ok":
            text = f"{name}: {res['status']} ({res.get('error', '')})"
        else:
            rel = res["packing_rel_change"]
            text = (f"{name}: {res['tokens_per_s']:,.0f} tok/s{mfu_text(res)}"
                    + (f", peak {res['peak_bytes'] / GiB:.1f} GiB" if res["peak_bytes"] else "")
                    + ("" if rel is None else ", docs apart" if rel < 1e-2 else ", DOCS MIXED"))
            if res["mfu"] is not None:
                mfus[name] = res["mfu"]
        lines.append(text)
        cells.append(text)
    if mfus:
        best = max(mfus, key=mfus.get)
        verdict = "PASS" if mfus[best] >= 0.5 else "FAIL"
        of_ceiling = r[("1" if best == "eager" else f"2:{best}")].get("mfu_ceiling")
        lines.append(f"best MFU {mfus[best]:.1%} of the dense peak ({best}; target >= 50%: {verdict})"
                     + (f", {of_ceiling:.1%} of the measured ceiling" if of_ceiling else "")
                     + f"; peak used {check.peak:g} TFLOP/s ({check.peak_source})")
        ratio.append(f"MFU {mfus.get('eager', mfus[best]):.1%} eager, {mfus[best]:.1%} best ({verdict} at 50%)"
                     + (f", {of_ceiling:.1%} of ceiling" if of_ceiling else ""))
    for text in product_lines(r) + (varlen_lines(r["6"]) if "6" in r else []):
        lines.append(text)
        cells.append(text)
    run = r.get("5:adamw") or {}
    if run.get("status") == "ok":
        ratio.append(f"product first step {run['time_to_first_step_s']} s"
                     + (f", MFU {run['mfu']:.1%}" if run.get("mfu") is not None else ""))
    v = r.get("6") or {}
    if v.get("status") == "ok":
        modes = v["modes"]
        ratio.append(f"varlen/sdpa-mask {modes['engine']['tokens_per_s'] / modes['sdpa_mask']['tokens_per_s']:.2f}x "
                     f"({'same' if v['equal'] else 'DIFFERENT'} loss+grads)")
    p = r.get("3")
    if p and p["status"] == "ok" and p.get("ratio"):
        ok = "PASS" if abs(p["ratio"] - 1) <= 0.15 else "FAIL"
        text = (f"planner {p['planned_bytes'] / GiB:.1f} GiB vs measured {p['measured_bytes'] / GiB:.1f} GiB "
                f"({p['ratio']:.2f}x; {ok} at 15%)")
        lines.append(text)
        cells.append(text)
        ratio.append(f"plan/measured {p['ratio']:.2f}")
    elif p:
        lines.append(f"planner: {p['status']}, " + (p["error"] if "error" in p else
                                                    f"planned {p['planned_gib']} GiB, no measured CUDA peak"))
    for mode in a.big_modes:
        b = r.get(f"4:{mode}")
        if b is None:
            continue
        if b["status"] != "ok":
            text = f"8B {mode}: {b['status']} ({b.get('error', '')})"
        else:
            peak = f", peak {b['peak_bytes'] / GiB:.1f} GiB" if b["peak_bytes"] else ""
            plans = (", plan " + ", ".join(f"{k} {v}" for k, v in b["planned_gib"].items()) + " GiB"
                     if b["planned_gib"] else "")
            weights = "fp32 weights+autocast" if mode == "engine" else "bf16 weights"
            verdict = ("ran (CPU)" if b["peak_bytes"] is None else
                       f"{'fits' if b['fits'] else 'does NOT fit'} {a.fit_gib:g} GiB")
            text = f"8B {weights}, {b['optimizer']}, ckpt, {a.big_length} tok: {verdict}{peak}{plans}"
        lines.append(text)
        cells.append(text)
    return lines, "; ".join(cells), "; ".join(ratio)

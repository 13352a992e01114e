"""Time to first token and tokens/s of chat streaming: one stream, two side by side, and bare `model.generate`.

Three paths on the embedded model, same prompt, same greedy decoding (the engine's `Decoding`) and the same number
of new tokens: (1) one stream through `ftcore.stream_chat`, as the Chat tab streams; (2) two models through
`ftcore.side_by_side`, as the Compare tab streams them (base and a run's final model with --run, else the base
loaded twice as two separate models); (3) bare `model.generate` without a streamer. TTFT runs from the call to the
first non-empty text chunk the consumer sees; decode tok/s counts the tokens after that chunk (the chunk's own
tokens counted with the tokenizer) over the time after it; end-to-end tok/s is new tokens over the whole call. The
bare side has no chunks: its TTFT is a 1-token generate and its decode rate is (N - 1) / (t(N) - t(1)). Models load
once, outside the timed parts; after a warm-up round each repeat runs every prompt on every path in turn, and the
table shows medians over repeats x prompts. The engine's ModelCache keeps models on the CPU; with --device cuda
the bench moves the cached models there itself (inputs on the CPU are moved by transformers). --threads sets
torch's intra-op threads for every path alike; on a small machine shared with other work, 1 thread per generate
gives steadier numbers than spinning thread pools that compete for the same cores.

    .venv/bin/python bench/chat.py [--run RUN_ID] [--max-new-tokens 64] [--repeats 3] [--threads N] [--device D]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

from ftcore import Decoding, ModelCache, Settings, ensure_embedded, side_by_side, stream_chat  # noqa: E402
from ftcore.serve.generate import _inputs, _kwargs  # noqa: E402  the engine's own prompt and decoding arguments

MODEL = "smollm2-135m-instruct"
PROMPTS = (
    "How do I steam milk for a flat white?",
    "What grind size should I use for espresso?",
    "拿铁和卡布奇诺有什么区别？",
    "请推荐一种适合早上喝的咖啡。",
)
PATHS = ("bare", "single", "left", "right")


def consume(stream, n: int, tokenizer, sides: int) -> list[dict]:
    """Drain a stream of text tuples; per side: TTFT, decode and end-to-end tok/s as the consumer sees them."""
    start = time.perf_counter()
    first, head, last, prev = [None] * sides, [""] * sides, [start] * sides, [""] * sides
    for texts in stream:
        now = time.perf_counter()
        for i, text in enumerate(texts):
            if text != prev[i]:
                if first[i] is None and text:
                    first[i], head[i] = now, text
                last[i], prev[i] = now, text
    out = []
    for i in range(sides):
        if first[i] is None:
            raise SystemExit(f"side {i} streamed no text")
        decoded = n - len(tokenizer(head[i], add_special_tokens=False)["input_ids"])
        out.append(
            {
                "ttft": first[i] - start,
                "decode": decoded / max(last[i] - first[i], 1e-9),
                "e2e": n / (last[i] - start),
            }
        )
    out.append({"e2e": sides * n / (max(last) - start)})
    return out


def bare(model, tokenizer, messages, decoding: Decoding, sync) -> dict:
    import torch

    inputs, seconds = _inputs(tokenizer, messages, model.device), {}
    for budget in (1, decoding.max_new_tokens):
        kwargs = {**_kwargs(tokenizer, decoding), "max_new_tokens": budget, "min_new_tokens": budget}
        start = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(**inputs, **kwargs)
        sync()
        seconds[budget] = time.perf_counter() - start
        if out.shape[1] - inputs["input_ids"].shape[1] != budget:
            raise SystemExit(
                f"bare generate made {out.shape[1] - inputs['input_ids'].shape[1]} tokens, not {budget}"
            )
    n = decoding.max_new_tokens
    return {"ttft": seconds[1], "decode": (n - 1) / (seconds[n] - seconds[1]), "e2e": n / seconds[n]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--run", help="Run id whose final model is the right-hand side (default: the base again)."
    )
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", choices=("cpu", "cuda"), default=None, help="Default: cuda if present.")
    parser.add_argument("--threads", type=int, default=0, help="Intra-op threads (0: torch's default).")
    parser.add_argument("--no-record", action="store_true", help="Do not append to bench/RESULTS.md.")
    args = parser.parse_args()

    import torch

    if args.threads:  # before any generate: the engine's worker threads size their pools from this setting
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    sync = torch.cuda.synchronize if device == "cuda" else lambda: None
    settings = Settings(
        home=Path(os.environ.get("FTCORE_HOME") or tempfile.mkdtemp(prefix="ftbench-"))
    ).ensure()
    folder = ensure_embedded(MODEL, settings)
    # Without --run the right side is the same weights under a second reference (the converted folder), so the
    # cache holds two separate models, as when two different models are compared.
    left, right = MODEL, args.run or str(folder)
    cache = ModelCache(settings, size=3)
    t = time.perf_counter()
    for ref in (left, right):
        model, tokenizer = cache.get(ref)
        model.to(device)
        # Greedy decoding of a small model often ends early and at different lengths per model and prompt. Blocking
        # EOS until max_new_tokens (min_new_tokens on the model's generation config, which the engine's generate
        # starts from) makes every path generate exactly N tokens, so that tok/s compare like for like.
        model.generation_config.min_new_tokens = args.max_new_tokens
    print(
        f"models loaded on {device} ({threads} threads) in {time.perf_counter() - t:.1f} s: left {left}, right {right}"
    )
    base, tokenizer = cache.get(left)
    decoding = Decoding(max_new_tokens=args.max_new_tokens)
    n = args.max_new_tokens

    def one_round(prompt: str) -> dict:
        messages = [{"role": "user", "content": prompt}]
        r = {"bare": bare(base, tokenizer, messages, decoding, sync)}
        r["single"] = consume(
            ((text,) for text in stream_chat(cache, left, messages, decoding)), n, tokenizer, 1
        )[0]
        r["left"], r["right"], r["pair"] = consume(
            side_by_side(cache, left, right, messages, decoding), n, tokenizer, 2
        )
        return r

    one_round(PROMPTS[0])  # warm-up: first calls allocate caches and pick kernels
    rounds = []
    for i in range(args.repeats):
        for j, prompt in enumerate(PROMPTS):
            r = one_round(prompt)
            rounds.append(r)
            print(
                f"run {i + 1} prompt {j + 1}: "
                + "  ".join(f"{p} {r[p]['ttft'] * 1e3:5.0f} ms {r[p]['decode']:5.1f} tok/s" for p in PATHS)
                + f"  pair {r['pair']['e2e']:5.1f} tok/s",
                flush=True,
            )

    med = {p: {k: statistics.median(r[p][k] for r in rounds) for k in rounds[0][p]} for p in (*PATHS, "pair")}
    names = {
        "bare": "bare model.generate",
        "single": "engine stream_chat",
        "left": f"side-by-side {left}",
        "right": f"side-by-side {'run ' + args.run if args.run else 'base (2nd copy)'}",
        "pair": "side-by-side combined",
    }
    print(
        f"\n{n} new tokens, greedy, medians of {len(rounds)} (repeats x prompts) on {device}, {threads} threads"
    )
    print(f"{'path':<44}{'TTFT ms':>9}{'decode tok/s':>14}{'end-to-end tok/s':>18}")
    for p, label in names.items():
        m = med[p]
        ttft = f"{m['ttft'] * 1e3:.0f}" if "ttft" in m else "-"
        decode = f"{m['decode']:.1f}" if "decode" in m else "-"
        print(f"{label[:43]:<44}{ttft:>9}{decode:>14}{m['e2e']:>18.1f}")
    overhead = med["single"]["e2e"] / med["bare"]["e2e"]
    pair = med["pair"]["e2e"] / med["single"]["e2e"]
    print(f"engine stream / bare generate (end-to-end tok/s): {overhead:.3f}")
    print(f"side-by-side combined / single stream (end-to-end tok/s): {pair:.3f}")
    if not args.no_record:
        record(
            f"chat --max-new-tokens {n}{' --run ' + args.run if args.run else ''} --threads {threads} on {device} x{args.repeats}",
            f"bare {med['bare']['e2e']:.1f} tok/s; stream TTFT {med['single']['ttft'] * 1e3:.0f} ms, "
            f"{med['single']['decode']:.1f} tok/s decode, {med['single']['e2e']:.1f} end-to-end; side-by-side "
            f"TTFT {med['left']['ttft'] * 1e3:.0f}/{med['right']['ttft'] * 1e3:.0f} ms, "
            f"{med['left']['decode']:.1f}+{med['right']['decode']:.1f} tok/s decode, "
            f"{med['pair']['e2e']:.1f} combined end-to-end",
            f"stream/bare {overhead:.3f}, pair/single {pair:.3f}",
        )


if __name__ == "__main__":
    main()

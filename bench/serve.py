"""`ftcore serve` on the CPU against the Chat tab's own streaming, on the embedded model: time to first token and
decode tokens/s of streamed replies through the real `openai` client, beside the engine's stream_chat in this
process (the path the Chat tab takes). Same prompts, greedy, the same token budget; medians of --repeats x the
prompts, the two paths alternating.

    .venv/bin/python bench/serve.py [--repeats 3] [--tokens 64] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

from ftcore import Decoding, ModelCache, Settings, ensure_embedded, stream_chat  # noqa: E402

MODEL = "smollm2-135m-instruct"
PROMPTS = ["How hot should the milk be for a flat white?", "What is the capital of France?",
           "用一句话介绍咖啡的历史。", "Give me three tips for latte art."]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(stream, count_tokens) -> tuple[float, float]:
    """(seconds to the first piece, decode tokens/s after it) of one streamed reply."""
    start, first, text = time.perf_counter(), None, ""
    for piece in stream:
        if piece and first is None:
            first = time.perf_counter()
        text = piece
    end = time.perf_counter()
    tokens = count_tokens(text)
    return (first or end) - start, (tokens - 1) / max(end - (first or end), 1e-9)


def main() -> None:
    import openai

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    settings = Settings(home=Path(os.environ.get("FTCORE_HOME") or tempfile.mkdtemp(prefix="ftbench-"))).ensure()
    ensure_embedded(MODEL, settings)
    port = free_port()
    env = {**os.environ, "FTCORE_HOME": str(settings.home), "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen([sys.executable, "-m", "ftcore", "serve", MODEL, "--port", str(port), "--max-tokens",
                               str(args.tokens)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=0, timeout=300)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                client.models.list()
                break
            except openai.APIConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("ftcore serve did not come up") from None
                time.sleep(0.5)
        cache = ModelCache(settings, size=1)
        _, tokenizer = cache.get(MODEL)

        def count(text: str) -> int:
            return len(tokenizer(text, add_special_tokens=False)["input_ids"])

        def via_server(prompt: str):
            stream = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}],
                                                    max_tokens=args.tokens, temperature=0, stream=True)
            text = ""
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    text += chunk.choices[0].delta.content
                    yield text

        decoding = Decoding(max_new_tokens=args.tokens, repetition_penalty=1.0)
        results = {"server": [], "chat tab": []}
        for _ in range(args.repeats):
            for prompt in PROMPTS:
                results["server"].append(timed(via_server(prompt), count))
                results["chat tab"].append(timed(stream_chat(cache, MODEL, [{"role": "user", "content": prompt}],
                                                             decoding), count))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nSmolLM2-135M-Instruct on the CPU, {args.tokens} new tokens, greedy; medians of {args.repeats} x "
          f"{len(PROMPTS)} prompts")
    print(f"{'path':<12}{'TTFT ms':>10}{'decode tok/s':>14}")
    medians = {}
    for name, rows in results.items():
        ttft, rate = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
        medians[name] = (ttft, rate)
        print(f"{name:<12}{ttft * 1000:>10.0f}{rate:>14.1f}")
    ratio = medians["server"][1] / medians["chat tab"][1]
    print(f"server / chat tab decode: {ratio:.2f}x")
    if not args.no_record:
        record(f"serve --repeats {args.repeats} --tokens {args.tokens}",
               "; ".join(f"{k}: TTFT {v[0] * 1000:.0f} ms, {v[1]:.1f} tok/s" for k, v in medians.items()),
               f"server/chat decode {ratio:.2f}x")


if __name__ == "__main__":
    main()

"""The product section of bench/gpu_check.py: the real engine end to end, as a user runs it.

A Llama-shaped model with random weights and a byte-level BPE tokenizer trained on the shipped demos (both built
offline), a chat data file of barista conversations, then `python -m ftcore train ...` in a temporary FTCORE_HOME
(HF_HUB_OFFLINE=1). Each phase is timed from the run folder (events.jsonl, status.json, plan.json, data.json),
and one reply of the run's final model is streamed through ftcore.ModelCache + ftcore.stream_chat.

What the section needs beyond torch is checked first (`problems`): the engine's pins (pyproject.toml) and what
those packages need in turn (their metadata), then whether they import. A GPU image's packages can be older or
missing; they travel as wheels in bench/wheels (README.md, Benchmarks)."""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# what the training, report and chat processes import (peft and gguf only for LoRA and the embedded model)
NEEDS = ("transformers", "accelerate", "datasets", "evaluate", "pyyaml", "safetensors", "huggingface_hub",
         "filelock", "tokenizers", "tqdm")
IMPORTS = ("yaml", "filelock", "safetensors", "tokenizers", "huggingface_hub", "transformers", "accelerate",
           "datasets", "evaluate")
UNUSED = {"kernels", "typer"}  # in transformers' requirements; never imported on this path
WHEELS = ("transformers==5.25.0 huggingface_hub==2.4.0 httpx2==2.16.2 httpcore2==2.16.2 truststore==0.10.5 "
          "datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19 evaluate==0.4.6")
CARRY = "carry them as wheels in bench/wheels (README.md, Benchmarks: pip download --no-deps ...)"
PROMPT = "How do I steam milk for a flat white?"


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def engine_pins() -> dict[str, str]:
    """{package: specifier} from pyproject.toml's dependencies (the engine's own pins)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies\s*=\s*\[(.*?)^\]", text, flags=re.S | re.M)
    pins = {}
    for item in re.findall(r'"([^"]+)"', block.group(1) if block else ""):
        match = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", item)
        if match:
            pins[_canon(match.group(1))] = match.group(2).strip()
    return pins


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def problems(check_imports: bool = True) -> list[str]:
    """What keeps the engine from running here, one short phrase each (empty: ready). The engine's pins first,
    then every requirement of those packages (their metadata, extras and other platforms left out), then a real
    import of each: a package can be present and still fail to import beside this machine's others."""
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    pins, found, seen = engine_pins(), [], set()
    queue = [(name, pins.get(_canon(name), ""), None) for name in NEEDS]
    while queue:
        name, spec, parent = queue.pop(0)
        key = _canon(name)
        if key in UNUSED:
            continue
        version, why = _version(name), f"; {parent} needs it" if parent else ""
        if version is None:
            if key not in seen:
                found.append(f"{name} missing{why}")
            seen.add(key)
            continue
        if spec and not SpecifierSet(spec).contains(version, prereleases=True):
            found.append(f"{name} {version} (needs {spec}{why})")
        if key in seen:  # each package's own requirements once; each pin on it checked
            continue
        seen.add(key)
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                queue.append((req.name, str(req.specifier), f"{name} {version}"))
    if found or not check_imports:
        return found
    for module in IMPORTS:
        try:
            importlib.import_module(module)
        except Exception as exc:  # an ImportError, or a version check that raises at import
            found.append(f"import {module} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            break
    return found


def needs_line(found: list[str]) -> str:
    if not found:
        versions = ", ".join(f"{n} {_version(n)}" for n in ("transformers", "accelerate", "datasets", "evaluate"))
        return f"product section: ready ({versions})"
    return (f"product section will skip: this machine's Python lacks what the engine needs: {'; '.join(found)}; "
            f"{CARRY}")


# --- inputs: model folder, tokenizer, data file ---------------------------------------------------------------

def build_inputs(work: Path, shape: str, vocab: int, rows: int, turns: int, device) -> dict:
    """A random-weight Llama folder (safetensors, bf16 as checkpoints ship; the engine loads fp32 for training)
    with a BPE tokenizer trained on the demos, and a chat file of `rows` conversations, each `turns` barista
    conversations one after the other (the first one's system prompt kept)."""
    import torch
    from _gpu import real_ftcore
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    real_ftcore()
    sys.path.insert(0, str(ROOT / "tests"))
    from tiny import build_tokenizer  # tokenizers + transformers only, and the demo files

    started = time.perf_counter()
    tokenizer = build_tokenizer(vocab)
    hidden, layers, heads, kv, inter = (int(x) for x in shape.split(","))
    config = LlamaConfig(vocab_size=-(-len(tokenizer) // 64) * 64, hidden_size=hidden, intermediate_size=inter,
                         num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv,
                         max_position_embeddings=4096, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                         tie_word_embeddings=False)
    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.generation_config = GenerationConfig(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                                               pad_token_id=tokenizer.pad_token_id)
    folder = work / "model"
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    params = sum(p.numel() for p in model.parameters())
    del model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()  # the memory goes to the training process
    demo = [json.loads(line) for line in
            (ROOT / "ftcore" / "data" / "demo" / "barista.jsonl").read_text(encoding="utf-8").splitlines()]
    rng, lines = random.Random(0), []
    for _ in range(rows):
        picked = rng.sample(demo, turns)
        messages = [m for m in picked[0]["messages"] if m["role"] == "system"]
        messages += [m for row in picked for m in row["messages"] if m["role"] != "system"]
        lines.append(json.dumps({"messages": messages}, ensure_ascii=False))
    data = work / "chat.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"model": str(folder), "data": str(data), "params": params, "vocab": config.vocab_size,
            "tokenizer_size": len(tokenizer), "rows": rows, "turns": turns,
            "build_s": round(time.perf_counter() - started, 1)}


# --- one `ftcore train` run ------------------------------------------------------------------------------------

def environment(home: Path, cpu: bool) -> dict[str, str]:
    env = dict(os.environ, FTCORE_HOME=str(home), HF_HUB_OFFLINE="1", HF_HOME=str(home / "hf"),
               TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))  # the worker runs
    if cpu:                                                                                # from its run folder
        env["CUDA_VISIBLE_DEVICES"] = ""  # --smoke trains on the CPU even where a GPU is
    return env


def _worker_pid(run_dir: Path | None) -> int | None:
    try:
        return json.loads((run_dir / "status.json").read_text(encoding="utf-8")).get("pid")
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def stop_run(proc: subprocess.Popen, home: Path, name: str) -> None:
    """Kill the CLI, then the run's worker: it leads its own process group (the training process is in it), so
    the group goes at once."""
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    pid = _worker_pid(find_run(home, name))
    if pid:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def find_run(home: Path, name: str) -> Path | None:
    found = sorted((home / "runs").glob(f"*-{name}*"))
    return found[-1] if found else None


def train(home: Path, inputs: dict, name: str, flags: list[str], overrides: list[str], cpu: bool,
          active: list) -> dict:
    """Run `python -m ftcore train` to the end and read its run folder. `active` holds the running process (for
    a SIGTERM handler); a budget alarm, or any exception, kills the run."""
    command = [sys.executable, "-m", "ftcore", "train", "--data", inputs["data"], "--model", inputs["model"],
               *flags, *overrides, "--name", name]
    shown = " ".join(["python -m ftcore train", *command[4:]]).replace(inputs["data"], "DATA").replace(
        inputs["model"], "MODEL")
    print(f"$ {shown}", flush=True)
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / f"{name}.cli.log"
    launched = time.time()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=environment(home, cpu), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)
    entry = (proc, home, name)
    active.append(entry)
    try:
        while proc.poll() is None:
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            stop_run(*entry)
        active.remove(entry)
    run_dir = find_run(home, name)
    if run_dir is None:
        raise RuntimeError(f"no run folder (exit {proc.returncode}): {_tail(log_path)}")
    out = read_run(run_dir, launched)
    out.update(command=shown, exit_code=proc.returncode, run_id=run_dir.name)
    if out["state"] != "done":
        print(_tail(run_dir / "worker.log", 15))
        raise RuntimeError(f"run {out['state']}: {out.get('run_error') or _tail(log_path)}")
    return out


def _tail(path: Path, lines: int = 3) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return f"({path.name} not written)"


def read_run(run_dir: Path, launched: float) -> dict:
    """Phases, training speed, planner and probes of a finished run, from its folder alone."""
    events = []
    for line in (run_dir / "events.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue

    def first(kind: str, text: str | None = None) -> dict | None:
        return next((e for e in events if e.get("type") == kind
                     and (text is None or str(e.get("text", "")).startswith(text))), None)

    status = json.loads((run_dir / "status.json").read_text(encoding="utf-8"))
    trains = [e for e in events if e.get("type") == "train"]
    # seconds after the launch: training process up, model loaded (and data tokenized), Trainer built, step 1
    # and the last step logged, final model saved, report written (base and final evaluated), run ended
    marks = [("worker_up", first("message", "Worker started")), ("model_loaded", first("model")),
             ("trainer_ready", first("train_begin")), ("step_1", trains[0] if trains else None),
             ("last_step", trains[-1] if trains else None), ("final_saved", first("final")),
             ("report_done", first("report")), ("end", first("end"))]
    at = {name: round(e["time"] - launched, 2) for name, e in marks if e}
    out = {"state": status.get("state"), "run_error": status.get("error"), "at_s": at,
           "time_to_first_step_s": at.get("step_1"), "steps": len(trains)}
    model = first("model") or {}
    out.update(attention=model.get("attention"), precision=model.get("precision"),
               parameters=model.get("parameters"), packed_kernel=model.get("packed_kernel"))
    if len(trains) >= 2:
        a, b = trains[0], trains[-1]
        seconds = b["time"] - a["time"]
        tokens = b.get("num_input_tokens_seen", 0) - a.get("num_input_tokens_seen", 0)
        gaps = [y["time"] - x["time"] for x, y in zip(trains, trains[1:], strict=False)]
        out.update(tokens_per_s=tokens / seconds if seconds > 0 else None, tokens_after_first=tokens,
                   step_s=statistics.median(gaps), train_s_after_first=round(seconds, 2),
                   loss=[round(a["loss"], 3), round(b["loss"], 3)] if "loss" in a and "loss" in b else None)
    summary = first("summary") or {}
    out["trainer_runtime_s"] = summary.get("train_runtime")
    report = first("report")
    out["report_s"] = report.get("seconds") if report else None
    if report and first("final"):
        out["evaluating_s"] = round(report["time"] - first("final")["time"], 2)  # load, probes, report.json
    out["probes"] = [{k: e.get(k) for k in ("model", "suite", "score", "seconds")}
                     for e in events if e.get("type") == "probe"]
    plan = _json(run_dir / "plan.json")
    predicted = plan.get("predicted") or {}
    out["plan"] = {"predicted_total": predicted.get("total"), "predicted_allocated": predicted.get("allocated"),
                   "measured_peak": plan.get("measured_peak_bytes"), "measured": plan.get("measured"),
                   "allocated_over_measured": plan.get("allocated_over_measured"),
                   "predicted_over_measured": plan.get("predicted_over_measured")}
    data = _json(run_dir / "data.json").get("train", {})
    out["data"] = {k: data.get(k) for k in ("examples", "tokens", "truncated")}
    return out


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def model_flops_per_token(out: dict, inputs: dict, shape: str) -> float | None:
    """6 x matmul parameters (the input embedding is a lookup) + causal attention at the mean document length."""
    if not out.get("parameters") or not out["data"].get("examples"):
        return None
    hidden, layers, heads, _, _ = (int(x) for x in shape.split(","))
    mean_len = out["data"]["tokens"] / out["data"]["examples"]
    return 6.0 * (out["parameters"] - inputs["vocab"] * hidden) + 6.0 * layers * hidden * mean_len


# --- one streamed reply ----------------------------------------------------------------------------------------

def stream_reply(home: Path, ref: str, max_new_tokens: int, rounds: int = 2) -> dict:
    """Load a run's final model through the engine's ModelCache (its device policy: a free GPU in bf16, else the
    CPU), then stream replies with stream_chat. TTFT: from the call to the first non-empty text the consumer
    gets (first_token_s: to the end of the prompt's forward pass); tokens: the model's forward passes (one per
    new token); decode tokens/s: those after the first text, over the time after it. Round 1 is cold (first
    kernels), the others warm."""
    import torch
    from _gpu import real_ftcore

    real_ftcore()
    from ftcore import Decoding, ModelCache, Settings, stream_chat

    cache = ModelCache(Settings(home=home.resolve()), size=1)
    started = time.perf_counter()
    model, _ = cache.get(ref)
    out = {"load_s": round(time.perf_counter() - started, 2), "device": cache.placement_of(ref).device,
           "max_new_tokens": max_new_tokens, "rounds": []}
    passes: list[float] = []
    hook = model.register_forward_hook(lambda *_: passes.append(time.perf_counter()))
    try:
        for _ in range(rounds):
            passes.clear()
            start, first, seen, last = time.perf_counter(), None, 0, None
            for text in stream_chat(cache, ref, [{"role": "user", "content": PROMPT}],
                                    Decoding(max_new_tokens=max_new_tokens)):
                last = time.perf_counter()
                if first is None and text:
                    first, seen = last, len(passes)
            count = len(passes)
            out["rounds"].append({
                "ttft_s": None if first is None else first - start,
                "first_token_s": passes[0] - start if passes else None, "tokens": count,
                "decode_tokens_per_s": (count - seen) / (last - first) if first and last > first else None,
                "end_to_end_tokens_per_s": count / (last - start) if last else None})
    finally:
        hook.remove()
        where = cache.placement_of(ref)
        if where is not None:
            where.release()  # the GPU's lock, for runs after this one
        del cache, model
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    return out


# --- the section: its arguments, runs, chat and summary ---------------------------------------------------------

VARIANTS = {"adamw": [], "adafactor-bwd": ["train.optimizer=adafactor", "train.optimizer_in_backward=true"]}
SMOKE = {"product_shape": "64,2,4,2,128", "product_vocab": 400, "product_rows": 24, "product_turns": 2,
         "product_batch": 4, "product_steps": 3, "product_max_length": 256, "product_suites": "arithmetic",
         "probe_max_new_tokens": 8, "chat_max_new_tokens": 8}
GiB = 2**30


def add_arguments(parser) -> None:
    product = parser.add_argument_group("section 5, the product")
    product.add_argument("--product-shape", default="2048,8,16,8,5632",
                         help="hidden,layers,heads,kv_heads,intermediate (the vocabulary is the tokenizer's).")
    product.add_argument("--product-vocab", type=int, default=8192, help="BPE vocabulary the tokenizer aims for.")
    product.add_argument("--product-rows", type=int, default=400, help="Chats in the data file.")
    product.add_argument("--product-turns", type=int, default=8, help="Barista conversations per chat.")
    product.add_argument("--product-batch", type=int, default=16, help="--batch-size: chats packed per step.")
    product.add_argument("--product-steps", type=int, default=40, help="--max-steps.")
    product.add_argument("--product-max-length", type=int, default=1024, help="--max-length.")
    product.add_argument("--product-variants", default=",".join(VARIANTS), help=f"Any of {', '.join(VARIANTS)}.")
    product.add_argument("--product-suites", default="general_en,arithmetic", help="probe.suites of a probed run.")
    product.add_argument("--product-probes", choices=("first", "all"), default="first",
                         help="Probe (and report) the first variant only, or every variant.")
    product.add_argument("--probe-max-new-tokens", type=int, default=0, help="probe.max_new_tokens (0: the "
                         "engine's default).")
    product.add_argument("--chat-max-new-tokens", type=int, default=64, help="Tokens of the streamed reply.")


class Product:
    """Section 5's state: inputs built once, one FTCORE_HOME for every run, the run in flight (for a SIGTERM)."""

    def __init__(self, args, device, peak: float | None, ceiling: float | None):
        self.args, self.device, self.peak, self.ceiling = args, device, peak, ceiling
        self.work = Path(tempfile.mkdtemp(prefix="gpu_check_product_"))
        self.home = self.work / "home"
        self.inputs: dict | None = None
        self.active: list = []
        self.runs: dict[str, str] = {}

    def stop(self) -> None:
        for entry in list(self.active):
            stop_run(*entry)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def variant(self, name: str, probes: bool) -> dict:
        a = self.args
        if self.inputs is None:
            self.inputs = build_inputs(self.work, a.product_shape, a.product_vocab, a.product_rows, a.product_turns,
                                       self.device)
            i = self.inputs
            print(f"inputs: Llama {a.product_shape} (hidden,layers,heads,kv,intermediate), vocab {i['vocab']} "
                  f"({i['tokenizer_size']} BPE tokens), {i['params'] / 1e6:,.1f}M params, random bf16 weights; "
                  f"{i['rows']} chats of {i['turns']} barista conversations; built in {i['build_s']} s")
        flags = ["--max-steps", str(a.product_steps), "--batch-size", str(a.product_batch),
                 "--max-length", str(a.product_max_length)]
        overrides = ["train.packing=true", "train.precision=auto", "train.logging_steps=1",
                     f"probe.suites={a.product_suites if probes else 'none'}",
                     f"probe.domain={'true' if probes else 'false'}", *VARIANTS[name]]
        if probes and a.probe_max_new_tokens:
            overrides.append(f"probe.max_new_tokens={a.probe_max_new_tokens}")
        out = train(self.home, self.inputs, f"product-{name}", flags, overrides, self.device.type != "cuda",
                    self.active)
        self.runs[name] = out["run_id"]
        flops = model_flops_per_token(out, self.inputs, a.product_shape)
        if flops and out.get("tokens_per_s"):
            out["tflops"] = flops * out["tokens_per_s"] / 1e12
            from _gpu import mfu

            out.update(mfu(out["tflops"], self.peak, self.ceiling))
        from _varlen import kernel_of

        # the engine names the kernel it chose; older runs without that field: inferred
        out["kernel"] = out.get("packed_kernel") or kernel_of(out.get("attention"), self.device,
                                                               out.get("precision") in ("bf16", "fp16"))
        print(describe(name, out))
        return out

    def chat(self) -> dict:
        ref = self.runs.get("adamw") or next(iter(self.runs.values()), None)
        if ref is None:
            raise RuntimeError("no finished product run to chat with")
        out = {"run": ref, **stream_reply(self.home, ref, self.args.chat_max_new_tokens)}
        print(describe("chat", out))
        return out


def describe(name: str, out: dict) -> str:
    """One run (or the chat) for people."""
    if name == "chat":
        rounds = "; ".join(f"round {i + 1}: TTFT {_ms(r['ttft_s'])} (first token {_ms(r['first_token_s'])}), "
                           f"{r['tokens']} tokens, "
                           f"{_rate(r['decode_tokens_per_s'])} decode, {_rate(r['end_to_end_tokens_per_s'])} "
                           "end to end" for i, r in enumerate(out["rounds"]))
        return f"chat with {out['run']}'s final model on {out['device']} (loaded in {out['load_s']} s): {rounds}"
    phases, prev = [], 0.0
    for key, at in out["at_s"].items():
        phases.append(f"{key} +{at - prev:.1f}")
        prev = at
    from _gpu import mfu_text

    speed = (f"{out['tokens_per_s']:,.0f} tok/s over steps 2-{out['steps']} (median step "
             f"{out['step_s'] * 1e3:.0f} ms){mfu_text(out)}" if out.get("tokens_per_s") else "no speed (< 2 steps)")
    plan = out["plan"]
    if plan.get("allocated_over_measured"):
        memory = (f"planner allocated {plan['predicted_allocated'] / GiB:.2f} GiB (total "
                  f"{plan['predicted_total'] / GiB:.2f}) vs max_memory_allocated {plan['measured_peak'] / GiB:.2f} "
                  f"GiB: {plan['allocated_over_measured']:.3f}x")
    elif plan.get("predicted_over_measured"):
        memory = (f"planner {plan['predicted_total'] / GiB:.2f} GiB vs {plan['measured']}: "
                  f"{plan['measured_peak'] / GiB:.2f} GiB ({plan['predicted_over_measured']:.3f}x)")
    else:
        memory = "no plan"
    probes = ", ".join(f"{p['model']} {p['suite']} {p['score']:g} ({p['seconds']:.1f} s)" for p in out["probes"])
    report = f"report {out['report_s']} s ({probes})" if out.get("report_s") is not None else "no report"
    return (f"{name}: time to first step {out['time_to_first_step_s']} s after launch; phases (s after the one "
            "before) "
            f"{', '.join(phases)}; {out['precision']}, attention {out['attention']} -> {out['kernel']}; {speed}; "
            f"loss {out.get('loss')}; {memory}; {report}")


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1e3:.0f} ms"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} tok/s"


def lines(results: dict) -> list[str]:
    """Summary lines of section 5 (results keyed 5:VARIANT and 5:chat)."""
    out = []
    for name in (*VARIANTS, "chat"):
        r = results.get(f"5:{name}")
        if r is None:
            continue
        if r.get("status") != "ok":
            out.append(f"product {name}: {r.get('status')} ({r.get('error', '')})")
        elif name == "chat":
            cold, warm = r["rounds"][0], r["rounds"][-1]
            out.append(f"product chat ({r['device']}): TTFT {_ms(cold['ttft_s'])} cold, {_ms(warm['ttft_s'])} warm; "
                       f"{_rate(warm['decode_tokens_per_s'])} decode")
        else:
            from _gpu import mfu_text

            speed = f"{r['tokens_per_s']:,.0f} tok/s{mfu_text(r)}" if r.get("tokens_per_s") else "no speed"
            plan = r["plan"]
            memory = (f", planner allocated/max_memory_allocated {plan['allocated_over_measured']:.2f}"
                      if plan.get("allocated_over_measured") else
                      f", planner/peak RSS {plan['predicted_over_measured']:.2f}" if plan.get("predicted_over_measured")
                      else "")
            report = f", report {r['report_s']} s" if r.get("report_s") is not None else ""
            out.append(f"product {name}: first step {r['time_to_first_step_s']} s, {speed}, {r['attention']} "
                       f"({r['kernel']}){report}{memory}")
    return out


def pip_command() -> str:
    """How to fill bench/wheels for the device (Python 3.12, x86-64 manylinux): the wheels the product section
    needs that its image lacks or holds too old (transformers 5.17 there; 5.25 needs huggingface_hub 2.x)."""
    return ("python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp "
            "--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 "
            f"-d bench/wheels {WHEELS}")


if __name__ == "__main__":
    print(pip_command())

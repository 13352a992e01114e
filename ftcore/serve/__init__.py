"""`ftcore serve REF`: an OpenAI-compatible endpoint for a run, a checkpoint or any model reference.

On a GPU with vLLM installed it runs vLLM's own OpenAI server on a GPU no training run holds (vLLM takes most of a
card's memory, so it never shares one); elsewhere the small server in `app.py` on transformers, with the device
policy's placement (ftcore.runs.placement): a free GPU (locked like a training run's, so queued runs wait for it)
or the CPU; a server never sits on a GPU a run holds. Bound to 127.0.0.1 by
default; the API key comes from an environment variable or a file, never from the command line.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import subprocess
import sys
from pathlib import Path

from ftcore import models
from ftcore.errors import UserError
from ftcore.runs import devices, placement
from ftcore.settings import Settings

__all__ = ["client_snippet", "read_api_key", "serve"]  # the HTTP app (FastAPI) lives in .app, imported on use

ENGINES = ("auto", "transformers", "vllm")


def read_api_key(env_name: str | None, key_file: str | None) -> str | None:
    """The key from a file (first line) or an environment variable; None serves without one."""
    if key_file:
        try:
            key = Path(key_file).expanduser().read_text(encoding="utf-8").strip().splitlines()[0].strip()
        except (OSError, IndexError):
            raise UserError("serve.key_file", path=key_file) from None
        return key or None
    return (os.environ.get(env_name) or "").strip() or None if env_name else None


def client_snippet(ref: str, port: int = 8000) -> str:
    """How to use a finished run from another program: serve it, call it with the openai client, or take it
    to llama.cpp / Ollama as GGUF."""
    return f"""# 1. serve it (OpenAI-compatible, on 127.0.0.1; set FTCORE_API_KEY to require a key)
#    ftcore serve {ref} --port {port}
# 2. call it from Python (pip install openai)
from openai import OpenAI

client = OpenAI(base_url="http://127.0.0.1:{port}/v1", api_key="unused-without-FTCORE_API_KEY")
reply = client.chat.completions.create(
    model="{ref}", messages=[{{"role": "user", "content": "Hello!"}}], max_tokens=200)
print(reply.choices[0].message.content)
# 3. or run it in llama.cpp / Ollama
#    ftcore export {ref} --format gguf --quant q8_0 --out ./{ref}-gguf
#    ollama create {ref} -f ./{ref}-gguf/Modelfile && ollama run {ref}
"""


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(ref: str, settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, api_key: str | None = None,
          limits=None, engine: str = "auto", prefer: str = "auto", on_ready=print) -> int:
    """Serve `ref` until interrupted; returns the exit code. limits: an app.Limits."""
    from ftcore.serve.app import Limits, build_app

    limits = limits or Limits()
    if engine not in ENGINES:
        raise UserError("serve.engine", value=engine, choices=", ".join(ENGINES))
    if not loopback(host) and api_key is None:
        raise UserError("serve.open_without_key", host=host)
    location = models.materialize(models.resolve(ref, settings), settings)
    gpus = [d for d in devices.detect() if d.is_gpu]
    use_vllm = engine == "vllm" or (engine == "auto" and gpus and importlib.util.find_spec("vllm") is not None)
    if use_vllm:
        if not gpus or importlib.util.find_spec("vllm") is None:
            raise UserError("serve.no_vllm")
        allocation = devices.try_lock(settings, gpus, 1, holder="serve")
        if allocation is not None:
            try:
                return _vllm(location, ref, host, port, api_key, limits, allocation, on_ready)
            finally:
                allocation.release()
        if engine == "vllm":
            raise UserError("serve.vllm_busy")
    import uvicorn

    from ftcore.serve.generate import ModelCache

    cache = ModelCache(settings, size=1, prefer=prefer, share=False, holder="serve")  # never beside a training run
    cache.get(ref)  # load before the first request, where the policy puts it
    where = cache.placement_of(ref)
    on_ready(f"Serving {ref} at http://{host}:{port}/v1 on {where.device} (transformers; "
             f"{limits.concurrency} at a time, {limits.queue} queued, max_tokens <= {limits.max_tokens})"
             + (f" — {where.note}" if where.note else ""))
    uvicorn.run(build_app(cache, ref, ref, api_key, limits), host=host, port=port, log_level="warning")
    return 0


def _vllm(location: str, name: str, host: str, port: int, api_key: str | None, limits,
          allocation: devices.Allocation, on_ready) -> int:
    """vLLM's OpenAI server on the locked GPU (its own scheduler and batching); the key travels in VLLM_API_KEY."""
    env = devices.child_env(os.environ, allocation)
    if api_key:
        env["VLLM_API_KEY"] = api_key
    command = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", location,
               "--served-model-name", name, "--host", host, "--port", str(port),
               "--max-num-seqs", str(max(limits.concurrency, 1) * 8), "--dtype", "auto"]
    on_ready(f"Serving {name} at http://{host}:{port}/v1 on {allocation.ids[0]} (vLLM)")
    placement.prepare_process()
    return subprocess.call(command, env=env)

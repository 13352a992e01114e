"""The OpenAI-compatible HTTP API on transformers: /v1/models, /v1/chat/completions (streamed or not) and
/v1/completions, with the model's own chat template and the same generation code as the Chat tab.

Requests beyond `concurrency` wait in a bounded queue (a clear 429 past it); every error is OpenAI's error shape
with a 4xx status, so the official clients raise their usual exceptions.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from ftcore.serve.generate import Decoding, ModelCache, stream_chat, stream_text


@dataclass(frozen=True)
class Limits:
    max_tokens: int = 512  # the most new tokens one request may ask for
    concurrency: int = 1  # generations at once (a CPU has no room for more)
    queue: int = 32  # requests waiting beyond those; more get 429


class ApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None):
        super().__init__(message)
        self.status, self.kind, self.code, self.param = status, kind, code, param

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"message": str(self), "type": self.kind, "param": self.param,
                                       "code": self.code}}, status_code=self.status)


class Part(BaseModel):
    type: str = "text"
    text: str | None = None


class Message(BaseModel):
    role: Literal["system", "user", "assistant", "developer"]
    content: str | list[Part] | None = None


class Sampling(BaseModel):
    model: str
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    temperature: float = Field(1.0, ge=0, le=2)
    top_p: float = Field(1.0, gt=0, le=1)
    stop: str | list[str] | None = None
    stream: bool = False
    n: int = Field(1, ge=1)
    stream_options: dict[str, Any] | None = None


class ChatRequest(Sampling):
    messages: list[Message] = Field(min_length=1)


class CompletionRequest(Sampling):
    prompt: str | list[str]


class Gate:
    """At most `concurrency` generations at once, at most `queue` waiting; a full queue refuses at once."""

    def __init__(self, limits: Limits):
        self.limits, self._slots = limits, threading.BoundedSemaphore(limits.concurrency)
        self._lock, self._inside = threading.Lock(), 0

    def check_room(self) -> None:
        if self._inside >= self.limits.concurrency + self.limits.queue:
            raise ApiError(429, f"The server is busy: {self._inside} requests are running or queued "
                                f"(limit {self.limits.concurrency} + {self.limits.queue}). Retry later.",
                           "rate_limit_error", "server_busy")

    def enter(self) -> None:
        """Wait for a generation slot (in a worker thread)."""
        with self._lock:
            self._inside += 1
        self._slots.acquire()

    def leave(self) -> None:
        self._slots.release()
        with self._lock:
            self._inside -= 1


def build_app(cache: ModelCache, ref: str, name: str, api_key: str | None = None, limits: Limits | None = None
              ) -> FastAPI:
    """The API for one model reference, served under `name`."""
    limits = limits or Limits()
    app = FastAPI(title="FullTune OpenAI-compatible API", docs_url=None, redoc_url=None, openapi_url=None)
    gate, created = Gate(limits), int(time.time())

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError):
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def on_bad_request(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        return ApiError(400, f"{where or 'body'}: {first.get('msg', 'invalid request')}", param=where).response()

    @app.middleware("http")
    async def check_key(request: Request, call_next):
        if api_key is not None:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), api_key.encode()):
                return ApiError(401, "Invalid API key: send the server's key as 'Authorization: Bearer KEY'.",
                                "invalid_request_error", "invalid_api_key").response()
        return await call_next(request)

    @app.get("/v1/models")
    def list_models():
        return {"object": "list", "data": [model_card()]}

    @app.get("/v1/models/{model_id:path}")
    def get_model(model_id: str):
        check_model(model_id)
        return model_card()

    def model_card() -> dict:
        return {"id": name, "object": "model", "created": created, "owned_by": "fulltune"}

    def check_model(model_id: str) -> None:
        if model_id != name:
            raise ApiError(404, f"The model '{model_id}' does not exist here; this server serves '{name}'.",
                           code="model_not_found", param="model")

    def decoding(body: Sampling) -> Decoding:
        check_model(body.model)
        if body.n != 1:
            raise ApiError(400, "n must be 1 here.", param="n")
        wanted = body.max_completion_tokens or body.max_tokens or min(256, limits.max_tokens)
        if wanted > limits.max_tokens:
            raise ApiError(400, f"max_tokens is {wanted}; this server allows at most {limits.max_tokens} "
                                "(ftcore serve --max-tokens).", param="max_tokens")
        stops = [body.stop] if isinstance(body.stop, str) else list(body.stop or [])
        return Decoding(max_new_tokens=wanted, do_sample=body.temperature > 0, temperature=max(body.temperature, 1e-3),
                        top_p=body.top_p, repetition_penalty=1.0, stop=tuple(s for s in stops if s))

    @app.post("/v1/chat/completions")
    async def chat_completions(body: ChatRequest):
        settings = decoding(body)
        messages = [{"role": "system" if m.role == "developer" else m.role, "content": text_of(m)}
                    for m in body.messages]
        return await respond(body, settings, lambda: stream_chat(cache, ref, messages, settings), chat=True,
                             prompt_tokens=lambda tok: len(tok.apply_chat_template(
                                 messages, add_generation_prompt=True, return_dict=True)["input_ids"]))

    @app.post("/v1/completions")
    async def completions(body: CompletionRequest):
        settings = decoding(body)
        prompts = [body.prompt] if isinstance(body.prompt, str) else body.prompt
        if len(prompts) != 1:
            raise ApiError(400, "Give one prompt per request.", param="prompt")
        return await respond(body, settings, lambda: stream_text(cache, ref, prompts[0], settings), chat=False,
                             prompt_tokens=lambda tok: len(tok(prompts[0])["input_ids"]))

    async def respond(body: Sampling, settings: Decoding, start, chat: bool, prompt_tokens):
        stamp, rid = int(time.time()), ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]
        kind = "chat.completion" if chat else "text_completion"
        gate.check_room()
        if not body.stream:
            await run_in_threadpool(gate.enter)
            try:
                text, usage, finish = await run_in_threadpool(generate_all, start, settings, prompt_tokens)
            finally:
                gate.leave()
            choice = ({"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
                      if chat else {"index": 0, "text": text, "logprobs": None, "finish_reason": finish})
            return {"id": rid, "object": kind, "created": stamp, "model": name, "choices": [choice], "usage": usage}
        include_usage = bool((body.stream_options or {}).get("include_usage"))

        def events():
            gate.enter()  # here, not before the response: a client gone before the first chunk holds no slot
            try:
                sent, text, finish = 0, "", "stop"
                if chat:
                    yield chunk({"role": "assistant", "content": ""}, None)
                for text in start():
                    visible = cut_at_stop(text, settings.stop)
                    if len(visible) > sent:
                        yield chunk(visible[sent:], None)
                        sent = len(visible)
                usage, finish = count(text, settings, prompt_tokens)
                yield chunk("", finish, final=True)
                if include_usage:
                    yield sse({"id": rid, "object": f"{kind}.chunk", "created": stamp, "model": name,
                               "choices": [], "usage": usage})
                yield "data: [DONE]\n\n"
            finally:
                gate.leave()

        def chunk(delta, finish, final=False):
            if chat:
                content = {} if final else (delta if isinstance(delta, dict) else {"content": delta})
                choice = {"index": 0, "delta": content, "finish_reason": finish}
            else:
                choice = {"index": 0, "text": delta, "logprobs": None, "finish_reason": finish}
            return sse({"id": rid, "object": f"{kind}.chunk" if chat else kind, "created": stamp, "model": name,
                        "choices": [choice]})

        return StreamingResponse(iterate_in_threadpool(events()), media_type="text/event-stream")

    def generate_all(start, settings: Decoding, prompt_tokens):
        text = ""
        for text in start():  # noqa: B007  (the last yield is the whole answer)
            continue
        usage, finish = count(text, settings, prompt_tokens)
        return cut_at_stop(text, settings.stop), usage, finish

    def count(text: str, settings: Decoding, prompt_tokens) -> tuple[dict, str]:
        _, tokenizer = cache.get(ref)
        completion = len(tokenizer(cut_at_stop(text, settings.stop), add_special_tokens=False)["input_ids"])
        prompt = prompt_tokens(tokenizer)
        stopped = any(s in text for s in settings.stop)
        finish = "length" if completion >= settings.max_new_tokens and not stopped else "stop"
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}, finish

    return app


def text_of(message: Message) -> str:
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    kinds = {p.type for p in message.content} - {"text"}
    if kinds:
        raise ApiError(400, f"Only text content parts are served here, not {', '.join(sorted(kinds))}.",
                       param="messages")
    return "".join(p.text or "" for p in message.content)


def cut_at_stop(text: str, stops: tuple[str, ...]) -> str:
    """The text before the first stop string (OpenAI leaves the stop string out)."""
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
    return text if cut < 0 else text[:cut]


def sse(payload: dict) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

"""Chat generation for a base model, a run or a checkpoint, streamed; both sides of a comparison use the same
decoding (greedy by default, fixed token budget)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from ftcore import models
from ftcore.runs import placement
from ftcore.settings import Settings


@dataclass(frozen=True)
class Decoding:
    max_new_tokens: int = 200
    do_sample: bool = False
    temperature: float = 0.7
    top_p: float = 0.9
    repetition_penalty: float = 1.1
    stop: tuple[str, ...] = ()  # generation ends at any of these strings


class ModelCache:
    """A few loaded models kept in memory for chat, least recently used dropped first. Each model goes where the
    device policy puts it (ftcore.runs.placement): a GPU this cache holds, a free GPU (locked like a training run's),
    a GPU a run leaves room on, or the CPU; `prefer` is auto, gpu (wait for one) or cpu."""

    def __init__(self, settings: Settings, size: int = 3, prefer: str = "auto", share: bool = True,
                 holder: str = "chat"):
        self.settings, self.size, self.prefer = settings, size, prefer
        self.share, self.holder = share, holder  # share: may sit beside a training run with room (see placement)
        self._items: OrderedDict[str, tuple] = OrderedDict()
        self._where: dict[str, placement.Placement] = {}
        self._lock = threading.Lock()

    def get(self, ref: str):
        with self._lock:
            if ref in self._items:
                self._items.move_to_end(ref)
                return self._items[ref]
        where = self._place(ref)  # outside the lock: with prefer=gpu it may wait for a GPU
        try:
            model, tokenizer = models.load(ref, self.settings, phase="eval", device=where.device)
        except BaseException:
            where.release()
            raise
        with self._lock:
            self._items[ref], self._where[ref] = (model, tokenizer), where
            while len(self._items) > self.size:
                self._evict(next(iter(self._items)))
        return model, tokenizer

    def placement_of(self, ref: str) -> placement.Placement | None:
        """Where a loaded model sits (device, and a note when it is not the obvious place)."""
        return self._where.get(ref)

    def _place(self, ref: str) -> placement.Placement:
        location = models.materialize(models.resolve(ref, self.settings), self.settings)
        need = placement.inference_gb(location)
        held = next((p for p in self._where.values() if p.allocation is not None), None)
        used = sum(p.need_gb for p in self._where.values() if held and p.device == held.device)
        return placement.for_inference(self.settings, need, self.prefer, reuse=held, used_gb=used, share=self.share,
                                       holder=self.holder)

    def _evict(self, ref: str) -> None:
        self._items.pop(ref)
        where = self._where.pop(ref)
        heir = next((p for p in self._where.values() if p.device == where.device and p.allocation is None), None)
        if heir is not None and where.allocation is not None:  # another model still sits on that GPU
            heir.allocation, where.allocation = where.allocation, None
        where.release()
        placement.release_cuda_memory()


def _inputs(tokenizer, messages: list[dict[str, str]], device):
    enc = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                        return_dict=True)
    return {"input_ids": enc["input_ids"].to(device), "attention_mask": enc["attention_mask"].to(device)}


def _kwargs(tokenizer, decoding: Decoding) -> dict:
    kwargs = {"max_new_tokens": decoding.max_new_tokens, "do_sample": decoding.do_sample,
              "repetition_penalty": decoding.repetition_penalty, "pad_token_id": tokenizer.pad_token_id}
    if decoding.do_sample:
        kwargs.update(temperature=decoding.temperature, top_p=decoding.top_p)
    if decoding.stop:
        kwargs.update(stop_strings=list(decoding.stop), tokenizer=tokenizer)
    return kwargs


def stream_chat(cache: ModelCache, ref: str, messages: list[dict[str, str]],
                decoding: Decoding = Decoding()) -> Iterator[str]:
    """Yield the answer so far, growing token by token."""
    model, tokenizer = cache.get(ref)
    return _stream(model, tokenizer, _inputs(tokenizer, messages, model.device), decoding)


def stream_text(cache: ModelCache, ref: str, prompt: str, decoding: Decoding = Decoding()) -> Iterator[str]:
    """Yield the continuation of a plain text prompt (no chat template), growing token by token."""
    model, tokenizer = cache.get(ref)
    enc = tokenizer(prompt, return_tensors="pt")
    return _stream(model, tokenizer, {k: v.to(model.device) for k, v in enc.items() if k != "token_type_ids"},
                   decoding)


def _stream(model, tokenizer, inputs: dict, decoding: Decoding) -> Iterator[str]:
    import torch
    from transformers import TextIteratorStreamer

    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)

    def work():
        with torch.inference_mode():
            model.generate(**inputs, streamer=streamer, **_kwargs(tokenizer, decoding))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    text = ""
    for piece in streamer:
        text += piece
        yield text
    thread.join()


def complete(cache: ModelCache, ref: str, messages: list[dict[str, str]], decoding: Decoding = Decoding()) -> str:
    """One answer to a conversation."""
    import torch

    model, tokenizer = cache.get(ref)
    inputs = _inputs(tokenizer, messages, model.device)
    with torch.inference_mode():
        out = model.generate(**inputs, **_kwargs(tokenizer, decoding))
    return tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True).strip()


def chat(cache: ModelCache, ref: str, prompt: str, decoding: Decoding = Decoding()) -> str:
    """One answer to one user prompt."""
    return complete(cache, ref, [{"role": "user", "content": prompt}], decoding)


def side_by_side(cache: ModelCache, left: str, right: str, messages: list[dict[str, str]],
                 decoding: Decoding = Decoding(), right_messages: list[dict[str, str]] | None = None
                 ) -> Iterator[tuple[str, str]]:
    """Stream two models' answers together, interleaving their tokens: to the same messages, or each side to its
    own conversation (`right_messages`) when the two histories differ."""
    streams = [stream_chat(cache, left, messages, decoding),
               stream_chat(cache, right, right_messages if right_messages is not None else messages, decoding)]
    texts = ["", ""]
    live = [True, True]
    while any(live):
        for i, stream in enumerate(streams):
            if live[i]:
                try:
                    texts[i] = next(stream)
                except StopIteration:
                    live[i] = False
        yield texts[0], texts[1]

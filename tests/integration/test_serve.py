"""`ftcore serve` against the real `openai` client: models, chat (whole and streamed), completions, a bad request,
a wrong key, and ten concurrent requests that all complete through the queue; an open address needs a key."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

openai = pytest.importorskip("openai")

KEY = "sk-test-key-for-the-local-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_model, tmp_path_factory):
    port, home = free_port(), tmp_path_factory.mktemp("serve-home")
    env = {**os.environ, "FTCORE_HOME": str(home), "HF_HUB_OFFLINE": "1", "FTCORE_API_KEY": KEY}
    log = open(home / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "ftcore", "serve", str(tiny_model), "--port", str(port),
                             "--max-tokens", "64", "--queue", "16"], env=env, stdout=log, stderr=subprocess.STDOUT)
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=0, timeout=120)
    deadline = time.monotonic() + 120
    while True:
        try:
            client.models.list()
            break
        except openai.APIConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((home / "serve.log").read_text()) from None
            time.sleep(0.5)
    yield client, str(tiny_model), port
    proc.terminate()
    proc.wait(timeout=30)
    assert KEY not in (home / "serve.log").read_text()  # the key is never printed


def test_models_and_a_whole_answer(server):
    client, name, _ = server
    assert [m.id for m in client.models.list().data] == [name]
    reply = client.chat.completions.create(model=name, max_tokens=12, temperature=0,
                                           messages=[{"role": "user", "content": "How hot should milk be?"}])
    choice = reply.choices[0]
    assert choice.message.role == "assistant" and isinstance(choice.message.content, str)
    assert choice.finish_reason in ("stop", "length")
    assert reply.usage.prompt_tokens > 5 and 0 <= reply.usage.completion_tokens <= 12


def test_streamed_answer_equals_the_whole_one(server):
    client, name, _ = server
    messages = [{"role": "system", "content": "You are a barista."}, {"role": "user", "content": "Espresso?"}]
    whole = client.chat.completions.create(model=name, max_tokens=16, temperature=0, messages=messages)
    chunks = list(client.chat.completions.create(model=name, max_tokens=16, temperature=0, messages=messages,
                                                 stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] in ("stop", "length")


def test_plain_completion(server):
    client, name, _ = server
    out = client.completions.create(model=name, prompt="The crema on an espresso", max_tokens=8, temperature=0)
    assert isinstance(out.choices[0].text, str) and out.usage.completion_tokens <= 8


def test_bad_requests_get_a_clear_4xx(server):
    client, name, port = server
    with pytest.raises(openai.BadRequestError, match="at most 64"):
        client.chat.completions.create(model=name, max_tokens=1000, messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError, match="messages"):
        client.chat.completions.create(model=name, messages=[])
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    wrong = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()


def test_ten_concurrent_requests_all_complete(server):
    client, name, _ = server

    def ask(i: int) -> str:
        reply = client.chat.completions.create(model=name, max_tokens=8, temperature=0,
                                               messages=[{"role": "user", "content": f"Shot {i}: how long?"}])
        return reply.choices[0].finish_reason

    with ThreadPoolExecutor(10) as pool:
        finishes = list(pool.map(ask, range(10)))
    assert len(finishes) == 10 and set(finishes) <= {"stop", "length"}


def test_an_open_address_needs_a_key(tiny_model, tmp_path):
    env = {**os.environ, "FTCORE_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    env.pop("FTCORE_API_KEY", None)
    out = subprocess.run([sys.executable, "-m", "ftcore", "serve", str(tiny_model), "--host", "0.0.0.0"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 2 and "needs an API key" in out.stderr

"""A corpus of malformed files generated here; `ftcore data check` answers each with exit 2 and a specific
message, in under 10 s and 2 GB, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

# runs the real CLI, then reports this process's own peak memory (VmHWM; ru_maxrss would include pytest's)
CHECK = ("import sys\nfrom ftcore.cli.main import main\ncode = main(sys.argv[1:])\n"
         "hwm = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
         "print('VmHWM', hwm, file=sys.stderr)\nsys.exit(code)")
GOOD = json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]})


def msg_row(*turns):
    return json.dumps({"messages": [{"role": r, "content": c} for r, c in turns]})


def lines(*rows):
    return ("\n".join(rows) + "\n").encode()


CORPUS = {  # name: (file name, bytes, expected text in the output)
    "empty": ("empty.jsonl", b"", "the file has no examples"),
    "blank lines only": ("blank.jsonl", b"\n  \n\n", "the file has no examples"),
    "binary": ("binary.jsonl", bytes(range(256)) * 4, "NUL bytes"),
    "latin-1": ("latin1.jsonl", '{"messages": [{"role": "user", "content": "café"}]}'.encode("latin-1"),
                "not UTF-8 (bad byte at offset"),
    "utf-16 without BOM": ("u16.jsonl", GOOD.encode("utf-16-le"), "NUL bytes"),
    "broken line deep inside": ("deep.jsonl", lines(*[GOOD] * 5000, '{"messages": [', *[GOOD] * 100),
                                "deep.jsonl:5001: not valid JSON"),
    "unknown role": ("role.jsonl", lines(GOOD, msg_row(("user", "q"), ("wizard", "a"))),
                     "role.jsonl:2: messages[1].role: unknown role 'wizard'"),
    "no assistant turn": ("noans.jsonl", lines(msg_row(("user", "q"))), "noans.jsonl:1: messages: the last turn is 'user'"),
    "mixed schemas": ("mixed.jsonl", lines(GOOD, json.dumps({"instruction": "i", "output": "o"})),
                      "mixed.jsonl:2: messages: missing (the row has ['instruction', 'output'])"),
    "12 MB single line": ("long.jsonl", lines(GOOD, json.dumps({"text": "x" * 12_000_000})),
                          "long.jsonl:2: line is longer than 8 MB"),
    "NUL bytes later": ("nul.jsonl", lines(GOOD) * 500 + b'{"text": "a\x00b"}\n', "nul.jsonl:501"),
    "header-only CSV": ("header.csv", b"text,label\n", "the file has no examples"),
    "missing column": ("cols.csv", b"question,label\nq,a\n", "cannot tell the format from the columns"),
    "ragged CSV": ("ragged.csv", b"text,label\n\"a, b\",x\nonly\n", "ragged.csv:3: 1 cells for 2 columns"),
    "null field": ("null.jsonl", lines(json.dumps({"text": None, "label": "x"})), "null.jsonl:1: text: missing or null"),
    "non-string content": ("num.jsonl", lines(json.dumps({"messages": [{"role": "user", "content": 5},
                                                                       {"role": "assistant", "content": "a"}]})),
                           "num.jsonl:1: messages[0].content: must be text, got int"),
    "fake parquet": ("fake.parquet", b"PAR1 this is not parquet", "not a readable Parquet file"),
    "very deep nesting": ("nest.jsonl", lines("[" * 100_000 + "]" * 100_000), "nest.jsonl:1:"),
    "deep but parseable": ("nest2.jsonl", lines(json.dumps({"a": json.loads("[" * 80 + "]" * 80)})),
                           "nested more than 64 levels"),
    "whitespace-only answer": ("ws.jsonl", lines(msg_row(("user", "q"), ("assistant", "a"), ("user", "q2"),
                                                         ("assistant", "  \n"))),
                               "ws.jsonl:1: messages[3].content: empty or whitespace-only answer"),
    "path-like file name": ("..%2F..%2Fetc%2Fpasswd.jsonl", b"{oops\n", "not valid JSON"),
    "top-level array in jsonl": ("arr.jsonl", lines("[1, 2]"), "expected a JSON object, got an array"),
    "json not an array": ("scalar.json", b'"hello"', "expected an array of objects, got a string"),
    "truncated json": ("trunc.json", b'[{"text": "a", "label": ', "trunc.json:1: not valid JSON"),
    "unknown suffix": ("data.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'"),
    "empty label": ("label.jsonl", lines(json.dumps({"text": "t", "label": " "})), "label: empty or only whitespace"),
    "image content part": ("img.jsonl", lines(json.dumps({"messages": [
        {"role": "user", "content": [{"type": "image", "url": "x.png"}]}, {"role": "assistant", "content": "a"}]})),
        "messages[0].content[0].type: a part of type 'image': only text is trained"),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_file_gets_a_specific_message(name, tmp_path, home):
    file_name, content, expected = CORPUS[name]
    path = tmp_path / file_name
    path.write_bytes(content)
    env = {**os.environ, "FTCORE_HOME": str(home.home)}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", CHECK, "data", "check", str(path)], capture_output=True,
                            text=True, env=env, timeout=60)
    *lines, peak = result.stderr.splitlines()
    result.stderr = "\n".join(lines)
    seconds = time.perf_counter() - start
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.splitlines()) <= 21
    assert seconds < 10, f"{name} took {seconds:.1f} s"
    assert int(peak.split()[1]) < 2 * 1024 * 1024  # VmHWM in KiB: under 2 GB


def test_corpus_is_at_least_twenty_files():
    assert len(CORPUS) >= 20


def test_check_json_output_for_good_and_bad(tmp_path, home):
    env = {**os.environ, "FTCORE_HOME": str(home.home)}
    good = tmp_path / "good.jsonl"
    good.write_text(GOOD + "\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "ftcore", "data", "check", str(good), "--json"],
                         capture_output=True, text=True, env=env)
    summary = json.loads(out.stdout)
    assert out.returncode == 0 and summary["ok"] and summary["rows"] == 1 and summary["format"] == "messages"
    assert any("Only 1 examples" in w for w in summary["warnings"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{x\n" * 30, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "ftcore", "data", "check", str(bad), "--json"],
                         capture_output=True, text=True, env=env)
    report = json.loads(out.stdout)
    assert out.returncode == 2 and report["total"] == 30 and len(report["problems"]) == 20

"""Publish walkthrough against the stand-in Hub: card, push, push again, and a search for the token.

Starts tests/hubstub.py (a local HTTP server standing in for huggingface.co; the client is the real
huggingface_hub), writes the card of a finished run with `ftcore card`, pushes it with `ftcore push` (token in
HF_TOKEN only), checks that every file arrived byte for byte, pushes again (nothing new is committed), prints
the card as the Hub serves it, and searches every file under FTCORE_HOME and every request the server saw for
the token outside the Authorization header.

    FTCORE_HOME=... .venv/bin/python docs/publish_demo.py RUN_ID [--repo alice/barista-135m] [--card-lines 60]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hubstub import StandInHub  # noqa: E402

TOKEN = "hf_DemoTokenForTheSearch0123456789"


def ftcore(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ftcore", *args], capture_output=True, text=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--repo", default="alice/barista-135m")
    parser.add_argument("--card-lines", type=int, default=60)
    args = parser.parse_args()
    home = Path(os.environ["FTCORE_HOME"])
    final = home / "runs" / args.run / "final"

    with StandInHub() as hub:
        hub.add_user(args.repo.split("/")[0], TOKEN, role="write")
        env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT")}
        env.update({**hub.env(), "HF_TOKEN": TOKEN})
        out = ftcore("card", args.run, env=env)
        print(f"$ ftcore card {args.run}\n{out.stdout.strip()}{out.stderr.strip()[-500:]}")
        start = time.perf_counter()
        out = ftcore("push", args.run, "--repo", args.repo, "--endpoint", hub.endpoint, "--json", env=env)
        seconds = time.perf_counter() - start
        if out.returncode:
            raise SystemExit(out.stderr)
        result = json.loads(out.stdout)
        print(f"\n$ ftcore push {args.run} --repo {args.repo} --endpoint {hub.endpoint}  ({seconds:.1f} s)")
        print(out.stderr.strip())
        arrived = {k: v for k, v in hub.files(args.repo).items() if k != ".gitattributes"}
        intact = all(v == (final / k).read_bytes() for k, v in arrived.items())
        print(f"\narrived at {args.repo} (private={hub.repo(args.repo).private}), byte-identical to final/: {intact}")
        for name, data in sorted(arrived.items()):
            print(f"  {name:<28} {len(data):>12,} bytes")
        print(f"commit {result['commit'][:12]}: {[c.title for c in hub.commits(args.repo)][-1]}")

        out = ftcore("push", args.run, "--repo", args.repo, "--endpoint", hub.endpoint, env=env)
        print(f"\n$ ftcore push {args.run} --repo {args.repo} (again): exit {out.returncode}, "
              f"{len(hub.commits(args.repo))} commits in all\n{out.stderr.strip().splitlines()[-1]}")

        card = arrived["README.md"].decode("utf-8").splitlines()
        print(f"\nthe card as the Hub serves it (first {args.card_lines} of {len(card)} lines):\n")
        print("\n".join(card[: args.card_lines]))

        written = [p for p in home.rglob("*") if p.is_file()]
        hits = [str(p) for p in written if TOKEN.encode() in p.read_bytes()]
        print(f"\ntoken search: {len(written)} files under {home}: {len(hits)} hold the token {hits}; "
              f"requests carrying it outside the Authorization header: {len(hub.leaks(TOKEN))}")


if __name__ == "__main__":
    main()

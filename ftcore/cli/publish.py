"""`ftcore card`, `push`, `export` and `space build`: publishing a finished run and the app itself."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ftcore.errors import UserError
from ftcore.settings import Settings


def add_hub_parsers(sub) -> None:
    p = sub.add_parser("card", help="Write the model card (final/README.md) of a finished run.")
    p.add_argument("run", help="A run id (its final model), or a blend written into it (RUN/blend-0.5).")
    p.add_argument("--license", default=None, help="License id (default: the base model's, else 'other').")
    p.add_argument("--language", action="append", default=None, help="ISO 639-1 code; repeat (default: from "
                   "the training data).")
    p.add_argument("--repo", default=None, help="OWNER/NAME the card is for (its title).")
    p.add_argument("--print", action="store_true", help="Also print the card.")

    p = sub.add_parser("push", help="Push a finished run's model to the Hugging Face Hub (private by default). "
                       "The token comes from HF_TOKEN or --token-file, never from an argument.")
    p.add_argument("run", help="A run id (its final model), or a blend written into it (RUN/blend-0.5).")
    p.add_argument("--repo", required=True, help="OWNER/NAME of the model repository.")
    p.add_argument("--public", action="store_true", help="Make a new repository public (default: private).")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--branch", default=None, help="Commit to this branch (created if needed).")
    where.add_argument("--pr", action="store_true", help="Open a pull request instead of committing to main.")
    p.add_argument("--endpoint", default=None, help="Hub address (default: HF_ENDPOINT or https://huggingface.co).")
    p.add_argument("--token-file", default=None, help="A file holding the token (default: HF_TOKEN).")
    p.add_argument("--license", default=None, help="License for a card written now (default: the base's).")
    p.add_argument("--gguf", default=None, choices=["f16", "q8_0"], help="Also upload a GGUF file of the model "
                   "in this quantization (for llama.cpp and Ollama; written once into final/).")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", help="Copy a finished run's model repository files to a folder or a .zip.")
    p.add_argument("run", help="A run id (its final model), or a blend written into it (RUN/blend-0.5).")
    p.add_argument("--out", required=True, help="A new folder, or a path ending in .zip (or .gguf with --format "
                   "gguf).")
    p.add_argument("--format", default="hf", choices=["hf", "gguf"], help="hf: the model repository's files "
                   "(safetensors, tokenizer, card); gguf: one GGUF file for llama.cpp and Ollama, with a Modelfile.")
    p.add_argument("--quant", default="f16", choices=["f16", "q8_0"], help="GGUF weights: f16, or q8_0 (about "
                   "half the size).")

    p = sub.add_parser("space", help="Build a folder that deploys this app as a Hugging Face Space.")
    space = p.add_subparsers(dest="space_command", required=True)
    b = space.add_parser("build", help="Assemble app.py, ftcore/, ui/, README.md (front matter), requirements.txt.")
    b.add_argument("out")


def cmd_card(args, settings: Settings) -> int:
    from ftcore.publish import write_card
    from ftcore.runs.registry import RunStore

    run = RunStore(settings).model(args.run)
    path = write_card(run, settings, license=args.license, language=args.language, repo=args.repo)
    if args.print:
        print(path.read_text(encoding="utf-8"))
    print(f"Card written: {path}")
    return 0


def cmd_push(args, settings: Settings) -> int:
    from ftcore.publish import push, read_token
    from ftcore.runs.registry import RunStore

    run = RunStore(settings).model(args.run)
    token = read_token(args.token_file)
    result = push(run, args.repo, token, settings=settings, private=not args.public, branch=args.branch, pr=args.pr,
                  endpoint=args.endpoint, license=args.license, gguf=args.gguf,
                  progress=lambda line: print(line, file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(vars(result), indent=2))
    else:
        print(f"Pushed {len(result.files)} files to {result.repo} ({'private' if result.private else 'public'}): "
              f"{result.pr_url or result.url}")
    return 0


def cmd_export(args, settings: Settings) -> int:
    from ftcore.publish import export
    from ftcore.runs.registry import RunStore

    run = RunStore(settings).model(args.run)
    if args.format == "gguf":
        return export_gguf_files(run, Path(args.out).expanduser().resolve(), args.quant)
    out = export(run, args.out, settings)
    print(f"Exported to {out}")
    return 0


def export_gguf_files(run, out: Path, quant: str) -> int:
    """RUN.gguf and its Ollama Modelfile: into a new folder, or as the .gguf path given with the Modelfile beside."""
    from ftcore.publish import final_folder as _final
    from ftcore.publish.gguf import export_gguf, modelfile

    folder = _final(run)
    target = out if out.suffix == ".gguf" else out / f"{run.id}.{quant}.gguf"
    if target.exists() or (out.suffix != ".gguf" and out.exists() and any(out.iterdir())):
        raise UserError("hub.export_exists", path=out)

    def progress(done: int, total: int) -> None:
        if done == total or done % max(total // 10, 1) == 0:
            print(f"  {100 * done // total}% of {total} tensors", file=sys.stderr, flush=True)

    result = export_gguf(folder, target, quant, progress)
    model_file = target.with_name("Modelfile") if out.suffix != ".gguf" else target.with_suffix(".Modelfile")
    model_file.write_text(modelfile(folder, target.name), encoding="utf-8")
    print(f"Exported {result['architecture']} as {quant} GGUF ({result['bytes'] / 2**20:.1f} MiB, "
          f"{result['tensors']} tensors) to {target}\nOllama: ollama create {run.id} -f {model_file}\n"
          f"llama.cpp: llama-cli -m {target} -cnv")
    return 0


def cmd_space(args, settings: Settings) -> int:
    from ftcore.publish import build_space, space_front_matter

    out = build_space(args.out)
    meta = space_front_matter(out / "README.md")
    print(f"Space folder ready: {out} (sdk {meta['sdk']} {meta['sdk_version']}, app_file {meta['app_file']}). "
          f"Push it with: hf upload OWNER/SPACE {out} --repo-type space")
    return 0

"""`python -m ftcore.worker RUN_DIR`: train one run and leave a final status, whatever happens."""

from __future__ import annotations

import os
import signal
import sys
import traceback
from pathlib import Path

from .callbacks import StopFlag
from .errors import UserError
from .runs import Run, now
from .settings import Settings


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    run_dir = Path(argv[0]).resolve()
    resume = run_dir / "checkpoints" / argv[argv.index("--resume") + 1] if "--resume" in argv else None
    run = Run(run_dir.name, run_dir)
    flag = StopFlag()
    signal.signal(signal.SIGTERM, lambda *_: flag.set("Stopped by SIGTERM."))
    run.update_status(state="running", pid=os.getpid(), started=now())
    run.append_event("message", text="Worker started")
    try:
        from transformers.utils import logging as hf_logging

        from .trainer import train

        hf_logging.disable_progress_bar()

        state = train(run, Settings.from_env(), flag, resume_from=resume)
    except UserError as exc:
        return _fail(run, str(exc))
    except MemoryError:
        return _fail(run, "Out of memory. Run `ftcore plan` with this run's settings for configurations that fit: "
                          "gradient checkpointing, a smaller batch with more accumulation, or adamw_8bit on a GPU.")
    except Exception as exc:  # the worker must always leave a readable status
        traceback.print_exc()
        if "out of memory" in str(exc).lower():
            return _fail(run, f"Out of memory ({exc}). Run `ftcore plan --gpu-mem GB` with this run's settings "
                              "for configurations that fit (gradient checkpointing, smaller batch, 8-bit states).")
        return _fail(run, f"{type(exc).__name__}: {exc}")
    error = (flag.reason or "Stopped by the user.") if state == "cancelled" else None
    run.update_status(state=state, ended=now(), error=error)
    run.append_event("end", state=state)
    return 0


def _fail(run: Run, message: str) -> int:
    run.update_status(state="failed", ended=now(), error=message)
    run.append_event("end", state="failed", error=message)
    return 1


if __name__ == "__main__":
    sys.exit(main())

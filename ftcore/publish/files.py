"""What a model repository gets from a run's final/ folder and what it never gets, and the Hub's error type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftcore.errors import UserError
from ftcore.runs.store import Run

# What a model repository needs from final/, and what it must never get (fulltune.json holds local paths).
REPO_FILES = ("*.safetensors", "*.safetensors.index.json", "config.json", "generation_config.json",
              "tokenizer*", "special_tokens_map.json", "vocab.json", "merges.txt", "*.model", "added_tokens.json",
              "chat_template.jinja", "chat_template.json", "README.md", "*.png")
NEVER = ("fulltune.json", "training_args.bin", "optimizer.pt", "scheduler.pt", "rng_state*", "trainer_state.json",
         "*.pth", "*.bin", "*.pkl", "checkpoint-*/**")


class RemoteError(UserError):
    """The Hub (or the network to it) refused or failed; exit code 3."""

    exit_code = 3


def final_folder(run: Run) -> Path:
    """The folder of the run's model to publish: final/ (refused with the run's state when it has none yet), or
    the blend the Run was opened for (RunStore.model; refused with the command that writes it)."""
    from ftcore.models import missing_blend

    if not (run.model_dir / "config.json").is_file():
        if run.model != "final":
            raise missing_blend(f"{run.id}/{run.model}")
        raise UserError("hub.no_final", run=run.id, state=run.status().get("state"))
    return run.model_dir


def final_meta(run: Run) -> dict[str, Any]:
    """What the final model carries about its making (config, data fingerprints, hardware): final/fulltune.json."""
    return run.final_meta()

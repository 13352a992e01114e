"""FullTune's engine: full-parameter fine-tuning of causal LMs, with a CLI and a Python API.

Importing ftcore is cheap: torch and transformers load only when a model or a trainer is needed.
"""

from .config import DEFAULT_MODEL, DataConfig, ModelConfig, RunConfig, TrainConfig, apply_overrides
from .data import DEMOS, read_examples
from .errors import DataError, UserError
from .generate import Decoding, ModelCache, chat, side_by_side, stream_chat
from .jobs import check, start
from .launcher import launch, stop, wait
from .models import EMBEDDED, ensure_embedded, list_models, resolve
from .runs import ACTIVE, FINISHED, Run, RunStore
from .settings import Settings

__version__ = "0.1.0"

__all__ = [
    "ACTIVE", "DEFAULT_MODEL", "DEMOS", "EMBEDDED", "FINISHED", "DataConfig", "DataError", "Decoding", "ModelCache", "ModelConfig",
    "Run", "RunConfig", "RunStore", "Settings", "TrainConfig", "UserError", "apply_overrides", "chat", "check", "ensure_embedded",
    "launch", "list_models", "read_examples", "resolve", "side_by_side", "start", "stop", "stream_chat", "wait",
]

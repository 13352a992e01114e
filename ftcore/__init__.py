"""FullTune's engine: full-parameter fine-tuning of causal LMs, with a CLI and a Python API.

Importing ftcore is cheap: torch and transformers load only when a model or a trainer is needed.
"""

from . import guided, hub
from .advice import Advice, advise
from .config import (
    DEFAULT_MODEL,
    METHODS,
    OFFLOADS,
    OPTIMIZERS,
    PRECISIONS,
    STRATEGIES,
    DataConfig,
    DistConfig,
    ModelConfig,
    RunConfig,
    TaskConfig,
    TrainConfig,
    apply_overrides,
    command_line,
    field_help,
    load_layers,
    parse_columns,
    presets,
)
from .data import DEMOS, FORMATS, Example, check_file, read_examples, render_spans, write_jsonl
from .data.augment import augment_examples, paraphrase_with_model
from .data.report import format_report, quality_report
from .data.split import split_examples
from .datasets import prepare_dataset, prepared_datasets
from .devices import Device
from .devices import describe as describe_devices
from .devices import detect as detect_devices
from .errors import DataError, UserError
from .generate import Decoding, ModelCache, chat, complete, side_by_side, stream_chat
from .hparams import suggest_learning_rate
from .jobs import check, last_checkpoint, resume, start
from .launcher import launch, stop, wait
from .messages import MESSAGES, Join, Text, localize, message
from .mixture import mixture_share
from .models import (
    EMBEDDED,
    ensure_embedded,
    list_models,
    load_config,
    load_tokenizer,
    preload_libraries,
    resolve,
)
from .redact import redact
from .report import recommendation
from .runs import ACTIVE, FINISHED, Run, RunStore, status_error
from .serve import client_snippet
from .settings import Settings, allowed_hosts

__version__ = "0.1.0"

__all__ = [
    "allowed_hosts", "client_snippet",
    "METHODS", "OFFLOADS", "OPTIMIZERS", "PRECISIONS", "STRATEGIES", "Advice", "Device", "DistConfig", "advise",
    "command_line", "describe_devices", "detect_devices", "field_help", "load_config", "load_layers", "presets",
    "last_checkpoint", "suggest_learning_rate",
    "ACTIVE", "DEFAULT_MODEL", "DEMOS", "EMBEDDED", "FINISHED", "FORMATS", "DataConfig", "DataError", "Decoding",
    "Example", "ModelCache", "ModelConfig", "Run", "RunConfig", "RunStore", "Settings", "TrainConfig", "UserError",
    "apply_overrides", "augment_examples", "chat", "check", "check_file", "complete", "ensure_embedded", "format_report",
    "launch", "list_models", "load_tokenizer", "preload_libraries", "paraphrase_with_model", "parse_columns", "prepare_dataset", "prepared_datasets",
    "quality_report", "read_examples", "render_spans", "resolve", "resume", "side_by_side", "split_examples", "start", "stop",
    "stream_chat", "wait", "write_jsonl", "redact", "hub", "guided", "TaskConfig", "mixture_share",
    "MESSAGES", "Join", "Text", "localize", "message", "recommendation", "status_error",
]

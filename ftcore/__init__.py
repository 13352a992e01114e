"""FullTune's engine: full-parameter fine-tuning of causal LMs, with a CLI and a Python API.

Importing ftcore is cheap: torch and transformers load only when a model or a trainer is needed.
"""

from ftcore import publish as hub
from ftcore.config import (
    ANCHORS,
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
from ftcore.data import DEMOS, FORMATS, Example, check_file, read_examples, render_spans, write_jsonl
from ftcore.data.augment import augment_examples, paraphrase_with_model
from ftcore.data.chat_template import SHIPPED as CHAT_TEMPLATES
from ftcore.data.chat_template import template_source, use_chat_template
from ftcore.data.choice import DataSource, data_sources
from ftcore.data.mixture import mixture_share
from ftcore.data.quality.report import format_report, quality_report
from ftcore.data.split import split_examples
from ftcore.data.store import prepare_dataset, prepared_datasets
from ftcore.errors import DataError, UserError
from ftcore.eval.report import recommendation
from ftcore.eval.schema import Candidate, DomainRow, ProbeRow, Report
from ftcore.messages import MESSAGES, Join, Text, localize, message, restore
from ftcore.messages.fields import HELP_ZH as FIELD_HELP_ZH
from ftcore.messages.fields import LABELS as FIELD_LABELS
from ftcore.models import (
    EMBEDDED,
    ensure_embedded,
    list_models,
    load_config,
    load_tokenizer,
    preload_libraries,
    resolve,
)
from ftcore.plan.advice import Advice, advise
from ftcore.plan.lr import suggest_learning_rate
from ftcore.recipes import guided
from ftcore.redact import redact
from ftcore.runs.devices import Device
from ftcore.runs.devices import describe as describe_devices
from ftcore.runs.devices import detect as detect_devices
from ftcore.runs.jobs import check, last_checkpoint, report_again, resume, start
from ftcore.runs.launcher import launch, stop, wait
from ftcore.runs.progress import Pace, Progress, Tail, human_duration, progress, state_text
from ftcore.runs.registry import RunStore
from ftcore.runs.state import ACTIVE, FINISHED, busy, status_error
from ftcore.runs.store import Run, eval_losses
from ftcore.serve import client_snippet
from ftcore.serve.generate import Decoding, ModelCache, chat, complete, side_by_side, stream_chat
from ftcore.settings import Settings, allowed_hosts

__version__ = "0.1.0"

__all__ = [
    "allowed_hosts", "client_snippet",
    "ANCHORS", "METHODS", "OFFLOADS", "OPTIMIZERS", "PRECISIONS", "STRATEGIES", "Advice", "Device", "DistConfig", "advise",
    "command_line", "describe_devices", "detect_devices", "field_help", "load_config", "load_layers", "presets",
    "last_checkpoint", "suggest_learning_rate",
    "ACTIVE", "DEFAULT_MODEL", "DEMOS", "EMBEDDED", "FINISHED", "FORMATS", "DataConfig", "DataError", "Decoding",
    "Example", "ModelCache", "ModelConfig", "Run", "RunConfig", "RunStore", "Settings", "TrainConfig", "UserError",
    "apply_overrides", "augment_examples", "chat", "check", "check_file", "complete", "ensure_embedded", "format_report",
    "launch", "list_models", "load_tokenizer", "preload_libraries", "paraphrase_with_model", "parse_columns", "prepare_dataset", "prepared_datasets",
    "quality_report", "read_examples", "render_spans", "resolve", "resume", "side_by_side", "split_examples", "start", "stop",
    "stream_chat", "wait", "write_jsonl", "redact", "hub", "guided", "TaskConfig", "mixture_share",
    "MESSAGES", "Join", "Text", "localize", "message", "recommendation", "status_error",
    "Candidate", "DomainRow", "ProbeRow", "Report", "eval_losses", "Pace", "Progress", "Tail", "human_duration",
    "progress", "DataSource", "data_sources", "restore", "FIELD_HELP_ZH", "FIELD_LABELS", "state_text", "busy",
    "report_again", "CHAT_TEMPLATES", "template_source", "use_chat_template",
]

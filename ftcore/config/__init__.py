"""The run configuration: typed dataclasses per section (schema), YAML layers and overrides (io), presets shipped
as package data (presets/)."""

from ftcore.config.io import (
    apply_overrides,
    command_line,
    field_help,
    load_layers,
    parse_columns,
    parse_template,
    presets,
)
from ftcore.config.schema import (
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
    ProbeConfig,
    RunConfig,
    TaskConfig,
    TrainConfig,
)

__all__ = ["ANCHORS", "DEFAULT_MODEL", "METHODS", "OFFLOADS", "OPTIMIZERS", "PRECISIONS", "STRATEGIES", "DataConfig",
           "DistConfig", "ModelConfig", "ProbeConfig", "RunConfig", "TaskConfig", "TrainConfig", "apply_overrides",
           "command_line", "field_help", "load_layers", "parse_columns", "parse_template", "presets"]

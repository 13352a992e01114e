"""The run configuration on disk and on the command line: shipped presets, YAML layers, `section.key=value`
overrides with type coercion, the command line that reproduces a config, column mappings and field help."""

from __future__ import annotations

import dataclasses
import shlex
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from ftcore.config.schema import RunConfig
from ftcore.errors import UserError
from ftcore.messages import Text

PRESET_TEXTS = {"classification": Text("presets.classification"),
                "continued-pretraining": Text("presets.continued-pretraining"),
                "freeze-bottom": Text("presets.freeze-bottom"), "freeze-top": Text("presets.freeze-top"), "full-sft": Text("presets.full-sft"),
                "knowledge": Text("presets.knowledge"),
                "low-memory": Text("presets.low-memory"), "multi-gpu-zero3": Text("presets.multi-gpu-zero3"),
                "quick-cpu": Text("presets.quick-cpu")}


def presets() -> dict[str, str]:
    """Shipped presets: name -> description (a catalog text in both languages; a preset added without one gives
    the first line of its file)."""
    from importlib import resources

    folder = resources.files("ftcore") / "config" / "presets"
    out = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            name = item.name.removesuffix(".yaml")
            first = item.read_text(encoding="utf-8").splitlines()[0]
            out[name] = PRESET_TEXTS.get(name) or first.lstrip("# ").strip()
    return out


def load_layers(preset: str | None = None, path: str | Path | None = None) -> RunConfig:
    """Defaults, then a shipped preset, then a YAML file: each layer overrides only the keys it names."""
    from importlib import resources

    raw: dict[str, Any] = {}
    if preset:
        if preset not in presets():
            raise UserError("config.unknown_preset", preset=preset, presets=", ".join(presets()))
        text = (resources.files("ftcore") / "config" / "presets" / f"{preset}.yaml").read_text(encoding="utf-8")
        raw = _merge(raw, yaml.safe_load(text) or {})
    if path:
        raw = _merge(raw, read_yaml(Path(path)))
    return RunConfig.from_dict(raw)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UserError("config.unreadable", path=path, error=exc) from None
    if not isinstance(raw, dict):
        raise UserError("config.not_mapping", path=path)
    return raw


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def build(cls: type, raw: dict[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise UserError("config.unknown_key", key=f"{prefix}{unknown[0]}", known=", ".join(sorted(names)))
    kwargs = {}
    for name, value in raw.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise UserError("config.not_a_section", key=f"{prefix}{name}")
            kwargs[name] = build(hint, value, f"{prefix}{name}.")
        else:
            kwargs[name] = _coerce(value, hint, f"{prefix}{name}")
    return cls(**kwargs)


def _coerce(value: Any, hint: Any, key: str) -> Any:
    args = typing.get_args(hint)
    if typing.get_origin(hint) is list and args and dataclasses.is_dataclass(args[0]):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise UserError("config.not_mapping_list", key=key, value=value)
        return [build(args[0], item, f"{key}[{i}].") for i, item in enumerate(value)]
    if typing.get_origin(hint) is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise UserError("config.not_name_map", key=key, value=value)
        return dict(value)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
    if hint in (int, float) and isinstance(value, str):
        try:
            value = hint(value)
        except ValueError:
            raise UserError("config.not_number", key=key, value=value) from None
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise UserError("config.wrong_type", key=key, type=hint.__name__, value=value)
    return value


def apply_overrides(config: RunConfig, overrides: list[str], values: dict[str, Any] | None = None) -> RunConfig:
    """Apply typed `values` ({"train.epochs": 2}) and then `section.key=value` strings (YAML scalars)."""
    raw = config.to_dict()
    items = list((values or {}).items())
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep:
            raise UserError("config.bad_override", item=item)
        try:
            items.append((key.strip(), yaml.safe_load(text) if text.strip() else None))
        except yaml.YAMLError:
            items.append((key.strip(), text))
    for key, value in items:
        parts = key.split(".")
        if len(parts) != 2 or not isinstance(raw.get(parts[0]), dict):
            raise UserError("config.bad_override", item=key)
        raw[parts[0]][parts[1]] = value
    return RunConfig.from_dict(raw)


def command_line(config: RunConfig) -> str:
    """How a user would start this configuration by hand (shown in the UI and the README)."""
    default, parts = RunConfig().to_dict(), ["ftcore", "train"]
    for section, values in config.to_dict().items():
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            if section == "data" and key == "tasks":
                for task in value:  # per-task formats, templates and columns need a YAML config
                    weight = "" if task["weight"] == 1 else f":{task['weight']:g}"
                    parts += ["--data", f"{task['train']}{weight}"] + (["--val", task["val"]] if task["val"] else [])
                continue
            if value != default[section][key] and not (section == "data" and key == "columns" and not value):
                if isinstance(value, dict):
                    value = ",".join(f"{k}={v}" for k, v in value.items())
                parts.append(f"{section}.{key}={'null' if value is None else value}")
    if config.name:
        parts += ["--name", config.name]
    return shlex.join(parts)


def parse_template(text: str) -> str:
    """Templates typed in a shell carry a literal backslash-n for a line break."""
    return text.replace("\\n", "\n")


def parse_columns(text: str | None) -> dict[str, str]:
    """`text=clause,label=risk` -> {"text": "clause", "label": "risk"}."""
    mapping = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        target, sep, source = item.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise UserError("config.bad_column", item=item)
        mapping[target.strip()] = source.strip()
    return mapping


def field_help(cls: type) -> dict[str, str]:
    return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(cls)}

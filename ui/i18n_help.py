"""The config fields the Train tab shows as knobs, as translation entries: each label in both languages and the
Chinese help from the catalog (ftcore/messages/fields.py), the English help from the dataclasses (field_help)."""

from __future__ import annotations

import dataclasses

import ftcore
from ftcore import FIELD_HELP_ZH as ZH_HELP
from ftcore import FIELD_LABELS as LABELS

SECTIONS = {"data": ftcore.DataConfig, "train": ftcore.TrainConfig, "dist": ftcore.DistConfig,
            "task": ftcore.TaskConfig, "model": ftcore.ModelConfig}


def field_texts() -> tuple[dict[str, str], dict[str, str]]:
    """Entries knob.SECTION.FIELD (a knob's label) and help.SECTION.FIELD (its tooltip), English and Chinese.

    A field ftcore adds later shows its English text in both languages until it is translated here (a test says so).
    """
    en, zh = {}, {}
    for section, cls in SECTIONS.items():
        helps = ftcore.field_help(cls)
        for name in (f.name for f in dataclasses.fields(cls)):
            key = f"{section}.{name}"
            if section in LABELS:
                default = name.replace("_", " ").capitalize()
                en[f"knob.{key}"], zh[f"knob.{key}"] = LABELS[section].get(name, (default, default))
            en[f"help.{key}"] = helps.get(name) or name.replace("_", " ")
            zh[f"help.{key}"] = ZH_HELP[section].get(name, en[f"help.{key}"])
    return en, zh

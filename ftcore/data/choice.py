"""What a run can train on, as the app offers it: a shipped demo, a prepared dataset of the workspace or an uploaded
file. A `DataSource` is typed; its `ref` ("demo:barista", "prepared:ID", "upload") is what a form keeps, and
`DataSource.parse` turns it back, refusing anything else with the list of what there is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ftcore.config import DataConfig
from ftcore.data import DEMOS
from ftcore.data.store import prepared_datasets
from ftcore.errors import UserError
from ftcore.settings import Settings

KINDS = ("demo", "prepared", "upload")


@dataclass(frozen=True)
class DataSource:
    kind: str  # demo | prepared | upload
    name: str = ""  # the demo's name or the prepared dataset's id; empty for an upload

    @property
    def ref(self) -> str:
        return "upload" if self.kind == "upload" else f"{self.kind}:{self.name}"

    @classmethod
    def parse(cls, ref: str) -> DataSource:
        ref = (ref or "").strip()
        kind, _, name = ref.partition(":")
        if ref == "upload":
            return cls("upload")
        if kind == "demo" and name in DEMOS or kind == "prepared" and name:
            return cls(kind, name)
        raise UserError("sources.unknown", source=ref, demos=", ".join(f"demo:{n}" for n in DEMOS))

    def _prepared(self, settings: Settings) -> dict:
        found = [d for d in prepared_datasets(settings) if d["id"] == self.name]
        if not found:
            raise UserError("sources.prepared_gone", source=self.name)
        return found[0]

    def data_config(self, settings: Settings, upload: str | None = None) -> DataConfig:
        """The data section a run of this source trains with (an upload: the file the browser sent)."""
        if self.kind == "upload":
            if not upload:
                raise UserError("sources.upload_first")
            return DataConfig(train=upload)
        if self.kind == "prepared":
            info = self._prepared(settings)
            return DataConfig(train=info["train_file"], val=info["val_file"], format="messages",
                              chat_template=info.get("chat_template"))
        demo = DEMOS[self.name]
        longer = {"max_length": demo.max_length} if demo.max_length else {}
        return DataConfig(train=str(demo.path), format=demo.format, template=demo.template,
                          chat_template=demo.chat_template, **longer)

    def task_name(self, settings: Settings, upload: str | None = None) -> str:
        """The name of this source as a task of a mixture: the demo's, the prepared dataset's, or the file's."""
        if self.kind == "upload":
            return Path(upload or "upload").stem
        if self.kind == "prepared":
            try:
                return self._prepared(settings)["name"]
            except UserError:
                return self.name
        return self.name


def data_sources(settings: Settings) -> list[tuple[DataSource, dict]]:
    """Every source the app offers, with what a label needs: the demos (description), the prepared datasets
    (id, rows), then an upload."""
    out = [(DataSource("demo", name), {"description": demo.description}) for name, demo in DEMOS.items()]
    out += [(DataSource("prepared", info["id"]), info) for info in prepared_datasets(settings)]
    return [*out, (DataSource("upload"), {})]

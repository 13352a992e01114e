"""Where FullTune keeps its files: one settings object, read from the environment in one place."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError


def default_lock_dir() -> Path:
    """Where device locks live: one folder for the whole machine (FTCORE_LOCK_DIR, else the system temp folder),
    so that runs of two workspaces on one machine still queue for the same GPUs."""
    import tempfile

    raw = os.environ.get("FTCORE_LOCK_DIR")
    return Path(raw).expanduser().resolve() if raw else Path(tempfile.gettempdir()) / "fulltune-device-locks"


def allowed_hosts() -> list[str]:
    """Host names the app answers to (a page on another name, e.g. a DNS-rebinding attack, gets 400): loopback,
    the name it serves on, the Space's host, and FTCORE_ALLOWED_HOSTS (comma-separated, for a reverse proxy)."""
    hosts = ["127.0.0.1", "localhost", "[::1]", "::1"]
    served = os.environ.get("GRADIO_SERVER_NAME", "").strip()
    if served and served not in ("0.0.0.0", "::"):
        hosts.append(served)
    elif served:  # every interface: this machine's own names
        hosts += [socket.gethostname(), socket.getfqdn()]
    if os.environ.get("SPACE_HOST"):
        hosts.append(os.environ["SPACE_HOST"].strip())
    hosts += [h.strip() for h in os.environ.get("FTCORE_ALLOWED_HOSTS", "").split(",") if h.strip()]
    return list(dict.fromkeys(hosts))


def this_node() -> str:
    """This machine's name among the nodes sharing a workspace (FTCORE_NODE_NAME, else the host name)."""
    return os.environ.get("FTCORE_NODE_NAME") or socket.gethostname()


@dataclass(frozen=True)
class Settings:
    """Workspace layout. Everything the app writes lives under `home`."""

    home: Path
    node_name: str = field(default_factory=socket.gethostname)  # tells apart nodes that share one workspace
    lang: str = "en"  # the language of the CLI's messages: en, or zh when FTCORE_LANG starts with zh
    devices: tuple[str, ...] = ()  # in a training process: the devices its job holds ("cuda3", or "cpu")
    lock_dir: Path = field(default_factory=default_lock_dir)  # machine-wide device locks

    @classmethod
    def from_env(cls) -> Settings:
        raw = os.environ.get("FTCORE_HOME") or str(Path.home() / ".cache" / "fulltune")
        lang = "zh" if os.environ.get("FTCORE_LANG", "").strip().lower().startswith("zh") else "en"
        devices = tuple(d for d in os.environ.get("FTCORE_DEVICES", "").split(",") if d)
        return cls(home=Path(raw).expanduser().resolve(), node_name=this_node(), lang=lang, devices=devices,
                   lock_dir=default_lock_dir())

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def datasets_dir(self) -> Path:
        return self.home / "datasets"

    def ensure(self) -> Settings:
        for path in (self.runs_dir, self.models_dir, self.datasets_dir):
            path.mkdir(parents=True, exist_ok=True)
        return self

    def inside(self, path: str | Path, base: Path | None = None) -> Path:
        """Resolve `path` and refuse it unless it lies inside `base` (the workspace by default)."""
        root = (base or self.home).resolve()
        resolved = (root / path).resolve()
        if resolved != root and root not in resolved.parents:
            raise UserError("settings.outside", path=path, root=root)
        return resolved

"""Where FullTune keeps its files: one settings object, read from the environment in one place."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ftcore.errors import UserError


def default_lock_dir() -> Path:
    """Where device locks live without FTCORE_LOCK_DIR: one folder for the whole machine (in the system temp
    folder), so that runs of two workspaces on one machine still queue for the same GPUs."""
    import tempfile

    return Path(tempfile.gettempdir()) / "fulltune-device-locks"


def this_node() -> str:
    """This machine's name among the nodes sharing a workspace (FTCORE_NODE_NAME, else the host name)."""
    return os.environ.get("FTCORE_NODE_NAME") or socket.gethostname()


def allowed_hosts() -> list[str]:
    """The host names the app answers to, from this environment's settings."""
    return Settings.from_env().allowed_hosts()


@dataclass(frozen=True)
class Settings:
    """Everything FullTune takes from its environment, read once (from_env) and passed down; nothing else in the
    engine or the UI reads environment variables for its own settings. Everything the app writes lives under
    `home`."""

    home: Path
    node_name: str = field(default_factory=socket.gethostname)  # tells apart nodes that share one workspace
    lang: str = "en"  # the language of the CLI's messages: en, or zh when FTCORE_LANG starts with zh
    devices: tuple[str, ...] = ()  # in a training process: the devices its job holds ("cuda3", or "cpu")
    lock_dir: Path = field(default_factory=default_lock_dir)  # machine-wide device locks
    hub_endpoint: str = "https://huggingface.co"  # HF_ENDPOINT, as huggingface_hub reads it
    offline: bool = False  # HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE, parsed as huggingface_hub parses them
    space_id: str | None = None  # SPACE_ID: the app runs as a Hugging Face Space
    space_host: str | None = None  # SPACE_HOST: the Space's public host name
    server_name: str = ""  # GRADIO_SERVER_NAME: the address the app serves on
    extra_hosts: tuple[str, ...] = ()  # FTCORE_ALLOWED_HOSTS: more host names the app answers to (a proxy)
    prepare_embedded: bool = True  # FTCORE_SKIP_PREPARE=1 turns off converting the embedded model at app start
    gradio_temp: Path | None = None  # GRADIO_TEMP_DIR: where the app's uploads and served files live
    model_roots: tuple[Path, ...] = ()  # FTCORE_MODEL_ROOTS: folders (os.pathsep-separated) the app may load models from
    restrict_models: bool = False  # the app's settings: model folders only inside the workspace and model_roots

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        from huggingface_hub import constants

        env = os.environ if env is None else env
        raw = env.get("FTCORE_HOME") or str(Path.home() / ".cache" / "fulltune")
        lang = "zh" if env.get("FTCORE_LANG", "").strip().lower().startswith("zh") else "en"
        lock = env.get("FTCORE_LOCK_DIR")
        return cls(
            home=Path(raw).expanduser().resolve(), node_name=env.get("FTCORE_NODE_NAME") or socket.gethostname(),
            lang=lang, devices=tuple(d for d in env.get("FTCORE_DEVICES", "").split(",") if d),
            lock_dir=Path(lock).expanduser().resolve() if lock else default_lock_dir(),
            # huggingface_hub's constants are fixed when it is first imported; these follow the environment of the
            # moment, with the library's own default and its own reading of a true value ("False" is not offline)
            hub_endpoint=(env.get("HF_ENDPOINT") or constants._HF_DEFAULT_ENDPOINT).rstrip("/"),
            offline=constants._is_true(env.get("HF_HUB_OFFLINE") or env.get("TRANSFORMERS_OFFLINE")),
            space_id=env.get("SPACE_ID") or None, space_host=(env.get("SPACE_HOST") or "").strip() or None,
            server_name=env.get("GRADIO_SERVER_NAME", "").strip(),
            extra_hosts=tuple(h.strip() for h in env.get("FTCORE_ALLOWED_HOSTS", "").split(",") if h.strip()),
            prepare_embedded=env.get("FTCORE_SKIP_PREPARE") != "1",
            gradio_temp=Path(env["GRADIO_TEMP_DIR"]).expanduser().resolve() if env.get("GRADIO_TEMP_DIR") else None,
            model_roots=tuple(Path(p).expanduser().resolve() for p in env.get("FTCORE_MODEL_ROOTS", "").split(os.pathsep)
                              if p.strip()),
        )

    def model_folder_allowed(self, folder: str | Path) -> bool:
        """Whether a model folder may be loaded: always from the CLI; from the app only inside the workspace or
        FTCORE_MODEL_ROOTS, checked on the path as written and again with links followed (no escape by symlink)."""
        if not self.restrict_models:
            return True
        roots = [self.home, *self.model_roots]
        written = Path(os.path.abspath(Path(folder).expanduser()))

        def inside(path: Path) -> bool:
            return any(path == root or root in path.parents for root in roots)

        return inside(written) and inside(Path(os.path.realpath(written)))

    @property
    def on_space(self) -> bool:
        return self.space_id is not None

    @property
    def gradio_temp_dir(self) -> Path:
        """Where the app's uploads and served files live: GRADIO_TEMP_DIR, else inside the workspace."""
        return self.gradio_temp or self.home / "tmp" / "gradio"

    def allowed_hosts(self) -> list[str]:
        """Host names the app answers to (a page on another name, e.g. a DNS-rebinding attack, gets 400):
        loopback, the name it serves on, the Space's host, and FTCORE_ALLOWED_HOSTS (for a reverse proxy)."""
        hosts = ["127.0.0.1", "localhost", "[::1]", "::1"]
        if self.server_name and self.server_name not in ("0.0.0.0", "::"):
            hosts.append(self.server_name)
        elif self.server_name:  # every interface: this machine's own names
            hosts += [socket.gethostname(), socket.getfqdn()]
        if self.space_host:
            hosts.append(self.space_host)
        return list(dict.fromkeys([*hosts, *self.extra_hosts]))

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def datasets_dir(self) -> Path:
        return self.home / "datasets"

    @property
    def tokenized_dir(self) -> Path:
        """Tokenized rows cached by data, tokenizer and max length (ftcore.data.token_cache)."""
        return self.home / "cache" / "tokenized"

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

"""What the app accepts as uploads, before gradio stores a byte: same-origin requests only, at most one file's
worth of bytes per request (gradio's own limit is per file), a quota for all uploads of the workspace, and uploads
older than a few hours removed (runs train on their own copy of a file, made when they start)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

from .i18n import both

MiB = 2**20
REQUEST_LIMIT = 210 * MiB  # one 200 MB file and its multipart framing
WORKSPACE_QUOTA = 2048 * MiB  # all uploads the app keeps at once
UPLOAD_TTL_S = 6 * 3600
KEEP = {"exports"}  # folders of the temp dir that are not uploads (exports clean themselves up)


def _answer(status: int, detail: str):
    body = json.dumps({"detail": detail}).encode()

    async def respond(send):
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return respond


def uploads_size(root: Path) -> int:
    return sum(p.stat().st_size for d in root.iterdir() if d.is_dir() and d.name not in KEEP
               for p in d.rglob("*") if p.is_file()) if root.is_dir() else 0


def prune(root: Path, now: float | None = None) -> None:
    """Remove upload folders older than UPLOAD_TTL_S."""
    if not root.is_dir():
        return
    now = now or time.time()
    for folder in root.iterdir():
        if folder.is_dir() and folder.name not in KEEP and now - folder.stat().st_mtime > UPLOAD_TTL_S:
            shutil.rmtree(folder, ignore_errors=True)


class UploadGuard:
    """ASGI middleware in front of gradio's upload route."""

    def __init__(self, app, temp_dir: str):
        self.app, self.root = app, Path(temp_dir)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].rstrip("/").endswith("/upload"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if origin and urlsplit(origin).netloc.lower() != headers.get("host", "").lower():
            return await _answer(403, both("upload_foreign"))(send)
        length = int(headers.get("content-length") or 0)
        if length > REQUEST_LIMIT:
            return await _answer(413, both("upload_too_large", mb=REQUEST_LIMIT // MiB))(send)
        prune(self.root)
        if uploads_size(self.root) + length > WORKSPACE_QUOTA:
            return await _answer(413, both("upload_quota", mb=WORKSPACE_QUOTA // MiB))(send)
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > REQUEST_LIMIT:  # a body without a truthful length
                raise ValueError("upload larger than the limit")
            return message

        return await self.app(scope, counted, send)

"""A stand-in for the Hugging Face Hub, for tests: a small HTTP server on 127.0.0.1 (standard library only)
answering the endpoints the real `huggingface_hub` 2.4 client calls to check a token, create repositories and
branches, upload files (regular and LFS), open pull requests and download files back. The client under test is
the real, unmodified huggingface_hub; only the server is stood in. It records requests and repository contents.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fnmatch import fnmatch
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

LFS_PATTERNS = ("*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.gguf", "*.gz", "*.h5", "*.joblib",
                "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot", "*.parquet", "*.pb", "*.pickle",
                "*.pkl", "*.pt", "*.pth", "*.safetensors", "*.tar", "*.tflite", "*.tgz", "*.wasm", "*.xz",
                "*.zip", "*.zst", "*tfevents*")
LFS_MIN_SIZE = 10 * 2**20  # like the Hub, files this large go through LFS whatever their name
GITATTRIBUTES = "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in LFS_PATTERNS).encode()
TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


@dataclass
class User:
    name: str
    token: str
    role: str = "write"
    """"write" or "read" (read tokens may call whoami and read, and get 403 on anything that writes)."""
    orgs: tuple[str, ...] = ()


class Blob(NamedTuple):
    data: bytes
    lfs: bool


@dataclass
class Commit:
    oid: str
    ref: str
    """The branch or refs/pr/N the commit was made on."""
    title: str
    description: str
    parent: str | None
    author: str
    paths: list[str]
    """Paths added or changed by this commit (LFS ones included)."""
    deleted: list[str]
    lfs: list[str]
    """The paths that arrived as LFS pointers (their bytes went through the LFS batch + PUT)."""
    pr: bool
    date: str
    tree: dict[str, Blob] = field(repr=False)


@dataclass
class Repo:
    id: str
    type: str
    private: bool
    refs: dict[str, str] = field(default_factory=dict)
    """Branch name or refs/pr/N -> head commit oid."""
    commits: list[Commit] = field(default_factory=list)
    lfs_oids: set[str] = field(default_factory=set)
    prs: int = 0


@dataclass
class SeenRequest:
    method: str
    path: str
    """Path with the query string."""
    headers: dict[str, str]
    """Lower-case names; the Authorization value is replaced by "<redacted>"."""
    token: str | None
    """The bearer token of the Authorization header, if any."""
    body: bytes = field(repr=False)
    status: int = 0


@dataclass
class LfsUpload:
    repo_id: str
    oid: str
    size: int


@dataclass
class _Failure:
    status: int
    times: int
    path_contains: str | None
    method: str | None
    retry_after: int | None
    message: str


class _Error(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, headers: dict | None = None,
                 extra: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.headers, self.extra = headers or {}, extra or {}


class LeftLocalhost(RuntimeError):
    """Raised by the client configured by `StandInHub.client_configured` for a request to any other host."""


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _pointer(blob: Blob) -> bytes:
    sha = hashlib.sha256(blob.data).hexdigest()
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {len(blob.data)}\n".encode()


def _entry(path: str, blob: Blob) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "file", "path": path, "size": len(blob.data),
                           "oid": _git_sha1(_pointer(blob) if blob.lfs else blob.data)}
    if blob.lfs:
        out["lfs"] = {"oid": hashlib.sha256(blob.data).hexdigest(), "size": len(blob.data),
                      "pointerSize": len(_pointer(blob))}
    return out


def _is_lfs(path: str, size: int, sample: bytes) -> bool:
    name = path.rsplit("/", 1)[-1]
    return size >= LFS_MIN_SIZE or b"\0" in sample or any(fnmatch(name, p) for p in LFS_PATTERNS)


def _read_body(h: BaseHTTPRequestHandler) -> bytes:
    if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while size := int(h.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(h.rfile.read(size))
            h.rfile.readline()
        while h.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        return b"".join(chunks)
    length = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(length) if length else b""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; do not wait 40 ms between them

    def do_GET(self) -> None:
        self.server.hub._handle(self)  # type: ignore[attr-defined]

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


class StandInHub:
    """The stand-in Hub: `with StandInHub() as hub:` serves on `hub.endpoint` (http://127.0.0.1:PORT).

    Give the real client `endpoint=hub.endpoint` and a token registered with `add_user`. Whenever hf_xet
    is installed the client uploads through Xet, a storage protocol this stand-in does not speak, so Xet
    must be off: `with hub.client_configured():` turns it off in this process (and keeps every request on
    127.0.0.1); a subprocess needs the variables of `hub.env()` (HF_HUB_DISABLE_XET=1 among them).
    Tokens: unknown -> 401 everywhere; "read" role -> 403 on writes; writes outside the user's namespace and
    orgs -> 403 (except pull requests, which any write token may open on a repository it can see). A missing
    or hidden repository -> 404 with X-Error-Code RepoNotFound (401 without a token), as on the Hub. A new
    repository holds one "initial commit" with a .gitattributes file, as on the Hub.
    """

    def __init__(self) -> None:
        self.endpoint = ""
        self.users: dict[str, User] = {}
        """By token."""
        self.repos: dict[tuple[str, str], Repo] = {}
        """By (repo type, repo id)."""
        self.requests: list[SeenRequest] = []
        self.lfs_uploads: list[LfsUpload] = []
        self.blocked: list[str] = []
        """URLs the configured client refused to send anywhere but 127.0.0.1 (see `client_configured`)."""
        self._failures: list[_Failure] = []
        self._pending: dict[str, tuple[Repo, str, int]] = {}
        self._blobs: dict[str, bytes] = {}
        self._count = itertools.count(1)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> StandInHub:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.hub = self  # type: ignore[attr-defined]
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StandInHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_user(self, name: str, token: str, role: str = "write", orgs: tuple[str, ...] = ()) -> User:
        if role not in ("read", "write"):
            raise ValueError(f"role must be 'read' or 'write', not {role!r}")
        self.users[token] = user = User(name, token, role, tuple(orgs))
        return user

    def add_repo(self, repo_id: str, repo_type: str = "model", private: bool = False,
                 files: dict[str, bytes] | None = None) -> Repo:
        """A repository as if created on the Hub, its initial commit holding .gitattributes and `files`."""
        with self._lock:
            repo = self.repos[(repo_type, repo_id)] = Repo(repo_id, repo_type, private)
            tree = {".gitattributes": Blob(GITATTRIBUTES, False)}
            for path, data in (files or {}).items():
                tree[path] = Blob(data, _is_lfs(path, len(data), data[:512]))
                if tree[path].lfs:
                    repo.lfs_oids.add(self._store(data))
            self._commit(repo, "main", None, "initial commit", "", repo_id.split("/")[0], tree, False)
            return repo

    def repo(self, repo_id: str, repo_type: str = "model") -> Repo:
        return self.repos[(repo_type, repo_id)]

    def files(self, repo_id: str, revision: str = "main", repo_type: str = "model") -> dict[str, bytes]:
        """Path -> bytes at a branch, refs/pr/N or commit oid."""
        with self._lock:
            tree = self._resolve(self.repo(repo_id, repo_type), revision).tree
            return {path: blob.data for path, blob in tree.items()}

    def commits(self, repo_id: str, revision: str | None = None, repo_type: str = "model") -> list[Commit]:
        """Commits in the order they were made: all of them, or those made on one branch or refs/pr/N."""
        return [c for c in self.repo(repo_id, repo_type).commits if revision is None or c.ref == revision]

    def fail_next(self, status: int, *, times: int = 1, path_contains: str | None = None,
                  method: str | None = None, retry_after: int | None = None, message: str | None = None) -> None:
        """Answer the next `times` matching requests with `status` (429 carries Retry-After: 0 unless given).

        The client retries 408/429/500/502/503/504 on some calls only, up to 5 times, sleeping 1 s or more each
        time (Retry-After + 1 s): preupload, LFS batch, LFS PUT and verify, tree listing and downloads. whoami,
        create_repo, repo_info, create_branch, validate-yaml and commit are not retried: one failure reaches
        the caller. Use times=1 on a retried call to test recovery; 6 failures in a row cost about 20 s.
        """
        retry_after = 0 if status == 429 and retry_after is None else retry_after
        with self._lock:
            self._failures.append(_Failure(status, times, path_contains, method, retry_after,
                                           message or HTTPStatus(status).phrase))

    def leaks(self, token: str) -> list[SeenRequest]:
        """Requests that carried `token` anywhere but the Authorization header (path, other headers, body)."""
        return [r for r in self.requests
                if token in r.path or any(token in v for v in r.headers.values()) or token.encode() in r.body]

    def env(self) -> dict[str, str]:
        """Environment for a subprocess whose huggingface_hub must talk to this stand-in only."""
        local = "127.0.0.1,localhost"
        return {"HF_ENDPOINT": self.endpoint, "HF_HUB_DISABLE_XET": "1", "HF_HUB_OFFLINE": "0",
                "HF_HUB_DISABLE_TELEMETRY": "1", "NO_PROXY": local, "no_proxy": local}

    @contextlib.contextmanager
    def client_configured(self, default_endpoint: bool = True) -> Iterator[None]:
        """Configure the in-process huggingface_hub for this stand-in, and restore it afterwards.

        Xet off, offline mode off (the constants are read at import, so the environment alone is not enough), no
        proxy, every request to a host other than 127.0.0.1 refused (recorded in `blocked`), and with
        `default_endpoint` the default endpoint too, for helpers that take none (ModelCard.load).
        """
        import httpx2
        from huggingface_hub import constants
        from huggingface_hub.utils import _http

        def local_only(request: httpx2.Request) -> None:
            if request.url.host not in ("127.0.0.1", "localhost"):
                self.blocked.append(str(request.url))
                raise LeftLocalhost(f"The stand-in Hub's client refused a request to {request.url}")

        def factory() -> httpx2.Client:
            return httpx2.Client(event_hooks={"request": [local_only, _http.hf_request_event_hook]},
                                 follow_redirects=True, timeout=None, trust_env=False)

        patch = {"HF_HUB_DISABLE_XET": True, "HF_HUB_OFFLINE": False, "HF_HUB_DISABLE_TELEMETRY": True}
        if default_endpoint:
            patch |= {"ENDPOINT": self.endpoint,
                      "HUGGINGFACE_CO_URL_TEMPLATE": self.endpoint + "/{repo_id}/resolve/{revision}/{filename}"}
        saved, previous = {name: getattr(constants, name) for name in patch}, _http._GLOBAL_CLIENT_FACTORY
        try:
            for name, value in patch.items():
                setattr(constants, name, value)
            _http.set_client_factory(factory)
            yield
        finally:
            for name, value in saved.items():
                setattr(constants, name, value)
            _http.set_client_factory(previous)

    # ------------------------------------------------------------------------------------------- serving

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        body = _read_body(h)
        auth = h.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        headers = {k.lower(): "<redacted>" if k.lower() == "authorization" else v for k, v in h.headers.items()}
        seen = SeenRequest(h.command, h.path, headers, token, body)
        url = urlsplit(h.path)
        request_id = h.headers.get("X-Amzn-Trace-Id")
        extra_headers = {"X-Request-Id": request_id} if request_id else {}
        with self._lock:
            self.requests.append(seen)
            try:
                self._inject(h.command, h.path)
                segs = [unquote(s) for s in url.path.split("/")[1:]]
                status, payload, more = 200, *self._route(h.command, segs, parse_qs(url.query), body, token)
            except _Error as e:
                status, payload = e.status, {"error": e.message, **e.extra}
                more = {"X-Error-Message": e.message, **e.headers}
                if e.code:
                    more["X-Error-Code"] = e.code
            except Exception as e:  # a stand-in bug or an unparsable payload: answer rather than drop the line
                status, payload, more = 500, {"error": f"stand-in Hub: {type(e).__name__}: {e}"}, {}
            seen.status = status
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/octet-stream" if isinstance(payload, bytes) else
                      "application/json")
        h.send_header("Content-Length", str(len(data)))
        for name, value in {**extra_headers, **more}.items():
            h.send_header(name, value)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)

    def _inject(self, method: str, path: str) -> None:
        for f in self._failures:
            if f.times > 0 and f.method in (None, method) and (f.path_contains or "") in path:
                f.times -= 1
                raise _Error(f.status, f.message, headers={"Retry-After": str(f.retry_after)}
                             if f.retry_after is not None else None)

    def _route(self, method: str, segs: list[str], query: dict, body: bytes,
               token: str | None) -> tuple[Any, dict]:
        user = None if token is None else self.users.get(token)
        if token is not None and user is None:
            raise _Error(401, "Invalid credentials in Authorization header")
        if segs[:2] == ["_stand-in", "lfs"] and method == "PUT":
            return self._lfs_put(segs[2], body), {}
        if segs[:1] == ["api"]:
            return self._api(method, segs[1:], query, body, user), {}
        repo_type = TYPES.get(segs[0], "model") if segs else "model"
        segs = segs[1:] if segs and segs[0] in TYPES else segs
        if len(segs) == 6 and segs[1].endswith(".git") and segs[2:5] == ["info", "lfs", "objects"]:
            repo = self._repo(f"{segs[0]}/{segs[1][:-4]}", repo_type, user)
            payload = json.loads(body or b"{}")
            verify = segs[5] == "verify"
            return (self._lfs_verify if verify else self._lfs_batch)(repo, payload, user), {}
        if len(segs) >= 5 and segs[2] == "resolve" and method in ("GET", "HEAD"):
            repo = self._repo(f"{segs[0]}/{segs[1]}", repo_type, user)
            return self._download(repo, segs[3], "/".join(segs[4:]))
        raise _Error(404, f"The stand-in Hub does not answer {method} /{'/'.join(segs)}")

    def _api(self, method: str, segs: list[str], query: dict, body: bytes, user: User | None) -> Any:
        if segs == ["whoami-v2"]:
            return self._whoami(user)
        if segs == ["validate-yaml"]:
            return {"errors": [], "warnings": []}
        if segs == ["repos", "create"] and method == "POST":
            return self._create_repo(json.loads(body), user)
        if segs == ["repos", "delete"] and method == "DELETE":
            payload = json.loads(body)
            repo = self._repo(f"{payload.get('organization') or getattr(user, 'name', '')}/{payload['name']}",
                              payload.get("type") or "model", user)
            self._check_write(user, repo)
            del self.repos[(repo.type, repo.id)]
            return {}
        if len(segs) < 3 or segs[0] not in TYPES:
            raise _Error(404, "Repository not found", "RepoNotFound")
        repo = self._repo(f"{segs[1]}/{segs[2]}", TYPES[segs[0]], user)
        action, args = (segs[3], segs[4:]) if len(segs) > 3 else ("", [])
        rev = "/".join(args[:1]) or "main"
        pr = query.get("create_pr") == ["1"]
        if action in ("", "revision") and method == "GET":
            return self._info(repo, rev)
        if action == "refs":
            heads = [(n, o) for n, o in repo.refs.items() if not n.startswith("refs/pr/")]
            return {"branches": [{"name": n, "ref": f"refs/heads/{n}", "targetCommit": o} for n, o in heads],
                    "converts": [], "tags": [],
                    "pullRequests": [{"name": n, "ref": n, "targetCommit": o} for n, o in repo.refs.items()
                                     if n.startswith("refs/pr/")]}
        if action == "branch" and method == "POST":
            self._check_write(user, repo)
            branch, start = "/".join(args), json.loads(body or b"{}").get("startingPoint") or "main"
            if branch in repo.refs:
                raise _Error(409, "Reference already exists")
            repo.refs[branch] = self._resolve(repo, start).oid
            return {}
        if action == "preupload" and method == "POST":
            self._check_write(user, repo, pr)
            return self._preupload(repo, self._resolve(repo, rev), json.loads(body))
        if action == "commit" and method == "POST":
            self._check_write(user, repo, pr)
            return self._create_commit(repo, rev, pr, body, user)
        if action == "tree":
            tree = self._resolve(repo, rev).tree
            recursive = query.get("recursive") in (["true"], ["1"])
            return self._listing(tree, "/".join(args[1:]).strip("/"), recursive)
        if action == "paths-info" and method == "POST":
            tree, form = self._resolve(repo, rev).tree, parse_qs(body.decode())
            return [e for p in form.get("paths", []) for e in self._listing(tree, "", True) if e["path"] == p]
        if action == "commits":
            out, commit = [], self._resolve(repo, rev)
            while commit is not None:
                out.append({"id": commit.oid, "title": commit.title, "message": commit.description,
                            "authors": [{"user": commit.author}], "date": commit.date})
                commit = self._resolve(repo, commit.parent) if commit.parent else None
            return out
        raise _Error(404, f"The stand-in Hub does not answer {method} {action} on a repository")

    # ------------------------------------------------------------------------------------------- endpoints

    def _whoami(self, user: User | None) -> dict:
        if user is None:
            raise _Error(401, "Invalid credentials in Authorization header")
        return {"type": "user", "id": hashlib.sha1(user.name.encode()).hexdigest()[:24], "name": user.name,
                "fullname": user.name.title(), "email": f"{user.name}@example.invalid", "emailVerified": True,
                "isPro": False, "canPay": False, "avatarUrl": "",
                "orgs": [{"type": "org", "name": o, "fullname": o, "roleInOrg": "write"} for o in user.orgs],
                "auth": {"type": "access_token",
                         "accessToken": {"displayName": "stand-in", "role": user.role, "createdAt": _now()}}}

    def _create_repo(self, payload: dict, user: User | None) -> dict:
        if user is None:
            raise _Error(401, "You must be authenticated to create a repository")
        repo_type = payload.get("type") or "model"
        repo_id = f"{payload.get('organization') or user.name}/{payload['name']}"
        self._check_write(user, Repo(repo_id, repo_type, False))
        url = f"{self.endpoint}/{PREFIX[repo_type]}{repo_id}"
        if (repo_type, repo_id) in self.repos:
            raise _Error(409, f"You already created this {repo_type} repo", extra={"url": url})
        self.add_repo(repo_id, repo_type, private=payload.get("visibility") == "private")
        return {"url": url, "name": repo_id, "id": repo_id}

    def _info(self, repo: Repo, rev: str) -> dict:
        commit = self._resolve(repo, rev)
        return {"id": repo.id, "author": repo.id.split("/")[0], "sha": commit.oid, "private": repo.private,
                "disabled": False, "gated": False, "downloads": 0, "likes": 0, "tags": [],
                "createdAt": repo.commits[0].date, "lastModified": commit.date,
                "siblings": [{"rfilename": p} for p in sorted(commit.tree)]}

    def _preupload(self, repo: Repo, head: Commit, payload: dict) -> dict:
        out = []
        for f in payload["files"]:
            lfs = _is_lfs(f["path"], f["size"], base64.b64decode(f.get("sample", "")))
            old = head.tree.get(f["path"])
            oid = None if old is None else hashlib.sha256(old.data).hexdigest() if lfs else _git_sha1(old.data)
            out.append({"path": f["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False,
                        "oid": oid})
        return {"files": out, "commitOid": head.oid}

    def _lfs_batch(self, repo: Repo, payload: dict, user: User | None) -> dict:
        self._check_write(user, repo, pr="ref" not in payload)
        if "basic" not in payload.get("transfers", ["basic"]):
            raise _Error(422, "The stand-in Hub offers the basic LFS transfer only")
        objects = []
        for obj in payload["objects"]:
            entry = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in repo.lfs_oids:
                key = secrets.token_hex(16)
                self._pending[key] = (repo, obj["oid"], obj["size"])
                verify = f"{self.endpoint}/{PREFIX[repo.type]}{repo.id}.git/info/lfs/objects/verify"
                entry["actions"] = {"upload": {"href": f"{self.endpoint}/_stand-in/lfs/{key}"},
                                    "verify": {"href": verify}}
            objects.append(entry)
        return {"transfer": "basic", "objects": objects, "hash_algo": "sha256"}

    def _lfs_put(self, key: str, body: bytes) -> bytes:
        if key not in self._pending:
            raise _Error(403, "Unknown or expired upload URL")
        repo, oid, size = self._pending[key]
        if len(body) != size or hashlib.sha256(body).hexdigest() != oid:
            raise _Error(400, f"The upload does not match oid {oid} and size {size} (got {len(body)} bytes)")
        del self._pending[key]
        repo.lfs_oids.add(self._store(body))
        self.lfs_uploads.append(LfsUpload(repo.id, oid, size))
        return b""

    def _lfs_verify(self, repo: Repo, payload: dict, user: User | None) -> dict:
        self._check_write(user, repo, pr=True)
        if payload.get("oid") not in repo.lfs_oids or len(self._blobs[payload["oid"]]) != payload.get("size"):
            raise _Error(404, f"LFS object {payload.get('oid')} was not uploaded")
        return {}

    def _create_commit(self, repo: Repo, rev: str, pr: bool, body: bytes, user: User) -> dict:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise _Error(400, "The commit payload must start with a header line")
        header = lines[0]["value"]
        if not pr and rev not in repo.refs:
            raise _Error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        base = self._resolve(repo, rev)
        if header.get("parentCommit") not in (None, base.oid):
            raise _Error(412, "A commit has happened since. Please refresh and try again.")
        tree, paths, deleted, lfs = dict(base.tree), [], [], []
        for line in lines[1:]:
            key, value = line["key"], line["value"]
            path = value["path"]
            if key == "file":
                tree[path] = Blob(base64.b64decode(value["content"]), False)
                paths.append(path)
            elif key == "lfsFile":
                if value["oid"] not in repo.lfs_oids:
                    raise _Error(422, f"LFS object {value['oid']} of {path} was not uploaded to {repo.id}")
                tree[path] = Blob(self._blobs[value["oid"]], True)
                paths.append(path)
                lfs.append(path)
            elif key in ("deletedFile", "deletedFolder"):
                folder = path.rstrip("/") + "/" if key == "deletedFolder" else None
                gone = [p for p in tree if p == path or (folder and p.startswith(folder))]
                if not gone:
                    raise _Error(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
                for p in gone:
                    del tree[p]
                deleted += gone
            else:
                raise _Error(400, f"Unknown commit operation {key!r}")
        ref = rev
        if pr:
            repo.prs += 1
            ref = f"refs/pr/{repo.prs}"
        commit = self._commit(repo, ref, base.oid, header["summary"], header.get("description", ""), user.name,
                              tree, pr, paths, deleted, lfs)
        web = f"{self.endpoint}/{PREFIX[repo.type]}{repo.id}"
        return {"success": True, "commitOid": commit.oid, "commitUrl": f"{web}/commit/{commit.oid}",
                "hookOutput": "", "pullRequestUrl": f"{web}/discussions/{repo.prs}" if pr else None}

    def _download(self, repo: Repo, rev: str, path: str) -> tuple[bytes, dict]:
        commit = self._resolve(repo, rev)
        blob = commit.tree.get(path)
        if blob is None:
            raise _Error(404, "Entry not found", "EntryNotFound", headers={"X-Repo-Commit": commit.oid})
        headers = {"X-Repo-Commit": commit.oid, "ETag": f'"{_entry(path, blob)["oid"]}"'}
        if blob.lfs:
            sha = hashlib.sha256(blob.data).hexdigest()
            headers |= {"ETag": f'"{sha}"', "X-Linked-Etag": f'"{sha}"', "X-Linked-Size": str(len(blob.data))}
        return blob.data, headers

    # ------------------------------------------------------------------------------------------- state

    def _repo(self, repo_id: str, repo_type: str, user: User | None) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not self._member(user, repo)):
            raise _Error(401 if user is None else 404, "Repository not found", "RepoNotFound")
        return repo

    @staticmethod
    def _member(user: User | None, repo: Repo) -> bool:
        namespace = repo.id.split("/")[0]
        return user is not None and (namespace == user.name or namespace in user.orgs)

    def _check_write(self, user: User | None, repo: Repo, pr: bool = False) -> None:
        if user is None:
            raise _Error(401, "You must be authenticated with a token to write")
        if user.role != "write":
            raise _Error(403, f"The token of {user.name} is a read token; writing to {repo.id} needs a write "
                              "token")
        if not pr and not self._member(user, repo):
            raise _Error(403, f"You don't have the rights to write to {repo.id}: it is not in {user.name}'s "
                              "namespace nor in one of their organizations")

    def _resolve(self, repo: Repo, rev: str) -> Commit:
        oid = repo.refs.get(rev, rev)
        for commit in repo.commits:
            if commit.oid == oid:
                return commit
        raise _Error(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    def _store(self, data: bytes) -> str:
        oid = hashlib.sha256(data).hexdigest()
        self._blobs[oid] = data
        return oid

    def _commit(self, repo: Repo, ref: str, parent: str | None, title: str, description: str, author: str,
                tree: dict[str, Blob], pr: bool, paths: list[str] | None = None,
                deleted: list[str] | None = None, lfs: list[str] | None = None) -> Commit:
        oid = hashlib.sha1(f"{repo.type}/{repo.id}/{ref}/{next(self._count)}".encode()).hexdigest()
        paths = sorted(tree) if paths is None else paths
        lfs = [p for p in paths if tree[p].lfs] if lfs is None else lfs
        commit = Commit(oid, ref, title, description, parent, author, paths, deleted or [], lfs, pr, _now(),
                        tree)
        repo.commits.append(commit)
        repo.refs[ref] = oid
        return commit

    @staticmethod
    def _listing(tree: dict[str, Blob], prefix: str, recursive: bool) -> list[dict]:
        base = f"{prefix}/" if prefix else ""
        files = {p: b for p, b in tree.items() if p.startswith(base)}
        if prefix and not files:
            raise _Error(404, f"{prefix} does not exist", "EntryNotFound")
        parts = [p[len(base):].split("/") for p in files]
        dirs = {base + "/".join(rel[:i]) for rel in parts for i in range(1, len(rel))}
        if not recursive:
            files = {p: b for p, b in files.items() if "/" not in p[len(base):]}
            dirs = {d for d in dirs if "/" not in d[len(base):]}
        entries = [{"type": "directory", "path": d, "size": 0, "oid": hashlib.sha1(d.encode()).hexdigest()}
                   for d in dirs]
        return sorted(entries + [_entry(p, b) for p, b in files.items()], key=lambda e: e["path"])

"""Pushing a finished run's model to the Hugging Face Hub: repository and token checks, the files that may go
(never optimizer states or local metadata), one commit, one-line errors (exit 3 for the Hub's refusals)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ftcore.errors import UserError
from ftcore.messages import Text
from ftcore.publish.card import write_card
from ftcore.publish.files import NEVER, REPO_FILES, RemoteError, final_folder
from ftcore.redact import redact
from ftcore.runs.store import Run
from ftcore.settings import Settings

_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


def check_repo_id(repo: str) -> str:
    repo = (repo or "").strip()
    if not _REPO.match(repo) or ".." in repo or "--" in repo or repo.endswith((".git", ".")):
        raise UserError("hub.bad_repo", repo=repo)
    return repo


def read_token(token_file: str | None = None) -> str:
    """The Hub token from --token-file, else huggingface_hub's own (HF_TOKEN, or the token of `hf auth login`);
    never from a command-line argument."""
    if token_file:
        path = Path(token_file).expanduser()
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UserError("hub.token_file", path=path, reason=exc.strerror) from None
    else:
        from huggingface_hub import get_token

        token = (get_token() or "").strip()
    if not token:
        raise UserError("hub.no_token")
    if any(c.isspace() for c in token):
        raise UserError("hub.token_spaces")
    return token


def _chain(exc: BaseException):
    """The exception and the ones it was raised from (the client wraps some HTTP errors, e.g. an LFS upload's)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _remote_error(exc: Exception, action: Text, endpoint: str, not_found: Text | None = None) -> RemoteError:
    """A one-line message for a failed Hub call (the exception text may not hold the token: tokens go in headers).

    A server that answered is reported with its HTTP status and its own message (quoted, so that it stays apart
    from the hint that follows); "cannot reach" is kept for calls that got no answer at all. `not_found` replaces
    the 404 hint where a 404 cannot mean a missing repository (the token check: the address is not a Hub)."""
    from httpx2 import TransportError

    chain = list(_chain(exc))
    response = next((r for e in chain if (r := getattr(e, "response", None)) is not None
                     and isinstance(getattr(r, "status_code", None), int)), None)
    if response is not None:
        code = response.status_code
        said = next((str(m) for e in chain if (m := getattr(e, "server_message", None))), None)
        said = said or response.headers.get("X-Error-Message") or ""
        server = redact(said.strip().splitlines()[0].strip().rstrip(".")) if said.strip() else ""
        hint = {401: Text("hub.hint_401"), 403: Text("hub.hint_403"), 404: not_found or Text("hub.hint_404"),
                409: Text("hub.hint_409"), 429: Text("hub.hint_429")}.get(
            code, Text("hub.hint_5xx") if code >= 500 else Text("hub.hint_refused"))
        if server:
            return RemoteError("hub.http_said", action=action, code=code, hint=hint, server=server[:300])
        return RemoteError("hub.http", action=action, code=code, hint=hint)
    cause = chain[-1]
    error = f"{type(cause).__name__}: {redact(str(cause))[:200]}"
    if any(isinstance(e, TransportError | ConnectionError | TimeoutError) for e in chain):
        return RemoteError("hub.unreachable", action=action, endpoint=endpoint, error=error)
    return RemoteError("hub.failed", action=action, endpoint=endpoint, error=error)


@dataclass
class PushResult:
    repo: str
    url: str
    commit: str | None
    pr_url: str | None
    files: list[str]
    private: bool


def files_to_publish(run: Run, gguf: str | None = None) -> list[Path]:
    """The final/ files a model repository gets (weights, config, tokenizer, card, plots; the GGUF file named
    `gguf` when asked: it is opt-in)."""
    import fnmatch

    final = final_folder(run)
    out = []
    for path in sorted(final.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            name = path.name
            if any(fnmatch.fnmatch(name, p) for p in REPO_FILES) and not any(fnmatch.fnmatch(name, p) for p in NEVER):
                out.append(path)
            elif gguf and name == gguf:
                out.append(path)
    return out


def _not_found(exc: Exception) -> bool:
    """The repository does not exist: the client's RepoNotFound, or a plain 404 (a proxy or a Hub mirror that
    answers without the Hub's error code)."""
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    if isinstance(exc, RepositoryNotFoundError):
        return True
    response = getattr(exc, "response", None) if isinstance(exc, HfHubHTTPError) else None
    return getattr(response, "status_code", None) == 404


def _create(api, repo: str, private: bool) -> bool:
    """Create the repository; False when it appeared meanwhile (someone else's: never this push's to delete)."""
    from huggingface_hub.errors import HfHubHTTPError

    try:
        api.create_repo(repo, private=private, exist_ok=False)
    except HfHubHTTPError as exc:
        if getattr(exc.response, "status_code", None) != 409:
            raise
        return False
    return True


def _delete_created(api, repo: str) -> Text:
    """After a failed first push: delete the repository this push created, so that nothing empty is left behind,
    while it holds the Hub's initial commit only (a commit whose answer was lost may have arrived: that stays).
    Returns the note that says what is left."""
    try:
        commits = api.list_repo_commits(repo)
        refs = api.list_repo_refs(repo, include_pull_requests=True)
        heads = {ref.target_commit for ref in [*refs.branches, *refs.tags, *(refs.pull_requests or [])]}
        if len(commits) == 1 and heads <= {commits[0].commit_id}:
            api.delete_repo(repo, missing_ok=True)
            return Text("hub.created_deleted", repo=repo)
    except Exception:  # the Hub failed again: the note says what may be left
        pass
    return Text("hub.created_left", repo=repo)


def gguf_for_push(run: Run, quant: str, progress: Callable[[str], None]) -> str:
    """final/RUN.QUANT.gguf for a push that includes GGUF (exported once, then reused); returns its name."""
    from ftcore.publish.gguf import export_gguf

    name = f"{run.id}.{quant}.gguf"
    if not (run.model_dir / name).is_file():
        progress(Text("hub.progress_gguf", quant=quant))
        export_gguf(final_folder(run), run.model_dir / name, quant)
    return name


def push(run: Run, repo: str, token: str, *, settings=None, private: bool = True, branch: str | None = None,
         pr: bool = False, endpoint: str | None = None, license: str | None = None,
         progress: Callable[[str], None] = print, gguf: str | None = None) -> PushResult:
    """Upload the run's final model as one commit. Safe to run again: the repository is reused, unchanged files
    are not sent twice, and a failure before the commit leaves the repository as it was (one this push created is
    deleted again). `progress` gets each step as a Text (a str in English; text("zh") renders it in Chinese)."""
    from huggingface_hub import HfApi

    repo = check_repo_id(repo)
    if branch and pr:
        raise UserError("hub.branch_and_pr")
    if branch and (not re.fullmatch(r"[A-Za-z0-9][\w./-]{0,99}", branch) or ".." in branch):
        raise UserError("hub.bad_branch", branch=branch)
    if not token:
        raise UserError("hub.no_token_push")
    final = final_folder(run)
    settings = settings or Settings.from_env()
    endpoint = (endpoint or settings.hub_endpoint).rstrip("/")
    api = HfApi(endpoint=endpoint, token=token, library_name="fulltune")

    progress(Text("hub.progress_checking", endpoint=endpoint))
    try:
        me = api.whoami()
    except Exception as exc:  # HTTP errors and network failures alike become one line
        raise _remote_error(exc, Text("hub.checking_token"), endpoint, Text("hub.hint_not_a_hub")) from None
    role = ((me.get("auth") or {}).get("accessToken") or {}).get("role")
    if role == "read":
        raise UserError("hub.read_only", name=me.get("name"))
    owner = repo.split("/")[0]
    mine = {me.get("name"), *(o.get("name") for o in me.get("orgs") or [])}
    if owner not in mine:
        orgs = ", ".join(sorted(n for n in mine if n and n != me.get("name"))) or Text("hub.no_orgs")
        raise UserError("hub.not_owner", owner=owner, name=me.get("name"), orgs=orgs, repo_name=repo.split("/")[1])

    gguf_name = gguf_for_push(run, gguf, progress) if gguf else None
    if not (final / "README.md").is_file():  # a card the user wrote or edited is kept as it is
        progress(Text("hub.progress_card"))
        write_card(run, settings, license=license, repo=repo, gguf=gguf_name)
    files = files_to_publish(run, gguf_name)
    size = sum(p.stat().st_size for p in files)
    created = False
    try:
        progress(Text("hub.progress_creating", repo=repo,
                      visibility=Text("hub.private") if private else Text("hub.public")))
        try:
            info = api.repo_info(repo)
            is_private = bool(info.private)
        except Exception as exc:
            if not _not_found(exc):
                raise
            created = _create(api, repo, private)
            is_private = private if created else bool(api.repo_info(repo).private)
        if branch:
            api.create_branch(repo, branch=branch, exist_ok=True)
        upload = dict(n=len(files), mib=size / 2**20, repo=repo)
        progress(Text("hub.progress_uploading_branch", branch=branch, **upload) if branch else
                 Text("hub.progress_uploading_pr", **upload) if pr else Text("hub.progress_uploading", **upload))
        commit = api.upload_folder(
            repo_id=repo, folder_path=final, allow_patterns=[p.name for p in files], ignore_patterns=list(NEVER),
            commit_message=f"Upload {run.id} (FullTune full fine-tuning)", revision=branch, create_pr=pr or None,
            commit_description=f"Model, tokenizer and card of the FullTune run {run.id}.",
        )
    except Exception as exc:
        error = _remote_error(exc, Text("hub.pushing_to", repo=repo), endpoint)
        note = _delete_created(api, repo) if created else Text("hub.nothing_committed")
        raise RemoteError("hub.push_failed", error=error, note=note) from None
    url = f"{endpoint}/{repo}" + (f"/tree/{branch}" if branch else "")
    progress(Text("hub.progress_done", url=commit.pr_url or url))
    return PushResult(repo=repo, url=url, commit=commit.oid, pr_url=commit.pr_url,
                      files=[p.name for p in files], private=is_private)


# ---------------------------------------------------------------------------------------------------------- export



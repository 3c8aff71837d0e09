"""Publishing a release to the Hugging Face Hub: one commit holding exactly the release's files, tagged V.

The order makes a failed push safe to retry: nothing is tagged until the commit exists, so a push that fails
leaves no tag; the LFS objects it uploaded are reused by the next attempt; and a retry after a commit whose
tagging failed finds every file unchanged, makes no new commit and tags the head. A tag that exists already is
accepted only when it points at this very release (same manifest); releases are immutable on the Hub too.

The token (``token`` argument, else HF_TOKEN, else the locally saved login) only travels in request headers: it
is never printed, logged or written, and it is scrubbed from any error message that passes through here.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.release import load_release, verify_release

REPO_TYPE = "dataset"
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
KEPT_REMOTE_FILES = {".gitattributes"}  # files of the repo that a release does not replace or delete


class PublishError(RuntimeError):
    """A push that did not complete; the message says what happened and whether to retry."""


@dataclass(frozen=True)
class PublishResult:
    repo_id: str
    version: str
    commit_oid: str
    commit_url: str
    already_published: bool  # the tag existed and pointed at this release: nothing was uploaded


def _git_blob_oid(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _scrub(message: str, token: str | None) -> str:
    return message.replace(token, "***") if token else message


def publish(
    release_dir: Path,
    repo_id: str,
    token: str | None = None,
    *,
    endpoint: str | None = None,
    private: bool | None = None,
) -> PublishResult:
    """Push ``release_dir`` to the dataset repo ``repo_id`` (created if needed) as one commit tagged V.

    ``endpoint`` defaults to HF_ENDPOINT (else huggingface.co). Raises PublishError; a failed push can be retried.
    """
    if not _REPO_ID.fullmatch(repo_id):
        raise PublishError(f"repo id {repo_id!r} is not of the form namespace/name")
    release = load_release(release_dir)
    problems = verify_release(release_dir)
    if problems:
        raise PublishError(
            f"release {release.ref} does not match its manifest, refusing to push: {'; '.join(problems)}"
        )
    token = token or os.environ.get("HF_TOKEN") or None
    try:
        return _publish(release_dir, release.name, release.version, release.pairs, repo_id, token, endpoint, private)
    except PublishError:
        raise
    except Exception as error:  # HTTP, network, validation: one readable error, the token scrubbed out
        raise PublishError(
            _scrub(f"push of {release.ref} to {repo_id} failed: {type(error).__name__}: {error}", token)
        ) from None


def _publish(
    release_dir: Path,
    name: str,
    version: str,
    pairs: int,
    repo_id: str,
    token: str | None,
    endpoint: str | None,
    private: bool | None,
) -> PublishResult:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    api = HfApi(endpoint=endpoint, token=token)
    api.create_repo(repo_id, repo_type=REPO_TYPE, exist_ok=True, private=private)
    refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    tagged = {ref.name: ref.target_commit for ref in refs.tags}
    if version in tagged:
        if _tag_holds_release(api, repo_id, version, release_dir):
            return PublishResult(repo_id, version, tagged[version], _commit_url(api, repo_id, tagged[version]), True)
        raise PublishError(
            f"{repo_id} already has a tag {version!r} with other content; releases are immutable: "
            "make a new version and push that"
        )
    head = next((ref.target_commit for ref in refs.branches if ref.name == "main"), None)

    local = sorted(p.relative_to(release_dir).as_posix() for p in release_dir.rglob("*") if p.is_file())
    operations: list[Any] = [
        CommitOperationAdd(path_in_repo=path, path_or_fileobj=str(release_dir / path)) for path in local
    ]
    if head is not None:
        # The tagged commit must hold exactly this release: drop what an earlier release left that this one lacks.
        remote = api.list_repo_files(repo_id, repo_type=REPO_TYPE, revision=head)
        stale = sorted(set(remote) - set(local) - KEPT_REMOTE_FILES)
        operations += [CommitOperationDelete(path_in_repo=path) for path in stale]
    commit = api.create_commit(
        repo_id,
        operations,
        commit_message=f"Release {name} {version}",
        commit_description=f"{pairs:,} pairs. Made by toolpref release; manifest.json pins every file.",
        repo_type=REPO_TYPE,
        parent_commit=head,  # fails instead of overwriting if someone pushed in the meantime
    )
    try:
        api.create_tag(
            repo_id, tag=version, revision=commit.oid, repo_type=REPO_TYPE, tag_message=f"Release {name} {version}"
        )
    except Exception as error:
        raise PublishError(
            _scrub(
                f"committed {commit.oid} to {repo_id} but could not tag it {version!r} ({type(error).__name__}: "
                f"{error}); push again to tag it",
                token,
            )
        ) from None
    return PublishResult(repo_id, version, commit.oid, commit.commit_url, False)


def _tag_holds_release(api: Any, repo_id: str, version: str, release_dir: Path) -> bool:
    """Whether the repo's manifest.json at tag ``version`` is byte for byte this release's manifest."""
    infos = api.get_paths_info(repo_id, ["manifest.json"], revision=version, repo_type=REPO_TYPE)
    if not infos:
        return False
    remote = infos[0]
    content = (release_dir / "manifest.json").read_bytes()
    if getattr(remote, "lfs", None) is not None:
        return bool(remote.lfs.sha256 == hashlib.sha256(content).hexdigest())
    return bool(remote.blob_id == _git_blob_oid(content))


def _commit_url(api: Any, repo_id: str, oid: str) -> str:
    return f"{api.endpoint}/datasets/{repo_id}/commit/{oid}"

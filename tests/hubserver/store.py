"""The state behind the test Hub: repositories with git-like commits, branches and tags, and an LFS object store.

Kept deliberately close to what the real Hub exposes to `huggingface_hub` and `datasets`: a commit is a full
snapshot of the tree, a file is either a regular git blob or an LFS pointer to a sha256 object, a new repository
starts with one commit holding a `.gitattributes` that routes binary formats to LFS.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

DEFAULT_GITATTRIBUTES = "".join(
    f"{pattern} filter=lfs diff=lfs merge=lfs -text\n"
    for pattern in ("*.parquet", "*.arrow", "*.png", "*.jpg", "*.bin", "*.safetensors", "*.zst", "*.gz", "*.tar")
)
LFS_THRESHOLD = 10 * 1024 * 1024  # the Hub sends files above 10 MB to LFS whatever .gitattributes says
REPO_TYPES = ("model", "dataset", "space")


def git_blob_oid(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass(frozen=True)
class Entry:
    """One file in a tree: its content lives in the object store under ``sha256``."""

    sha256: str
    size: int
    lfs: bool
    git_oid: str  # of the blob for a regular file, of the pointer file for an LFS file

    @property
    def pointer_size(self) -> int:
        return len(lfs_pointer(self.sha256, self.size))


@dataclass
class Commit:
    oid: str
    parent: str | None
    title: str
    message: str
    date: str
    files: dict[str, Entry]


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    created_at: str
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def resolve(self, revision: str) -> Commit | None:
        """A branch, a tag or a full commit id, as the Hub accepts them."""
        oid = self.branches.get(revision) or self.tags.get(revision)
        if oid is None and revision in self.commits:
            oid = revision
        return self.commits.get(oid) if oid else None

    def history(self, commit: Commit) -> list[Commit]:
        chain = [commit]
        while chain[-1].parent is not None:
            chain.append(self.commits[chain[-1].parent])
        return chain


class HubError(Exception):
    """An error answered to the client: HTTP status, the Hub's X-Error-Code (if any) and a message."""

    def __init__(self, status: int, message: str, code: str | None = None, **body: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.body = body  # more fields of the JSON answer, as the Hub sends them


class HubStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.repos: dict[tuple[str, str], Repo] = {}
        self.objects: dict[str, bytes] = {}  # sha256 -> content (regular and LFS files alike)
        self._counter = itertools.count()
        self._failures: dict[str, list[int]] = {}

    # -- failure injection ------------------------------------------------------------------------------------------
    def fail_next(self, endpoint: str, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``endpoint`` (commit, tag, preupload, lfs_batch, ...) with ``status``."""
        with self.lock:
            self._failures.setdefault(endpoint, []).extend([status] * times)

    def take_failure(self, endpoint: str) -> int | None:
        with self.lock:
            queued = self._failures.get(endpoint)
            return queued.pop(0) if queued else None

    # -- repositories ---------------------------------------------------------------------------------------------
    def repo(self, repo_type: str, repo_id: str) -> Repo:
        found = self.repos.get((repo_type, repo_id))
        if found is None:
            raise HubError(404, f"Repository Not Found: {repo_type} {repo_id}", "RepoNotFound")
        return found

    def create_repo(self, repo_type: str, repo_id: str, private: bool) -> Repo:
        with self.lock:
            if (repo_type, repo_id) in self.repos:
                raise HubError(409, "You already created this repo")
            repo = Repo(repo_type=repo_type, repo_id=repo_id, private=private, created_at=now_iso())
            self.repos[(repo_type, repo_id)] = repo
            attributes = self.put_regular(DEFAULT_GITATTRIBUTES.encode())
            self._new_commit(repo, "main", None, "initial commit", "", {".gitattributes": attributes})
            return repo

    def commit(self, repo: Repo, revision: str) -> Commit:
        found = repo.resolve(revision)
        if found is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return found

    # -- objects --------------------------------------------------------------------------------------------------
    def put_regular(self, content: bytes) -> Entry:
        sha = hashlib.sha256(content).hexdigest()
        with self.lock:
            self.objects[sha] = content
        return Entry(sha256=sha, size=len(content), lfs=False, git_oid=git_blob_oid(content))

    def put_lfs(self, sha256: str, content: bytes) -> None:
        if hashlib.sha256(content).hexdigest() != sha256:
            raise HubError(400, f"uploaded content does not match its oid {sha256}")
        with self.lock:
            self.objects[sha256] = content

    def lfs_entry(self, sha256: str, size: int) -> Entry:
        content = self.objects.get(sha256)
        if content is None:
            raise HubError(422, f"LFS object {sha256} was never uploaded")
        if len(content) != size:
            raise HubError(422, f"LFS object {sha256} has {len(content)} bytes, not {size}")
        return Entry(sha256=sha256, size=size, lfs=True, git_oid=git_blob_oid(lfs_pointer(sha256, size)))

    def upload_mode(self, commit: Commit, path: str, size: int, sample: bytes) -> str:
        """'lfs' for files that .gitattributes routes to LFS, large files and binary samples; else 'regular'."""
        if size > LFS_THRESHOLD or b"\0" in sample:
            return "lfs"
        attributes = commit.files.get(".gitattributes")
        if attributes is not None:
            for line in self.objects[attributes.sha256].decode().splitlines():
                pattern, _, rest = line.strip().partition(" ")
                if "filter=lfs" in rest and fnmatch.fnmatch(path.rsplit("/", 1)[-1], pattern):
                    return "lfs"
        return "regular"

    # -- commits --------------------------------------------------------------------------------------------------
    def _new_commit(
        self, repo: Repo, branch: str, parent: str | None, title: str, message: str, files: dict[str, Entry]
    ) -> Commit:
        oid = hashlib.sha1(f"{repo.repo_id}:{next(self._counter)}:{title}".encode()).hexdigest()
        commit = Commit(oid, parent, title, message, now_iso(), files)
        repo.commits[oid] = commit
        repo.branches[branch] = oid
        return commit

    def apply_commit(
        self,
        repo: Repo,
        branch: str,
        title: str,
        message: str,
        parent_commit: str | None,
        changes: list[tuple[str, str, Entry | None]],
    ) -> Commit:
        """Apply (kind, path, entry) changes on top of ``branch`` as one new commit; kinds: add, delete_file,
        delete_folder. All or nothing: a bad change leaves the branch where it was."""
        with self.lock:
            if branch not in repo.branches:
                raise HubError(404, f"Invalid rev id: {branch} (commits go to a branch)", "RevisionNotFound")
            head = repo.commits[repo.branches[branch]]
            if parent_commit is not None and parent_commit != head.oid:
                raise HubError(412, f"A commit has happened since. Please refresh and try again. ({head.oid})")
            files = dict(head.files)
            for kind, path, entry in changes:
                if kind == "add":
                    assert entry is not None
                    files[path] = entry
                elif kind == "delete_file":
                    if path not in files:
                        raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
                    del files[path]
                else:
                    prefix = path.rstrip("/") + "/"
                    doomed = [name for name in files if name.startswith(prefix)]
                    if not doomed:
                        raise HubError(404, f"A folder with this name doesn't exist: {path}", "EntryNotFound")
                    for name in doomed:
                        del files[name]
            return self._new_commit(repo, branch, head.oid, title, message, files)

    def create_tag(self, repo: Repo, revision: str, tag: str) -> None:
        with self.lock:
            target = self.commit(repo, revision)
            if tag in repo.tags:
                raise HubError(409, f"Tag {tag} already exists")
            repo.tags[tag] = target.oid

    def delete_tag(self, repo: Repo, tag: str) -> None:
        with self.lock:
            if tag not in repo.tags:
                raise HubError(404, f"Tag {tag} does not exist", "RevisionNotFound")
            del repo.tags[tag]

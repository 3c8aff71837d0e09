"""The test Hub's read endpoints: repo info (at a revision), refs, commits, tree, paths-info, and resolve (file
download with HEAD and byte ranges, served directly where the Hub would redirect LFS files to its CDN)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import yaml

from tests.hubserver.handler import Plumbing
from tests.hubserver.store import Commit, HubError, Repo


class ReadEndpoints(Plumbing):
    def info(self, type: str, ns: str, name: str, rev: str | None = None) -> None:
        repo = self._repo(type, ns, name)
        commit = self.server.store.commit(repo, unquote(rev) if rev else "main")
        card: dict[str, Any] | None = None
        readme = commit.files.get("README.md")
        if readme is not None:
            text = self.server.store.objects[readme.sha256].decode()
            if text.startswith("---"):
                loaded = yaml.safe_load(text[3:].partition("\n---")[0])
                card = loaded if isinstance(loaded, dict) else None
        self._json(
            {
                "_id": commit.oid[:24],
                "id": repo.repo_id,
                "author": repo.repo_id.split("/")[0],
                "sha": commit.oid,
                "private": repo.private,
                "gated": False,
                "disabled": False,
                "createdAt": repo.created_at,
                "lastModified": commit.date,
                "downloads": 0,
                "likes": 0,
                "tags": [],
                "cardData": card,
                "siblings": [{"rfilename": path} for path in sorted(commit.files)],
            }
        )

    def refs(self, type: str, ns: str, name: str) -> None:
        repo = self._repo(type, ns, name)

        def listed(kind: str, refs: dict[str, str]) -> list[dict[str, str]]:
            return [{"name": n, "ref": f"refs/{kind}/{n}", "targetCommit": oid} for n, oid in sorted(refs.items())]

        self._json(
            {
                "branches": listed("heads", repo.branches),
                "tags": listed("tags", repo.tags),
                "converts": [],
                "pullRequests": [],
            }
        )

    def commits(self, type: str, ns: str, name: str, rev: str) -> None:
        repo = self._repo(type, ns, name)
        head = self.server.store.commit(repo, unquote(rev))
        self._json(
            [
                {"id": c.oid, "title": c.title, "message": c.message, "authors": [{"user": "toolpref"}], "date": c.date}
                for c in repo.history(head)
            ]
        )

    def _describe(self, repo: Repo, commit: Commit, path: str, expand: bool) -> dict[str, Any]:
        entry = commit.files.get(path)
        if entry is None:
            info: dict[str, Any] = {"type": "directory", "oid": commit.oid, "size": 0, "path": path}
        else:
            info = {"type": "file", "oid": entry.git_oid, "size": entry.size, "path": path}
            if entry.lfs:
                info["lfs"] = {"oid": entry.sha256, "size": entry.size, "pointerSize": entry.pointer_size}
        if expand:
            info["lastCommit"] = {"id": commit.oid, "title": commit.title, "date": commit.date}
        return info

    @staticmethod
    def _folders(commit: Commit) -> set[str]:
        return {"/".join(path.split("/")[:depth]) for path in commit.files for depth in range(1, path.count("/") + 1)}

    def tree(self, type: str, ns: str, name: str, rev: str, path: str | None = None) -> None:
        repo = self._repo(type, ns, name)
        commit = self.server.store.commit(repo, unquote(rev))
        base = unquote(path or "").strip("/")
        recursive = self.query.get("recursive", ["false"])[0].lower() == "true"
        expand = self.query.get("expand", ["false"])[0].lower() == "true"
        folders = self._folders(commit)
        if base and base not in folders:
            raise HubError(404, f"{base} is not a folder", "EntryNotFound")
        prefix = f"{base}/" if base else ""
        listed = sorted(p for p in (*commit.files, *folders) if p.startswith(prefix))
        if not recursive:
            listed = [p for p in listed if "/" not in p[len(prefix) :]]
        self._json([self._describe(repo, commit, p, expand) for p in listed])

    def paths_info(self, type: str, ns: str, name: str, rev: str) -> None:
        repo = self._repo(type, ns, name)
        commit = self.server.store.commit(repo, unquote(rev))
        form = self._form_or_json()
        paths = form.get("paths", [])
        paths = [paths] if isinstance(paths, str) else paths
        expand_value = form.get("expand", ["false"])
        expand = str(expand_value[0] if isinstance(expand_value, list) else expand_value).lower() == "true"
        folders = self._folders(commit)
        found = [p.strip("/") for p in paths if p.strip("/") in commit.files or p.strip("/") in folders]
        self._json([self._describe(repo, commit, p, expand) for p in found])

    def resolve(self, prefix: str | None, ns: str, name: str, rev: str, path: str) -> None:
        repo = self._repo(prefix, ns, name)
        commit = self.server.store.commit(repo, unquote(rev))
        entry = commit.files.get(unquote(path))
        if entry is None:
            raise HubError(404, f"Entry not found: {unquote(path)}", "EntryNotFound")
        content = self.server.store.objects[entry.sha256]
        etag = entry.sha256 if entry.lfs else entry.git_oid
        headers = {"X-Repo-Commit": commit.oid, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
        if entry.lfs:  # what the Hub sends beside its CDN redirect; served directly here
            headers["X-Linked-Etag"] = f'"{entry.sha256}"'
            headers["X-Linked-Size"] = str(entry.size)
        status, body = 200, content
        requested = self.headers.get("Range")
        if requested:
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", requested.strip())
            if match is None:
                raise HubError(416, f"unsupported range {requested}")
            first, last = match.groups()
            if first == "":
                start, end = max(0, len(content) - int(last)), len(content) - 1
            else:
                start, end = int(first), min(int(last), len(content) - 1) if last else len(content) - 1
            if start >= len(content):
                self._send(416, b"", "text/plain", {**headers, "Content-Range": f"bytes */{len(content)}"})
                return
            status, body = 206, content[start : end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
        self._send(status, body, "application/octet-stream", headers)

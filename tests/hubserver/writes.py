"""The test Hub's write endpoints: create a repo, validate card metadata, preupload, LFS batch / upload / verify,
the NDJSON commit, and tags."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import unquote

import yaml

from tests.hubserver.handler import URL_PREFIX, Plumbing
from tests.hubserver.store import REPO_TYPES, Entry, HubError


class WriteEndpoints(Plumbing):
    def create_repo(self) -> None:
        payload = json.loads(self.body)
        repo_type = payload.get("type") or "model"
        if repo_type not in REPO_TYPES:
            raise HubError(400, f"unknown repo type {repo_type!r}")
        namespace = payload.get("organization") or "user"
        repo_id = f"{namespace}/{payload['name']}"
        url = f"{self.server.url}/{URL_PREFIX[repo_type]}{repo_id}"
        try:
            self.server.store.create_repo(repo_type, repo_id, payload.get("visibility") == "private")
        except HubError as error:
            raise HubError(error.status, error.message, error.code, url=url) from None  # the Hub names it
        self._json({"url": url, "name": repo_id})

    def validate_yaml(self) -> None:
        content = json.loads(self.body).get("content", "")
        errors = []
        if content.startswith("---"):
            front, _, _ = content[3:].partition("\n---")
            try:
                if not isinstance(yaml.safe_load(front) or {}, dict):
                    errors.append({"message": "metadata is not a mapping"})
            except yaml.YAMLError as error:
                errors.append({"message": f"invalid YAML: {error}"})
        self._json({"errors": errors, "warnings": []}, status=400 if errors else 200)

    def create_tag(self, type: str, ns: str, name: str, rev: str) -> None:
        repo = self._repo(type, ns, name)
        payload = json.loads(self.body)
        self.server.store.create_tag(repo, unquote(rev), payload["tag"])
        self._json({"name": payload["tag"]})

    def delete_tag(self, type: str, ns: str, name: str, tag: str) -> None:
        self.server.store.delete_tag(self._repo(type, ns, name), unquote(tag))
        self._json({})

    def preupload(self, type: str, ns: str, name: str, rev: str) -> None:
        repo = self._repo(type, ns, name)
        commit = self.server.store.commit(repo, unquote(rev))
        answers = []
        for item in json.loads(self.body)["files"]:
            path, size = item["path"], int(item["size"])
            mode = self.server.store.upload_mode(commit, path, size, base64.b64decode(item["sample"]))
            existing = commit.files.get(path)
            oid = None if existing is None else (existing.sha256 if existing.lfs else existing.git_oid)
            answers.append({"path": path, "uploadMode": mode, "shouldIgnore": False, "oid": oid})
        self._json({"files": answers, "commitOid": commit.oid})

    def lfs_batch(self, prefix: str | None, ns: str, name: str) -> None:
        self._repo(prefix, ns, name)
        payload = json.loads(self.body)
        if payload.get("operation") != "upload":
            raise HubError(400, "only the upload operation is offered")
        objects = []
        for item in payload["objects"]:
            oid, size = item["oid"], int(item["size"])
            answer: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            if oid not in self.server.store.objects:  # a known object needs no upload, as on the Hub
                answer["actions"] = {
                    "upload": {"href": f"{self.server.url}/_lfs/upload/{oid}", "header": {}},
                    "verify": {"href": f"{self.server.url}/_lfs/verify", "header": {}},
                }
            objects.append(answer)
        self._json({"transfer": "basic", "objects": objects}, content_type="application/vnd.git-lfs+json")

    def lfs_upload(self, oid: str) -> None:
        self.server.store.put_lfs(oid, self.body)
        self._send(200, b"", "text/plain")

    def lfs_verify(self) -> None:
        payload = json.loads(self.body)
        content = self.server.store.objects.get(payload["oid"])
        if content is None or len(content) != int(payload["size"]):
            raise HubError(404, f"object {payload['oid']} is not stored")
        self._json({})

    def commit(self, type: str, ns: str, name: str, rev: str) -> None:
        repo = self._repo(type, ns, name)
        store = self.server.store
        header: dict[str, Any] = {}
        changes: list[tuple[str, str, Entry | None]] = []
        for line in self.body.decode().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item["key"], item["value"]
            if key == "header":
                header = value
            elif key == "file":
                content = base64.b64decode(value["content"]) if value.get("encoding") == "base64" else value["content"]
                changes.append(("add", value["path"], store.put_regular(content)))
            elif key == "lfsFile":
                changes.append(("add", value["path"], store.lfs_entry(value["oid"], int(value["size"]))))
            elif key in ("deletedFile", "deletedFolder"):
                changes.append(("delete_file" if key == "deletedFile" else "delete_folder", value["path"], None))
            else:
                raise HubError(400, f"unknown commit operation {key!r}")
        if not header.get("summary"):
            raise HubError(400, "a commit needs a summary")
        made = store.apply_commit(
            repo, unquote(rev), header["summary"], header.get("description", ""), header.get("parentCommit"), changes
        )
        url = f"{self.server.url}/{URL_PREFIX[repo.repo_type]}{repo.repo_id}/commit/{made.oid}"
        self._json({"success": True, "commitOid": made.oid, "commitUrl": url, "hookOutput": "", "pullRequestUrl": None})

"""Releases: the versions in the workspace, what each holds, what changed between two, making one from a run
(review decisions applied) and publishing one to the Hub.

The work is done by the release API (curation/release.py, release_diff.py, hub_push.py); this page only calls
it. If a part of that API is missing from this installation the page says which and keeps the rest working.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from app import state
from curation.pipeline import list_runs

REVIEW_KEYS = ("rejected", "swapped", "flagged", "accepted")  # of a release's applied review summary


def _api(module: str, name: str) -> Any | None:
    """``module.name`` from the release API, or None (with a message) when this installation lacks it."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        st.info(state.escape_markdown(f"{module}.{name} is not available here ({error}); this part is disabled."))
        return None


def _error(prefix: str, error: Exception) -> None:
    st.error(state.escape_markdown(f"{prefix}: {error}"))


def release_list(releases: list[Any]) -> None:
    table = pl.DataFrame(
        {
            "release": [r.ref for r in releases],
            "created (UTC)": [r.created_at.replace("T", " ")[:19] for r in releases],
            "pairs": [r.pairs for r in releases],
            "train": [r.splits.get("train", 0) for r in releases],
            "validation": [r.splits.get("validation", 0) for r in releases],
            "run": [r.recipe for r in releases],
            "review applied": [
                ", ".join(f"{key} {_count(r.review[key])}" for key in REVIEW_KEYS if key in r.review) for r in releases
            ],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


def _count(value: Any) -> int:
    return value if isinstance(value, int) else len(value)


def contents(releases: list[Any]) -> None:
    by_ref = {r.ref: r for r in releases}
    ref = st.selectbox("Release", list(by_ref), index=len(by_ref) - 1, key="release_open")
    release = by_ref[ref]
    st.code(str(release.path), language=None)
    configs = release.configs
    splits = sorted({split for counts in configs.values() for split in counts})
    st.dataframe(
        pl.DataFrame({"config": list(configs), **{s: [configs[c].get(s, 0) for c in configs] for s in splits}}),
        hide_index=True,
    )
    files = release.manifest.get("files", {})
    with st.expander(f"Files ({len(files)}) with their sha256"):
        st.dataframe(
            pl.DataFrame(
                {
                    "file": list(files),
                    "bytes": [int(f.get("size", 0)) for f in files.values()],
                    "sha256": [str(f.get("sha256", "")) for f in files.values()],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    card = release.path / "README.md"
    with st.expander("Dataset card (README.md)"):
        # Shown as text: the card holds values from the data, which must not be rendered as Markdown or HTML.
        st.code(card.read_text(encoding="utf-8") if card.is_file() else "(no README.md)", language="markdown")
    with st.expander("Manifest"):
        st.json(release.manifest, expanded=False)


@st.cache_data(show_spinner="Comparing the releases…", max_entries=8)
def _diff(a_path: str, a_created: str, b_path: str, b_created: str) -> Any:
    from curation.release import load_release
    from curation.release_diff import diff_releases

    return diff_releases(load_release(Path(a_path)), load_release(Path(b_path)))


def diff(releases: list[Any]) -> None:
    if _api("curation.release_diff", "diff_releases") is None:
        return
    refs = [r.ref for r in releases]
    by_ref = {r.ref: r for r in releases}
    left, right = st.columns(2)
    a = left.selectbox("From", refs, index=max(0, len(refs) - 2), key="diff_a")
    b = right.selectbox("To", refs, index=len(refs) - 1, key="diff_b")
    if a == b:
        st.caption("Pick two different releases.")
        return
    # Comparing reads both `pairs` configs in full: only on request, then kept for this pair of releases.
    if st.button("Compare", icon=":material/difference:"):
        st.session_state["diff_shown"] = (a, b)
    if st.session_state.get("diff_shown") != (a, b):
        return
    try:
        result = _diff(str(by_ref[a].path), by_ref[a].created_at, str(by_ref[b].path), by_ref[b].created_at)
    except Exception as error:  # a broken release folder: say which, keep the page
        _error("Cannot compare", error)
        return
    numbers = st.columns(4)
    numbers[0].metric("Added", f"{len(result.added):,}")
    numbers[1].metric("Removed", f"{len(result.removed):,}")
    numbers[2].metric("Changed", f"{len(result.changed):,}")
    numbers[3].metric("Unchanged", f"{result.unchanged:,}")
    tabs = st.tabs(["Added", "Removed", "Changed"])
    with tabs[0]:
        st.dataframe(
            pl.DataFrame(result.added, schema=["pair_id", "source"], orient="row"), hide_index=True, width="stretch"
        )
    with tabs[1]:
        st.dataframe(
            pl.DataFrame(result.removed, schema=["pair_id", "source"], orient="row"), hide_index=True, width="stretch"
        )
    with tabs[2]:
        st.dataframe(
            pl.DataFrame(
                {
                    "pair_id": [c.pair_id for c in result.changed],
                    "source": [c.source for c in result.changed],
                    "change": [", ".join(c.kinds) for c in result.changed],
                    "detail": [c.detail for c in result.changed],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def new_release() -> None:
    build_release = _api("curation.release", "build_release")
    if build_release is None:
        return
    ws = state.workspace()
    runs = list_runs(ws)
    if not runs:
        st.caption("No finished run to release.")
        return
    st.caption("The latest review decision of every pair is applied: reject drops, swap swaps, flag is listed.")
    with st.form("new_release"):
        run = st.selectbox("Run", runs)
        name = st.text_input("Name", placeholder="toolpref-pairs", key="release_name")
        version = st.text_input("Version", placeholder="v1", key="release_version")
        submitted = st.form_submit_button("Build release", icon=":material/inventory_2:")
    if submitted:
        try:
            with st.spinner("Building the release…"):
                info = build_release(ws, run, name.strip(), version.strip())
        except Exception as error:  # ReleaseError and friends: their messages say what to do
            _error("No release was made", error)
        else:
            st.success(state.escape_markdown(f"Released {info.ref}: {info.pairs:,} pairs at {info.path}"))


def publish_form(releases: list[Any]) -> None:
    publish = _api("curation.hub_push", "publish")
    if publish is None:
        return
    with st.form("publish"):
        ref = st.selectbox("Release", [r.ref for r in releases], index=len(releases) - 1)
        repo_id = st.text_input("Hub dataset repo", placeholder="your-org/toolpref-pairs", key="publish_repo")
        token = st.text_input(
            "Token",
            type="password",
            key="publish_token",
            help="left empty: $HF_TOKEN or your saved login; it is never shown or stored",
        )
        private = st.checkbox("Private repository (when it is created)")
        endpoint = os.environ.get("HF_ENDPOINT") or None  # read now: huggingface_hub reads it once, at import
        st.caption(state.escape_markdown(f"Hub: {endpoint or 'https://huggingface.co'}"))
        submitted = st.form_submit_button("Publish", icon=":material/cloud_upload:")
    if submitted:
        release = next(r for r in releases if r.ref == ref)
        try:
            with st.spinner("Pushing one commit and tagging it…"):
                result = publish(
                    release.path, repo_id.strip(), token or None, endpoint=endpoint, private=private or None
                )
        except Exception as error:  # PublishError: scrubbed of the token by the release API
            _error("Not published (safe to retry)", error)
        else:
            done = "was already published" if result.already_published else "is published"
            st.success(state.escape_markdown(f"{ref} {done} as {result.repo_id}@{result.version}"))
            st.code(result.commit_url, language=None)


def main() -> None:
    st.title("Releases")
    list_releases = _api("curation.release", "list_releases")
    releases: list[Any] = []
    if list_releases is not None:
        try:
            releases = list_releases(state.workspace())
        except Exception as error:  # a release folder with a broken manifest
            _error("Cannot list the releases", error)
    if releases:
        release_list(releases)
    else:
        st.caption("No release yet: build one below from a run.")
    tabs = st.tabs(["Contents", "Diff", "New release", "Publish"])
    with tabs[0]:
        if releases:
            contents(releases)
    with tabs[1]:
        if len(releases) >= 2:
            diff(releases)
        else:
            st.caption("A diff needs two releases.")
    with tabs[2]:
        new_release()
    with tabs[3]:
        if releases:
            publish_form(releases)


main()

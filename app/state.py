"""Streamlit glue shared by the pages: the workspace, cached data, the sidebar (dataset and reviewer).

Caching: the pair index is built once per dataset and file version. It is kept with ``st.cache_resource``, not
``st.cache_data``: cache_data would unpickle a fresh copy (about 20 MB for 30,000 pairs, ~0.1 s) on every rerun,
while a polars DataFrame is immutable, so sharing one object between sessions is safe. Review verdicts are
cached per store revision (the newest decision id), so a decision made anywhere shows up on the next rerun.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import streamlit as st

from app import data
from curation.pipeline import list_runs
from curation.review import ReviewStore, Verdict
from curation.workspace import Workspace

RUN_ENV = "TOOLPREF_STUDIO_RUN"  # the dataset to open first: a recipe name (set by `toolpref studio --run`)
DATASET_KEY = "dataset"
REVIEWER_KEY = "reviewer"


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:=^\"'&")


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown (and HTML) metacharacter backslash-escaped, for st.error/st.success and co."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text).replace("\n", "  \n")


def workspace() -> Workspace:
    return Workspace.resolve()  # --workspace reaches us as $TOOLPREF_HOME


@st.cache_resource(show_spinner=False)
def review_store(path: str) -> ReviewStore:
    return ReviewStore(Path(path))


def store() -> ReviewStore:
    return review_store(str(workspace().review_db))


@st.cache_resource(show_spinner="Loading pairs…", max_entries=4)
def _pair_index(files: tuple[Path, ...], versions: tuple[float, ...]) -> pl.DataFrame:
    return data.load_pair_index(files)


def pair_index(dataset: data.Dataset) -> pl.DataFrame:
    versions = tuple(path.stat().st_mtime if path.exists() else 0.0 for path in dataset.files)
    return _pair_index(dataset.files, versions)


@st.cache_data(show_spinner=False, max_entries=8)
def _verdicts(path: str, revision: int) -> dict[str, Verdict]:
    return review_store(path).latest_verdicts()


def verdicts() -> dict[str, Verdict]:
    reviews = store()
    return _verdicts(str(reviews.path), reviews.last_id())


def indexed_with_status(dataset: data.Dataset) -> pl.DataFrame:
    return data.with_status(pair_index(dataset), verdicts())


def reviewer() -> str:
    return str(st.session_state.get(REVIEWER_KEY, "")).strip()


def _dataset_label(choice: tuple[str, str]) -> str:
    kind, name = choice
    return f"{kind}: {name}"


def sidebar() -> data.Dataset | None:
    """The dataset picker and the reviewer's name; returns the open dataset (None when there is none)."""
    ws = workspace()
    with st.sidebar:
        try:
            choices = data.list_datasets(ws)
        except Exception as error:  # a release with a broken manifest must not take the whole studio down
            st.error(escape_markdown(f"Cannot list the datasets: {error}"))
            choices = [("run", name) for name in list_runs(ws)]
        st.text_input(
            "Reviewer",
            key=REVIEWER_KEY,
            placeholder="your name",
            help="recorded with every decision you make",
            persist_state="session",
        )
        if not choices:
            st.caption("Workspace")
            st.code(str(ws.root), language=None)
            return None
        wanted = os.environ.get(RUN_ENV, "")
        default = next((i for i, (kind, name) in enumerate(choices) if kind == "run" and name == wanted), 0)
        choice = st.selectbox(
            "Dataset", choices, index=default, key=DATASET_KEY, format_func=_dataset_label, persist_state="session"
        )
        st.caption("Workspace")
        st.code(str(ws.root), language=None)
    if choice is None:
        return None
    try:
        return data.open_dataset(ws, *choice)
    except (data.StudioDataError, FileNotFoundError) as error:
        st.error(escape_markdown(f"Cannot open {_dataset_label(choice)}: {error}"))
        return None


def no_dataset_message() -> None:
    st.info(
        "No runs or releases in this workspace yet. Run a recipe first, e.g. `toolpref run demo`, then reload "
        "this page."
    )

"""Overview: how the open dataset (a run's pairs or a release) is made up, and how far review has got."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import data, state
from curation.review import Verdict


def _chart(index: pl.DataFrame, column: str, title: str, horizontal: bool = False) -> None:
    counts = data.counts_by(index, column).with_columns(pl.col(column).cast(pl.String))
    st.markdown(f"**{title}**")
    st.bar_chart(
        counts, x=column, y="pairs", horizontal=horizontal, sort=False if not horizontal else "-pairs", height=260
    )


def _run_funnel(dataset: data.Dataset) -> None:
    if dataset.run is None:
        return
    rows = []
    for step in dataset.run.steps:
        stats = data.step_stats(step.dir)
        rows.append(
            {
                "step": f"{step.index:02d} {step.step}",
                "in": stats.get("in"),
                "out": stats.get("out"),
                "rejected": stats.get("rejected"),
                "seconds": stats.get("seconds"),
            }
        )
    st.subheader("Pipeline")
    st.dataframe(pl.DataFrame(rows, strict=False), hide_index=True, width="stretch")


def main() -> None:
    dataset: data.Dataset | None = st.session_state.get("_dataset")
    st.title("Overview")
    if dataset is None:
        state.no_dataset_message()
        return
    st.text(dataset.label)
    index = state.indexed_with_status(dataset)
    reviewed = index.filter(pl.col("status") != data.UNREVIEWED)
    splits = dict(data.counts_by(index, "split").iter_rows())
    metrics = st.columns(5)
    metrics[0].metric("Pairs", f"{index.height:,}")
    metrics[1].metric("Sources", index["source"].n_unique())
    metrics[2].metric("Train", f"{splits.get('train', 0):,}")
    metrics[3].metric("Validation", f"{splits.get('validation', 0):,}")
    metrics[4].metric("Reviewed", f"{reviewed.height:,}")

    left, right = st.columns(2)
    with left:
        _chart(index, "source", "Pairs per source")
        _chart(index, "error_type", "Pairs per error type (rejected side)", horizontal=True)
        _chart(index, "kind", "Pairs per task kind")
    with right:
        _chart(index, "intensity_bin", "Pairs per intensity bin")
        _chart(index, "complexity", "Pairs per complexity (calls + arguments)")
        _chart(index, "split", "Pairs per split")

    st.subheader("Source × intensity bin")
    st.dataframe(data.bin_by_source(index), hide_index=True, width="stretch")

    st.subheader("Review")
    by_verdict = dict(data.counts_by(reviewed, "status").iter_rows()) if reviewed.height else {}
    review = pl.DataFrame(
        {
            "verdict": [verdict.value for verdict in Verdict],
            "pairs": [by_verdict.get(verdict.value, 0) for verdict in Verdict],
        }
    )
    st.dataframe(review, hide_index=True)
    _run_funnel(dataset)


main()

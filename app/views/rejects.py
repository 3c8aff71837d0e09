"""Rejects: every step's rejected records of a run, by reason, with the record as its source gave it."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import data, state
from curation.pipeline import list_runs, load_run

PAGE_SIZE = 50
RAW_PREVIEW = 160  # characters of the raw record shown in the table; the full text opens below it


def main() -> None:
    st.title("Rejects")
    ws = state.workspace()
    runs = list_runs(ws)
    if not runs:
        state.no_dataset_message()
        return
    dataset: data.Dataset | None = st.session_state.get("_dataset")
    default = runs.index(dataset.name) if dataset is not None and dataset.kind == "run" and dataset.name in runs else 0
    recipe = st.selectbox("Run", runs, index=default, key="rejects_run")
    try:
        run = load_run(ws, recipe)
    except FileNotFoundError as error:
        st.error(state.escape_markdown(str(error)))
        return

    summary = []
    for step in run.steps:
        stats = data.step_stats(step.dir)
        summary.append(
            {"step": f"{step.index:02d} {step.step}", "in": stats.get("in"), "rejected": stats.get("rejected")}
        )
    st.dataframe(pl.DataFrame(summary, strict=False), hide_index=True, width="stretch")

    labels = {f"{step.index:02d} {step.step}": step for step in run.steps}
    with_rejects = [label for label, row in zip(labels, summary, strict=True) if row["rejected"]]
    if not with_rejects:
        st.success("No step of this run rejected anything.")
        return
    label = st.selectbox("Step", with_rejects, key=f"rejects_step_{recipe}")
    step = labels[label]
    reasons = data.reject_reasons(step.dir)
    st.markdown("**Reasons**")
    st.dataframe(
        reasons,
        hide_index=True,
        width="stretch",
        height=35 * (min(reasons.height, 12) + 1) + 3,
        column_config={"reason": st.column_config.TextColumn(width="large")},
    )
    options = ["all reasons", *reasons["reason"].to_list()]
    reason = st.selectbox("Show", options, key=f"rejects_reason_{recipe}_{label}")
    wanted = None if reason == "all reasons" else reason
    total = int(reasons.filter(pl.col("reason") == wanted)["count"].sum()) if wanted else int(reasons["count"].sum())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(int(st.session_state.get(f"rejects_page_{label}_{reason}", 1)), pages)
    rows, total = data.rejects_for(step.dir, wanted, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    st.text(f"{total:,} rejects; select one to see the record as its source gave it")
    table = rows.with_columns(pl.col("raw").str.slice(0, RAW_PREVIEW).alias("raw (start)")).select(
        "id", "reason", "detail", "raw (start)"
    )
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"rejects_table_{label}_{reason}_{page}",
    )
    if pages > 1:
        st.pagination(pages, key=f"rejects_page_{label}_{reason}")
    if event is not None and event.selection.rows:
        picked = rows.row(event.selection.rows[0], named=True)
        st.markdown("**Record**")
        st.text(f"{picked['id']} · {picked['reason']}")
        if picked["detail"]:
            st.text(picked["detail"])
        st.code(picked["raw"] or "(empty)", language=None, wrap_lines=True)


main()

"""Pairs: filter the dataset's pairs, page through them, open one, review it, move to the next.

The filters live in session state (persist_state="session"), so opening a pair, reviewing it and coming back, or
visiting another page, keeps them. The open pair is also in the URL (?pair=...), so a link opens it.
"""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from app import data, state
from app.pair_view import show_pair

PAGE_SIZE = 25
OPEN_KEY = "pair_id"  # the open pair; None for the list
POSITION_KEY = "pair_position"  # where the open pair sat in the filtered list, for next after it drops out
TABLE_EPOCH_KEY = "pairs_table_epoch"  # bumped to clear the table's row selection when going back to the list
FILTER_KEYS = ("f_source", "f_subset", "f_error", "f_bin", "f_kind", "f_split", "f_complexity", "f_status", "f_text")


def _reset_filters_if_dataset_changed(dataset: data.Dataset) -> None:
    # Options differ between datasets: a value kept from another dataset would not be among them.
    if st.session_state.get("filters_for") != dataset.label:
        for key in (*FILTER_KEYS, "f_page", OPEN_KEY, POSITION_KEY):
            st.session_state.pop(key, None)
        st.session_state["filters_for"] = dataset.label


def filters(index: pl.DataFrame) -> data.PairFilter:
    bounds = index.select(pl.col("complexity").min().alias("low"), pl.col("complexity").max().alias("high"))
    low, high = (int(value or 0) for value in bounds.row(0))
    with st.expander("Filters", expanded=not st.session_state.get(OPEN_KEY), icon=":material/filter_list:"):
        first = st.columns([2, 2, 3, 2, 2])
        sources = first[0].multiselect(
            "Source", data.distinct(index, "source"), key="f_source", persist_state="session"
        )
        subsets = first[1].multiselect(
            "Subset", data.distinct(index, "subset"), key="f_subset", persist_state="session"
        )
        errors = first[2].multiselect(
            "Error type", data.distinct(index, "error_type"), key="f_error", persist_state="session"
        )
        bins = first[3].multiselect("Intensity bin", list(range(1, 11)), key="f_bin", persist_state="session")
        statuses = first[4].multiselect(
            "Review status", list(data.REVIEW_STATUSES), key="f_status", persist_state="session"
        )
        second = st.columns([2, 2, 3, 4])
        kinds = second[0].multiselect("Kind", data.distinct(index, "kind"), key="f_kind", persist_state="session")
        splits = second[1].multiselect("Split", data.distinct(index, "split"), key="f_split", persist_state="session")
        if low < high:
            complexity = second[2].slider(
                "Complexity", low, high, (low, high), key="f_complexity", persist_state="session"
            )
        else:
            complexity = (low, high)
        text = second[3].text_input(
            "Search", key="f_text", placeholder="words in the conversation, tools or answers", persist_state="session"
        )
    return data.PairFilter(
        sources=tuple(sources),
        subsets=tuple(subsets),
        error_types=tuple(errors),
        bins=tuple(bins),
        kinds=tuple(kinds),
        splits=tuple(splits),
        complexity=None if complexity == (low, high) else (int(complexity[0]), int(complexity[1])),
        statuses=tuple(statuses),
        text=text,
    )


def open_pair(pair_id: str, position: int) -> None:
    st.session_state[OPEN_KEY] = pair_id
    st.session_state[POSITION_KEY] = position
    st.query_params["pair"] = pair_id


def _open_selected(key: str, ids: tuple[str, ...], offset: int) -> None:
    rows = st.session_state[key].selection.rows
    if rows:
        open_pair(ids[rows[0]], offset + rows[0])


def close_pair() -> None:
    st.session_state[OPEN_KEY] = None
    st.session_state[TABLE_EPOCH_KEY] = st.session_state.get(TABLE_EPOCH_KEY, 0) + 1
    st.query_params.pop("pair", None)


def pair_list(rows: pl.DataFrame, total: int, chosen: data.PairFilter) -> None:
    matched = rows.height
    head = st.columns([4, 2])
    head[0].text(f"{matched:,} of {total:,} pairs match")
    if matched:
        head[1].button(
            "Review from the first match",
            icon=":material/play_arrow:",
            width="stretch",
            on_click=open_pair,
            args=(rows["pair_id"][0], 0),
        )
    if not matched:
        st.info("No pair matches these filters.")
        return
    pages = max(1, -(-matched // PAGE_SIZE))
    signature = hash(chosen)
    if st.session_state.get("f_signature") != signature:  # a new filter starts at its first page
        st.session_state["f_signature"] = signature
        st.session_state.pop("f_page", None)
    page = st.session_state.get("f_page", 1)
    page = min(max(1, int(page)), pages)
    shown = data.table_page(rows, page, PAGE_SIZE)
    epoch = st.session_state.get(TABLE_EPOCH_KEY, 0)
    # A new key per filter, page and visit: a selection never outlives the rows it pointed at.
    key = f"pairs_table_{signature}_{page}_{epoch}"
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        on_select=partial(_open_selected, key, tuple(shown["pair_id"]), (page - 1) * PAGE_SIZE),
        selection_mode="single-row",
        key=key,
        height=35 * (shown.height + 1) + 3,
        column_config={
            "intensity_bin": st.column_config.NumberColumn("bin"),
            "pair_id": st.column_config.TextColumn("pair"),
        },
    )
    if pages > 1:
        st.pagination(pages, default=page, key="f_page")


def pair_page(rows: pl.DataFrame, dataset: data.Dataset, index: pl.DataFrame) -> None:
    pair_id: str = st.session_state[OPEN_KEY]
    ids = rows["pair_id"]
    found = rows.with_row_index("at").filter(pl.col("pair_id") == pair_id)["at"]
    in_filter = found.len() > 0
    position = int(found[0]) if in_filter else int(st.session_state.get(POSITION_KEY, 0))
    # A pair that left the filter (reviewed while filtering on "unreviewed") leaves its successor at its place.
    next_position = position + 1 if in_filter else position
    bar = st.columns([2, 1, 1, 4])
    # Callbacks change the open pair before the next run, so a click costs one script run, not two.
    bar[0].button("Back to the list", icon=":material/arrow_back:", width="stretch", on_click=close_pair)
    previous = min(position - 1, len(ids) - 1)
    bar[1].button(
        "Previous",
        icon=":material/chevron_left:",
        disabled=previous < 0,
        width="stretch",
        on_click=open_pair,
        args=(ids[previous] if previous >= 0 else "", previous),
    )
    has_next = next_position < len(ids)
    bar[2].button(
        "Next",
        icon=":material/chevron_right:",
        disabled=not has_next,
        width="stretch",
        on_click=open_pair,
        args=(ids[next_position] if has_next else "", next_position),
    )
    where = f"{position + 1:,} of {len(ids):,} matching pairs" if in_filter else "not among the filtered pairs"
    bar[3].text(f"Pair {pair_id} · {where}")
    location = index.filter(pl.col("pair_id") == pair_id).select("file", "row")
    if location.height == 0:
        st.warning(state.escape_markdown(f"Pair {pair_id} is not in {dataset.label}."))
        return
    pair = data.read_pair(dataset.files, int(location["file"][0]), int(location["row"][0]))
    show_pair(pair)


def main() -> None:
    dataset: data.Dataset | None = st.session_state.get("_dataset")
    if dataset is None:
        state.no_dataset_message()
        return
    _reset_filters_if_dataset_changed(dataset)
    if OPEN_KEY not in st.session_state and st.query_params.get("pair"):
        st.session_state[OPEN_KEY] = st.query_params["pair"]
    index = state.indexed_with_status(dataset)
    st.title("Pairs")
    chosen = filters(index)
    rows = data.filter_pairs(index, chosen)
    if st.session_state.get(OPEN_KEY):
        pair_page(rows, dataset, index)
    else:
        pair_list(rows, index.height, chosen)


main()

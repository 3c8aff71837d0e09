"""One pair on screen: conversation, tools, chosen vs rejected with the differences highlighted, scores and
provenance, and the review controls. Every value from the data goes through st.text / st.code / st.json /
st.dataframe (or escape_markdown), never through Markdown or HTML as is."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from app.pair_diff import Change, diff_calls
from app.state import escape_markdown, reviewer, store
from curation.review import Verdict
from curation.schema import Candidate, Message, Pair, Score

# Background of a difference row; the text stays the theme's colour, so both themes stay readable.
CHANGE_COLOURS = {
    Change.same: "",
    Change.changed: "background-color: rgba(255, 170, 0, 0.28)",
    Change.missing: "background-color: rgba(255, 75, 75, 0.25)",
    Change.extra: "background-color: rgba(60, 140, 255, 0.25)",
    Change.renamed: "background-color: rgba(255, 75, 75, 0.35)",
    Change.call_missing: "background-color: rgba(255, 75, 75, 0.35)",
    Change.call_extra: "background-color: rgba(60, 140, 255, 0.35)",
}
VERDICT_BUTTONS = (
    (Verdict.accept, "Accept", ":material/check:"),
    (Verdict.reject, "Reject", ":material/close:"),
    (Verdict.swap, "Swap", ":material/swap_horiz:"),
    (Verdict.flag, "Flag", ":material/flag:"),
)
AVATARS = {
    "system": ":material/settings:",
    "user": ":material/person:",
    "assistant": ":material/smart_toy:",
    "tool": ":material/build:",
}


def _calls_json(message: Message | Candidate) -> str:
    calls = message.tool_calls if isinstance(message, Message) else message.calls
    return json.dumps([call.model_dump(mode="json") for call in calls], indent=2, ensure_ascii=False)


def conversation(pair: Pair) -> None:
    for message in pair.task.history:
        with st.chat_message(message.role, avatar=AVATARS[message.role]):
            label = message.role if message.name is None else f"{message.role} · {message.name}"
            st.caption(escape_markdown(label))
            if message.content:
                st.text(message.content)
            if message.tool_calls:
                st.code(_calls_json(message), language="json")


def tools(pair: Pair) -> None:
    for tool in pair.task.tools:
        st.code(f"{tool.name}\n{tool.description}".rstrip(), language=None)
        st.json(tool.parameters, expanded=False)


def _table_height(rows: int) -> int:
    """Pixels that show ``rows`` rows and the header without a scrollbar."""
    return 35 * (rows + 1) + 3


def _candidate(title: str, candidate: Candidate, score: Score) -> None:
    st.markdown(f"**{title}**")
    facts = {
        "origin": candidate.origin,
        "similarity": f"{score.similarity:.3f}",
        "exact": "yes" if score.exact else "no",
        "error type": score.error_type.value if score.error_type else "—",
        "detail": score.detail or "—",
    }
    if candidate.parse_error:
        facts["parse error"] = candidate.parse_error
    st.dataframe(
        pd.DataFrame({"": list(facts), "value": list(facts.values())}),
        hide_index=True,
        width="stretch",
        height=_table_height(len(facts)),
    )
    st.code(candidate.text or "(empty)", language=None, wrap_lines=True)
    if candidate.calls:
        with st.expander(f"Parsed calls ({len(candidate.calls)})"):
            st.code(_calls_json(candidate), language="json")


def side_by_side(pair: Pair) -> None:
    left, right = st.columns(2)
    with left:
        _candidate("Chosen", pair.chosen, pair.chosen_score)
    with right:
        _candidate("Rejected", pair.rejected, pair.rejected_score)


def differences(pair: Pair) -> None:
    rows = diff_calls(pair.chosen.calls, pair.rejected.calls)
    if not rows:
        st.info("Neither side calls a tool: compare the texts above.")
        return
    only_changes = st.toggle("Only differences", value=True, key="diff_only_changes")
    shown = [row for row in rows if not (only_changes and row.change is Change.same)]
    if not shown:
        st.info("The calls are identical: the pair differs only in its text.")
        return
    frame = pd.DataFrame(
        {
            "call": [r.call for r in shown],
            "function": [r.function for r in shown],
            "argument": [r.argument for r in shown],
            "chosen": [r.chosen for r in shown],
            "rejected": [r.rejected for r in shown],
            "change": [r.change.value for r in shown],
        }
    )
    colours = [CHANGE_COLOURS[r.change] for r in shown]
    styled = frame.style.apply(lambda row: [colours[row.name]] * len(row), axis=1)
    st.dataframe(styled, hide_index=True, width="stretch", key="diff_table")


def provenance(pair: Pair) -> None:
    task = pair.task
    facts: dict[str, Any] = {
        "pair id": pair.pair_id,
        "source": pair.source,
        "subset": pair.subset or "—",
        "license": task.license or "—",
        "task id": task.id,
        "trajectory id": task.trajectory_id,
        "turn": task.turn,
        "kind": pair.kind.value,
        "complexity": pair.complexity,
        "intensity": round(pair.intensity, 4),
        "intensity bin": pair.intensity_bin,
        "error type": pair.error_type.value if pair.error_type else "—",
        "split": pair.split or "—",
        "chosen candidate": pair.chosen.id,
        "rejected candidate": pair.rejected.id,
        "rejected seed": "—" if pair.rejected.seed is None else pair.rejected.seed,
    }
    st.dataframe(
        pd.DataFrame({"field": list(facts), "value": [str(v) for v in facts.values()]}),
        hide_index=True,
        width="stretch",
        height=_table_height(len(facts)),
    )
    generation = {"chosen": pair.chosen.params, "rejected": pair.rejected.params}
    if any(generation.values()) or task.meta:
        with st.expander("Generation parameters and task metadata"):
            st.json({"generation params": generation, "task meta": task.meta})


def _record(pair_id: str, verdict: Verdict) -> None:
    """A verdict button's callback: runs before the script, so the page drawn next already shows the decision."""
    store().record(pair_id, verdict, note=str(st.session_state.get("decision_note", "")), reviewer=reviewer())


def review_controls(pair_id: str) -> None:
    """Verdict buttons with a note, and the pair's decision history."""
    reviews = store()
    with st.form("decision", clear_on_submit=True, border=True):
        st.text_input("Note", placeholder="why (optional)", key="decision_note")
        columns = [*st.columns(2), *st.columns(2)]
        for column, (verdict, label, icon) in zip(columns, VERDICT_BUTTONS, strict=True):
            with column:
                st.form_submit_button(
                    label,
                    icon=icon,
                    width="stretch",
                    key=f"verdict_{verdict.value}",
                    on_click=_record,
                    args=(pair_id, verdict),
                )
    if not reviewer():
        st.caption("Set your name in the sidebar: it is recorded with each decision.")
    history = reviews.history(pair_id)
    if history:
        latest = history[-1]
        st.success(escape_markdown(f"Current verdict: {latest.verdict.value} (by {latest.reviewer or 'anonymous'})"))
        st.dataframe(
            pd.DataFrame(
                {
                    "time (UTC)": [d.time[:19].replace("T", " ") for d in reversed(history)],
                    "verdict": [d.verdict.value for d in reversed(history)],
                    "reviewer": [d.reviewer for d in reversed(history)],
                    "note": [d.note for d in reversed(history)],
                }
            ),
            hide_index=True,
            width="stretch",
            key="decision_history",
        )
    else:
        st.caption("Not reviewed yet.")


def show_pair(pair: Pair) -> None:
    """The whole pair page below the navigation bar."""
    summary = {
        "source": f"{pair.source}/{pair.subset}" if pair.subset else pair.source,
        "kind": pair.kind.value,
        "error type": pair.error_type.value if pair.error_type else "—",
        "intensity": f"{pair.intensity:.3f} (bin {pair.intensity_bin})",
        "complexity": str(pair.complexity),
        "split": pair.split or "—",
    }
    st.dataframe(pd.DataFrame([summary]), hide_index=True, width="stretch", key="pair_summary")
    main, side = st.columns([3, 2], gap="large")
    with main:
        st.subheader("Chosen vs rejected")
        differences(pair)
        side_by_side(pair)
        st.subheader("Conversation")
        conversation(pair)
    with side:
        st.subheader("Review")
        review_controls(pair.pair_id)
        st.subheader("Scores and provenance")
        provenance(pair)
        with st.expander(f"Tools ({len(pair.task.tools)})"):
            tools(pair)

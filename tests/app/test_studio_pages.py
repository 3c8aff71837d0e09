"""The studio's pages run by Streamlit's own AppTest over a real run folder and a real review store.

Expected numbers come from the fixture's Pair objects, never from the studio's own index.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from curation.review import ReviewStore, Verdict
from curation.schema import Message, Pair
from tests.app.conftest import STUDIO, StudioWorkspace
from tests.app.pair_factory import make_pairs, write_run

TIMEOUT = 60


def open_page(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(STUDIO), default_timeout=TIMEOUT).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> list[str]:
    return [str(element.value) for element in at.text]


def click(at: AppTest, label: str) -> AppTest:
    buttons = [button for button in at.button if button.label == label]
    assert buttons, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    buttons[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def match_line(at: AppTest) -> str:
    return next(text for text in texts(at) if "pairs match" in text)


def searchable(pair: Pair) -> str:
    parts = [pair.pair_id, pair.task.id, *(t.name for t in pair.task.tools)]
    parts += [m.content for m in pair.task.history] + [pair.chosen.text, pair.rejected.text]
    return "\n".join(parts).lower()


def test_overview_counts_the_run(studio_workspace: StudioWorkspace) -> None:
    pairs = studio_workspace.pairs
    ReviewStore(studio_workspace.review_db).record_many([(pairs[0].pair_id, "reject"), (pairs[1].pair_id, "flag")])
    at = open_page()
    metrics = {metric.label: metric.value for metric in at.metric}
    splits = Counter(pair.split for pair in pairs)
    assert metrics == {
        "Pairs": str(len(pairs)),
        "Sources": str(len({pair.source for pair in pairs})),
        "Train": str(splits["train"]),
        "Validation": str(splits["validation"]),
        "Reviewed": "2",
    }
    assert "run: demo" in texts(at)
    # The source x bin table holds one row per source with the count of each bin.
    table = at.dataframe[0].value
    glaive = table[table["source"] == "glaive"].iloc[0]
    expected = Counter(p.intensity_bin for p in pairs if p.source == "glaive")
    assert {int(k): int(v) for k, v in glaive.drop("source").items() if v} == dict(expected)


def test_filters_narrow_the_pairs(studio_workspace: StudioWorkspace) -> None:
    pairs = studio_workspace.pairs
    at = open_page("views/pairs.py")
    assert match_line(at) == f"{len(pairs)} of {len(pairs)} pairs match"

    at.multiselect(key="f_source").select("glaive").select("hermes").run()
    wanted = [p for p in pairs if p.source in ("glaive", "hermes")]
    assert match_line(at) == f"{len(wanted)} of {len(pairs)} pairs match"

    at.multiselect(key="f_error").select("wrong_param_value").run()
    wanted = [p for p in wanted if p.error_type is not None and p.error_type.value == "wrong_param_value"]
    assert match_line(at) == f"{len(wanted)} of {len(pairs)} pairs match"
    shown = at.dataframe[0].value
    assert sorted(shown["pair_id"]) == sorted(p.pair_id for p in wanted)

    at.multiselect(key="f_source").unselect("glaive").unselect("hermes").run()
    at.multiselect(key="f_error").unselect("wrong_param_value").run()
    at.slider(key="f_complexity").set_range(4, 6).run()
    at.multiselect(key="f_bin").select(10).run()
    wanted = [p for p in pairs if 4 <= p.complexity <= 6 and p.intensity_bin == 10]
    assert match_line(at) == f"{len(wanted)} of {len(pairs)} pairs match"


def test_text_search_is_literal_and_case_insensitive(studio_workspace: StudioWorkspace) -> None:
    pairs = studio_workspace.pairs
    at = open_page("views/pairs.py")
    at.text_input(key="f_text").input("NAIROBI").run()
    wanted = [p for p in pairs if "nairobi" in searchable(p)]
    assert wanted, "the fixture should mention Nairobi somewhere"
    assert match_line(at) == f"{len(wanted)} of {len(pairs)} pairs match"
    at.text_input(key="f_text").input("get_.*(").run()  # a regex metacharacter soup matches nothing, and no crash
    assert "No pair matches these filters." in [info.value for info in at.info]


def test_review_status_filter_follows_the_store(studio_workspace: StudioWorkspace) -> None:
    pairs = studio_workspace.pairs
    store = ReviewStore(studio_workspace.review_db)
    store.record(pairs[3].pair_id, Verdict.accept)
    store.record(pairs[4].pair_id, Verdict.reject)
    store.record(pairs[3].pair_id, Verdict.reject, note="on second thought")
    at = open_page("views/pairs.py")
    at.multiselect(key="f_status").select("reject").run()
    assert sorted(at.dataframe[0].value["pair_id"]) == sorted([pairs[3].pair_id, pairs[4].pair_id])
    at.multiselect(key="f_status").unselect("reject").select("unreviewed").run()
    assert match_line(at) == f"{len(pairs) - 2} of {len(pairs)} pairs match"


def test_a_pair_page_shows_the_pair_and_records_a_decision(studio_workspace: StudioWorkspace) -> None:
    pairs = studio_workspace.pairs
    at = open_page("views/pairs.py")
    at.sidebar.text_input(key="reviewer").input("ada").run()
    at.multiselect(key="f_source").select("button").run()
    click(at, "Review from the first match")
    first = next(p for p in pairs if p.source == "button")
    shown = texts(at)
    assert any(first.pair_id in text and "1 of" in text for text in shown)
    for message in first.task.history:
        if message.content:
            assert message.content in shown
    codes = [code.value for code in at.code]
    assert first.chosen.text in codes and first.rejected.text in codes
    assert at.query_params["pair"] == first.pair_id

    at.text_input(key="decision_note").input("the unit is wrong")
    click(at, "Reject")
    history = ReviewStore(studio_workspace.review_db).history(first.pair_id)
    assert [(d.verdict, d.note, d.reviewer) for d in history] == [(Verdict.reject, "the unit is wrong", "ada")]
    assert any("Current verdict: reject" in s.value.replace("\\", "") for s in at.success)


def test_next_and_previous_keep_the_filter(studio_workspace: StudioWorkspace) -> None:
    pairs = studio_workspace.pairs
    hermes = [p for p in pairs if p.source == "hermes"]
    at = open_page("views/pairs.py")
    at.multiselect(key="f_source").select("hermes").run()
    click(at, "Review from the first match")
    click(at, "Next")
    assert any(hermes[1].pair_id in t and f"2 of {len(hermes)}" in t for t in texts(at))
    click(at, "Next")
    click(at, "Previous")
    assert any(hermes[1].pair_id in t for t in texts(at))
    at.switch_page("views/overview.py").run()  # another page and back: the filter is still there
    at.switch_page("views/pairs.py").run()
    assert at.multiselect(key="f_source").value == ["hermes"]
    click(at, "Back to the list")
    assert match_line(at) == f"{len(hermes)} of {len(pairs)} pairs match"


def test_next_after_a_pair_leaves_the_filter(studio_workspace: StudioWorkspace) -> None:
    pairs = studio_workspace.pairs
    at = open_page("views/pairs.py")
    at.multiselect(key="f_status").select("unreviewed").run()
    click(at, "Review from the first match")
    click(at, "Accept")  # pairs[0] is no longer unreviewed
    assert any("not among the filtered pairs" in t for t in texts(at))
    click(at, "Next")
    assert any(pairs[1].pair_id in t and f"1 of {len(pairs) - 1}" in t for t in texts(at))


def test_data_is_rendered_as_text_never_as_markup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = "<img src=x onerror=alert(1)> **bold** [link](http://example.com) $x^2$ :red[red]"
    pair = next(make_pairs(1, seed=3))
    history = (*pair.task.history[:-1], Message(role="user", content=hostile))
    pair = pair.model_copy(update={"task": pair.task.model_copy(update={"history": history})})
    write_run(tmp_path / "ws", [pair])
    monkeypatch.setenv("TOOLPREF_HOME", str(tmp_path / "ws"))
    at = open_page("views/pairs.py")
    click(at, "Review from the first match")
    assert hostile in texts(at)
    for element in [*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.error]:
        assert "onerror" not in str(element.value) and "**bold**" not in str(element.value)


def test_rejects_page_lists_reasons_per_step(studio_workspace: StudioWorkspace) -> None:
    at = open_page("views/rejects.py")
    steps = at.selectbox(key="rejects_step_demo")
    assert steps.options == ["01 ingest", "03 validate", "06 difficulty", "07 pair", "08 balance"]
    steps.select("03 validate").run()
    reasons = at.dataframe[1].value
    assert dict(zip(reasons["reason"], reasons["count"], strict=True)) == {
        "unknown function": 3,
        "missing required argument": 3,
    }
    at.selectbox(key="rejects_reason_demo_03 validate").select("unknown function").run()
    rows = at.dataframe[2].value
    assert list(rows["reason"]) == ["unknown function"] * 3
    assert any(text.startswith("3 rejects;") for text in texts(at))


def test_an_empty_workspace_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLPREF_HOME", str(tmp_path / "empty"))
    for page in (None, "views/pairs.py", "views/rejects.py"):
        at = open_page(page)
        assert any("toolpref run demo" in info.value for info in at.info)


def test_the_run_named_by_the_command_opens_first(
    studio_workspace: StudioWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_run(studio_workspace.root, studio_workspace.pairs[:7], recipe="small")
    monkeypatch.setenv("TOOLPREF_STUDIO_RUN", "small")
    at = open_page()
    assert at.sidebar.selectbox(key="dataset").value == ("run", "small")
    assert {metric.label: metric.value for metric in at.metric}["Pairs"] == "7"

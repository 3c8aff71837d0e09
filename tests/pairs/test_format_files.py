"""The fast paths of `format` against the plain ones they replace: the step's export (Arrow's JSON reader over the
data file) writes the same bytes as write_configs over the same rows, and every spliced text equals what
json.dumps / pydantic write for the whole value."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import curation.config_files as config_files
from curation.config_files import export_configs, write_configs
from curation.config_rows import ToolTexts, pair_json, task_parts
from curation.records_io import write_records
from curation.render import chat_message, openai_tools, tool_json, tools_text, with_tools_in_system
from curation.schema import FormattedRow, Message, Pair, ToolCall, ToolSpec
from curation.steps.format import FormatOptions, format_pairs
from tests.pairs.records import WEATHER, pair

# Text that JSON has to escape or that is not ASCII, and floats whose shortest form is long or odd.
AWKWARD = 'Line one\nline "two"\t\\ back\u0001slash — café 東京 🚀 \u2028'
AWKWARD_FLOATS = (0.1 + 0.2, 1e-7, 5e-324, 1.7976931348623157e308, 123456789.00000001)


def awkward_pairs(n: int) -> list[Pair]:
    """Pairs whose history, tools and arguments hold awkward text and numbers, over a few tasks of several pairs."""
    odd_tool = ToolSpec(
        name="lookup",
        description=AWKWARD,
        parameters={
            "type": "object",
            "properties": {"q": {"type": "string", "x-original-type": "str", "default": AWKWARD}},
            "required": ["q"],
        },
    )
    pairs = []
    for i in range(n):
        base = pair(f"pair{i:03d}", task_id=f"apigen:{i // 4}#1", split="validation" if i % 3 == 0 else "train")
        history = (
            Message(role="system", content=AWKWARD) if i // 4 % 2 else Message(role="user", content="hi"),
            Message(role="user", content=f"{AWKWARD} {i // 4}"),
            Message(role="assistant", tool_calls=(ToolCall(name="lookup", arguments={"q": AWKWARD, "n": 1.0}),)),
            Message(role="tool", name="lookup", content=AWKWARD),
        )
        task = base.task.model_copy(update={"history": history, "tools": (WEATHER, odd_tool)})
        rejected = base.rejected.model_copy(
            update={"calls": (ToolCall(name="get_weather", arguments={"city": AWKWARD, "x": AWKWARD_FLOATS}),)}
        )
        update = {"task": task, "rejected": rejected, "intensity": AWKWARD_FLOATS[i % len(AWKWARD_FLOATS)] % 1}
        pairs.append(base.model_copy(update=update))
    return pairs


def test_export_writes_the_same_bytes_as_write_configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small row groups and batches, so that both paths cut groups and batches in many places.
    monkeypatch.setattr(config_files, "ROWS_PER_GROUP", 7)
    monkeypatch.setattr(config_files, "_BATCH_ROWS", 13)
    rows = list(format_pairs(awkward_pairs(40), FormatOptions(seed=1)))
    write_records(tmp_path / "data.parquet", rows, FormattedRow)

    expected = write_configs(rows, tmp_path / "from_rows")
    counts = export_configs(tmp_path / "data.parquet", tmp_path / "from_data")

    assert counts == expected and list(counts) == list(expected)
    assert counts["pairs"] == {"train": 26, "validation": 14}
    files = sorted(path.relative_to(tmp_path / "from_rows") for path in (tmp_path / "from_rows").rglob("*.parquet"))
    assert len(files) == 10
    for name in files:
        assert (tmp_path / "from_data" / name).read_bytes() == (tmp_path / "from_rows" / name).read_bytes(), name
    table = pq.read_table(tmp_path / "from_data" / "genrm_think" / "validation.parquet")
    assert [info["index"] for info in table.column("extra_info").to_pylist()] == list(range(14))
    assert pq.ParquetFile(tmp_path / "from_data" / "pairs" / "train.parquet").metadata.num_row_groups == 4


def test_export_and_write_configs_refuse_misfiled_or_unknown_rows(tmp_path: Path) -> None:
    row = next(format_pairs(awkward_pairs(1), FormatOptions(configs=["genrm_think"])))
    cases = {
        "another config": ("genrm_no_think/validation/x", row.model_dump_json()),  # same schema, other config
        "under disc/validation do not fit its schema": ("disc/validation/x", row.model_dump_json()),
        "unknown release config 'sft'": ("sft/train/x", "{}"),
        "is not <config>/<split>/<pair_id>": ("no-slashes", "{}"),
    }
    for message, (identifier, record) in cases.items():
        pq.write_table(pa.table({"id": [identifier], "record": [record]}), tmp_path / "data.parquet")
        with pytest.raises(ValueError, match=message):
            export_configs(tmp_path / "data.parquet", tmp_path / "out")
    with pytest.raises(ValueError, match="unknown release config 'sft'"):
        write_configs([row.model_copy(update={"config": "sft"})], tmp_path / "out")


def test_spliced_texts_equal_whole_serializations() -> None:
    texts = ToolTexts()
    for source in awkward_pairs(6):
        task = source.task
        parts = task_parts(task, texts)
        assert parts == task_parts(task)  # the tool cache changes nothing
        assert pair_json(source, parts.task_json) == source.model_dump_json()
        assert parts.tools_json == json.dumps([tool_json(tool) for tool in task.tools], ensure_ascii=False)
        assert parts.openai_tools_json == json.dumps(openai_tools(task.tools), ensure_ascii=False)
        reference = "\n".join(
            json.dumps({"type": "function", "function": tool_json(tool)}, ensure_ascii=False) for tool in task.tools
        )
        assert tools_text(task.tools) == reference
        assert parts.context == [chat_message(m) for m in with_tools_in_system(task.tools, task.history)]


@pytest.mark.parametrize("first", ["system", "user", None])
@pytest.mark.parametrize("tools", [(), (WEATHER,)])
def test_context_reuses_history_only_where_it_is_unchanged(first: str | None, tools: tuple[ToolSpec, ...]) -> None:
    history = () if first is None else (Message(role=first, content="hello"), Message(role="user", content="hi"))  # type: ignore[arg-type]
    task = pair("p").task.model_copy(update={"history": history, "tools": tools})
    assert task_parts(task).context == [chat_message(m) for m in with_tools_in_system(tools, history)]


def test_tool_texts_tell_apart_tools_that_compare_equal_in_python() -> None:
    texts = ToolTexts(size=2)
    as_int = WEATHER.model_copy(update={"parameters": {"type": "object", "properties": {}, "default": 1}})
    as_float = WEATHER.model_copy(update={"parameters": {"type": "object", "properties": {}, "default": 1.0}})
    assert as_int.parameters == as_float.parameters  # 1 == 1.0, yet they are different JSON
    assert texts(as_int).endswith('"default": 1}}') and texts(as_float).endswith('"default": 1.0}}')
    for tool in (WEATHER, as_int, as_float, WEATHER):  # more tools than the cache holds
        assert texts(tool) == json.dumps(tool_json(tool), ensure_ascii=False)

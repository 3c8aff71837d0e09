"""Building a release from a real run folder: files, card, manifest, review decisions, immutability."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from curation.records_io import read_records, write_records
from curation.release import (
    ReleaseError,
    ReleaseExistsError,
    build_release,
    list_releases,
    resolve_release,
    verify_release,
)
from curation.review import ReviewStore
from curation.schema import Pair
from curation.workspace import Workspace
from tests.release.conftest import LICENSES, RunSpec, cli_env, make_pool

CONFIGS = ("pairs", "genrm_think", "genrm_no_think", "disc", "trl")


def balanced_pairs(run_dir: Path) -> list[Pair]:
    run = json.loads((run_dir / "run.json").read_text())
    balance = next(s for s in run["steps"] if s["step"] == "balance")
    return list(read_records(run_dir / balance["dir"] / "data.parquet", Pair))


def rows(path: Path) -> list[dict[str, Any]]:
    return pq.read_table(path).to_pylist()


def released_records(release_dir: Path) -> dict[str, dict[str, Any]]:
    """pair id -> the Pair JSON held in the `pairs` config, over both splits."""
    found = {}
    for split in ("train", "validation"):
        for row in rows(release_dir / "pairs" / f"{split}.parquet"):
            found[row["pair_id"]] = json.loads(row["record"])
    return found


def front_matter(readme: Path) -> dict[str, Any]:
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    loaded: dict[str, Any] = yaml.safe_load(text[4:].split("\n---\n", 1)[0])
    return loaded


def test_release_holds_every_config_split_and_the_run_provenance(
    workspace: Workspace, toy_run: Callable[..., Path]
) -> None:
    run_dir = toy_run()
    expected = balanced_pairs(run_dir)
    by_split = Counter(p.split for p in expected)
    release = build_release(workspace, "toy", "toolpref", "v1", plots=False)

    assert release.path == workspace.releases / "toolpref" / "v1"
    for config in CONFIGS:
        for split in ("train", "validation"):
            assert pq.ParquetFile(release.path / config / f"{split}.parquet").metadata.num_rows == by_split[split]
    assert {pid for pid in released_records(release.path)} == {p.pair_id for p in expected}
    assert (release.path / "recipe.yaml").read_bytes() == (run_dir / "recipe.yaml").read_bytes()

    manifest = json.loads((release.path / "manifest.json").read_text())
    on_disk = sorted(
        p.relative_to(release.path).as_posix()
        for p in release.path.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )
    assert sorted(manifest["files"]) == on_disk
    for name, entry in manifest["files"].items():
        content = (release.path / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
    run = json.loads((run_dir / "run.json").read_text())
    assert [(s["step"], s["hash"]) for s in manifest["run"]["steps"]] == [(s["step"], s["hash"]) for s in run["steps"]]
    assert manifest["run"]["code_version"] == "0.1.0+test"
    assert manifest["code"]["package_version"] == "0.1.0"
    assert "git_commit" in manifest["code"]
    assert manifest["review"] == {
        "snapshot": None,
        "applied": {
            "pairs_in_run": len(expected),
            "released": len(expected),
            "unreviewed": len(expected),
            "accepted": 0,
            "rejected": [],
            "swapped": [],
            "flagged": [],
            "decisions_not_in_run": 0,
        },
    }
    assert manifest["summary"]["splits"] == {"train": by_split["train"], "validation": by_split["validation"]}
    assert not [p for p in release.path.parent.iterdir() if p.name.startswith(".")]  # no temporary left


def test_stats_count_the_released_pairs(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    expected = balanced_pairs(toy_run())
    release = build_release(workspace, "toy", "toolpref", "v1", plots=False)
    stats = json.loads((release.path / "stats.json").read_text())
    pairs = stats["pairs"]
    assert pairs["total"] == len(expected)
    for source in LICENSES:
        of_source = [p for p in expected if p.source == source]
        assert pairs["sources"][source]["total"] == len(of_source)
        assert pairs["sources"][source]["validation"] == sum(p.split == "validation" for p in of_source)
        assert pairs["sources"][source]["licenses"] == [LICENSES[source]]
    assert pairs["intensity_bins"] == {str(b): sum(p.intensity_bin == b for p in expected) for b in range(1, 11)}
    assert pairs["error_types"] == dict(Counter(p.error_type.value for p in expected if p.error_type))
    assert pairs["complexity"]["max"] == max(p.complexity for p in expected)
    assert [s["step"] for s in stats["run"]["steps"]] == ["pair", "balance", "format"]
    assert stats["run"]["balance"]["achieved"]["total"] == len(expected)


def test_card_metadata_names_every_config_license_and_size(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    toy_run()
    release = build_release(workspace, "toy", "toolpref", "v1", hub_repo="org/toolpref", plots=True)
    meta = front_matter(release.path / "README.md")
    assert meta["license"] == "other"  # the sources' licenses differ
    assert (meta["license_name"], meta["license_link"]) == ("per-source", "LICENSE.md")
    licenses = (release.path / "LICENSE.md").read_text()
    for source, license_id in LICENSES.items():
        assert re.search(rf"^\| {source} \| [^|]+ \| {license_id} \| 9 \|$", licenses, re.MULTILINE)
    assert meta["size_categories"] == ["n<1K"]
    assert set(meta["task_categories"]) == {"text-classification", "text-generation"}
    assert [c["config_name"] for c in meta["configs"]] == list(CONFIGS)
    assert [c.get("default", False) for c in meta["configs"]] == [True, False, False, False, False]
    for config in meta["configs"]:
        assert config["data_files"] == [
            {"split": split, "path": f"{config['config_name']}/{split}.parquet"} for split in ("train", "validation")
        ]
    text = (release.path / "README.md").read_text()
    for section in ("## Sources", "## Method", "## Balance", "## Review", "## Known limits"):
        assert section in text
    assert 'load_dataset("org/toolpref", "pairs", revision="v1")' in text
    assert "Rows from apigen_mt are CC-BY-NC-4.0: non-commercial use only." in text
    balance = next(
        s for s in json.loads((release.path / "manifest.json").read_text())["run"]["steps"] if s["step"] == "balance"
    )
    reasons = Counter(
        pq.read_table(workspace.run_dir("toy") / balance["dir"] / "rejects.parquet").column("reason").to_pylist()
    )
    top = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    assert f"| 2 | balance | 48 | 36 | 12 | {top[0]} ({top[1]})" in text  # the most frequent reject reason first
    for plot in json.loads((release.path / "manifest.json").read_text())["files"]:
        if plot.endswith(".png"):
            assert f"]({plot})" in text  # every plot is shown in the card


def test_a_single_license_is_the_card_license(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    toy_run(make_pool(sources=("glaive", "hermes")), RunSpec(target_size=18, validation_size=4))
    release = build_release(workspace, "toy", "apache-only", "v1", plots=False)
    meta = front_matter(release.path / "README.md")
    assert meta["license"] == "apache-2.0"
    assert "license_name" not in meta
    assert not (release.path / "LICENSE.md").exists()


def test_datasets_reads_every_config_of_the_folder(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    toy_run()
    release = build_release(workspace, "toy", "toolpref", "v1", plots=False)
    # `datasets` reads the card's `configs`; in a subprocess, so that it runs offline with its cache in tmp.
    script = (
        "import json, sys, datasets\n"
        "out = {c: {s: [r['pair_id'] for r in d] for s, d in datasets.load_dataset(sys.argv[1], c).items()}"
        " for c in ('pairs', 'disc')}\n"
        "print(json.dumps(out))"
    )
    env = cli_env(HF_HUB_OFFLINE="1", HF_HOME=str(workspace.root / "hf-home"))
    done = subprocess.run(
        [sys.executable, "-c", script, str(release.path)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    for config in ("pairs", "disc"):
        for split in ("train", "validation"):
            expected = rows(release.path / config / f"{split}.parquet")
            assert loaded[config][split] == [row["pair_id"] for row in expected]


def test_review_decisions_are_applied(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    pairs = balanced_pairs(toy_run())
    dropped, swapped, flagged, accepted = pairs[0], pairs[1], pairs[2], pairs[3]
    store = ReviewStore(workspace.review_db)
    store.record(dropped.pair_id, "reject", note="GT calls the wrong airport", reviewer="ada")
    store.record(swapped.pair_id, "swap", reviewer="ada")
    store.record(flagged.pair_id, "flag", note="ambiguous | <b>unit</b>", reviewer="bo")
    store.record(accepted.pair_id, "accept", reviewer="bo")
    store.record("a-pair-of-another-run", "reject", reviewer="bo")
    store.close()

    release = build_release(workspace, "toy", "toolpref", "v1", plots=False)
    records = released_records(release.path)
    assert dropped.pair_id not in records
    for config in CONFIGS[1:]:
        text = json.dumps(rows(release.path / config / f"{dropped.split}.parquet"))
        assert dropped.pair_id not in text
    assert len(records) == len(pairs) - 1

    turned = records[swapped.pair_id]
    assert (turned["chosen"]["id"], turned["rejected"]["id"]) == (swapped.rejected.id, swapped.chosen.id)
    assert turned["chosen_score"]["similarity"] == swapped.rejected_score.similarity
    assert turned["rejected_score"]["similarity"] == swapped.chosen_score.similarity
    assert turned["intensity"] == swapped.intensity  # nothing recomputed
    assert turned["task"]["meta"]["review"] == "swap"
    disc = {row["pair_id"]: row for row in rows(release.path / "disc" / f"{swapped.split}.parquet")}
    shown = [
        (call["function"]["name"], json.loads(call["function"]["arguments"]))
        for call in disc[swapped.pair_id]["chosen"][-1]["tool_calls"]
    ]
    assert shown == [(call.name, call.arguments) for call in swapped.rejected.calls]  # the old rejected turn

    assert records[flagged.pair_id]["task"]["meta"]["review"] == "flag"
    assert records[accepted.pair_id] == json.loads(accepted.model_dump_json())

    manifest = json.loads((release.path / "manifest.json").read_text())
    applied = manifest["review"]["applied"]
    assert applied["rejected"] == [dropped.pair_id]
    assert applied["swapped"] == [swapped.pair_id]
    assert applied["flagged"] == [{"pair_id": flagged.pair_id, "note": "ambiguous | <b>unit</b>"}]
    assert (applied["accepted"], applied["unreviewed"], applied["decisions_not_in_run"]) == (1, len(pairs) - 4, 1)
    snapshot = manifest["review"]["snapshot"]
    assert (snapshot["decisions"], snapshot["pairs"]) == (5, 5)
    assert snapshot["by_verdict"] == {"accept": 1, "reject": 2, "swap": 1, "flag": 1}

    card = (release.path / "README.md").read_text()
    assert f"| `{flagged.pair_id}` | ambiguous \\| &lt;b&gt;unit&lt;/b&gt; |" in card  # listed, as text
    assert "<b>" not in card


def test_the_latest_decision_wins(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    pairs = balanced_pairs(toy_run())
    store = ReviewStore(workspace.review_db)
    store.record(pairs[0].pair_id, "reject")
    store.record(pairs[0].pair_id, "accept", note="on second look, fine")
    store.record(pairs[1].pair_id, "accept")
    store.record(pairs[1].pair_id, "reject")
    store.close()
    records = released_records(build_release(workspace, "toy", "toolpref", "v1", plots=False).path)
    assert pairs[0].pair_id in records
    assert pairs[1].pair_id not in records


def test_an_existing_release_is_never_overwritten(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    toy_run()
    first = build_release(workspace, "toy", "toolpref", "v1", plots=False)
    before = {p: p.read_bytes() for p in first.path.rglob("*") if p.is_file()}
    ReviewStore(workspace.review_db).record(balanced_pairs(workspace.run_dir("toy"))[0].pair_id, "reject")
    with pytest.raises(ReleaseExistsError, match="immutable"):
        build_release(workspace, "toy", "toolpref", "v1", plots=False)
    assert {p: p.read_bytes() for p in first.path.rglob("*") if p.is_file()} == before
    assert build_release(workspace, "toy", "toolpref", "v2", plots=False).pairs == first.pairs - 1


def test_a_failed_build_leaves_no_release_and_no_temporary(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    run_dir = toy_run()
    run = json.loads((run_dir / "run.json").read_text())
    balance = next(s for s in run["steps"] if s["step"] == "balance")
    # Pairs without a split (as `pair` makes them) cannot be formatted: the build fails half-way.
    write_records(run_dir / balance["dir"] / "data.parquet", make_pool(per_source=3))
    with pytest.raises(ReleaseError, match="no split"):
        build_release(workspace, "toy", "toolpref", "v1", plots=False)
    assert list((workspace.releases / "toolpref").iterdir()) == []


def test_the_release_formats_exactly_like_the_format_step(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    run_dir = toy_run()
    run = json.loads((run_dir / "run.json").read_text())
    exported = run_dir / next(s for s in run["steps"] if s["step"] == "format")["dir"] / "configs"
    release = build_release(workspace, "toy", "toolpref", "v1", plots=False)
    for config in CONFIGS:
        for split in ("train", "validation"):
            assert rows(release.path / config / f"{split}.parquet") == rows(exported / config / f"{split}.parquet")


def test_the_run_format_options_are_used_and_pairs_always_ship(
    workspace: Workspace, toy_run: Callable[..., Path]
) -> None:
    toy_run(spec=RunSpec(format_config={"configs": ["disc", "genrm_no_think"], "seed": 7, "swap_fraction": 1.0}))
    release = build_release(workspace, "toy", "toolpref", "v1", plots=False)
    assert sorted(release.configs) == ["disc", "genrm_no_think", "pairs"]
    assert not (release.path / "trl").exists()
    manifest = json.loads((release.path / "manifest.json").read_text())
    assert manifest["format_options"]["configs"] == ["pairs", "disc", "genrm_no_think"]
    assert manifest["format_options"]["seed"] == 7
    genrm = rows(release.path / "genrm_no_think" / "train.parquet")
    assert {row["reward_model"]["ground_truth"] for row in genrm} == {"2"}  # swap_fraction 1: every label is 2


@pytest.mark.parametrize(
    ("name", "version", "message"),
    [
        ("toolpref", "../v1", "version '../v1' is not usable"),
        ("tool pref", "v1", "release name 'tool pref' is not usable"),
        ("toolpref", "v1.lock", "is not usable"),
        ("", "v1", "is not usable"),
    ],
)
def test_unusable_names_are_refused(
    workspace: Workspace, toy_run: Callable[..., Path], name: str, version: str, message: str
) -> None:
    toy_run()
    with pytest.raises(ReleaseError, match=message.replace(".", r"\.")):
        build_release(workspace, "toy", name, version, plots=False)


def test_an_unreadable_review_store_is_a_clear_error(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    toy_run()
    workspace.review_db.write_bytes(b"this is not a SQLite database, just bytes" * 100)
    with pytest.raises(ReleaseError, match=r"cannot read the review decisions: .*review\.db is not a usable review"):
        build_release(workspace, "toy", "toolpref", "v1", plots=False)
    assert not (workspace.releases / "toolpref" / "v1").exists()


def test_unknown_or_unfinished_runs_are_refused(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    with pytest.raises(ReleaseError, match="no finished run"):
        build_release(workspace, "nope", "toolpref", "v1", plots=False)
    run_dir = toy_run()
    run = json.loads((run_dir / "run.json").read_text())
    run["steps"] = [s for s in run["steps"] if s["step"] == "pair"]
    (run_dir / "run.json").write_text(json.dumps(run))
    with pytest.raises(ReleaseError, match="has no balance step"):
        build_release(workspace, run_dir, "toolpref", "v1", plots=False)  # a run folder works as well as a recipe name


def test_releases_are_listed_in_natural_version_order(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    toy_run()
    for version in ("v10", "v2", "v1"):
        build_release(workspace, "toy", "toolpref", version, plots=False)
    build_release(workspace, "toy", "alpha", "v1", plots=False)
    assert [r.ref for r in list_releases(workspace)] == ["alpha@v1", "toolpref@v1", "toolpref@v2", "toolpref@v10"]
    assert resolve_release(workspace, "toolpref@v10").version == "v10"
    assert resolve_release(workspace, workspace.releases / "alpha" / "v1").name == "alpha"
    with pytest.raises(ReleaseError, match=r"releases: alpha@v1, toolpref@v1"):
        resolve_release(workspace, "toolpref@v3")


def test_verify_names_changed_missing_and_extra_files(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    toy_run()
    release = build_release(workspace, "toy", "toolpref", "v1", plots=False)
    assert verify_release(release.path) == []
    (release.path / "stats.json").write_text("{}")
    (release.path / "trl" / "train.parquet").unlink()
    (release.path / "notes.txt").write_text("hello")
    assert verify_release(release.path) == [
        "trl/train.parquet: missing",
        "notes.txt: not in the manifest",
        "stats.json: sha256 differs from the manifest",
    ]

"""PNG plots for the dataset card, drawn with matplotlib when it is installed (the `hub` extra).

The card's tables carry the same numbers, so a release made without matplotlib loses nothing but pictures. PNGs
are written without a timestamp or version stamp, so the same numbers give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from curation.steps.balance import REFERENCE_ERROR_PROFILE
from curation.steps.pair import INTENSITY_BINS


def matplotlib_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def write_plots(pairs: dict[str, Any], out_dir: Path) -> list[dict[str, str]]:
    """Plots of the release's balance; returns [{"title", "path"}] with paths relative to the release folder."""
    if not matplotlib_available() or not pairs["total"]:
        return []
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[dict[str, str]] = []

    def save(figure: Any, stem: str, title: str) -> None:
        figure.tight_layout()
        figure.savefig(out_dir / f"{stem}.png", dpi=100, metadata={"Software": None})
        plt.close(figure)
        written.append({"title": title, "path": f"{out_dir.name}/{stem}.png"})

    sources = list(pairs["sources"])
    bins = list(range(1, INTENSITY_BINS + 1))

    figure, axes = plt.subplots(figsize=(8, 0.45 * len(sources) + 1.5))
    train = [pairs["sources"][s]["train"] for s in sources]
    validation = [pairs["sources"][s]["validation"] for s in sources]
    axes.barh(sources, train, label="train", color="#4c72b0")
    axes.barh(sources, validation, left=train, label="validation", color="#dd8452")
    axes.invert_yaxis()
    axes.set_xlabel("pairs")
    axes.legend(loc="best")
    save(figure, "sources", "Pairs per source and split")

    figure, axes = plt.subplots(figsize=(8, 4))
    bottom = [0] * len(bins)
    for source in sources:
        heights = [pairs["source_bins"][source][str(b)] for b in bins]
        axes.bar(bins, heights, bottom=bottom, label=source)
        bottom = [low + high for low, high in zip(bottom, heights, strict=True)]
    axes.set_xticks(bins)
    axes.set_xlabel("intensity bin (chosen score minus rejected score, tenths)")
    axes.set_ylabel("pairs")
    axes.legend(fontsize="small", ncols=2)
    save(figure, "intensity_bins", "Pairs per intensity bin, stacked by source")

    names = sorted(set(pairs["error_types"]) | set(REFERENCE_ERROR_PROFILE))
    figure, axes = plt.subplots(figsize=(8, 0.4 * len(names) + 1.5))
    positions = list(range(len(names)))
    achieved = [pairs["error_types"].get(name, 0) / pairs["total"] for name in names]
    reference = [REFERENCE_ERROR_PROFILE.get(name, 0.0) for name in names]
    axes.barh([p - 0.2 for p in positions], achieved, height=0.4, label="this release", color="#4c72b0")
    axes.barh([p + 0.2 for p in positions], reference, height=0.4, label="FC-RewardBench mix", color="#999999")
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.set_xlabel("share of pairs")
    axes.legend(loc="best")
    save(figure, "error_types", "Error type of the rejected turn, against FC-RewardBench's mix")
    return written

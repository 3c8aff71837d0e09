"""The dataset card of a release: README.md rendered from datacards/dataset_card.md.j2, plus PNG plots.

The YAML metadata is built here as data and dumped with a YAML library (never templated as text), so names and
notes from the data cannot break it. Its ``configs`` list every config with its data files per split, which is
what ``datasets.load_dataset(repo, config)`` reads. Tables are always in the card (readable anywhere, and in a
diff); PNG plots come beside them when matplotlib is installed (the `hub` extra) and are listed in the manifest
like every other file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from curation.release_stats import COMPLEXITY_BUCKETS, bucket_label
from curation.steps.balance import REFERENCE_ERROR_PROFILE
from curation.steps.pair import INTENSITY_BINS

CONFIG_DESCRIPTIONS = {
    "pairs": "one row per pair: provenance columns, tools, history and both turns as JSON, the whole record",
    "genrm_think": "verl rows for GenRM (critique prompt for thinking models, `<choice>` label 1 or 2)",
    "genrm_no_think": "verl rows for GenRM (critique prompt without thinking)",
    "disc": "chosen / rejected conversations for a Bradley-Terry reward model (OpenRLHF `train_rm`)",
    "trl": "TRL conversational preference rows (prompt, chosen, rejected, tools)",
}
# Hub license ids of the SPDX ids the sources use; anything else makes the card's license "other".
HUB_LICENSES = {"CC-BY-4.0": "cc-by-4.0", "CC-BY-NC-4.0": "cc-by-nc-4.0", "Apache-2.0": "apache-2.0", "MIT": "mit"}
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
)
FLAGGED_SHOWN = 50  # the rest are in manifest.json
LICENSE_FILE = "LICENSE.md"


def size_category(count: int) -> str:
    for bound, label in SIZE_CATEGORIES:
        if count < bound:
            return label
    return "n>10M"


def md_cell(value: object) -> str:
    """Text from the data as one markdown table cell: no pipes, line breaks or HTML."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def bar(count: int, largest: int, width: int = 20) -> str:
    return "█" * max(1 if count else 0, round(width * count / largest)) if largest else ""


def _adapter_facts(source: str) -> tuple[str, str | None]:
    """The source adapter's license and Hub id; ("", None) for a source the registry does not know."""
    from curation.registry import UnknownPluginError, sources

    try:
        adapter = sources.get(source)
    except (UnknownPluginError, ImportError):
        return "", None
    license_name = getattr(adapter, "license", "")
    hub_id = getattr(adapter, "hub_id", None)
    return (license_name if isinstance(license_name, str) else ""), (hub_id if isinstance(hub_id, str) else None)


def source_rows(pairs: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for source, counts in pairs["sources"].items():
        adapter_license, hub_id = _adapter_facts(source)
        # The records' own licenses first; the adapter's where the records carry none.
        licenses = [name for name in counts["licenses"] if name] or ([adapter_license] if adapter_license else [])
        rows.append(
            {
                "name": source,
                "hub_id": hub_id,
                "licenses": licenses or ["unknown"],
                "train": counts["train"],
                "validation": counts["validation"],
                "total": counts["total"],
                "share": counts["total"] / pairs["total"] if pairs["total"] else 0.0,
            }
        )
    return rows


def card_license(sources: list[dict[str, Any]]) -> str:
    distinct = {name for row in sources for name in row["licenses"]}
    if len(distinct) == 1:
        return HUB_LICENSES.get(next(iter(distinct)), "other")
    return "other"


def front_matter(
    name: str, version: str, stats: dict[str, Any], sources: list[dict[str, Any]], configs: dict[str, Any]
) -> dict[str, Any]:
    license_id = card_license(sources)
    metadata: dict[str, Any] = {"pretty_name": f"{name} {version}", "license": license_id}
    if license_id == "other":
        # The Hub's way for a license it does not list: a name, and a link to a file in the repo.
        metadata["license_name"] = "per-source"
        metadata["license_link"] = LICENSE_FILE
    metadata.update(
        {
            "language": ["en"],
            "task_categories": ["text-classification", "text-generation"],
            "tags": ["tool-use", "function-calling", "reward-modeling", "preference", "toolrm", "synthetic"],
            "size_categories": [size_category(stats["pairs"]["total"])],
        }
    )
    hub_sources = sorted({row["hub_id"] for row in sources if row["hub_id"]})
    if hub_sources:
        metadata["source_datasets"] = hub_sources
    metadata["configs"] = [
        {
            "config_name": config,
            **({"default": True} if config == "pairs" else {}),
            "data_files": [
                {"split": split, "path": f"{config}/{split}.parquet"} for split, rows in splits.items() if rows > 0
            ],
        }
        for config, splits in configs.items()
    ]
    return metadata


def known_limits(stats: dict[str, Any], sources: list[dict[str, Any]], review: dict[str, Any]) -> list[str]:
    """What a user should know before training on the release, from its own numbers."""
    pairs, run = stats["pairs"], stats["run"]
    limits = [
        "Scores are the ToolRM rule (exact equality of argument values): an answer that is right in another form "
        '("NYC" for "New York", 5 for "5") scores as wrong, so some rejected turns may be acceptable answers.'
    ]
    perturbed = sum(n for origin, n in pairs["rejected_origins"].items() if origin.startswith("perturb:"))
    if perturbed:
        limits.append(
            f"{perturbed / pairs['total']:.0%} of the rejected turns are typed perturbations of the ground truth, "
            "not model outputs: realistic errors with known labels, but possibly easier to spot than real ones."
        )
    shortfall = run.get("balance", {}).get("shortfall", 0)
    if shortfall:
        target = run["balance"]["target"]["total"]
        limits.append(f"The balance target was {target:,} pairs; the pool had {shortfall:,} too few.")
    for row in sources:
        if any("NC" in name.upper().split("-") for name in row["licenses"]):
            licenses = md_cell(", ".join(row["licenses"]))
            limits.append(f"Rows from {md_cell(row['name'])} are {licenses}: non-commercial use only.")
        if "unknown" in row["licenses"]:
            limits.append(f"No license is recorded for {md_cell(row['name'])}: check it before use.")
    if review["swapped"]:
        limits.append(
            f"{len(review['swapped'])} pairs were swapped by review: chosen and rejected (with their scores) were "
            'exchanged, intensity and error type were not recomputed; they are marked `"review": "swap"` in '
            "`task.meta`."
        )
    if review["flagged"]:
        limits.append(f"{len(review['flagged'])} pairs are flagged by curators for a second look (listed below).")
    reviewed = review["pairs_in_run"] - review["unreviewed"]
    limits.append(f"{reviewed:,} of {review['pairs_in_run']:,} pairs of the run were reviewed by a curator.")
    return limits


def card_context(
    name: str, version: str, stats: dict[str, Any], review: dict[str, Any], hub_repo: str | None, plots: list[Any]
) -> dict[str, Any]:
    pairs = stats["pairs"]
    sources = source_rows(pairs)
    configs = stats["configs"]
    bins = pairs["intensity_bins"]
    largest_bin = max(bins.values(), default=0)
    total = pairs["total"]
    errors = [
        {
            "name": error,
            "count": pairs["error_types"].get(error, 0),
            "share": pairs["error_types"].get(error, 0) / total if total else 0.0,
            "reference": REFERENCE_ERROR_PROFILE.get(error),
        }
        for error in sorted(
            set(pairs["error_types"]) | set(REFERENCE_ERROR_PROFILE), key=lambda e: -pairs["error_types"].get(e, 0)
        )
    ]
    return {
        "name": name,
        "version": version,
        "repo": hub_repo or f"<namespace>/{name}",
        "metadata": yaml.safe_dump(
            front_matter(name, version, stats, sources, configs), sort_keys=False, allow_unicode=True, width=1000
        ).rstrip(),
        "pairs": pairs,
        "configs": [
            {"name": c, "splits": s, "description": CONFIG_DESCRIPTIONS.get(c, "")} for c, s in configs.items()
        ],
        "sources": sources,
        "mixed_licenses": card_license(sources) == "other",
        "steps": [
            # stats.json sorts keys, so the most frequent reasons are found again here.
            {**step, "top_reasons": sorted(step["reasons"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]}
            for step in stats["run"]["steps"]
        ],
        "recipe": stats["run"]["recipe"],
        "code_version": stats["run"]["code_version"],
        "balance": stats["run"].get("balance", {}),
        "bins": [
            {
                "bin": b,
                "range": f"({(b - 1) / INTENSITY_BINS:.1f}, {b / INTENSITY_BINS:.1f}]",
                "count": bins[str(b)],
                "bar": bar(bins[str(b)], largest_bin),
            }
            for b in range(1, INTENSITY_BINS + 1)
        ],
        "bin_numbers": [str(b) for b in range(1, INTENSITY_BINS + 1)],
        "errors": errors,
        "complexity_buckets": [bucket_label(low, high) for low, high in COMPLEXITY_BUCKETS],
        "review": review,
        "flagged_shown": review["flagged"][:FLAGGED_SHOWN],
        "limits": known_limits(stats, sources, review),
        "plots": plots,
    }


def card_environment() -> Any:
    """The Jinja environment of the card templates (datacards/, wherever the package is installed)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from datacards import TEMPLATES_DIR

    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=StrictUndefined,  # a missing value is a bug in the context, not an empty cell
        autoescape=False,  # markdown, not HTML: cells from the data go through md_cell
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["cell"] = md_cell
    environment.filters["num"] = lambda value: f"{value:,}"
    environment.filters["pct"] = lambda value: f"{value:.1%}"
    return environment


def render(template: str, context: dict[str, Any]) -> str:
    rendered: str = card_environment().get_template(template).render(**context)
    return rendered


def render_card(context: dict[str, Any]) -> str:
    from datacards import DATASET_CARD

    return render(DATASET_CARD, context)


def write_card(
    release_dir: Path,
    *,
    name: str,
    version: str,
    stats: dict[str, Any],
    review: dict[str, Any],
    hub_repo: str | None,
    plots: bool = True,
) -> None:
    """README.md, LICENSE.md when the card's license is "other", and plots/*.png when asked for and matplotlib is
    installed, into ``release_dir``."""
    from curation.release_plots import write_plots

    drawn = write_plots(stats["pairs"], release_dir / "plots") if plots else []
    context = card_context(name, version, stats, review, hub_repo, drawn)
    (release_dir / "README.md").write_text(render_card(context), encoding="utf-8")
    if context["mixed_licenses"]:
        from datacards import LICENSES

        (release_dir / LICENSE_FILE).write_text(render(LICENSES, context), encoding="utf-8")

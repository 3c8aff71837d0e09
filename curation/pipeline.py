"""The runner: recipe -> validated plan -> content-addressed step folders, with resume and stats.

A recipe is YAML naming registered steps and their configs. Everything is validated before any work starts.
Each step writes into ``runs/<recipe>/<NN>_<step>-<hash>/`` through a temporary folder that is renamed into place
once data.parquet, rejects.parquet, stats.json and _SUCCESS are complete, so a killed run leaves no half-written
step behind and a rerun skips every finished step. How steps run (fused passes, worker processes) is
curation/execution.py.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

import curation
from curation.execution import ProgressCallback, StepTarget, execute_chain
from curation.registry import UnknownPluginError, steps
from curation.schema import content_hash
from curation.steps.base import Step, StepContext
from curation.workspace import Workspace

RECIPES_DIR = Path(__file__).parent / "recipes"
HASH_LENGTH = 12


class RecipeError(ValueError):
    """A recipe that cannot run; ``problems`` lists every problem found, each naming the step and field."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class StepEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    step: str = Field(description="a registered step name (toolpref steps lists them)")
    config: dict[str, Any] = Field(default_factory=dict)


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str = ""
    steps: list[StepEntry] = Field(min_length=1)


@dataclass(frozen=True)
class PlannedStep:
    index: int  # 1-based position in the recipe
    step: Step
    hash: str
    dir: Path

    @property
    def label(self) -> str:
        return f"{self.index:02d}_{self.step.name}"


@dataclass(frozen=True)
class Plan:
    recipe: Recipe
    base_dir: Path  # relative paths in step configs resolve against it
    workspace: Workspace
    steps: list[PlannedStep]

    @property
    def run_dir(self) -> Path:
        return self.workspace.run_dir(self.recipe.name)


@dataclass
class StepResult:
    planned: PlannedStep
    status: str  # "done" or "reused"
    stats: dict[str, Any] = field(default_factory=dict)


# -- recipes ------------------------------------------------------------------------------------------------------


def packaged_recipes() -> list[str]:
    return sorted(path.stem for path in RECIPES_DIR.glob("*.yaml"))


def resolve_recipe_path(name_or_path: str | Path) -> Path:
    """A path to a YAML file, or the name of a packaged recipe (``demo``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path.resolve()
    packaged = RECIPES_DIR / f"{name_or_path}.yaml"
    if packaged.is_file():
        return packaged
    raise RecipeError([f"no recipe file {str(name_or_path)!r}; packaged recipes: {', '.join(packaged_recipes())}"])


def load_recipe(path: Path, overrides: Sequence[str] = ()) -> Recipe:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RecipeError([f"{path}: not valid YAML: {error}"]) from None
    if not isinstance(data, dict):
        raise RecipeError([f"{path}: a recipe is a mapping with 'name' and 'steps'"])
    data.setdefault("name", path.stem)
    data = apply_overrides(data, overrides)
    try:
        return Recipe.model_validate(data)
    except ValidationError as error:
        raise RecipeError([f"{path}: {_location(e['loc'])}: {e['msg']}" for e in error.errors()]) from None


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """``step.field=value`` (or ``step.field.sub=value``); the value is read as YAML, so types survive."""
    problems = []
    steps_value = data.get("steps")
    entries: list[Any] = steps_value if isinstance(steps_value, list) else []
    for override in overrides:
        target, sep, raw_value = override.partition("=")
        step_name, dot, field_path = target.partition(".")
        if not sep or not dot or not field_path:
            problems.append(f"--set {override!r}: expected step.field=value")
            continue
        matches = [entry for entry in entries if isinstance(entry, dict) and entry.get("step") == step_name]
        if len(matches) != 1:
            found = "no" if not matches else "several"
            problems.append(f"--set {override!r}: the recipe has {found} step named {step_name!r}")
            continue
        config = matches[0].setdefault("config", {})
        *parents, leaf = field_path.split(".")
        for parent in parents:
            config = config.setdefault(parent, {})
        config[leaf] = yaml.safe_load(raw_value)
    if problems:
        raise RecipeError(problems)
    return data


def _location(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


# -- planning -----------------------------------------------------------------------------------------------------


@cache
def code_version() -> str:
    """The package version and a digest of its source, so that changed code reruns what it made."""
    digest = hashlib.sha256()
    package_dir = Path(curation.__file__).parent
    for path in sorted(p for p in package_dir.rglob("*") if p.is_file() and _makes_data(p.relative_to(package_dir))):
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return f"{curation.__version__}+{digest.hexdigest()[:12]}"


# What step outputs depend on: the step code and everything it calls. The studio, releases and the CLI do not count.
_DATA_PACKAGES = ("steps", "sources", "sampling", "scoring", "prompts")
_DATA_MODULES = ("schema.py", "tool_schema.py", "records_io.py", "genrm.py", "render.py", "config_rows.py")


def _makes_data(relative: Path) -> bool:
    if relative.suffix not in {".py", ".j2", ".jinja"} or "__pycache__" in relative.parts:
        return False
    return relative.parts[0] in _DATA_PACKAGES or relative.as_posix() in _DATA_MODULES


def build_plan(recipe: Recipe, base_dir: Path, workspace: Workspace) -> Plan:
    """Validate every step config and the type chain, then hash each step. Raises RecipeError listing all problems."""
    problems: list[str] = []
    built: list[Step | None] = []
    for index, entry in enumerate(recipe.steps, start=1):
        where = f"step {index} ({entry.step})"
        try:
            step_class = steps.get(entry.step)
        except UnknownPluginError as error:
            problems.append(f"{where}: {error}")
            built.append(None)
            continue
        try:
            built.append(step_class.model_validate(entry.config))
        except ValidationError as error:
            for item in error.errors():
                problems.append(f"{where}: field {_location(item['loc'])}: {item['msg']}")
            built.append(None)
    problems.extend(_type_chain_problems(recipe, built))
    if problems:
        raise RecipeError(problems)

    planned: list[PlannedStep] = []
    upstream = ""
    run_dir = workspace.run_dir(recipe.name)
    for index, step in enumerate(built, start=1):
        assert step is not None
        context = StepContext(workspace=workspace, base_dir=base_dir, step_dir=run_dir)
        step_hash = content_hash(
            {
                "step": step.name,
                "config": step.model_dump(mode="json"),
                "fingerprint": step.fingerprint(context),
                "upstream": upstream,
                "code": code_version(),
            },
            length=HASH_LENGTH,
        )
        planned.append(PlannedStep(index, step, step_hash, run_dir / f"{index:02d}_{step.name}-{step_hash}"))
        upstream = step_hash
    return Plan(recipe=recipe, base_dir=base_dir, workspace=workspace, steps=planned)


def _type_chain_problems(recipe: Recipe, built: Sequence[Step | None]) -> list[str]:
    problems = []
    previous: Step | None = None
    for index, (entry, step) in enumerate(zip(recipe.steps, built, strict=True), start=1):
        if step is None:
            previous = None
            continue
        where = f"step {index} ({entry.step})"
        if index == 1 and step.input_type is not None:
            problems.append(f"{where}: a recipe starts with a source step such as ingest")
        elif index > 1 and step.input_type is None:
            problems.append(f"{where}: a source step can only come first")
        elif previous is not None and step.input_type is not previous.output_type:
            assert step.input_type is not None
            problems.append(
                f"{where}: expects {step.input_type.__name__} records but step {index - 1} ({previous.name}) "
                f"produces {previous.output_type.__name__}"
            )
        previous = step
    return problems


def plan_recipe(name_or_path: str | Path, workspace: Workspace, overrides: Sequence[str] = ()) -> Plan:
    path = resolve_recipe_path(name_or_path)
    return build_plan(load_recipe(path, overrides), path.parent, workspace)


# -- running ------------------------------------------------------------------------------------------------------


def run_plan(plan: Plan, progress: ProgressCallback | None = None) -> list[StepResult]:
    """Run every step that has not finished yet; return what each step did."""
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    results: dict[int, StepResult] = {}
    for group in _execution_groups(plan.steps):
        head = group[0]
        if (head.dir / "_SUCCESS").is_file():
            stats = json.loads((head.dir / "stats.json").read_text(encoding="utf-8"))
            results[head.index] = StepResult(head, "reused", stats)
            continue
        targets = [StepTarget(p.step, p.dir, p.label, p.hash) for p in group]
        upstream = plan.steps[head.index - 2].dir / "data.parquet" if head.step.input_type is not None else None
        all_stats = execute_chain(targets, upstream, plan.workspace, plan.base_dir, progress)
        for planned, stats in zip(group, all_stats, strict=True):
            results[planned.index] = StepResult(planned, "done", stats)
    _write_run_manifest(plan)
    return [results[planned.index] for planned in plan.steps]


def _execution_groups(planned: Sequence[PlannedStep]) -> list[list[PlannedStep]]:
    """The steps in the groups they run in: a finished step alone (reused), and runs of consecutive unfinished
    steps fused into one pass (see curation/execution.py), possibly headed by a source step. A global step runs
    alone; a selection step and a step with a first pass (prepare) head a new pass; worker-safe steps fuse only
    with worker-safe steps."""
    groups: list[list[PlannedStep]] = []
    for current in planned:
        previous = groups[-1] if groups else None
        if previous is not None and _fuses(previous, current):
            previous.append(current)
        else:
            groups.append([current])
    return groups


def _fuses(group: Sequence[PlannedStep], planned: PlannedStep) -> bool:
    head, step = group[0].step, planned.step
    unfinished = not (group[0].dir / "_SUCCESS").is_file() and not (planned.dir / "_SUCCESS").is_file()
    streaming = head.input_batch_size() is not None and step.input_batch_size() is not None  # never a global step
    return (
        unfinished
        and streaming
        and not step.selection_keys
        and not step.prepares()
        and step.runs_in_workers() == all(p.step.runs_in_workers() for p in group)
    )


def _write_run_manifest(plan: Plan) -> None:
    manifest = {
        "recipe": plan.recipe.name,
        "code_version": code_version(),
        "steps": [{"index": p.index, "step": p.step.name, "dir": p.dir.name, "hash": p.hash} for p in plan.steps],
    }
    resolved = plan.recipe.model_dump(mode="json")
    resolved["steps"] = [{"step": p.step.name, "config": p.step.model_dump(mode="json")} for p in plan.steps]
    _atomic_write(plan.run_dir / "run.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    _atomic_write(plan.run_dir / "recipe.yaml", yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True))


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def execute_step(
    step: Step,
    upstream: Path | None,
    final_dir: Path,
    workspace: Workspace,
    base_dir: Path,
    progress: ProgressCallback | None = None,
    label: str | None = None,
    step_hash: str = "",
) -> dict[str, Any]:
    """Run one step from ``upstream`` (a data.parquet, or None for a source step) into ``final_dir``."""
    target = StepTarget(step, final_dir, label or step.name, step_hash)
    return execute_chain([target], upstream, workspace, base_dir, progress)[0]


# -- finished runs ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRecord:
    index: int
    step: str
    dir: Path
    hash: str

    @property
    def data(self) -> Path:
        return self.dir / "data.parquet"

    @property
    def rejects(self) -> Path:
        return self.dir / "rejects.parquet"

    def stats(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.dir / "stats.json").read_text(encoding="utf-8"))
        return loaded


@dataclass(frozen=True)
class RunInfo:
    """The last finished run of a recipe in a workspace, as listed in runs/<recipe>/run.json."""

    recipe: str
    dir: Path
    steps: list[StepRecord]
    code_version: str = ""

    def step(self, name: str) -> StepRecord:
        matches = [record for record in self.steps if record.step == name]
        if not matches:
            raise KeyError(f"run {self.recipe!r} has no step {name!r}; it has {[s.step for s in self.steps]}")
        return matches[-1]

    def step_dir(self, name: str) -> Path:
        return self.step(name).dir

    @property
    def recipe_yaml(self) -> Path:
        return self.dir / "recipe.yaml"


def load_run(workspace: Workspace | Path, recipe: str | None = None) -> RunInfo:
    """A run by recipe name in a workspace, or by the path of its folder (``runs/<recipe>``)."""
    if isinstance(workspace, Workspace):
        run_dir = workspace.run_dir(recipe) if recipe else workspace.runs
    else:
        run_dir = Path(workspace)
    manifest_path = run_dir / "run.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"no finished run at {run_dir} (run.json is missing); run `toolpref run` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    records = [
        StepRecord(index=s["index"], step=s["step"], dir=run_dir / s["dir"], hash=s["hash"]) for s in manifest["steps"]
    ]
    missing = [str(r.dir) for r in records if not (r.dir / "_SUCCESS").is_file()]
    if missing:
        raise FileNotFoundError(f"run {manifest['recipe']!r} is incomplete: {', '.join(missing)} not finished")
    return RunInfo(recipe=manifest["recipe"], dir=run_dir, steps=records, code_version=manifest.get("code_version", ""))


def list_runs(workspace: Workspace) -> list[str]:
    if not workspace.runs.is_dir():
        return []
    return sorted(path.name for path in workspace.runs.iterdir() if (path / "run.json").is_file())

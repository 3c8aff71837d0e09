"""`toolpref trbench build`; `toolpref eval` (GenRM / DiscRM on TRBench), `eval bon` and `eval compare`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # error lines keep paths whole

trbench_app = typer.Typer(name="trbench", help="Build a TRBench-style benchmark from BFCL.", no_args_is_help=True)
eval_app = typer.Typer(
    name="eval",
    help="Score a reward model on a TRBench benchmark (toolpref eval --bench DIR --model PATH --kind gen|disc), "
    "run Best-of-N (eval bon) or compare result files (eval compare).",
)

WorkspaceOption = Annotated[
    Path | None, typer.Option("--workspace", "-w", help="workspace folder (default: $TOOLPREF_HOME or ./toolpref-data)")
]
ModelOption = Annotated[str | None, typer.Option("--model", "-m", help="model folder, Hub id or served model name")]
KindOption = Annotated[str, typer.Option("--kind", help="gen (generative, <choice>) or disc (sequence classifier)")]
BackendOption = Annotated[str, typer.Option("--backend", help="gen: transformers, vllm or openai; disc: transformers")]
VariantOption = Annotated[str, typer.Option("--variant", help="critique prompt: think or no_think")]
OutOption = Annotated[Path | None, typer.Option("--out", help="report folder (default: <workspace>/evals/<bench>)")]
TemperatureOption = Annotated[float, typer.Option("--temperature", help="sampling temperature (0 = greedy)")]
TopPOption = Annotated[float, typer.Option("--top-p", help="nucleus sampling mass")]
TopKOption = Annotated[int, typer.Option("--top-k", help="top-k sampling (transformers, openai extra_body)")]
MaxTokensOption = Annotated[int, typer.Option("--max-tokens", help="most new tokens per answer")]
SeedOption = Annotated[int, typer.Option("--seed", help="sampling seed")]
ThinkOption = Annotated[
    bool | None, typer.Option("--think/--no-think", help="enable_thinking for the chat template (default: its own)")
]
BatchOption = Annotated[int, typer.Option("--batch-size", help="prompts per batch (transformers)")]
BackendSetOption = Annotated[
    list[str] | None, typer.Option("--option", help="backend option key=value, e.g. base_url=http://127.0.0.1:8000/v1")
]


def register(app: typer.Typer) -> None:
    app.add_typer(trbench_app, name="trbench")
    app.add_typer(eval_app, name="eval")


def _fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


@trbench_app.command("build")
def build_command(
    bfcl: Annotated[Path, typer.Option("--bfcl", help="BFCL data folder (question files + possible_answer/)")],
    out: Annotated[Path, typer.Option("--out", help="folder to write the benchmark into")],
    results: Annotated[
        Path | None,
        typer.Option("--results", help="model outputs: BFCL result/score files or JSONL with id + output/text"),
    ] = None,
    version: Annotated[str | None, typer.Option("--version", help="BFCL version (default: the newest found)")] = None,
    perturb: Annotated[
        int, typer.Option("--perturb", help="perturbed rejected responses per task (default 2 without --results)")
    ] = 0,
    max_pairs_per_task: Annotated[int | None, typer.Option("--max-pairs-per-task", help="cap per task")] = None,
    categories: Annotated[
        list[str] | None, typer.Option("--category", help="keep only this TRBench category (repeatable)")
    ] = None,
    tasks_per_category: Annotated[
        int | None, typer.Option("--tasks-per-category", min=1, help="the first N BFCL tasks of each category")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the perturbations")] = 0,
) -> None:
    """Pairs from BFCL: chosen = ground truth, rejected = a failed model output (checked by the studio's checker)."""
    from evaluation.trbench import build_trbench

    try:
        summary = build_trbench(
            bfcl,
            out,
            results,
            version=version,
            perturb_per_task=perturb,
            max_pairs_per_task=max_pairs_per_task,
            categories=categories,
            tasks_per_category=tasks_per_category,
            seed=seed,
        )
    except (FileNotFoundError, ValueError) as error:
        raise _fail(str(error)) from None
    source = "perturb backend" if summary.perturbed and results is None else "model outputs"
    console.print(
        f"TRBench from BFCL {summary.version}: {summary.pairs} pairs over {summary.tasks} tasks "
        f"(rejected from {source}) -> {out}"
    )
    for category, counts in summary.by_category.items():
        console.print(f"  {category}: {counts['pairs']} pairs, {counts['tasks']} tasks", highlight=False)


@eval_app.callback(invoke_without_command=True)
def eval_command(
    ctx: typer.Context,
    bench: Annotated[Path | None, typer.Option("--bench", help="benchmark folder or parquet file")] = None,
    model: ModelOption = None,
    kind: KindOption = "gen",
    backend: BackendOption = "transformers",
    variant: VariantOption = "think",
    out: OutOption = None,
    temperature: TemperatureOption = 0.6,
    top_p: TopPOption = 0.95,
    top_k: TopKOption = 20,
    max_tokens: MaxTokensOption = 8192,
    seed: SeedOption = 0,
    think: ThinkOption = None,
    batch_size: BatchOption = 8,
    options: BackendSetOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Evaluate a GenRM (both orders, strict then loose <choice>) or a DiscRM (chosen > rejected) on TRBench."""
    if ctx.invoked_subcommand is not None:
        return
    if bench is None or model is None:
        raise _fail("toolpref eval needs --bench and --model (or a subcommand: bon, compare)")
    from curation.workspace import Workspace
    from evaluation.bench import BenchError, load_bench
    from evaluation.evaluate import evaluate_disc, evaluate_gen, model_label
    from evaluation.report import now, write_report

    _check_kind_backend(kind, backend, variant)
    ws = Workspace.resolve(workspace)
    try:
        loaded = load_bench(bench, variant)
    except BenchError as error:
        raise _fail(str(error)) from None
    params = _params(temperature, top_p, top_k, max_tokens, seed, think, batch_size, options or [])
    try:
        if kind == "gen":
            metrics, predictions = evaluate_gen(loaded, _generator(backend, model, params, ws))
        else:
            metrics, predictions = evaluate_disc(loaded, _scorer(model, batch_size))
    except BenchError as error:
        raise _fail(str(error)) from None
    from curation.release import code_identity

    label = model_label(model)
    report = {
        "kind": kind,
        "model": model,
        "model_label": label,
        "backend": backend,
        "variant": variant if kind == "gen" else None,
        "bench": {
            "path": str(loaded.path),
            "name": loaded.name,
            "sha256": loaded.sha256,
            "rows": len(loaded.rows),
            "pairs": metrics["pairs"],
        },
        "params": _params_json(params) if kind == "gen" else {"batch_size": batch_size},
        "metrics": metrics,
        "created_at": now(),
        "code": code_identity(),
    }
    name = f"{label}-{kind}" + (f"-{variant}" if kind == "gen" else "")
    path = write_report(out or ws.root / "evals" / loaded.name, name, report, predictions)
    from evaluation.report import markdown_report

    console.print(markdown_report(report), highlight=False, markup=False)
    console.print(f"report: {path}", highlight=False)


def _check_kind_backend(kind: str, backend: str, variant: str) -> None:
    from evaluation.bench import VARIANTS
    from evaluation.judges import GEN_BACKENDS

    if kind not in ("gen", "disc"):
        raise _fail(f"--kind {kind!r}: use gen or disc")
    if variant not in VARIANTS:
        raise _fail(f"--variant {variant!r}: use one of {', '.join(VARIANTS)}")
    if kind == "gen" and backend not in GEN_BACKENDS:
        raise _fail(f"--backend {backend!r}: a GenRM runs on {', '.join(GEN_BACKENDS)}")
    if kind == "disc" and backend != "transformers":
        raise _fail("a DiscRM is scored with --backend transformers (a sequence-classification head)")


def _params(
    temperature: float,
    top_p: float,
    top_k: int,
    max_tokens: int,
    seed: int,
    think: bool | None,
    batch_size: int,
    options: list[str],
) -> Any:
    from evaluation.judges import GenParams
    from training.config import ConfigError, parse_sets

    try:
        backend_options = parse_sets(options)
    except ConfigError as error:
        raise _fail("; ".join(error.problems).replace("--set", "--option")) from None
    return GenParams(
        temperature=temperature,
        top_p=top_p,
        top_k=top_k,
        max_tokens=max_tokens,
        seed=seed,
        think=think,
        batch_size=batch_size,
        options=backend_options,
    )


def _params_json(params: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(params)


def _generator(backend: str, model: str, params: Any, ws: Any) -> Any:
    from evaluation.judges import make_generator

    try:
        return make_generator(backend, model, params, ws.cache)
    except (RuntimeError, ValueError, OSError) as error:
        raise _fail(f"cannot start the {backend} judge: {error}", 1) from None


def _scorer(model: str, batch_size: int) -> Any:
    from evaluation.judges import SequenceScorer

    try:
        return SequenceScorer(model, batch_size)
    except (RuntimeError, ValueError, OSError) as error:
        raise _fail(f"cannot load the discriminative RM {model}: {error}", 1) from None


@eval_app.command("bon")
def bon_command(
    tasks: Annotated[str, typer.Option("--tasks", help="a run (recipe name in the workspace, run or step folder)")],
    candidates: Annotated[int, typer.Option("--candidates", "-n", min=1, help="N: candidates per task")],
    model: Annotated[str, typer.Option("--model", "-m", help="the reward model")],
    kind: KindOption = "disc",
    backend: BackendOption = "transformers",
    variant: VariantOption = "think",
    out: OutOption = None,
    temperature: TemperatureOption = 0.6,
    top_p: TopPOption = 0.95,
    top_k: TopKOption = 20,
    max_tokens: MaxTokensOption = 8192,
    seed: SeedOption = 0,
    think: ThinkOption = None,
    batch_size: BatchOption = 8,
    options: BackendSetOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Best-of-N: the RM picks one of N candidates per task; the pick is checked; vs first sample and oracle."""
    from curation.workspace import Workspace
    from evaluation.bon import bon_metrics, load_bon_tasks, pick_disc, pick_gen, run_data_file
    from evaluation.evaluate import model_label
    from evaluation.report import now, write_report

    _check_kind_backend(kind, backend, variant)
    ws = Workspace.resolve(workspace)
    try:
        data = run_data_file(tasks, ws)
        loaded, counts = load_bon_tasks(data, candidates)
    except (FileNotFoundError, KeyError, ValueError) as error:
        raise _fail(str(error)) from None
    if not loaded:
        raise _fail(f"no task with sampled candidates in {data}")
    if kind == "disc":
        picks = pick_disc(loaded, _scorer(model, batch_size))
    else:
        params = _params(temperature, top_p, top_k, max_tokens, seed, think, batch_size, options or [])
        picks = pick_gen(loaded, _generator(backend, model, params, ws), variant)  # type: ignore[arg-type]
    metrics, predictions = bon_metrics(loaded, picks, candidates)
    label = model_label(model)
    report = {
        "kind": "bon",
        "rm_kind": kind,
        "model": model,
        "model_label": label,
        "backend": backend,
        "tasks_file": str(data),
        "metrics": metrics,
        "skipped": dict(counts),
        "created_at": now(),
    }
    path = write_report(out or ws.root / "evals" / "bon", f"{label}-bon{candidates}", report, predictions)
    console.print(
        f"Best-of-{candidates} over {metrics['tasks']} tasks: picked {metrics['pick_accuracy']}%, "
        f"first sample {metrics['first_sample_accuracy']}%, oracle {metrics['oracle_accuracy']}%, "
        f"random pick {metrics['random_pick_accuracy']}%"
    )
    console.print(f"report: {path}", highlight=False)


@eval_app.command("compare")
def compare_command(
    results: Annotated[list[Path], typer.Argument(help="report files (.json) or folders of them")],
    out: Annotated[Path | None, typer.Option("--out", help="also write the table to this markdown file")] = None,
) -> None:
    """One table across several evaluation reports: per category, Avg and W-Avg."""
    from evaluation.report import comparison, load_reports

    try:
        text = comparison(load_reports(results))
    except (OSError, ValueError) as error:
        raise _fail(str(error)) from None
    console.print(text, highlight=False, markup=False)
    if out is not None:
        out.write_text(text, encoding="utf-8")

"""The `toolpref` command line. Each area registers its own commands; heavy imports happen inside commands."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="toolpref",
    help="ToolPref Studio: build, review and release preference datasets for tool-use reward models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Modules with a `register(app)` function, one per area. They import only typer and rich at module level.
COMMAND_MODULES = (
    "curation.pipeline_cli",  # run, steps, ingest
    "curation.scoring.check_cli",  # check
    "curation.release_cli",  # release, release diff
    "curation.argilla_cli",  # argilla push / pull
    "app.cli",  # studio
    "training.cli",  # train
    "evaluation.cli",  # trbench, eval
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

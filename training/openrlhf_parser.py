"""OpenRLHF's own argument parsers, built from its installed source without importing OpenRLHF.

OpenRLHF builds its parsers inside ``if __name__ == "__main__":`` of openrlhf/cli/<entry>.py, and importing that
module needs CUDA-only packages (deepspeed, flash-attn, vLLM). So we read the installed file, keep the statements
of the ``__main__`` block that come before ``parser.parse_args()`` (they only call argparse), and run those. The
result is the parser OpenRLHF itself uses, which is what `--dry-run` and the tests check commands against.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import math
import os
from datetime import datetime
from pathlib import Path
from typing import Any


class ParserUnavailable(RuntimeError):
    """OpenRLHF is not installed, or its entry point no longer has the shape this loader reads."""


def entry_file(module: str) -> Path:
    """The source file of ``openrlhf.cli.<entry>``, found without importing the package."""
    top, _, rest = module.partition(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        raise ParserUnavailable(f"{top} is not installed (pip install --no-deps 'openrlhf==0.11.*' is enough here)")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest.split(".")).with_suffix(".py")
    if not path.is_file():
        raise ParserUnavailable(f"{module}: no file {path}")
    return path


def installed_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("openrlhf")
    except PackageNotFoundError:
        return None


def _is_main_guard(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )


def _calls_parse_args(node: ast.stmt) -> bool:
    return any(
        isinstance(sub, ast.Attribute) and sub.attr in {"parse_args", "parse_known_args"} for sub in ast.walk(node)
    )


def load_parser(module: str) -> argparse.ArgumentParser:
    """The ``argparse.ArgumentParser`` that ``python -m <module>`` parses its flags with."""
    path = entry_file(module)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    guard = next((node for node in tree.body if _is_main_guard(node)), None)
    if not isinstance(guard, ast.If):
        raise ParserUnavailable(f"{path}: no `if __name__ == '__main__':` block that builds the parser")
    body: list[ast.stmt] = []
    for statement in guard.body:
        if _calls_parse_args(statement):
            break
        body.append(statement)
    code = compile(ast.Module(body=body, type_ignores=[]), filename=str(path), mode="exec")
    namespace: dict[str, Any] = {"argparse": argparse, "datetime": datetime, "math": math, "os": os}
    try:
        exec(code, namespace)  # OpenRLHF's own parser-building statements, argparse calls only
    except Exception as error:
        raise ParserUnavailable(f"{path}: building the parser failed: {type(error).__name__}: {error}") from error
    parser = namespace.get("parser")
    if not isinstance(parser, argparse.ArgumentParser):
        raise ParserUnavailable(f"{path}: the __main__ block defines no `parser`")
    return parser


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def check_flags(module: str, flags: list[str]) -> argparse.Namespace:
    """Parse ``flags`` with OpenRLHF's parser; raise ValueError naming every flag or value it does not accept.

    Flags must be spelled out in full: argparse would also take a unique prefix, which a later OpenRLHF could
    make ambiguous.
    """
    parser = load_parser(module)
    known_options = option_strings(parser)
    not_exact = [token for token in flags if token.startswith("--") and token not in known_options]
    if not_exact:
        raise ValueError(f"{module} has no flag {', '.join(not_exact)}")
    errors: list[str] = []
    parser.error = errors.append  # type: ignore[method-assign,assignment]  # argparse would exit; collect it
    parser.exit_on_error = False
    try:
        namespace, unknown = parser.parse_known_args(flags)
    except argparse.ArgumentError as error:
        raise ValueError(f"{module}: {error}") from None
    if errors or unknown:
        raise ValueError(f"{module}: {'; '.join(errors) or 'does not accept ' + ' '.join(unknown)}")
    return namespace

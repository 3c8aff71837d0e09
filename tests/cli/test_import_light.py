"""The core and the CLI import no heavy dependency: torch, vLLM, Streamlit, Argilla and friends load on use."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "vllm", "streamlit", "argilla", "ray", "openai", "datasets", "transformers", "trl")


def test_importing_the_cli_and_every_registered_plugin_loads_no_heavy_module() -> None:
    code = (
        "import sys, curation.cli\n"
        "from curation.registry import steps, sources, backends\n"
        "steps.names(); sources.names(); backends.names()\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""

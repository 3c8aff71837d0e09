"""The dataset card templates ship in the wheel and are found from where the wheel installs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.release.conftest import REPO, cli_env

SOURCES = ("pyproject.toml", "README.md", "curation", "datacards", "app", "training", "evaluation")


@pytest.mark.slow
def test_the_wheel_carries_the_card_templates(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next(tmp_path.glob("toolpref_studio-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "datacards/dataset_card.md.j2" in names
    assert "datacards/licenses.md.j2" in names
    assert "datacards/__init__.py" in names

    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    check = (
        "import datacards\n"
        "from curation.datacard import card_environment\n"
        "print(datacards.__file__)\n"
        "print(card_environment().get_template(datacards.DATASET_CARD).filename)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", check],
        cwd=tmp_path,
        env=cli_env(PYTHONPATH=str(installed)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert found.returncode == 0, found.stderr
    module, template = found.stdout.split()
    assert Path(module).is_relative_to(installed)
    assert Path(template).is_relative_to(installed)

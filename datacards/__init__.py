"""Jinja templates for dataset cards, rendered by curation/datacard.py.

A package so that the templates ship inside the wheel and an editable install alike: the card code finds them
next to this file, wherever it is installed.
"""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent
DATASET_CARD = "dataset_card.md.j2"
LICENSES = "licenses.md.j2"  # LICENSE.md, written when the sources' licenses differ

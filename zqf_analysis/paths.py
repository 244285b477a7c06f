"""Where things are: the project root, and the processed and report folders of a dataset.

Notebooks run with the project root as working directory under ``make report`` but with
``notebooks/`` under JupyterLab; resolving through here makes both see the same files.
``output_root`` (or the ``ZQF_OUTPUT_ROOT`` environment variable) moves all outputs elsewhere, which
the tests use to build into a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working directory) with a pyproject.toml
    of this project; the working directory itself if there is none (an installed package in use
    elsewhere)."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        marker = folder / "pyproject.toml"
        if marker.is_file() and 'name = "zqf-analysis"' in marker.read_text(encoding="utf-8"):
            return folder
    return here


def resolve(path: str | Path, root: str | Path | None = None) -> Path:
    """``path`` as given if it exists from the working directory, else relative to the project root."""
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path.resolve()
    return (project_root(root) / path).resolve()


def output_root(output_root: str | Path | None = None) -> Path:
    chosen = output_root or os.environ.get("ZQF_OUTPUT_ROOT") or project_root()
    return Path(chosen).resolve()


def dataset_name(dataset: str | Path) -> str:
    return Path(dataset).resolve().name if str(dataset) not in ("", ".") else Path.cwd().name


def processed_dir(dataset: str | Path, root: str | Path | None = None) -> Path:
    """``<output root>/data/processed/<dataset name>``."""
    return output_root(root) / "data" / "processed" / dataset_name(dataset)


def reports_dir(dataset: str | Path, root: str | Path | None = None) -> Path:
    """``<output root>/reports/<dataset name>``."""
    return output_root(root) / "reports" / dataset_name(dataset)

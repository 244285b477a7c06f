"""Shared test fixtures: the real dataset, throw-away copies of it to break on purpose, and reports built
once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "zaqa-2024"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def raw_dataset() -> Path:
    return RAW


@pytest.fixture
def dataset_copy(tmp_path: Path) -> Path:
    """A writable copy of the real dataset folder, for tests that corrupt one file."""
    target = tmp_path / "zaqa-2024"
    shutil.copytree(RAW, target)
    return target


@pytest.fixture
def output_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Redirect every output (data/processed, reports) into a temporary folder."""
    root = tmp_path / "out"
    root.mkdir()
    monkeypatch.setenv("ZQF_OUTPUT_ROOT", str(root))
    return root


@pytest.fixture(scope="session")
def zaqa_report(tmp_path_factory) -> Path:
    """The report of the real dataset, built once per test session as ``make report`` builds it (slow:
    only tests marked slow use it); the reports folder, beside ``data/processed/zaqa-2024``."""
    from page_reading import build_report

    return build_report(RAW, tmp_path_factory.mktemp("zaqa-report"))


@pytest.fixture(scope="session")
def synthetic_report(tmp_path_factory) -> Path:
    """The report of the committed synthetic export (40 invented submissions), built once per session."""
    from page_reading import build_report

    return build_report(FIXTURES / "synthetic-export", tmp_path_factory.mktemp("synthetic-report"))

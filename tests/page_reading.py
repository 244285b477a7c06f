"""Helpers for tests that build a report and read it as a reviewer would: the text and tables of a page,
and the outputs of an executed notebook."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_report(dataset: str | Path, output_root: Path, *arguments: str) -> Path:
    """``python -m zqf_analysis build`` (what ``make report`` runs) for ``dataset`` into ``output_root``;
    returns the dataset's reports folder."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "zqf_analysis", "build", "--dataset", str(dataset)]
    result = subprocess.run(
        [*command, "--output-root", str(output_root), *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"the report did not build:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return output_root / "reports" / Path(dataset).name


class _Text(HTMLParser):
    """The text a reader sees (no style, script or head), and every table with the caption above it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tables: list[dict] = []
        self._hidden = 0
        self._strong: list[str] | None = None
        self._caption = ""
        self._table: dict | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self._hidden += 1
        elif tag == "strong":
            self._strong = []
        elif tag == "table":
            self._table = {"caption": self._caption, "rows": []}
            self._caption = ""
        elif tag == "tr" and self._table is not None:
            self._table["rows"].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head"):
            self._hidden -= 1
        elif tag == "strong" and self._strong is not None:
            self._caption = " ".join("".join(self._strong).split())
            self._strong = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._hidden:
            return
        self.parts.append(data)
        if self._strong is not None:
            self._strong.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _read(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser


def page_text(html: str) -> str:
    """The visible text of an HTML page or fragment, white space collapsed."""
    return re.sub(r"\s+", " ", " ".join(_read(html).parts)).strip()


def page_tables(html: str) -> dict[str, list[list[str]]]:
    """Each table of a page by the bold caption above it (header row first); uncaptioned tables are
    left out (see :func:`all_tables`)."""
    return {t["caption"]: t["rows"] for t in _read(html).tables if t["caption"]}


def all_tables(html: str) -> list[list[list[str]]]:
    """Every table of a page, captioned or not, in page order (header row first)."""
    return [t["rows"] for t in _read(html).tables]


def page_images(html: str) -> list[str]:
    """The base64 data of every PNG embedded in a page, in page order."""
    return re.findall(r'src="data:image/png;base64,([^"]+)"', html)


def executed_outputs(notebook: Path) -> list[tuple[int, dict]]:
    """(cell index, output) for every output of an executed notebook, in order."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [(index, output) for index, cell in enumerate(cells) for output in cell.get("outputs", [])]


def joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def processed_of(report: Path) -> Path:
    """The processed folder a build wrote beside ``report`` (``<root>/reports/<name>``)."""
    return report.parents[1] / "data" / "processed" / report.name


def export_column(export: Path, question_number: int) -> list[str]:
    """The stripped cells of question ``Q<n>``'s column in a Microsoft Forms export (columns: ID, Start
    time, Completion time, Email, Name, then Q1, Q2, ...), one per submission."""
    import csv

    with export.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return [row[4 + question_number].strip() for row in rows[1:]]

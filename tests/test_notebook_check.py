"""The committed notebooks drop no display object: every note, table and figure they build is shown."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from zqf_analysis.report.notebook_check import dropped_displays, show_builders

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IMPORTS = "from IPython.display import HTML, Image, display\nfrom zqf_analysis.report import show, plots"


def check(tmp_path: Path, *cells: str) -> list[tuple[int, int, str]]:
    notebook = new_notebook(
        cells=[new_markdown_cell("# t"), new_code_cell(IMPORTS)] + [new_code_cell(c) for c in cells]
    )
    path = tmp_path / "check.ipynb"
    nbformat.write(notebook, path)
    return [(d.cell, d.line, d.call) for d in dropped_displays(path)]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_the_committed_notebooks_drop_no_display_object(notebook):
    dropped = [str(d) for d in dropped_displays(notebook)]
    assert dropped == [], "\n".join(dropped)


def test_a_note_on_a_middle_line_or_inside_a_block_is_dropped(tmp_path):
    # the three shapes that lost the stability note, the no-codebook warning and the kappa note
    assert check(
        tmp_path,
        "show.note('stability across 10 seeds')\nshow.table(frame)",
        "if codebook is None:\n    show.note('No codebook for this question', 'warning')",
        "if human:\n    show.note('kappa')\nelse:\n    show.note('No human coding given')",
    ) == [(2, 1, "show.note(...)"), (3, 2, "show.note(...)"), (4, 2, "show.note(...)"), (4, 4, "show.note(...)")]


def test_the_last_line_and_display_calls_are_shown(tmp_path):
    assert (
        check(
            tmp_path,
            "display(show.note('a'))\nfor q in questions:\n    display(show.table(q))\nshow.table(frame)",
            "display(Image(filename='chart.png'))",
            "x = show.note('kept in a variable: the notebook decides')",
        )
        == []
    )


def test_a_semicolon_images_charts_and_bare_values_are_dropped(tmp_path):
    assert check(
        tmp_path,
        "show.table(frame);",
        "Image(filename='chart.png')\nplots.question_chart(summary, question)\nframe\nprint('shown')",
        "HTML('<p>a</p>')  # ; in a comment does not hide it",
    ) == [(2, 1, "show.table(...)"), (3, 1, "Image(...)"), (3, 2, "plots.question_chart(...)"), (3, 3, "frame")]


def test_pyplot_is_refused_since_its_figures_depend_on_the_kernels_backend(tmp_path):
    assert check(tmp_path, "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()") == [
        (2, 1, "matplotlib.pyplot")
    ]


def test_cell_magics_are_read_as_python(tmp_path):
    assert check(tmp_path, "%matplotlib inline\nshow.note('a')\nshow.note('b')") == [(2, 2, "show.note(...)")]


def test_builders_are_the_show_helpers_that_return_something():
    builders = {name.rsplit(".", 1)[-1] for name in show_builders()}
    assert {"note", "table", "figure", "changed_texts", "dataset_summary", "status_overview"} <= builders
    assert not {"setup", "institution_overview", "open_overview"} & builders  # these display themselves

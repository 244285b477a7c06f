"""Atomic writers: all or nothing, and unchanged files untouched."""

from __future__ import annotations

import pandas as pd
import pytest

from zqf_analysis import io
from zqf_analysis.io import atomic_path, csv_bytes, write_tables_atomic


def test_csv_bytes_are_stable():
    frame = pd.DataFrame({"option": ["a", "b"], "share": [20 / 23, 0.5]})
    assert csv_bytes(frame) == b"option,share\na,0.869565\nb,0.500000\n"


def test_a_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert list(tmp_path.iterdir()) == [target]


def test_tables_are_all_rendered_before_any_is_written(tmp_path):
    class Broken(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            raise ValueError("cannot render")

    with pytest.raises(ValueError):
        write_tables_atomic(tmp_path, {"good": pd.DataFrame({"a": [1]}), "bad": Broken({"a": [1]})})
    assert list(tmp_path.iterdir()) == []


def test_saved_figures_are_byte_stable_and_carry_no_date_or_version(tmp_path):
    from matplotlib.figure import Figure

    def chart():
        figure = Figure(figsize=(3, 2))
        figure.subplots().set_title("Costs <b>high</b>")
        return figure

    first = io.save_figure(chart(), tmp_path / "a", "f")
    second = io.save_figure(chart(), tmp_path / "b", "f")
    assert [p.name for p in first] == ["f.png", "f.svg"]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    svg = first[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert "Costs &lt;b&gt;high&lt;/b&gt;" in svg  # text kept as text, escaped as XML

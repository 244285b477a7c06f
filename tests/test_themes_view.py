"""The pieces of the 03_themes page: listings capped with a caption that says where the rest is."""

from __future__ import annotations

import pandas as pd

from zqf_analysis.report import themes_view


def test_a_listing_with_no_rows_is_a_note_not_an_empty_table():
    shown = themes_view.limited(pd.DataFrame(columns=["response_id", "clean_text"]), "0 non-substantive answers")
    assert "<table" not in shown.data and "0 non-substantive answers." in shown.data


def test_a_long_listing_shows_its_first_rows_and_says_where_the_rest_is():
    frame = pd.DataFrame({"response_id": [str(n) for n in range(1, 26)], "clean_text": ["<b>x</b>"] * 25})
    shown = themes_view.limited(frame, "25 answers", limit=20).data
    assert "25 answers (the first 20 of 25; all in tables.xlsx)" in shown
    assert shown.count("<tr") == 21  # the header and 20 rows
    assert "&lt;b&gt;x&lt;/b&gt;" in shown and "<b>x</b>" not in shown

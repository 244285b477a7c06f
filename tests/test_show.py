"""Notebook display helpers: escaped tables and notes, figures as images, and answers only redacted."""

from __future__ import annotations

import re

import pandas as pd
from matplotlib.figure import Figure

from zqf_analysis.io import figure_bytes
from zqf_analysis.report import show

ANSWERS = pd.DataFrame(
    {
        "question_id": ["Q8", "Q8", "Q8", "Q2"],
        "response_id": ["1", "2", "3", "4"],
        "text": [
            "Write to jane@example.net or call +260 977 123 456",
            "Write to jane@example.net or call +260 977 123 456",
            "N/A",
            "Short  courses",
        ],
        "clean_text": ["Write to [email] or call [phone]", "Write to [email] or call [phone]", "N/A", "Short courses"],
        "substantive": [True, True, False, True],
        "duplicate_of": ["", "1", "", ""],
    }
)


def test_changed_texts_show_the_verbatim_text_redacted_and_what_changed():
    page = show.changed_texts(ANSWERS).data
    assert "jane@example.net" not in page and "977" not in page
    assert "3 answer(s) changed by cleaning" in page
    # by kind: two redactions (answers 1 and 2), one white space (answer 4); none of case or OCR
    assert "<td>redaction (e-mail, phone, ID number, name)</td>\n      <td>2</td>" in page
    assert "<td>white space</td>\n      <td>1</td>" in page
    assert "<td>OCR (a lone | read as I)</td>\n      <td>0</td>" in page
    assert "<td>Write to [email] or call [phone]</td>" in page
    assert "<td>e-mail address redacted, phone number redacted</td>" in page
    # spacing as typed (pandas 3 writes the second space as &nbsp;, so that a browser shows it; pandas 2 does not)
    assert re.search(r"<td>Short(?:&nbsp;| ){2}courses</td>", page) and "<td>white space</td>" in page
    assert "open_responses.csv" in page  # says where the originals are


def test_changed_texts_with_nothing_changed_is_an_ok_note():
    same = ANSWERS.assign(text=ANSWERS["clean_text"])
    assert "Cleaning changed no answer" in show.changed_texts(same).data


def test_the_flagged_answers_are_listed_in_their_cleaned_text(monkeypatch):
    shown = []
    monkeypatch.setattr(show, "display", shown.append)
    show.open_overview(ANSWERS)
    flagged = shown[1].data
    assert "Non-substantive and repeated answers" in flagged
    assert "jane@example.net" not in flagged and "<td>Write to [email] or call [phone]</td>" in flagged
    assert "<td>N/A</td>" in flagged


def test_a_figure_is_shown_as_the_png_it_saves_as():
    figure = Figure(figsize=(2, 1))
    figure.subplots().plot([0, 1], [1, 0])
    image = show.figure(figure, width=300)
    assert image.format == "png" and image.width == 300
    assert image.data == figure_bytes(figure, "png")


def test_notes_and_tables_escape_respondent_text():
    assert "&lt;script&gt;" in show.note("<script>alert(1)</script>").data
    assert "&lt;b&gt;bold&lt;/b&gt;" in show.table(pd.DataFrame({"text": ["<b>bold</b>"]}), caption="<i>c</i>").data

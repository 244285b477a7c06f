"""Charts: bars in the form's order, no bar for a lost count, whiskers from the intervals, stable files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from zqf_analysis.data.clean import clean_dataset
from zqf_analysis.data.load import load_dataset
from zqf_analysis.data.questionnaire import parse_questionnaire
from zqf_analysis.report import plots
from zqf_analysis.stats import describe

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real():
    data = load_dataset(ROOT / "data" / "raw" / "zaqa-2024")
    return data, describe.closed_summary(clean_dataset(data)["closed_counts"], data.questionnaire)


def _bars(ax) -> dict[int, float]:
    """Bar widths (percent) by row position."""
    return {round(b.get_y() + b.get_height() / 2): b.get_width() for b in ax.patches}


def test_a_missing_count_gets_no_bar_but_the_words_not_legible(real):
    data, summary = real
    question = data.questionnaire["Q6"]
    ax = plots.question_chart(summary, question).axes[0]
    public = question.options.index("Public sector workers / employees")  # row 3
    bars = _bars(ax)
    assert public not in bars
    assert len(bars) == len(question.options) - 1
    assert bars[question.options.index("Employees in private enterprises")] == pytest.approx(100 * 5 / 23)
    labels = {round(t.get_position()[1]): t.get_text() for t in ax.texts}
    assert labels[public] == "not legible in source"
    assert labels[question.options.index("Employees in private enterprises")] == "5 (22%)"


def test_rows_follow_the_form_order_and_every_option_keeps_its_row(real):
    data, summary = real
    question = data.questionnaire["Q7"]  # five of eight counts lost, the first among them
    ax = plots.question_chart(summary, question).axes[0]
    assert [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()] == list(question.options)
    assert ax.get_ylim() == (len(question.options) - 0.5, -0.5)


def test_whiskers_are_the_statsmodels_interval(real):
    data, summary = real
    question = data.questionnaire["Q11"]
    ax = plots.question_chart(summary, question).axes[0]
    whiskers = [c for c in ax.collections if c.get_label() == "interval"][0]
    low, high = describe.proportion_interval(14, 23)
    (x0, y0), (x1, _) = whiskers.get_segments()[1]  # "I agree but need more dialogue..." is the second option
    assert (x0, x1, y0) == pytest.approx((100 * low, 100 * high, 1))
    texts = [t.get_text() for t in ax.texts]
    assert "14 (61%)" in texts and "6 (26%)" in texts


def test_an_interval_that_excludes_the_share_is_still_drawn(real):
    # Jeffreys' interval for 0 of 23 starts above 0: the whisker is drawn from its bounds as given.
    data, _ = real
    settings = describe.interval_settings(0.95, "jeffreys")
    summary = describe.closed_summary(clean_dataset(data)["closed_counts"], data.questionnaire, settings)
    ax = plots.question_chart(summary, data.questionnaire["Q11"], settings=settings).axes[0]
    whiskers = [c for c in ax.collections if c.get_label() == "interval"][0]
    (x0, _), _ = whiskers.get_segments()[3]  # "I disagree": 0 of 23
    assert x0 > 0


def test_a_dollar_sign_in_a_label_is_text_not_mathtext():
    assert plots.plain("costs $5 to $10") == r"costs \$5 to \$10"
    questionnaire = parse_questionnaire(
        {
            "questions": [
                {
                    "id": "Q1",
                    "type": "single",
                    "text": "Fee in $ or $$?",
                    "options": ["$5 - $10", "<b>free</b>"],
                }
            ]
        }
    )
    counts = pd.DataFrame(
        {
            "question_id": ["Q1", "Q1"],
            "option": ["$5 - $10", "<b>free</b>"],
            "count": [2, 1],
            "base": [3, 3],
            "status": ["tabulated"] * 2,
        }
    )
    summary = describe.closed_summary(counts, questionnaire)
    figure = plots.question_chart(summary, questionnaire["Q1"])
    svg = plots.figure_bytes(figure, "svg")  # would raise on unbalanced mathtext if '$' were not escaped
    assert svg.startswith(b"<?xml")
    # SVG keeps text as text: the label is there, escaped as XML, never as markup
    assert b"&lt;b&gt;free&lt;/b&gt;" in svg and b"<b>" not in svg
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == [r"\$5 - \$10", "<b>free</b>"]


def test_saved_figures_are_byte_identical_on_rerun_and_carry_no_date(real, tmp_path):
    data, summary = real
    question = data.questionnaire["Q14"]
    first = plots.save_figure(plots.question_chart(summary, question), tmp_path / "a", "Q14")
    second = plots.save_figure(plots.question_chart(summary, question), tmp_path / "b", "Q14")
    assert [p.name for p in first] == ["Q14.png", "Q14.svg"]
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes() == two.read_bytes()
    svg = first[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    assert not list((tmp_path / "a").glob(".*.tmp"))


def test_the_pie_prints_the_reports_percentages(real):
    data, summary = real
    figure = plots.pie_chart(summary, data.questionnaire["Q14"])
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "Yes\n19 = 79%" in texts and "No\n2 = 8%" in texts and "Safeguard my anonymity\n3 = 13%" in texts


def test_profile_charts_mark_the_multiple_submitters(real):
    data, _ = real
    institutions = clean_dataset(data)["institutions"]
    profile = describe.institution_profile(institutions)
    ax = plots.institutions_chart(profile).axes[0]
    marked = [t.get_text() for t in ax.texts if "more than one" in t.get_text()]
    assert marked == ["4  (more than one submission)", "2  (more than one submission)"]
    ax = plots.types_chart(describe.submissions_by_type(institutions)).axes[0]
    assert ax.get_title(loc="left") == "Respondents by institution type (23 submissions)"


# ------------------------------------------------------------------------------- charts that scale


def _many_options(n: int, base: int = 1260):
    """A single-choice question of ``n`` options, option i chosen by n - i respondents (so the counts
    fall one by one, and the most chosen is the first)."""
    options = [f"Field {i + 1}" for i in range(n)]
    questionnaire = parse_questionnaire(
        {"questions": [{"id": "Q5", "type": "single", "text": "Field?", "options": options}]}
    )
    counts = pd.DataFrame(
        {"question_id": "Q5", "option": options, "count": [n - i for i in range(n)], "base": base,
         "status": "tabulated"}
    )
    return questionnaire, describe.closed_summary(counts, questionnaire)


def _png_height(figure) -> int:
    import struct

    png = plots.figure_bytes(figure, "png")
    return struct.unpack(">II", png[16:24])[1]


def test_sixty_options_show_the_fourteen_most_chosen_and_a_line_for_the_rest():
    questionnaire, summary = _many_options(60)
    figure = plots.question_chart(summary, questionnaire["Q5"])
    ax = figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"Field {i}" for i in range(1, 15)]  # 60, 59, ... 47 respondents
    assert len(ax.patches) == 14
    # the 46 others chose 46 down to 1 each: 46 * 47 / 2 = 1081 in all
    assert "The other 46 options (1 to 46 answers each, 1081 in all)" in figure.get_supxlabel().replace("\n", " ")
    assert _png_height(figure) <= 2000
    # labels with one decimal at this base: 60 of 1,260 = 4.8%
    assert "60 (4.8%)" in [t.get_text() for t in ax.texts]


def test_the_axis_is_fitted_to_the_data():
    questionnaire, summary = _many_options(60)
    figure = plots.question_chart(summary, questionnaire["Q5"])
    ax = figure.axes[0]
    # the highest whisker of 60 of 1,260 (4.8%) ends near 6%: the axis stops at 10%, not 100%
    assert max(ax.get_xticks()) == 10
    assert ax.get_xlim()[1] < 15


def test_a_chart_of_few_options_keeps_the_form_order_and_every_row(real):
    data, summary = real
    question = data.questionnaire["Q6"]  # 14 options: all drawn
    ax = plots.question_chart(summary, question).axes[0]
    assert len(ax.get_yticklabels()) == 14


def test_names_that_clean_to_one_canonical_name_are_one_bar_with_its_own_label():
    profile = pd.DataFrame(
        {
            "institution": ["Biology", "Chemistry", "biology", "Physics"],
            "canonical_name": ["Biology", "Chemistry", "Biology", "Physics"],
            "institution_type": ["unmapped"] * 4,
            "submissions": [248, 30, 18, 5],
        }
    )
    ax = plots.institutions_chart(describe.institution_profile(profile)).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Biology", "Chemistry", "Physics"]
    bars = sorted((round(p.get_y() + p.get_height() / 2), p.get_width()) for p in ax.patches)
    assert bars == [(0, 266), (1, 30), (2, 5)]
    labels = sorted((round(t.get_position()[1]), t.get_text().split()[0]) for t in ax.texts)
    assert labels == [(0, "266"), (1, "30"), (2, "5")]  # each label on its own bar's row


def test_three_hundred_institutions_make_a_chart_under_2000_px():
    names = [f"Department {i}" for i in range(300)]
    profile = pd.DataFrame(
        {"institution": names, "canonical_name": names, "institution_type": "unmapped", "submissions": 2}
    )
    figure = plots.institutions_chart(describe.institution_profile(profile))
    assert len(figure.axes[0].patches) == 14
    assert _png_height(figure) <= 2000
    assert "The other 286 institutions" in figure.get_supxlabel()

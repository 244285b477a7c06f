"""A survey that is not ZAQA's, read as a reviewer reads it: a dataset built for these tests (SYNTHETIC,
made by ``zqf_analysis.data.synth_survey``) with no institution question, no multi-select question, a
single-choice question of 60 options declared a pie, another declared a pie with 3 options, a URL
question and open questions of exactly 3, 9 and 500 answers. The report is built once, as
``make report`` builds it, and every assertion reads its pages and figures."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from page_reading import build_report, page_tables, page_text

from zqf_analysis.data.synth_survey import SurveyShape, write_survey

pytestmark = pytest.mark.slow

#: Q1 single of 60 options (pie declared), Q2 URL, Q3 single of 3 (pie declared), Q4 3 answers,
#: Q5 single of 4, Q6 9 answers, Q7 single of 5, Q8 500 answers, Q9 single of 6.
SHAPE = SurveyShape(respondents=700, questions=9, open=4, multi=False, long_options=(60,), url=True,
                    sparse=(3, 9, 500), pies=("Q1", "Q3"), title="SYNTHETIC anonymous survey")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = write_survey(SHAPE, 21, tmp_path_factory.mktemp("data") / "anonymous-survey")
    return build_report(folder, tmp_path_factory.mktemp("anonymous-report"))


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def png_height(path: Path) -> int:
    return struct.unpack(">II", path.read_bytes()[16:24])[1]


def test_every_page_is_there_and_counts_700_respondents(report):
    index = page_text(read(report / "index.html"))
    assert "9 questions (5 closed, 4 open), 700 respondents." in index
    assert "institutions" not in index.split("Notebooks")[0]  # no institution question, none counted
    for page in ("01_clean", "02_describe", "04_groups"):
        summary = dict(page_tables(read(report / f"{page}.html"))["Validated dataset"][1:])
        assert summary["Respondents (submissions)"] == "700", page


def test_no_multi_select_note_and_no_small_sample_sentence(report):
    for page in (report / "index.html", report / "02_describe.html"):
        text = page_text(read(page))
        assert "Multi-select" not in text and "multi-select" not in text.replace("no multi-select", "")
        assert "With so few respondents" not in text


def test_the_profile_says_there_is_none(report):
    text = page_text(read(report / "02_describe.html"))
    assert "This survey has no institution question, and its questionnaire declares no profile question" in text
    assert not (report / "figures" / "profile_institutions.png").exists()


def test_sixty_options_make_one_chart_under_2000_px_and_no_pie(report):
    figures = report / "figures"
    assert png_height(figures / "Q1.png") <= 2000
    assert max(png_height(p) for p in figures.glob("*.png")) <= 2000
    text = page_text(read(report / "02_describe.html"))
    assert "every option is in tables.xlsx" in text
    # Q1 is declared a pie, but has more than 6 answered options: refused; Q3 (3 options) is drawn
    assert sorted(p.name for p in figures.glob("*_pie.png")) == ["Q3_pie.png"]
    assert "a pie of more than 6 slices cannot be read, so it is not drawn" in text


def test_no_reviewer_page_is_over_2_mb(report):
    sizes = {p.name: p.stat().st_size for p in report.glob("*.html")}
    assert sizes and max(sizes.values()) < 2_000_000, sizes


def page_tables_all(html: str) -> list[list[str]]:
    from page_reading import all_tables

    return [row for table in all_tables(html) for row in table]


def test_themes_only_where_the_answers_can_carry_them(report):
    runs = sorted(p.stem for p in (report / "executed").glob("*.ipynb"))
    assert runs == ["01_clean", "02_describe", "03_themes-Q8", "04_groups"]  # Q8: 500 answers
    index = read(report / "index.html")
    text = page_text(index)
    assert "Open questions without themes" in text
    rows = {row[0].split()[0]: row for row in page_tables_all(index) if row and row[0][:1] == "Q"}
    assert rows["Q2"][3] == "a field of links (URLs), detected from the answers"
    # Q4 and Q6 have exactly 3 and 9 answers (the generator's sparse questions), a few not substantive
    for question, answers in (("Q4", 3), ("Q6", 9)):
        substantive = int(rows[question][2])
        assert rows[question][1] == str(answers) and substantive <= answers
        assert rows[question][3] == f"{substantive} substantive answers, fewer than min_answers = 20"
    for question in ("Q2", "Q4", "Q6"):
        assert f'href="answers/{question}.html"' in index
        page = page_text(read(report / "answers" / f"{question}.html"))
        assert f"{rows[question][1]} answers ({rows[question][2]} substantive), no themes: " in page
        assert page.count(" answers ") >= 1
        assert "Consent rule: none declared (questionnaire.yaml has no consent:)" in page  # as on every page


def test_the_themes_page_of_500_answers_shows_a_sample_of_quotes(report):
    html = read(report / "03_themes-Q8.html")
    text = page_text(html)
    assert "Q8: 500 answers, " in text
    quote_tables = {c: rows for c, rows in page_tables(html).items() if c.startswith("C") and "quotes shown" in c}
    if "The discovered themes have structure" in text:
        assert quote_tables and all(2 <= len(rows) - 1 <= 5 for rows in quote_tables.values())
    else:
        assert not quote_tables and "write a codebook" in text
    # the index reads the verdict too: discovered themes without structure are not tabulated as findings
    verdict = page_text(read(report / "index.html"))
    assert ("No structure: the discovered themes are not distinct groups" in verdict) == ("No structure" in text)
    full = read(report / "full" / "03_themes-Q8.html")
    assert "<details><summary>All " in full and "<details><summary>All " not in html
    assert len(html.encode("utf-8")) < 2_000_000

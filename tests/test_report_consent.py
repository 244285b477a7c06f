"""The report of tests/fixtures/consent-export, built end to end and read as a reviewer would: every HTML
page (reviewer, full, index), every SVG figure, every executed notebook and every XML part of
tables.xlsx is searched for the two refusers' answers and institution, for the institution of the
respondent who asked for anonymity, for the name and identity numbers typed into an answer; the quotes
and crosstab columns are read for groups of fewer than 3; the bases are those counted by hand in
export.csv (see the fixture's README). The published-counts dataset says the rules are not applicable."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from page_reading import ROOT, all_tables, build_report, page_tables, page_text, processed_of

pytestmark = pytest.mark.slow

CONSENT = ROOT / "tests" / "fixtures" / "consent-export"
RUNS = ("01_clean", "02_describe", "03_themes-challenges", "03_themes-help", "04_groups")
#: What must be on no page: the refusers' answers (rows 3 and 10) and the institution only a refuser
#: belonged to; the institution of the respondent who asked for anonymity (row 4), in any case; the name
#: and numbers typed into row 7's answers, and the name and e-mail address of Forms' own columns.
REFUSERS = ("toll-road", "levy scheme", "Quarantine the pilot", "marmalade", "apprenticeship pilot", "Kappa Academy")
ANONYMOUS_INSTITUTION = ("Beta University", "beta university")
PERSONAL = ("Chanda", "Mwale", "Mutale", "Banda", "123456/78/9", "123456/7", "ZN123456", "chanda.mwale@example.org")
#: The groups of institution_type a reviewer may see: company (1) and professional_body (2) only merged.
SHOWN_GROUPS = {"training_institute", "university", "other groups"}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    # the fixture's open questions have 14 answers each (13 and 14 substantive), under the default
    # min_answers = 20 of a themes run: the themes pages are what this test reads, so it asks for them
    return build_report(CONSENT, tmp_path_factory.mktemp("consent-report"), "--param", "min_answers=5")


def published(report: Path) -> list[tuple[str, str]]:
    """(name, text) of everything published: pages, SVG figures, executed notebooks, workbook parts."""
    found = [(p.relative_to(report).as_posix(), p.read_text(encoding="utf-8")) for p in sorted(report.rglob("*.html"))]
    found += [(p.name, p.read_text(encoding="utf-8")) for p in sorted((report / "figures").glob("*.svg"))]
    found += [(p.name, p.read_text(encoding="utf-8")) for p in sorted((report / "executed").glob("*.ipynb"))]
    with zipfile.ZipFile(report / "tables.xlsx") as workbook:
        found += [(f"tables.xlsx {e}", workbook.read(e).decode("utf-8", errors="replace")) for e in workbook.namelist()]
    return found


def test_every_page_is_built(report):
    names = {p.relative_to(report).as_posix() for p in report.rglob("*.html")}
    assert names == {"index.html"} | {f"{r}.html" for r in RUNS} | {f"full/{r}.html" for r in RUNS}


def test_nothing_of_the_refusers_and_no_name_or_number_is_published(report):
    items = published(report)
    assert len(items) > 30
    for name, text in items:
        folded = text.casefold()
        for needle in (*REFUSERS, *ANONYMOUS_INSTITUTION, *PERSONAL):
            assert needle.casefold() not in folded, f"{needle!r} in {name}"


def test_the_bases_are_one_lower_per_refuser(report):
    # view: 16 submissions, rows 3 (Disagree) and 10 (Agree) refused: Agree 9, Disagree 2, Unsure 3 of 14
    tables = all_tables((report / "02_describe.html").read_text(encoding="utf-8"))
    view = next(t for t in tables if t[0][:3] == ["option", "count", "base"] and t[1][0] == "Agree")
    assert [row[:3] for row in view[1:]] == [["Agree", "9", "14"], ["Disagree", "2", "14"], ["Unsure", "3", "14"]]
    workbook = openpyxl.load_workbook(report / "tables.xlsx")
    options = ("Badges", "Short courses", "Modules")
    rows = [r for r in workbook["offer"].iter_rows(values_only=True) if r and r[0] in options]
    # offer: row 8 left it blank, so 13 answered (15 before the refusals): Badges 7, Short courses 6, Modules 5
    assert [r[:3] for r in rows] == [("Badges", 7, 13), ("Short courses", 6, 13), ("Modules", 5, 13)]
    index = page_text((report / "index.html").read_text(encoding="utf-8"))
    assert "14 respondents; 14 of them named an institution, 6 institutions in all" in index
    assert "Agree 9 of 14" in index


def test_the_index_and_every_page_say_which_consent_rule_was_applied(report):
    rule = (
        "permission: 'Yes, you may' used; 'Yes, but do not name my organisation' counted with the institution "
        "withheld; 'No' and no answer left out"
    )
    for page in sorted(report.rglob("*.html")):
        assert rule in page_text(page.read_text(encoding="utf-8")), page.name
    index = page_text((report / "index.html").read_text(encoding="utf-8"))
    assert "2 of 16 submissions left out of every table, chart, quote, theme and count (1 refused; 1 gave no" in index
    assert "data/processed/consent-export/consent_excluded.csv (ids only)" in index
    assert "1 asked for anonymity" in index
    assert "never shown on its own" in index and "(by institution_type: company (1), professional_body (2))" in index
    excluded = pd.read_csv(processed_of(report) / "consent_excluded.csv", dtype=str)
    assert excluded["response_id"].tolist() == ["3", "10"]


def test_the_anonymous_institution_is_counted_under_its_type_as_anonymised(report):
    tables = page_tables((report / "02_describe.html").read_text(encoding="utf-8"))
    caption = "14 of the 14 respondents named an institution: 6 institutions (names that differ only in spelling "
    profile = tables[caption + "counted once)"]  # one row per canonical name: no printed name is shown
    assert ["anonymised (1 institution)", "university", "2", "True"] in profile
    by_type = tables["Institutions and submissions by institution type"]
    assert ["university", "2", "5", "0.357"] in by_type  # Alpha University 3 + anonymised 2
    # the respondent's own words name the institution nowhere; they are quoted with [institution] (on the
    # full page, which lists every quote; the reviewer page shows a sample per theme)
    themes = page_text((report / "full" / "03_themes-challenges.html").read_text(encoding="utf-8"))
    assert "At [institution] we cannot get accreditation for modules" in themes


def _quote_tables(report: Path) -> dict[str, list[list[str]]]:
    tables = page_tables((report / "04_groups.html").read_text(encoding="utf-8"))
    return {caption: rows for caption, rows in tables.items() if caption.startswith("Which groups mention")}


def test_no_quote_is_listed_under_a_group_of_fewer_than_three_or_next_to_the_anonymous_institution(report):
    quotes = _quote_tables(report)
    assert quotes, "04_groups lists no quote by group"
    rows = [row for table in quotes.values() for row in table[1:]]
    assert {row[0] for row in rows} <= SHOWN_GROUPS | {"anonymised"}
    # the company (row 11) and the professional body (rows 12, 13) are quoted, under "other groups" only
    assert {row[0] for row in rows if row[1] in ("11", "12", "13")} == {"other groups"}
    # the respondent who asked for anonymity (row 4) is quoted under no institution type
    assert {row[0] for row in rows if row[1] == "4"} == {"anonymised"}


def test_crosstab_cells_of_the_small_groups_are_merged_on_the_page_and_in_the_workbook(report):
    html = (report / "04_groups.html").read_text(encoding="utf-8")
    banners = [t for t in all_tables(html) if t[0][0] == "option" and "p adjusted" in t[0]]
    assert banners
    for table in banners:
        groups = set(table[0]) - {"option", "p", "p adjusted", "test"}
        assert groups == SHOWN_GROUPS, table[0]
    assert "other groups: merged from company (1), professional_body (2)" in page_text(html)
    workbook = openpyxl.load_workbook(report / "tables.xlsx")
    sheet = list(workbook["crosstabs"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(sheet) if r and r[0] == "group_variable")
    groups = {r[1] for r in sheet[header + 1 :] if r and r[0]}
    assert groups == SHOWN_GROUPS


def test_names_and_numbers_are_redacted_where_the_answer_is_shown(report):
    clean = page_text((report / "01_clean.html").read_text(encoding="utf-8"))
    assert "My name is [name] and my NRC is [id number]; the registration fees are too high." in clean
    assert "Contact Dr. [name], passport [id number], about the pilot." in clean
    help_page = page_text((report / "full" / "03_themes-help.html").read_text(encoding="utf-8"))  # every quote
    assert "Contact Dr. [name]" in help_page and "passport [id number]" in help_page


def test_the_published_counts_dataset_reports_the_rules_as_not_applicable(zaqa_report):
    for page in sorted(zaqa_report.rglob("*.html")):
        text = page_text(page.read_text(encoding="utf-8"))
        assert "Q14: 'Yes' used" in text, page.name
    index = page_text((zaqa_report / "index.html").read_text(encoding="utf-8"))
    assert "Not applicable to this dataset: it holds published counts and quotes with no per-respondent link" in index
    assert "('Yes' 19, 'No' 2, 'Safeguard my anonymity' 3)" in index
    clean = page_text((zaqa_report / "01_clean.html").read_text(encoding="utf-8"))
    assert "not applicable here" in clean  # the header's rule
    # the published totals keep both refusals: nothing can be taken out of a total
    assert "23 respondents; 23 of them named an institution, 19 institutions in all" in index

"""Every output the notebooks show reaches the page, read from real builds of the real dataset and the
synthetic export: each output of each executed notebook is on its reviewer and full pages, every
figure the build wrote is shown, the themes pages carry their map, chart and notes, and the numbers
on the pages are the ones a person counts by hand."""

from __future__ import annotations

import base64
import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from page_reading import (
    ROOT,
    all_tables,
    build_report,
    executed_outputs,
    joined,
    page_images,
    page_tables,
    page_text,
)

from zqf_analysis.themes.codebook import find_codebook, load_codebook

pytestmark = pytest.mark.slow

RAW = ROOT / "data" / "raw" / "zaqa-2024"
SYNTHETIC = ROOT / "tests" / "fixtures" / "synthetic-export"


@pytest.fixture(params=["zaqa_report", "synthetic_report"])
def report(request) -> Path:
    return request.getfixturevalue(request.param)


def runs(report: Path) -> list[str]:
    return sorted(p.stem for p in (report / "executed").glob("*.ipynb") if not p.stem.endswith(".failed"))


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def png_base64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


# ----------------------------------------------------------------------------- outputs reach the page


def test_every_output_of_every_notebook_is_on_its_reviewer_and_full_page(report):
    assert runs(report) == ["01_clean", "02_describe", "03_themes-Q13", "03_themes-Q2", "03_themes-Q8"]
    for run in runs(report):
        outputs = executed_outputs(report / "executed" / f"{run}.ipynb")
        assert outputs, f"{run} shows nothing"
        for page in (report / f"{run}.html", report / "full" / f"{run}.html"):
            html = read(page)
            text, images = page_text(html), set(page_images(html))
            for cell, output in outputs:
                data = output.get("data", {})
                where = f"{page.relative_to(report)}, cell {cell}"
                if "image/png" in data:
                    assert joined(data["image/png"]).replace("\n", "") in images, f"{where}: an image is missing"
                elif "text/html" in data:
                    shown = page_text(joined(data["text/html"]))
                    assert shown in text, f"{where}: missing {shown[:120]!r}"
                elif output.get("output_type") == "stream" and output.get("name") == "stdout":
                    assert " ".join(joined(output["text"]).split()) in text, f"{where}: printed text missing"


def test_every_figure_the_build_wrote_is_shown_on_a_page_and_listed_on_the_index(report):
    shown = set()
    for run in runs(report):
        shown |= set(page_images(read(report / f"{run}.html")))
    index = read(report / "index.html")
    pngs = sorted((report / "figures").glob("*.png"))
    assert len(pngs) == 17  # 2 profile charts, 10 closed questions, 2 pies, 3 theme charts
    for png in pngs:
        assert png_base64(png) in shown, f"figures/{png.name} is on no page"
        assert f'src="figures/{png.name}"' in index


@pytest.mark.parametrize("question", ["Q2", "Q8", "Q13"])
def test_the_themes_page_shows_the_map_the_chart_and_every_note(report, question):
    html = read(report / f"03_themes-{question}.html")
    text, images = page_text(html), page_images(html)
    # the 2-D map (drawn in the notebook, not saved) and the theme chart (as saved in figures/)
    map_cell = [
        index
        for index, output in executed_outputs(report / "executed" / f"03_themes-{question}.ipynb")
        if "image/png" in output.get("data", {})
    ]
    assert len(images) == 2 and len(map_cell) == 2
    assert images[1] == png_base64(report / "figures" / f"themes_{question}.png")
    assert images[0] != images[1]
    assert re.search(
        r"k = \d+ \((seeded by the codebook|free k-means)\); stability across 10 seeds "
        r"\(mean pairwise ARI\): -?\d\.\d\d",
        text,
    ), "the stability note is missing"
    assert "No human coding given (parameter human_coding)." in text
    no_codebook = "No codebook for this question: only discovered themes are shown."
    if report.name == "zaqa-2024":
        assert no_codebook not in text
        assert "Codes: answers mentioning each, answers where it is the primary code, segments" in page_tables(html)
    else:  # the synthetic export has no codebooks/ folder
        assert no_codebook in text


def test_the_kappa_and_agreement_notes_reach_the_page_with_a_human_coding(tmp_path_factory):
    human = ROOT / "tests" / "fixtures" / "themes" / "q8_human_coding.csv"
    out = tmp_path_factory.mktemp("human")
    report = build_report(RAW, out, "--questions", "Q8", "--param", f"03_themes.human_coding={human.relative_to(ROOT)}")
    text = page_text(read(report / "03_themes-Q8.html"))
    coded = pd.read_csv(human, dtype=str)
    themes = pd.read_csv(out / "data" / "processed" / "zaqa-2024" / "themes_Q8.csv", dtype=str)
    primary = themes.drop_duplicates("response_id").set_index("response_id")["primary_code"]
    agree = int((coded.set_index("response_id")["code"] == primary.loc[coded["response_id"]].to_numpy()).sum())
    found = re.search(r"Coder vs human on (\d+) answers: accuracy (\d+\.\d)%, Cohen's kappa (-?\d\.\d\d)", text)
    assert found, "the kappa note is missing"
    assert int(found.group(1)) == len(coded) == 23
    assert float(found.group(2)) == round(100 * agree / 23, 1)
    assert "Confusion table (rows: human, columns: coder)" in text
    assert re.search(
        r"Clusters vs human codes: ARI -?\d\.\d\d \(free k-means at the same k: -?\d\.\d\d\); "
        r"chance: mean -?\d\.\d\d, 95th percentile -?\d\.\d\d",
        text,
    )
    assert "No human coding given" not in text


# ------------------------------------------------------------------ numbers a person can check by hand


def test_the_cleaning_page_of_the_real_dataset(zaqa_report):
    tables = page_tables(read(zaqa_report / "01_clean.html"))
    summary = dict(tables["Validated dataset"][1:])
    assert (summary["Respondents (submissions)"], summary["Institutions"]) == ("23", "19")
    assert tables["Free-text answers"] == [
        ["question_id", "answers", "substantive", "repeated"],
        ["Q2", "14", "11", "1"],
        ["Q8", "23", "23", "2"],
        ["Q13", "18", "17", "1"],
    ]
    flagged = tables["Non-substantive and repeated answers (kept, flagged; cleaned text)"]
    left_out = [row[:3] for row in flagged[1:] if row[3] == "False"]
    assert left_out == [["Q2", "2", "N/A"], ["Q2", "8", "I don't know"], ["Q2", "10", "NIL"], ["Q13", "18", "None"]]
    changed = next(
        rows
        for caption, rows in tables.items()
        if caption.endswith(
            "changed by cleaning (the verbatim "
            "text shown with e-mail addresses and phone numbers redacted; the originals are only in the "
            "processed open_responses.csv)"
        )
    )
    assert changed[1][:2] == ["Q2", "8"] and changed[1][2:] == [
        "| don’t know",
        "I don't know",
        "quotes, a lone | read as I",
    ]


def test_the_describe_page_of_the_real_dataset(zaqa_report):
    html = read(zaqa_report / "02_describe.html")
    tables = page_tables(html)
    assert tables["23 submissions from 19 institutions"][0][:2] == ["institution", "canonical_name"]
    assert len(tables["23 submissions from 19 institutions"]) == 1 + 19
    assert "37 claims" in tables
    # Box 3: "87% of responses was in favour": I agree 6 + I agree but ... 14 = 20 of 23
    assert (
        "Integration of micro-credentials in the ZQF: 87% of responses was in favour. 87% 87.0% (20 of 23) agrees"
        in (page_text(html))
    )
    q11 = next(rows for rows in all_tables(html) if rows[1][:1] == ["I agree"] and len(rows[1]) == 7)
    assert q11[1] == ["I agree", "6", "23", "26.1%", q11[1][4], q11[1][5], "legible"]


@pytest.mark.parametrize("question", ["Q2", "Q8", "Q13"])
def test_every_quote_of_the_real_dataset_is_under_its_theme(zaqa_report, question):
    html = read(zaqa_report / f"03_themes-{question}.html")
    processed = zaqa_report.parents[1] / "data" / "processed" / "zaqa-2024"
    themes = pd.read_csv(processed / f"themes_{question}.csv", dtype=str, keep_default_na=False)
    segments = themes[themes["cluster"] != ""]
    codebook = load_codebook(find_codebook(RAW, question))
    quote_tables = {c: rows for c, rows in page_tables(html).items() if re.match(r"C\d+: ", c)}
    # with a codebook, k is its number of codes (seeded k-means): one table of quotes per theme
    assert len(quote_tables) == len(codebook.names) == segments["cluster"].nunique()
    shown = [(row[0], row[1]) for rows in quote_tables.values() for row in rows[1:]]
    assert sorted(shown) == sorted(zip(segments["response_id"], segments["segment"], strict=True))
    answers = pd.read_csv(processed / "open_responses.csv", dtype=str, keep_default_na=False)
    answers = answers[answers["question_id"] == question]
    substantive = int((answers["substantive"] == "True").sum())
    assert f"{question}: {len(answers)} answers, {substantive} substantive, {len(segments)} segments" in page_text(html)
    if question == "Q8":  # answers 10 and 11 are the same sentence, and both are quoted
        assert ("10", "Training Equipment is inadequate") in shown and (
            "11",
            "Training Equipment is inadequate",
        ) in shown
        assert (len(answers), substantive) == (23, 23)


def synthetic_column(question_number: int) -> list[str]:
    """The cells of one question's column in the synthetic export (columns: ID, Start time, Completion
    time, Email, Name, then Q1..Q14)."""
    with (SYNTHETIC / "export.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return [row[4 + question_number].strip() for row in rows[1:]]


def test_the_pages_of_the_synthetic_export_match_a_count_of_its_csv(synthetic_report):
    tables = page_tables(read(synthetic_report / "01_clean.html"))
    assert dict(tables["Validated dataset"][1:])["Respondents (submissions)"] == "40"
    # the fixture's README: its non-substantive answers are N/A, NIL and I don't know
    expected = [["question_id", "answers", "substantive"]]
    for number in (2, 8, 13):
        written = [cell for cell in synthetic_column(number) if cell]
        empty = [cell for cell in written if cell in ("N/A", "NIL", "I don't know")]
        expected.append([f"Q{number}", str(len(written)), str(len(written) - len(empty))])
    assert [row[:3] for row in tables["Free-text answers"]] == expected
    q11 = [cell for cell in synthetic_column(11) if cell]
    html = read(synthetic_report / "02_describe.html")
    assert f"Base: {len(q11)} submissions that answered Q11 of 40" in page_text(html)
    agree = q11.count("I agree")
    assert (agree, len(q11)) == (26, 38)
    q11_table = next(rows for rows in all_tables(html) if rows[1][:1] == ["I agree"] and len(rows[1]) == 7)
    assert q11_table[1][:4] == ["I agree", "26", "38", "68.4%"]
    themes = page_text(read(synthetic_report / "03_themes-Q8.html"))
    q8 = [cell for cell in synthetic_column(8) if cell]
    assert f"Q8: {len(q8)} answers, {len(q8) - 3} substantive" in themes  # 28 answers, NIL, N/A, I don't know
    assert "3 non-substantive answers" in themes

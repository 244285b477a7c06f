"""No published page undoes a redaction: an e-mail address and a phone number typed into answers of a
small export are on no HTML page (reviewer, full, index), in no figure and nowhere in tables.xlsx,
while the processed open_responses.csv keeps them in its ``text`` column, where the pages say they are."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from page_reading import ROOT, build_report, page_text

SYNTHETIC = ROOT / "tests" / "fixtures" / "synthetic-export"
ADDRESS = "jane.mwale@example.net"
#: The phone number as typed, and the digit runs of it that must not survive anywhere.
PHONE = "+260 977 123 456"
PHONE_PARTS = ("977 123 456", "977123456", "260 977")
#: Forms' own columns: the respondent's e-mail and name, which the loader drops.
FORM_EMAIL, FORM_NAME = "respondent.one@example.net", "Chanda Respondent"


def edited_export(folder: Path) -> Path:
    """A copy of the synthetic export whose answers hold the address and the number: Q8 of submission 1,
    repeated word for word by submission 2 (another institution: not a double submission), Q2 of
    submission 3 in capitals, and Q13 of submission 4 with a full-width at sign."""
    dataset = folder / "redaction-export"
    shutil.copytree(SYNTHETIC, dataset)
    path = dataset / "export.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    q2, q8, q13 = 4 + 2, 4 + 8, 4 + 13  # columns: ID, Start time, Completion time, Email, Name, Q1..Q14
    assert header[q8].startswith("What are main challenges") and header[q2].startswith("What is the definition")
    answer = f"Funding is short. Please write to {ADDRESS} or call {PHONE} for details."
    body[0][q8] = body[1][q8] = answer
    body[2][q2] = f"SHORT COURSES, SEE {ADDRESS.upper()} OR RING {PHONE}"
    body[3][q13] = "A pilot with employers: ask " + ADDRESS.replace("@", "\uff20")
    body[0][3], body[0][4] = FORM_EMAIL, FORM_NAME
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, *body])
    return dataset


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("redaction")
    dataset = edited_export(folder)
    reports = build_report(dataset, folder / "out")
    return reports, folder / "out" / "data" / "processed" / dataset.name


def leaks(text: str) -> list[str]:
    folded = text.casefold()
    found = [ADDRESS, ADDRESS.replace("@", "\uff20"), "jane.mwale", "example.net", FORM_NAME, *PHONE_PARTS]
    return [needle for needle in found if needle.casefold() in folded]


@pytest.mark.slow
def test_no_page_figure_or_workbook_shows_the_address_or_the_number(built):
    reports, _ = built
    pages = sorted(reports.rglob("*.html"))
    names = {p.relative_to(reports).as_posix() for p in pages}
    runs = {"01_clean", "02_describe", "03_themes-Q2", "03_themes-Q8", "03_themes-Q13", "04_groups"}
    assert names == {"index.html"} | {f"{r}.html" for r in runs} | {f"full/{r}.html" for r in runs}
    for page in pages:
        source = page.read_text(encoding="utf-8")
        assert leaks(source) == [], page.relative_to(reports)
    for figure in sorted((reports / "figures").glob("*.svg")):
        assert leaks(figure.read_text(encoding="utf-8")) == [], figure.name
    for executed in sorted((reports / "executed").glob("*.ipynb")):
        assert leaks(executed.read_text(encoding="utf-8")) == [], executed.name
    with zipfile.ZipFile(reports / "tables.xlsx") as workbook:
        for entry in workbook.namelist():
            assert leaks(workbook.read(entry).decode("utf-8", errors="replace")) == [], f"tables.xlsx {entry}"
    # the answers are on the pages, redacted: the cleaning page lists them and says where the originals are
    clean = page_text((reports / "01_clean.html").read_text(encoding="utf-8"))
    assert "Funding is short. Please write to [email] or call [phone] for details." in clean
    assert "Short courses, see [email] or ring [phone]" in clean
    assert "SHORT COURSES, SEE [email] OR RING [phone]" in clean  # the verbatim text, redacted
    assert "e-mail address redacted, phone number redacted" in clean
    assert "remain in two places only: the dataset's raw files and the text column of the processed" in clean
    # the full themes page lists every quote: both submissions' points, redacted
    themes = page_text((reports / "full" / "03_themes-Q8.html").read_text(encoding="utf-8"))
    assert themes.count("Please write to [email] or call [phone] for details") >= 2
    groups = page_text((reports / "04_groups.html").read_text(encoding="utf-8"))  # quotes by group
    assert "Please write to [email] or call [phone] for details" in groups


@pytest.mark.slow
def test_the_processed_answers_keep_the_original_beside_the_redacted_text(built):
    _, processed = built
    answers = pd.read_csv(processed / "open_responses.csv", dtype=str, keep_default_na=False)
    typed = answers[answers["text"].str.contains("jane.mwale", case=False)]
    assert sorted(typed["response_id"] + typed["question_id"]) == ["1Q8", "2Q8", "3Q2", "4Q13"]
    assert typed["text"].str.contains(PHONE, regex=False).sum() == 3
    assert leaks(" ".join(typed["clean_text"])) == []
    assert leaks((processed / "themes_Q8.csv").read_text(encoding="utf-8")) == []
    assert FORM_EMAIL not in (processed / "open_responses.csv").read_text(encoding="utf-8")

"""Every output the notebooks show reaches the page, read from real builds of the real dataset and the
synthetic export: each output of each executed notebook is on its reviewer and full pages, every
figure the build wrote is shown, and the themes pages carry their map, chart and notes. (What the
pages say, in numbers a person can count, is tested beside each notebook's modules: test_notebook_clean,
test_describe, test_themes.)"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from page_reading import (
    ROOT,
    build_report,
    executed_outputs,
    joined,
    page_images,
    page_tables,
    page_text,
)

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
    assert runs(report) == ["01_clean", "02_describe", "03_themes-Q13", "03_themes-Q2", "03_themes-Q8", "04_groups"]
    for run in runs(report):
        executed = report / "executed" / f"{run}.ipynb"
        outputs = executed_outputs(executed)
        assert outputs, f"{run} shows nothing"
        cells = json.loads(read(executed))["cells"]
        full_only = {i for i, c in enumerate(cells) if "full-only" in c.get("metadata", {}).get("tags", [])}
        for page in (report / f"{run}.html", report / "full" / f"{run}.html"):
            html = read(page)
            text, images = page_text(html), set(page_images(html))
            for cell, output in outputs:
                data = output.get("data", {})
                where = f"{page.relative_to(report)}, cell {cell}"
                if cell in full_only and page.parent != report / "full":
                    # every quote, listed on the full page only: the reviewer page must not carry it
                    assert page_text(joined(data.get("text/html", ""))) not in text, f"{where}: a full-only list"
                    continue
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
    # 2 profile charts, 10 closed questions, 3 theme charts, and the 2 pies ZAQA's questionnaire declares
    # (the synthetic copy of it declares none); an export adds 04_groups' charts by institution type of
    # the 10 closed and the 3 open questions (published counts have no groups)
    assert len(pngs) == (17 if report.name == "zaqa-2024" else 15 + 13)
    assert len([p for p in pngs if p.stem.endswith("_pie")]) == (2 if report.name == "zaqa-2024" else 0)
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
    assert png_base64(report / "figures" / f"themes_{question}.png") in images
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

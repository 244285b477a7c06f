"""Rendering: the dataset fingerprint, provenance header, script-free offline pages and the escaped
index page, with hand-made notebooks and tables."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from zqf_analysis.report import index, pages, provenance

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "tests" / "fixtures" / "synthetic-export"
ATTACK = "<script>alert(1)</script>"


def test_dataset_sha256_is_over_sorted_relative_paths_sizes_and_bytes(tmp_path):
    folder = tmp_path / "survey"
    folder.mkdir()
    (folder / "b.csv").write_bytes(b"x")
    (folder / "a.yaml").write_bytes(b"qq")
    (folder / ".hidden").write_bytes(b"ignored")
    expected = hashlib.sha256()
    for name, data in ((b"a.yaml", b"qq"), (b"b.csv", b"x")):
        expected.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
    assert provenance.dataset_sha256(folder) == expected.hexdigest()

    copy = tmp_path / "elsewhere" / "survey"
    shutil.copytree(folder, copy)
    assert provenance.dataset_sha256(copy) == expected.hexdigest()
    (copy / "b.csv").write_bytes(b"y")
    assert provenance.dataset_sha256(copy) != expected.hexdigest()
    (copy / "b.csv").rename(copy / "c.csv")
    (copy / "c.csv").write_bytes(b"x")
    assert provenance.dataset_sha256(copy) != expected.hexdigest()


def test_git_commit_outside_a_checkout(tmp_path):
    assert provenance.git_commit(tmp_path) == "not a git checkout"
    assert len(provenance.git_commit(ROOT).split()[0]) == 40


def test_provenance_records_and_escapes_everything(tmp_path):
    record = provenance.provenance(
        SYNTHETIC, "notebooks/03_themes.ipynb", {"question": "Q8", "codebook": ATTACK}, ROOT
    )
    assert record["dataset_sha256"] == provenance.dataset_sha256(SYNTHETIC)
    assert record["package_version"] and record["date"].endswith("+00:00")
    header = provenance.provenance_html(record, {"Report index": "index.html"})
    assert ATTACK not in header and "&lt;script&gt;alert(1)&lt;/script&gt;" in header
    assert record["dataset_sha256"] in header and "question = &#x27;Q8&#x27;" in header


def _notebook():
    code = new_code_cell("secret_code = 1\nprint(secret_code)", execution_count=1)
    code.outputs = [
        new_output("stream", name="stdout", text="visible result\n"),
        new_output("stream", name="stderr", text="UserWarning: noisy\n"),
        new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                "text/plain": "HBox(progress)",
            },
        ),
        new_output(
            "display_data",
            data={"application/javascript": "document.title='PWNED'", "text/plain": "<IPython.Javascript>"},
        ),
        new_output(
            "display_data", data={"text/html": "<p>&lt;script&gt;alert(1)&lt;/script&gt; as text</p>"}
        ),
    ]
    return new_notebook(
        cells=[new_markdown_cell("# A notebook"), code],
        metadata={"kernelspec": {"name": "zqf-analysis", "display_name": "x", "language": "python"}},
    )


def test_reviewer_page_has_no_code_no_clutter_and_no_script():
    page = pages.notebook_html(_notebook(), reviewer=True, header="<header>HEADER</header>")
    assert "visible result" in page and "&lt;script&gt;alert(1)&lt;/script&gt; as text" in page
    assert "secret_code" not in page and "UserWarning" not in page and "HBox(progress)" not in page
    assert "PWNED" not in page and "<script" not in page
    assert page.index("HEADER") < page.index("visible result")
    assert pages.CSP in page and pages.external_references(page) == []


def test_full_page_keeps_code_and_warnings_but_not_scripts():
    page = pages.notebook_html(_notebook(), reviewer=False)
    assert "secret_code" in page and "UserWarning: noisy" in page
    assert "PWNED" not in page and "<script" not in page
    assert pages.external_references(page) == []


def test_external_references_finds_cdn_content_but_not_escaped_text_or_links():
    page = (
        '<script src="https://cdnjs.cloudflare.com/require.js"></script>'
        "<link rel=stylesheet href=//fonts.example.com/a.css>"
        "<p>&lt;script src=https://evil.example/x.js&gt;</p><a href='https://zaqa.org.zm'>ZAQA</a>"
        "<style>@import url(https://x.example/y.css);</style>"
    )
    found = pages.external_references(page)
    assert len(found) == 3
    assert not any("evil" in f or "zaqa" in f for f in found)


def _plan(tmp_path: Path, dataset: Path = SYNTHETIC) -> dict:
    processed = tmp_path / "data" / "processed" / dataset.name
    reports = tmp_path / "reports" / dataset.name
    processed.mkdir(parents=True)
    (reports / "figures").mkdir(parents=True)
    return {
        "dataset": str(dataset),
        "dataset_arg": "tests/fixtures/synthetic-export",
        "root": str(ROOT),
        "reports": str(reports),
        "processed": str(processed),
        "steps": [
            {
                "step": "02_describe",
                "notebook": "notebooks/02_describe.ipynb",
                "parameters": {"confidence": 0.95},
            }
        ],
    }


def test_index_states_count_base_interval_and_disagreements_escaped(tmp_path):
    plan = _plan(tmp_path)
    processed, reports = Path(plan["processed"]), Path(plan["reports"])
    pd.DataFrame(
        {
            "question_id": ["Q3", "Q3", "Q3"],
            "option": ["Continuing growth and diversity", ATTACK, "Other"],
            "count": [20, 3, None],
            "base": [23, 23, 23],
            "share": [20 / 23, 3 / 23, None],
            "ci_low": [0.679, 0.045, None],
            "ci_high": [0.955, 0.321, None],
            "status": ["tabulated", "tabulated", "missing"],
        }
    ).to_csv(processed / "closed_summary.csv", index=False)
    pd.DataFrame(
        {
            "claim_id": ["C1", "C2"],
            "location": ["Box 3", "p. 4"],
            "claim": ["63% agree <img src=x onerror=alert(1)>", "23 respondents"],
            "stated": ["63%", "23"],
            "recomputed": ["14 of 23 = 60.9%", "23"],
            "verdict": ["disagrees", "agrees"],
            "reason": ["14/23 is 60.9%, not 63%", ""],
        }
    ).to_csv(processed / "audit.csv", index=False)
    pd.DataFrame(
        {
            "question_id": ["Q8"] * 3,
            "response_id": [1, 1, 2],
            "segment": ["a", "b", "c"],
            "cluster": [0, 1, 0],
            "cluster_label": ["x", "y", "x"],
            "codes": ["cost", "cost", ATTACK],
            "primary_code": ["cost", "cost", ATTACK],
        }
    ).to_csv(processed / "themes_Q8.csv", index=False)
    (reports / "figures" / "Q3 <b>.png").write_bytes(b"\x89PNG")
    page = index.index_html(index.index_context(plan))
    assert ATTACK not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "20 of 23" in page and "87.0%" in page and "67.9–95.5%" in page
    assert "1 option count(s) of Q3 are not legible in the source" in page
    assert "The data disagree with 1 of the report" in page and "14/23 is 60.9%, not 63%" in page
    assert "1 of 2" in page  # Q8: one response of two under each primary code
    assert 'href="figures/Q3%20%3Cb%3E.png"' in page and "No Excel workbook in this build" in page
    assert "not built yet" in page
    assert pages.external_references(page) == [] and "<script" not in page


def test_index_degrades_gracefully_with_no_outputs(tmp_path):
    page = index.index_html(index.index_context(_plan(tmp_path)))
    assert "No audit in this build" in page and "No closed-question summary" in page
    assert "No Excel workbook in this build" in page and "No notebook has been executed yet" in page


def test_write_index_writes_atomically_from_the_plan_file(tmp_path):
    plan = _plan(tmp_path)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    page = index.write_index(plan_file)
    assert page == Path(plan["reports"]) / "index.html" and "SYNTHETIC" in page.read_text(encoding="utf-8")
    assert not [p for p in page.parent.iterdir() if p.name.endswith(".tmp")]
    # an ordinary file others may read (a web server, a colleague), not mkstemp's private 0600
    mask = os.umask(0)
    os.umask(mask)
    assert page.stat().st_mode & 0o777 == 0o666 & ~mask


def test_readme_summary_drops_markdown_marks_but_keeps_arithmetic(tmp_path):
    from zqf_analysis.report.index import _readme_summary

    (tmp_path / "README.md").write_text(
        "# Title\n\nFrom the report *Survey A* with **bold**, `code` and 2 * 3 = 6.\n\nSecond paragraph.\n",
        encoding="utf-8",
    )
    assert _readme_summary(tmp_path) == "From the report Survey A with bold, code and 2 * 3 = 6."


def test_discovered_themes_count_a_response_under_every_theme_its_points_fall_in(tmp_path):
    # response 1 has points in themes x and y, response 2 only in x: x 2 of 2, y 1 of 2
    path = tmp_path / "themes_Q8.csv"
    path.write_text("response_id,cluster,cluster_label,primary_code\n1,0,x,\n1,1,y,\n2,0,x,\n2,0,x,\n")
    found = index.theme_findings(index._read_csv(path), None)
    assert found["base"] == 2 and found["column"] == "cluster_label"
    assert [(r["theme"], r["count"], r["share"]) for r in found["rows"]] == [("x", 2, "100.0%"), ("y", 1, "50.0%")]
    assert found["rows"][1]["interval"] == "95% Wilson score interval 9.5–90.5%"  # Wilson for 1 of 2

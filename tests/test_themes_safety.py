"""The executed 03_themes notebook, rendered to HTML by nbconvert, shows a respondent's <script> as text."""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile-export"
CODEBOOK = ROOT / "data" / "raw" / "zaqa-2024" / "codebooks" / "q8_challenges.yaml"


@pytest.mark.slow
def test_themes_notebook_html_shows_script_answer_as_text(tmp_path):
    papermill = pytest.importorskip("papermill")
    from nbconvert import HTMLExporter

    dataset = tmp_path / "hostile-export"
    shutil.copytree(HOSTILE, dataset)
    # Submission 9 answered Q8 with exactly this; check the fixture still holds it.
    assert "<script>alert(1)</script>" in (dataset / "export.csv").read_text(encoding="utf-8")
    executed = tmp_path / "03_themes.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "03_themes.ipynb"),
        str(executed),
        kernel_name="zqf-analysis",
        parameters={
            "dataset": str(dataset),
            "question": "Q8",
            "codebook": str(CODEBOOK),
            "output_root": str(tmp_path / "out"),
        },
        cwd=str(ROOT),
        progress_bar=False,
    )
    html, _ = HTMLExporter().from_filename(str(executed))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html and "<svg onload" not in html

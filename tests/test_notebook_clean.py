"""01_clean.ipynb executed by papermill, as `make report` runs it, on the synthetic export."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import papermill
import pytest

from zqf_analysis.data.load import load_dataset

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "tests" / "fixtures" / "synthetic-export"


@pytest.mark.slow
def test_01_clean_runs_on_the_synthetic_export(tmp_path):
    executed = tmp_path / "01_clean.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "01_clean.ipynb"),
        str(executed),
        parameters={"dataset": str(SYNTHETIC), "output_root": str(tmp_path)},
        kernel_name="zqf-analysis",
        cwd=str(ROOT),
        progress_bar=False,
    )
    processed = tmp_path / "data" / "processed" / "synthetic-export"
    counts = pd.read_csv(processed / "closed_counts.csv")
    institutions = pd.read_csv(processed / "institutions.csv")
    answers = pd.read_csv(processed / "open_responses.csv", dtype=str, keep_default_na=False)
    data = load_dataset(SYNTHETIC)
    assert institutions["submissions"].sum() == data.respondents == len(pd.read_csv(SYNTHETIC / "export.csv"))
    # Q11 is single choice: its counts add up to the submissions that answered it (its base).
    q11 = counts[counts["question_id"] == "Q11"]
    assert q11["count"].sum() == q11["base"].iloc[0] <= data.respondents
    assert set(counts["status"]) == {"tabulated"}
    assert set(answers["question_id"]) == {"Q2", "Q8", "Q13"}
    assert "[email]" in " ".join(answers["clean_text"]) and "@" not in " ".join(answers["clean_text"])


def test_clean_command_line_reports_bad_input_and_exits_2(dataset_copy, tmp_path):
    (dataset_copy / "institutions.csv").write_text("institution,submissions,source\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "zqf_analysis",
            "clean",
            "--dataset",
            str(dataset_copy),
            "--output",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "institutions.csv: the file has a header but no data rows" in result.stderr
    assert not (tmp_path / "o").exists()

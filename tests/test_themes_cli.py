"""python -m zqf_analysis code / cluster on small CSVs, and their clear errors."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "data" / "raw" / "zaqa-2024" / "codebooks" / "q8_challenges.yaml"


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "zqf_analysis", *args], capture_output=True, text=True, cwd=ROOT
    )


def _answers(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(
        "response_id,text\n1,Lack of funding\n2,N/A\n"
        '3,"Employers do not recognise them, fees are high and labs are poor"\n'
        "4,No computers or internet\n5,Fees are too high\n6,<script>alert(1)</script>\n",
        encoding="utf-8",
    )
    return path


def test_code_command(tmp_path):
    out = tmp_path / "coded.csv"
    done = _run("code", "--codebook", str(CODEBOOK), "--input", str(_answers(tmp_path)), "--output", str(out))
    assert done.returncode == 0, done.stderr
    coded = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert coded["theme"].tolist() == [
        "high_cost",
        "uncoded",
        "limited_recognition",
        "insufficient_support",
        "high_cost",
        "other",
    ]
    assert coded.loc[2, "themes"] == "limited_recognition|high_cost|insufficient_support"
    assert '"funding" (fund*, segment 1)' in coded.loc[0, "evidence"]


def test_cluster_command_is_deterministic(tmp_path):
    outputs = []
    for name in ("a.csv", "b.csv"):
        out = tmp_path / name
        done = _run(
            "cluster", "--input", str(_answers(tmp_path)), "--output", str(out), "--k", "2", "--seed", "1"
        )
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    clustered = pd.read_csv(tmp_path / "a.csv", dtype=str, keep_default_na=False)
    assert clustered.loc[1, "theme"] == "non-substantive"
    assert set(clustered["theme"]) - {"non-substantive"} <= {"C1", "C2"}


def test_bad_input_fails_clearly_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,answer\n1,x\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    done = _run("code", "--codebook", str(CODEBOOK), "--input", str(bad), "--output", str(out))
    assert done.returncode == 2 and "column response_id: missing column(s) response_id" in done.stderr
    assert not out.exists()
    done = _run("cluster", "--input", str(_answers(tmp_path)), "--output", str(out), "--k", "x")
    assert done.returncode == 2 and "expected a whole number of at least 2, or 'auto'" in done.stderr
    done = _run("cluster", "--input", str(_answers(tmp_path)), "--output", str(out), "--k", "1")
    assert done.returncode == 2 and "expected a whole number of at least 2, or 'auto'" in done.stderr
    done = _run("cluster", "--input", str(_answers(tmp_path)), "--output", str(out), "--backend", "bert")
    assert done.returncode == 2 and "backend='bert': expected one of tfidf, wordllama, transformer" in done.stderr
    assert not out.exists()

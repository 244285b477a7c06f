"""python -m zqf_analysis code / cluster on small CSVs, and their clear errors."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "data" / "raw" / "zaqa-2024" / "codebooks" / "q8_challenges.yaml"


def _run(*args):
    return subprocess.run([sys.executable, "-m", "zqf_analysis", *args], capture_output=True, text=True, cwd=ROOT)


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
        done = _run("cluster", "--input", str(_answers(tmp_path)), "--output", str(out), "--k", "2", "--seed", "1")
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


# ------------------------------------------------------- learning, agreement, sheets and drafts

FRUIT = """codes:
  - {code: price, label: Price, definition: Too expensive., indicators: ["expens*", "cost*"]}
  - {code: taste, label: Taste, definition: Tastes bad., indicators: [sour, bitter]}
  - {code: rot, label: Rot, definition: Goes bad., indicators: ["rot*", "mould*", green]}
"""
FRUIT_ANSWERS = [
    ("Too expensive", "price"),
    ("Sour oranges", "taste"),
    ("Rotten pears", "rot"),
    ("Green mangoes", "taste"),
    ("Green bananas", "taste"),
    ("Costly figs", "price"),
    ("Mouldy bread fruit", "rot"),
    ("Bitter lemons", "taste"),
    ("Green plums", "taste"),
    ("Expensive and rotten grapes", "price|rot"),
] * 2 + [("Green peppers", ""), ("Rotten beans", "")]


def _fruit(tmp_path, sample_rows):
    codebook = tmp_path / "fruit.yaml"
    codebook.write_text(FRUIT, encoding="utf-8")
    answers = pd.DataFrame(
        {"response_id": [f"a{i}" for i in range(len(FRUIT_ANSWERS))], "text": [t for t, _ in FRUIT_ANSWERS]}
    )
    answers.to_csv(tmp_path / "answers.csv", index=False)
    sample = pd.DataFrame(
        {"response_id": answers["response_id"][:sample_rows], "codes": [c for _, c in FRUIT_ANSWERS][:sample_rows]}
    )
    sample.to_csv(tmp_path / "sample.csv", index=False)
    return codebook, tmp_path / "answers.csv", tmp_path / "sample.csv"


def test_code_learns_from_a_coded_sample(tmp_path):
    codebook, answers, sample = _fruit(tmp_path, 20)
    out = tmp_path / "coded.csv"
    done = _run(
        "code", "--codebook", str(codebook), "--input", str(answers), "--output", str(out), "--coded", str(sample)
    )
    assert done.returncode == 0, done.stderr
    coded = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(coded.columns) == ["response_id", "text", "theme", "themes", "evidence", "confidence"]
    assert coded.loc[20, "themes"] == "taste" and coded.loc[21, "themes"] == "rot"  # green is taste here
    assert coded.loc[0, "evidence"] == "coded by hand (sample)"
    assert "note: learned from 20 coded answers" in done.stderr
    assert "expect on the rest (5-fold cross-validation on the 20 coded answers): mean per-code kappa" in done.stdout


def test_code_with_three_coded_answers_falls_back_to_the_codebook(tmp_path):
    codebook, answers, sample = _fruit(tmp_path, 3)
    out = tmp_path / "coded.csv"
    done = _run(
        "code", "--codebook", str(codebook), "--input", str(answers), "--output", str(out), "--coded", str(sample)
    )
    assert done.returncode == 0, done.stderr
    assert "the coded sample has 3 answer(s), too few to learn from (at least 20): coding from the codebook alone" in (
        done.stderr
    )
    assert pd.read_csv(out, dtype=str, keep_default_na=False).loc[20, "themes"] == "rot"


def test_code_refuses_unknown_codes_and_ids_not_in_the_input(tmp_path):
    codebook, answers, _ = _fruit(tmp_path, 3)
    out = tmp_path / "coded.csv"
    bad = tmp_path / "bad.csv"
    bad.write_text("response_id,codes\na0,price\na1,flavour\n", encoding="utf-8")
    done = _run("code", "--codebook", str(codebook), "--input", str(answers), "--output", str(out), "--coded", str(bad))
    assert done.returncode == 2 and "row 3, column codes: unknown code(s) flavour" in done.stderr
    bad.write_text("response_id,codes\nzz9,price\n", encoding="utf-8")
    done = _run("code", "--codebook", str(codebook), "--input", str(answers), "--output", str(out), "--coded", str(bad))
    assert done.returncode == 2 and "response id 'zz9' is not in the input and the row has no text" in done.stderr
    assert not out.exists()


def test_agree_writes_the_per_code_table_and_the_disagreements(tmp_path):
    human = tmp_path / "human.csv"
    human.write_text("response_id,codes\n1,a\n2,a|b\n3,b\n4,\n", encoding="utf-8")
    coded = tmp_path / "coded.csv"
    coded.write_text("response_id,text,theme,themes\n1,x,a,a\n2,y,a,a\n3,z,a,a\n4,w,uncoded,\n", encoding="utf-8")
    out = tmp_path / "agreement.csv"
    done = _run("agree", "--human", str(human), "--coded", str(coded), "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert "1 uncoded by both left out" in done.stdout and "3 compared" in done.stdout
    table = pd.read_csv(out)
    assert table["code"].tolist() == ["a", "b"] and table.loc[1, "f1"] == 0
    disagreements = pd.read_csv(tmp_path / "agreement_disagreements.csv", dtype=str, keep_default_na=False)
    assert disagreements["response_id"].tolist() == ["2", "3"] and disagreements.loc[1, "text"] == "z"
    done = _run("agree", "--human", str(human), "--coded", str(coded), "--codebook", str(CODEBOOK))
    assert done.returncode == 2 and "code(s) not in the codebook: a, b" in done.stderr


def test_coding_sheet_round_trip_through_the_command_line(tmp_path):
    import openpyxl

    codebook, answers, _ = _fruit(tmp_path, 3)
    sheet = tmp_path / "coding.xlsx"
    done = _run("coding-sheet", "--input", str(answers), "--codebook", str(codebook), "--output", str(sheet))
    assert done.returncode == 0, done.stderr
    workbook = openpyxl.load_workbook(sheet)
    rows = workbook["coding"]
    rows["C2"], rows["D3"], rows["E4"], rows["F5"] = 1, 1, 1, 1
    workbook.save(sheet)
    back = tmp_path / "sample.csv"
    done = _run("coding-sheet", "--read", str(sheet), "--output", str(back))
    assert done.returncode == 0 and "4 coded answers (18 rows with no mark" in done.stdout
    assert pd.read_csv(back, dtype=str, keep_default_na=False)["codes"].tolist() == ["price", "taste", "rot", ""]
    done = _run(
        "coding-sheet", "--input", str(answers), "--codebook", str(codebook), "--output", str(tmp_path / "x.csv")
    )
    assert done.returncode == 2 and "ending in .xlsx" in done.stderr


def test_draft_codebook_then_code_with_it(tmp_path):
    _, answers, _ = _fruit(tmp_path, 3)
    draft = tmp_path / "draft.yaml"
    done = _run("draft-codebook", "--input", str(answers), "--output", str(draft), "--k", "3", "--backend", "tfidf")
    assert done.returncode == 0, done.stderr
    assert "3 drafted codes" in done.stdout
    out = tmp_path / "coded.csv"
    done = _run("code", "--codebook", str(draft), "--input", str(answers), "--output", str(out))
    assert done.returncode == 0, done.stderr
    clustered = tmp_path / "clusters.csv"
    _run("cluster", "--input", str(answers), "--output", str(clustered), "--k", "3", "--backend", "tfidf")
    coded = pd.read_csv(out, dtype=str, keep_default_na=False)
    clusters = pd.read_csv(clustered, dtype=str, keep_default_na=False)
    # every answer in its cluster's theme: the drafted codes are C1, C2, C3 in the clusters' order
    number = {
        name: f"C{n}"
        for n, name in enumerate(
            dict.fromkeys(sorted(set(coded["theme"]) - {"uncoded"}, key=lambda c: int(c[1:].split("_")[0]))), start=1
        )
    }
    assert [number.get(t, "non-substantive") for t in coded["theme"]] == clusters["theme"].tolist()
    assert set(coded["evidence"]) == {"nearest drafted theme centre (the draft is unchanged)"}

"""The themes stage: clustering helpers, determinism, outputs and the notebook for Q2, Q8 and Q13."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from page_reading import all_tables, export_column, page_tables, page_text, processed_of

from zqf_analysis.errors import DataError
from zqf_analysis.themes.agreement import agreement
from zqf_analysis.themes.cluster import (
    adjusted_rand,
    chance_ari,
    choose_k,
    cluster_vectors,
    reduce_vectors,
    renumber,
    stability,
    top_terms,
)
from zqf_analysis.themes.codebook import find_codebook, load_codebook
from zqf_analysis.themes.stage import ThemeParams, run_themes

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "zaqa-2024"
SYNTHETIC = ROOT / "tests" / "fixtures" / "synthetic-export"
HUMAN = ROOT / "tests" / "fixtures" / "themes" / "q8_human_coding.csv"


def _blobs():
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8) * 5
    return np.vstack([c + rng.normal(0, 0.1, (10, 8)) for c in centres])


def test_three_separated_groups_give_k3_stable_clusters():
    vectors = _blobs()
    k, table = choose_k(vectors, seed=0)
    assert k == 3 and list(table["k"]) == list(range(2, 9))
    labels = cluster_vectors(vectors, 3, seed=0)
    assert labels.tolist() == [0] * 10 + [1] * 10 + [2] * 10
    assert stability(vectors, 3) == pytest.approx(1.0)


def test_renumber_and_chance_baseline():
    assert renumber(np.array([9, 9, 1])).tolist() == [0, 0, 1]
    mean, p95 = chance_ari(["a"] * 10 + ["b"] * 10, [0] * 10 + [1] * 10, permutations=200)
    assert abs(mean) < 0.05 and p95 < 0.3


def test_top_terms_are_class_based():
    terms = top_terms(["high fees", "fees too high", "no recognition", "recognition lacking"], np.array([0, 0, 1, 1]))
    assert terms[0][:2] == ["fees", "high"] and terms[1][0] == "recognition"


def test_agreement_kappa_and_confusion():
    human = pd.Series(["a", "a", "b", "b"], index=["1", "2", "3", "4"])
    coded = pd.Series(["a", "b", "b", "b"], index=["1", "2", "3", "4"])
    result = agreement(human, coded)
    assert result["accuracy"] == 0.75 and result["kappa"] == pytest.approx(0.5)
    assert result["confusion"].loc["a", "b"] == 1


def test_bad_parameters_fail_clearly():
    with pytest.raises(DataError, match="backend='bert'"):
        ThemeParams(backend="bert")
    with pytest.raises(DataError, match="k=0"):
        ThemeParams(k=0)
    with pytest.raises(DataError, match="not an open question"):
        run_themes(ThemeParams(question="Q3"), write=False)
    with pytest.raises(DataError, match="codebook: file not found"):
        ThemeParams(codebook="missing.yaml").codebook_path()


def test_q8_with_codebook_and_human_coding(tmp_path):
    result = run_themes(ThemeParams(question="Q8", human_coding=str(HUMAN), output_root=str(tmp_path)))
    assert result.guided and result.k == 6
    assert int(result.answers["substantive"].sum()) == 23
    assert result.human["accuracy"] >= 0.85
    table = pd.read_csv(tmp_path / "data/processed/zaqa-2024/themes_Q8.csv", dtype=str, keep_default_na=False)
    assert list(table.columns) == [
        "question_id",
        "response_id",
        "segment",
        "cluster",
        "cluster_label",
        "codes",
        "primary_code",
    ]
    assert table["response_id"].nunique() == 23
    assert table.loc[table["response_id"] == "22", "segment"].tolist() == [
        "lack of recognition",
        "poor quality assurance systems",
        "lack of support",
    ]
    assert (tmp_path / "reports/zaqa-2024/figures/themes_Q8.svg").is_file()


def test_q2_lists_non_substantive_answers_and_same_seed_gives_same_bytes(tmp_path):
    first = run_themes(ThemeParams(question="Q2", seed=3, output_root=str(tmp_path / "a")))
    second = run_themes(ThemeParams(question="Q2", seed=3, output_root=str(tmp_path / "b")))
    assert sorted(first.non_substantive["response_id"]) == ["10", "2", "8"]  # N/A, I don't know, NIL
    for a, b in zip(first.written, second.written, strict=True):
        assert a.name == b.name and a.read_bytes() == b.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("question", ["Q2", "Q8", "Q13"])
def test_each_themes_page_shows_a_sample_of_quotes_and_the_full_page_every_one(zaqa_report, question):
    html = (zaqa_report / f"03_themes-{question}.html").read_text(encoding="utf-8")
    full = (zaqa_report / "full" / f"03_themes-{question}.html").read_text(encoding="utf-8")
    processed = processed_of(zaqa_report)
    themes = pd.read_csv(processed / f"themes_{question}.csv", dtype=str, keep_default_na=False)
    segments = themes[themes["cluster"] != ""]
    assert (zaqa_report / "figures" / f"themes_{question}.png").is_file()
    codebook = load_codebook(find_codebook(RAW, question))
    text = page_text(html)
    assert f"k = {len(codebook.names)} (seeded by the codebook)" in text
    quote_tables = {c: rows for c, rows in page_tables(html).items() if re.match(r"C\d+: ", c)}
    every = set(zip(segments["response_id"], segments["segment"], strict=True))
    if question == "Q8":  # 23 substantive answers: the themes have structure, each shows a sample of quotes
        assert "The discovered themes have structure" in text and "No structure" not in text
        assert len(quote_tables) == len(codebook.names) == segments["cluster"].nunique()
        for caption, rows in quote_tables.items():
            assert 1 <= len(rows) - 1 <= 5, caption  # at most 3 most typical and 2 least sure
            assert {(row[0], row[1]) for row in rows[1:]} <= every
            assert f"{len(rows) - 1} of its quotes shown" in caption
    else:  # 11 and 17 substantive answers: no structure, the coded themes lead and no theme lists quotes
        assert "No structure: the discovered themes are not distinct groups (" in text
        assert "fewer than min_answers = 20" in text and not quote_tables
        assert text.index("Coded themes ·") < text.index("Discovered themes (no structure: for the record)")
    # the reviewer page leaves the full list out; the full page has every segment, collapsed
    assert f"All {len(segments)} quotes under their themes" not in text
    assert "<details><summary>" in full and f"All {len(segments)} quotes under their themes" in page_text(full)
    header = ["cluster", "cluster_label", "response_id"]
    every_row = next(rows for rows in all_tables(full) if rows[0][:3] == header)
    assert sorted((row[2], row[4]) for row in every_row[1:]) == sorted(every)
    answers = pd.read_csv(processed / "open_responses.csv", dtype=str, keep_default_na=False)
    answers = answers[answers["question_id"] == question]
    substantive = int((answers["substantive"] == "True").sum())
    assert f"{question}: {len(answers)} answers, {substantive} substantive, {len(segments)} segments" in text
    left_out_caption = f"{len(answers) - substantive} non-substantive answers"
    if substantive == len(answers):  # nothing left out: a note, not an empty table
        assert f"{left_out_caption}." in text and left_out_caption not in page_tables(html)
    else:
        assert left_out_caption in page_tables(html)
    # the codebook is named from the project root, never from the analyst's own folders
    assert f"codebook: data/raw/zaqa-2024/codebooks/{Path(codebook.path).name}" in text
    assert f"codebook: {ROOT}" not in text and f"codebook: {ROOT}" not in page_text(full)
    if question == "Q2":  # N/A, I don't know (typed "| don't know"), NIL
        left_out = page_tables(html)["3 non-substantive answers"][1:]
        assert left_out == [["2", "N/A"], ["8", "I don't know"], ["10", "NIL"]]


@pytest.mark.slow
def test_notebook_without_a_codebook_chooses_k_by_silhouette(synthetic_report):
    html = (synthetic_report / "03_themes-Q8.html").read_text(encoding="utf-8")
    tables = page_tables(html)
    choice = tables["Choice of k (silhouette; empty when k was given or set by the codebook)"][1:]
    best = max(choice, key=lambda row: float(row[1]))[0]
    quote_tables = [c for c in tables if re.match(r"C\d+: ", c)]
    assert f"k = {best} (free k-means)" in page_text(html)
    assert len(quote_tables) == (int(best) if "have structure" in page_text(html) else 0)
    # counted in export.csv: 28 written Q8 answers, of which NIL, N/A and I don't know say nothing
    written = [cell for cell in export_column(SYNTHETIC / "export.csv", 8) if cell]
    assert len(written) == 28 and f"Q8: 28 answers, {28 - 3} substantive" in page_text(html)
    assert sorted(row[1] for row in tables["3 non-substantive answers"][1:]) == ["I don't know", "N/A", "NIL"]


def test_adjusted_rand_equals_scikit_learns_on_random_labellings():
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(0)
    for trial in range(300):
        n = int(rng.integers(1, 40))
        a = rng.integers(0, int(rng.integers(1, 6)), n)
        b = a.copy() if trial % 4 == 0 else rng.integers(0, int(rng.integers(1, 6)), n)
        assert adjusted_rand(a, b) == adjusted_rand_score(a, b)
    # labels may be any hashable values; one cluster against one cluster is full agreement
    assert adjusted_rand(["x", "x", "y"], ["p", "p", "q"]) == 1.0
    assert adjusted_rand([0, 0, 0], [1, 1, 1]) == 1.0


def test_q8_learning_from_a_coded_sample_writes_the_review_queue_and_its_sheets(tmp_path):
    """20 of the 23 Q8 answers as the analyst's sample (their primary codes from the author's coding):
    those 20 keep their hand codes, the other 3 are coded by the learned coder, the quality estimate
    is there and the review queue goes to a CSV and to tables.xlsx."""
    import openpyxl

    human = pd.read_csv(HUMAN, dtype=str)
    sample = tmp_path / "sample.csv"
    human.head(20).rename(columns={"code": "codes"}).to_csv(sample, index=False)
    result = run_themes(ThemeParams(question="Q8", coded_sample=str(sample), output_root=str(tmp_path)))
    coded = result.learned.coded.set_index("response_id")
    first = human.head(20).set_index("response_id")["code"]
    assert (coded.loc[first.index, "theme"] == first).all()
    assert (coded.loc[first.index, "source"] == "sample").all()
    assert (coded["source"] == "learned").sum() == 3
    assert result.quality["answers"] == 20 and result.quality["folds"] == 5
    assert set(result.review_queue["response_id"]) <= set(coded.index[coded["source"] == "learned"])
    workbook = openpyxl.load_workbook(tmp_path / "reports" / "zaqa-2024" / "tables.xlsx")
    assert {"Q8 review", "Q8 coder quality"} <= set(workbook.sheetnames)
    assert (tmp_path / "data" / "processed" / "zaqa-2024" / "themes_Q8_review.csv").is_file()


def test_a_three_answer_sample_falls_back_to_the_codebook_in_the_stage(tmp_path):
    sample = tmp_path / "sample.csv"
    pd.read_csv(HUMAN, dtype=str).head(3).rename(columns={"code": "codes"}).to_csv(sample, index=False)
    result = run_themes(ThemeParams(question="Q8", coded_sample=str(sample)), write=False)
    assert result.quality is None and "too few to learn from" in result.learned.messages[0]
    plain = run_themes(ThemeParams(question="Q8"), write=False)
    assert result.responses["primary_code"].tolist() == plain.responses["primary_code"].tolist()


def test_file_parameters_share_one_rule():
    from zqf_analysis.themes.params import FILE_PARAMETERS, check_file_parameter

    assert "coded_sample" in FILE_PARAMETERS
    assert check_file_parameter("coded_sample", "none", lambda v: False) == "none"
    with pytest.raises(DataError, match="coded_sample='x.csv': expected an existing file"):
        check_file_parameter("coded_sample", "x.csv", lambda v: False)
    with pytest.raises(DataError, match="coded_sample: file not found"):
        ThemeParams(coded_sample="missing.csv").coded_sample_path()


def test_vectors_are_reduced_to_their_first_principal_components_before_k_means():
    """40 points in 12 dimensions: k-means reads their first 8 principal components, each row scaled
    to unit length; with fewer than 4 points per component (31) or no more dimensions than 8, they
    are left as they are."""
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(40, 12))
    reduced = reduce_vectors(vectors, k=3)
    assert reduced.shape == (40, 8)
    assert np.allclose(np.linalg.norm(reduced, axis=1), 1.0)
    assert reduce_vectors(vectors[:31], k=3).shape == (31, 12)
    assert reduce_vectors(vectors[:, :8], k=3).shape == (40, 8) and np.allclose(
        reduce_vectors(vectors[:, :8], k=3), vectors[:, :8]
    )
    assert reduce_vectors(vectors, k=10).shape == (40, 10)  # k components when k is more than 8
    # two groups apart along one direction, 40 noisy dimensions: reduced, k-means finds the groups
    groups = np.repeat([0, 1], 30)
    noisy = rng.normal(0, 1, (60, 40))
    noisy[:, 0] += np.where(groups == 0, -4, 4)
    assert abs(adjusted_rand(groups, cluster_vectors(noisy, 2, seed=0))) == 1.0

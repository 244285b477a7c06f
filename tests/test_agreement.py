"""Multi-label agreement on small cases computed by hand, and against maintained implementations
(nltk.metrics.agreement for Krippendorff's alpha with the MASI distance, scikit-learn for kappa)."""

import numpy as np
import pytest
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance as nltk_masi
from sklearn.metrics import cohen_kappa_score, f1_score

from zqf_analysis.errors import DataError
from zqf_analysis.themes.agreement import (
    alpha_masi,
    alpha_nominal,
    masi_distance,
    multilabel_agreement,
    read_coding,
)

HUMAN = {"1": ("a",), "2": ("a", "b"), "3": ("b",), "4": (), "5": ("a",), "6": ()}
CODER = {"1": ("a",), "2": ("a",), "3": ("a",), "4": (), "5": ("a", "b"), "6": ("b",), "7": ("a",)}


def test_counts_leave_out_answers_uncoded_by_both():
    result = multilabel_agreement(HUMAN, CODER, ["a", "b"], bootstrap=50)
    assert result.counts == {
        "human_answers": 6,
        "coded_answers": 7,
        "in_both": 6,
        "human_only": 0,
        "coded_only": 1,
        "uncoded_by_both": 1,
        "uncoded_by_human_only": 1,
        "uncoded_by_coder_only": 0,
        "compared": 5,
    }


def test_per_code_kappa_and_f1_by_hand():
    """Answers 1, 2, 3, 5, 6. Code a: human 1,1,0,1,0; coder 1,1,1,1,0: agreement 4/5, both say yes
    3/5 x 4/5 + 2/5 x 1/5 = 0.56 by chance, kappa (0.8 - 0.56) / 0.44 = 0.545; F1 = 2x3 / (6+1) = 0.857.
    Code b: human 0,1,1,0,0; coder 0,0,0,1,1: agreement 1/5, chance 2/5 x 2/5 + 3/5 x 3/5 = 0.52,
    kappa (0.2 - 0.52) / 0.48 = -0.667; F1 = 0."""
    result = multilabel_agreement(HUMAN, CODER, ["a", "b"], bootstrap=200)
    table = result.per_code.set_index("code")
    assert table.at["a", "kappa"] == pytest.approx(0.24 / 0.44, abs=1e-4)
    assert table.at["b", "kappa"] == pytest.approx(-0.32 / 0.48, abs=1e-4)
    assert table.at["a", "f1"] == pytest.approx(6 / 7, abs=1e-4) and table.at["b", "f1"] == 0
    assert table.at["a", "human_prevalence"] == 0.6 and table.at["a", "coder_prevalence"] == 0.8
    h = [1, 1, 0, 1, 0]
    c = [1, 1, 1, 1, 0]
    assert table.at["a", "kappa"] == pytest.approx(cohen_kappa_score(h, c), abs=1e-4)
    assert table.at["a", "f1"] == pytest.approx(f1_score(h, c), abs=1e-4)
    # micro-F1 over both codes: tp 3, fp 1 + 2, fn 0 + 2 -> 6 / (6 + 3 + 2)
    assert result.overall["micro_f1"] == pytest.approx(6 / 11, abs=1e-4)
    assert result.overall["mean_kappa"] == pytest.approx((0.24 / 0.44 - 0.32 / 0.48) / 2, abs=1e-4)


def test_bootstrap_intervals_hold_the_estimate_and_repeat_with_the_seed():
    rng = np.random.default_rng(0)
    human = {str(i): ("a",) if rng.random() < 0.5 else ("b",) for i in range(200)}
    coded = {r: c if rng.random() < 0.8 else (("b",) if c == ("a",) else ("a",)) for r, c in human.items()}
    first = multilabel_agreement(human, coded, ["a", "b"], seed=3)
    again = multilabel_agreement(human, coded, ["a", "b"], seed=3)
    row = first.per_code.set_index("code").loc["a"]
    assert row["kappa_low"] < row["kappa"] < row["kappa_high"]
    assert first.per_code.equals(again.per_code)
    assert first.overall["micro_f1_low"] < first.overall["micro_f1"] < first.overall["micro_f1_high"]


def test_primary_code_agreement_and_disagreements_listed():
    result = multilabel_agreement(HUMAN, CODER, ["a", "b"], texts={"3": "some text"}, bootstrap=20)
    # primary codes on 1, 2, 3, 5, 6: a/a, a/a, b/a, a/a, uncoded/b -> 3 of 5
    assert result.overall["primary_agreement"] == 0.6
    assert result.disagreements["response_id"].tolist() == ["2", "3", "5", "6"]
    three = result.disagreements.set_index("response_id").loc["3"]
    assert (three["text"], three["human"], three["coder"], three["human_only"], three["coder_only"]) == (
        "some text",
        "b",
        "a",
        "b",
        "a",
    )


def test_masi_distance_by_hand_and_as_nltk():
    a, ab, b, c = frozenset("a"), frozenset("ab"), frozenset("b"), frozenset("c")
    assert masi_distance(ab, ab) == 0
    assert masi_distance(a, ab) == pytest.approx(1 - 0.5 * 2 / 3)
    assert masi_distance(frozenset("ab"), frozenset("bc")) == pytest.approx(1 - 1 / 3 * 1 / 3)
    assert masi_distance(a, c) == 1 and masi_distance(frozenset(), frozenset()) == 0
    for x, y in [(a, ab), (ab, b), (frozenset("ab"), frozenset("bc")), (a, c)]:
        assert masi_distance(x, y) == pytest.approx(nltk_masi(set(x), set(y)))


def test_alpha_masi_equals_nltk_annotation_task():
    first = [frozenset(s) for s in ("a", "ab", "b", "a", "c", "bc", "a", "ab")]
    second = [frozenset(s) for s in ("a", "a", "b", "ab", "c", "c", "b", "ab")]
    data = [("human", str(i), v) for i, v in enumerate(first)] + [("coder", str(i), v) for i, v in enumerate(second)]
    expected = AnnotationTask(data=data, distance=nltk_masi).alpha()
    assert alpha_masi(first, second) == pytest.approx(expected, abs=1e-9)


def test_alpha_by_hand_for_two_coders_and_nominal_per_code():
    """Two coders, four answers, codes {a}/{a}, {a}/{b}, {b}/{b}, {b}/{b}: observed disagreement 1/4;
    the 8 values are 3 a and 5 b, expected disagreement 2 x 3 x 5 / (8 x 7) = 30/56; alpha = 1 - (1/4)
    / (30/56) = 0.5333. With one code per answer MASI is the nominal distance, so the nominal alpha
    of code a (1,1,0,0 vs 1,0,0,0) is the same."""
    first = [frozenset("a"), frozenset("a"), frozenset("b"), frozenset("b")]
    second = [frozenset("a"), frozenset("b"), frozenset("b"), frozenset("b")]
    assert alpha_masi(first, second) == pytest.approx(1 - 0.25 / (30 / 56))
    assert alpha_nominal(np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0])) == pytest.approx(1 - 0.25 / (30 / 56))
    assert np.isnan(alpha_nominal(np.array([0, 0]), np.array([0, 0])))


def test_nothing_in_common_is_a_clear_error():
    with pytest.raises(DataError, match="no answer is coded in both files"):
        multilabel_agreement({"1": ("a",)}, {"2": ("a",)})


def test_reading_codings_of_each_kind(tmp_path):
    coder = tmp_path / "coded.csv"
    coder.write_text("response_id,text,theme,themes\n1,x,b,a|b\n2,y,uncoded,\n", encoding="utf-8")
    coding, texts = read_coding(coder)
    assert coding == {"1": ("b", "a"), "2": ()} and texts["1"] == "x"
    primary = tmp_path / "primary.csv"
    primary.write_text("response_id,code\n1,a\n", encoding="utf-8")
    assert read_coding(primary)[0] == {"1": ("a",)}
    bad = tmp_path / "bad.csv"
    bad.write_text("response_id,label\n1,a\n", encoding="utf-8")
    with pytest.raises(DataError, match="expected a column themes, codes or code"):
        read_coding(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("response_id,codes\n1,a\n1,b\n", encoding="utf-8")
    with pytest.raises(DataError, match="coded twice: 1"):
        read_coding(twice)

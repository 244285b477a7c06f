"""Learning from a coded sample, on invented answers about fruit whose right codes can be read off.

The codebook's indicator "green" for ``rot`` misfires: in these answers green fruit is unripe (a
taste complaint), never rotten. An analyst's sample says so, and the coder must learn it.
"""

import numpy as np
import pandas as pd
import pytest

from zqf_analysis.errors import DataError
from zqf_analysis.themes.codebook import code_answers, parse_codebook
from zqf_analysis.themes.learn import (
    HAND_CODED,
    MIN_SAMPLE,
    OUTPUT_COLUMNS,
    CodedSample,
    answer_features,
    answer_terms,
    code_with_sample,
    estimate_quality,
    fit_weights,
    label_matrix,
    read_coded_sample,
    review_queue,
    split_codes,
)

CODEBOOK = parse_codebook(
    {
        "codes": [
            {"code": "price", "label": "Price", "definition": "Too expensive.", "indicators": ["expens*", "cost*"]},
            {"code": "taste", "label": "Taste", "definition": "Tastes bad.", "indicators": ["sour", "bitter"]},
            {"code": "rot", "label": "Rot", "definition": "Goes bad.", "indicators": ["rot*", "mould*", "green"]},
        ]
    }
)

# (text, codes): every answer names its complaint plainly; "green" answers are about unripe fruit
ANSWERS = [
    ("The apples are too expensive", ("price",)),
    ("Bananas cost a lot", ("price",)),
    ("Sour oranges", ("taste",)),
    ("Bitter and sour lemons", ("taste",)),
    ("The pears were rotten", ("rot",)),
    ("Mouldy strawberries", ("rot",)),
    ("The mangoes are green and hard", ("taste",)),
    ("Green bananas again", ("taste",)),
    ("Always green plums", ("taste",)),
    ("Green apples that are sour", ("taste",)),
    ("Expensive and rotten grapes", ("price", "rot")),
    ("Peaches cost too much and taste bitter", ("price", "taste")),
    ("Rotting cherries", ("rot",)),
    ("Mould on the bread fruit", ("rot",)),
    ("Green pineapples", ("taste",)),
    ("Very expensive figs", ("price",)),
    ("The kiwis are sour", ("taste",)),
    ("Green and bitter melons", ("taste",)),
    ("Costly berries", ("price",)),
    ("Rotten at the core", ("rot",)),
    ("Green tomatoes", ("taste",)),
    ("Expensive mouldy apricots", ("price", "rot")),
]


def _frame(rows, prefix="a"):
    return pd.DataFrame(
        {"response_id": [f"{prefix}{i}" for i in range(1, len(rows) + 1)], "text": [t for t, _ in rows]}
    )


def _sample(frame, rows):
    return CodedSample(
        tuple(frame["response_id"]), tuple(frame["text"]), tuple(c for _, c in rows), (True,) * len(rows)
    )


def test_split_codes_reads_pipes_and_uncoded():
    assert split_codes("price|rot") == ("price", "rot")
    assert split_codes(" rot ; price ") == ("rot", "price")
    assert split_codes("") == () and split_codes("uncoded") == ()


def test_answer_terms_are_words_and_two_word_phrases():
    assert answer_terms("Too expensive") == {"expensive", "too expensive"}


def test_indicator_weights_are_their_precision_in_the_sample_shrunk_to_the_prior():
    """ "green" fired in 7 sample answers and was rot in none: (0 + 2 x 0.8) / (7 + 2) = 0.178; "rot*"
    fired in 4 answers (rotten x3, rotting) and was right in 4: (4 + 1.6) / 6 = 0.933."""
    frame = _frame(ANSWERS)
    features = answer_features(frame["text"].tolist(), CODEBOOK)
    weights = fit_weights(features, label_matrix([c for _, c in ANSWERS], CODEBOOK), learn_terms=False)
    by_key = dict(zip(features.indicator_keys, weights.indicator, strict=True))
    assert by_key["rot:green"] == pytest.approx(1.6 / 9)
    assert by_key["rot:rot*"] == pytest.approx(5.6 / 6)
    # an indicator the sample never saw keeps the prior precision
    assert by_key["price:expens*"] == pytest.approx((4 + 1.6) / (4 + 2))


def test_a_term_is_learned_when_its_precision_is_above_one_half_with_90_percent_confidence():
    """ "green" is in 7 answers, all taste: Beta(8, 1) has P(p < 0.5) = 0.5^8, so it is learned for
    taste with weight (7 + 1) / (7 + 2). "bitter" is already an indicator; "too much" (1 answer) is
    too rare."""
    frame = _frame(ANSWERS)
    features = answer_features(frame["text"].tolist(), CODEBOOK)
    weights = fit_weights(features, label_matrix([c for _, c in ANSWERS], CODEBOOK))
    taste = CODEBOOK.names.index("taste")
    assert weights.terms["green"][taste] == pytest.approx(8 / 9)
    assert weights.terms["green"][CODEBOOK.names.index("rot")] == 0
    assert "too much" not in weights.terms


def test_the_learned_coder_stops_reading_green_as_rot():
    sample_rows, new_rows = ANSWERS, [("Green peppers", ()), ("Rotten green beans", ())]
    answers = pd.concat([_frame(sample_rows), _frame(new_rows, "n")], ignore_index=True)
    sample = _sample(_frame(sample_rows), sample_rows)
    alone = code_answers(answers, CODEBOOK).set_index("response_id")
    assert alone.at["n1", "themes"] == "rot"
    run = code_with_sample(answers, CODEBOOK, sample)
    coded = run.coded.set_index("response_id")
    assert coded.at["n1", "themes"] == "taste"
    assert coded.at["n2", "themes"].split("|")[0] == "rot"
    assert coded.at["n1", "source"] == "learned" and 0 < coded.at["n1", "confidence"] <= 1
    # sample answers keep their hand codes
    assert coded.at["a7", "themes"] == "taste" and coded.at["a7", "evidence"] == HAND_CODED
    assert coded.at["a11", "theme"] == "price" and coded.at["a11", "confidence"] == 1.0
    assert list(run.coded.columns[: len(OUTPUT_COLUMNS)]) == OUTPUT_COLUMNS
    assert any(m.startswith("learned from 22 coded answers") for m in run.messages)


def test_a_sample_too_small_falls_back_to_the_codebook_with_a_message():
    frame = _frame(ANSWERS)
    tiny = _sample(frame.head(3), ANSWERS[:3])
    run = code_with_sample(frame, CODEBOOK, tiny)
    assert run.coder is None
    assert run.messages == [
        f"the coded sample has 3 answer(s), too few to learn from (at least {MIN_SAMPLE}): coding from the "
        "codebook alone"
    ]
    alone = code_answers(frame, CODEBOOK)
    assert run.coded["themes"].tolist() == alone["themes"].tolist()
    assert run.coded["confidence"].isna().all()


def test_a_code_never_used_in_the_sample_keeps_the_codebook_decision():
    rows = [(t, tuple(c for c in codes if c != "price")) for t, codes in ANSWERS]
    frame = _frame(rows)
    run = code_with_sample(frame, CODEBOOK, _sample(frame, rows))
    assert "code 'price' is never used in the sample: the codebook decides it alone" in run.messages
    model = next(m for m in run.coder.models if m.code == "price")
    assert model.candidate == "codebook" and model.positives == 0


def test_reading_a_sample_checks_codes_ids_and_repeats(tmp_path):
    answers = _frame(ANSWERS)
    path = tmp_path / "sample.csv"
    path.write_text("response_id,codes\na1,price\na2,flavour|price\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 3, column codes: unknown code\(s\) flavour"):
        read_coded_sample(path, answers, CODEBOOK)
    path.write_text("response_id,codes\na1,price\nzz,rot\n", encoding="utf-8")
    with pytest.raises(DataError, match="row 3, column response_id: response id 'zz' is not in the input"):
        read_coded_sample(path, answers, CODEBOOK)
    path.write_text("response_id,codes\na1,price\na1,rot\n", encoding="utf-8")
    with pytest.raises(DataError, match="coded twice"):
        read_coded_sample(path, answers, CODEBOOK)
    path.write_text("response_id,code\na1,price\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        read_coded_sample(path, answers, CODEBOOK)
    # an id outside the input is learned from when its row gives the text; "" codes: none applies
    path.write_text('response_id,codes,text\na1,price,\nzz,rot,"Rotten figs"\na3,,\n', encoding="utf-8")
    sample = read_coded_sample(path, answers, CODEBOOK)
    assert sample.in_input == (True, False, True) and sample.texts[1] == "Rotten figs"
    assert sample.codes == (("price",), ("rot",), ())
    assert sample.texts[2] == "Sour oranges"


def test_sample_answers_outside_the_input_are_learned_from_but_not_written():
    frame = _frame(ANSWERS, "s")
    sample = CodedSample(
        tuple(frame["response_id"]), tuple(frame["text"]), tuple(c for _, c in ANSWERS), (False,) * len(ANSWERS)
    )
    new = _frame([("Green peppers", ())], "n")
    run = code_with_sample(new, CODEBOOK, sample)
    assert run.coded["response_id"].tolist() == ["n1"] and run.coded.at[0, "themes"] == "taste"
    assert "(22 of them not in the input)" in run.messages[-1]


def test_quality_is_estimated_by_cross_validation_on_the_sample():
    frame = _frame(ANSWERS)
    quality = estimate_quality(_sample(frame, ANSWERS), CODEBOOK, folds=5)
    learned, alone = quality["learned"], quality["codebook"]
    assert quality["folds"] == 5 and learned.overall["answers_compared"] == 22
    # the codebook alone gives rot to the 7 green answers: rot's kappa is far from 1; learning fixes it
    rot_alone = alone.per_code.set_index("code").at["rot", "kappa"]
    assert rot_alone < 0.5
    assert learned.per_code.set_index("code").at["rot", "kappa"] > rot_alone
    assert learned.overall["mean_kappa_low"] <= learned.overall["mean_kappa"] <= learned.overall["mean_kappa_high"]


def test_review_queue_lists_the_least_sure_first():
    coded = pd.DataFrame(
        {
            "response_id": ["1", "2", "3", "4"],
            "text": ["a", "b", "c", "d"],
            "theme": ["x", "y", "x", "x"],
            "themes": ["x", "y", "x", "x"],
            "evidence": ["", "", "", ""],
            "confidence": [0.9, 0.4, 1.0, 0.6],
            "source": ["learned", "learned", "sample", "learned"],
            "similar_code": ["x", "x", "x", "x"],
            "review": ["", "most similar to x, not among its codes", "", ""],
        }
    )
    assert review_queue(coded)["response_id"].tolist() == ["2", "4", "1"]


def test_learning_is_deterministic():
    frame = _frame(ANSWERS)
    first = code_with_sample(frame, CODEBOOK, _sample(frame.head(20), ANSWERS[:20])).coded
    second = code_with_sample(frame, CODEBOOK, _sample(frame.head(20), ANSWERS[:20])).coded
    pd.testing.assert_frame_equal(first, second)
    assert np.isfinite(first["confidence"]).all()


def test_an_indicator_matched_in_another_form_is_a_feature_of_its_own():
    """ "fund" matches "fund", "funds" and "funding" alike in the codebook, but the learner keeps the
    word as written and its other forms apart, so a sample can trust one and not the other; a ``*``
    prefix has one feature whatever it matched."""
    codebook = parse_codebook(
        {"codes": [{"code": "money", "label": "Money", "definition": "Funds.", "indicators": ["fund", "budg*"]}]}
    )
    features = answer_features(["no fund", "no funds", "no funding", "the budget", "budgets"], codebook)
    assert features.indicator_keys == ["money:fund", "money:fund (inflected)", "money:budg*"]
    assert features.codebook_codes[:, 0].tolist() == [1, 1, 1, 1, 1]
    assert features.indicators.toarray().tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]]

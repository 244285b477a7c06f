"""The coder on a hand-made codebook with known codes, the Q8 codebook against the author's coding."""

from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from zqf_analysis.codebook import (
    code_answer,
    code_answers,
    find_codebook,
    load_codebook,
    normal_words,
    parse_codebook,
)
from zqf_analysis.errors import DataError
from zqf_analysis.load import read_text_table

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "data" / "raw" / "zaqa-2024"
FIXTURES = ROOT / "tests" / "fixtures" / "themes"

FRUIT = {
    "codes": [
        {
            "code": "price",
            "label": "Price",
            "definition": "Too expensive.",
            "indicators": ["expens*", "cost*", "price"],
        },
        {
            "code": "taste",
            "label": "Taste",
            "definition": "Does not taste good.",
            "indicators": ["sour", "bitter", "taste*"],
        },
        {
            "code": "rot",
            "label": "Rot",
            "definition": "Goes bad.",
            "indicators": ["rot*", "mould*", "goes bad"],
        },
    ]
}


def test_every_code_that_applies_primary_first_and_evidence():
    codebook = parse_codebook(FRUIT)
    coding = code_answer("Too sour, mouldy and costly", codebook)
    assert coding.codes == ("taste", "rot", "price")
    assert coding.primary == "taste"
    assert '"mouldy" (mould*, segment 2)' in coding.evidence


def test_no_indicator_is_uncoded_and_for_review_and_non_substantive_is_uncoded():
    codebook = parse_codebook(FRUIT)
    assert code_answer("The colour is odd", codebook).primary == "uncoded"
    assert code_answer("The colour is odd", codebook).review
    assert code_answer("N/A", codebook).evidence == "non-substantive answer"


def test_fallback_code_is_given_when_nothing_matches():
    codebook = parse_codebook({**FRUIT, "fallback": "rot"})
    assert code_answer("Nothing to do with it", codebook).primary == "rot"


def test_longest_phrase_wins_over_a_word_inside_it():
    codebook = parse_codebook(
        {
            "codes": [
                {"code": "a", "label": "A", "definition": "d", "indicators": ["recogni*"]},
                {
                    "code": "b",
                    "label": "B",
                    "definition": "d",
                    "indicators": ["recognition of prior learning"],
                },
            ]
        }
    )
    assert code_answer("Recognition of prior learning is absent", codebook).codes == ("b",)


def test_british_and_american_spellings_match():
    assert normal_words("standardised") == normal_words("standardized")
    codebook = parse_codebook(
        {"codes": [{"code": "s", "label": "S", "definition": "d", "indicators": ["standardis*"]}]}
    )
    assert code_answer("Not standardized", codebook).primary == "s"


@pytest.mark.parametrize(
    "document, message",
    [
        ({"codes": []}, "'codes' must be a non-empty list"),
        (
            {"codes": [{"code": "A b", "label": "x", "definition": "y", "indicators": ["z"]}]},
            "lower-case letters",
        ),
        ({"codes": [{"code": "a", "label": "x", "definition": "y"}]}, "code 'a' has no indicators"),
        (
            {"codes": [{"code": "a", "label": "x", "definition": "y", "indicators": ["z"]}] * 2},
            "more than once",
        ),
        ({**FRUIT, "fallback": "other"}, "fallback 'other' is not one of the codes"),
        ({**FRUIT, "colour": 1}, "unknown key"),
    ],
)
def test_bad_codebooks_fail_clearly(document, message):
    with pytest.raises(DataError, match=message):
        parse_codebook(document, "bad.yaml")


def test_q8_codebook_is_found_by_its_question_and_has_box3_themes_plus_other():
    path = find_codebook(DATASET, "Q8")
    assert path.name == "q8_challenges.yaml"
    assert load_codebook(path).names == [
        "not_integrated",
        "limited_recognition",
        "lack_of_standards",
        "high_cost",
        "insufficient_support",
        "other",
    ]


def test_q8_coder_against_the_authors_human_coding():
    """The author's own careful coding of the 23 Q8 answers (tests/fixtures/themes/q8_human_coding.csv)."""
    answers = read_text_table(DATASET / "open_responses.csv")
    answers = answers[answers["question_id"] == "Q8"]
    coded = code_answers(answers, load_codebook(DATASET / "codebooks" / "q8_challenges.yaml"))
    human = pd.read_csv(FIXTURES / "q8_human_coding.csv", dtype=str)
    both = coded.merge(human, on="response_id")
    assert len(both) == 23
    assert (both["theme"] == both["code"]).mean() >= 0.85
    assert cohen_kappa_score(both["code"], both["theme"]) >= 0.8


def test_q8_coder_on_answers_written_apart_from_the_codebook():
    """30 challenge answers in other words (written and coded before the codebook was run on them)."""
    heldout = pd.read_csv(FIXTURES / "challenges_heldout.csv", dtype=str)
    coded = code_answers(heldout, load_codebook(DATASET / "codebooks" / "q8_challenges.yaml"))
    assert (coded["theme"] == coded["code"]).mean() >= 0.85

"""The coder on a hand-made codebook with known codes, the Q8 codebook against the author's coding."""

import re
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from zqf_analysis.data.files import read_text_table
from zqf_analysis.errors import DataError
from zqf_analysis.themes.codebook import (
    code_answer,
    code_answers,
    find_codebook,
    load_codebook,
    normal_words,
    parse_codebook,
    word_stem,
)

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


# ------------------------------------------------------ context words, similarity fallback, held-out


Q8_CODEBOOK = DATASET / "codebooks" / "q8_challenges.yaml"
OTHER = {"code": "other", "label": "Other", "definition": "anything else", "indicators": ["dislike*"]}


def test_context_words_count_only_where_no_indicator_matched():
    codebook = parse_codebook(
        {
            "codes": [
                {
                    "code": "staffing",
                    "label": "S",
                    "definition": "d",
                    "indicators": ["shortage*"],
                    "context": ["trainer*"],
                },
                {"code": "variation", "label": "V", "definition": "d", "indicators": ["differ*"]},
            ]
        }
    )
    coding = code_answer("Each trainer teaches the course differently", codebook)
    assert coding.codes == ("variation",)
    alone = code_answer("We need more trainers", codebook)
    assert alone.primary == "staffing" and "(trainer*, context, segment 1)" in alone.evidence


def test_a_specific_code_comes_before_the_fallback_code_within_a_segment():
    codebook = parse_codebook({**FRUIT, "codes": [*FRUIT["codes"], OTHER], "fallback": "other"})
    coding = code_answer("Kids dislike it because it is sour", codebook)
    assert coding.codes == ("other", "taste") and coding.primary == "taste"
    # In separate points the first point still decides.
    assert code_answer("Kids dislike it; sour", codebook).primary == "other"


def test_similarity_fallback_names_the_code_and_its_similarity():
    """No Q8 indicator occurs in this answer; it is closest to limited recognition's description."""
    coding = code_answer("A certificate from one institution means nothing at another", load_codebook(Q8_CODEBOOK))
    assert coding.primary == "limited_recognition" and coding.review
    match = re.search(r"similarity (0\.\d\d) to limited_recognition \(segment 1\)", coding.evidence)
    assert match and float(match.group(1)) >= 0.20


def test_below_the_threshold_or_switched_off_the_fallback_code_is_given():
    codebook = load_codebook(Q8_CODEBOOK)
    far = code_answer("Difficult to balance work, family and study", codebook)
    assert far.primary == "other" and re.search(r"best similarity 0\.\d\d to \w+ is below 0\.20", far.evidence)
    off = parse_codebook({**FRUIT, "similarity_threshold": False})
    assert off.similarity_threshold is None
    assert code_answer("The fruit is far too pricey", off).evidence == "no indicator matched"
    with pytest.raises(DataError, match="similarity_threshold 2"):
        parse_codebook({**FRUIT, "similarity_threshold": 2}, "bad.yaml")


def test_coding_is_the_same_on_a_second_run():
    heldout = pd.read_csv(FIXTURES / "challenges_heldout4.csv", dtype=str)
    codebook = load_codebook(Q8_CODEBOOK)
    pd.testing.assert_frame_equal(code_answers(heldout, codebook), code_answers(heldout, codebook))


@pytest.mark.parametrize(
    "name, answers",
    [("challenges_heldout2.csv", 56), ("challenges_heldout3.csv", 48), ("challenges_heldout4.csv", 36)],
)
def test_q8_coder_on_held_out_sets_of_other_surveys_answers(name, answers):
    """Invented answers in other African surveys' words, each coded by hand before the coder was run
    on it (tests/fixtures/themes/README.md). Set 2 then guided new indicators and set 3 the context
    words, so only set 4 (written after the last change) is an unbiased estimate; chance, the
    majority class, is under 23% on each."""
    heldout = pd.read_csv(FIXTURES / name, dtype=str)
    coded = code_answers(heldout, load_codebook(Q8_CODEBOOK))
    assert len(coded) == answers
    assert (coded["theme"] == coded["code"]).mean() >= 0.85
    assert cohen_kappa_score(coded["code"], coded["theme"]) >= 0.8
    assert heldout["code"].value_counts().iloc[0] / answers < 0.23


@pytest.mark.parametrize(
    "question, name, response_id, primary",
    [
        ("Q2", "q2_definitions.yaml", "1", "short_duration"),  # "Short course"
        ("Q2", "q2_definitions.yaml", "5", "outside_nqf"),  # "... do not fall on the NQF ..."
        ("Q2", "q2_definitions.yaml", "14", "stackable"),  # "a series of courses that culminate ..."
        ("Q13", "q13_good_practices.yaml", "4", "industry_alignment"),  # collaborates with industries
        ("Q13", "q13_good_practices.yaml", "12", "international_references"),  # European approach
        ("Q13", "q13_good_practices.yaml", "15", "policy_frameworks"),  # "1. Policy and legal framework"
        ("Q13", "q13_good_practices.yaml", "17", "quality_assurance"),  # approval of the Senate
    ],
)
def test_q2_and_q13_codebooks_are_found_and_code_answers_as_a_reader_would(question, name, response_id, primary):
    path = find_codebook(DATASET, question)
    assert path.name == name
    answers = read_text_table(DATASET / "open_responses.csv")
    answers = answers[answers["question_id"] == question]
    coded = code_answers(answers, load_codebook(path)).set_index("response_id")
    assert coded.at[response_id, "theme"] == primary


# ------------------------------------------------------------------- inflections and split words

BARRIERS = parse_codebook(
    {
        "codes": [
            {"code": "money", "label": "Money", "definition": "d", "indicators": ["fund", "textbook"]},
            {"code": "promotion", "label": "Promotion", "definition": "d", "indicators": ["marketing"]},
            {"code": "workload", "label": "Workload", "definition": "d", "indicators": ["workload", "study"]},
        ]
    }
)


@pytest.mark.parametrize(
    "text, codes",
    [
        ("No funds", ("money",)),
        ("Funding is short", ("money",)),
        ("The course is not funded", ("money",)),
        ("Our fund's rules", ("money",)),
        ("Too many studies", ("workload",)),  # -ies -> y
        ("The text book is old", ("money",)),  # one-word indicator written as two words
        ("Work-load too high", ("workload",)),
        ("Poor marketing", ("promotion",)),
        ("It was never marketed", ("promotion",)),
        # an indicator in -ing is a noun: "marketing" does not match the bare "market"
        ("Not responsive to the labour market", ()),
        ("A fundamental problem", ()),  # a longer word is not an inflection
    ],
)
def test_a_plain_indicator_matches_its_inflections_and_split_spellings(text, codes):
    assert code_answer(text, BARRIERS).codes == codes


def test_word_stems_drop_inflections_only():
    assert [word_stem(w) for w in ("funds", "funding", "funded", "fund's")] == ["fund"] * 4
    assert [word_stem(w) for w in ("classes", "planned", "preparing", "prepare")] == [
        "class",
        "plan",
        "prepar",
        "prepar",
    ]
    # derivations keep their own stem; short words and -ss / -us / -is endings are left alone
    assert word_stem("publicity") != word_stem("public") and word_stem("completion") != word_stem("complete")
    assert [word_stem(w) for w in ("bus", "class", "focus", "analysis", "need")] == [
        "bus",
        "class",
        "focus",
        "analysis",
        "need",
    ]


def test_evidence_names_the_indicator_and_the_words_that_matched_it():
    coding = code_answer("The text book costs too much", BARRIERS)
    assert coding.evidence == 'money: "text book" (textbook, segment 1)'

"""The shared text rules: one normaliser, one definition of a non-substantive answer, the cleaning."""

from __future__ import annotations

import pandas as pd
import pytest

from zqf_analysis.data.clean import clean_open_responses
from zqf_analysis.data.text import (
    answer_key,
    clean_text,
    cleaning_changes,
    is_substantive,
    normalise_text,
    redact,
    redact_verbatim,
)
from zqf_analysis.themes.codebook import Code, Codebook, code_answer
from zqf_analysis.themes.stage import segment_table


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("| don’t know", "I don't know"),
        ("  Short   Courses ", "Short Courses"),
        (
            "SOME COMPANIES TO RECOGNISE MICRO CREDENTIALS, EVEN THE GOVERNMENT",
            "Some companies to recognise micro credentials, even the government",
        ),
        ("NIL", "NIL"),  # one shouted word is not shouting
        ("Write to jane.doe@zaqa.gov.zm today", "Write to [email] today"),
        ("Call 0977 123 456 or +260-211-123456", "Call [phone] or [phone]"),
        ("Launched in 2017, levels 1. 2. 3.", "Launched in 2017, levels 1. 2. 3."),  # years and lists stay
        ("TEVETA and ZAQA work | think", "TEVETA and ZAQA work I think"),
    ],
)
def test_clean_text(raw, cleaned):
    assert clean_text(raw) == cleaned


def test_normalise_text_and_the_comparison_key():
    assert normalise_text("“Quoted”\u00a0and   spaced") == '"Quoted" and spaced'
    assert normalise_text("ﬁnance") == "finance"  # NFKC: the ligature is two letters
    assert answer_key(" Lack of FUNDING. ") == "lack of funding"


def test_redact_keeps_short_numbers():
    assert redact("Level 7, 2017, call 0977123456") == "Level 7, 2017, call [phone]"


NON_SUBSTANTIVE = [
    "N/A", "n / a", "na", "NIL", "None", "Null", "| don’t know", "I do not know.", "n/a", " - ", "", "?",
    "Nope", "No", "Not sure", "I am not sure", "unsure", "Nothing yet", "None so far", "No idea", "Unknown",
]  # fmt: skip


@pytest.mark.parametrize("answer", NON_SUBSTANTIVE)
def test_non_substantive_answers(answer):
    assert not is_substantive(answer)


@pytest.mark.parametrize(
    "answer", ["Recognition", "Funding", "None of the employers value them", "No funding", "Not sure who pays"]
)
def test_substantive_answers(answer):
    assert is_substantive(answer)


def test_cleaning_clustering_and_coding_leave_out_the_same_answers():
    """The answers that the cleaning flags as non-substantive are exactly those that the themes stage
    does not segment and the coder leaves uncoded: one rule for all three."""
    texts = [*NON_SUBSTANTIVE, "Lack of funding", "No recognition by employers"]
    raw = pd.DataFrame(
        {"question_id": "Q8", "response_id": [str(i) for i in range(len(texts))], "text": texts}
    )
    cleaned = clean_open_responses(raw, ("Q8",))
    flagged = set(cleaned.loc[~cleaned["substantive"], "response_id"])
    segmented = set(segment_table(cleaned)["response_id"])
    codebook = Codebook(
        question="Q8", title="", codes=(Code("cost", "Cost", "", ("funding",)),), fallback=None
    )
    left_out_by_coder = {
        r
        for r, t in zip(cleaned["response_id"], cleaned["text"], strict=True)
        if code_answer(t, codebook).evidence == "non-substantive answer"
    }
    assert flagged == {str(i) for i in range(len(NON_SUBSTANTIVE))}
    assert segmented == {str(len(NON_SUBSTANTIVE)), str(len(NON_SUBSTANTIVE) + 1)}
    assert left_out_by_coder == flagged


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Write to  Jane.Doe@zaqa.gov.zm  TODAY", "Write to  [email]  TODAY"),  # spacing and capitals as typed
        ("CALL 0977 123 456", "CALL [phone]"),
        ("mail jane\uff20zaqa.gov.zm", "mail [email]"),  # a full-width at sign, which clean_text reads as @
        ("| don’t know", "| don’t know"),  # nothing to redact: the verbatim text
    ],
)
def test_redact_verbatim_shows_the_answer_as_typed_without_address_or_number(typed, shown):
    assert redact_verbatim(typed) == shown


def test_cleaning_changes_name_every_step_that_changed_the_answer():
    assert cleaning_changes("Funding") == []
    assert cleaning_changes("Funding  is\tshort") == ["white space"]
    assert cleaning_changes("THE FRAMEWORK MUST BE CLEAR") == ["capitals"]
    assert cleaning_changes("| don’t know") == ["quotes", "a lone | read as I"]
    assert cleaning_changes("ﬁnance: x@y.org, 0977 123 456") == [
        "Unicode form (NFKC)",
        "e-mail address redacted",
        "phone number redacted",
    ]


def test_the_steps_are_the_cleaning_on_every_real_and_synthetic_answer(raw_dataset):
    from zqf_analysis.data.load import load_dataset

    root = raw_dataset.parents[2]
    for folder in (raw_dataset, root / "tests" / "fixtures" / "synthetic-export"):
        for text in load_dataset(folder).open_responses["text"]:
            assert (cleaning_changes(text) == []) == (clean_text(text) == text)
            redacted = normalise_text(redact_verbatim(text))
            assert redact(redacted) == redacted  # nothing left to redact

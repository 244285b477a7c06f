"""Person names and identity numbers in free text: what the patterns redact, what they leave alone on
purpose, and what they are known to miss (so that the README's limits stay true)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, RAW, ROOT

from zqf_analysis.data.identifiers import redact_identifiers, redact_ids, redact_names
from zqf_analysis.data.text import clean_text, cleaning_changes, redact_verbatim

#: The real development data (never committed): beside the repository, or beside a folder of worktrees.
NIBLSE_PLACES = [
    base / "shared" / "external" / "niblse-2016-q38" / "answers.csv" for base in (ROOT.parent, ROOT.parents[1])
]


@pytest.mark.parametrize(
    "typed,redacted",
    [
        ("My NRC is 123456/78/9.", "My NRC is [id number]."),
        ("NRC 123456 / 78 / 1 attached", "NRC [id number] attached"),
        ("passport no. ZN123456", "passport no. [id number]"),
        ("Passport number: AB1234567", "Passport number: [id number]"),
        ("mon passeport n° 12AB34567", "mon passeport n° [id number]"),
        ("ZN123456 was my passport", "[id number] was my passport"),
        ("National ID: 2301-4455-66", "National ID: [id number]"),
        ("BI número 123456789", "BI número [id number]"),
    ],
)
def test_identity_numbers_are_redacted(typed, redacted):
    assert redact_ids(typed) == redacted


@pytest.mark.parametrize(
    "typed,redacted",
    [
        ("Contact Dr. Mutale Banda about it", "Contact Dr. [name] about it"),
        ("Mrs J. Phiri and Prof Ngoma agreed", "Mrs [name] and Prof [name] agreed"),
        ("Eng. Mwape Chileshe at TEVETA", "Eng. [name] at TEVETA"),
        ("My name is Chanda Mwale and I teach", "My name is [name] and I teach"),
        ("my name is chanda mwale.", "my name is [name]."),
        ("I am Natasha Chomba from a college", "I am [name] from a college"),
        ("Je m'appelle Jean Dupont et je forme", "Je m'appelle [name] et je forme"),
        ("O meu nome é Maria Silva", "O meu nome é [name]"),
        ("Madame Mulenga a raison", "Madame [name] a raison"),
        ("Regards,\nMwila Tembo", "Regards,\n[name]"),
        ("Name: Bwalya Kunda", "Name: [name]"),
    ],
)
def test_names_after_a_cue_are_redacted(typed, redacted):
    assert redact_names(typed) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "I am Zambian",
        "I am not sure",
        "I am Head of Quality",
        "I am Head Of Quality Assurance",
        "The University of Zambia (UNZA) offers short courses",
        "Thanks, this is great",
        "ISO 9001 and level 123/45 and 2017",
        "Regards to employers",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert redact_identifiers(text) == text


def test_known_misses_stay_documented():
    # a name with no title, introduction, label or sign-off is not found (README: what the patterns miss)
    assert redact_names("Chanda Mwale said the fees are high") == "Chanda Mwale said the fees are high"
    # a title followed by a capitalised common word is over-redacted: the safe side
    assert redact_names("Ms Excel skills") == "Ms [name] skills"


def test_the_cleaning_and_the_verbatim_text_both_redact_and_say_so():
    typed = "MY NAME IS CHANDA MWALE, NRC 123456/78/9: FEES ARE TOO HIGH"
    assert clean_text(typed) == "My name is [name], nrc [id number]: fees are too high"
    assert redact_verbatim(typed) == "MY NAME IS [name], NRC [id number]: FEES ARE TOO HIGH"
    assert cleaning_changes(typed) == ["ID number redacted", "person name redacted", "capitals"]


def _texts(frame: pd.DataFrame) -> list[str]:
    return [t for column in frame.columns for t in frame[column].astype(str)]


def test_no_answer_of_the_projects_data_changes():
    # every free text the project holds (the published quotes and every fixture's cells) names no person
    # and holds no identity number, so the patterns must leave them all as they are
    texts = _texts(pd.read_csv(RAW / "open_responses.csv", dtype=str, keep_default_na=False))
    for export in sorted(Path(FIXTURES).glob("*/export.csv")):
        if export.parent.name != "consent-export":
            texts += _texts(pd.read_csv(export, dtype=str, keep_default_na=False))
    assert len(texts) > 3900
    assert [t for t in texts if redact_identifiers(t) != t] == []


def test_the_real_development_answers_are_left_alone():
    found = [p for p in NIBLSE_PLACES if p.is_file()]
    if not found:
        pytest.skip("the real development data (../shared/external/niblse-2016-q38/answers.csv) are not here")
    answers = pd.read_csv(found[0], dtype=str, keep_default_na=False)["text"]
    assert len(answers) == 517
    assert [t for t in answers if redact_identifiers(t) != t] == []

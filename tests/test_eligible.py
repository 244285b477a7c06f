"""Which open questions get a themes run: enough substantive answers, not a field of links, e-mail
addresses or names, unless the questionnaire says otherwise; cached by the dataset's stamp."""

from __future__ import annotations

import pandas as pd
import pytest

from zqf_analysis.data.questionnaire import parse_questionnaire
from zqf_analysis.errors import DataError
from zqf_analysis.themes.eligible import (
    check_min_answers,
    dataset_profile,
    field_kind,
    open_question_profile,
    themes_decision,
    write_profile,
)


def _questionnaire():
    return parse_questionnaire({"questions": [
        {"id": "Q1", "type": "open", "text": "Link to your course page"},
        {"id": "Q2", "type": "open", "text": "What prevents you?"},
        {"id": "Q3", "type": "open", "text": "Your name (optional)"},
        {"id": "Q4", "type": "open", "text": "Anything else?", "themes": False},
        {"id": "Q5", "type": "open", "text": "Contact e-mail"},
    ]})


def _answers():
    rows = [("Q1", f"https://www.example.edu/~x{i}") for i in range(30)] + [("Q1", "no page")]
    rows += [("Q2", f"Not enough time for topic {i}") for i in range(25)] + [("Q2", "N/A")] * 10
    rows += [("Q3", "Amina Banda"), ("Q3", "Kofi Mensah"), ("Q3", "J. P. Silva"), ("Q3", "none")]
    rows += [("Q4", f"More support, please ({i})") for i in range(40)]
    rows += [("Q5", f"person{i}@example.org") for i in range(22)]
    return pd.DataFrame(rows, columns=["question_id", "text"])


def test_each_question_is_counted_and_read_for_what_it_holds():
    profile = {row["question"]: row for row in open_question_profile(_questionnaire(), _answers())}
    assert (profile["Q1"]["answers"], profile["Q1"]["substantive"], profile["Q1"]["kind"]) == (31, 31, "url")
    assert (profile["Q2"]["answers"], profile["Q2"]["substantive"], profile["Q2"]["kind"]) == (35, 25, "")
    assert profile["Q3"]["kind"] == "name"  # 3 of the 3 substantive answers are names
    assert profile["Q4"]["declared"] is False and profile["Q4"]["kind"] == ""
    assert profile["Q5"]["kind"] == "e-mail"
    decisions = {q: themes_decision(row) for q, row in profile.items()}
    assert decisions == {
        "Q1": "a field of links (URLs), detected from the answers",
        "Q2": "",
        "Q3": "a field of names, detected from the answers",
        "Q4": "themes: false in the questionnaire",
        "Q5": "a field of e-mail addresses, detected from the answers",
    }
    assert themes_decision(profile["Q2"], min_answers=26) == "25 substantive answers, fewer than min_answers = 26"


def test_names_only_count_when_the_question_asks_for_one():
    # "Time", "Money" are capitalised single words: in an ordinary question they are answers, not names
    assert field_kind("Main obstacle?", ["Time", "Money", "Funding"]) == ""
    assert field_kind("Name of your department head", ["Amina Banda", "Kofi Mensah"]) == "name"


def test_min_answers_is_checked():
    assert check_min_answers("20") == 20
    for bad in (1, "x", True, 2.5):
        with pytest.raises(DataError, match="min_answers"):
            check_min_answers(bad)


def test_the_profile_is_cached_by_the_dataset_stamp(tmp_path, monkeypatch):
    from zqf_analysis.data.synth_survey import SurveyShape, write_survey

    folder = write_survey(SurveyShape(respondents=40, questions=5, open=2, url=True), 2, tmp_path / "d")
    cache = tmp_path / "cache.json"
    first = dataset_profile(folder, cache, "stamp-1")
    assert [row["kind"] for row in first] == ["url", ""] and not cache.exists()  # reading writes nothing
    write_profile(cache, "stamp-1", first)
    import zqf_analysis.data.load as load

    loads = []
    real = load.load_dataset
    monkeypatch.setattr(load, "load_dataset", lambda *a, **k: loads.append(a) or real(*a, **k))
    assert dataset_profile(folder, cache, "stamp-1") == first
    assert loads == []  # read from the cache
    assert dataset_profile(folder, cache, "stamp-2") == first
    assert len(loads) == 1  # another stamp: computed again

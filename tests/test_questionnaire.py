"""The questionnaire codebook and its checks."""

from __future__ import annotations

import pytest
import yaml

from zqf_analysis.data.questionnaire import load_questionnaire, parse_questionnaire
from zqf_analysis.errors import DataError


def questionnaire_with(question: dict) -> dict:
    return {"questions": [{"id": "Q1", "type": "institution", "text": "Institution"}, question]}


def test_real_questionnaire_options_in_form_order(raw_dataset):
    questionnaire = load_questionnaire(raw_dataset / "questionnaire.yaml")
    assert questionnaire.respondents == 23
    assert questionnaire["Q14"].options == ("Yes", "No", "Safeguard my anonymity")
    assert questionnaire["Q3"].option_index("Other") == 7
    assert len(questionnaire.closed) == 10 and len(questionnaire["Q6"].options) == 14
    cut = [o for q in questionnaire.closed for o in q.options if o.endswith("...")]
    assert len(cut) == 7  # labels the report cut off: Q4 three, Q10 one, Q12 three


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({"id": "Q2", "type": "matrix", "text": "x"}, "question Q2: type 'matrix' is not one of"),
        ({"id": "Q2", "type": "ranking", "text": "x"}, "question Q2: a ranking question needs a list of options"),
        ({"id": "Q2", "type": "multi", "text": "x"}, "question Q2: a multi question needs a list of options"),
        (
            {"id": "Q2", "type": "open", "text": "x", "options": ["a"]},
            "question Q2: a open question cannot have options",
        ),
        ({"id": "Q2", "type": "multi", "options": ["a", "b", "a"]}, "question Q2: duplicate option 'a'"),
        (
            {"id": "Q2", "type": "multi", "options": ["a", "b"], "max_choices": 3},
            "max_choices must be a whole number between 1 and 2",
        ),
        ({"id": "Q1", "type": "open"}, "question Q1: duplicate question id"),
    ],
)
def test_bad_questions_are_named(question, message):
    with pytest.raises(DataError, match=message):
        parse_questionnaire(questionnaire_with(question), source="q.yaml")


def test_unknown_question_id_lookup_lists_the_known_ones(raw_dataset):
    questionnaire = load_questionnaire(raw_dataset / "questionnaire.yaml")
    with pytest.raises(KeyError, match="unknown question id 'Q15'; the questionnaire has Q1, Q2"):
        questionnaire["Q15"]


def test_broken_yaml_and_bad_encoding(tmp_path):
    path = tmp_path / "questionnaire.yaml"
    path.write_text("questions: [\n", encoding="utf-8")
    with pytest.raises(DataError, match="questionnaire.yaml: not valid YAML"):
        load_questionnaire(path)
    path.write_bytes(
        yaml.safe_dump(
            questionnaire_with({"id": "Q2", "type": "open", "text": "caf\u00e9"}), allow_unicode=True
        ).encode("cp1252")
    )
    with pytest.raises(DataError, match="questionnaire.yaml: not valid UTF-8"):
        load_questionnaire(path)


def test_display_keys_pie_profile_and_themes_are_read_and_checked():
    from zqf_analysis.data.questionnaire import parse_questionnaire

    questionnaire = parse_questionnaire({"questions": [
        {"id": "Q1", "type": "single", "text": "Role", "options": ["A", "B"], "chart": "pie", "profile": True},
        {"id": "Q2", "type": "open", "text": "Your web page", "themes": False},
        {"id": "Q3", "type": "open", "text": "Why?"},
    ]})
    assert questionnaire["Q1"].chart == "pie" and questionnaire.profile == (questionnaire["Q1"],)
    assert questionnaire["Q2"].themes is False and questionnaire["Q3"].themes is None
    bad = [
        ({"id": "Q1", "type": "multi", "text": "x", "options": ["A"], "chart": "pie"}, "chart: pie is for single"),
        ({"id": "Q1", "type": "single", "text": "x", "options": ["A"], "chart": "donut"}, "not one of bars, pie"),
        ({"id": "Q1", "type": "single", "text": "x", "options": ["A"], "themes": False}, "themes: is for open"),
        ({"id": "Q1", "type": "open", "text": "x", "themes": "no"}, "expected true or false"),
        ({"id": "Q1", "type": "open", "text": "x", "profile": True}, "profile: true is for a closed question"),
    ]
    for entry, message in bad:
        with pytest.raises(DataError, match=message) as error:
            parse_questionnaire({"questions": [entry]})
        assert "Q1" in str(error.value)

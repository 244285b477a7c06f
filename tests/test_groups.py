"""Group variables and populations declared in the questionnaire, on the tiny hand-written export."""

from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import FIXTURES, RAW

from zqf_analysis.data.groups import (
    NO_ANSWER,
    choose_population,
    default_group_variables,
    group_codes,
    group_variables,
)
from zqf_analysis.data.load import load_dataset
from zqf_analysis.data.questionnaire import load_questionnaire, parse_questionnaire
from zqf_analysis.errors import DataError

TINY = FIXTURES / "tiny-groups-export"


def test_group_variables_of_a_dataset():
    variables = group_variables(load_questionnaire(TINY / "questionnaire.yaml"))
    assert list(variables) == ["institution_type", "Q2", "Q4", "Q6", "sector"]
    assert variables["sector"].label_of("university") == "education"


def test_default_group_variables_are_declared_groups_else_institution_type_else_none():
    assert default_group_variables(load_questionnaire(TINY / "questionnaire.yaml")) == ["sector"]
    assert default_group_variables(load_questionnaire(RAW / "questionnaire.yaml")) == ["institution_type"]
    anonymous = parse_questionnaire(
        {"questions": [{"id": "Q1", "type": "single", "text": "Sector?", "options": ["A", "B"]}]}
    )
    assert default_group_variables(anonymous) == []  # no question is guessed


def test_derived_group_merges_institution_types_and_keeps_no_answer():
    data = load_dataset(TINY)
    codes, labels = group_codes(data.responses, data.questionnaire, data.institution_map, "sector")
    assert labels == ("education", "public body", "unmapped", NO_ANSWER)
    assert [labels[c] for c in codes] == ["education"] * 7 + ["public body", NO_ANSWER, "unmapped"]


def test_a_blank_single_answer_is_no_answer():
    data = load_dataset(TINY)
    codes, labels = group_codes(data.responses, data.questionnaire, data.institution_map, "Q2")
    assert labels == ("Agree", "Disagree", "Unsure", NO_ANSWER)
    assert labels[codes[9]] == NO_ANSWER  # row 10 left Q2 blank


def test_populations_are_applied_when_loading():
    everyone = load_dataset(TINY)
    assert everyone.population is None and everyone.respondents == 10
    zambia = load_dataset(TINY, population="zambia")
    assert zambia.respondents == 8 and zambia.population.left_out == 2  # rows 4 and 7 are Malawi
    assert "Q4 is Zambia" in zambia.population.text and "2 left out" in zambia.population.text
    counts = zambia.counts.set_index(["question_id", "option"])
    assert counts.loc[("Q2", "Agree"), "count"] == 3  # rows 1, 2, 8 (row 4 is Malawi)
    both = load_dataset(TINY, population="zambian_education")
    assert list(both.responses["response_id"]) == ["1", "2", "3", "5", "6"]
    assert load_dataset(TINY, population="all").respondents == 10


def _copy_with(tmp_path, **keys):
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    raw = yaml.safe_load((target / "questionnaire.yaml").read_text(encoding="utf-8"))
    raw.update(keys)
    (target / "questionnaire.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return target


def test_the_questionnaires_filter_is_the_default_population(tmp_path):
    folder = _copy_with(tmp_path, filter={"question": "Q4", "drop": ["Zambia"]})
    data = load_dataset(folder)
    assert data.respondents == 2 and data.population.left_out == 8
    assert load_dataset(folder, population="all").respondents == 10


@pytest.mark.parametrize(
    "keys,message",
    [
        ({"filter": {"question": "Q4", "keep": ["Zimbabwe"]}}, "'Zimbabwe' is not an option of Q4"),
        ({"filter": {"question": "Q5", "keep": ["x"]}}, "'Q5' is not a question or group variable"),
        ({"filter": {"question": "Q4"}}, "expected {question: ID, keep: [values]}"),
        ({"groups": [{"name": "g", "question": "Q3", "map": {"Badges": "b"}}]}, "question 'Q3' cannot define groups"),
        ({"groups": [{"name": "g", "question": "Q2", "map": {"Maybe": "m"}}]}, "'Maybe' is not an option of Q2"),
        ({"groups": [{"name": "Q2", "question": "Q4", "map": {"Zambia": "z"}}]}, "already a group variable"),
    ],
)
def test_bad_declarations_are_named(tmp_path, keys, message):
    with pytest.raises(DataError, match=message.replace("[", r"\[").replace("{", r"\{")):
        load_dataset(_copy_with(tmp_path, **keys))


def test_unknown_population_lists_the_declared_ones():
    with pytest.raises(DataError, match="expected '' .*zambia, zambian_education"):
        choose_population(load_questionnaire(TINY / "questionnaire.yaml"), "malawi")


def test_published_counts_cannot_be_filtered(tmp_path):
    target = tmp_path / "zaqa"
    shutil.copytree(RAW, target)
    text = (target / "questionnaire.yaml").read_text(encoding="utf-8")
    (target / "questionnaire.yaml").write_text(text + "filter: {question: Q11, keep: [I agree]}\n", encoding="utf-8")
    with pytest.raises(DataError, match="needs per-respondent answers"):
        load_dataset(target)
    assert load_dataset(target, population="all").respondents == 23

"""Disclosure control: no group under min_disclosure respondents is shown on its own, in a crosstab
cell or under a quote, and its counts cannot come back by subtraction; the rule is a parameter the build
checks before any kernel starts. Groups of tests/fixtures/consent-export, counted by hand: university 5
(Alpha 1, 2, 14; Beta 4, 5), training_institute 6 (Gamma 6, 7, 15; Delta 8, 9, 16), company 1 (row 11),
professional_body 2 (rows 12, 13); rows 3 and 10 refused consent."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, ROOT

from zqf_analysis.build import plan as build
from zqf_analysis.data.load import load_dataset
from zqf_analysis.errors import DataError
from zqf_analysis.stats.crosstab import GroupSettings, crosstab_dataset, dataset_groups, group_quotes, theme_quotes
from zqf_analysis.stats.disclosure import OTHER_GROUPS, protect_groups
from zqf_analysis.stats.group_stage import GroupParams, run_groups
from zqf_analysis.stats.params import check_min_disclosure

CONSENT = FIXTURES / "consent-export"


@pytest.fixture(scope="module")
def data():
    return load_dataset(CONSENT)


def test_groups_large_enough_are_left_as_they_are():
    part = protect_groups(np.array([0, 0, 0, 1, 1, 1]), ("a", "b"))
    assert part.labels == ("a", "b") and part.merged == () and part.note_of(0) == ""


def test_a_group_of_one_and_a_group_of_two_are_merged_into_other_groups():
    part = protect_groups(np.array([0, 0, 0, 0, 1, 1, 1, 2, 3, 3]), ("u", "t", "company", "professional"))
    assert part.labels == ("u", "t", OTHER_GROUPS) and part.sizes == (4, 3, 3)
    assert list(part.codes) == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert "merged from company (1), professional (2)" in part.note_of(2)


def test_a_small_group_alone_takes_the_next_smallest_with_it():
    # c alone (1) would be the total minus a minus b: b (3), the smallest, joins it
    part = protect_groups(np.array([0, 0, 0, 0, 1, 1, 1, 2]), ("a", "b", "c"))
    assert part.labels == ("a", OTHER_GROUPS) and part.sizes == (4, 4)
    assert "b (3) joined so that no small group's counts can be worked out by subtraction" in part.note_of(1)


def test_a_population_under_the_threshold_is_suppressed():
    part = protect_groups(np.array([0, 1]), ("a", "b"))
    assert part.labels == (OTHER_GROUPS,) and part.suppressed(0)
    assert part.note_of(0).startswith("suppressed: 2 respondents in all, fewer than 3")


def test_min_disclosure_one_turns_the_rule_off():
    part = protect_groups(np.array([0, 1, 2]), ("a", "b", "c"), 1)
    assert part.labels == ("a", "b", "c")


@pytest.mark.parametrize("value", [0, -1, 2.5, "three", True])
def test_min_disclosure_must_be_a_whole_number_of_at_least_one(value):
    with pytest.raises(DataError, match=r"parameter min_disclosure=.*expected a whole number of at least 1"):
        check_min_disclosure(value)


def test_the_build_refuses_a_bad_min_disclosure_before_anything_runs(tmp_path):
    with pytest.raises(DataError, match=r"04_groups.ipynb: parameter min_disclosure=0: expected a whole number"):
        build.plan_build(
            CONSENT,
            notebooks_dir=ROOT / "notebooks",
            output_root=tmp_path,
            overrides=build.parse_overrides(["min_disclosure=0"]),
        )
    assert not (tmp_path / "reports").exists()


def test_the_build_refuses_a_consent_rule_naming_an_unknown_option(tmp_path):
    dataset = tmp_path / "broken"
    shutil.copytree(CONSENT, dataset)
    path = dataset / "questionnaire.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('refuse: ["No"]', 'refuse: ["Non"]'), encoding="utf-8")
    with pytest.raises(DataError, match=r"consent: refuse: 'Non' is not an option of permission; options: Yes, you"):
        build.plan_build(dataset, notebooks_dir=ROOT / "notebooks", output_root=tmp_path)


def test_crosstab_cells_of_the_small_groups_exist_only_merged(data):
    table = crosstab_dataset(data, "institution_type")
    assert list(dict.fromkeys(table["group"])) == ["training_institute", "university", OTHER_GROUPS]
    view = table[table["question_id"] == "view"].set_index(["group", "option"])
    # other groups = row 11 (Disagree) + rows 12 (Agree), 13 (Unsure): 1 of 3 each
    assert [int(view.loc[(OTHER_GROUPS, o), "count"]) for o in ("Agree", "Disagree", "Unsure")] == [1, 1, 1]
    assert int(view.loc[(OTHER_GROUPS, "Agree"), "base"]) == 3
    # university = rows 1, 2, 14 (Agree), 4 (Agree), 5 (Unsure): the anonymous respondent counts
    assert [int(view.loc[("university", o), "count"]) for o in ("Agree", "Disagree", "Unsure")] == [4, 0, 1]
    assert "merged from company (1), professional_body (2)" in view.loc[(OTHER_GROUPS, "Agree"), "note"]
    # the bases add up to the 14 who consented: nobody is dropped by merging
    assert table[(table["question_id"] == "view") & (table["option"] == "Agree")]["base"].sum() == 14


def test_the_groups_summary_and_findings_never_name_a_small_group(data, tmp_path):
    result = run_groups(GroupParams(dataset=str(CONSENT), output_root=str(tmp_path)), write=False)
    summary = result.summary.iloc[0]
    assert summary["groups"] == "training_institute | university | other groups"
    assert (summary["min_disclosure"], summary["merged"]) == (3, "company (1), professional_body (2)")
    assert not {"company", "professional_body"} & set(result.crosstabs["group"])
    named = set(result.findings["lead_group"]) | set(result.findings["other_group"])
    assert not {"company", "professional_body"} & named


def _themes(rows):
    return pd.DataFrame(
        {
            "question_id": "challenges",
            "response_id": [r for r, _ in rows],
            "segment": [s for _, s in rows],
            "cluster": "1",
            "cluster_label": "C1: recognition",
            "codes": "",
            "primary_code": "",
        }
    )


def test_no_quote_is_listed_under_a_small_group_or_next_to_an_anonymous_institution(data):
    themes = _themes([("11", "Employers cannot verify"), ("12", "Recognition is slow"), ("4", "At [institution] we"),
                      ("5", "Recognition is weak")])
    quotes = group_quotes(data, "institution_type", themes, "C1: recognition", GroupSettings())
    assert quotes == {
        "university": [("5", "Recognition is weak")],
        OTHER_GROUPS: [("11", "Employers cannot verify"), ("12", "Recognition is slow")],
        "anonymised": [("4", "At [institution] we")],
    }
    # by a group variable not drawn from the institution, the anonymous respondent is quoted under their group
    by_role = group_quotes(data, "role", themes, "C1: recognition", GroupSettings())
    assert by_role["Lecturer"] == [("4", "At [institution] we")]


def test_theme_quotes_protects_small_groups_whoever_made_the_groups(data):
    # groups taken straight from the data, not merged: a quote of the company (one respondent) still goes
    # under "other groups"
    from zqf_analysis.data.groups import group_codes

    codes, labels = group_codes(data.responses, data.questionnaire, data.institution_map, "institution_type")
    assert "company" in labels
    themes = _themes([("11", "Employers cannot verify")])
    quotes = theme_quotes(themes, "C1: recognition", data.responses["response_id"], codes, labels)
    assert quotes == {OTHER_GROUPS: [("11", "Employers cannot verify")]}


def test_dataset_groups_unpacks_as_codes_and_labels(data):
    codes, labels = dataset_groups(data, "institution_type")
    assert labels == ("training_institute", "university", OTHER_GROUPS) and len(codes) == 14

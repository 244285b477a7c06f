"""Crosstabs of the tiny hand-written export: counts a person can count in export.csv, intervals and
adjusted p-values against statsmodels, and the odd cases (a group of one, zero cells, an all-same
column, blanks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from zqf_analysis.data.load import load_dataset
from zqf_analysis.stats.crosstab import (
    CROSSTAB_COLUMNS,
    GroupSettings,
    crosstab_dataset,
    dataset_groups,
    response_themes,
    theme_quotes,
    themes_table,
)
from zqf_analysis.stats.exact import FISHER, NO_TEST_SAME
from zqf_analysis.stats.intervals import interval_settings

TINY = FIXTURES / "tiny-groups-export"
#: Disclosure control off: the machinery's counts, group by group, as a person counts them in export.csv
#: (the default merges the groups under 3 respondents: tests/test_disclosure.py).
EVERY_GROUP = GroupSettings(min_disclosure=1)


@pytest.fixture(scope="module")
def tiny():
    return load_dataset(TINY)


def _cell(frame, group, question, option):
    row = frame[(frame["group"] == group) & (frame["question_id"] == question) & (frame["option"] == option)]
    assert len(row) == 1
    return row.iloc[0]


def test_counts_and_bases_by_institution_type_are_those_counted_by_hand(tiny):
    table = crosstab_dataset(tiny, "institution_type", EVERY_GROUP)
    assert list(table.columns) == CROSSTAB_COLUMNS
    # universities: rows 1-4 (Agree, Agree, Disagree, Agree)
    assert tuple(_cell(table, "university", "Q2", "Agree")[["count", "base"]]) == (3, 4)
    # training institutes: rows 5-7 (Disagree, Unsure, Disagree): a zero cell for Agree
    assert tuple(_cell(table, "training_institute", "Q2", "Agree")[["count", "base"]]) == (0, 3)
    # row 6 left Q3 blank: the training institutes' Q3 base is 2, not 3
    assert tuple(_cell(table, "training_institute", "Q3", "Modules")[["count", "base"]]) == (2, 2)
    # the unmapped institution left Q2 blank: base 0, no share, a note
    empty = _cell(table, "unmapped", "Q2", "Agree")
    assert empty["base"] == 0 and np.isnan(empty["share"]) and "no respondent" in empty["note"]
    # the blank institution (row 9) is the group "no answer", never dropped
    assert tuple(_cell(table, "no answer", "Q2", "Disagree")[["count", "base"]]) == (1, 1)
    assert list(dict.fromkeys(table["group"])) == [
        "public_body",
        "training_institute",
        "university",
        "unmapped",
        "no answer",
    ]
    # every respondent is in exactly one group: Q4 bases add up to the 10 submissions
    assert table[table["option"] == "Zambia"]["base"].sum() == 10


def test_group_of_one_and_small_bases_carry_a_note(tiny):
    table = crosstab_dataset(tiny, "institution_type", GroupSettings(min_base=4, min_disclosure=1))
    assert "small base: 1 respondent (under 4)" in _cell(table, "public_body", "Q2", "Agree")["note"]
    assert _cell(table, "university", "Q2", "Agree")["note"] == ""


def test_all_same_column_gets_no_test(tiny):
    table = crosstab_dataset(tiny, "institution_type")
    q6 = table[table["question_id"] == "Q6"]
    assert set(q6["test"]) == {NO_TEST_SAME} and q6["p_value"].isna().all() and q6["p_adjusted"].isna().all()


def test_multi_select_option_is_a_two_by_two_fishers_test_by_sector(tiny):
    table = crosstab_dataset(tiny, "sector", EVERY_GROUP)
    # Badges by sector, Q3 answered: education 7 (rows 1-5, 7; 6 left it blank), public body 1, unmapped 1,
    # no answer 1. Badges: education 3 (rows 1, 2, 4), public body 1 (row 8), unmapped 1 (row 10), none 0.
    assert tuple(_cell(table, "education", "Q3", "Badges")[["count", "base"]]) == (3, 6)
    row = _cell(table, "education", "Q3", "Badges")
    assert row["test"] != FISHER  # four groups: not a 2x2
    two = crosstab_dataset(load_dataset(TINY, population="zambian_education"), "Q2", EVERY_GROUP)
    # population zambian_education keeps rows 1, 2, 3, 5, 6; by Q2 (Agree 1, 2; Disagree 3, 5; Unsure 6)
    badges = two[(two["question_id"] == "Q3") & (two["option"] == "Badges")]
    # Unsure (row 6) left Q3 blank: a group with base 0, dropped from the test, which is then 2x2
    assert list(badges["count"]) == [2, 0, 0] and list(badges["base"]) == [2, 2, 0]
    assert badges["test"].iloc[0] == FISHER
    assert badges["p_value"].iloc[0] == pytest.approx(fisher_exact([[2, 0], [0, 2]])[1])


def test_intervals_use_the_describe_settings(tiny):
    settings = GroupSettings(intervals=interval_settings(0.9, "beta"))
    row = _cell(crosstab_dataset(tiny, "institution_type", settings), "university", "Q2", "Agree")
    low, high = proportion_confint(3, 4, alpha=0.1, method="beta")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))


@pytest.mark.parametrize("adjust,method", [("holm", "holm"), ("bh", "fdr_bh")])
def test_p_values_are_adjusted_across_the_family_of_the_group_variable(tiny, adjust, method):
    table = crosstab_dataset(tiny, "institution_type", GroupSettings(adjust=adjust))
    # the family: Q2 (one test), Q3's three options, Q4 (one test); Q6 has no test
    family = [
        table[table["question_id"] == "Q2"]["p_value"].iloc[0],
        *(
            table[(table["question_id"] == "Q3") & (table["option"] == o)]["p_value"].iloc[0]
            for o in ("Badges", "Short courses", "Modules")
        ),
        table[table["question_id"] == "Q4"]["p_value"].iloc[0],
    ]
    expected = multipletests(family, method=method)[1]
    got = [
        table[table["question_id"] == "Q2"]["p_adjusted"].iloc[0],
        *(
            table[(table["question_id"] == "Q3") & (table["option"] == o)]["p_adjusted"].iloc[0]
            for o in ("Badges", "Short courses", "Modules")
        ),
        table[table["question_id"] == "Q4"]["p_adjusted"].iloc[0],
    ]
    assert got == pytest.approx(list(expected))


def test_the_group_variables_own_question_is_not_crosstabbed(tiny):
    assert "Q2" not in set(crosstab_dataset(tiny, "Q2")["question_id"])


def test_themes_by_group_and_the_quotes_under_each_group(tiny):
    themes = pd.DataFrame(
        {
            "question_id": "Q5",
            "response_id": ["1", "3", "4", "4", "5", "8"],
            "segment": [
                "Funding for learners is limited.",
                "Employers do not recognise short courses.",
                "Funding",
                "recognition.",
                "N/A",
                "Recognition by employers is weak.",
            ],
            "cluster_label": ["C1", "C2", "C1", "C2", "non-substantive", "C2"],
            "codes": ["funding", "recognition", "funding", "recognition", "", "recognition"],
            "primary_code": ["funding", "recognition", "funding", "funding", "", "recognition"],
        }
    )
    assert response_themes(themes) == {
        "1": {"funding"},
        "3": {"recognition"},
        "4": {"funding", "recognition"},
        "8": {"recognition"},
    }
    codes, labels = dataset_groups(tiny, "institution_type", min_disclosure=1)
    table = themes_table(themes, "Q5", tiny.responses["response_id"], codes, len(labels))
    by = dict(zip(labels, table.bases, strict=True))
    assert by == {"public_body": 1, "training_institute": 0, "university": 3, "unmapped": 0, "no answer": 0}
    recognition = table.counts[:, table.options.index("recognition")]
    assert dict(zip(labels, recognition, strict=True))["university"] == 2  # rows 3 and 4
    quotes = theme_quotes(themes, "recognition", tiny.responses["response_id"], codes, labels, min_disclosure=1)
    assert quotes == {
        "public_body": [("8", "Recognition by employers is weak.")],
        "university": [("3", "Employers do not recognise short courses."), ("4", "recognition.")],
    }
    # with disclosure control (the default), the public body's one respondent is quoted under no name of its own
    quotes = theme_quotes(themes, "recognition", tiny.responses["response_id"], codes, labels)
    assert quotes == {
        "university": [("3", "Employers do not recognise short courses."), ("4", "recognition.")],
        "other groups": [("8", "Recognition by employers is weak.")],
    }
    crosstab = crosstab_dataset(tiny, "institution_type", EVERY_GROUP, extra=[table])
    assert tuple(_cell(crosstab, "university", "Q5", "funding")[["count", "base"]]) == (2, 3)

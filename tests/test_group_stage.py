"""The group stage end to end on the tiny export and the published dataset: files, CLI, summary and
index findings (never led by a small group)."""

from __future__ import annotations

import pandas as pd
from conftest import FIXTURES, RAW

from zqf_analysis.__main__ import main
from zqf_analysis.report.groups_view import summary_lines
from zqf_analysis.report.index_groups import groups_context
from zqf_analysis.stats.crosstab import CROSSTAB_COLUMNS, GroupSettings
from zqf_analysis.stats.group_stage import GroupParams, run_groups, surviving_differences

TINY = FIXTURES / "tiny-groups-export"


def test_run_groups_writes_crosstabs_and_says_plainly_that_nothing_survives(tmp_path):
    result = run_groups(GroupParams(dataset=str(TINY), by="institution_type,sector", output_root=str(tmp_path)))
    processed = tmp_path / "data" / "processed" / "tiny-groups-export"
    written = pd.read_csv(processed / "crosstabs.csv")
    assert list(written.columns) == CROSSTAB_COLUMNS
    assert set(written["group_variable"]) == {"institution_type", "sector"}
    summary = pd.read_csv(processed / "group_summary.csv")
    assert list(summary["tests"]) == [5, 5] and list(summary["surviving"]) == [0, 0]
    assert any("none of the 5 differences tested survives Holm" in line for line in summary_lines(result))
    context = groups_context(processed)
    assert not context["published"] and context["variables"][0]["tests"] == 5


def test_published_counts_get_the_needs_per_respondent_summary(tmp_path):
    result = run_groups(GroupParams(dataset=str(RAW), output_root=str(tmp_path)))
    assert result.crosstabs is None
    processed = tmp_path / "data" / "processed" / "zaqa-2024"
    assert not (processed / "crosstabs.csv").exists()
    assert groups_context(processed)["published"]


def test_a_finding_never_leads_with_a_small_group():
    rows = pd.DataFrame(
        {
            "group_variable": "g",
            "question_id": "Q3",
            "option": "Badges",
            "group": ["tiny", "big", "other"],
            "count": [2, 30, 5],
            "base": [2, 40, 40],
            "share": [1.0, 0.75, 0.125],
            "ci_low": 0.0,
            "ci_high": 1.0,
            "p_value": 0.001,
            "p_adjusted": 0.003,
            "test": "Fisher-Freeman-Halton exact test",
            "note": ["small base", "", ""],
        }
    )
    found = surviving_differences(rows, GroupSettings(min_base=5), single_ids=set())
    assert list(found[["lead_group", "other_group"]].iloc[0]) == ["big", "other"]


def test_crosstab_command_writes_the_csv(tmp_path, capsys):
    target = tmp_path / "x.csv"
    command = ["crosstab", "--dataset", str(TINY), "--by", "Q2", "--output", str(target), "--adjust", "bh"]
    assert main([*command, "--min-disclosure", "1"]) == 0
    table = pd.read_csv(target)
    assert set(table["group"]) == {"Agree", "Disagree", "Unsure", "no answer"}
    # by default Unsure (1) and no answer (1) are merged, with Disagree (4) so that the merged group has 3 or more
    assert main(command) == 0
    assert list(dict.fromkeys(pd.read_csv(target)["group"])) == ["Agree", "other groups"]
    assert "Q2: " in capsys.readouterr().out
    assert main(["crosstab", "--dataset", str(TINY), "--by", "Q3"]) == 2  # a multi question is no group
    assert main(["crosstab", "--dataset", str(RAW), "--by", "institution_type", "--output", str(target)]) == 2


def test_an_anonymous_survey_is_broken_down_by_nothing_unless_asked(tmp_path):
    """No institution question and no groups: declared: no group variable is guessed, and the page says
    how to choose one; naming a question as ``by`` then works as usual."""
    folder = tmp_path / "anonymous"
    folder.mkdir()
    export = pd.read_csv(TINY / "export.csv", dtype=str, keep_default_na=False).drop(columns=["Institution"])
    export.to_csv(folder / "export.csv", index=False)
    text = (TINY / "questionnaire.yaml").read_text(encoding="utf-8")
    questionnaire = text.split("groups:")[0].replace("  - id: Q1\n    type: institution\n    text: Institution\n", "")
    (folder / "questionnaire.yaml").write_text(questionnaire, encoding="utf-8")
    result = run_groups(GroupParams(dataset=str(folder), output_root=str(tmp_path / "out")))
    assert result.by == [] and result.crosstabs.empty
    assert summary_lines(result)[0].startswith("No group variable: this dataset has no institution question")
    assert "Q2, Q4, Q6" in summary_lines(result)[0]
    chosen = run_groups(GroupParams(dataset=str(folder), by="Q4", output_root=str(tmp_path / "out"), min_disclosure=1))
    assert set(chosen.crosstabs["group"]) == {"Zambia", "Malawi"}
    # by default Malawi (2 respondents) is never shown alone, and Zambia alone would give it back by subtraction
    merged = run_groups(GroupParams(dataset=str(folder), by="Q4", output_root=str(tmp_path / "out")))
    assert set(merged.crosstabs["group"]) == {"other groups"}

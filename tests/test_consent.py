"""The consent declaration and what the loader does with it: clear errors for a declaration that cannot
work, refusers gone from every table before anything is counted (bases one or two lower), anonymous
respondents counted with their institution withheld, and the record the cleaning keeps. Counts are
those of tests/fixtures/consent-export/export.csv, counted by hand (see its README)."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest
from conftest import FIXTURES

from zqf_analysis.data.clean import clean_dataset
from zqf_analysis.data.consent import ConsentRule, consent_classes, rule_text
from zqf_analysis.data.load import load_dataset
from zqf_analysis.data.questionnaire import parse_questionnaire
from zqf_analysis.errors import DataError

CONSENT = FIXTURES / "consent-export"
DECLARED = '{question: ok, use: ["Yes"], anonymous: [Anonymously], refuse: ["No"]}'


@pytest.fixture(scope="module")
def data():
    return load_dataset(CONSENT)


def _questionnaire(consent: str, extra: str = "") -> dict:
    import yaml

    text = textwrap.dedent(
        f"""
        questions:
          - {{id: who, type: institution, text: Organisation}}
          - {{id: ok, type: single, text: "May we use your answers?", options: ["Yes", "No", Anonymously]}}
          - {{id: why, type: open, text: "Why?"}}
          - {{id: ticks, type: multi, text: Ticks, options: [Use my answers, Do not name me]}}
        {extra}
        consent: {consent}
        """
    )
    return yaml.safe_load(text)


# ------------------------------------------------------------------------------------- declaration


def test_the_declaration_is_read_with_missing_answers_refused_by_default():
    rule = parse_questionnaire(_questionnaire(DECLARED))
    assert rule.consent == ConsentRule("ok", ("Yes",), ("Anonymously",), ("No",), "refuse")
    assert rule.consent.describe() == (
        "ok: 'Yes' used; 'Anonymously' counted with the institution withheld; 'No' and no answer left out"
    )


def test_an_unquoted_yes_and_no_are_read_as_the_options_they_spell():
    # YAML 1.1 reads an unquoted Yes as True and No as False: the issue's own example is written so
    rule = parse_questionnaire(_questionnaire("{question: ok, use: [Yes], anonymous: [Anonymously], refuse: [No]}"))
    assert rule.consent.use == ("Yes",) and rule.consent.refuse == ("No",)


@pytest.mark.parametrize(
    "consent,message",
    [
        ("{question: Q14, use: [Yes], refuse: [No]}", "question 'Q14' is not in the questionnaire; its questions are"),
        ("{question: why, use: [x]}", "question why: consent: the consent question must be single- or multi-choice"),
        (DECLARED.replace("[Anonymously]", "[Anonymous]"), "'Anonymous' is not an option of ok; options: Yes; No;"),
        ('{question: ok, use: ["Yes"], refuse: ["No"]}', "option 'Anonymously' is under none of use, anonymous"),
        (DECLARED.replace('["Yes"]', '["Yes", "No"]'), "option 'No' is under both use and refuse"),
        (DECLARED.replace("}", ", missing: ignore}"), "missing='ignore': expected one of use, anonymous"),
        (DECLARED.replace("}", ", anonymise: [x]}"), "unknown key 'anonymise'"),
        ("[ok]", "'consent' must be a mapping"),
    ],
)
def test_a_declaration_that_cannot_work_stops_with_a_message_naming_it(consent, message):
    with pytest.raises(DataError) as error:
        parse_questionnaire(_questionnaire(consent), source="questionnaire.yaml")
    assert message in str(error.value) and str(error.value).startswith("questionnaire.yaml")


def test_an_unquoted_boolean_matching_no_option_says_to_quote_it():
    raw = _questionnaire('{question: ticks, use: [Yes], anonymous: ["Do not name me"], refuse: []}')
    with pytest.raises(DataError, match="what YAML makes of an unquoted Yes/No/On/Off; quote the option"):
        parse_questionnaire(raw)


def test_a_multi_choice_consent_question_takes_the_strictest_choice():
    rule = ConsentRule("ticks", ("Use my answers",), ("Do not name me",), (), "refuse", multi=True)
    cells = ["Use my answers;", "Use my answers;Do not name me;", "", "Do not name me"]
    assert consent_classes(cells, rule) == ["use", "anonymous", "refuse", "anonymous"]


def test_the_rule_of_a_published_dataset_is_not_applicable(raw_dataset):
    data = load_dataset(raw_dataset)
    assert data.consent is not None and not data.consent.applicable
    assert data.respondents == 23  # the published counts cannot lose the two refusals
    assert "Not applicable to this dataset" in data.consent.text
    assert "('Yes' 19, 'No' 2, 'Safeguard my anonymity' 3)" in data.consent.text
    tables = clean_dataset(data)
    assert tables["consent_excluded"].empty and not tables["consent_summary"]["applicable"].iloc[0]
    assert "not applicable here" in rule_text(data.questionnaire, published=True)


def test_no_declaration_keeps_every_submission():
    data = load_dataset(FIXTURES / "synthetic-export")
    assert data.consent is None and data.respondents == 40
    assert "consent_excluded" not in clean_dataset(data)
    assert rule_text(data.questionnaire, published=False).startswith("none declared")


# ------------------------------------------------------------------------------------- the export


def test_two_refusers_are_left_out_and_every_base_is_two_lower(data):
    # 16 submissions: row 3 answered No, row 10 left the consent question blank
    assert data.consent.submissions == 16 and data.respondents == 14
    assert data.consent.excluded == (
        ("3", "refused consent (permission)"),
        ("10", "no answer to permission, counted as a refusal"),
    )
    assert "3" not in set(data.responses["response_id"]) and "10" not in set(data.responses["response_id"])
    counts = data.counts.set_index(["question_id", "option"])
    # view: Agree 1, 2, 4, 6, 7, 12, 14, 15, 16; Disagree 9, 11; Unsure 5, 8, 13 (row 3's Disagree and row 10's
    # Agree are gone): base 14, not 16
    assert [int(counts.loc[("view", o), "count"]) for o in ("Agree", "Disagree", "Unsure")] == [9, 2, 3]
    assert int(counts.loc[("view", "Agree"), "base"]) == 14
    # offer: row 8 left it blank, so its base is 13 (15 with the refusers); Modules: rows 4, 5, 7, 13, 14
    assert int(counts.loc[("offer", "Modules"), "count"]) == 5 and int(counts.loc[("offer", "Modules"), "base"]) == 13
    # the refusers' free text is in no table
    answers = clean_dataset(data)["open_responses"]
    assert not answers["text"].str.contains("toll-road|Quarantine|marmalade").any()
    assert set(answers["response_id"]) == {str(i) for i in range(1, 17)} - {"3", "10"}


def test_a_refusers_own_institution_is_gone_with_them(data):
    # Kappa Academy's only respondent (10) refused: it is neither a category of the answers nor a mapping row
    assert "Kappa Academy" not in set(data.institutions["institution"])
    assert "Kappa Academy" not in set(data.responses["org"].cat.categories)
    assert "Kappa Academy" not in set(data.institution_map["institution"])
    # Alpha University lost one of its four submissions (row 3)
    assert data.institutions.set_index("institution").at["Alpha University", "submissions"] == 3


def test_an_anonymous_respondents_institution_is_withheld_and_counted_under_its_type(data):
    # row 4 asked for anonymity; Beta University (rows 4 and 5) is shown as anonymised, typed university
    assert data.consent.anonymous == 1 and data.consent.anonymous_ids == frozenset({"4"})
    assert "Beta University" not in set(data.responses["org"].astype(str))
    institutions = clean_dataset(data)["institutions"].set_index("institution")
    assert institutions.loc["anonymised (university)"].tolist() == ["anonymised (1 institution)", "university", 2]
    assert "Beta University" not in data.institution_map.to_csv()
    # the institution's name is replaced in the free text of its respondents, whatever its case
    answers = clean_dataset(data)["open_responses"].set_index(["question_id", "response_id"])
    assert answers.loc[("challenges", "4"), "clean_text"] == "At [institution] we cannot get accreditation for modules."
    assert answers.loc[("help", "4"), "clean_text"] == "[institution] needs a quality unit."


def test_the_processed_record_holds_response_ids_only(data):
    tables = clean_dataset(data)
    assert list(tables["consent_excluded"].columns) == ["response_id", "reason"]
    assert tables["consent_excluded"]["response_id"].tolist() == ["3", "10"]
    summary = tables["consent_summary"].iloc[0]
    assert (summary["submissions"], summary["used"], summary["anonymous"], summary["left_out"]) == (16, 13, 1, 2)
    assert (summary["refused"], summary["no_answer"], summary["withheld_institutions"]) == (1, 1, 1)


def _export(tmp_path, consent: str, rows: list[str], institution: bool = True):
    folder = tmp_path / "ds"
    folder.mkdir()
    first = "  - {id: who, type: institution, text: Organisation}\n" if institution else ""
    (folder / "questionnaire.yaml").write_text(
        "questions:\n"
        + first
        + '  - {id: ok, type: single, text: Consent, options: ["Oui", "Non", "Oui, anonymement"]}\n'
        + "  - {id: why, type: open, text: Pourquoi}\n"
        + f"consent: {consent}\n",
        encoding="utf-8",
    )
    header = ("ID,Organisation," if institution else "ID,") + "Consent,Pourquoi"
    (folder / "export.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


def test_any_question_and_labels_work_without_an_institution_question(tmp_path):
    consent = '{question: ok, use: ["Oui"], anonymous: ["Oui, anonymement"], refuse: ["Non"], missing: use}'
    folder = _export(tmp_path, consent, ["1,Oui,a", "2,Non,b", "3,,c", '4,"Oui, anonymement",d'], institution=False)
    data = load_dataset(folder)
    # missing: use keeps row 3; row 2 refused
    assert data.respondents == 3 and data.consent.excluded == (("2", "refused consent (ok)"),)
    assert data.consent.anonymous == 1 and data.consent.withheld_institutions == 0


def test_every_submission_refused_is_an_error(tmp_path):
    consent = '{question: ok, use: ["Oui"], anonymous: ["Oui, anonymement"], refuse: ["Non"]}'
    folder = _export(tmp_path, consent, ["1,Alpha,Non,a", "2,Beta,,b"])
    with pytest.raises(DataError, match="every submission refused or left ok blank"):
        load_dataset(folder)


def test_an_institution_spelled_two_ways_is_withheld_under_both(tmp_path):
    consent = '{question: ok, use: ["Oui"], anonymous: ["Oui, anonymement"], refuse: ["Non"]}'
    folder = _export(
        tmp_path,
        consent,
        ['1,Eden University (EU),"Oui, anonymement",EU lacks funds', "2,eden  university,Oui,Eden University is fine",
         "3,Other College,Oui,x"],
    )
    (folder / "institution_map.csv").write_text(
        "institution,canonical_name,institution_type,note\n"
        "Eden University (EU),Eden University,university,\neden  university,Eden University,university,\n"
        "Other College,Other College,training_institute,\n",
        encoding="utf-8",
    )
    data = load_dataset(folder)
    assert sorted(set(data.responses["who"].astype(str))) == ["Other College", "anonymised (university)"]
    texts = dict(zip(data.open_responses["response_id"], data.open_responses["text"], strict=True))
    assert texts == {"1": "[institution] lacks funds", "2": "[institution] is fine", "3": "x"}
    assert set(pd.DataFrame(data.institution_map)["institution"]) == {"Other College", "anonymised (university)"}


def test_write_ins_follow_the_rule_like_any_answer(tmp_path):
    """A write-in under Other is an answer too: three refusers typing the same one leave it in no table and
    no note of how the export was read, and an anonymous respondent's write-in does not name the institution."""
    folder = tmp_path / "write-ins"
    folder.mkdir()
    (folder / "questionnaire.yaml").write_text(
        "questions:\n"
        "  - {id: who, type: institution, text: Organisation}\n"
        "  - {id: offer, type: multi, text: Offer, options: [Badges, Other]}\n"
        '  - {id: ok, type: single, text: Consent, options: ["Yes", "No", Anonymously]}\n'
        'consent: {question: ok, use: ["Yes"], anonymous: [Anonymously], refuse: ["No"]}\n',
        encoding="utf-8",
    )
    rows = [
        "1,Alpha,Badges;,Yes",
        "2,Beta,Badges;Mentoring at Beta;,Anonymously",
        *(f"{n},Gamma,Secret pilot scheme;,No" for n in (3, 4, 5)),
        "6,Alpha,Badges;,Yes",
    ]
    (folder / "export.csv").write_text("ID,Organisation,Offer,Consent\n" + "\n".join(rows) + "\n", encoding="utf-8")
    data = load_dataset(folder)
    assert data.respondents == 3
    written = dict(zip(data.open_responses["response_id"], data.open_responses["text"], strict=True))
    assert written == {"2": "Mentoring at [institution]"}
    assert not any("Secret pilot" in note for note in data.notes)
    counts = data.counts.set_index(["question_id", "option"])
    assert int(counts.loc[("offer", "Other"), "count"]) == 1 and int(counts.loc[("offer", "Other"), "base"]) == 3

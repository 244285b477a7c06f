"""``init``: a questionnaire drafted from an export loads it, unchanged, with the hand-written counts.

The exports are our synthetic ones (``tests/fixtures/synthetic-export*``, and larger ones from
``zqf_analysis.data.synth`` with write-ins, a ranking and a Likert grid) and a Microsoft Forms workbook
built with openpyxl as "Open in Excel" writes it (see ``tests/test_real_formats.py`` for the conventions).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from zqf_analysis.data import synth
from zqf_analysis.data.draft import check_draft, draft_questionnaire, draft_yaml, infer_question, write_draft
from zqf_analysis.data.load import load_dataset
from zqf_analysis.data.questionnaire import load_questionnaire, parse_questionnaire
from zqf_analysis.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

EXTRA = """\
survey: Synthetic survey with a ranking and a Likert grid
questions:
  - {id: Q1, type: institution, text: Your institution}
  - {id: Q2, type: single, text: "Do you offer micro-credentials?", options: ["Yes", "No", Not yet, Other]}
  - id: Q3
    type: multi
    text: Which forms do they take?
    options: [Badges, Short courses, "Not certain, we do not have data", Learning modules, Other]
  - {id: Q4, type: ranking, text: Rank the barriers to uptake, options: [Cost, Recognition, Access, Time]}
  - id: Q5
    type: scale
    group: How far do you agree?
    text: Micro-credentials help learners find work
    options: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
  - id: Q6
    type: scale
    group: How far do you agree?
    text: Employers trust micro-credentials
    options: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
  - {id: Q7, type: open, text: "What is a micro-credential?"}
"""


def drafted_copy(folder: Path, tmp_path: Path) -> Path:
    """The export of ``folder`` alone in a new folder, with a drafted questionnaire beside it."""
    target = tmp_path / f"drafted-{folder.name}"
    target.mkdir()
    export = next(p for p in folder.iterdir() if p.stem == "export")
    shutil.copy(export, target / export.name)
    write_draft(target / export.name)
    return target


def compare(hand, drafted) -> list[str]:
    """Every difference between the tables loaded with the two questionnaires (question by question,
    in column order); an option the draft lacks must have no answer."""
    problems = []
    for mine, theirs in zip(hand.questionnaire.questions, drafted.questionnaire.questions, strict=True):
        steps = [o for o in mine.options if o in theirs.options]
        in_order = mine.type != "scale" or list(theirs.options) == steps  # a scale's steps in the scale's order
        if mine.type != theirs.type or not in_order:
            problems.append(f"{mine.id}: {mine.type} {mine.options} drafted as {theirs.type} {theirs.options}")
        if mine.is_closed:
            a = hand.counts[hand.counts["question_id"] == mine.id].set_index("option")["count"].astype(int)
            b = drafted.counts[drafted.counts["question_id"] == theirs.id].set_index("option")["count"].astype(int)
            lacking = {o: int(n) for o, n in a.items() if o not in b.index and n}
            differ = {o: (int(a[o]), int(n)) for o, n in b.items() if a.get(o) != n}
            if lacking or differ:
                problems.append(f"{mine.id}: lacking {lacking}, differ {differ}")
    texts = [
        t.assign(question_id=t["question_id"].str.replace(r"^Q\d+", "Q", regex=True))
        for t in (hand.open_responses, drafted.open_responses)
    ]
    if not texts[0].equals(texts[1]):
        problems.append("open responses differ")
    if not hand.institutions.equals(drafted.institutions):
        problems.append("institutions differ")
    return problems


@pytest.mark.parametrize("name", ["synthetic-export", "synthetic-export-google", "hostile-export"])
def test_the_draft_of_each_synthetic_fixture_gives_the_hand_written_counts(tmp_path, name):
    hand = load_dataset(FIXTURES / name)
    drafted = load_dataset(drafted_copy(FIXTURES / name, tmp_path))
    assert compare(hand, drafted) == []
    # Options nobody chose cannot be drafted: in the 40-row fixture nobody answered Q11 'Other'.
    if name == "synthetic-export":
        q11 = hand.counts[hand.counts["question_id"] == "Q11"].set_index("option")["count"]
        assert q11["Other"] == 0 and "Other" not in drafted.questionnaire["Q11"].options
        assert len(drafted.questionnaire["Q11"].options) == 4
        assert drafted.questionnaire["Q1"].type == "institution"


@pytest.mark.parametrize(("style", "suffix"), [("microsoft", ".xlsx"), ("microsoft", ".csv"), ("google", ".csv")])
def test_larger_synthetic_exports_with_write_ins_ranking_and_grid(tmp_path, style, suffix):
    text = (
        EXTRA if style == "microsoft" else EXTRA.replace("type: ranking", "type: multi") + 'export: {separator: ", "}\n'
    )
    questionnaire = parse_questionnaire(yaml.safe_load(text))
    folder = tmp_path / "hand"
    folder.mkdir()
    (folder / "questionnaire.yaml").write_text(text, encoding="utf-8")
    frame = synth.synthetic_export(questionnaire, 300, 5, style=style, write_ins=1.0)
    if style == "google":
        frame = frame.drop(columns=[synth._header(questionnaire["Q4"])])  # Google Forms has no ranking question
        (folder / "questionnaire.yaml").write_text(
            text.replace(text[text.index("  - {id: Q4") : text.index("  - id: Q5")], "")
        )
    synth.write_export(frame, folder / f"export{suffix}")
    hand = load_dataset(folder)
    drafted = load_dataset(drafted_copy(folder, tmp_path))
    assert compare(hand, drafted) == []
    typed = hand.counts.set_index(["question_id", "option"])["write_ins"]
    assert typed[("Q3", "Other")] == hand.counts.set_index(["question_id", "option"])["count"][("Q3", "Other")] > 0
    scales = drafted.questionnaire.of_type("scale")
    assert len(scales) == 2 and scales[0].group == scales[1].group is not None  # one Likert grid


def ms_workbook(path: Path) -> None:
    """30 submissions as Microsoft Forms writes them: times as dates, choices ';'-joined and ended with
    ';', the respondent's text in place of "Other", a ranking, a two-statement Likert grid."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Your organisation",
            "Do you offer micro-credentials?",
            "Which forms do they take?",
            "Rank the barriers",
            "Micro-credentials help learners",
            "Employers value micro-credentials",
            "Any comment?",
        ]
    )
    singles = ["Yes", "No", "Yes", "Not yet", "Yes", "No"]
    multis = ["Badges;Short courses;", "Short courses;", "Badges;Learning modules;", "Learning modules;Short courses;"]
    ranks = ["Cost;Access;Time;", "Access;Cost;Time;", "Cost;Time;Access;"]
    scale = ["Agree", "Strongly agree", "Neutral", "Disagree", "Agree"]
    typed = {4: "We plan it for 2026", 11: "Only inside the ministry", 23: "Under discussion with partners"}
    typed_multi = {7: "Badges;Mentoring; job shadowing;", 19: "Short courses;Workshops, seminars;"}
    for n in range(1, 31):
        start = dt.datetime(2025, 1, 6, 9) + dt.timedelta(hours=n)
        sheet.append(
            [
                n,
                start,
                start + dt.timedelta(minutes=9),
                f"person{n}@example.org",
                f"Person {n}",
                ["Alpha University", "Beta College", "Gamma Agency"][n % 3],
                typed.get(n, singles[n % len(singles)]),
                typed_multi.get(n, multis[n % len(multis)]),
                ranks[n % len(ranks)],
                scale[n % len(scale)],
                scale[(n + 2) % len(scale)],
                "" if n % 4 else f"Comment number {n}.",
            ]
        )
    book.save(path)


MS_HAND = """\
questions:
  - {id: Q1, type: institution, text: Your organisation}
  - {id: Q2, type: single, text: "Do you offer micro-credentials?", options: ["Yes", "No", Not yet, Other]}
  - {id: Q3, type: multi, text: "Which forms do they take?", options: [Badges, Short courses, Learning modules, Other]}
  - {id: Q4, type: ranking, text: Rank the barriers, options: [Cost, Access, Time]}
  - id: Q5
    type: scale
    group: Agreement
    text: Micro-credentials help learners
    options: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
  - id: Q6
    type: scale
    group: Agreement
    text: Employers value micro-credentials
    options: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
  - {id: Q7, type: open, text: "Any comment?"}
"""


def test_a_microsoft_forms_workbook_drafted_and_loaded_unchanged(tmp_path):
    folder = tmp_path / "ms"
    folder.mkdir()
    ms_workbook(folder / "export.xlsx")
    (folder / "questionnaire.yaml").write_text(MS_HAND, encoding="utf-8")
    hand = load_dataset(folder)
    # By hand: Q2 'Not yet' is n % 6 == 3 for n = 3, 9, 15, 21, 27 (none typed), write-ins rows 4, 11, 23.
    q2 = hand.counts[hand.counts["question_id"] == "Q2"].set_index("option")["count"].to_dict()
    assert q2["Not yet"] == 5 and q2["Other"] == 3 and sum(q2.values()) == 30
    drafted_folder = drafted_copy(folder, tmp_path)
    drafted = load_dataset(drafted_folder)
    assert compare(hand, drafted) == []
    text = (drafted_folder / "questionnaire.yaml").read_text(encoding="utf-8")
    assert "example.org" not in text and "Person 1" not in text  # personal columns never drafted
    assert "# Personal columns (Email, Name) are never read." in text
    assert '"Other"  # check: 3 answer(s) typed once read as write-ins under Other ("We plan it for 2026"' in text
    assert "type: ranking  # check:" in text and 'group: "Scale 1"' in text


def test_the_draft_yaml_quotes_labels_that_yaml_would_misread(tmp_path):
    question, _ = infer_question("Q1", "Agree?", ["Yes", "No"] * 10 + ["Yes"])
    assert question.type == "single" and question.options == ["Yes", "No"]
    path = tmp_path / "export.csv"
    pd.DataFrame(
        {"ID": range(1, 22), "Agree?": ["Yes", "No"] * 10 + ["Yes"], "Note": ["#1: null", "true"] * 10 + ["x"]}
    ).to_csv(path, index=False)
    draft = draft_questionnaire(path)
    loaded = parse_questionnaire(yaml.safe_load(draft_yaml(draft)))
    assert loaded["Q1"].options == ("Yes", "No")  # not the booleans True and False


def test_unsure_columns_carry_check_comments():
    q, _ = infer_question("Q1", "Tell us more", ["One", "Two", "Three"])
    assert q.type == "open" and "only 3 answers" in q.checks[0]
    q, _ = infer_question("Q2", "Contact", ["a@example.org", "b@example.org"] * 6)
    assert q.type == "open" and "e-mail" in q.checks[0] and q.options == []
    q, _ = infer_question("Q3", "Nothing", [])
    assert "no answer in the export" in q.checks[0]
    q, sep = infer_question("Q4", "Pick", ["A;", "B;", "A;"] * 5)
    assert (q.type, sep) == ("multi", ";") and "no respondent chose two" in q.checks[0]


def test_a_value_seen_once_is_a_write_in_only_when_write_ins_are_evident():
    # 'Rarely' chosen once among recurring answers, but the word "Other" appears: the tool wrote it, so no write-ins.
    values = ["Often"] * 12 + ["Sometimes"] * 8 + ["Rarely", "Other"]
    q, _ = infer_question("Q1", "How often?", values)
    assert "Rarely" in q.options and "check" not in str(q.option_notes)
    # Under 20 answers a value typed once may be a real option chosen once: kept as an option.
    q, _ = infer_question("Q2", "Which?", ["A"] * 8 + ["B"] * 8 + ["Something typed"])
    assert q.options == ["A", "B", "Something typed"]
    q, _ = infer_question("Q3", "Which?", ["A"] * 10 + ["B"] * 10 + ["Something typed"])
    assert q.options == ["A", "B", "Other"] and "1 answer(s) typed once" in q.option_notes["Other"]


def test_cli_writes_the_draft_and_refuses_to_replace_it(tmp_path):
    folder = tmp_path / "cli"
    folder.mkdir()
    shutil.copy(FIXTURES / "synthetic-export" / "export.csv", folder / "export.csv")
    command = [sys.executable, "-m", "zqf_analysis", "init", "--export", str(folder / "export.csv")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert (
        "14 questions drafted from 40 rows" in done.stdout
        and "the draft loads the export: 40 submissions" in done.stdout
    )
    assert load_questionnaire(folder / "questionnaire.yaml").export["file"] == "export.csv"
    again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 2 and "add --force to replace it" in again.stderr
    other = tmp_path / "elsewhere" / "q.yaml"
    other.parent.mkdir()
    write_draft(folder / "export.csv", other)
    assert check_draft(other) == "the draft loads the export: 40 submissions"  # file: is relative to the draft


def test_an_export_of_metadata_only_is_a_clear_error(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("ID,Start time,Completion time\n1,t,t\n", encoding="utf-8")
    with pytest.raises(DataError, match="no column is a question: every header is form metadata"):
        draft_questionnaire(path)


def test_a_french_workbook_gets_autre_for_its_write_ins(tmp_path):
    """Microsoft Forms writes its metadata headers in the form owner's language; the draft names the
    Other option it adds in that language."""
    folder = tmp_path / "fr"
    folder.mkdir()
    ms_workbook(folder / "export.xlsx")
    book = openpyxl.load_workbook(folder / "export.xlsx")
    french = ["ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Nom"]
    for cell, name in zip(list(book.active[1])[:5], french, strict=True):
        cell.value = name
    book.save(folder / "export.xlsx")
    draft = draft_questionnaire(folder / "export.xlsx")
    assert draft.personal == ["Adresse de messagerie", "Nom"]
    assert draft.questions[1].options[-1] == "Autre" and "under Autre" in draft.questions[1].option_notes["Autre"]
    assert check_draft(write_draft(folder / "export.xlsx")[0]) == "the draft loads the export: 30 submissions"

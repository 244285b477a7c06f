"""Analysis declarations beside the raw data: read on top of questionnaire.yaml, refused when they
touch transcription or set a key twice, part of the build's dataset stamp and of every page's record."""

from __future__ import annotations

from pathlib import Path

import pytest

from zqf_analysis.data.declarations import declarations_file, declarations_sha256
from zqf_analysis.data.questionnaire import load_questionnaire
from zqf_analysis.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
QUESTIONNAIRE = """survey: two questions
questions:
  - id: Q1
    type: single
    text: "Public or private?"
    options: [Public, Private]
  - id: Q2
    type: open
    text: "Why?"
"""


def project(tmp_path: Path, declarations: str | None) -> Path:
    """A project folder with data/raw/d/questionnaire.yaml and, if given, data/declarations/d.yaml."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "zqf-analysis"\n', encoding="utf-8")
    dataset = tmp_path / "data" / "raw" / "d"
    dataset.mkdir(parents=True)
    (dataset / "questionnaire.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    if declarations is not None:
        (tmp_path / "data" / "declarations").mkdir(parents=True)
        (tmp_path / "data" / "declarations" / "d.yaml").write_text(declarations, encoding="utf-8")
    return dataset


def test_declarations_are_read_on_top_of_the_questionnaire(tmp_path):
    declarations = "consent: {question: Q1, use: [Public], refuse: [Private]}\nquestions:\n  Q1: {chart: pie}\n"
    dataset = project(tmp_path, declarations)
    questionnaire = load_questionnaire(dataset / "questionnaire.yaml")
    assert questionnaire["Q1"].chart == "pie" and questionnaire.consent.use == ("Public",)
    assert (dataset / "questionnaire.yaml").read_text(encoding="utf-8") == QUESTIONNAIRE  # raw untouched
    assert declarations_sha256(dataset).startswith("data/declarations/d.yaml (SHA-256 ")


def test_a_dataset_without_declarations_reads_its_questionnaire_alone(tmp_path):
    dataset = project(tmp_path, None)
    assert declarations_file(dataset) is None and declarations_sha256(dataset) == "none"
    assert load_questionnaire(dataset / "questionnaire.yaml")["Q1"].chart is None


@pytest.mark.parametrize(
    ("declarations", "message"),
    [
        ("questions:\n  Q9: {chart: pie}\n", r"d\.yaml.*Q9.*not a question of questionnaire\.yaml"),
        ("questions:\n  Q1: {text: Other words}\n", r"Q1.*expected a mapping of chart, profile, themes"),
        ("survey: renamed\n", r"unknown key\(s\) survey"),
        ("questions:\n  Q2: {type: single}\n", r"Q2.*expected a mapping of chart"),
    ],
)
def test_declarations_may_not_touch_the_transcription(tmp_path, declarations, message):
    dataset = project(tmp_path, declarations)
    with pytest.raises(DataError, match=message):
        load_questionnaire(dataset / "questionnaire.yaml")


def test_a_key_declared_in_both_files_is_refused(tmp_path):
    dataset = project(tmp_path, "questions:\n  Q1: {chart: pie}\n")
    text = QUESTIONNAIRE.replace("    type: single\n", "    type: single\n    chart: pie\n")
    (dataset / "questionnaire.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match="chart: is declared both here and in questionnaire.yaml"):
        load_questionnaire(dataset / "questionnaire.yaml")


def test_zaqa_declares_its_consent_question_and_its_two_pies_outside_the_raw_data():
    questionnaire = load_questionnaire(ROOT / "data" / "raw" / "zaqa-2024" / "questionnaire.yaml")
    assert [q.id for q in questionnaire.questions if q.chart == "pie"] == ["Q11", "Q14"]
    assert questionnaire.consent.question == "Q14" and questionnaire.consent.refuse == ("No",)
    raw = (ROOT / "data" / "raw" / "zaqa-2024" / "questionnaire.yaml").read_text(encoding="utf-8")
    assert "chart: pie" not in raw and "consent:" not in raw


def test_editing_the_declarations_changes_the_dataset_listing_the_build_caches_by(tmp_path):
    from zqf_analysis.themes.eligible import listing_stamp

    dataset = project(tmp_path, "questions:\n  Q1: {chart: pie}\n")
    before = listing_stamp(dataset)
    (tmp_path / "data" / "declarations" / "d.yaml").write_text("questions:\n  Q2: {themes: false}\n", encoding="utf-8")
    assert listing_stamp(dataset) != before

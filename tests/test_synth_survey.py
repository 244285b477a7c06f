"""The synthetic survey generator: the shape asked for, the same bytes for the same seed, the awkward
fields it promises (URL, e-mail, names, a fixed number of answers, submissions sent twice)."""

from __future__ import annotations

import pandas as pd
import pytest

from zqf_analysis.data.load import load_dataset
from zqf_analysis.data.synth_survey import SurveyShape, write_survey


def test_the_shape_asked_for(tmp_path):
    shape = SurveyShape(respondents=300, questions=12, open=6, url=True, email=True, name=True, sparse=(3, 9),
                        long_options=(60,), multi=False)
    data = load_dataset(write_survey(shape, 3, tmp_path / "s"))
    questionnaire = data.questionnaire
    assert len(questionnaire.questions) == 12 and len(questionnaire.open) == 6
    assert questionnaire.institution is None and not questionnaire.of_type("multi")
    assert max(len(q.options) for q in questionnaire.closed) == 60
    answers = data.open_responses.groupby("question_id")["text"]
    counts = answers.size()
    by_text = {q.text: q.id for q in questionnaire.open}
    assert sorted(counts.tolist())[:2] == [3, 9]
    url = answers.get_group(by_text["Link to your course page (URL)"])
    assert url.str.startswith("https://www.example.edu/").all()
    assert answers.get_group(by_text["Your e-mail address if you would like to be contacted"]).str.contains("@").all()
    assert data.respondents == 300


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    shape = SurveyShape(respondents=50, questions=6, open=2)
    one, two = write_survey(shape, 1, tmp_path / "a"), write_survey(shape, 1, tmp_path / "b")
    for name in ("questionnaire.yaml", "export.csv", "README.md"):
        assert (one / name).read_bytes() == (two / name).read_bytes()
    other = write_survey(shape, 2, tmp_path / "c")
    assert (other / "export.csv").read_bytes() != (one / "export.csv").read_bytes()


def test_duplicates_copy_whole_submissions(tmp_path):
    folder = write_survey(SurveyShape(respondents=40, questions=6, open=2, duplicates=3), 4, tmp_path / "d")
    frame = pd.read_csv(folder / "export.csv", dtype=str, keep_default_na=False)
    assert len(frame) == 43
    answers = frame.drop(columns=["ID", "Start time", "Completion time", "Email", "Name"])
    assert answers.duplicated().sum() >= 3  # each copy repeats its original's every answer


def test_an_impossible_shape_is_refused():
    with pytest.raises(ValueError, match="impossible shape"):
        SurveyShape(questions=5, open=2, url=True, email=True, name=True)

"""Analysis declarations made after a dataset was transcribed, kept beside the raw data, never in it.

A dataset's files in ``data/raw/<name>/`` are immutable once transcribed. What an analyst decides
later about how to read them (which question is the consent question, which single-choice questions a
report drew as pies, which questions are the respondent profile or carry themes, the respondent
groups, a comparison mapping) lives in ``data/declarations/<name>.yaml`` of the same project, in the
questionnaire's own keys::

    consent:
      question: Q14
      use: ["Yes"]
    questions:
      Q11: {chart: pie}

:func:`~zqf_analysis.data.questionnaire.load_questionnaire` reads it on top of ``questionnaire.yaml``,
so every stage sees one questionnaire. A declaration may only add a key the questionnaire does not set
(a key set in both is refused: which one holds would be a guess), and only the analysis keys below:
question texts, types and options are transcription and stay in the raw file.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

from zqf_analysis import paths
from zqf_analysis.errors import DataError

#: Top-level keys a declarations file may add to the questionnaire.
SURVEY_KEYS = ("consent", "groups", "comparison")
#: Keys it may add to a question.
QUESTION_KEYS = ("chart", "profile", "themes")


def declarations_file(dataset: str | Path) -> Path | None:
    """``<project>/data/declarations/<dataset name>.yaml`` when it exists, else None; the project is
    the one holding the dataset folder."""
    dataset = Path(dataset).resolve()
    candidate = paths.project_root(dataset) / "data" / "declarations" / f"{dataset.name}.yaml"
    return candidate if candidate.is_file() else None


def declarations_sha256(dataset: str | Path) -> str:
    """``data/declarations/<name>.yaml (SHA-256 ...)`` for the page's provenance, or ``none``."""
    path = declarations_file(dataset)
    if path is None:
        return "none"
    relative = path.relative_to(paths.project_root(path)).as_posix()
    return f"{relative} (SHA-256 {hashlib.sha256(path.read_bytes()).hexdigest()})"


def with_declarations(raw: object, declarations: object, source: Path) -> object:
    """The parsed questionnaire ``raw`` with the parsed declarations file (``source``) added to it; a
    new mapping, ``raw`` is left as it was. DataError naming the file (and the question) when the
    declarations are not a mapping of the keys above, name an unknown question or set a key twice."""
    if declarations is None:
        return raw
    if not isinstance(declarations, dict) or not isinstance(raw, dict):
        raise DataError("expected a mapping of consent:, groups:, comparison: and questions:", file=source)
    unknown = sorted(set(declarations) - {*SURVEY_KEYS, "questions"})
    if unknown:
        raise DataError(f"unknown key(s) {', '.join(map(str, unknown))}: expected {', '.join(SURVEY_KEYS)} or "
                        "questions (question texts and options stay in questionnaire.yaml)", file=source)
    merged = copy.deepcopy(raw)
    for key in SURVEY_KEYS:
        if key in declarations:
            if key in merged:
                raise DataError(f"{key}: is declared both here and in questionnaire.yaml: keep one", file=source)
            merged[key] = declarations[key]
    questions = declarations.get("questions") or {}
    if not isinstance(questions, dict):
        raise DataError("questions: expected a mapping of question id to keys, e.g. Q11: {chart: pie}", file=source)
    by_id = {str(q.get("id")): q for q in merged.get("questions") or [] if isinstance(q, dict)}
    for question_id, keys in questions.items():
        question = by_id.get(str(question_id))
        if question is None:
            raise DataError("not a question of questionnaire.yaml", file=source, question=str(question_id))
        if not isinstance(keys, dict) or set(keys) - set(QUESTION_KEYS):
            raise DataError(f"expected a mapping of {', '.join(QUESTION_KEYS)}", file=source, question=str(question_id))
        for key, value in keys.items():
            if key in question:
                raise DataError(f"{key}: is declared both here and in questionnaire.yaml: keep one", file=source,
                                question=str(question_id))
            question[key] = value
    return merged

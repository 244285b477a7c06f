"""Which open questions can carry themes: enough substantive answers (``min_answers``, default 20), and
not a field of links, e-mail addresses or names (detected from the answers, or declared with
``themes: false`` in the questionnaire). The build asks this before it plans a themes run per question.

Counting is cheap (each distinct answer is checked once) and the result is cached by the dataset's
stamp, so a build with nothing to do never reloads the export.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from zqf_analysis.data.text import is_substantive, normalise_text
from zqf_analysis.errors import DataError

#: The fewest substantive answers a themes run is planned for: below it, clusters and their intervals
#: say nothing (6 answers made 4 "themes"); the answers are listed instead.
MIN_ANSWERS = 20
#: The share of a question's substantive answers that must look like links, addresses or names for the
#: question to be read as such a field.
FIELD_SHARE = 0.6

_URL = re.compile(r"^(?:<?(?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)+/\S*)>?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-Þ][\w'’-]*\.?|de|da|do|dos|van|von|der|la|le|du|bin|al)$")
_NAME_QUESTION = re.compile(r"\b(?:name|names|nom|nome|nombre)\b", re.IGNORECASE)


def check_min_answers(value: object) -> int:
    """``min_answers``: a whole number of at least 2 (a digit string from a command line is read as one).

    >>> check_min_answers("20"), check_min_answers(5)
    (20, 5)
    """
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise DataError(f"parameter min_answers={value!r}: expected a whole number of at least 2")
    return value


def looks_like_name(text: str) -> bool:
    """One to four words, each capitalised (or a particle such as "de", "van"), no digit: a person's name.

    >>> [looks_like_name(t) for t in ("Amina Banda", "J. P. Silva", "Time", "not enough time", "Room 12")]
    [True, True, True, False, False]
    """
    words = text.split()
    return 1 <= len(words) <= 4 and not any(c.isdigit() for c in text) and all(_NAME_WORD.match(w) for w in words)


def field_kind(question_text: str, answers: Iterable[str]) -> str:
    """``"url"``, ``"e-mail"`` or ``"name"`` when most substantive answers (:data:`FIELD_SHARE`) are
    links, e-mail addresses or (for a question that asks for a name) names; else ``""``.

    >>> field_kind("Course page", ["https://a.edu/x", "www.b.org", "see below", "http://c.net"])
    'url'
    >>> field_kind("Your name (optional)", ["Amina Banda", "Kofi Mensah", "no"])
    'name'
    >>> field_kind("What prevents you?", ["Time", "Money", "Amina Banda"])
    ''
    """
    texts = [normalise_text(t) for t in answers]
    texts = [t for t in texts if t]
    if not texts:
        return ""
    share = lambda test: sum(1 for t in texts if test(t)) / len(texts)  # noqa: E731
    if share(lambda t: bool(_URL.match(t))) >= FIELD_SHARE:
        return "url"
    if share(lambda t: bool(_EMAIL.match(t))) >= FIELD_SHARE:
        return "e-mail"
    if _NAME_QUESTION.search(question_text or "") and share(looks_like_name) >= FIELD_SHARE:
        return "name"
    return ""


def open_question_profile(questionnaire, open_responses) -> list[dict]:
    """Per open question of the questionnaire: ``question``, ``text``, ``answers`` (non-empty cells),
    ``substantive`` (answers that say something, :func:`~zqf_analysis.data.text.is_substantive`),
    ``declared`` (the ``themes:`` key: True, False or None) and ``kind`` (:func:`field_kind`).
    ``open_responses`` has ``question_id`` and ``text``; each distinct answer is checked once."""
    by_question: dict[str, Counter] = {}
    for question_id, text in zip(open_responses["question_id"], open_responses["text"], strict=True):
        by_question.setdefault(str(question_id), Counter())[str(text)] += 1
    rows = []
    for question in questionnaire.open:
        counts = by_question.get(question.id, Counter())
        substantive = Counter({t: n for t, n in counts.items() if is_substantive(t)})
        rows.append(
            {
                "question": question.id,
                "text": question.text,
                "answers": int(sum(counts.values())),
                "substantive": int(sum(substantive.values())),
                "declared": question.themes,
                "kind": field_kind(question.text, substantive.elements()) if question.themes is None else "",
            }
        )
    return rows


def themes_decision(profile: dict, min_answers: int = MIN_ANSWERS) -> str:
    """Why a question gets no themes run, or ``""`` when it gets one.

    >>> themes_decision({"declared": None, "kind": "", "substantive": 6})
    '6 substantive answers, fewer than min_answers = 20'
    >>> themes_decision({"declared": None, "kind": "url", "substantive": 900})
    'a field of links (URLs), detected from the answers'
    >>> themes_decision({"declared": True, "kind": "", "substantive": 900})
    ''
    """
    if profile["declared"] is False:
        return "themes: false in the questionnaire"
    if profile["declared"] is None and profile["kind"]:
        what = {"url": "links (URLs)", "e-mail": "e-mail addresses", "name": "names"}[profile["kind"]]
        return f"a field of {what}, detected from the answers"
    if profile["substantive"] < min_answers:
        return f"{profile['substantive']} substantive answers, fewer than min_answers = {min_answers}"
    return ""


def dataset_profile(dataset: str | Path, cache: Path | None = None, stamp: str = "") -> list[dict]:
    """:func:`open_question_profile` of a dataset folder, read from ``cache`` when it was written for
    the same ``stamp`` (the dataset's raw files), else computed (the dataset is loaded once) and cached."""
    if cache is not None and stamp and cache.is_file():
        try:
            record = json.loads(cache.read_text(encoding="utf-8"))
            if record.get("stamp") == stamp:
                return record["questions"]
        except (OSError, ValueError, KeyError):
            pass
    from zqf_analysis.data.load import load_dataset

    data = load_dataset(dataset)
    questions = open_question_profile(data.questionnaire, data.open_responses)
    if cache is not None and stamp:
        from zqf_analysis.io import write_text_atomic

        cache.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(cache, json.dumps({"stamp": stamp, "questions": questions}, indent=1) + "\n")
    return questions

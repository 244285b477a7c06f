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
from zqf_analysis.errors import check_whole_number

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
    return check_whole_number("min_answers", value, 2)


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
        plural = "" if profile["substantive"] == 1 else "s"
        return f"{profile['substantive']} substantive answer{plural}, fewer than min_answers = {min_answers}"
    return ""


def dataset_profile(dataset: str | Path, cache: Path | None = None, stamp: str = "") -> list[dict]:
    """:func:`open_question_profile` of a dataset folder (and whether it has a codebook for each), read
    from ``cache`` when that was written for the same ``stamp`` (the dataset's files), else computed:
    the dataset is loaded once. Nothing is written here (see :func:`write_profile`)."""
    if cache is not None and stamp and cache.is_file():
        try:
            record = json.loads(cache.read_text(encoding="utf-8"))
            if record.get("stamp") == stamp:
                return record["questions"]
        except (OSError, ValueError, KeyError):
            pass
    questions = _published_profile(Path(dataset))
    if questions is None:
        from zqf_analysis.data.load import load_dataset

        data = load_dataset(dataset)
        questions = open_question_profile(data.questionnaire, data.open_responses)
    coded = codebook_questions(Path(dataset))
    for row in questions:
        row["codebook"] = row["question"] in coded
    return questions


def _published_profile(dataset: Path) -> list[dict] | None:
    """The profile of a published dataset (``counts.csv`` and ``open_responses.csv``) read with the csv
    module: its answers are a plain table, and the build's plan need not import pandas for them (about
    1.5 s of a cold build on a loaded 2-core machine). None for a per-respondent export. The themes run
    validates the file as every stage does."""
    if not (dataset / "counts.csv").is_file():
        return None
    import csv

    from zqf_analysis.data.questionnaire import load_questionnaire

    questionnaire = load_questionnaire(dataset / "questionnaire.yaml")
    answers = {"question_id": [], "text": []}
    path = dataset / "open_responses.csv"
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                text = (row.get("text") or "").strip()
                if text:
                    answers["question_id"].append(row.get("question_id", ""))
                    answers["text"].append(text)
    return open_question_profile(questionnaire, answers)


def write_profile(cache: Path, stamp: str, questions: list[dict]) -> Path:
    """Cache a dataset's profile for :func:`dataset_profile` (unchanged bytes: the file is left alone).
    The build calls it only once its plan has passed every check, so a refused plan writes nothing."""
    from zqf_analysis.io import write_text_atomic

    return write_text_atomic(cache, json.dumps({"stamp": stamp, "questions": questions}, indent=1) + "\n")


def codebook_questions(dataset: Path) -> set[str]:
    """The questions the dataset's ``codebooks/*.yaml`` name (their ``question:``), read with the YAML
    parser alone (the coder's module imports pandas, which a no-op build must not pay for)."""
    from zqf_analysis.data.questionnaire import safe_load_yaml

    found = set()
    for path in sorted((dataset / "codebooks").glob("*.yaml")) if (dataset / "codebooks").is_dir() else []:
        try:
            document = safe_load_yaml(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - a broken codebook is reported by the themes run that reads it
            continue
        if isinstance(document, dict) and document.get("question") is not None:
            found.add(str(document["question"]))
    return found


def listing_stamp(dataset: Path) -> str:
    """A cheap stamp of a dataset folder: the SHA-256 of its files' relative paths, sizes and
    modification times, and its declarations file's (no file is read), so the cached profile is reused
    while nothing changed."""
    import hashlib

    from zqf_analysis.data.declarations import declarations_file
    from zqf_analysis.report.provenance import dataset_files

    listing = [
        (p.relative_to(dataset).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in dataset_files(dataset)
    ]
    declared = declarations_file(dataset)  # themes: declared there changes the plan too
    if declared is not None:
        listing.append((str(declared), declared.stat().st_size, declared.stat().st_mtime_ns))
    return hashlib.sha256(json.dumps(listing).encode("utf-8")).hexdigest()


def plan_themes(
    dataset: Path, questionnaire, build_dir: Path, min_answers: int = MIN_ANSWERS, named: list[str] | None = None
) -> tuple[list[str], list[dict], dict | None]:
    """The open questions that get a themes run, the others with why not (for the index), and the
    profile to cache (``{"stamp", "questions"}``, for :func:`write_profile` once the plan is checked).

    ``named`` (the build's ``--questions``) are run as named. Otherwise a question is run when
    :func:`themes_decision` finds nothing against it, or when the dataset has a codebook for it (a
    person wrote its codes: the coding is read whatever the number of answers, and the page says
    whether the discovered themes mean anything). The profile is read from
    ``build_dir/open_questions.json`` while :func:`listing_stamp` is unchanged."""
    if named:
        return list(named), [], None
    if not questionnaire.open:
        return [], [], None
    stamp = listing_stamp(dataset)
    profile = dataset_profile(dataset, build_dir / "open_questions.json", stamp)
    themed, unthemed = [], []
    for row in profile:
        reason = themes_decision(row, min_answers)
        coded = reason.startswith(f"{row['substantive']} substantive") and row.get("codebook")
        if not reason or coded:
            themed.append(row["question"])
        else:
            unthemed.append({**row, "reason": reason})
    return themed, unthemed, {"stamp": stamp, "questions": profile}

"""Seeded generator of whole SYNTHETIC survey datasets of any size and shape: a questionnaire, an export
and a README, for tests and benchmarks of surveys that are not ZAQA's (large, anonymous, many options).

A :class:`SurveyShape` says how many respondents, closed and open questions there are, whether there is
an institution question, and which awkward kinds of question to include: a single-choice question with
many options, a profile question, a URL, e-mail or name field, open questions with a fixed small number
of answers, and short answers that many respondents type alike ("time"). Every answer is invented: open
answers are built from generic phrase banks (no real respondent's words), closed answers by
:func:`zqf_analysis.data.synth.synthetic_export`. The same shape and seed always give the same bytes.

``python -m zqf_analysis.data.synth_survey --respondents 20000 --questions 40 --open 15 --out DIR``
writes ``DIR/questionnaire.yaml``, ``DIR/export.csv`` and ``DIR/README.md``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from zqf_analysis.data.questionnaire import parse_questionnaire
from zqf_analysis.data.synth import synthetic_export, write_export
from zqf_analysis.io import write_text_atomic

#: Invented topics of an open question about obstacles or wishes, each a few interchangeable phrasings;
#: an answer joins one to three of them, so the answers have structure a clustering can find.
TOPICS = {
    "time": (
        "not enough time in the week",
        "no time to prepare new material",
        "the schedule is already full",
        "time for planning is very limited",
        "too little time between classes",
    ),
    "funding": (
        "there is no budget for it",
        "funding for equipment is scarce",
        "we cannot pay for licences",
        "grants are hard to obtain",
        "the department has no money for this",
    ),
    "training": (
        "staff need training first",
        "I was never trained in this area",
        "we lack workshops for teachers",
        "colleagues do not have the skills yet",
        "professional development is not offered",
    ),
    "equipment": (
        "the computer lab is too small",
        "the computers are old and slow",
        "we have no projector",
        "internet access on campus is unreliable",
        "students cannot book the lab",
    ),
    "curriculum": (
        "the syllabus leaves no room",
        "the course content is fixed by the state",
        "the curriculum is already crowded",
        "there is no course where it fits",
        "accreditation rules limit changes",
    ),
    "students": (
        "students are not prepared for it",
        "learners find the topic hard",
        "class sizes are too large",
        "students lack basic computer skills",
        "many learners work and study part time",
    ),
    "support": (
        "leadership does not support it",
        "the administration sees no value in it",
        "there is no support from the department",
        "management has other priorities",
        "no one is in charge of it",
    ),
    "materials": (
        "good teaching materials are hard to find",
        "there are no ready-made exercises",
        "textbooks do not cover it",
        "open resources are not adapted to our level",
        "example data sets are missing",
    ),
    "assessment": (
        "it is hard to assess fairly",
        "exams do not test these skills",
        "grading takes too long",
        "there is no agreed way to mark it",
        "employers do not value the certificates",
    ),
    "collaboration": (
        "we would need partners in industry",
        "there is no network of colleagues to share with",
        "cooperation between departments is weak",
        "we need links with other institutions",
        "a community of practice would help",
    ),
}
OPENINGS = ("", "", "", "Mostly ", "Honestly, ", "In my case ", "At my institution ", "For us ")
CONNECTORS = (" and ", "; ", ". Also ", ", and ", ". Besides, ")
ENDINGS = ("", "", "", ".", ".", " at the moment.", " this year.", " as far as I can tell.", "!")
SHORT_ANSWERS = ("time", "Time", "money", "time.", "funding", "Lack of time", "training", "none really")
NON_SUBSTANTIVE = ("N/A", "none", "I don't know", "n/a", "-")
FIRST_NAMES = ("Amina", "Tomás", "Grace", "Kofi", "Lena", "Ravi", "Chipo", "Marta", "Jonas", "Nadia")
LAST_NAMES = ("Banda", "Silva", "Okafor", "Müller", "Phiri", "Dubois", "Nkosi", "Costa", "Mensah", "Ivanova")
#: Invented subject names for a long profile-like single-choice question.
SUBJECTS = (
    "Biology",
    "Chemistry",
    "Physics",
    "Mathematics",
    "Statistics",
    "Ecology",
    "Genetics",
    "Botany",
    "Zoology",
    "Microbiology",
    "Biochemistry",
    "Geology",
    "Computer science",
    "Nursing",
    "Agriculture",
    "Forestry",
    "Marine science",
    "Anatomy",
    "Physiology",
    "Neuroscience",
)


@dataclass(frozen=True)
class SurveyShape:
    """What a synthetic survey holds. ``questions`` counts every question (the institution too);
    ``open`` the open ones among them, of which the first ones are the special fields listed
    (``url``, ``email``, ``name``, ``short`` (answers of a word or two, typed alike), and one per entry of
    ``sparse`` with exactly that many answers); the rest are long answers with themes. Closed
    questions alternate single and multi (``multi=False``: single only); ``long_options`` adds single
    questions with that many options each; ``profile`` declares the first single question a profile
    question. ``duplicates``: submissions sent twice (same institution, same long answers)."""

    respondents: int = 200
    questions: int = 14
    open: int = 4
    institution: bool = False
    multi: bool = True
    long_options: tuple[int, ...] = ()
    url: bool = False
    email: bool = False
    name: bool = False
    short: bool = False
    sparse: tuple[int, ...] = ()
    profile: bool = False
    duplicates: int = 0
    answer_rate: tuple[float, float] = (0.35, 0.75)
    title: str = "SYNTHETIC survey"
    pies: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        special = sum((self.url, self.email, self.name, self.short)) + len(self.sparse)
        closed = self.questions - self.open - int(self.institution)
        if self.respondents < 1 or self.open < special or closed < len(self.long_options) or closed < 0:
            raise ValueError(f"impossible shape: {self}")


def questionnaire_mapping(shape: SurveyShape) -> dict:
    """The questionnaire of ``shape`` as the YAML mapping a dataset folder holds."""
    questions: list[dict] = []
    number = iter(range(1, shape.questions + 1))
    if shape.institution:
        questions.append({"id": f"Q{next(number)}", "type": "institution", "text": "Your institution"})
    kinds = ["url"] * shape.url + ["email"] * shape.email + ["name"] * shape.name + ["short"] * shape.short
    kinds += [f"sparse{n}" for n in shape.sparse]
    kinds += ["themes"] * (shape.open - len(kinds))
    closed = shape.questions - shape.open - int(shape.institution)
    texts = {
        "url": "Link to your course page (URL)",
        "email": "Your e-mail address if you would like to be contacted",
        "name": "Your name (optional)",
        "short": "In one or two words, the main obstacle?",
    }
    slots = []  # interleave open and closed questions, as forms do
    for position in range(max(closed, len(kinds))):
        if position < closed:
            slots.append(("closed", position))
        if position < len(kinds):
            slots.append(("open", position))
    long_left = list(shape.long_options)
    single_seen = 0
    for slot, position in slots:
        qid = f"Q{next(number)}"
        if slot == "open":
            kind = kinds[position]
            text = texts.get(kind) or f"What prevents you from doing more of this ({position + 1})? Please explain."
            questions.append({"id": qid, "type": "open", "text": text})
            continue
        if long_left:
            size = long_left.pop(0)
            options = [_subject(i) for i in range(size)]
            questions.append(
                {"id": qid, "type": "single", "text": f"Your main field ({size} listed)", "options": options}
            )
            continue
        if shape.multi and position % 2 == 1:
            size = 5 + position % 6
            options = [f"Option {chr(65 + i)} of {qid}" for i in range(size - 1)] + ["Other"]
            questions.append(
                {"id": qid, "type": "multi", "text": f"Which of these apply ({qid})? Select all.", "options": options}
            )
            continue
        size = 2 + position % 6
        entry = {
            "id": qid,
            "type": "single",
            "text": f"How do you rate this ({qid})?",
            "options": [f"Level {i + 1} of {qid}" for i in range(size)],
        }
        if shape.profile and single_seen == 0:
            entry["profile"] = True
            entry["text"] = "Your position"
            entry["options"] = [f"Position {i + 1}" for i in range(size)]
        single_seen += 1
        questions.append(entry)
    for entry in questions:
        if entry["id"] in shape.pies and entry["type"] == "single":
            entry["chart"] = "pie"
    return {"survey": shape.title, "questions": questions}


def _subject(i: int) -> str:
    base = SUBJECTS[i % len(SUBJECTS)]
    return base if i < len(SUBJECTS) else f"{base} {i // len(SUBJECTS) + 1}"


def open_answers(kind: str, respondents: int, rng: np.random.Generator, rate: float) -> np.ndarray:
    """One column of invented answers of ``kind`` ("" where a respondent left it blank)."""
    answered = rng.random(respondents) < rate
    if kind.startswith("sparse"):
        answered = np.zeros(respondents, dtype=bool)
        answered[rng.choice(respondents, size=min(int(kind[6:]), respondents), replace=False)] = True
    text = np.full(respondents, "", dtype=object)
    rows = np.flatnonzero(answered)
    if kind == "url":
        text[rows] = [f"https://www.example.edu/~staff{i}/course-{i % 7}" for i in rows]
    elif kind == "email":
        text[rows] = [f"person{i}@example.org" for i in rows]
    elif kind == "name":
        text[rows] = [f"{FIRST_NAMES[i % 10]} {LAST_NAMES[(i // 10) % 10]}" for i in rows]
    elif kind == "short":
        text[rows] = np.array(SHORT_ANSWERS, dtype=object)[rng.integers(len(SHORT_ANSWERS), size=len(rows))]
    else:
        topics = list(TOPICS)
        favoured = rng.permutation(len(topics))[:5]  # each question has its own five common topics
        weights = np.full(len(topics), 0.2)
        weights[favoured] = 3.0
        weights /= weights.sum()
        text[rows] = [_answer(rng, topics, weights) for _ in rows]
    return text


def _answer(rng: np.random.Generator, topics: list[str], weights: np.ndarray) -> str:
    draw = rng.random()
    if draw < 0.04:
        return NON_SUBSTANTIVE[rng.integers(len(NON_SUBSTANTIVE))]
    if draw < 0.10:
        return SHORT_ANSWERS[rng.integers(len(SHORT_ANSWERS))]
    count = 1 + int(rng.random() < 0.45) + int(rng.random() < 0.12)
    chosen = rng.choice(len(topics), size=count, replace=False, p=weights)
    parts = [TOPICS[topics[c]][rng.integers(len(TOPICS[topics[c]]))] for c in chosen]
    joined = parts[0]
    for part in parts[1:]:
        joined += CONNECTORS[rng.integers(len(CONNECTORS))] + part
    answer = OPENINGS[rng.integers(len(OPENINGS))] + joined + ENDINGS[rng.integers(len(ENDINGS))]
    answer = answer[0].upper() + answer[1:]
    if rng.random() < 0.01:
        answer += " Contact me at someone@example.org"
    if rng.random() < 0.01:
        answer = answer.upper()
    return answer


def survey_export(shape: SurveyShape, seed: int) -> tuple[dict, pd.DataFrame]:
    """The questionnaire mapping and the export frame of ``shape`` with ``seed``."""
    mapping = questionnaire_mapping(shape)
    questionnaire = parse_questionnaire(mapping, source="synthetic questionnaire")
    frame = synthetic_export(questionnaire, shape.respondents, seed)
    rng = np.random.default_rng([seed, 7])
    kinds = iter(_open_kinds(shape))
    low, high = shape.answer_rate
    for question in questionnaire.open:
        column = " ".join(question.text.split())
        frame[column] = open_answers(next(kinds), shape.respondents, rng, float(rng.uniform(low, high)))
    if questionnaire.institution is not None:
        column = questionnaire.institution.text
        frame[column] = _institution_names(shape.respondents, rng)
    if shape.duplicates:
        rows = rng.choice(shape.respondents, size=min(shape.duplicates, shape.respondents), replace=False)
        copies = frame.iloc[np.sort(rows)].copy()
        copies["ID"] = [str(shape.respondents + i + 1) for i in range(len(copies))]
        frame = pd.concat([frame, copies], ignore_index=True)
    return mapping, frame


def _open_kinds(shape: SurveyShape) -> list[str]:
    kinds = ["url"] * shape.url + ["email"] * shape.email + ["name"] * shape.name + ["short"] * shape.short
    kinds += [f"sparse{n}" for n in shape.sparse]
    return kinds + ["themes"] * (shape.open - len(kinds))


def _institution_names(respondents: int, rng: np.random.Generator) -> np.ndarray:
    """Institution names with a long tail and the same name spelled in two cases ("Biology" and
    "biology" become one canonical name)."""
    names = [f"{s} department" for s in SUBJECTS] + [f"college number {i}" for i in range(1, 60)]
    names += [names[0].lower(), names[1].upper()]
    weights = 1.0 / (np.arange(len(names)) + 1.0)
    return np.array(names, dtype=object)[rng.choice(len(names), size=respondents, p=weights / weights.sum())]


def write_survey(shape: SurveyShape, seed: int, folder: str | Path) -> Path:
    """Write ``questionnaire.yaml``, ``export.csv`` and ``README.md`` of the survey into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    mapping, frame = survey_export(shape, seed)
    text = yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True, width=110)
    write_text_atomic(
        folder / "questionnaire.yaml", "# SYNTHETIC questionnaire, written by zqf_analysis.data.synth_survey\n" + text
    )
    write_export(frame, folder / "export.csv")
    write_text_atomic(folder / "README.md", readme_text(shape, seed))
    return folder


def readme_text(shape: SurveyShape, seed: int) -> str:
    """The dataset's README: what it is (invented), how it was made, its shape."""
    return (
        f"# {shape.title}\n\n"
        f"SYNTHETIC survey of {shape.respondents:,} invented respondents and {shape.questions} questions "
        f"({shape.open} open), made by the seeded generator `zqf_analysis.data.synth_survey` (seed {seed}). "
        "No answer comes from a real respondent; never report figures from it.\n\n"
        f"Shape: `{shape!r}`\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zqf_analysis.data.synth_survey",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--respondents", type=int, default=20000)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--open", type=int, default=15)
    parser.add_argument("--institution", action="store_true", help="include an institution question")
    parser.add_argument("--long-options", type=int, nargs="*", default=[60], help="single questions with many options")
    parser.add_argument(
        "--special",
        nargs="*",
        default=["url", "email", "name", "short"],
        choices=["url", "email", "name", "short"],
        help="special open fields",
    )
    parser.add_argument("--sparse", type=int, nargs="*", default=[3, 9], help="open questions with so many answers")
    parser.add_argument("--duplicates", type=int, default=0, help="submissions sent twice")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="the dataset folder to write")
    args = parser.parse_args(argv)
    shape = SurveyShape(
        respondents=args.respondents,
        questions=args.questions,
        open=args.open,
        institution=args.institution,
        long_options=tuple(args.long_options),
        sparse=tuple(args.sparse),
        duplicates=args.duplicates,
        **{kind: kind in args.special for kind in ("url", "email", "name", "short")},
    )
    print(write_survey(shape, args.seed, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Seeded generator of SYNTHETIC per-respondent exports, laid out as Microsoft or Google Forms write them.

Used for the test fixture in ``tests/fixtures/synthetic-export/`` and for the scale benchmark (any number
of respondents). Every answer is invented: institutions and free text come from small made-up banks,
never from the real survey's respondents.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from zqf_analysis.data.questionnaire import Question, Questionnaire, load_questionnaire
from zqf_analysis.io import atomic_path

#: Invented institutions: some spelled two ways (typo, capitals) so the cleaning mapping has work to do.
INSTITUTIONS = (
    ("Kalulu University", 6.0),
    ("kalulu university", 1.0),
    ("Kalulu Universtiy", 1.0),
    ("Mulungushi Valley College of Nursing", 2.0),
    ("Nkhwazi Technical Training Institute", 4.0),
    ("Lwando Skills Development Centre", 3.0),
    ("National Skills Standards Agency", 3.0),
    ("Institute of Certified Practitioners", 2.0),
    ("Chimwemwe Engineering Ltd", 1.5),
    ("Tiyende Digital Academy", 1.5),
    ("Mopane Open University", 2.0),
)

#: Invented, generic open-text answers (no real respondent's words). Some are non-substantive, one
#: carries markup-like text and one an e-mail address, so cleaning and rendering get tested on them.
OPEN_TEXT_BANK = (
    "Short courses that lead to a certificate after a few weeks of study.",
    "A small unit of learning that is assessed and recorded on its own.",
    "We use the term for industry certificates that employers recognise.",
    "Funding for learners is limited and fees are paid out of pocket.",
    "Employers are not yet sure what a micro-credential is worth.",
    "Quality assurance rules are not the same across providers.",
    "Providers need clear guidance on credit values and levels.",
    "Learners in rural areas lack reliable internet to study online.",
    "There is no common register where certificates can be checked.",
    "Stacking small awards into a full qualification is not yet possible.",
    "A pilot with a training centre recognised prior learning of artisans.",
    "Our institution runs weekend modules for working professionals.",
    "An online course on digital skills was offered to public servants.",
    "Partnerships with industry helped design courses that match jobs.",
    "Hospitality courses for café and hotel staff are in demand.",
    "We don’t have a written definition yet.",
    "THE FRAMEWORK MUST BE CLEAR BEFORE WE START.",
    "Employers & providers need a shared <list> of approved courses.",
    "Details are available from training@example.org on request.",
    "N/A",
    "None",
    "I don't know",
    "NIL",
)
#: Invented write-ins typed in place of "Other" (:func:`synthetic_export` with ``write_ins``): some hold
#: a ';' or a ', ' themselves, none holds an option of the ZAQA form between separators.
WRITE_IN_BANK = (
    "Mentoring by senior staff",
    "Workshops, seminars and conferences",
    "Peer learning; coaching",
    "Apprenticeships with local firms",
    "Certificates of attendance",
    "Still deciding",
)
#: Endings added to a write-in so that, as typed text does, few of them repeat word for word.
WRITE_IN_ENDINGS = (
    "", " in our region", " for new staff", " with employers", " on weekends", " since 2023", " for women in trades",
    " through the ministry", " at two campuses", " (pilot)", " for artisans", " online",
)  # fmt: skip
#: Unknown answers used by :func:`inject_bad_cells`.
UNKNOWN_OPTION = "Something not on the form"

STYLES = ("microsoft", "google")
FORMATS = ("csv", "xlsx")
START = np.datetime64("2024-12-02T08:00:00")
END = np.datetime64("2025-01-04T18:00:00")


@dataclass(frozen=True)
class BadCell:
    """A cell made invalid on purpose: 0-based data row, question id, and what is wrong with it."""

    position: int
    question_id: str
    kind: str  # "unknown_option" or "too_many_choices"


def default_questionnaire_path() -> Path:
    from zqf_analysis.paths import project_root

    return project_root(Path(__file__).parent) / "data" / "raw" / "zaqa-2024" / "questionnaire.yaml"


def default_separator(style: str) -> str:
    """``;`` for Microsoft Forms, ``", "`` for Google Forms."""
    return ", " if style == "google" else ";"


def generate_answers(questionnaire: Questionnaire, respondents: int, seed: int) -> dict[str, np.ndarray]:
    """Answers per question id, as arrays of the chosen option indices (see :func:`synthetic_export`).

    Single and scale questions give one option index (-1 for a blank); multi questions give a boolean
    matrix of shape (respondents, options) with an all-False row for a blank; ranking questions give a
    matrix of option indices in rank order (a row of -1 for a blank); open questions and the institution
    give an array of strings ("" for a blank). The same seed always gives the same answers.
    """
    if respondents < 1:
        raise ValueError(f"respondents must be 1 or more, got {respondents}")
    rng = np.random.default_rng(seed)
    answers: dict[str, np.ndarray] = {}
    for question in questionnaire.questions:
        if question.type in ("single", "scale"):
            answers[question.id] = _single(rng, question, respondents)
        elif question.type == "ranking":
            answers[question.id] = _ranking(rng, question, respondents)
        elif question.type == "multi":
            answers[question.id] = _multi(rng, question, respondents)
        elif question.type == "open":
            answers[question.id] = _open_text(rng, respondents)
        else:
            answers[question.id] = _institutions(rng, respondents)
    return answers


def _blank(rng: np.random.Generator, respondents: int, rate: float) -> np.ndarray:
    blank = rng.random(respondents) < rate
    if respondents >= 10 and not blank.any():
        blank[rng.integers(respondents)] = True  # a fixture always shows what a blank looks like
    return blank


def _single(rng: np.random.Generator, question: Question, respondents: int) -> np.ndarray:
    # Forms usually list the expected answer first: weights fall with the option's position, "Other" rare.
    weights = 1.0 / (np.arange(len(question.options)) + 1.0) ** 1.6
    weights[[o == "Other" for o in question.options]] = 0.02
    chosen = rng.choice(len(question.options), size=respondents, p=weights / weights.sum())
    chosen[_blank(rng, respondents, 0.03)] = -1
    return chosen


def _multi(rng: np.random.Generator, question: Question, respondents: int) -> np.ndarray:
    options = len(question.options)
    popularity = rng.uniform(0.05, 0.55, size=options)
    popularity[[o == "Other" for o in question.options]] = 0.04
    selected = rng.random((respondents, options)) < popularity
    # Nobody who answers ticks nothing: give an empty row its single most likely-looking choice.
    nothing = ~selected.any(axis=1)
    fallback = rng.choice(options, size=int(nothing.sum()), p=popularity / popularity.sum())
    selected[np.flatnonzero(nothing), fallback] = True
    if question.max_choices is not None:
        # Keep at most max_choices ticks per row, dropping the ones with the lowest random priority.
        priority = np.where(selected, rng.random((respondents, options)), -1.0)
        rank = np.argsort(np.argsort(-priority, axis=1), axis=1)
        selected &= rank < question.max_choices
    selected[_blank(rng, respondents, 0.06)] = False
    return selected


def _ranking(rng: np.random.Generator, question: Question, respondents: int) -> np.ndarray:
    # Options earlier on the form tend to be ranked higher: sort by position plus noise.
    keys = np.arange(len(question.options)) + rng.normal(0, 2.0, size=(respondents, len(question.options)))
    order = np.argsort(keys, axis=1)
    order[_blank(rng, respondents, 0.05)] = -1
    return order


def _open_text(rng: np.random.Generator, respondents: int) -> np.ndarray:
    bank = np.array(OPEN_TEXT_BANK, dtype=object)
    first = bank[rng.integers(len(bank), size=respondents)]
    second = bank[rng.integers(OPEN_TEXT_BANK.index("N/A"), size=respondents)]  # only substantive ones
    both = rng.random(respondents) < 0.25
    text = first.copy()
    text[both] = first[both] + " " + second[both]
    text[_blank(rng, respondents, 0.3)] = ""
    return text


def _institutions(rng: np.random.Generator, respondents: int) -> np.ndarray:
    names = np.array([name for name, _ in INSTITUTIONS], dtype=object)
    weights = np.array([weight for _, weight in INSTITUTIONS])
    chosen = names[rng.choice(len(names), size=respondents, p=weights / weights.sum())]
    if respondents >= len(names):  # every spelling shows up at least once, for the cleaning mapping
        chosen[rng.choice(respondents, size=len(names), replace=False)] = names
    return chosen


def _multi_cells(selected: np.ndarray, question: Question, separator: str, trailing: bool) -> np.ndarray:
    """Join each row's ticks into one cell; computed once per distinct combination, not per row."""
    weights = np.left_shift(np.int64(1), np.arange(selected.shape[1], dtype=np.int64))
    codes = selected.astype(np.int64) @ weights
    distinct, inverse = np.unique(codes, return_inverse=True)
    cells = []
    for code in distinct:
        chosen = [o for i, o in enumerate(question.options) if int(code) >> i & 1]
        cells.append(separator.join(chosen) + (separator if trailing and chosen else ""))
    return np.array(cells, dtype=object)[inverse]


def synthetic_export(
    questionnaire: Questionnaire,
    respondents: int,
    seed: int,
    *,
    style: str = "microsoft",
    separator: str | None = None,
    write_ins: float = 0.0,
) -> pd.DataFrame:
    """A synthetic export as a frame of strings, columns as the form writes them.

    Microsoft Forms: ID, Start time, Completion time, Email, Name, then one column per question headed
    by its wording; multi-select cells end with the separator ("A;B;"), rankings too, in rank order.
    Google Forms: Timestamp, then the questions; cells joined by ", " without a trailing one. Blanks
    are "". ``write_ins``: the share of "Other" answers whose respondent typed a text instead (from
    :data:`WRITE_IN_BANK`), written in place of the word "Other" as both tools do; the answers, and so
    the counts, are the same for any ``write_ins``.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    separator = default_separator(style) if separator is None else separator
    answers = generate_answers(questionnaire, respondents, seed)
    rng = np.random.default_rng([seed, 1])  # metadata drawn apart, so answers do not depend on layout
    span = int((END - START) / np.timedelta64(1, "s"))
    start = START + np.sort(rng.integers(span, size=respondents)).astype("timedelta64[s]")
    completion = start + rng.integers(120, 1800, size=respondents).astype("timedelta64[s]")
    columns: dict[str, object] = {}
    if style == "microsoft":
        columns["ID"] = np.arange(1, respondents + 1).astype(str)
        columns["Start time"] = _timestamps(start)
        columns["Completion time"] = _timestamps(completion)
        columns["Email"] = "anonymous"
        columns["Name"] = ""
    else:
        columns["Timestamp"] = _timestamps(completion)
    typed = np.random.default_rng([seed, 3])  # write-ins drawn apart: the answers never depend on them
    for question in questionnaire.questions:
        answer = answers[question.id]
        if question.type in ("single", "scale"):
            labels = np.array([*question.options, ""], dtype=object)
            cells = labels[answer]  # -1 picks the trailing "" (blank)
        elif question.type == "multi":
            cells = _multi_cells(answer, question, separator, trailing=style == "microsoft")
        elif question.type == "ranking":
            cells = np.array(
                [separator.join(question.options[i] for i in row) + separator if row[0] >= 0 else "" for row in answer],
                dtype=object,
            )
        else:
            cells = answer
        if write_ins and question.other is not None and question.type in ("single", "multi"):
            cells = _with_write_ins(cells, answer, question, separator, write_ins, typed)
        columns[_header(question)] = cells
    return pd.DataFrame(columns, dtype=object)


def _with_write_ins(
    cells: np.ndarray, answer: np.ndarray, question: Question, separator: str, share: float, rng: np.random.Generator
) -> np.ndarray:
    """``cells`` with the word "Other" replaced by a typed text in ``share`` of the rows choosing Other."""
    other = question.options.index(question.other)
    chose = answer == other if answer.ndim == 1 else answer[:, other]
    rows = np.flatnonzero(chose & (rng.random(len(cells)) < share))
    if not len(rows):
        return cells
    cells = cells.copy()
    combined = np.array([a + b for a in WRITE_IN_BANK for b in WRITE_IN_ENDINGS], dtype=object)
    unique = len(rows) <= len(combined)  # typed answers rarely repeat word for word: none does while they can differ
    texts = combined[rng.choice(len(combined), size=len(rows), replace=not unique)]
    for row, text in zip(rows.tolist(), texts.tolist(), strict=True):
        if answer.ndim == 1:
            cells[row] = text
        else:
            trailing = cells[row].endswith(separator) and separator == ";"
            chosen = [text if i == other else o for i, o in enumerate(question.options) if answer[row, i]]
            cells[row] = separator.join(chosen) + (separator if trailing else "")
    return cells


def _timestamps(moments: np.ndarray) -> np.ndarray:
    return np.char.replace(np.datetime_as_string(moments, unit="s"), "T", " ").astype(object)


def _header(question: Question) -> str:
    return question.column or " ".join(question.text.split()) or question.id


def inject_bad_cells(
    frame: pd.DataFrame,
    questionnaire: Questionnaire,
    count: int,
    seed: int,
    *,
    separator: str = ";",
    trailing: bool = True,
) -> tuple[pd.DataFrame, list[BadCell]]:
    """A copy of ``frame`` with ``count`` invalid closed-question cells, and where they are.

    Alternates an unknown option (in a single or multi question without an "Other" option: in one with,
    an unknown value is a write-in) with more choices than ``max_choices`` (where a question has one);
    rows are distinct and sorted, so a test can compute the file row numbers the loader must report.
    """
    closed = [q for q in questionnaire.of_type("single", "multi") if q.other is None]
    capped = [q for q in questionnaire.of_type("multi") if q.max_choices is not None]
    if not closed and not capped:
        raise ValueError("no closed question can be made invalid: every one takes write-ins and none has max_choices")
    rng = np.random.default_rng([seed, 2])
    positions = np.sort(rng.choice(len(frame), size=min(count, len(frame)), replace=False))
    frame = frame.copy()
    bad: list[BadCell] = []
    for n, position in enumerate(positions):
        if capped and (n % 2 == 1 or not closed):
            question = capped[n // 2 % len(capped)]
            chosen = list(question.options[: question.max_choices + 1])
            cell = separator.join(chosen) + (separator if trailing else "")
            kind = "too_many_choices"
        else:
            question = closed[n // 2 % len(closed)]
            cell = (
                UNKNOWN_OPTION
                if question.type == "single"
                else separator.join([question.options[0], UNKNOWN_OPTION]) + (separator if trailing else "")
            )
            kind = "unknown_option"
        frame.iat[int(position), frame.columns.get_loc(_header(question))] = cell
        bad.append(BadCell(int(position), question.id, kind))
    return frame, bad


def write_export(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    title_rows: tuple[str, ...] = (),
    encoding: str = "utf-8",
) -> Path:
    """Write ``frame`` as CSV or XLSX (by the path's suffix), atomically.

    ``title_rows`` go above the header in an XLSX (one per row, then a blank row), as some real
    exports carry them; ``encoding`` applies to CSV ("utf-8-sig" adds a byte-order mark as Excel does,
    "cp1252" is what older Windows tools write).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    with atomic_path(path) as temporary:
        if suffix == ".csv":
            if title_rows:
                raise ValueError("title rows are only written to XLSX; a CSV's first row is its header")
            with open(temporary, "w", encoding=encoding, newline="") as handle:
                frame.to_csv(handle, index=False, lineterminator="\r\n")
        elif suffix == ".xlsx":
            _write_xlsx(frame, temporary, title_rows)
        else:
            raise ValueError(f"unsupported format {path.suffix!r}; use .csv or .xlsx")
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path, title_rows: tuple[str, ...]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    for title in title_rows:
        sheet.append([title])
    if title_rows:
        sheet.append([])
    sheet.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        sheet.append([cell if cell != "" else None for cell in row])
    workbook.save(path)


def main(argv: list[str] | None = None) -> int:
    """``python -m zqf_analysis.data.synth --respondents N --seed S --out PATH``: write a synthetic export."""
    parser = argparse.ArgumentParser(prog="python -m zqf_analysis.data.synth", description=__doc__)
    parser.add_argument("--respondents", type=int, required=True, help="number of submissions (rows)")
    parser.add_argument(
        "--seed", type=int, required=True, help="random seed; the same seed gives the same file"
    )
    parser.add_argument("--out", required=True, help="output file (.csv or .xlsx)")
    parser.add_argument("--format", choices=FORMATS, help="csv or xlsx (default: from --out's suffix)")
    parser.add_argument(
        "--style", choices=STYLES, default="microsoft", help="form layout (default microsoft)"
    )
    parser.add_argument("--separator", help="multi-select separator (default ';' microsoft, ', ' google)")
    parser.add_argument("--questionnaire", help="questionnaire.yaml (default: data/raw/zaqa-2024's)")
    parser.add_argument("--title-row", action="append", default=[], help="XLSX title row above the header")
    parser.add_argument("--encoding", default="utf-8", help="CSV encoding: utf-8, utf-8-sig or cp1252")
    parser.add_argument("--bad-cells", type=int, default=0, help="make this many closed cells invalid")
    parser.add_argument(
        "--write-ins", type=float, default=0.0, help="share of 'Other' answers typed as text instead (0 to 1)"
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.format and out.suffix.lower() != f".{args.format}":
        out = out.with_suffix(f".{args.format}")
    questionnaire = load_questionnaire(args.questionnaire or default_questionnaire_path())
    separator = args.separator if args.separator is not None else default_separator(args.style)
    frame = synthetic_export(
        questionnaire, args.respondents, args.seed, style=args.style, separator=separator, write_ins=args.write_ins
    )
    if args.bad_cells:
        frame, _ = inject_bad_cells(
            frame,
            questionnaire,
            args.bad_cells,
            args.seed,
            separator=separator,
            trailing=args.style == "microsoft",
        )
    write_export(frame, out, title_rows=tuple(args.title_row), encoding=args.encoding)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cleaning: derive the processed tables (institutions, closed counts, open answers) from a dataset.

Raw text is never changed: institutions gain a canonical name and a type from the dataset's
reviewable ``institution_map.csv``; free text keeps its verbatim ``text`` and gains ``clean_text``
(whitespace, SHOUTED case, OCR artefacts, redacted e-mails and phone numbers), a ``substantive`` flag
and ``duplicate_of``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from zqf_analysis.data.consent import consent_tables
from zqf_analysis.data.load import Dataset, load_dataset
from zqf_analysis.data.text import answer_key, clean_text, is_substantive
from zqf_analysis.errors import DataError
from zqf_analysis.io import write_tables_atomic
from zqf_analysis.paths import processed_dir

UNMAPPED = "unmapped"

# ------------------------------------------------------------------------------------------ free text


#: An answer repeated word for word is flagged as a likely double submission only from this many words
#: on: "time" typed by eight respondents is a common answer, not one respondent submitting twice.
REPEAT_MIN_WORDS = 8


def clean_open_responses(
    open_responses: pd.DataFrame,
    question_order: tuple[str, ...],
    submitter: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``question_id, response_id, text, clean_text, substantive, duplicate_of`` in questionnaire order.

    ``duplicate_of`` flags a likely double submission: it names the first response to the same question
    with the same cleaned answer (ignoring case) when that answer is long (:data:`REPEAT_MIN_WORDS`
    words or more) and both came from the same submitter. ``submitter`` maps each response id to who
    sent it, as far as the data tell (see :func:`submitters`: the institution named, else the closed
    answers given); without it (published counts and texts, where answers are not linked to anyone)
    a long identical answer is flagged on its own. A short answer many respondents give ("time") is
    never flagged, nor the same long text from two different submitters. The duplicate is kept.
    """
    frame = open_responses[["question_id", "response_id", "text"]].copy()
    rank = {q: i for i, q in enumerate(question_order)}
    frame["_order"] = frame["question_id"].map(rank)
    frame["_position"] = range(len(frame))
    frame = frame.sort_values(["_order", "_position"], kind="stable")
    frame["clean_text"] = frame["text"].map(clean_text)
    frame["substantive"] = frame["text"].map(is_substantive)
    frame["duplicate_of"] = repeated_submissions(frame, submitter)
    return frame.drop(columns=["_order", "_position"]).reset_index(drop=True)


def repeated_submissions(answers: pd.DataFrame, submitter: Mapping[str, str] | None = None) -> pd.Series:
    """For each answer (``question_id, response_id, clean_text``), the response id of the earlier answer
    it likely repeats as a double submission, else "" (see :func:`clean_open_responses`).

    >>> answers = pd.DataFrame({"question_id": ["Q2"] * 4, "response_id": ["1", "2", "3", "4"],
    ...     "clean_text": ["time", "Time", "We have no budget for the licences this year", "we have no budget "
    ...                    "for the licences this year."]})
    >>> repeated_submissions(answers).tolist()
    ['', '', '', '3']
    >>> repeated_submissions(answers, {"1": "A", "2": "A", "3": "A", "4": "B"}).tolist()
    ['', '', '', '']
    """
    repeated = pd.Series("", index=answers.index, dtype=object)
    # only long answers can be flagged: their words are counted first, and only they get a key
    long_enough = answers["clean_text"].astype(str).str.count(r"\S+") >= REPEAT_MIN_WORDS
    candidates = answers[long_enough.to_numpy()]
    if candidates.empty:
        return repeated
    ids = candidates["response_id"].astype(str)
    keys = candidates["clean_text"].map(answer_key)
    keep = keys.str.split().str.len() >= REPEAT_MIN_WORDS
    who = ids.map(lambda r: submitter.get(r, "")) if submitter is not None else pd.Series("", index=ids.index)
    if submitter is not None:
        keep &= who != ""
    frame = pd.DataFrame({"question_id": candidates["question_id"], "key": keys, "who": who, "id": ids})[keep]
    first = frame.groupby(["question_id", "key", "who"], sort=False)["id"].transform("first")
    flagged = first != frame["id"]
    repeated.loc[frame.index[flagged.to_numpy()]] = first[flagged].to_numpy()
    return repeated


# ------------------------------------------------------------------------------------- institutions


def default_canonical_name(name: str) -> str:
    """A printed name with spacing fixed and ALL-CAPS or all-lower names title-cased.

    >>> default_canonical_name("eden  university")
    'Eden University'
    >>> default_canonical_name("TEVETA")
    'TEVETA'
    """
    name = re.sub(r"\s+", " ", str(name)).strip()
    letters = [c for c in name if c.isalpha()]
    if name.islower() or (name.isupper() and len(name.split()) > 1 and len(letters) > 6):
        return name.title()
    return name


def clean_institutions(institutions: pd.DataFrame, institution_map: pd.DataFrame | None) -> pd.DataFrame:
    """``institution, canonical_name, institution_type, submissions``: the printed name kept, the
    canonical name and type taken from the reviewable mapping (``unmapped`` where it has no row).

    Submissions of printed names that map to the same canonical name stay on separate rows, so the
    mapping can be reviewed against what was printed; group by ``canonical_name`` to combine them.
    """
    frame = institutions[["institution", "submissions"]].copy()
    if institution_map is not None and len(institution_map):
        mapping = institution_map.set_index(institution_map["institution"].str.strip())
        key = frame["institution"].str.strip()
        frame["canonical_name"] = key.map(mapping["canonical_name"])
        frame["institution_type"] = key.map(mapping["institution_type"])
    else:
        frame["canonical_name"] = pd.NA
        frame["institution_type"] = pd.NA
    unmapped = frame["canonical_name"].isna()
    frame.loc[unmapped, "canonical_name"] = frame.loc[unmapped, "institution"].map(default_canonical_name)
    frame.loc[frame["institution_type"].isna(), "institution_type"] = UNMAPPED
    frame["submissions"] = frame["submissions"].astype(int)
    return frame[["institution", "canonical_name", "institution_type", "submissions"]].reset_index(drop=True)


def unused_mappings(institutions: pd.DataFrame, institution_map: pd.DataFrame | None) -> list[str]:
    """Mapping rows that match no printed institution: usually a typo in the mapping file."""
    if institution_map is None:
        return []
    printed = set(institutions["institution"].str.strip())
    return [name for name in institution_map["institution"].str.strip() if name not in printed]


# ---------------------------------------------------------------------------------------- counts


def closed_counts(dataset: Dataset) -> pd.DataFrame:
    """``question_id, option, count, base, status, write_ins``; a missing count stays empty, never 0.

    Published counts have as base the survey's respondents (the report gives no per-question
    non-response); an export's counts carry the submissions that answered the question. ``write_ins``
    is, on an Other option's row of an export, how many of its answers were typed in; empty elsewhere
    and in published counts (not known). A ranking's count is its first choices.
    """
    counts = dataset.counts.copy()
    if "base" not in counts.columns:
        counts["base"] = dataset.respondents
    if "write_ins" not in counts.columns:
        counts["write_ins"] = pd.NA
    counts["base"] = counts["base"].astype(int)
    counts["count"] = counts["count"].astype("Int64")
    counts["write_ins"] = counts["write_ins"].astype("Int64")
    return counts[["question_id", "option", "count", "base", "status", "write_ins"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------- the stage


def clean_dataset(dataset: Dataset, open_answers: bool = True) -> dict[str, pd.DataFrame]:
    """The processed tables of ``dataset``, keyed by their file stem: institutions, closed counts, open
    responses (write-ins included, as ``<id>_other``), ``respondents`` (the one count of respondents every
    page prints), when the questionnaire has ranking questions their ranks (``rankings``: question_id,
    option, rank, count), and with a consent rule its record (``consent_excluded``: the response ids left
    out; ``consent_summary``)."""
    question_order = tuple(q.id for q in dataset.questionnaire.free_text)
    institutions = clean_institutions(dataset.institutions, dataset.institution_map)
    tables = {
        "institutions": institutions,
        "closed_counts": closed_counts(dataset),
        # ``open_answers=False``: the table with its columns and no row, for a stage that reads no answer
        # (cleaning 145,000 answers takes seconds that 02_describe need not spend without a claims.csv)
        "open_responses": clean_open_responses(
            dataset.open_responses if open_answers else dataset.open_responses.iloc[0:0],
            question_order,
            submitters(dataset) if open_answers else None,
        ),
        "respondents": respondents_table(dataset, institutions),
        **consent_tables(dataset.consent),
    }
    if dataset.questionnaire.of_type("ranking"):
        ranks = dataset.rankings if dataset.rankings is not None else None
        tables["rankings"] = (
            ranks.reset_index(drop=True)
            if ranks is not None
            else pd.DataFrame(columns=["question_id", "option", "rank", "count"])
        )
    return tables


def submitters(dataset: Dataset) -> dict[str, str] | None:
    """Who sent each submission of an export, as far as the data tell, by response id: the institution
    it named (case and spacing ignored) or, where it named none or the form asks for none, every closed
    answer it gave (a form submitted twice repeats them all). None for published counts and texts."""
    if dataset.responses is None:
        return None
    responses = dataset.responses
    closed = [q.id for q in dataset.questionnaire.closed if q.id in responses]
    # a 64-bit hash of each row's closed answers (vectorised: joining the cells as text took 4 s for
    # 20,000 rows of 25 questions); two different rows sharing one hash is a 1 in 10^19 chance
    hashed = pd.Series(0, index=responses.index)
    if closed:
        hashed = pd.util.hash_pandas_object(responses[closed], index=False)
    who = "answers:" + hashed.astype(str)
    question = dataset.questionnaire.institution
    if question is not None and question.id in responses:
        named = responses[question.id].astype(str).map(answer_key)
        named = named.where(~named.isin(["", "nan", "<na>"]), "")
        who = who.where(named == "", "institution:" + named)
    return dict(zip(responses["response_id"].astype(str), who, strict=True))


def respondents_table(dataset: Dataset, institutions: pd.DataFrame) -> pd.DataFrame:
    """One row: ``respondents`` (the submissions covered, after any population filter: the count every
    page uses), ``named_institution`` (how many of them named an institution; empty without an
    institution question), ``institutions`` (distinct canonical names) and ``population``."""
    has_institution = dataset.questionnaire.institution is not None
    return pd.DataFrame(
        {
            "respondents": [int(dataset.respondents)],
            "named_institution": [int(institutions["submissions"].sum()) if has_institution else ""],
            "institutions": [int(institutions["canonical_name"].nunique()) if has_institution else ""],
            "population": [dataset.population.text if getattr(dataset, "population", None) else ""],
        }
    )


def clean_dataset_to(
    dataset: str | Path, output: str | Path | None = None, separator: str | None = None
) -> list[Path]:
    """Load, validate and clean the dataset folder, then write its tables atomically.

    Writes ``institutions.csv``, ``closed_counts.csv`` and ``open_responses.csv`` into ``output``
    (default ``data/processed/<dataset name>``); nothing is written if any step fails, and an
    unchanged table keeps its bytes and timestamp.
    """
    loaded = load_dataset(dataset, separator=separator)
    tables = clean_dataset(loaded)
    folder = Path(output) if output else processed_dir(loaded.path)
    if folder.resolve().is_relative_to(loaded.path.resolve()):
        raise DataError("the output folder must not be inside the raw dataset folder", file=folder)
    return write_processed(tables, folder)


def write_processed(tables: dict[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write the cleaned tables into ``folder`` atomically (all rendered before any is replaced)."""
    return write_tables_atomic(folder, tables)


def read_processed(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Read the processed tables back with their types (counts as nullable integers, flags as bool)."""
    folder = Path(folder)
    tables = {}
    for name in ("institutions", "closed_counts", "open_responses"):
        path = folder / f"{name}.csv"
        if not path.is_file():
            raise DataError(f"processed table missing: run the cleaning step first ({name}.csv)", file=path)
        tables[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
    counts = tables["closed_counts"]
    counts["count"] = pd.to_numeric(counts["count"].replace("", None)).astype("Int64")
    counts["base"] = counts["base"].astype(int)
    if "write_ins" in counts.columns:
        counts["write_ins"] = pd.to_numeric(counts["write_ins"].replace("", None)).astype("Int64")
    if (folder / "rankings.csv").is_file():
        ranks = pd.read_csv(folder / "rankings.csv", dtype={"question_id": str, "option": str}, keep_default_na=False)
        tables["rankings"] = ranks
    tables["institutions"]["submissions"] = tables["institutions"]["submissions"].astype(int)
    tables["open_responses"]["substantive"] = tables["open_responses"]["substantive"].eq("True")
    return tables

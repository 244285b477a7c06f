"""Cleaning: derive the processed tables (institutions, closed counts, open answers) from a dataset.

Raw text is never changed: institutions gain a canonical name and a type from the dataset's
reviewable ``institution_map.csv``; free text keeps its verbatim ``text`` and gains ``clean_text``
(whitespace, SHOUTED case, OCR artefacts, redacted e-mails and phone numbers), a ``substantive`` flag
and ``duplicate_of``.
"""

from __future__ import annotations

import re
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


def clean_open_responses(open_responses: pd.DataFrame, question_order: tuple[str, ...]) -> pd.DataFrame:
    """``question_id, response_id, text, clean_text, substantive, duplicate_of`` in questionnaire order.

    ``duplicate_of`` names the first response to the same question with the same cleaned answer
    (ignoring case); the duplicate is kept, since two respondents may write the same words.
    """
    frame = open_responses[["question_id", "response_id", "text"]].copy()
    rank = {q: i for i, q in enumerate(question_order)}
    frame["_order"] = frame["question_id"].map(rank)
    frame["_position"] = range(len(frame))
    frame = frame.sort_values(["_order", "_position"], kind="stable")
    frame["clean_text"] = frame["text"].map(clean_text)
    frame["substantive"] = frame["text"].map(is_substantive)
    keys = frame["clean_text"].map(answer_key)
    first = frame.assign(_key=keys).groupby(["question_id", "_key"], sort=False)["response_id"].transform("first")
    frame["duplicate_of"] = first.where(first != frame["response_id"], "")
    return frame.drop(columns=["_order", "_position"]).reset_index(drop=True)


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


def clean_dataset(dataset: Dataset) -> dict[str, pd.DataFrame]:
    """The processed tables of ``dataset``, keyed by their file stem: institutions, closed counts, open
    responses (write-ins included, as ``<id>_other``), when the questionnaire has ranking questions
    their ranks (``rankings``: question_id, option, rank, count), and with a consent rule its record
    (``consent_excluded``: the response ids left out; ``consent_summary``)."""
    question_order = tuple(q.id for q in dataset.questionnaire.free_text)
    tables = {
        "institutions": clean_institutions(dataset.institutions, dataset.institution_map),
        "closed_counts": closed_counts(dataset),
        "open_responses": clean_open_responses(dataset.open_responses, question_order),
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

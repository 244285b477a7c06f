"""Read a dataset folder: published counts, or a per-respondent export tabulated into the same tables.

A dataset is a folder holding ``questionnaire.yaml`` and either the published tables
(``counts.csv``, ``open_responses.csv``, ``institutions.csv``) or one per-respondent export
(``export.csv``, ``export.xlsx``, or ``export.txt`` as Excel's "Unicode Text" writes it; one row per
submission, as Microsoft or Google Forms write them).
Optional files: ``institution_map.csv``, ``claims.csv``, ``codebooks/*.yaml``. Every reader fails with a
:class:`DataError` that names the file, row, question and column; nothing here writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from zqf_analysis.data.consent import ConsentSummary, apply_consent, published_summary, withhold_in_answers
from zqf_analysis.data.export import read_export_details, repeated_write_ins, tabulate_export
from zqf_analysis.data.files import read_text_table
from zqf_analysis.data.groups import PopulationSummary, apply_population, choose_population
from zqf_analysis.data.questionnaire import Questionnaire, load_questionnaire
from zqf_analysis.data.validate import (
    check,
    claims_schema,
    counts_schema,
    failures_error,
    institution_map_schema,
    institutions_schema,
    open_responses_schema,
    require_columns,
)
from zqf_analysis.errors import DataError

EXPORT_NAMES = ("export.csv", "export.xlsx", "export.txt")


@dataclass(frozen=True)
class Dataset:
    """A loaded, validated dataset: the same tables whether it came from counts or from an export."""

    name: str
    path: Path
    questionnaire: Questionnaire
    counts: pd.DataFrame
    open_responses: pd.DataFrame
    institutions: pd.DataFrame
    respondents: int
    kind: str  # "published" or "export"
    institution_map: pd.DataFrame | None = None
    claims: pd.DataFrame | None = None
    # The export, one row per submission, columns = question ids; closed and institution answers are
    # categoricals (see read_export).
    responses: pd.DataFrame | None = None
    # The population the questionnaire's filter (or the chosen one) kept; None: every respondent.
    population: PopulationSummary | None = None
    # question_id, option, rank, count of every ranking question (an export's; empty otherwise).
    rankings: pd.DataFrame | None = None
    # How the export was read: encoding, delimiter, multi-select separator (see read_export_details).
    notes: tuple[str, ...] = ()
    # The multi-select separator the export's cells were split on.
    separator: str = ";"
    # What the questionnaire's consent rule did (who was left out, who is anonymised); None: no rule.
    consent: ConsentSummary | None = None

    @property
    def raw_files(self) -> list[Path]:
        """Every file of the dataset folder, sorted: what its fingerprint is computed from."""
        return sorted(p for p in self.path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def load_dataset(path: str | Path, separator: str | None = None, population: str = "") -> Dataset:
    """Load and validate the dataset folder at ``path``.

    ``separator`` overrides how multi-select cells of an export are joined (``;`` for Microsoft
    Forms and Google Forms' CSV download, ``", "`` for Google's linked Sheet); otherwise the
    questionnaire's ``export: separator`` is used, or the separator the cells show. ``population``
    chooses the respondents covered (see :func:`data.groups.choose_population`): ``""`` the
    questionnaire's ``filter:`` (everyone if it has none), ``"all"`` everyone, or a name under
    ``filters:``; every table is then tabulated from those respondents only.
    """
    path = Path(path)
    if not path.is_dir():
        raise DataError("dataset folder not found (expected a folder holding questionnaire.yaml)", file=path)
    questionnaire = load_questionnaire(path / "questionnaire.yaml")
    name = path.name
    institution_map = read_csv_table(path / "institution_map.csv", "institution_map", optional=True)
    if institution_map is not None:
        institution_map = check(institution_map, institution_map_schema(), path / "institution_map.csv")
    claims = read_csv_table(path / "claims.csv", "claims", optional=True)
    if claims is not None:
        claims = check(claims, claims_schema(questionnaire), path / "claims.csv")

    chosen = choose_population(questionnaire, population)
    if (path / "counts.csv").exists():
        if chosen is not None:
            raise DataError(
                f"the {chosen.describe()} needs per-respondent answers, but this dataset has published counts "
                "only; remove it or choose population='all'",
                file=path / "questionnaire.yaml",
            )
        return _load_published(path, name, questionnaire, institution_map, claims)
    export_path = _find_export(path, questionnaire)
    if export_path is None:
        raise DataError(
            "the dataset has neither counts.csv nor a per-respondent export "
            f"({', '.join(EXPORT_NAMES)}, or the file named under 'export' in questionnaire.yaml)",
            file=path,
        )
    read = read_export_details(export_path, questionnaire, separator=separator or None)
    # consent first: a refuser is gone before any population, count or text is made from the answers
    responses, institution_map, consent = apply_consent(read.responses, questionnaire, institution_map, read.separator)
    responses, kept = apply_population(responses, questionnaire, institution_map, chosen, read.separator)
    tables = tabulate_export(responses, questionnaire, separator=read.separator)
    notes = read.notes
    if consent is not None and consent.left_out:  # a refuser's write-in reaches no page through a note either
        before = set(repeated_write_ins(read.responses, questionnaire, read.separator))
        notes = tuple(n for n in notes if n not in before) + tuple(
            repeated_write_ins(responses, questionnaire, read.separator)
        )
    return Dataset(
        name=name,
        path=path,
        questionnaire=questionnaire,
        counts=tables["counts"],
        open_responses=withhold_in_answers(tables["open_responses"], consent),
        institutions=tables["institutions"],
        respondents=len(responses),
        kind="export",
        institution_map=institution_map,
        claims=claims,
        responses=responses,
        population=kept,
        rankings=tables["rankings"],
        notes=notes,
        separator=read.separator,
        consent=consent,
    )


def _find_export(path: Path, questionnaire: Questionnaire) -> Path | None:
    named = questionnaire.export.get("file")
    if named:
        candidate = path / str(named)
        if not candidate.is_file():
            raise DataError(f"the export named in questionnaire.yaml ({named}) is not in the folder", file=path)
        return candidate
    found = [path / n for n in EXPORT_NAMES if (path / n).is_file()]
    if len(found) > 1:
        raise DataError(f"{' and '.join(p.name for p in found)} are all present; keep one", file=path)
    if not found:  # the export as downloaded ("Survey (1-40).xlsx"): the folder's one export-like file
        tables = {"institution_map.csv", "claims.csv", "open_responses.csv", "institutions.csv"}
        found = sorted(
            p for p in path.iterdir()
            if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv") and p.name not in tables
        )
        if len(found) > 1:
            raise DataError(
                f"several files could be the export ({', '.join(p.name for p in found[:4])}); name it under "
                "export: file: in questionnaire.yaml",
                file=path,
            )
    return found[0] if found else None


def _load_published(
    path: Path,
    name: str,
    questionnaire: Questionnaire,
    institution_map: pd.DataFrame | None,
    claims: pd.DataFrame | None,
) -> Dataset:
    institutions_file = path / "institutions.csv"
    institutions = read_csv_table(institutions_file, "institutions")
    institutions = check(institutions, institutions_schema(), institutions_file)
    institutions = institutions.assign(submissions=institutions["submissions"].astype(int))
    respondents = questionnaire.respondents or int(institutions["submissions"].sum())
    if int(institutions["submissions"].sum()) != respondents:
        raise DataError(
            f"submissions add up to {int(institutions['submissions'].sum())}, but questionnaire.yaml says "
            f"{respondents} respondents",
            file=institutions_file,
            column="submissions",
        )

    counts_file = path / "counts.csv"
    counts = read_csv_table(counts_file, "counts")
    counts = check(counts, counts_schema(questionnaire, respondents), counts_file)
    _require_every_option(counts, questionnaire, counts_file)
    counts = counts.assign(count=pd.to_numeric(counts["count"].replace("", None)).astype("Int64"))

    open_file = path / "open_responses.csv"
    open_responses = read_csv_table(open_file, "open_responses")
    open_responses = check(open_responses, open_responses_schema(questionnaire), open_file)
    return Dataset(
        name=name,
        path=path,
        questionnaire=questionnaire,
        counts=order_counts(counts, questionnaire),
        open_responses=open_responses.reset_index(drop=True),
        institutions=institutions.reset_index(drop=True),
        respondents=respondents,
        kind="published",
        institution_map=institution_map,
        claims=claims,
        consent=published_summary(questionnaire.consent, counts) if questionnaire.consent else None,
    )


def _require_every_option(counts: pd.DataFrame, questionnaire: Questionnaire, file: Path) -> None:
    present = set(zip(counts["question_id"], counts["option"], strict=False))
    absent = [(q.id, o) for q in questionnaire.closed for o in q.options if (q.id, o) not in present]
    if absent:
        lines = [f"question {q}: option {o!r} has no row (write it with status 'missing')" for q, o in absent]
        raise failures_error(lines, file)


def order_counts(counts: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Counts sorted by question then by the form's option order (not alphabetically)."""
    position = {(q.id, o): (qi, oi) for qi, q in enumerate(questionnaire.closed) for oi, o in enumerate(q.options)}
    keys = [position[(q, o)] for q, o in zip(counts["question_id"], counts["option"], strict=False)]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return counts.iloc[order].reset_index(drop=True)


def read_csv_table(path: str | Path, table: str, *, optional: bool = False) -> pd.DataFrame | None:
    """Read one of the dataset's CSV tables and check its columns (see ``validate.COLUMNS``)."""
    path = Path(path)
    if optional and not path.exists():
        return None
    frame = read_text_table(path)
    require_columns(frame, table, path)
    return frame


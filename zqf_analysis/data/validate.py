"""Declared schemas for the raw tables, and the translation of their failures into readable errors.

The schemas are pandera ``DataFrameSchema`` objects built for a given questionnaire (so the allowed
question ids and options come from the codebook). :func:`check` validates lazily, then raises one
:class:`DataError` that counts the failures and names the first few with their file row numbers,
which stays readable on a million-row file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from zqf_analysis.data.questionnaire import Questionnaire
from zqf_analysis.errors import DataError

COUNT_STATUSES = ("legible", "stated", "missing", "tabulated")
#: How a count the source lost is written in tables, charts and workbooks.
NOT_LEGIBLE = "not legible in source"
INSTITUTION_TYPES = (
    "university",
    "training_institute",
    "public_body",
    "professional_body",
    "company",
    "other",
)
CLAIM_CHECKS = (
    "respondents",
    "institutions_of_type",
    "majority_of_submissions_by_type",
    "multiple_submitters",
    "open_responses",
    "deleted_repeat",
    "count",
    "share",
    "approx_share",
    "majority",
    "unanimous",
    "top",
    "greater",
    "zero",
    "few",
    "single_total",
    "most_frequent_designation",
    "truncated",
)
#: How many failing cells an error message lists before it says "and N more".
SHOWN_FAILURES = 5

COLUMNS = {
    "counts": ["question_id", "option", "count", "status", "source"],
    "open_responses": ["question_id", "response_id", "text"],
    "institutions": ["institution", "submissions", "source"],
    "institution_map": ["institution", "canonical_name", "institution_type", "note"],
    "claims": ["claim_id", "location", "claim", "stated_value", "question_id", "options", "check"],
}


def require_columns(frame: pd.DataFrame, table: str, file: str | Path) -> None:
    """Fail unless ``frame`` has exactly the columns of ``table``, naming what is missing or extra."""
    expected = COLUMNS[table]
    present = [str(c) for c in frame.columns]
    missing = [c for c in expected if c not in present]
    extra = [c for c in present if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        raise DataError(f"{'; '.join(parts)}; expected exactly: {', '.join(expected)}", file=file)


def _whole_number(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    return text.isna() | (text == "") | text.str.fullmatch(r"\d+").fillna(False)


def counts_schema(questionnaire: Questionnaire, respondents: int | None) -> pa.DataFrameSchema:
    closed = {q.id: set(q.options) for q in questionnaire.closed}
    count_checks = [
        pa.Check(_whole_number, error="count must be a whole number of 0 or more (or empty when missing)"),
    ]
    if respondents:
        count_checks.append(
            pa.Check(
                lambda s: pd.to_numeric(s, errors="coerce").fillna(0) <= respondents,
                error=f"count cannot exceed the {respondents} respondents",
            )
        )
    return pa.DataFrameSchema(
        {
            "question_id": pa.Column(
                str,
                pa.Check.isin(
                    sorted(closed), error=f"question_id must be a closed question: {sorted(closed)}"
                ),
            ),
            "option": pa.Column(str),
            "count": pa.Column(str, count_checks, nullable=True),
            "status": pa.Column(
                str, pa.Check.isin(COUNT_STATUSES, error=f"status must be one of {', '.join(COUNT_STATUSES)}")
            ),
            "source": pa.Column(str, nullable=True),
        },
        checks=[
            pa.Check(
                lambda df: pd.Series(
                    [
                        o in closed.get(q, ()) or q not in closed
                        for q, o in zip(df["question_id"], df["option"], strict=False)
                    ],
                    index=df.index,
                ),
                error="option is not one of the question's options in questionnaire.yaml",
                name="known_option",
            ),
            pa.Check(
                lambda df: (
                    (df["status"] == "missing") == df["count"].astype("string").str.strip().fillna("").eq("")
                ),
                error="count must be empty exactly when status is 'missing'",
                name="missing_has_no_count",
            ),
            pa.Check(
                lambda df: ~df.duplicated(["question_id", "option"], keep="first"),
                error="the same question and option appear twice",
                name="unique_option",
            ),
        ],
        strict=False,
        coerce=False,
    )


def open_responses_schema(questionnaire: Questionnaire) -> pa.DataFrameSchema:
    open_ids = [q.id for q in questionnaire.free_text]  # write-ins (Q3_other) are free text too
    return pa.DataFrameSchema(
        {
            "question_id": pa.Column(
                str, pa.Check.isin(open_ids, error=f"question_id must be an open question: {open_ids}")
            ),
            "response_id": pa.Column(
                str, pa.Check(lambda s: s.str.strip().str.len() > 0, error="response_id must not be empty")
            ),
            "text": pa.Column(
                str,
                pa.Check(lambda s: s.str.strip().str.len() > 0, error="text must not be empty"),
                nullable=False,
            ),
        },
        checks=[
            pa.Check(
                lambda df: ~df.duplicated(["question_id", "response_id"], keep="first"),
                error="duplicate response_id within the question",
                name="unique_response",
            )
        ],
    )


def institutions_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "institution": pa.Column(
                str,
                [
                    pa.Check(lambda s: s.str.strip().str.len() > 0, error="institution must not be empty"),
                    pa.Check(lambda s: ~s.duplicated(keep="first"), error="institution listed twice"),
                ],
            ),
            "submissions": pa.Column(
                str,
                pa.Check(
                    lambda s: s.str.fullmatch(r"[1-9]\d*").fillna(False),
                    error="submissions must be a whole number of 1 or more",
                ),
            ),
            "source": pa.Column(str, nullable=True),
        }
    )


def institution_map_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "institution": pa.Column(
                str, pa.Check(lambda s: ~s.duplicated(), error="institution mapped twice")
            ),
            "canonical_name": pa.Column(
                str, pa.Check(lambda s: s.str.strip().str.len() > 0, error="canonical_name must not be empty")
            ),
            "institution_type": pa.Column(
                str,
                pa.Check.isin(
                    INSTITUTION_TYPES, error=f"institution_type must be one of {', '.join(INSTITUTION_TYPES)}"
                ),
            ),
            "note": pa.Column(str, nullable=True),
        }
    )


def claims_schema(questionnaire: Questionnaire) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "claim_id": pa.Column(str, pa.Check(lambda s: ~s.duplicated(), error="claim_id used twice")),
            "location": pa.Column(str),
            "claim": pa.Column(str),
            "stated_value": pa.Column(str, nullable=True),
            "question_id": pa.Column(
                str,
                pa.Check.isin(
                    list(questionnaire.ids), error="question_id is not a question of questionnaire.yaml"
                ),
            ),
            "options": pa.Column(str, nullable=True),
            "check": pa.Column(
                str, pa.Check.isin(CLAIM_CHECKS, error=f"check must be one of {', '.join(CLAIM_CHECKS)}")
            ),
        }
    )


def check(
    frame: pd.DataFrame,
    schema: pa.DataFrameSchema,
    file: str | Path,
    first_row: int = 2,
) -> pd.DataFrame:
    """Validate ``frame`` against ``schema``; on failure raise one :class:`DataError`.

    ``first_row`` is the file row of the frame's first record (2 for a CSV whose header is row 1), so
    the message names rows as a person sees them in a spreadsheet.
    """
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise _to_data_error(exc.failure_cases, frame, file, first_row) from None
    except pa.errors.SchemaError as exc:  # pragma: no cover - lazy=True reports SchemaErrors
        raise DataError(str(exc), file=file) from None


def _to_data_error(cases: pd.DataFrame, frame: pd.DataFrame, file: str | Path, first_row: int) -> DataError:
    lines: list[str] = []
    for case in cases.itertuples(index=False):
        row = None if pd.isna(case.index) else int(case.index) + first_row
        if case.schema_context == "DataFrameSchema" and row is not None:
            # A check across columns: show the row's identifying cells so a person can find it.
            record = frame.iloc[int(case.index)]
            label = ", ".join(f"{c}={record[c]!r}" for c in list(frame.columns)[:2])
            lines.append(f"row {row} ({label}): {case.check}")
        elif row is not None:
            lines.append(f"row {row}, column {case.column}: {case.check}, found {case.failure_case!r}")
        else:
            lines.append(f"column {case.column}: {case.check}")
    return failures_error(lines, file)


def failures_error(
    lines: Iterable[str], file: str | Path, total: int | None = None, note: str = ""
) -> DataError:
    """One :class:`DataError` for many failures: the count, the first :data:`SHOWN_FAILURES`, then
    ``note`` (what was expected, said once rather than on every line)."""
    lines = list(dict.fromkeys(lines))
    total = len(lines) if total is None else total
    shown = lines[:SHOWN_FAILURES]
    more = total - len(shown)
    head = "1 problem" if total == 1 else f"{total} problems"
    body = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
    return DataError(f"{head}: {body}" + (f". {note}" if note else ""), file=file)

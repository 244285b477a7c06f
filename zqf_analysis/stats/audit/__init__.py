"""The audit: every figure the report states (``claims.csv``) recomputed from the data, with a verdict.

Each claim names a ``check`` kind; each kind is a small function (:mod:`.checks`) that works on any
dataset's tables. A count the source lost is unknown (anywhere from 0 to the base), so a claim is decided
only when every possible value of the lost counts gives the same verdict (:mod:`.engine`); otherwise it
is ``cannot_check`` and says why. How the report's words are read is in :mod:`.wording`.
"""

from __future__ import annotations

import pandas as pd

from zqf_analysis.data.load import Dataset
from zqf_analysis.errors import DataError
from zqf_analysis.stats.audit.checks import CHECKS
from zqf_analysis.stats.audit.engine import AUDIT_COLUMNS, VERDICTS, AuditData
from zqf_analysis.stats.audit.wording import text_of

__all__ = ["AUDIT_COLUMNS", "CHECKS", "VERDICTS", "audit_claims", "audit_data", "audit_dataset", "audit_styler"]


def audit_data(
    dataset: Dataset, tables: dict[str, pd.DataFrame] | None = None, caveats: dict | None = None
) -> AuditData:
    """Bundle a loaded dataset and its cleaned tables (``zqf_analysis.data.clean.clean_dataset``) for the audit."""
    if tables is None:
        from zqf_analysis.data.clean import clean_dataset

        tables = clean_dataset(dataset)
    counts = tables["closed_counts"].merge(
        dataset.counts[["question_id", "option", "source"]],
        on=["question_id", "option"],
        how="left",
        validate="1:1",
    )
    counts["source"] = counts["source"].fillna("").astype(str)
    return AuditData(
        questionnaire=dataset.questionnaire,
        respondents=int(dataset.respondents),
        kind=dataset.kind,
        counts=counts,
        institutions=tables["institutions"],
        open_responses=tables["open_responses"],
        institution_map=dataset.institution_map,
        responses=dataset.responses,
        caveats=caveats or {},
        separator=dataset.separator,
    )


def audit_claims(claims: pd.DataFrame | None, data: AuditData) -> pd.DataFrame:
    """One row per claim: ``claim_id, location, claim, stated, recomputed, verdict, reason``.

    An absent or empty claims table gives an empty audit with the same columns.
    """
    if claims is None or claims.empty:
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    rows = []
    for position, claim in enumerate(claims.itertuples(index=False), start=2):
        check = CHECKS.get(str(claim.check))
        if check is None:
            raise DataError(
                f"unknown check {claim.check!r}; expected one of {', '.join(CHECKS)}",
                file="claims.csv",
                row=position,
                column="check",
            )
        finding = check(claim, data)
        if finding.verdict not in VERDICTS:  # pragma: no cover - guards the check functions
            raise AssertionError(finding)
        rows.append(
            (
                claim.claim_id,
                claim.location,
                claim.claim,
                text_of(claim.stated_value),
                finding.recomputed,
                finding.verdict,
                finding.reason,
            )
        )
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def audit_dataset(
    dataset: Dataset, tables: dict[str, pd.DataFrame] | None = None, caveats: dict | None = None
) -> pd.DataFrame:
    """The audit of a loaded dataset's own ``claims.csv`` (empty when it has none)."""
    if dataset.claims is None or dataset.claims.empty:
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    return audit_claims(dataset.claims, audit_data(dataset, tables, caveats))


def verdict_counts(audit: pd.DataFrame) -> pd.DataFrame:
    """``verdict, claims``: how many claims agree, disagree or cannot be checked (all three listed)."""
    counted = audit["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)
    return pd.DataFrame({"verdict": list(VERDICTS), "claims": counted.to_numpy().astype(int)})


def audit_styler(audit: pd.DataFrame):
    """The audit as a pandas Styler for the notebook: every cell HTML-escaped (claims and reasons are
    data), no index, no MathJax, and the rows that disagree shaded."""

    def shade(row: pd.Series) -> list[str]:
        colour = "background-color: #f8d7da" if row["verdict"] == "disagrees" else ""
        return [colour] * len(row)

    return (
        audit.style.format(escape="html", na_rep="")
        .apply(shade, axis=1)
        .hide(axis="index")
        .set_table_attributes('class="tex2jax_ignore zqf-audit"')
        .set_properties(**{"text-align": "left", "vertical-align": "top"})
    )


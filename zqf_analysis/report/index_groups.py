"""The index page's findings by respondent group and from a comparison, read from the tables
``04_groups`` wrote (``group_summary.csv``, ``group_findings.csv``, ``comparison.csv``) with the csv
module: no pandas, as the rest of the index."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path


def _rows(path: Path) -> list[dict[str, str]] | None:
    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return [{k: v or "" for k, v in row.items() if k is not None} for row in csv.DictReader(handle)]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if value != value else value


def _percent(count: int, base: int) -> str:
    """Whole percent, rounded half up (as describe.percent_text)."""
    exact = Fraction(100 * count, base)
    whole = int(exact)
    return f"{whole + (1 if exact - whole >= Fraction(1, 2) else 0)}%"


def _p(text: str) -> str:
    value = _number(text)
    if value is None:
        return ""
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _finding_text(row: dict[str, str]) -> str:
    what = row["question_id"] + (f" '{row['option']}'" if row.get("option") else "")
    if not row.get("lead_group"):
        return f"{what}: adjusted p = {_p(row['p_adjusted'])} ({row['test']}); {row['note']}."
    lead_count, lead_base = int(float(row["lead_count"])), int(float(row["lead_base"]))
    other_count, other_base = int(float(row["other_count"])), int(float(row["other_base"]))
    return (
        f"{what}: {row['lead_group']} {lead_count} of {lead_base} ({_percent(lead_count, lead_base)}) against "
        f"{row['other_group']} {other_count} of {other_base} ({_percent(other_count, other_base)}); "
        f"adjusted p = {_p(row['p_adjusted'])} ({row['test']})."
    )


def groups_context(processed: Path) -> dict:
    """What the index shows of the group stage: each group variable with its tests and surviving
    differences (never led by a group under the minimum base), the population, and the comparison's
    surviving differences. Empty when ``04_groups`` has not run."""
    summary = _rows(processed / "group_summary.csv")
    if not summary:
        return {}
    findings = _rows(processed / "group_findings.csv") or []
    variables = []
    for row in summary:
        own = [f for f in findings if f["group_variable"] == row["group_variable"]]
        variables.append(
            {
                "name": row["group_variable"],
                "description": row["description"],
                "groups": row["groups"].replace(" | ", ", "),
                "tests": int(float(row["tests"] or 0)),
                "surviving": int(float(row["surviving"] or 0)),
                "adjust": row["adjust"],
                "min_base": row["min_base"],
                "respondents": row["respondents"],
                "note": row["note"],
                "findings": [_finding_text(f) for f in own],
            }
        )
    first = summary[0]
    merged = "; ".join(f"by {r['group_variable']}: {r['merged']}" for r in summary if r.get("merged"))
    context = {
        "min_disclosure": first.get("min_disclosure", ""),
        "merged": merged,
        "variables": variables,
        "population": first["population"],
        "left_out": int(float(first["left_out"] or 0)),
        "published": all(not v["tests"] and v["note"] for v in variables),
        "comparison": {},
    }
    comparison = _rows(processed / "comparison.csv")
    if comparison is not None:
        surviving = [r for r in comparison if (_number(r["p_adjusted"]) or 1.0) < 0.05]
        context["comparison"] = {
            "options": len(comparison),
            "questions": len({r["question_id"] for r in comparison}),
            "unknown": sum(_number(r["difference"]) is None for r in comparison),
            "unmatched": len(_rows(processed / "comparison_unmatched.csv") or []),
            "surviving": [
                f"{r['question_id']} '{r['option']}': {_percent(int(float(r['count'])), int(float(r['base'])))} of "
                f"{int(float(r['base']))} against {_percent(int(float(r['other_count'])), int(float(r['other_base'])))}"
                f" of {int(float(r['other_base']))}, difference {100 * float(r['difference']):+.0f} points "
                f"({100 * float(r['diff_low']):+.0f} to {100 * float(r['diff_high']):+.0f}), adjusted p = "
                f"{_p(r['p_adjusted'])}"
                for r in surviving
            ],
        }
    return context

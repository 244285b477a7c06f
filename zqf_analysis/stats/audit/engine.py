"""The audit's engine: what the checks read (:class:`AuditData`), a count as evidence that is known
exactly or only bounded (:class:`Count`), and the rule that decides a claim only when every possible
value of the lost counts gives the same verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from zqf_analysis.data.questionnaire import CLOSED_TYPES, Question, Questionnaire
from zqf_analysis.errors import DataError
from zqf_analysis.stats.audit.wording import norm, quotes_claim, range_text, shorten

AUDIT_COLUMNS = ["claim_id", "location", "claim", "stated", "recomputed", "verdict", "reason"]


VERDICTS = ("agrees", "disagrees", "cannot_check")


#: How far (in percentage points) an "approximately" share may be from its stated value.
APPROX_TOLERANCE_POINTS = 10


#: "Few" means at least one and at most this share of the base.
FEW_SHARE = Fraction(1, 4)


@dataclass(frozen=True)
class AuditData:
    """What the checks read: the cleaned tables plus each count's source, and the export if any."""

    questionnaire: Questionnaire
    respondents: int
    kind: str
    counts: pd.DataFrame  # question_id, option, count, base, status, source
    institutions: pd.DataFrame  # institution, canonical_name, institution_type, submissions
    open_responses: pd.DataFrame  # question_id, response_id, text, clean_text, substantive, duplicate_of
    institution_map: pd.DataFrame | None = None
    responses: pd.DataFrame | None = None
    caveats: dict = field(default_factory=dict)
    separator: str = ";"


@dataclass(frozen=True)
class Count:
    """One option's count as evidence: known exactly (low == high) or only bounded (lost in the source)."""

    option: str
    low: int
    high: int
    status: str
    source: str
    circular: bool = False

    @property
    def known(self) -> bool:
        return self.low == self.high

    def describe(self) -> str:
        if self.circular:
            return f"{self.option}: {self.low} stated by this very sentence (not evidence)"
        if not self.known:
            return f"{self.option}: not legible in source"
        where = " (stated in the report's prose, not legible in the chart)" if self.status == "stated" else ""
        return f"{self.option}: {self.low}{where}"


@dataclass(frozen=True)
class Finding:
    recomputed: str
    verdict: str
    reason: str


def claim_question(claim, data: AuditData, types: tuple[str, ...] = CLOSED_TYPES) -> Question:
    try:
        question = data.questionnaire[claim.question_id]
    except KeyError:
        raise DataError(
            f"claim {claim.claim_id}: unknown question",
            file="claims.csv",
            question=claim.question_id,
            column="question_id",
        ) from None
    if question.type not in types:
        raise DataError(
            f"claim {claim.claim_id}: check {claim.check!r} needs a {_kinds(types)} question, "
            f"but {question.id} is {question.type}",
            file="claims.csv",
            question=question.id,
            column="check",
        )
    return question


def _kinds(types: tuple[str, ...]) -> str:
    """``closed (single, multi, ranking or scale)`` or ``single or scale``: the question types a check takes."""
    listed = ", ".join(types[:-1]) + f" or {types[-1]}" if len(types) > 1 else types[0]
    return f"closed ({listed})" if tuple(types) == CLOSED_TYPES else listed.replace(", ", " or ")


def question_base(data: AuditData, question_id: str) -> int:
    rows = data.counts[data.counts["question_id"] == question_id]
    return int(rows["base"].iloc[0]) if len(rows) else data.respondents


def evidence(claim, data: AuditData, question: Question, options: list[str] | None = None) -> list[Count]:
    """The counts of ``options`` (default: all of the question's) as :class:`Count` bounds.

    A lost count ranges from 0 to the base (for a single-choice question, to what the known counts
    leave); a count ``stated`` by the claim's own sentence is treated as unknown, since it is the claim.
    """
    rows = data.counts[data.counts["question_id"] == question.id].set_index("option")
    wanted = options if options is not None else list(question.options)
    unknown = [o for o in wanted if o not in rows.index]
    if unknown:
        raise DataError(
            f"claim {claim.claim_id}: option {unknown[0]!r} is not an option of {question.id}; "
            f"expected one of: {'; '.join(question.options)}",
            file="claims.csv",
            question=question.id,
            column="options",
        )
    base = question_base(data, question.id)
    evidence = {}
    for option in question.options:
        record = rows.loc[option]
        circular = record["status"] == "stated" and quotes_claim(record["source"], claim.claim)
        if pd.isna(record["count"]) or circular:
            evidence[option] = Count(option, 0, base, str(record["status"]), str(record["source"]), circular)
        else:
            value = int(record["count"])
            evidence[option] = Count(option, value, value, str(record["status"]), str(record["source"]))
    if question.one_answer:
        known_total = sum(c.low for c in evidence.values() if c.known)
        room = max(0, base - known_total)
        evidence = {
            o: (c if c.known else Count(c.option, 0, room, c.status, c.source, c.circular))
            for o, c in evidence.items()
        }
    return [evidence[o] for o in wanted]


def combined(counts: list[Count], question: Question, data: AuditData) -> tuple[int, int, str]:
    """Bounds on the respondents who chose any of ``counts``' options, and how they were obtained."""
    base = question_base(data, question.id)
    if len(counts) == 1:
        return counts[0].low, counts[0].high, ""
    if question.one_answer:
        return sum(c.low for c in counts), min(base, sum(c.high for c in counts)), ""
    if data.responses is not None and all(c.known for c in counts):
        chosen = _export_union(data, question, [c.option for c in counts])
        return chosen, chosen, " (respondents choosing any of them, counted in the export)"
    low = max(c.low for c in counts)
    high = min(base, sum(c.high for c in counts))
    return (
        low,
        high,
        (
            " (a respondent may have chosen several of these options, so from the published counts "
            f"only bounds follow: {low} to {high})"
        ),
    )


def _export_union(data: AuditData, question: Question, options: list[str]) -> int:
    """Respondents of the export who chose any of ``options`` (a write-in counts as its Other option)."""
    from zqf_analysis.data.choices import read_cell

    column = data.responses[question.id]
    wanted = set(options)
    return int(sum(bool(wanted & set(read_cell(cell, question, data.separator).chosen)) for cell in column if cell))


def decide(low: int, high: int, holds) -> str | None:
    """'agrees' if ``holds`` for every value in [low, high], 'disagrees' if for none, else None."""
    results = {bool(holds(value)) for value in range(low, high + 1)}
    if results == {True}:
        return "agrees"
    if results == {False}:
        return "disagrees"
    return None


def lost_reason(counts: list[Count]) -> str:
    """Why some of the evidence is unknown: lost counts (with their source note) or circular ones."""
    parts = []
    lost = [c for c in counts if not c.known and not c.circular]
    circular = [c for c in counts if c.circular]
    if lost:
        sources = "; ".join(f"{c.option} ({shorten(c.source)})" if c.source else c.option for c in lost)
        parts.append(f"{len(lost)} count(s) the claim rests on are not legible in the source: {sources}")
    if circular:
        sources = "; ".join(dict.fromkeys(shorten(c.source, 260) for c in circular))
        parts.append(
            f"the only evidence for {'; '.join(c.option for c in circular)} is a count 'stated' in "
            f"counts.csv by quoting this very sentence, so checking the claim against it would be "
            f"circular; the chart's own number is not legible. Source: {sources}"
        )
    return "; ".join(parts)


def bounded(counts: list[Count], how: str, verdict: str, low: int, high: int, what: str) -> Finding:
    """A verdict reached although some counts are lost: every possible value gives the same answer."""
    every = "every" if verdict == "agrees" else "no"
    return Finding(
        f"{range_text(low, high)} of the base",
        verdict,
        f"{lost_reason(counts)}{how}; yet {every} possible count from {low} to {high} {what}.",
    )


def unknown_text(counts: list[Count]) -> str:
    return "no independent count" if any(c.circular for c in counts) else "unknown"


def by_institution_note(claim, data: AuditData) -> str:
    """A note when a claim about a closed question names a kind of institution: published counts are
    not broken down by institution, so that part of the claim cannot be checked."""
    if data.kind == "export":
        return ""
    words = {
        "universit": "universities",
        "college": "colleges",
        "ministr": "ministries",
        "compan": "companies",
        "training institut": "training institutes",
    }
    named = [label for stem, label in words.items() if stem in norm(claim.claim)]
    if not named:
        return ""
    return (
        f"; the claim speaks of {', '.join(named)}, but the published counts are not broken down by "
        "institution, so that part cannot be checked"
    )


def stated_notes(counts: list[Count]) -> str:
    stated = [c for c in counts if c.status == "stated" and c.known]
    if not stated:
        return ""
    return (
        "; note: "
        + "; ".join(f"{c.option} = {c.low}" for c in stated)
        + " is stated in the report's prose (the chart's number is lost), so this compares the report with "
        "itself"
    )


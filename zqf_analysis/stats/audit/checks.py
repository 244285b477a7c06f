"""The audit's checks of counts and shares, and the registry of every check (:data:`CHECKS`): one small
function per ``check`` kind of ``claims.csv``, each working on any dataset's tables and returning a
:class:`~zqf_analysis.stats.audit.engine.Finding`. The checks of who answered are in :mod:`.respondents`."""

from __future__ import annotations

from fractions import Fraction

from zqf_analysis.data.questionnaire import ONE_ANSWER_TYPES, Question
from zqf_analysis.errors import DataError
from zqf_analysis.stats.audit.engine import (
    APPROX_TOLERANCE_POINTS,
    FEW_SHARE,
    AuditData,
    Count,
    Finding,
    bounded,
    by_institution_note,
    claim_question,
    combined,
    decide,
    evidence,
    lost_reason,
    question_base,
    stated_notes,
    unknown_text,
)
from zqf_analysis.stats.audit.respondents import (
    check_deleted_repeat,
    check_institutions_of_type,
    check_majority_of_submissions_by_type,
    check_most_frequent_designation,
    check_multiple_submitters,
    check_open_responses,
    check_respondents,
    check_truncated,
)
from zqf_analysis.stats.audit.wording import (
    approx_target,
    claim_options,
    norm,
    range_text,
    stated_percentage,
    text_of,
    whole_number,
)
from zqf_analysis.stats.describe import percent_text, round_half_up


def check_count(claim, data: AuditData) -> Finding:
    question = claim_question(claim, data)
    counts = evidence(claim, data, question, claim_options(claim))
    low, high, how = combined(counts, question, data)
    stated_text = text_of(claim.stated_value)
    stated = whole_number(stated_text)
    lost = lost_reason(counts)
    if stated is None and "few" in norm(stated_text):
        return _few_finding(claim, counts, question, data)
    if stated is None:
        return Finding(
            range_text(low, high), "cannot_check", f"the stated value {stated_text!r} is not a count."
        )
    verdict = decide(low, high, lambda n: n == stated)
    recomputed = range_text(low, high) if low == high else unknown_text(counts)
    if verdict is None:
        return Finding(recomputed, "cannot_check", (lost or f"count {range_text(low, high)}") + how + ".")
    return Finding(
        recomputed,
        verdict,
        "; ".join(c.describe() for c in counts)
        + how
        + f"; the report states {stated}"
        + stated_notes(counts)
        + ".",
    )


def check_share(claim, data: AuditData) -> Finding:
    question = claim_question(claim, data)
    counts = evidence(claim, data, question, claim_options(claim))
    base = question_base(data, question.id)
    low, high, how = combined(counts, question, data)
    parsed = stated_percentage(text_of(claim.stated_value))
    if parsed is None:
        return Finding("", "cannot_check", f"the stated value {claim.stated_value!r} is not a percentage.")
    value, decimals = parsed

    def printed(n: int, of: int) -> Fraction:
        return Fraction(round_half_up(Fraction(100 * n, of), decimals))

    verdict = decide(low, high, lambda n: printed(n, base) == value)
    if verdict is None:
        return Finding(unknown_text(counts), "cannot_check", lost_reason(counts) + how + ".")
    if low != high:
        return bounded(
            counts,
            how,
            verdict,
            low,
            high,
            f"of {base} prints as {claim.stated_value} (to {decimals} decimal(s))",
        )
    described = (
        " + ".join(str(c.low) for c in counts) if len(counts) > 1 and question.one_answer else ""
    )
    recomputed = f"{percent_text(low, base)} ({low} of {base})"
    reason = (
        f"{'; '.join(c.describe() for c in counts)}{how}; "
        f"{described + ' = ' if described else ''}{low} of {base} respondents = {percent_text(low, base)}, "
        f"printed to {decimals} decimal(s) {percent_text(low, base, decimals)} against the stated "
        f"{claim.stated_value}"
    )
    if verdict == "disagrees" and question.one_answer:
        every = evidence(claim, data, question)
        answers = sum(c.low for c in every)
        if all(c.known for c in every) and answers != base and printed(low, answers) == value:
            return Finding(
                f"{percent_text(low, answers)} of {answers} answers; {percent_text(low, base)} of {base} "
                "respondents",
                "agrees",
                reason + f"; but {low} of the {answers} answers the chart counts is "
                f"{percent_text(low, answers)}, which prints as stated: the percentage is a share of "
                f"{answers} answers, not of the {base} respondents (see the question's total check).",
            )
    if question.one_answer and len(counts) == 1:
        every = evidence(claim, data, question)
        answers = sum(c.low for c in every)
        if all(c.known for c in every) and answers != base:
            reason += (
                f"; of the {answers} answers the chart counts it is {percent_text(low, answers)}, "
                f"printed {percent_text(low, answers, decimals)}"
            )
    return Finding(recomputed, verdict, reason + stated_notes(counts) + ".")


def check_approx_share(claim, data: AuditData) -> Finding:
    question = claim_question(claim, data)
    counts = evidence(claim, data, question, claim_options(claim))
    base = question_base(data, question.id)
    low, high, how = combined(counts, question, data)
    target = approx_target(text_of(claim.stated_value))
    if target is None:
        return Finding("", "cannot_check", f"cannot read {claim.stated_value!r} as an approximate share.")
    tolerance = Fraction(APPROX_TOLERANCE_POINTS, 100)
    verdict = decide(low, high, lambda n: abs(Fraction(n, base) - target) <= tolerance)
    rule = (
        f"'{claim.stated_value}' is read as {float(100 * target):.0f}% give or take "
        f"{APPROX_TOLERANCE_POINTS} percentage points"
    )
    if verdict is None:
        return Finding(unknown_text(counts), "cannot_check", lost_reason(counts) + how + f"; {rule}.")
    if low != high:
        return bounded(counts, how, verdict, low, high, f"of {base} is within the tolerance ({rule})")
    return Finding(
        f"{percent_text(low, base)} ({low} of {base})",
        verdict,
        f"{'; '.join(c.describe() for c in counts)}{how}; {low} of {base} = {percent_text(low, base)}; "
        f"{rule}" + stated_notes(counts) + ".",
    )


def check_majority(claim, data: AuditData) -> Finding:
    question = claim_question(claim, data)
    counts = evidence(claim, data, question, claim_options(claim))
    base = question_base(data, question.id)
    low, high, how = combined(counts, question, data)
    verdict = decide(low, high, lambda n: 2 * n > base)
    if verdict is None:
        return Finding(unknown_text(counts), "cannot_check", lost_reason(counts) + how + ".")
    if low != high:
        return bounded(counts, how, verdict, low, high, f"is more than half of {base}")
    return Finding(
        f"{low} of {base} ({percent_text(low, base)})",
        verdict,
        f"{'; '.join(c.describe() for c in counts)}{how}; a majority needs more than half of the {base} "
        "respondents" + stated_notes(counts) + ".",
    )


def check_unanimous(claim, data: AuditData) -> Finding:
    question = claim_question(claim, data)
    counts = evidence(claim, data, question, claim_options(claim))
    base = question_base(data, question.id)
    low, high, how = combined(counts, question, data)
    verdict = decide(low, high, lambda n: n == base)
    if verdict is None:
        return Finding(
            unknown_text(counts),
            "cannot_check",
            lost_reason(counts) + how + f"; unanimity needs all {base} respondents.",
        )
    if low != high:
        return bounded(counts, how, verdict, low, high, f"is all {base} respondents")
    reason = f"{'; '.join(c.describe() for c in counts)}{how}; unanimity needs all {base} respondents"
    if verdict == "disagrees" and low == high:
        others = [
            c
            for c in evidence(claim, data, question)
            if c.option not in {x.option for x in counts} and c.known and c.low > 0
        ]
        reason += f": {base - low} did not choose {'these options' if len(counts) > 1 else 'it'}"
        if others and question.one_answer:
            reason += " (" + "; ".join(f"{c.option} {c.low}" for c in others) + ")"
    return Finding(
        f"{low} of {base} ({percent_text(low, base)})", verdict, reason + stated_notes(counts) + "."
    )


def check_top(claim, data: AuditData) -> Finding:
    """The claimed options must each have more choices than every other option of the question.

    Decided from bounds: agreed when the claimed options' smallest possible counts beat the others'
    largest, disagreed as soon as a known count beats (or ties) a claimed one whatever the lost
    counts are.
    """
    question = claim_question(claim, data)
    claimed_options = claim_options(claim)
    claimed = evidence(claim, data, question, claimed_options)
    others = [c for c in evidence(claim, data, question) if c.option not in set(claimed_options)]
    beaten = [
        (c, o) for c in claimed for o in others if o.low > c.high or (o.known and c.known and o.low == c.low)
    ]
    legible_ranking = "; ".join(
        f"{c.option} {c.low}"
        for c in sorted([c for c in claimed + others if c.known], key=lambda c: -c.low)[:6]
    )
    recomputed = "; ".join(c.describe() for c in claimed)
    if beaten:
        lines = "; ".join(
            f"{o.option} ({o.low}) {'ties with' if o.low == c.high else 'beats'} {c.option} "
            f"({range_text(c.low, c.high) if not c.known else c.low})"
            for c, o in beaten[:4]
        )
        return Finding(
            recomputed,
            "disagrees",
            f"already from the known counts: {lines}"
            + ("" if all(c.known for c in claimed) else f"; {lost_reason(claimed)}")
            + stated_notes(claimed + others)
            + ".",
        )
    if not others or min(c.low for c in claimed) > max(o.high for o in others):
        runner = max(others, key=lambda o: o.high) if others else None
        return Finding(
            recomputed,
            "agrees",
            f"the claimed option(s) ({'; '.join(c.describe() for c in claimed)}) each exceed every other "
            f"option"
            + (f" (largest other: {runner.option} {runner.high})" if runner else "")
            + stated_notes(claimed + others)
            + ".",
        )
    unknown_others = [o for o in others if not o.known]
    reason = []
    if not all(c.known for c in claimed):
        reason.append(lost_reason(claimed))
    if unknown_others:
        reason.append(
            f"{len(unknown_others)} other option(s) lost their counts and could rank higher: "
            + "; ".join(o.option for o in unknown_others)
        )
    reason.append(f"largest legible counts: {legible_ranking or 'none'}")
    return Finding(recomputed, "cannot_check", "; ".join(reason) + ".")


def check_greater(claim, data: AuditData) -> Finding:
    question = claim_question(claim, data)
    options = claim_options(claim)
    if len(options) != 2:
        raise DataError(
            f"claim {claim.claim_id}: a 'greater' check needs exactly two options, larger first",
            file="claims.csv",
            column="options",
        )
    first, second = evidence(claim, data, question, options)
    if first.low > second.high:
        verdict = "agrees"
    elif first.high <= second.low:
        verdict = "disagrees"
    else:
        return Finding("unknown", "cannot_check", lost_reason([first, second]) + ".")
    return Finding(
        f"{first.low} vs {second.low}",
        verdict,
        f"{first.describe()}; {second.describe()}" + stated_notes([first, second]) + ".",
    )


def check_zero(claim, data: AuditData) -> Finding:
    question = claim_question(claim, data)
    counts = evidence(claim, data, question, claim_options(claim))
    nonzero = [c for c in counts if c.low > 0]
    if nonzero:
        return Finding(
            "; ".join(c.describe() for c in counts),
            "disagrees",
            "chosen by some: " + "; ".join(c.describe() for c in nonzero) + ".",
        )
    if all(c.known for c in counts):
        return Finding(
            "all 0", "agrees", "; ".join(c.describe() for c in counts) + stated_notes(counts) + "."
        )
    return Finding(unknown_text(counts), "cannot_check", lost_reason(counts) + ".")


def _few_limit(base: int) -> int:
    return int(FEW_SHARE * base)


def _few_finding(claim, counts: list[Count], question: Question, data: AuditData) -> Finding:
    base = question_base(data, question.id)
    limit = _few_limit(base)
    verdicts = [decide(c.low, c.high, lambda n: 1 <= n <= limit) for c in counts]
    rule = f"'few' is read as at least 1 and at most a quarter of the {base} respondents (1 to {limit})"
    if "disagrees" in verdicts:
        wrong = [c for c, v in zip(counts, verdicts, strict=True) if v == "disagrees"]
        return Finding(
            "; ".join(c.describe() for c in counts),
            "disagrees",
            "; ".join(c.describe() for c in wrong) + f"; {rule}.",
        )
    if all(v == "agrees" for v in verdicts):
        return Finding(
            "; ".join(c.describe() for c in counts),
            "agrees",
            "; ".join(c.describe() for c in counts)
            + f"; {rule}"
            + stated_notes(counts)
            + by_institution_note(claim, data)
            + ".",
        )
    return Finding(unknown_text(counts), "cannot_check", lost_reason(counts) + f"; {rule}.")


def check_few(claim, data: AuditData) -> Finding:
    question = claim_question(claim, data)
    return _few_finding(claim, evidence(claim, data, question, claim_options(claim)), question, data)


def check_single_total(claim, data: AuditData) -> Finding:
    question = claim_question(claim, data, types=ONE_ANSWER_TYPES)
    counts = evidence(claim, data, question)
    base = question_base(data, question.id)
    known = [c for c in counts if c.known]
    total = sum(c.low for c in known)
    listing = " + ".join(f"{c.option} {c.low}" for c in known)
    if len(known) < len(counts):
        if total > base:
            return Finding(
                f"at least {total} answers from {base} respondents",
                "disagrees",
                f"the legible counts alone ({listing}) exceed the {base} respondents of a single-choice "
                "question.",
            )
        return Finding(f"at least {total} answers", "cannot_check", lost_reason(counts) + ".")
    recomputed = f"{total} answers from {base} respondents"
    if total == base:
        return Finding(
            recomputed,
            "agrees",
            f"{listing} = {total}: one answer per respondent, as a single-choice question should have.",
        )
    shares_answers = " / ".join(percent_text(c.low, total, 0) for c in counts)
    shares_base = " / ".join(percent_text(c.low, base, 1) for c in counts)
    return Finding(
        recomputed,
        "disagrees",
        f"{listing} = {total} answers from {base} respondents, but a single-choice question allows one "
        f"answer each: a count is wrong or someone answered twice. Shares of the {total} answers print "
        f"as {shares_answers} (what the pie shows); shares of the {base} respondents would be "
        f"{shares_base}.",
    )


CHECKS = {
    "respondents": check_respondents,
    "institutions_of_type": check_institutions_of_type,
    "majority_of_submissions_by_type": check_majority_of_submissions_by_type,
    "multiple_submitters": check_multiple_submitters,
    "open_responses": check_open_responses,
    "deleted_repeat": check_deleted_repeat,
    "count": check_count,
    "share": check_share,
    "approx_share": check_approx_share,
    "majority": check_majority,
    "unanimous": check_unanimous,
    "top": check_top,
    "greater": check_greater,
    "zero": check_zero,
    "few": check_few,
    "single_total": check_single_total,
    "most_frequent_designation": check_most_frequent_designation,
    "truncated": check_truncated,
}


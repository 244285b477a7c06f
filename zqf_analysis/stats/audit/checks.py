"""The audit's checks: one small function per ``check`` kind of ``claims.csv``, each working on any
dataset's tables and returning a :class:`~zqf_analysis.stats.audit.engine.Finding`."""

from __future__ import annotations

import re
from fractions import Fraction

import pandas as pd

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
from zqf_analysis.stats.audit.wording import (
    DESIGNATIONS,
    approx_target,
    claim_options,
    designation_pattern,
    norm,
    range_text,
    shorten,
    stated_percentage,
    text_of,
    whole_number,
)
from zqf_analysis.stats.describe import percent_text, round_half_up


def check_respondents(claim, data: AuditData) -> Finding:
    stated = whole_number(text_of(claim.stated_value))
    submissions = int(data.institutions["submissions"].sum()) if len(data.institutions) else data.respondents
    recomputed = f"{data.respondents} respondents"
    where = (
        f"{len(data.institutions)} institutions listed with {submissions} submissions in total"
        if len(data.institutions)
        else "no institution list"
    )
    if stated is None:
        return Finding(recomputed, "cannot_check", f"the stated value {claim.stated_value!r} is not a number")
    verdict = "agrees" if stated == data.respondents == submissions else "disagrees"
    return Finding(
        recomputed,
        verdict,
        f"{where}; the data hold {data.respondents} submissions, the report states {stated}.",
    )


def _types_of(claim, data: AuditData) -> list[str]:
    types = claim_options(claim)
    from zqf_analysis.data.validate import INSTITUTION_TYPES

    unknown = [t for t in types if t not in INSTITUTION_TYPES]
    if not types or unknown:
        raise DataError(
            f"claim {claim.claim_id}: options must name institution types ({', '.join(INSTITUTION_TYPES)})"
            f", got {text_of(claim.options)!r}",
            file="claims.csv",
            column="options",
        )
    return types


def check_institutions_of_type(claim, data: AuditData) -> Finding:
    types = _types_of(claim, data)
    stated = whole_number(text_of(claim.stated_value))
    institutions = data.institutions
    chosen = institutions[institutions["institution_type"].isin(types)]
    names = chosen["canonical_name"].drop_duplicates().tolist()
    recomputed = f"{len(names)} institutions typed {' or '.join(types)}"
    reason = (
        f"institution_map.csv types {len(names)} institutions as {' or '.join(types)}: {'; '.join(names)}"
    )
    unmapped = institutions[institutions["institution_type"] == "unmapped"]
    if len(unmapped):
        reason += (
            f"; {len(unmapped)} institution(s) have no type in the map ({'; '.join(unmapped['institution'])})"
        )
    borderline = _borderline(data, types, set(chosen["institution"]))
    if borderline:
        reason += f"; the map's notes suggest a reviewer might also count: {'; '.join(borderline)}"
    if stated is None:
        return Finding(
            recomputed, "cannot_check", reason + f"; the stated value {claim.stated_value!r} is not a number."
        )
    if len(unmapped):
        low, high = len(names), len(names) + len(unmapped)
        verdict = decide(low, high, lambda n: n == stated)
        if verdict is None:
            return Finding(
                recomputed, "cannot_check", reason + "; the unmapped institutions could change the count."
            )
    else:
        verdict = "agrees" if len(names) == stated else "disagrees"
    return Finding(recomputed, verdict, reason + f"; the report states {stated}.")


def _borderline(data: AuditData, types: list[str], already: set[str]) -> list[str]:
    if data.institution_map is None or "note" not in data.institution_map.columns:
        return []
    found = []
    for record in data.institution_map.itertuples(index=False):
        note = text_of(record.note)
        if record.institution in already or not note:
            continue
        if any(re.search(rf"\b{re.escape(t.replace('_', ' '))}", note, flags=re.I) for t in types):
            found.append(
                f"{record.canonical_name} (typed {record.institution_type}; note: {shorten(note, 220)})"
            )
    return found


def check_majority_of_submissions_by_type(claim, data: AuditData) -> Finding:
    types = _types_of(claim, data)
    institutions = data.institutions
    total = int(institutions["submissions"].sum())
    chosen = institutions[institutions["institution_type"].isin(types)]
    submissions = int(chosen["submissions"].sum())
    by_type = chosen.groupby("institution_type")["submissions"].sum()
    detail = " + ".join(f"{t} {int(by_type.get(t, 0))}" for t in types)
    recomputed = f"{submissions} of {total} submissions ({percent_text(submissions, total)})"
    verdict = "agrees" if 2 * submissions > total else "disagrees"
    return Finding(
        recomputed,
        verdict,
        f"submissions from institutions typed {' or '.join(types)}: {detail} = {submissions} of {total} "
        f"({len(chosen)} of {len(institutions)} institutions); a majority needs more than half.",
    )


def check_multiple_submitters(claim, data: AuditData) -> Finding:
    stated = whole_number(text_of(claim.stated_value))
    by_name = data.institutions.groupby("canonical_name", sort=False).agg(
        submissions=("submissions", "sum"), printed=("institution", lambda s: "; ".join(s))
    )
    multiple = by_name[by_name["submissions"] > 1]
    listed = [f"{name} ({int(row.submissions)})" for name, row in multiple.iterrows()]
    recomputed = f"{len(multiple)} institutions: {'; '.join(listed)}" if listed else "0 institutions"
    named = claim_options(claim)
    haystack = [norm(f"{name} {row.printed}") for name, row in multiple.iterrows()]
    unmatched = [n for n in named if not any(norm(n) in h for h in haystack)]
    reason = f"institutions with more than one submission in the Q1 list: {'; '.join(listed) or 'none'}"
    if unmatched:
        reason += f"; named in the claim but not among them: {'; '.join(unmatched)}"
    verdict = "agrees" if stated == len(multiple) and not unmatched else "disagrees"
    return Finding(recomputed, verdict, reason + ".")


def _open_question(claim, data: AuditData) -> tuple[Question, pd.DataFrame]:
    question = claim_question(claim, data, types=("open",))
    answers = data.open_responses[data.open_responses["question_id"] == question.id]
    return question, answers


def check_open_responses(claim, data: AuditData) -> Finding:
    question, answers = _open_question(claim, data)
    stated = whole_number(text_of(claim.stated_value))
    total = len(answers)
    repeats = answers[answers["duplicate_of"].astype(str) != ""]
    empty = answers[~answers["substantive"].astype(bool)]
    notes = [f"{total} answers to {question.id} in the data"]
    if len(empty):
        notes.append(
            f"{len(empty)} {'says' if len(empty) == 1 else 'say'} nothing ({'; '.join(empty['text'])})"
        )
    if len(repeats):
        verbatim = dict(zip(answers["response_id"], answers["text"], strict=True))
        pairs = "; ".join(
            f"{r} repeats {d} "
            + ("word for word" if verbatim.get(r) == verbatim.get(d) else "apart from capitals or spacing")
            for r, d in zip(repeats["response_id"], repeats["duplicate_of"], strict=True)
        )
        notes.append(
            f"{len(repeats)} {'repeats' if len(repeats) == 1 else 'repeat'} an earlier answer ({pairs})"
        )
    if stated is None:
        return Finding(f"{total} answers", "cannot_check", "; ".join(notes) + ".")
    verdict = "agrees" if stated == total else "disagrees"
    return Finding(f"{total} answers", verdict, "; ".join(notes) + f"; the report states {stated}.")


def check_deleted_repeat(claim, data: AuditData) -> Finding:
    question, answers = _open_question(claim, data)
    if data.kind != "export":
        return Finding(
            "not in the data",
            "cannot_check",
            f"the report says it deleted repeated {question.id} answers; a deleted answer is not in the "
            "published source, so nothing in the data can confirm or refute it.",
        )
    stated = whole_number(text_of(claim.stated_value))
    repeats = int(answers["text"].duplicated().sum())
    verdict = "agrees" if stated == repeats else "disagrees"
    return Finding(
        f"{repeats} repeated answers",
        verdict,
        f"the export holds {repeats} {question.id} answer(s) identical to an earlier one; the report "
        f"states {claim.stated_value}.",
    )


def check_most_frequent_designation(claim, data: AuditData) -> Finding:
    """The claimed designation against how many substantive free-text answers mention each designation.

    Mentions are counted as written (case and plural normalised only): an OCR or respondent typo such as
    "Sort focused" is not silently read as "short".
    """
    question, answers = _open_question(claim, data)
    claimed = norm(claim_options(claim)[0] if claim_options(claim) else text_of(claim.stated_value))
    substantive = answers[answers["substantive"].astype(bool)]
    vocabulary = list(dict.fromkeys([claimed, *DESIGNATIONS]))
    mentions = {}
    for designation in vocabulary:
        pattern = designation_pattern(designation)
        mentions[designation] = [
            r
            for r, t in zip(substantive["response_id"], substantive["clean_text"], strict=True)
            if pattern.search(str(t))
        ]
    ranked = sorted(
        ((len(v), d) for d, v in mentions.items() if v), key=lambda x: (-x[0], vocabulary.index(x[1]))
    )
    claimed_n = len(mentions[claimed])
    others = [(n, d) for n, d in ranked if d != claimed]
    recomputed = f"{claimed}: {claimed_n} of {len(substantive)} substantive answers"
    listing = "; ".join(f"{d} {n}" for n, d in others) or "no other designation"
    reason = (
        f"of {len(substantive)} substantive {question.id} answers, {claimed_n} mention '{claimed}' "
        f"(answers {', '.join(mentions[claimed]) or 'none'}); other designations: {listing}. Mentions are "
        "counted as written, case and plural normalised only"
    )
    typo = [
        r
        for r, t in zip(substantive["response_id"], substantive["clean_text"], strict=True)
        if re.search(r"\bsort\b", str(t), flags=re.I)
    ]
    if typo and claimed.startswith("short"):
        reason += f" (answer {', '.join(typo)} writes 'Sort', counted as written, not as 'short')"
    reason += _closed_counterpart(claimed, question.id, data)
    if claimed_n == 0 or (others and others[0][0] >= claimed_n):
        tie = " (tied)" if others and others[0][0] == claimed_n else ""
        return Finding(recomputed, "disagrees", reason + f"; '{claimed}' is not the most frequent{tie}.")
    return Finding(recomputed, "agrees", reason + ".")


def _closed_counterpart(designation: str, open_id: str, data: AuditData) -> str:
    """What a closed question listing the same designation as an option says, with its caveats."""
    pattern = designation_pattern(designation)
    for question in data.questionnaire.closed:
        matches = [o for o in question.options if pattern.search(o)]
        if not matches:
            continue
        rows = data.counts[data.counts["question_id"] == question.id].dropna(subset=["count"])
        if rows.empty:
            continue
        top = rows.sort_values("count", ascending=False, kind="stable").iloc[0]
        own = rows[rows["option"].isin(matches)]
        own_text = "; ".join(f"{o} {int(c)}" for o, c in zip(own["option"], own["count"], strict=True))
        own_text = own_text or "not legible"
        text = (
            f". The closed question {question.id} lists it as an option: {own_text}, against the largest "
            f"legible count {top['option']} {int(top['count'])}"
        )
        for caveat in data.caveats.get(question.id, []):
            text += f"; caveat from the dataset README: {shorten(caveat, 400).rstrip('.')}"
        return text
    return ""


def check_truncated(claim, data: AuditData) -> Finding:
    reason = "the report's sentence is cut off, so it makes no complete statement to check"
    options = claim_options(claim)
    if (
        options
        and claim.question_id in data.questionnaire
        and data.questionnaire[claim.question_id].is_closed
    ):
        question = claim_question(claim, data)
        counts = evidence(claim, data, question, options)
        reason += "; for reference, the data show " + "; ".join(c.describe() for c in counts)
    return Finding("", "cannot_check", reason + ".")


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


"""The audit's checks of who answered: respondents, institutions of a type, submissions per institution,
open answers, deleted repeats, the most frequent designation and truncated figures. Each is one small
function per ``check`` kind of ``claims.csv`` (registered in :mod:`.checks`), working on any dataset's
tables and returning a :class:`~zqf_analysis.stats.audit.engine.Finding`."""

from __future__ import annotations

import re

import pandas as pd

from zqf_analysis.data.questionnaire import Question
from zqf_analysis.errors import DataError
from zqf_analysis.stats.audit.engine import (
    AuditData,
    Finding,
    claim_question,
    decide,
    evidence,
)
from zqf_analysis.stats.audit.wording import (
    DESIGNATIONS,
    claim_options,
    designation_pattern,
    norm,
    shorten,
    text_of,
    whole_number,
)
from zqf_analysis.stats.describe import percent_text


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

"""The audit: every figure the report states (``claims.csv``) recomputed from the data, with a verdict.

Each claim names a ``check`` kind; each kind is a small function that works on any dataset's tables.
A count the source lost is unknown (anywhere from 0 to the base), so a claim is decided only when every
possible value of the lost counts gives the same verdict; otherwise it is ``cannot_check`` and says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from zqf_analysis.stats.describe import percent_text, round_half_up
from zqf_analysis.errors import DataError
from zqf_analysis.data.load import Dataset
from zqf_analysis.data.questionnaire import Question, Questionnaire

AUDIT_COLUMNS = ["claim_id", "location", "claim", "stated", "recomputed", "verdict", "reason"]
VERDICTS = ("agrees", "disagrees", "cannot_check")
#: How far (in percentage points) an "approximately" share may be from its stated value.
APPROX_TOLERANCE_POINTS = 10
#: "Few" means at least one and at most this share of the base.
FEW_SHARE = Fraction(1, 4)
#: Designations looked for in free-text definitions (singular; plural and case are normalised).
DESIGNATIONS = (
    "short course",
    "skills award",
    "digital badge",
    "certificate",
    "module",
    "unit of competence",
    "part qualification",
    "skills training",
    "competence bloc",
)
_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_FRACTION_WORDS = {
    "half": Fraction(1, 2),
    "a third": Fraction(1, 3),
    "one third": Fraction(1, 3),
    "two thirds": Fraction(2, 3),
    "a quarter": Fraction(1, 4),
    "one quarter": Fraction(1, 4),
    "three quarters": Fraction(3, 4),
}
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


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


# ------------------------------------------------------------------------------------------ entry


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
        separator=str(dataset.questionnaire.export.get("separator", ";")),
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
                _text(claim.stated_value),
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


# --------------------------------------------------------------------------------------- evidence


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _options(claim) -> list[str]:
    return [o.strip() for o in _text(claim.options).split("|") if o.strip()]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).translate(_QUOTES)).strip().casefold().strip(" .;:,")


def quotes_claim(source: str, claim: str) -> bool:
    """True when a count's ``source`` quotes the claim's own sentence, so using it to check the claim
    would be circular.

    >>> quotes_claim('Box 3: "only 3 responses confirm that discussions had started." (chart lost)',
    ...              "Not yet discussed: only 3 responses confirm that discussions had started.")
    True
    """
    source_n, claim_n = _norm(source), _norm(claim)
    if len(claim_n) >= 20 and claim_n in source_n:
        return True
    for quoted in re.findall(r'"([^"]{20,})"', str(source).translate(_QUOTES)):
        quoted_n = _norm(quoted)
        if quoted_n in claim_n or claim_n in quoted_n:
            return True
    return False


def _question(claim, data: AuditData, types: tuple[str, ...] = ("single", "multi")) -> Question:
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
            f"claim {claim.claim_id}: check {claim.check!r} needs a {' or '.join(types)} question, "
            f"but {question.id} is {question.type}",
            file="claims.csv",
            question=question.id,
            column="check",
        )
    return question


def _base(data: AuditData, question_id: str) -> int:
    rows = data.counts[data.counts["question_id"] == question_id]
    return int(rows["base"].iloc[0]) if len(rows) else data.respondents


def _evidence(claim, data: AuditData, question: Question, options: list[str] | None = None) -> list[Count]:
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
    base = _base(data, question.id)
    evidence = {}
    for option in question.options:
        record = rows.loc[option]
        circular = record["status"] == "stated" and quotes_claim(record["source"], claim.claim)
        if pd.isna(record["count"]) or circular:
            evidence[option] = Count(option, 0, base, str(record["status"]), str(record["source"]), circular)
        else:
            value = int(record["count"])
            evidence[option] = Count(option, value, value, str(record["status"]), str(record["source"]))
    if question.type == "single":
        known_total = sum(c.low for c in evidence.values() if c.known)
        room = max(0, base - known_total)
        evidence = {
            o: (c if c.known else Count(c.option, 0, room, c.status, c.source, c.circular))
            for o, c in evidence.items()
        }
    return [evidence[o] for o in wanted]


def _combined(counts: list[Count], question: Question, data: AuditData) -> tuple[int, int, str]:
    """Bounds on the respondents who chose any of ``counts``' options, and how they were obtained."""
    base = _base(data, question.id)
    if len(counts) == 1:
        return counts[0].low, counts[0].high, ""
    if question.type == "single":
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
    from zqf_analysis.data.load import split_choices

    column = data.responses[question.id]
    wanted = set(options)
    return int(
        sum(
            bool(wanted & set(split_choices(cell, question.options, data.separator)))
            for cell in column
            if cell
        )
    )


def _decide(low: int, high: int, holds) -> str | None:
    """'agrees' if ``holds`` for every value in [low, high], 'disagrees' if for none, else None."""
    results = {bool(holds(value)) for value in range(low, high + 1)}
    if results == {True}:
        return "agrees"
    if results == {False}:
        return "disagrees"
    return None


def _range_text(low: int, high: int) -> str:
    return str(low) if low == high else f"between {low} and {high}"


def _lost_reason(counts: list[Count]) -> str:
    """Why some of the evidence is unknown: lost counts (with their source note) or circular ones."""
    parts = []
    lost = [c for c in counts if not c.known and not c.circular]
    circular = [c for c in counts if c.circular]
    if lost:
        sources = "; ".join(f"{c.option} ({_shorten(c.source)})" if c.source else c.option for c in lost)
        parts.append(f"{len(lost)} count(s) the claim rests on are not legible in the source: {sources}")
    if circular:
        sources = "; ".join(dict.fromkeys(_shorten(c.source, 260) for c in circular))
        parts.append(
            f"the only evidence for {'; '.join(c.option for c in circular)} is a count 'stated' in "
            f"counts.csv by quoting this very sentence, so checking the claim against it would be "
            f"circular; the chart's own number is not legible. Source: {sources}"
        )
    return "; ".join(parts)


def _bounded(counts: list[Count], how: str, verdict: str, low: int, high: int, what: str) -> Finding:
    """A verdict reached although some counts are lost: every possible value gives the same answer."""
    every = "every" if verdict == "agrees" else "no"
    return Finding(
        f"{_range_text(low, high)} of the base",
        verdict,
        f"{_lost_reason(counts)}{how}; yet {every} possible count from {low} to {high} {what}.",
    )


def _unknown(counts: list[Count]) -> str:
    return "no independent count" if any(c.circular for c in counts) else "unknown"


def _shorten(text: str, width: int = 170) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _number(stated: str) -> int | None:
    """A whole number from a stated value: digits or a number word ('six')."""
    text = _norm(stated)
    match = re.fullmatch(r"(\d+)", text)
    if match:
        return int(match.group(1))
    return _WORD_NUMBERS.get(text)


def _percentage(stated: str) -> tuple[Fraction, int] | None:
    """A printed percentage and its decimals: '63%' -> (63, 0); '12.5 %' -> (12.5, 1)."""
    match = re.search(r"(\d+(?:\.(\d+))?)\s*%", str(stated))
    if not match:
        return None
    return Fraction(match.group(1)), len(match.group(2) or "")


def _by_institution_note(claim, data: AuditData) -> str:
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
    named = [label for stem, label in words.items() if stem in _norm(claim.claim)]
    if not named:
        return ""
    return (
        f"; the claim speaks of {', '.join(named)}, but the published counts are not broken down by "
        "institution, so that part cannot be checked"
    )


def _stated_notes(counts: list[Count]) -> str:
    stated = [c for c in counts if c.status == "stated" and c.known]
    if not stated:
        return ""
    return (
        "; note: "
        + "; ".join(f"{c.option} = {c.low}" for c in stated)
        + " is stated in the report's prose (the chart's number is lost), so this compares the report with "
        "itself"
    )


# -------------------------------------------------------------------------------- respondents, Q1


def check_respondents(claim, data: AuditData) -> Finding:
    stated = _number(_text(claim.stated_value))
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
    types = _options(claim)
    from zqf_analysis.data.validate import INSTITUTION_TYPES

    unknown = [t for t in types if t not in INSTITUTION_TYPES]
    if not types or unknown:
        raise DataError(
            f"claim {claim.claim_id}: options must name institution types ({', '.join(INSTITUTION_TYPES)})"
            f", got {_text(claim.options)!r}",
            file="claims.csv",
            column="options",
        )
    return types


def check_institutions_of_type(claim, data: AuditData) -> Finding:
    types = _types_of(claim, data)
    stated = _number(_text(claim.stated_value))
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
        verdict = _decide(low, high, lambda n: n == stated)
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
        note = _text(record.note)
        if record.institution in already or not note:
            continue
        if any(re.search(rf"\b{re.escape(t.replace('_', ' '))}", note, flags=re.I) for t in types):
            found.append(
                f"{record.canonical_name} (typed {record.institution_type}; note: {_shorten(note, 220)})"
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
    stated = _number(_text(claim.stated_value))
    by_name = data.institutions.groupby("canonical_name", sort=False).agg(
        submissions=("submissions", "sum"), printed=("institution", lambda s: "; ".join(s))
    )
    multiple = by_name[by_name["submissions"] > 1]
    listed = [f"{name} ({int(row.submissions)})" for name, row in multiple.iterrows()]
    recomputed = f"{len(multiple)} institutions: {'; '.join(listed)}" if listed else "0 institutions"
    named = _options(claim)
    haystack = [_norm(f"{name} {row.printed}") for name, row in multiple.iterrows()]
    unmatched = [n for n in named if not any(_norm(n) in h for h in haystack)]
    reason = f"institutions with more than one submission in the Q1 list: {'; '.join(listed) or 'none'}"
    if unmatched:
        reason += f"; named in the claim but not among them: {'; '.join(unmatched)}"
    verdict = "agrees" if stated == len(multiple) and not unmatched else "disagrees"
    return Finding(recomputed, verdict, reason + ".")


# ----------------------------------------------------------------------------------- open answers


def _open_question(claim, data: AuditData) -> tuple[Question, pd.DataFrame]:
    question = _question(claim, data, types=("open",))
    answers = data.open_responses[data.open_responses["question_id"] == question.id]
    return question, answers


def check_open_responses(claim, data: AuditData) -> Finding:
    question, answers = _open_question(claim, data)
    stated = _number(_text(claim.stated_value))
    total = len(answers)
    repeats = answers[answers["duplicate_of"].astype(str) != ""]
    empty = answers[~answers["substantive"].astype(bool)]
    notes = [f"{total} answers to {question.id} in the data"]
    if len(empty):
        notes.append(
            f"{len(empty)} {'says' if len(empty) == 1 else 'say'} nothing ({'; '.join(empty['text'])})"
        )
    if len(repeats):
        text_of = dict(zip(answers["response_id"], answers["text"], strict=True))
        pairs = "; ".join(
            f"{r} repeats {d} "
            + ("word for word" if text_of.get(r) == text_of.get(d) else "apart from capitals or spacing")
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
    stated = _number(_text(claim.stated_value))
    repeats = int(answers["text"].duplicated().sum())
    verdict = "agrees" if stated == repeats else "disagrees"
    return Finding(
        f"{repeats} repeated answers",
        verdict,
        f"the export holds {repeats} {question.id} answer(s) identical to an earlier one; the report "
        f"states {claim.stated_value}.",
    )


def _designation_pattern(designation: str) -> re.Pattern:
    words = _norm(designation).replace("-", " ").split()
    separator = r"[\s-]+"
    pattern = separator.join([re.escape(w) for w in words[:-1]] + [re.escape(words[-1]) + r"(?:e?s)?"])
    return re.compile(r"\b" + pattern + r"\b", flags=re.I)


def check_most_frequent_designation(claim, data: AuditData) -> Finding:
    """The claimed designation against how many substantive free-text answers mention each designation.

    Mentions are counted as written (case and plural normalised only): an OCR or respondent typo such as
    "Sort focused" is not silently read as "short".
    """
    question, answers = _open_question(claim, data)
    claimed = _norm(_options(claim)[0] if _options(claim) else _text(claim.stated_value))
    substantive = answers[answers["substantive"].astype(bool)]
    vocabulary = list(dict.fromkeys([claimed, *DESIGNATIONS]))
    mentions = {}
    for designation in vocabulary:
        pattern = _designation_pattern(designation)
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
    pattern = _designation_pattern(designation)
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
            text += f"; caveat from the dataset README: {_shorten(caveat, 400).rstrip('.')}"
        return text
    return ""


def check_truncated(claim, data: AuditData) -> Finding:
    reason = "the report's sentence is cut off, so it makes no complete statement to check"
    options = _options(claim)
    if (
        options
        and claim.question_id in data.questionnaire
        and data.questionnaire[claim.question_id].is_closed
    ):
        question = _question(claim, data)
        counts = _evidence(claim, data, question, options)
        reason += "; for reference, the data show " + "; ".join(c.describe() for c in counts)
    return Finding("", "cannot_check", reason + ".")


# ---------------------------------------------------------------------------------- closed counts


def check_count(claim, data: AuditData) -> Finding:
    question = _question(claim, data)
    counts = _evidence(claim, data, question, _options(claim))
    low, high, how = _combined(counts, question, data)
    stated_text = _text(claim.stated_value)
    stated = _number(stated_text)
    lost = _lost_reason(counts)
    if stated is None and "few" in _norm(stated_text):
        return _few_finding(claim, counts, question, data)
    if stated is None:
        return Finding(
            _range_text(low, high), "cannot_check", f"the stated value {stated_text!r} is not a count."
        )
    verdict = _decide(low, high, lambda n: n == stated)
    recomputed = _range_text(low, high) if low == high else _unknown(counts)
    if verdict is None:
        return Finding(recomputed, "cannot_check", (lost or f"count {_range_text(low, high)}") + how + ".")
    return Finding(
        recomputed,
        verdict,
        "; ".join(c.describe() for c in counts)
        + how
        + f"; the report states {stated}"
        + _stated_notes(counts)
        + ".",
    )


def check_share(claim, data: AuditData) -> Finding:
    question = _question(claim, data)
    counts = _evidence(claim, data, question, _options(claim))
    base = _base(data, question.id)
    low, high, how = _combined(counts, question, data)
    parsed = _percentage(_text(claim.stated_value))
    if parsed is None:
        return Finding("", "cannot_check", f"the stated value {claim.stated_value!r} is not a percentage.")
    value, decimals = parsed

    def printed(n: int, of: int) -> Fraction:
        return Fraction(round_half_up(Fraction(100 * n, of), decimals))

    verdict = _decide(low, high, lambda n: printed(n, base) == value)
    if verdict is None:
        return Finding(_unknown(counts), "cannot_check", _lost_reason(counts) + how + ".")
    if low != high:
        return _bounded(
            counts,
            how,
            verdict,
            low,
            high,
            f"of {base} prints as {claim.stated_value} (to {decimals} decimal(s))",
        )
    described = (
        " + ".join(str(c.low) for c in counts) if len(counts) > 1 and question.type == "single" else ""
    )
    recomputed = f"{percent_text(low, base)} ({low} of {base})"
    reason = (
        f"{'; '.join(c.describe() for c in counts)}{how}; "
        f"{described + ' = ' if described else ''}{low} of {base} respondents = {percent_text(low, base)}, "
        f"printed to {decimals} decimal(s) {percent_text(low, base, decimals)} against the stated "
        f"{claim.stated_value}"
    )
    if verdict == "disagrees" and question.type == "single":
        every = _evidence(claim, data, question)
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
    if question.type == "single" and len(counts) == 1:
        every = _evidence(claim, data, question)
        answers = sum(c.low for c in every)
        if all(c.known for c in every) and answers != base:
            reason += (
                f"; of the {answers} answers the chart counts it is {percent_text(low, answers)}, "
                f"printed {percent_text(low, answers, decimals)}"
            )
    return Finding(recomputed, verdict, reason + _stated_notes(counts) + ".")


def _approx_target(stated: str) -> Fraction | None:
    text = _norm(stated)
    percentage = _percentage(text)
    if percentage:
        return percentage[0] / 100
    for words, value in sorted(_FRACTION_WORDS.items(), key=lambda x: -len(x[0])):
        if re.search(rf"\b{words}\b", text):
            return value
    return None


def check_approx_share(claim, data: AuditData) -> Finding:
    question = _question(claim, data)
    counts = _evidence(claim, data, question, _options(claim))
    base = _base(data, question.id)
    low, high, how = _combined(counts, question, data)
    target = _approx_target(_text(claim.stated_value))
    if target is None:
        return Finding("", "cannot_check", f"cannot read {claim.stated_value!r} as an approximate share.")
    tolerance = Fraction(APPROX_TOLERANCE_POINTS, 100)
    verdict = _decide(low, high, lambda n: abs(Fraction(n, base) - target) <= tolerance)
    rule = (
        f"'{claim.stated_value}' is read as {float(100 * target):.0f}% give or take "
        f"{APPROX_TOLERANCE_POINTS} percentage points"
    )
    if verdict is None:
        return Finding(_unknown(counts), "cannot_check", _lost_reason(counts) + how + f"; {rule}.")
    if low != high:
        return _bounded(counts, how, verdict, low, high, f"of {base} is within the tolerance ({rule})")
    return Finding(
        f"{percent_text(low, base)} ({low} of {base})",
        verdict,
        f"{'; '.join(c.describe() for c in counts)}{how}; {low} of {base} = {percent_text(low, base)}; "
        f"{rule}" + _stated_notes(counts) + ".",
    )


def check_majority(claim, data: AuditData) -> Finding:
    question = _question(claim, data)
    counts = _evidence(claim, data, question, _options(claim))
    base = _base(data, question.id)
    low, high, how = _combined(counts, question, data)
    verdict = _decide(low, high, lambda n: 2 * n > base)
    if verdict is None:
        return Finding(_unknown(counts), "cannot_check", _lost_reason(counts) + how + ".")
    if low != high:
        return _bounded(counts, how, verdict, low, high, f"is more than half of {base}")
    return Finding(
        f"{low} of {base} ({percent_text(low, base)})",
        verdict,
        f"{'; '.join(c.describe() for c in counts)}{how}; a majority needs more than half of the {base} "
        "respondents" + _stated_notes(counts) + ".",
    )


def check_unanimous(claim, data: AuditData) -> Finding:
    question = _question(claim, data)
    counts = _evidence(claim, data, question, _options(claim))
    base = _base(data, question.id)
    low, high, how = _combined(counts, question, data)
    verdict = _decide(low, high, lambda n: n == base)
    if verdict is None:
        return Finding(
            _unknown(counts),
            "cannot_check",
            _lost_reason(counts) + how + f"; unanimity needs all {base} respondents.",
        )
    if low != high:
        return _bounded(counts, how, verdict, low, high, f"is all {base} respondents")
    reason = f"{'; '.join(c.describe() for c in counts)}{how}; unanimity needs all {base} respondents"
    if verdict == "disagrees" and low == high:
        others = [
            c
            for c in _evidence(claim, data, question)
            if c.option not in {x.option for x in counts} and c.known and c.low > 0
        ]
        reason += f": {base - low} did not choose {'these options' if len(counts) > 1 else 'it'}"
        if others and question.type == "single":
            reason += " (" + "; ".join(f"{c.option} {c.low}" for c in others) + ")"
    return Finding(
        f"{low} of {base} ({percent_text(low, base)})", verdict, reason + _stated_notes(counts) + "."
    )


def check_top(claim, data: AuditData) -> Finding:
    """The claimed options must each have more choices than every other option of the question.

    Decided from bounds: agreed when the claimed options' smallest possible counts beat the others'
    largest, disagreed as soon as a known count beats (or ties) a claimed one whatever the lost
    counts are.
    """
    question = _question(claim, data)
    claimed_options = _options(claim)
    claimed = _evidence(claim, data, question, claimed_options)
    others = [c for c in _evidence(claim, data, question) if c.option not in set(claimed_options)]
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
            f"({_range_text(c.low, c.high) if not c.known else c.low})"
            for c, o in beaten[:4]
        )
        return Finding(
            recomputed,
            "disagrees",
            f"already from the known counts: {lines}"
            + ("" if all(c.known for c in claimed) else f"; {_lost_reason(claimed)}")
            + _stated_notes(claimed + others)
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
            + _stated_notes(claimed + others)
            + ".",
        )
    unknown_others = [o for o in others if not o.known]
    reason = []
    if not all(c.known for c in claimed):
        reason.append(_lost_reason(claimed))
    if unknown_others:
        reason.append(
            f"{len(unknown_others)} other option(s) lost their counts and could rank higher: "
            + "; ".join(o.option for o in unknown_others)
        )
    reason.append(f"largest legible counts: {legible_ranking or 'none'}")
    return Finding(recomputed, "cannot_check", "; ".join(reason) + ".")


def check_greater(claim, data: AuditData) -> Finding:
    question = _question(claim, data)
    options = _options(claim)
    if len(options) != 2:
        raise DataError(
            f"claim {claim.claim_id}: a 'greater' check needs exactly two options, larger first",
            file="claims.csv",
            column="options",
        )
    first, second = _evidence(claim, data, question, options)
    if first.low > second.high:
        verdict = "agrees"
    elif first.high <= second.low:
        verdict = "disagrees"
    else:
        return Finding("unknown", "cannot_check", _lost_reason([first, second]) + ".")
    return Finding(
        f"{first.low} vs {second.low}",
        verdict,
        f"{first.describe()}; {second.describe()}" + _stated_notes([first, second]) + ".",
    )


def check_zero(claim, data: AuditData) -> Finding:
    question = _question(claim, data)
    counts = _evidence(claim, data, question, _options(claim))
    nonzero = [c for c in counts if c.low > 0]
    if nonzero:
        return Finding(
            "; ".join(c.describe() for c in counts),
            "disagrees",
            "chosen by some: " + "; ".join(c.describe() for c in nonzero) + ".",
        )
    if all(c.known for c in counts):
        return Finding(
            "all 0", "agrees", "; ".join(c.describe() for c in counts) + _stated_notes(counts) + "."
        )
    return Finding(_unknown(counts), "cannot_check", _lost_reason(counts) + ".")


def _few_limit(base: int) -> int:
    return int(FEW_SHARE * base)


def _few_finding(claim, counts: list[Count], question: Question, data: AuditData) -> Finding:
    base = _base(data, question.id)
    limit = _few_limit(base)
    verdicts = [_decide(c.low, c.high, lambda n: 1 <= n <= limit) for c in counts]
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
            + _stated_notes(counts)
            + _by_institution_note(claim, data)
            + ".",
        )
    return Finding(_unknown(counts), "cannot_check", _lost_reason(counts) + f"; {rule}.")


def check_few(claim, data: AuditData) -> Finding:
    question = _question(claim, data)
    return _few_finding(claim, _evidence(claim, data, question, _options(claim)), question, data)


def check_single_total(claim, data: AuditData) -> Finding:
    question = _question(claim, data, types=("single",))
    counts = _evidence(claim, data, question)
    base = _base(data, question.id)
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
        return Finding(f"at least {total} answers", "cannot_check", _lost_reason(counts) + ".")
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

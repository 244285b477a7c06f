"""Consent: the questionnaire's ``consent:`` declaration, and who is left out or anonymised because of it.

A survey's consent question (any single- or multi-choice question) is declared once::

    consent: {question: Q14, use: ["Yes"], anonymous: [Safeguard my anonymity], refuse: ["No"]}

with an optional ``missing:`` (``refuse``, the default, ``anonymous`` or ``use``) for a respondent who
left it blank. Every option of the question must be in exactly one list. :func:`apply_consent`, called by
the loader, then acts once for every later stage:

- a respondent who refused (or gave no answer, unless declared otherwise) is removed from the
  responses before anything is tabulated, so no table, chart, quote, theme, crosstab or count of any
  notebook sees them; their response ids are kept in :class:`ConsentSummary` for the record the
  cleaning writes (ids only);
- a respondent who asked for anonymity is counted everywhere, but the institution cell of every
  respondent of their institution is replaced by ``anonymised (<type>)``, typed as the institution
  was, and the institution's name is replaced by ``[institution]`` in those respondents' free text: no
  later stage can show the name next to their answers, and the institution profile counts them under
  their type as anonymised.

A published-counts dataset has no per-respondent link: the rule is recorded and reported as not
applicable. Light at import (no pandas), since the questionnaire parses the declaration.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from zqf_analysis.errors import DataError

#: What a consent class does, in the words the pages use.
USE, ANONYMOUS, REFUSE = "use", "anonymous", "refuse"
CLASSES = (USE, ANONYMOUS, REFUSE)
#: Question types a consent question may have.
CONSENT_TYPES = ("single", "multi")
#: The printed name and canonical name an anonymised institution is shown under.
ANONYMISED = "anonymised"
#: What replaces a withheld institution's name in its respondents' answers.
INSTITUTION_MARK = "[institution]"
#: The processed tables the cleaning writes for the record (see :func:`consent_tables`).
EXCLUDED_TABLE, SUMMARY_TABLE = "consent_excluded", "consent_summary"
SUMMARY_COLUMNS = [
    "question",
    "applicable",
    "submissions",
    "used",
    "anonymous",
    "left_out",
    "refused",
    "no_answer",
    "missing_as",
    "withheld_institutions",
    "rule",
    "text",
]
#: Words YAML 1.1 reads as booleans when unquoted (``use: [Yes]`` gives ``True``).
_YAML_BOOLEANS = {True: ("yes", "true", "on", "y"), False: ("no", "false", "off", "n")}


@dataclass(frozen=True)
class ConsentRule:
    """The declared consent question and what each of its options means."""

    question: str
    use: tuple[str, ...]
    anonymous: tuple[str, ...]
    refuse: tuple[str, ...]
    missing: str = REFUSE
    multi: bool = False

    def class_of(self, option: str) -> str:
        """``use``, ``anonymous`` or ``refuse`` for one option of the consent question."""
        for name in CLASSES:
            if option in getattr(self, name):
                return name
        raise KeyError(option)

    def describe(self) -> str:
        """The rule in one line, as every page's header shows it.

        >>> ConsentRule("Q14", ("Yes",), ("Anonymous",), ("No",)).describe()
        "Q14: 'Yes' used; 'Anonymous' counted with the institution withheld; 'No' and no answer left out"
        """
        parts = []
        for name, words in (
            (USE, "used"),
            (ANONYMOUS, "counted with the institution withheld"),
            (REFUSE, "left out"),
        ):
            labels = [repr(o) for o in getattr(self, name)]
            if self.missing == name:
                labels.append("no answer")
            if labels:
                joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
                parts.append(f"{joined} {words}")
        return f"{self.question}: " + "; ".join(parts)


def parse_consent(raw: object, questions, source) -> ConsentRule | None:
    """The ``consent:`` mapping checked against the questions (objects with ``id``, ``type`` and
    ``options``); None when the questionnaire declares none. A :class:`DataError` names the unknown
    key, question or option and lists what was expected."""
    if raw is None:
        return None
    expected = "{question: ID, use: [options], anonymous: [options], refuse: [options], missing: refuse}"
    if not isinstance(raw, dict) or "question" not in raw:
        raise DataError(f"'consent' must be a mapping {expected}", file=source)
    unknown = sorted(str(k) for k in raw if k not in ("question", "missing", *CLASSES))
    if unknown:
        raise DataError(f"consent: unknown key {unknown[0]!r}; expected {expected}", file=source)
    question_id = str(raw["question"])
    by_id = {q.id: q for q in questions}
    if question_id not in by_id:
        raise DataError(
            f"consent: question {question_id!r} is not in the questionnaire; its questions are {', '.join(by_id)}",
            file=source,
        )
    question = by_id[question_id]
    if question.type not in CONSENT_TYPES:
        raise DataError(
            f"consent: the consent question must be single- or multi-choice, not {question.type}",
            file=source,
            question=question_id,
        )
    lists: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for name in CLASSES:
        values = raw.get(name) or []
        values = values if isinstance(values, list) else [values]
        labels = []
        for value in values:
            label = _option_label(value, question, name, source)
            if label in seen:
                raise DataError(
                    f"consent: option {label!r} is under both {seen[label]} and {name}; put it under one",
                    file=source,
                    question=question_id,
                )
            seen[label] = name
            labels.append(label)
        lists[name] = tuple(labels)
    unclassified = [o for o in question.options if o not in seen]
    if unclassified:
        raise DataError(
            f"consent: option {unclassified[0]!r} is under none of use, anonymous, refuse; every option of "
            f"{question_id} must be under one ({'; '.join(question.options)})",
            file=source,
            question=question_id,
        )
    missing = raw.get("missing", REFUSE)
    if missing not in CLASSES:
        raise DataError(
            f"consent: missing={missing!r}: expected one of {', '.join(CLASSES)} (how a blank answer counts)",
            file=source,
        )
    return ConsentRule(question_id, lists[USE], lists[ANONYMOUS], lists[REFUSE], missing, question.type == "multi")


def _option_label(value: object, question, where: str, source) -> str:
    """``value`` as one of the question's options; an unquoted YAML Yes/No (read as a boolean) is
    matched to the one option that spells it, else it is an error that says to quote it."""
    options = question.options
    if isinstance(value, bool):
        spelled = [o for o in options if o.strip().casefold() in _YAML_BOOLEANS[value]]
        if len(spelled) == 1:
            return spelled[0]
        raise DataError(
            f"consent: {where}: the value {value!r} is what YAML makes of an unquoted Yes/No/On/Off; quote the "
            f"option as written ({'; '.join(options)})",
            file=source,
            question=question.id,
        )
    label = str(value).strip()
    if label not in options:
        raise DataError(
            f"consent: {where}: {label!r} is not an option of {question.id}; options: {'; '.join(options)}",
            file=source,
            question=question.id,
        )
    return label


# ------------------------------------------------------------------------------------ who is who


@dataclass(frozen=True)
class ConsentSummary:
    """What a consent rule did to one dataset: counts, the response ids left out (with why), the ids
    of those who asked for anonymity, and how many institutions are withheld.

    ``applicable`` is False for published counts, which hold no respondent to leave out."""

    rule: ConsentRule
    applicable: bool
    submissions: int = 0
    used: int = 0
    anonymous: int = 0
    refused: int = 0
    no_answer: int = 0
    excluded: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    anonymous_ids: frozenset[str] = field(default_factory=frozenset, repr=False)
    withheld_institutions: int = 0
    published_counts: tuple[tuple[str, int | None], ...] = ()
    # The respondents whose institution is withheld and every way it is written: what
    # :func:`withhold_in_answers` replaces in their answers (never shown, not even in a repr).
    withheld_ids: frozenset[str] = field(default_factory=frozenset, repr=False)
    spellings: tuple[str, ...] = field(default=(), repr=False)

    @property
    def left_out(self) -> int:
        return len(self.excluded)

    @property
    def text(self) -> str:
        """The consent rule and what it did, in one paragraph for the pages and the index."""
        rule = f"Consent rule ({self.rule.describe()})."
        if not self.applicable:
            counted = ", ".join(f"{o!r} {'not legible' if n is None else n}" for o, n in self.published_counts)
            return (
                f"{rule} Not applicable to this dataset: it holds published counts and quotes with no "
                "per-respondent link, so no respondent can be left out or anonymised, and no quote is shown "
                f"next to an institution. Its published totals include every answer to {self.rule.question}"
                + (f" ({counted})." if counted else ".")
            )
        why = []
        if self.refused:
            why.append(f"{self.refused} refused")
        if self.no_answer:
            how = "treated as a refusal" if self.rule.missing == REFUSE else ""
            why.append(f"{self.no_answer} gave no answer{', ' + how if how else ''}")
        left = (
            f"{self.left_out} of {self.submissions} submissions left out of every table, chart, quote, theme and "
            f"count ({'; '.join(why)}); their response ids are recorded in the processed consent_excluded.csv"
            if self.left_out
            else f"none of the {self.submissions} submissions left out"
        )
        anonymous = (
            f"{self.anonymous} asked for anonymity: counted everywhere, their institution never named "
            f"({self.withheld_institutions} institution(s) shown as '{ANONYMISED}' under their type, and named "
            f"in no answer)"
            if self.anonymous
            else "nobody asked for anonymity"
        )
        return f"{rule} {left}; {anonymous}; {self.used} used as given."


def published_summary(rule: ConsentRule, counts) -> ConsentSummary:
    """The rule of a published-counts dataset: not applicable, with the published totals of the
    consent question (``counts``: the dataset's counts table)."""
    import pandas as pd

    rows = counts[counts["question_id"] == rule.question]
    published = tuple(
        (str(o), None if pd.isna(c) else int(c)) for o, c in zip(rows["option"], rows["count"], strict=True)
    )
    return ConsentSummary(rule, applicable=False, published_counts=published)


def consent_classes(cells, rule: ConsentRule, separator: str = ";") -> list[str]:
    """The consent class of each distinct cell of the consent question (``cells``: their text). In a
    multi-choice cell the strictest choice wins: refuse, then anonymous, then use."""
    classes = []
    for cell in cells:
        cell = str(cell).strip()
        if not cell:
            classes.append(rule.missing)
            continue
        chosen = _chosen(cell, rule) if rule.multi else [cell]
        found = {rule.class_of(c) for c in chosen if c in (*rule.use, *rule.anonymous, *rule.refuse)}
        if not found:
            classes.append(rule.missing)
        else:
            classes.append(next(c for c in (REFUSE, ANONYMOUS, USE) if c in found))
    return classes


def _chosen(cell: str, rule: ConsentRule) -> list[str]:
    """The options a multi-choice cell names, each found whole (a label may hold the separator)."""
    labels = sorted((*rule.use, *rule.anonymous, *rule.refuse), key=len, reverse=True)
    found, rest = [], cell
    for label in labels:
        pattern = re.compile(rf"(?:^|(?<=[;,|]))\s*{re.escape(label)}\s*(?=[;,|]|$)")
        if pattern.search(rest):
            found.append(label)
            rest = pattern.sub("", rest, count=1)
    return found


def apply_consent(responses, questionnaire, institution_map, separator: str = ";"):
    """The responses the consent rule keeps, the institution mapping as the later stages may see it,
    and the :class:`ConsentSummary`; ``(responses, institution_map, None)`` when nothing is declared.

    Refusers are dropped (unused categories too, so not even a refuser's institution name is held
    any more). The institutions of respondents who asked for anonymity are withheld: see the module
    docstring. The mapping keeps only the rows of institutions still named, plus one row per
    ``anonymised (<type>)`` name.
    """
    import numpy as np
    import pandas as pd

    rule = questionnaire.consent
    if rule is None:
        return responses, institution_map, None
    column = responses[rule.question]
    column = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    cells = [str(c) for c in column.cat.categories]
    classes = np.array([*consent_classes(cells, rule, separator), rule.missing])
    codes = column.cat.codes.to_numpy().astype(np.int64)
    codes[codes < 0] = len(cells)  # a missing cell: the missing class
    per_row = classes[codes]
    answered = np.array([bool(c.strip()) for c in cells] + [False])[codes]
    refused = per_row == REFUSE
    ids = responses["response_id"].astype(str).to_numpy()
    excluded = tuple(
        (rid, f"refused consent ({rule.question})" if given else f"no answer to {rule.question}, counted as a refusal")
        for rid, given in zip(ids[refused], answered[refused], strict=True)
    )
    kept = responses[~refused].reset_index(drop=True)
    if kept.empty:
        raise DataError(
            f"consent: every submission refused or left {rule.question} blank; nothing can be analysed",
            file=questionnaire.path,
        )
    kept = _drop_unused_categories(kept)
    anonymous = (per_row == ANONYMOUS)[~refused]
    summary = dict(
        submissions=len(responses),
        used=int((per_row == USE).sum()),
        anonymous=int(anonymous.sum()),
        refused=int((refused & answered).sum()),
        no_answer=int((refused & ~answered).sum()),
        excluded=excluded,
        anonymous_ids=frozenset(kept["response_id"].astype(str).to_numpy()[anonymous]),
    )
    kept, institution_map, withheld = _withhold_institutions(kept, questionnaire, institution_map, anonymous)
    return kept, institution_map, ConsentSummary(rule, True, **summary, **withheld)


def _drop_unused_categories(frame):
    import pandas as pd

    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].cat.remove_unused_categories()
    return frame


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


def _withhold_institutions(responses, questionnaire, institution_map, anonymous):
    """Replace the institution of every respondent of an institution someone asked to keep anonymous
    (an institution is its canonical name in the mapping, else its name with spacing and case
    ignored), and its name in their free text; returns the responses, the mapping and how many
    institutions are withheld. Worked out on the distinct names (the column is a categorical), so a
    million rows cost a few array operations. The free text is masked later, in the tabulated
    answers (:func:`withhold_in_answers`), so that every kind of answer is (write-ins too)."""
    import numpy as np
    import pandas as pd

    question = questionnaire.institution
    nothing = {"withheld_institutions": 0}
    if question is None:
        return responses, institution_map, nothing
    column = responses[question.id]
    column = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype(str).astype("category")
    names = [str(c).strip() for c in column.cat.categories]
    codes = column.cat.codes.to_numpy().astype(np.int64)
    canonical, types = {}, {}
    if institution_map is not None and len(institution_map):
        for record in institution_map.itertuples(index=False):
            printed = str(record.institution).strip()
            canonical[printed] = str(record.canonical_name).strip() or printed
            types[printed] = str(record.institution_type).strip()
    keys = [_key(canonical.get(n, n)) if n else "" for n in names]
    asked = np.unique(codes[anonymous & (codes >= 0)])
    hidden = {keys[c] for c in asked if keys[c]}
    if not hidden:
        return responses, _named_rows(institution_map, set(names)), nothing
    is_hidden = np.array([k in hidden for k in keys] + [False])
    withheld = is_hidden[codes]  # code -1 (no cell) picks the last entry: not withheld
    shown = [f"{ANONYMISED} ({types.get(n, 'unmapped')})" if is_hidden[c] else n for c, n in enumerate(names)]
    categories = sorted(set(shown))
    lookup = np.array([categories.index(n) for n in shown] + [-1], dtype=np.int64)
    responses = responses.copy()
    responses[question.id] = pd.Categorical.from_codes(lookup[codes], categories=categories)
    withheld_ids = frozenset(responses["response_id"].astype(str).to_numpy()[withheld])
    spellings = tuple(_spellings(hidden, names, canonical, institution_map))
    mapping = _named_rows(institution_map, {n for c, n in enumerate(names) if not is_hidden[c]})
    if mapping is not None:
        by_type: dict[str, set[str]] = {}
        for c, name in enumerate(names):
            if is_hidden[c]:
                by_type.setdefault(types.get(name, "unmapped"), set()).add(keys[c])
        rows = [
            {
                "institution": f"{ANONYMISED} ({kind})",
                "canonical_name": f"{ANONYMISED} ({len(found)} institution{'s' if len(found) != 1 else ''})",
                "institution_type": kind,
                "note": "institution withheld: a respondent asked for anonymity (consent rule)",
            }
            for kind, found in sorted(by_type.items())
        ]
        mapping = pd.concat([mapping, pd.DataFrame(rows, columns=mapping.columns)], ignore_index=True)
    found = {"withheld_institutions": len(hidden), "withheld_ids": withheld_ids, "spellings": spellings}
    return responses, mapping, found


def _named_rows(institution_map, names: set[str]):
    """The mapping's rows for the institutions still named in the responses: a row for a withheld
    institution, or for one whose every respondent refused, must not reach a page (the audit lists
    mapping notes)."""
    if institution_map is None:
        return None
    keep = institution_map["institution"].astype(str).str.strip().isin(names)
    return institution_map[keep].reset_index(drop=True)


def _spellings(hidden: set[str], names, canonical: dict, institution_map) -> list[str]:
    """Every way a withheld institution is written: its printed spellings in the export and the
    mapping, its canonical name, and an acronym given in brackets in any of them, longest first."""
    found = set()
    for printed in set(names):
        if printed and _key(canonical.get(printed, printed)) in hidden:
            found.update({printed, canonical.get(printed, printed)})
    if institution_map is not None:
        for record in institution_map.itertuples(index=False):
            if _key(str(record.canonical_name).strip() or str(record.institution)) in hidden:
                found.update({str(record.institution).strip(), str(record.canonical_name).strip()})
    for name in list(found):
        found.update(re.findall(r"\(([A-Z][A-Za-z&.]{1,15})\)", name))
        found.add(re.sub(r"\s*\([^)]*\)", "", name).strip())
    return sorted((f for f in found if len(f) >= 2), key=lambda f: (-len(f), f))


def withhold_in_answers(open_responses, summary: ConsentSummary | None):
    """The answers table (``question_id, response_id, text``) with a withheld institution's name
    replaced by ``[institution]`` in the answers of its respondents; unchanged without one. Each
    distinct answer is masked once, by one pattern."""
    if summary is None or not summary.withheld_ids or not summary.spellings:
        return open_responses
    own = open_responses["response_id"].astype(str).isin(summary.withheld_ids).to_numpy()
    if not own.any():
        return open_responses
    pattern = _institution_pattern(summary.spellings)
    texts = open_responses["text"].astype(object).to_numpy(copy=True)
    masked = {t: pattern.sub(INSTITUTION_MARK, str(t)) for t in set(texts[own].tolist())}
    texts[own] = [masked[t] for t in texts[own].tolist()]
    return open_responses.assign(text=texts)


@functools.lru_cache(maxsize=16)
def _institution_pattern(spellings: tuple[str, ...]) -> re.Pattern:
    """One pattern for every spelling (longest first), whole words, any case, any spacing."""
    words = [r"\s+".join(re.escape(w) for w in spelling.split()) for spelling in spellings]
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


def _mask_institution(text: str, spellings) -> str:
    """``text`` with every spelling of the institution (any case, any spacing) replaced by
    ``[institution]``.

    >>> _mask_institution("At beta  university (BU) we lack funds", ("Beta University", "BU"))
    'At [institution] ([institution]) we lack funds'
    """
    return _institution_pattern(tuple(spellings)).sub(INSTITUTION_MARK, text)


# --------------------------------------------------------------------------------------- the record


def consent_tables(summary: ConsentSummary | None) -> dict:
    """The processed record of a consent rule: ``consent_excluded`` (``response_id, reason``: who was
    left out, by response id only) and ``consent_summary`` (one row: the counts and the rule). Empty
    when no rule is declared."""
    import pandas as pd

    if summary is None:
        return {}
    excluded = pd.DataFrame(list(summary.excluded), columns=["response_id", "reason"])
    row = {
        "question": summary.rule.question,
        "applicable": summary.applicable,
        "submissions": summary.submissions if summary.applicable else "",
        "used": summary.used if summary.applicable else "",
        "anonymous": summary.anonymous if summary.applicable else "",
        "left_out": summary.left_out if summary.applicable else "",
        "refused": summary.refused if summary.applicable else "",
        "no_answer": summary.no_answer if summary.applicable else "",
        "missing_as": summary.rule.missing,
        "withheld_institutions": summary.withheld_institutions if summary.applicable else "",
        "rule": summary.rule.describe(),
        "text": summary.text,
    }
    return {EXCLUDED_TABLE: excluded, SUMMARY_TABLE: pd.DataFrame([row], columns=SUMMARY_COLUMNS)}


def rule_text(questionnaire, published: bool) -> str:
    """Which consent rule a page applies, from the questionnaire alone (every page's header)."""
    rule = questionnaire.consent
    if rule is None:
        return "none declared (questionnaire.yaml has no consent:): every submission is used as given"
    if published:
        return (
            f"{rule.describe()}; not applicable here: published counts have no per-respondent link, so no "
            "respondent can be left out or anonymised"
        )
    return rule.describe()

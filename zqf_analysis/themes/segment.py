"""Split free-text answers into the separate points they make, keeping each point's link to its answer.

A respondent often lists several points in one answer ("1. Lack of standardisation, 2. some employers
may not ... value micro credentials"; "lack of recognition, poor quality assurance systems and lack of
support"); themes are counted per point (segment) as well as per answer.
"""

from __future__ import annotations

import re

from zqf_analysis.data.text import normalise_text

# "1. ...", "2) ...", "(3) ...": an enumeration marker at the start or after a space / punctuation.
_ENUMERATION = re.compile(r"(?:^|(?<=[\s.;:,]))\(?(\d{1,2})[.)]\s+(?=\S)")
# A sentence ends with . ! ? followed by a space and an upper-case letter or digit.
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]\"'’”][.!?])\s+(?=[A-Z0-9\"'‘“])")
_LIST_ITEM_MAX_WORDS = 7


def split_segments(text: str) -> list[str]:
    """The points an answer makes, in the respondent's order.

    Splits at enumeration markers ("1.", "2)"), at sentence ends, at semicolons, and at commas when
    the answer is a list of three or more short phrases ("A, B and C", at most 7 words each) rather
    than a sentence; the last item of such a list is split at its last "and". An answer that is a
    single point comes back as one segment.

    >>> split_segments("1. Lack of standardisation, 2. employers may not value them")
    ['Lack of standardisation', 'employers may not value them']
    >>> split_segments("lack of recognition, poor quality assurance systems and lack of support")
    ['lack of recognition', 'poor quality assurance systems', 'lack of support']
    >>> split_segments("lack of accreditation and recognition")
    ['lack of accreditation and recognition']
    """
    text = normalise_text(text)
    if not text:
        return []
    segments: list[str] = []
    for item in _split_enumeration(text):
        for sentence in _SENTENCE_END.split(item):
            for clause in re.split(r"\s*;\s*", sentence):
                segments.extend(_split_short_list(clause))
    cleaned = [_tidy(s) for s in segments]
    return [s for s in cleaned if re.search(r"[A-Za-z0-9]", s)]


def _split_enumeration(text: str) -> list[str]:
    """Pieces between enumeration markers that count up from 1 (so "in 2017, ..." is not split)."""
    markers = list(_ENUMERATION.finditer(text))
    expected, kept = 1, []
    for marker in markers:
        if int(marker.group(1)) == expected:
            kept.append(marker)
            expected += 1
    if len(kept) < 2:
        return [text]
    pieces = [text[: kept[0].start()]]
    for current, following in zip(kept, [*kept[1:], None], strict=True):
        pieces.append(text[current.end() : following.start() if following else len(text)])
    return [p for p in pieces if p.strip(" .,;:")]


def _split_short_list(clause: str) -> list[str]:
    parts = [p.strip() for p in clause.split(",")]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return [clause]
    head, last = parts[:-1], re.sub(r"^and\s+", "", parts[-1])
    match = re.match(r"^(.*\S)\s+and\s+(\S.*)$", last)
    for candidate in ([*head, match.group(1), match.group(2)] if match else None, [*head, last]):
        if (
            candidate
            and len(candidate) >= 3
            and all(len(p.split()) <= _LIST_ITEM_MAX_WORDS for p in candidate)
        ):
            return candidate
    return [clause]


def _tidy(segment: str) -> str:
    segment = segment.strip(" ,;:-")
    return re.sub(r"[.,;:]+$", "", segment).strip()

"""The audit's reading of a report's words: the stated values it parses (numbers, number words,
percentages, "approximately"), the claim text it compares, and the vocabulary of designations and kinds
of institution it looks for."""

from __future__ import annotations

import re
from fractions import Fraction

import pandas as pd

from zqf_analysis.data.text import normalise_text

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


WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}


FRACTION_WORDS = {
    "half": Fraction(1, 2),
    "a third": Fraction(1, 3),
    "one third": Fraction(1, 3),
    "two thirds": Fraction(2, 3),
    "a quarter": Fraction(1, 4),
    "one quarter": Fraction(1, 4),
    "three quarters": Fraction(3, 4),
}


def text_of(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def claim_options(claim) -> list[str]:
    return [o.strip() for o in text_of(claim.options).split("|") if o.strip()]


def norm(text: str) -> str:
    """The claim's words compared: the shared normaliser, case-folded, end punctuation dropped."""
    return normalise_text(text).casefold().strip(" .;:,")


def quotes_claim(source: str, claim: str) -> bool:
    """True when a count's ``source`` quotes the claim's own sentence, so using it to check the claim
    would be circular.

    >>> quotes_claim('Box 3: "only 3 responses confirm that discussions had started." (chart lost)',
    ...              "Not yet discussed: only 3 responses confirm that discussions had started.")
    True
    """
    source_n, claim_n = norm(source), norm(claim)
    if len(claim_n) >= 20 and claim_n in source_n:
        return True
    for quoted in re.findall(r'"([^"]{20,})"', normalise_text(source)):
        quoted_n = norm(quoted)
        if quoted_n in claim_n or claim_n in quoted_n:
            return True
    return False


def range_text(low: int, high: int) -> str:
    return str(low) if low == high else f"between {low} and {high}"


def shorten(text: str, width: int = 170) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def whole_number(stated: str) -> int | None:
    """A whole number from a stated value: digits or a number word ('six')."""
    text = norm(stated)
    match = re.fullmatch(r"(\d+)", text)
    if match:
        return int(match.group(1))
    return WORD_NUMBERS.get(text)


def stated_percentage(stated: str) -> tuple[Fraction, int] | None:
    """A printed percentage and its decimals: '63%' -> (63, 0); '12.5 %' -> (12.5, 1)."""
    match = re.search(r"(\d+(?:\.(\d+))?)\s*%", str(stated))
    if not match:
        return None
    return Fraction(match.group(1)), len(match.group(2) or "")


def approx_target(stated: str) -> Fraction | None:
    text = norm(stated)
    percentage = stated_percentage(text)
    if percentage:
        return percentage[0] / 100
    for words, value in sorted(FRACTION_WORDS.items(), key=lambda x: -len(x[0])):
        if re.search(rf"\b{words}\b", text):
            return value
    return None


def designation_pattern(designation: str) -> re.Pattern:
    words = norm(designation).replace("-", " ").split()
    separator = r"[\s-]+"
    pattern = separator.join([re.escape(w) for w in words[:-1]] + [re.escape(words[-1]) + r"(?:e?s)?"])
    return re.compile(r"\b" + pattern + r"\b", flags=re.I)


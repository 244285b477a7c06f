"""The text rules every stage shares: one normaliser, one definition of a non-substantive answer, and
the cleaning that redacts e-mail addresses, phone numbers, identity numbers and person names (the last
two by the patterns of :mod:`zqf_analysis.data.identifiers`).

The cleaning stage (``clean_text``, the ``substantive`` flag), the themes stage (which answers are
segmented, clustered and coded) and the audit all read answers through these functions, so an answer
left out of clustering is also left out of coding, and the other way round.
"""

from __future__ import annotations

import re
import unicodedata

from zqf_analysis.data.identifiers import ID_MARK, NAME_MARK, redact_ids, redact_names

#: Typographic quotes and the no-break space, made plain.
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
#: A ``|`` standing alone as a word: the OCR's reading of a capital I.
_LONE_PIPE = re.compile(r"(?:(?<=^)|(?<=[\s\"'(]))\|(?=\s)")

#: Answers that say nothing about the question, matched on the whole answer after :func:`answer_key`.
_NON_SUBSTANTIVE = re.compile(
    r"""^(?:
        n\s*/?\s*a | nil | null | none | nothing | no | nope | not\s+applicable | no\s+comments? |
        (?:i\s+)?(?:do\s*not|don'?t|dont)\s+know | (?:i\s+am\s+|i'?m\s+)?not\s+sure | unsure | no\s+idea |
        no\s+answer | no\s+response | unknown | none\s+so\s+far | nothing\s+yet | not\s+at\s+the\s+moment |
        [-_.?x]*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{7,}\d(?!\w)")
#: What the cleaning writes in place of what it redacts.
REDACTION_MARKS = ("[email]", "[phone]", ID_MARK, NAME_MARK)


def normalise_text(text: object) -> str:
    """``text`` with Unicode normalised (NFKC), typographic quotes made plain, a lone ``|`` read as the
    capital I it stands for, and runs of white space collapsed; the words are unchanged.

    >>> normalise_text("| don’t  know")
    "I don't know"
    """
    return _apply(_NORMALISE, str(text))[0]


def answer_key(text: object) -> str:
    """The comparison key of an answer: normalised, case-folded, punctuation at the ends dropped.

    >>> answer_key("  Lack of Funding. ")
    'lack of funding'
    """
    return normalise_text(text).casefold().strip(" .,;:!?\t-")


def is_substantive(text: object) -> bool:
    """False for answers that carry no content: an empty cell, N/A, NIL, None, "I don't know", "Not
    sure", "Nothing yet", punctuation alone.

    >>> [is_substantive(t) for t in ["N/A", "NIL", "| don’t know", "None", "n / a", "Nope", "Funding"]]
    [False, False, False, False, False, False, True]
    """
    key = answer_key(text)
    return bool(key) and not _NON_SUBSTANTIVE.match(key)


def clean_text(text: object) -> str:
    """Readable text for analysis: the verbatim answer with only mechanical fixes.

    - :func:`normalise_text` (white space, quotes, the OCR pipe);
    - an answer written in capitals (SHOUTED) is put in sentence case;
    - e-mail addresses and phone numbers are replaced by ``[email]`` and ``[phone]``, identity numbers
      by ``[id number]`` and person names after a title or an introduction by ``[name]`` (before the
      capitals are fixed, so "DR BANDA" is still found).

    >>> clean_text("| don’t know")
    "I don't know"
    >>> clean_text("SOME COMPANIES DO NOT RECOGNISE THEM. EVEN THE GOVERNMENT")
    'Some companies do not recognise them. Even the government'
    >>> clean_text("Call +260 977 123456 or write to a.b@zaqa.gov.zm")
    'Call [phone] or write to [email]'
    >>> clean_text("MY NAME IS CHANDA MWALE, NRC 123456/78/9, WE NEED FUNDING")
    'My name is [name], nrc [id number], we need funding'
    """
    return _apply(_CLEAN, str(text))[0]


def redact(text: str) -> str:
    """``text`` with e-mail addresses, identity numbers, person names (see
    :mod:`~zqf_analysis.data.identifiers`) and phone numbers (9 digits or more) replaced by their marks.

    >>> redact("mail me: x@y.org")
    'mail me: [email]'
    >>> redact("Dr Banda, NRC 123456/78/9")
    'Dr [name], NRC [id number]'
    """
    return _redact_phones(redact_names(redact_ids(_redact_emails(text))))


def redact_verbatim(text: object) -> str:
    """The verbatim answer with only its e-mail addresses, phone numbers, identity numbers and person
    names replaced (:func:`redact`): what a page may show of an original (spacing, capitals and quotes
    as the respondent typed them).

    An address written with compatibility characters (a full-width ``＠``) is caught as :func:`clean_text`
    catches it: if the answer's NFKC form would still hold an address or a number, the NFKC form is
    redacted instead.

    >>> redact_verbatim("Call  +260 977 123456, or WRITE to a.b@zaqa.gov.zm")
    'Call  [phone], or WRITE to [email]'
    >>> redact_verbatim("x＠y.org")
    '[email]'
    """
    text = "" if text is None else str(text)
    redacted = redact(text)
    compatible = unicodedata.normalize("NFKC", redacted)
    if redact(compatible) != compatible:
        redacted = redact(unicodedata.normalize("NFKC", text))
    return redacted


def cleaning_changes(text: object) -> list[str]:
    """What :func:`clean_text` changes in ``text``, in words, for a reviewer who sees only the redacted
    versions of the answer (empty when nothing changes).

    >>> cleaning_changes("COSTS ARE  TOO HIGH, CALL 0977 123 456")
    ['white space', 'capitals', 'phone number redacted']
    >>> cleaning_changes("| don’t know")
    ['quotes', 'a lone | read as I']
    """
    return _apply(_CLEAN, str(text))[1]


def _is_shouted(text: str) -> bool:
    # Three words of two letters or more, 80% of the letters capitals: so at least 5 capitals. Counting
    # them first turns down the ordinary answer in one pass (cleaning 145,000 answers: 3.6 s -> 0.6 s).
    if sum(map(str.isupper, text)) < 5:
        return False
    text = _MARK.sub(" ", text)  # "[name]" put in by the redaction is not the respondent's lower case
    letters = [c for c in text if c.isalpha()]
    words = re.findall(r"[A-Za-z]{2,}", text)
    return len(words) >= 3 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


_MARK = re.compile(r"\[(?:email|phone|name|id number)\]")


def _sentence_case(text: str) -> str:
    lowered = text.lower()
    return re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), lowered)


def _redact_emails(text: str) -> str:
    return _EMAIL.sub("[email]", text)


def _redact_phones(text: str) -> str:
    return _PHONE.sub(_redact_phone, text)


def _redact_phone(match: re.Match) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return "[phone]" if digits >= 9 else match.group(0)


#: The cleaning, step by step, each with the words :func:`cleaning_changes` uses for it: the first four
#: are :func:`normalise_text`, all of them :func:`clean_text`.
_NORMALISE = (
    ("Unicode form (NFKC)", lambda t: unicodedata.normalize("NFKC", t)),
    ("quotes", lambda t: t.translate(_QUOTES)),
    ("white space", lambda t: re.sub(r"\s+", " ", t).strip()),
    ("a lone | read as I", lambda t: _LONE_PIPE.sub("I", t)),
)
_CLEAN = (
    *_NORMALISE,
    ("ID number redacted", redact_ids),
    ("person name redacted", redact_names),
    ("capitals", lambda t: _sentence_case(t) if _is_shouted(t) else t),
    ("e-mail address redacted", _redact_emails),
    ("phone number redacted", _redact_phones),
)


def _apply(steps, text: str) -> tuple[str, list[str]]:
    changes = []
    for name, step in steps:
        changed = step(text)
        if changed != text:
            changes.append(name)
        text = changed
    return text, changes

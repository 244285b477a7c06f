"""Person names and identity numbers typed into free-text answers, found by clear patterns and redacted.

The cleaning (``clean_text``) and the redacted verbatim text (``redact_verbatim``) both call
:func:`redact_identifiers`, so no published page shows what these patterns find. They find:

- **identity numbers**: Zambian National Registration Card numbers (``123456/78/9``, spaces around
  the slashes allowed), passport numbers after the word passport (English, French, Portuguese) or
  written as two capital letters and 6-7 digits (``ZN123456``), and any number of 5 or more digits
  (``/`` and ``-`` allowed) after an identity-card word (NRC, national ID, ID number, identity card,
  carte d'identité, CNI, bilhete de identidade, NIN): replaced by ``[id number]``;
- **person names**: the capitalised words after a title (Mr, Mrs, Ms, Dr, Prof, Hon, Rev; Monsieur,
  Madame, Mme, Mlle, Pr; Sr, Sra, Dra, Senhor, Senhora, Dona...), after a self-introduction (``my name
  is``, ``I am`` / ``I'm`` followed by two or more capitalised words, ``je m'appelle``, ``mon nom est``,
  ``o meu nome é``, ``chamo-me``), after a label ``Name:`` / ``Nom :`` / ``Nome:``, or after a sign-off
  (Regards, Sincerely, Cordialement, Atenciosamente...): replaced by ``[name]``.

What they do not find, honestly: a name typed with no such cue ("Chanda Mwale said that..."), a
name written in lower case after a title, an identity number of another country's format written
without its keyword. No maintained library fitted the rule that nothing is downloaded at run time:
spaCy's and Stanza's models are not published on PyPI by their authors (the PyPI copies of spaCy's
English model are third-party re-uploads), Presidio and GLiNER fetch models at run time, Flair
downloads its taggers, and DataFog's offline engine finds no names. The patterns are tested on the
cases above and on the project's data, where they change no answer that
names no person (``tests/test_identifiers.py``).
"""

from __future__ import annotations

import re

NAME_MARK, ID_MARK = "[name]", "[id number]"

# A word of a name: a capital then letters (any script's), an apostrophe or a hyphen inside, or an
# initial with its full stop ("J."). Words in capitals ("BANDA") count: shouted answers are redacted
# before they are put in sentence case.
_NAME_WORD = r"(?:[A-Z]\.|[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿA-ZÀ-ÖØ-Þ]*(?:['’-][A-Za-zÀ-ÖØ-öø-ÿ]+)*)"
_NAME = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}}"
_NAME_2 = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{1,2}}"
# After "my name is" a name may be typed in lower case.
_ANY_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ]+(?:['’-][A-Za-zÀ-ÖØ-öø-ÿ]+)*"
_ANY_NAME = rf"{_ANY_WORD}(?:[ \t]+{_ANY_WORD}){{0,2}}"
# Words that follow a cue but are not names (a title before a job, a capitalised common word).
_NOT_NAMES = {
    "the", "a", "an", "and", "or", "of", "at", "in", "on", "from", "for", "with", "to", "not", "also", "very",
    "i", "we", "our", "my", "this", "that", "all", "any", "one", "le", "la", "les", "de", "du", "des", "et", "o",
    "os", "as", "do", "da", "e", "em", "head", "director", "registrar", "lecturer", "officer", "manager",
    "coordinator", "principal", "dean", "member", "student", "teacher", "trainer", "staff", "responsible",
    "working", "writing", "responding", "here", "sure", "unsure", "happy", "glad", "pleased", "grateful",
    "said", "says", "told", "is", "are", "was", "were", "has", "have", "will", "would", "can", "who", "which",
}
_TITLES = (
    r"(?:Mr|Mrs|Ms|Mx|Dr|Prof|Hon|Rev|Fr|Mme|Mlle|Pr|Sr|Sra|Srta|Dra|Eng|Engr)\.?"
    r"|(?:MR|MRS|DR|PROF|HON|REV)\.?"
    r"|Miss|Madam|Madame|Monsieur|Mister|Sir|Dame|Doctor|Docteur|Professor|Professeur|Senhor|Senhora|Dona|Dom"
)
_CUES = (
    # a title: "Dr Banda", "Mrs. J. Phiri", "Madame Mulenga"
    rf"(?<![\w.])(?:{_TITLES})[ \t]+(?P<titled>{_NAME})",
    # a self-introduction or a label: any case for the cue, capitalised words after it
    rf"(?i:\bmy\s+name\s+is|\bmy\s+names\s+are|\bje\s+m['’]appelle|\bmon\s+nom\s+est|\bo\s+meu\s+nome\s+[ée]|"
    rf"\bmeu\s+nome\s+[ée]|\bchamo-me|\bme\s+chamo|\bname\s*:|\bnom\s*:|\bnome\s*:|\bsigned\s*:?)"
    rf"[ \t]+(?P<introduced>{_ANY_NAME})",
    # "I am Chanda Mwale" (two or more capitalised words: "I am Zambian" is not a name)
    rf"(?i:\bI\s+am|\bI['’]m)[ \t]+(?P<iam>{_NAME_2})",
    # a sign-off: "Regards, Mutale Banda"
    rf"(?i:\b(?:kind\s+|best\s+|warm\s+)?regards|\bsincerely|\bthank\s+you|\bthanks|\bcordialement|"
    rf"\batenciosamente|\bcumprimentos)[ \t]*[,:-]?[ \t]*\n?[ \t]*(?P<signed>{_NAME_2})",
)
_NAME_PATTERN = re.compile("|".join(f"(?:{c})" for c in _CUES))

_NRC = r"(?<![\d/])\d{6}[ \t]?/[ \t]?\d{2}[ \t]?/[ \t]?\d(?![\d/])"
_PASSPORT_WORD = r"(?i:passports?|passeports?|passaportes?)"
_ID_WORD = (
    r"(?i:\bNRC\b|national\s+registration(?:\s+card)?(?:\s+number)?|national\s+id(?:entity)?(?:\s+card)?|"
    r"\bid\s+(?:card|no\.?|number|#)|identity\s+(?:card|number)|carte\s+d['’]identit[ée]|\bCNI\b|"
    r"bilhete\s+de\s+identidade|\bBI\b|\bNIN\b)"
)
_NUMBER_WORD = r"(?i:[ \t]*(?:no\.?|number|num[ée]ro|n[úu]mero|n[°ºo]\.?|#))?[ \t]*[:#-]?[ \t]*"
_ID_PATTERN = re.compile(
    rf"(?P<nrc>{_NRC})"
    rf"|{_PASSPORT_WORD}{_NUMBER_WORD}(?P<passport>[A-Z]{{0,3}}[ \t]?\d[\dA-Z]{{5,9}})\b"
    rf"|(?<![\w/.@])(?P<bare_passport>[A-Z]{{2}}\d{{6,7}})(?![\w@])"
    rf"|{_ID_WORD}{_NUMBER_WORD}(?P<card>\d[\d/ -]{{3,}}\d)(?![\d])"
)


def redact_ids(text: str) -> str:
    """``text`` with identity numbers replaced by ``[id number]`` (the words before them kept).

    >>> redact_ids("My NRC is 123456/78/9 and passport no. ZN123456.")
    'My NRC is [id number] and passport no. [id number].'
    >>> redact_ids("National ID: 2301-4455-66; ISO 9001 and 123/45 stay")
    'National ID: [id number]; ISO 9001 and 123/45 stay'
    """
    return _ID_PATTERN.sub(_replace_id, text)


def _replace_id(match: re.Match) -> str:
    name = next(n for n in ("nrc", "passport", "bare_passport", "card") if match.group(n))
    start, end = match.span(name)
    whole = match.group(0)
    offset = match.start()
    return whole[: start - offset] + ID_MARK + whole[end - offset :]


def redact_names(text: str) -> str:
    """``text`` with person names that follow a title, an introduction, a label or a sign-off replaced
    by ``[name]``.

    >>> redact_names("Ask Dr. Mutale Banda or Mrs J. Phiri; my name is chanda mwale.")
    'Ask Dr. [name] or Mrs [name]; my name is [name].'
    >>> redact_names("My name is Chanda Mwale, I am Head of Quality.")
    'My name is [name], I am Head of Quality.'
    >>> redact_names("I am not sure. Regards, Mwila Tembo")
    'I am not sure. Regards, [name]'
    """
    return _NAME_PATTERN.sub(_replace_name, text)


def _replace_name(match: re.Match) -> str:
    group = next(g for g in ("titled", "introduced", "iam", "signed") if match.group(g))
    # the name's words, up to the first that cannot be part of a name ("Banda And" in a title-cased
    # answer; "I am Head Of Quality" is no name at all)
    kept = []
    for word in re.finditer(r"\S+", match.group(group)):
        if word.group(0).rstrip(".").casefold() in _NOT_NAMES:
            break
        kept.append(word)
    if not kept or (group in ("iam", "signed") and len(kept) < 2):
        return match.group(0)
    start = match.start(group) - match.start()
    end = start + kept[-1].end()
    whole = match.group(0)
    return whole[:start] + NAME_MARK + whole[end:]


def redact_identifiers(text: str) -> str:
    """Identity numbers first (an NRC number is not a name), then person names."""
    return redact_names(redact_ids(text))

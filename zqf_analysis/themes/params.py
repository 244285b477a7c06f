"""The themes stage's parameter rules, defined once for the notebook, the build's parameter check and
the command line: embedding backends, the number of themes ``k``, the random seed and the parameters
that name a file (codebook, human coding, coded sample).

This module imports nothing heavy, so the build can check parameters without loading the embedding
libraries.
"""

from __future__ import annotations

from zqf_analysis.errors import DataError, check_whole_number

#: Embedding backends (see :mod:`zqf_analysis.themes.embed`).
BACKENDS = ("tfidf", "wordllama", "transformer")
DEFAULT_BACKEND = "wordllama"
#: The fewest discovered themes that make a grouping (one theme would be no theme at all).
MIN_K = 2


def check_backend(value: object) -> str:
    """``value`` if it names a backend; else :class:`DataError`.

    >>> check_backend("tfidf")
    'tfidf'
    """
    if value not in BACKENDS:
        raise DataError(f"parameter backend={value!r}: expected one of {', '.join(BACKENDS)}")
    return str(value)


def check_k(value: object) -> int | str:
    """``"auto"`` or a whole number of at least :data:`MIN_K`; a digit string (from a command line) is
    read as a number.

    >>> check_k("auto"), check_k(4), check_k("5")
    ('auto', 4, 5)
    """
    if value == "auto":
        return value
    return check_whole_number("k", value, MIN_K, ", or 'auto'")


def check_seed(value: object) -> int:
    """A whole number of at least 0.

    >>> check_seed(0)
    0
    """
    return check_whole_number("seed", value, 0)


#: Parameters naming a file, relative to the project root or the dataset folder ("" or "none": none).
FILE_PARAMETERS = ("codebook", "human_coding", "coded_sample")
NO_FILE = ("", "none", "None")


def check_file_parameter(name: str, value: object, exists) -> str:
    """``value`` if it is "", "none" or a file that ``exists(value)`` says is there; else DataError.

    >>> check_file_parameter("coded_sample", "", lambda v: False)
    ''
    """
    if value is None or value in NO_FILE:
        return "" if value is None else str(value)
    if not isinstance(value, str) or not exists(value):
        raise DataError(
            f"parameter {name}={value!r}: expected an existing file (relative to the project or the dataset "
            "folder), '' or 'none'"
        )
    return value

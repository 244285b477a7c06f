"""The group stage's parameter rules, defined once for the notebook, the build's parameter check and the
command line: the p-value adjustment, the smallest base read without a note, the smallest group ever
shown on its own (disclosure control), and the group variable, population and comparison dataset of a
dataset. Light: nothing heavy is imported to check a parameter.
"""

from __future__ import annotations

from pathlib import Path

from zqf_analysis.errors import DataError, check_whole_number

#: Adjustment methods across the family of tests of one group variable, by their statsmodels name
#: (``statsmodels.stats.multitest.multipletests``).
ADJUST_METHODS = {"holm": "holm", "bh": "fdr_bh", "none": None}
ADJUST_LABELS = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no adjustment"}
#: Below this base a group's shares carry a note, and the key findings never lead with it.
DEFAULT_MIN_BASE = 5
#: A group with fewer respondents is never shown on its own (stats/disclosure.py): merged into
#: "other groups", its quotes never listed under its name.
DEFAULT_MIN_DISCLOSURE = 3


def check_adjust(value: object) -> str:
    """``holm``, ``bh`` or ``none``.

    >>> check_adjust("bh")
    'bh'
    """
    if value not in ADJUST_METHODS:
        raise DataError(f"parameter adjust={value!r}: expected one of {', '.join(ADJUST_METHODS)}")
    return str(value)


def check_min_base(value: object) -> int:
    """A whole number of at least 1 (a digit string from a command line is read as a number).

    >>> check_min_base("5")
    5
    """
    return check_whole_number("min_base", value, 1)


def check_min_disclosure(value: object) -> int:
    """A whole number of at least 1 (1 turns disclosure control off); a digit string is read as a number.

    >>> check_min_disclosure("3")
    3
    """
    return check_whole_number("min_disclosure", value, 1, " (the smallest group shown on its own; 3 by default)")


def split_by(value: object) -> list[str]:
    """The group variables named by ``by``: one name or several joined by commas; ``""`` names none
    (the dataset's defaults, see :func:`check_by`).

    >>> split_by("institution_type, Q11"), split_by("")
    (['institution_type', 'Q11'], [])
    """
    if not isinstance(value, str):
        raise DataError(f"parameter by={value!r}: expected a group variable such as 'institution_type', or ''")
    return [part.strip() for part in value.split(",") if part.strip()]


def check_by(value: object, questionnaire) -> list[str]:
    """Each name of ``by`` must be a group variable of the dataset (see :mod:`zqf_analysis.data.groups`);
    ``""`` gives the dataset's default group variables, which may be none."""
    from zqf_analysis.data.groups import default_group_variables, group_variable

    names = split_by(value) or default_group_variables(questionnaire)
    for name in names:
        group_variable(questionnaire, name)
    return names


def check_population(value: object, questionnaire) -> str:
    """``""`` (the questionnaire's ``filter:``), ``all``, or a name under ``filters:``."""
    from zqf_analysis.data.groups import choose_population

    if not isinstance(value, str):
        raise DataError(f"parameter population={value!r}: expected a filter name, '' or 'all'")
    choose_population(questionnaire, value)
    return value


def check_compare(value: object, resolve=None) -> str:
    """``""`` or a dataset folder holding ``questionnaire.yaml``; ``resolve`` turns the text into a path."""
    if not isinstance(value, str):
        raise DataError(f"parameter compare={value!r}: expected a dataset folder or ''")
    if value.strip():
        folder = resolve(value) if resolve else Path(value)
        if not (Path(folder) / "questionnaire.yaml").is_file():
            raise DataError(f"parameter compare={value!r}: expected a dataset folder holding questionnaire.yaml")
    return value

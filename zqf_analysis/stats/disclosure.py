"""Disclosure control for respondent groups: no group smaller than ``min_disclosure`` respondents (3 by
default) is ever shown on its own, in a crosstab cell, a chart, a key finding, ``tables.xlsx`` or a
quote listed under its name.

A small group is not merely hidden: its counts would come back by subtraction from the totals every
page publishes (the whole survey's counts minus the other groups'). So the small groups of a group
variable are merged into one group, "other groups", and when that merged group is itself still under
``min_disclosure`` the smallest of the remaining groups joins it until it is not (or every group is in
it). Every crosstab, test, chart and quote is then made from the merged groups, and each of their rows
says which groups were merged and why. Only when the whole population is under ``min_disclosure`` is
there nothing left to merge with: the cells are then suppressed (no count, share or interval).

This is the threshold rule of national statistics offices (a published cell stands for at least three
respondents), applied to groups of respondents because this survey's groups are small enough to be a
single institution; see the README's "Respondents' consent and disclosure control".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zqf_analysis.stats.params import DEFAULT_MIN_DISCLOSURE, check_min_disclosure

#: The group the small groups of a group variable are merged into.
OTHER_GROUPS = "other groups"


@dataclass(frozen=True)
class GroupPartition:
    """Respondents split into groups safe to show: ``codes[i]`` is respondent i's group in ``labels``,
    ``sizes`` the respondents of each group, ``merged`` the (label, size) of every group folded into
    :data:`OTHER_GROUPS`. Unpacks as ``codes, labels`` like :func:`zqf_analysis.data.groups.group_codes`."""

    codes: np.ndarray
    labels: tuple[str, ...]
    sizes: tuple[int, ...]
    merged: tuple[tuple[str, int], ...] = ()
    joined: tuple[tuple[str, int], ...] = ()
    min_disclosure: int = DEFAULT_MIN_DISCLOSURE

    def __iter__(self):
        return iter((self.codes, self.labels))

    @property
    def other_label(self) -> str | None:
        return self.labels[-1] if self.merged else None

    def suppressed(self, g: int) -> bool:
        """True when group ``g`` is still under ``min_disclosure`` (the whole population is)."""
        return self.sizes[g] < self.min_disclosure

    @property
    def merged_text(self) -> str:
        """Which groups were merged, with their sizes: ``company (1), professional_body (2)``."""
        return ", ".join(f"{label} ({size})" for label, size in (*self.merged, *self.joined))

    def note_of(self, g: int) -> str:
        """The note every row of group ``g`` carries: why the group is merged or suppressed."""
        if self.suppressed(g):
            return (
                f"suppressed: {self.sizes[g]} respondent{'s' if self.sizes[g] != 1 else ''} in all, fewer than "
                f"{self.min_disclosure}, so no count is shown"
            )
        if self.labels[g] != self.other_label:
            return ""
        small = ", ".join(f"{label} ({size})" for label, size in self.merged)
        note = f"merged from {small}: groups of fewer than {self.min_disclosure} respondents are never shown alone"
        if self.joined:
            larger = ", ".join(f"{label} ({size})" for label, size in self.joined)
            note += f"; {larger} joined so that no small group's counts can be worked out by subtraction"
        return note


def protect_groups(codes: np.ndarray, labels: tuple[str, ...], min_disclosure: int = DEFAULT_MIN_DISCLOSURE):
    """The groups of ``labels`` with every group under ``min_disclosure`` respondents merged into
    "other groups" (see the module docstring); a :class:`GroupPartition`.

    >>> part = protect_groups(np.array([0, 0, 0, 1, 1, 1, 1, 2, 3, 3]), ("a", "b", "c", "d"))
    >>> part.labels, part.sizes, part.merged_text
    (('a', 'b', 'other groups'), (3, 4, 3), 'c (1), d (2)')
    >>> protect_groups(np.array([0, 0, 0, 0, 1]), ("a", "b")).labels  # b alone would be total minus a
    ('other groups',)
    """
    min_disclosure = check_min_disclosure(min_disclosure)
    codes = np.asarray(codes)
    sizes = np.bincount(codes, minlength=len(labels))[: len(labels)]
    small = [g for g in range(len(labels)) if 0 < sizes[g] < min_disclosure]
    if not small:
        return GroupPartition(codes, tuple(labels), tuple(int(s) for s in sizes), min_disclosure=min_disclosure)
    merged, joined = list(small), []
    rest = sorted((g for g in range(len(labels)) if g not in small and sizes[g]), key=lambda g: (sizes[g], -g))
    while sizes[merged + joined].sum() < min_disclosure and rest:
        joined.append(rest.pop(0))
    kept = [g for g in range(len(labels)) if g not in merged and g not in joined]
    other = OTHER_GROUPS if OTHER_GROUPS not in labels else f"{OTHER_GROUPS} (merged)"
    new_labels = tuple(labels[g] for g in kept) + (other,)
    position = {g: i for i, g in enumerate(kept)}
    lookup = np.array([position.get(g, len(kept)) for g in range(len(labels))], dtype=np.int64)
    new_codes = lookup[codes]
    new_sizes = np.bincount(new_codes, minlength=len(new_labels))
    return GroupPartition(
        new_codes,
        new_labels,
        tuple(int(s) for s in new_sizes),
        tuple((labels[g], int(sizes[g])) for g in merged),
        tuple((labels[g], int(sizes[g])) for g in joined),
        min_disclosure,
    )


def quote_groups(groups: np.ndarray, labels: tuple[str, ...], min_disclosure: int = DEFAULT_MIN_DISCLOSURE):
    """The label a quote is listed under, for each group index: its own, or "other groups" for a
    group under ``min_disclosure`` respondents (a quote is never listed under a small group's name,
    whoever computed the groups)."""
    sizes = np.bincount(np.asarray(groups), minlength=len(labels))
    return tuple(label if sizes[g] >= min_disclosure else OTHER_GROUPS for g, label in enumerate(labels))

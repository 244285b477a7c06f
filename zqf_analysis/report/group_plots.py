"""Grouped dot plots: one question's shares by group (or by dataset, for a comparison), a dot per group
with its interval as a whisker, one colour per group, readable with up to eight groups.

Drawn on explicit ``Figure`` objects under :data:`zqf_analysis.report.plots.STYLE` (no pyplot state);
labels go through :func:`~zqf_analysis.report.plots.plain` so an answer's ``$`` never starts mathtext.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from zqf_analysis.report.plots import STYLE, plain, wrap

#: The most groups one chart shows; the others stay in the table.
MAX_GROUPS = 8
#: Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), black last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def grouped_dot_chart(
    rows: pd.DataFrame, title: str, interval_label: str, min_base: int, notes: list[str] | None = None
) -> Figure:
    """Shares of ``rows`` (``group, option, share, ci_low, ci_high, base``; one question) as dots
    with interval whiskers, options down the page in the rows' order and one colour per group.

    Groups with no respondent who answered are left out (their rows say so); a group whose base is
    under ``min_base`` is drawn hollow. With more than :data:`MAX_GROUPS` groups the largest are drawn
    and the caption says how many are only in the table.
    """
    notes = list(notes or [])
    answered = rows[rows["base"] > 0]
    bases = answered.groupby("group", sort=False)["base"].max()
    groups = list(bases.index)
    if len(groups) > MAX_GROUPS:
        kept = set(bases.sort_values(ascending=False, kind="stable").index[:MAX_GROUPS])
        notes.append(f"{len(groups) - MAX_GROUPS} smaller group(s) are only in the table.")
        groups = [g for g in groups if g in kept]
    options = list(dict.fromkeys(rows["option"]))
    labels = [wrap(o, 44) for o in options]
    lines = sum(label.count("\n") + 1 for label in labels)
    height = 1.6 + 0.22 * lines + 0.12 * len(options) * max(1, len(groups)) + 0.16 * len(notes)
    step = 0.7 / max(1, len(groups))
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(9.0, height), dpi=100, layout="constrained")
        ax = fig.subplots()
        position = {o: i for i, o in enumerate(options)}
        handles = []
        for number, group in enumerate(groups):
            colour = PALETTE[number % len(PALETTE)]
            own = answered[answered["group"] == group]
            y = np.array([position[o] for o in own["option"]]) - 0.35 + step * (number + 0.5)
            share, low, high = (100 * own[c].astype(float).to_numpy() for c in ("share", "ci_low", "ci_high"))
            ax.hlines(y, low, high, colors=colour, linewidth=1.1)
            small = int(bases[group]) < min_base
            ax.scatter(share, y, s=26, color="white" if small else colour, edgecolors=colour, linewidths=1.2, zorder=3)
            label = f"{plain(group)} (base {int(bases[group])}{', small' if small else ''})"
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    color=colour,
                    markerfacecolor="white" if small else colour,
                    linestyle="-",
                    label=label,
                )
            )
        ax.set_yticks(range(len(options)), labels)
        ax.set_ylim(len(options) - 0.5, -0.5)
        for boundary in range(1, len(options)):
            ax.axhline(boundary - 0.5, color="#e4e8ec", linewidth=0.6)
        ax.set_xlim(-2, 102)  # a dot at 0% or 100% is drawn whole
        ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel(f"share of the group's respondents who answered (%), whiskers: {interval_label}")
        if handles:
            ax.legend(
                handles=handles,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.12 - 0.02 * len(notes)),
                ncol=min(2, len(handles)),
                fontsize=7.5,
                frameon=False,
            )
        fig.suptitle(wrap(title, 110), x=0.01, ha="left", fontsize=10)
        caption = [f"Hollow dot: base under {min_base} respondents, read with care.", *notes]
        fig.supxlabel("\n".join(wrap(n, 140) for n in caption), fontsize=7.5, ha="left", x=0.01, color="#333333")
    return fig


def comparison_rows(comparison: pd.DataFrame, question_id: str, this: str, other: str) -> pd.DataFrame:
    """One question of a comparison as the rows :func:`grouped_dot_chart` draws: each dataset a group."""
    own = comparison[comparison["question_id"] == question_id]
    known = own["count"].notna()
    first = pd.DataFrame(
        {
            "group": this,
            "option": own["option"],
            "share": own["share"],
            "ci_low": own["ci_low"],
            "ci_high": own["ci_high"],
            "base": np.where(known, own["base"], 0),
        }
    )
    other_known = own["other_count"].notna()
    second = pd.DataFrame(
        {
            "group": other,
            "option": own["option"],
            "share": own["other_share"],
            "ci_low": own["other_ci_low"],
            "ci_high": own["other_ci_high"],
            "base": np.where(other_known, own["other_base"], 0),
        }
    )
    return pd.concat([first, second], ignore_index=True)

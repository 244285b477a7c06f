"""Charts of the closed questions and the respondent profile, saved as byte-stable PNG and SVG.

Figures are built on explicit ``Figure`` objects (no pyplot state), every label is treated as plain
text (a ``$`` in an answer never starts mathtext), and a count the source lost gets no bar, only the
words "not legible in source".
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from zqf_analysis import io as zio
from zqf_analysis.data.questionnaire import Question
from zqf_analysis.stats.describe import NOT_LEGIBLE, IntervalSettings, percent_text, pie_base_note

#: Settings under which every figure is drawn and saved: fixed fonts (the SVG id salt and text-as-text
#: come from :data:`zqf_analysis.io.FIGURE_SAVE_RC`), so a rerun writes the same bytes.
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "text.usetex": False,
    "path.simplify": True,
}
BAR_COLOUR = "#3b6ea8"
STATED_COLOUR = "#9bb7d8"
MISSING_COLOUR = "#7a7a7a"
LABEL_WIDTH = 48


def plain(text: object) -> str:
    """``text`` safe to hand to matplotlib as data: ``$`` escaped so it never switches on mathtext.

    >>> plain("Costs in $ and $$")
    'Costs in \\\\$ and \\\\$\\\\$'
    """
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def wrap(text: object, width: int = LABEL_WIDTH) -> str:
    """A label wrapped onto lines of at most ``width`` characters, escaped with :func:`plain`."""
    return (
        "\n".join(textwrap.wrap(plain(text), width=width, break_long_words=True, break_on_hyphens=False))
        or " "
    )


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), dpi=100, layout="constrained")


def question_chart(
    summary: pd.DataFrame,
    question: Question,
    notes: list[str] | None = None,
    settings: IntervalSettings | None = None,
) -> Figure:
    """Horizontal bars of one closed question in the form's option order.

    Each bar is the share of the base, labelled with its count and percentage, with the interval as a
    whisker; a count lost in the source has no bar and reads "not legible in source"; a count taken
    from the report's prose is drawn lighter. ``notes`` are printed under the chart (the base first).
    """
    settings = settings or IntervalSettings()
    rows = summary[summary["question_id"] == question.id].reset_index(drop=True)
    labels = [wrap(o) for o in rows["option"]]
    percent = 100 * rows["share"].astype(float)
    low = 100 * rows["ci_low"].astype(float)
    high = 100 * rows["ci_high"].astype(float)
    notes = notes or []
    height = 1.4 + 0.3 * sum(label.count("\n") + 1 for label in labels) + 0.15 * len(rows) + 0.16 * len(notes)
    with matplotlib.rc_context(STYLE):
        fig = _figure(9.0, height)
        ax = fig.subplots()
        colours = np.array([STATED_COLOUR if s == "stated" else BAR_COLOUR for s in rows["status"]])
        positions = np.arange(len(rows))
        known = ~percent.isna()
        drawn = known.to_numpy()
        # plain bars in the form's order (seaborn's barplot would aggregate first: a tenth of a second
        # per chart for nothing); a count the source lost gets no bar at all
        ax.barh(positions[drawn], percent[known].to_numpy(), height=0.7, color=colours[drawn].tolist())
        ax.set_yticks(positions, labels)
        # The interval is drawn from its own bounds, not as +/- around the share: some methods
        # (Jeffreys at 0 or at the base) give an interval that does not contain the share.
        rows_known = positions[known.to_numpy()]
        ax.hlines(rows_known, low[known], high[known], colors="#222222", linewidth=0.9, label="interval")
        ax.vlines(
            np.concatenate([low[known], high[known]]),
            np.concatenate([rows_known, rows_known]) - 0.12,
            np.concatenate([rows_known, rows_known]) + 0.12,
            colors="#222222",
            linewidth=0.9,
        )
        for position, record, upper in zip(positions, rows.itertuples(index=False), high, strict=True):
            if pd.isna(record.count):
                ax.text(
                    1, position, NOT_LEGIBLE, va="center", ha="left", color=MISSING_COLOUR, style="italic"
                )
            else:
                text = f"{int(record.count)} ({percent_text(int(record.count), int(record.base), 0)})"
                if record.status == "stated":
                    text += " stated in prose"
                ax.text(upper + 1.5, position, text, va="center", ha="left")
        ax.set_xlim(0, 112)
        ax.set_ylim(len(rows) - 0.5, -0.5)  # whiskers exist only for known counts; keep every option's row
        ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel(f"share of the base (%), whiskers: {settings.label}")
        ax.set_ylabel("")
        fig.suptitle(wrap(f"{question.id}. {question.text}", 110), x=0.01, ha="left", fontsize=10)
        if notes:
            fig.supxlabel(
                "\n".join(wrap(n, 140) for n in notes), fontsize=7.5, ha="left", x=0.01, color="#333333"
            )
    return fig


def pie_chart(summary: pd.DataFrame, question: Question) -> Figure:
    """A single-choice question drawn as the report did: a pie whose percentages are shares of the
    answers counted, captioned with the base those percentages imply."""
    rows = summary[(summary["question_id"] == question.id)].dropna(subset=["count"])
    rows = rows[rows["count"] > 0]
    answers = int(rows["count"].sum())
    with matplotlib.rc_context(STYLE):
        fig = _figure(7.5, 4.6)
        ax = fig.subplots()
        if answers:
            labels = [
                f"{wrap(o, 40)}\n{int(c)} = {percent_text(int(c), answers, 0)}"
                for o, c in zip(rows["option"], rows["count"], strict=True)
            ]
            ax.pie(
                rows["count"].astype(int),
                labels=labels,
                startangle=90,
                counterclock=False,
                colors=sns.color_palette("Blues_r", len(rows)),
                wedgeprops={"linewidth": 1, "edgecolor": "white"},
                textprops={"fontsize": 8},
            )
        ax.set_aspect("equal")
        fig.suptitle(wrap(f"{question.id} as the report's pie", 80), x=0.01, ha="left", fontsize=10)
        fig.supxlabel(wrap(pie_base_note(summary, question.id), 110), fontsize=7.5, ha="left", x=0.01)
    return fig


def institutions_chart(profile: pd.DataFrame) -> Figure:
    """Submissions by institution (canonical names), coloured by type; institutions that sent more than
    one submission are labelled so they stand out."""
    labels = [wrap(n, 50) for n in profile["canonical_name"]]
    types = sorted(profile["institution_type"].unique())
    palette = dict(zip(types, sns.color_palette("colorblind", len(types)), strict=True))
    with matplotlib.rc_context(STYLE):
        fig = _figure(9.0, 1.4 + 0.3 * len(profile))
        ax = fig.subplots()
        frame = pd.DataFrame(
            {
                "label": labels,
                "submissions": profile["submissions"].astype(int),
                "type": [plain(t) for t in profile["institution_type"]],
            }
        )
        sns.barplot(
            data=frame,
            x="submissions",
            y="label",
            hue="type",
            order=labels,
            dodge=False,
            ax=ax,
            orient="h",
            palette={plain(k): v for k, v in palette.items()},
            errorbar=None,
        )
        pairs = zip(profile["submissions"], profile["multiple"], strict=True)
        for position, (count, multiple) in enumerate(pairs):
            ax.text(
                int(count) + 0.08,
                position,
                f"{int(count)}" + ("  (more than one submission)" if multiple else ""),
                va="center",
                fontsize=8,
                fontweight="bold" if multiple else "normal",
            )
        ax.set_xlim(0, max(int(profile["submissions"].max()) + 2.5, 3))
        ax.set_xlabel(f"submissions (total {int(profile['submissions'].sum())})")
        ax.set_ylabel("")
        ax.legend(title="institution type", loc="lower right", fontsize=8, title_fontsize=8)
        ax.set_title("Respondents: submissions by institution", loc="left", fontsize=10)
    return fig


def types_chart(by_type: pd.DataFrame) -> Figure:
    """Institutions and submissions by institution type, side by side."""
    frame = by_type.melt(
        id_vars="institution_type",
        value_vars=["institutions", "submissions"],
        var_name="counted",
        value_name="n",
    )
    frame["institution_type"] = frame["institution_type"].map(plain)
    with matplotlib.rc_context(STYLE):
        fig = _figure(8.0, 1.4 + 0.45 * len(by_type))
        ax = fig.subplots()
        sns.barplot(
            data=frame,
            x="n",
            y="institution_type",
            hue="counted",
            ax=ax,
            orient="h",
            errorbar=None,
            palette=["#9bb7d8", BAR_COLOUR],
        )
        for container in ax.containers:
            ax.bar_label(container, fmt="%d", padding=2, fontsize=8)
        ax.set_xlabel("number")
        ax.set_ylabel("")
        ax.set_title(
            f"Respondents by institution type ({int(by_type['submissions'].sum())} submissions)",
            loc="left",
            fontsize=10,
        )
    return fig


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """The figure rendered as ``png`` or ``svg`` bytes under :data:`STYLE` (see :func:`io.figure_bytes`)."""
    return zio.figure_bytes(fig, fmt, STYLE)


def save_figure(fig: Figure, folder: str | Path, stem: str) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` into ``folder`` atomically (see :func:`io.save_figure`)."""
    return zio.save_figure(fig, folder, stem, STYLE)

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


def ranking_chart(rankings: pd.DataFrame, ranking_summary: pd.DataFrame, question: Question) -> Figure:
    """A ranking question as stacked bars, one per option, best mean rank on top: each segment is the
    share of the answering respondents who put the option at that rank (rank 1 darkest), labelled with
    the option's mean rank."""
    rows = ranking_summary[ranking_summary["question_id"] == question.id].sort_values("mean_rank", kind="stable")
    ranks = rankings[rankings["question_id"] == question.id]
    depth = len(question.options)
    base = int(rows["base"].iloc[0]) if len(rows) else 0
    colours = sns.color_palette("Blues_r", depth + 2)[:depth]
    with matplotlib.rc_context(STYLE):
        fig = _figure(9.0, 1.6 + 0.45 * len(rows))
        ax = fig.subplots()
        positions = np.arange(len(rows))
        left = np.zeros(len(rows))
        for rank in range(1, depth + 1):
            at = ranks[ranks["rank"].astype(int) == rank].set_index("option")["count"].astype(int)
            values = np.array([100 * at.get(o, 0) / base if base else 0.0 for o in rows["option"]])
            ax.barh(positions, values, left=left, height=0.7, color=[colours[rank - 1]], label=f"rank {rank}")
            left += values
        labels = [wrap(o, 40) for o in rows["option"]]
        ax.set_yticks(positions, labels)
        for position, record in zip(positions, rows.itertuples(index=False), strict=True):
            mean = "" if pd.isna(record.mean_rank) else f"mean rank {record.mean_rank:.2f}"
            ax.text(101, position, mean, va="center", ha="left", fontsize=8)
        ax.set_xlim(0, 125)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel(f"share of the {base} respondents who answered (%), by the rank they gave")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=7, ncols=min(depth, 6), frameon=False)
        fig.suptitle(wrap(f"{question.id}. {question.text}", 110), x=0.01, ha="left", fontsize=10)
    return fig


def scale_group_chart(summary: pd.DataFrame, questions: tuple[Question, ...], group: str) -> Figure:
    """Scale questions of one group (a Likert grid's statements) as diverging stacked bars: the options
    below the middle of the scale go left of zero, those above go right, a middle option straddles
    zero; each segment is a share of that statement's base. A lost count gets no segment and is named."""
    options = questions[0].options
    depth = len(options)
    colours = sns.color_palette("RdBu", depth)
    with matplotlib.rc_context(STYLE):
        fig = _figure(9.0, 1.8 + 0.5 * len(questions))
        ax = fig.subplots()
        positions = np.arange(len(questions))
        shares = np.zeros((len(questions), depth))
        lost = []
        for row, question in enumerate(questions):
            own = summary[summary["question_id"] == question.id].set_index("option")
            shares[row] = [0.0 if pd.isna(own.at[o, "share"]) else 100 * float(own.at[o, "share"]) for o in options]
            lost.append(int(own["count"].isna().sum()))
        middle = depth // 2
        start = -shares[:, :middle].sum(axis=1) - (shares[:, middle] / 2 if depth % 2 else 0)
        left = start.copy()
        for column, option in enumerate(options):
            ax.barh(positions, shares[:, column], left=left, height=0.7, color=[colours[column]], label=plain(option))
            left += shares[:, column]
        labels = []
        for question, missing in zip(questions, lost, strict=True):
            base = int(summary.loc[summary["question_id"] == question.id, "base"].iloc[0])
            extra = f"; {missing} count(s) not legible" if missing else ""
            labels.append(wrap(f"{question.id}. {question.text} (base {base}{extra})", 44))
        ax.set_yticks(positions, labels)
        ax.axvline(0, color="#222222", linewidth=0.8)
        ax.set_xlim(-100, 100)
        ax.set_xticks(range(-100, 101, 25), [f"{abs(t)}" for t in range(-100, 101, 25)])
        ax.set_ylim(len(questions) - 0.5, -0.5)
        ax.set_xlabel("share of each statement's base (%): left of 0 the lower end of the scale, right the upper")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=7, ncols=min(depth, 5), frameon=False)
        fig.suptitle(wrap(group, 110), x=0.01, ha="left", fontsize=10)
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

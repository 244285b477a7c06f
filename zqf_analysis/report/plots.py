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


#: The most bars a chart draws: a question with more options shows its most chosen ones and one line
#: for the rest (the full table is in tables.xlsx).
MAX_BARS = 15
#: The tallest figure, in inches: 13 in at the saved PNG's 150 dpi is 1,950 px.
MAX_HEIGHT_IN = 13.0


def shown_options(rows: pd.DataFrame, limit: int = MAX_BARS) -> tuple[pd.DataFrame, dict | None]:
    """The rows a chart draws and what it leaves out: every option in the form's order when there are at
    most ``limit``; else the ``limit - 1`` most chosen (most first, ties in the form's order) and a
    summary of the rest (``options``, ``most``, ``least``, ``count``: their summed count).

    >>> rows = pd.DataFrame({"option": list("abcd"), "count": [1, 5, 3, 2]})
    >>> kept, rest = shown_options(rows, 3)
    >>> kept["option"].tolist(), rest
    (['b', 'c'], {'options': 2, 'most': 2, 'least': 1, 'count': 3})
    """
    rows = rows.reset_index(drop=True)
    if len(rows) <= limit:
        return rows, None
    counts = pd.to_numeric(rows["count"], errors="coerce").fillna(-1)
    order = sorted(range(len(rows)), key=lambda i: (-counts[i], i))
    kept, left = order[: limit - 1], order[limit - 1 :]
    rest = counts[left].clip(lower=0).astype(int)
    return rows.iloc[kept].reset_index(drop=True), {
        "options": len(left),
        "most": int(rest.max()),
        "least": int(rest.min()),
        "count": int(rest.sum()),
    }


def axis_limit(highest_percent: float) -> float:
    """The end of a share axis fitted to the data: the next step of 10 points above the highest bar or
    whisker (5 below 20%), never past 100.

    >>> axis_limit(87.0), axis_limit(12.3), axis_limit(3.1), axis_limit(float("nan"))
    (90.0, 15.0, 5.0, 100.0)
    """
    if highest_percent != highest_percent or highest_percent <= 0:
        return 100.0
    step = 5.0 if highest_percent < 20 else 10.0
    return float(min(100.0, step * np.ceil(highest_percent / step + 1e-9)))


def count_label(count: int, base: int) -> str:
    """A bar's label: its count and percentage, whole percent below a base of 100, else one decimal so
    that 6 of 1,260 reads 0.5%, not 0%.

    >>> count_label(5, 23), count_label(6, 1260)
    ('5 (22%)', '6 (0.5%)')
    """
    return f"{count} ({percent_text(count, base, 0 if base < 100 else 1)})"


def _fit_labels(labels: list[str], budget_lines: float) -> list[str]:
    """Labels shortened to one line each when their wrapped lines would not fit the figure."""
    if sum(label.count("\n") + 1 for label in labels) <= budget_lines:
        return labels
    return [label.split("\n")[0] + ("…" if "\n" in label else "") for label in labels]


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
    A question with more than :data:`MAX_BARS` options shows its most chosen ones, most first, and a
    line for the rest; the axis ends just above the highest whisker, and the figure is never taller
    than :data:`MAX_HEIGHT_IN`.
    """
    settings = settings or IntervalSettings()
    rows, rest = shown_options(summary[summary["question_id"] == question.id])
    notes = list(notes or [])
    if rest:
        notes.append(
            f"The other {rest['options']} options ({rest['least']} to {rest['most']} answers each, "
            f"{rest['count']} in all) are not drawn: every option is in tables.xlsx."
        )
    labels = _fit_labels([wrap(o) for o in rows["option"]], (MAX_HEIGHT_IN - 1.6) / 0.3 - len(rows))
    percent = 100 * rows["share"].astype(float)
    low = 100 * rows["ci_low"].astype(float)
    high = 100 * rows["ci_high"].astype(float)
    lines = sum(label.count("\n") + 1 for label in labels)
    height = min(MAX_HEIGHT_IN, 1.4 + 0.3 * lines + 0.15 * len(rows) + 0.16 * len(notes))
    limit = axis_limit(float(np.nanmax([*high.to_numpy(), *percent.to_numpy(), np.nan])) if len(rows) else 100)
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
        gap = limit / 75
        for position, record, upper in zip(positions, rows.itertuples(index=False), high, strict=True):
            if pd.isna(record.count):
                ax.text(
                    gap, position, NOT_LEGIBLE, va="center", ha="left", color=MISSING_COLOUR, style="italic"
                )
            else:
                text = count_label(int(record.count), int(record.base))
                if record.status == "stated":
                    text += " stated in prose"
                ax.text(upper + gap * 1.5, position, text, va="center", ha="left")
        ax.set_ylim(len(rows) - 0.5, -0.5)  # whiskers exist only for known counts; keep every option's row
        # ticks up to the fitted end, and room after it for the count labels
        ax.set_xticks([t for t in ax.xaxis.get_major_locator().tick_values(0, limit) if 0 <= t <= limit])
        ax.set_xlim(0, limit * 1.24)
        ax.set_xlabel(f"share of the base (%), whiskers: {settings.label}")
        ax.set_ylabel("")
        fig.suptitle(wrap(f"{question.id}. {question.text}", 110), x=0.01, ha="left", fontsize=10)
        if notes:
            fig.supxlabel(
                "\n".join(wrap(n, 140) for n in notes), fontsize=7.5, ha="left", x=0.01, color="#333333"
            )
    return fig


def pie_chart(summary: pd.DataFrame, question: Question) -> Figure:
    """A single-choice question declared ``chart: pie`` (as a published report drew it): a pie whose
    percentages are shares of the answers counted, captioned with the base those percentages imply."""
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
        fig.suptitle(wrap(f"{question.id} as a pie", 80), x=0.01, ha="left", fontsize=10)
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
        fig = _figure(9.0, min(MAX_HEIGHT_IN, 1.6 + 0.45 * len(rows)))
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
        fig = _figure(9.0, min(MAX_HEIGHT_IN, 1.8 + 0.5 * len(questions)))
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
def merged_profile(profile: pd.DataFrame) -> pd.DataFrame:
    """The institution profile with one row per canonical name: printed names that clean to the same
    name ("Biology" 248 and "biology" 18) are added up before drawing, so one bar carries 266. The type
    is the one with the most submissions; ``multiple`` marks more than one submission; most first.

    >>> frame = pd.DataFrame({"canonical_name": ["Biology", "Biology", "Chemistry"],
    ...                       "institution_type": ["unmapped"] * 3, "submissions": [248, 18, 3]})
    >>> merged_profile(frame)[["canonical_name", "submissions"]].values.tolist()
    [['Biology', 266], ['Chemistry', 3]]
    """
    frame = profile[["canonical_name", "institution_type", "submissions"]].copy()
    frame["submissions"] = frame["submissions"].astype(int)
    frame["position"] = range(len(frame))
    types = (
        frame.sort_values(["submissions", "position"], ascending=[False, True], kind="stable")
        .groupby("canonical_name", sort=False)["institution_type"]
        .first()
    )
    merged = frame.groupby("canonical_name", sort=False).agg(
        submissions=("submissions", "sum"), position=("position", "min")
    )
    merged["institution_type"] = types
    merged = merged.reset_index().sort_values(["submissions", "position"], ascending=[False, True], kind="stable")
    merged["multiple"] = merged["submissions"] > 1
    return merged[["canonical_name", "institution_type", "submissions", "multiple"]].reset_index(drop=True)


def institutions_chart(profile: pd.DataFrame) -> Figure:
    """Submissions by institution (canonical names, printed spellings added up), coloured by type; the
    most frequent :data:`MAX_BARS` institutions and a line for the rest. Institutions that sent more
    than one submission are labelled so they stand out; each label is placed on its own bar."""
    merged = merged_profile(profile)
    rows = merged.rename(columns={"submissions": "count"})
    shown, rest = shown_options(rows)
    labels = [wrap(n, 50) for n in shown["canonical_name"]]
    types = sorted(merged["institution_type"].unique())
    palette = dict(zip(types, sns.color_palette("colorblind", len(types)), strict=True))
    lines = sum(label.count("\n") + 1 for label in labels)
    height = min(MAX_HEIGHT_IN, 1.6 + 0.26 * lines + 0.08 * len(shown) + (0.3 if rest else 0))
    counts = shown["count"].astype(int).to_numpy()
    with matplotlib.rc_context(STYLE):
        fig = _figure(9.0, height)
        ax = fig.subplots()
        positions = np.arange(len(shown))
        for kind in types:
            mine = (shown["institution_type"] == kind).to_numpy()
            ax.barh(positions[mine], counts[mine], height=0.7, color=palette[kind], label=plain(kind))
        top = int(counts.max()) if len(counts) else 1
        for position, count, multiple in zip(positions, counts, shown["multiple"], strict=True):
            ax.text(
                count + top * 0.01 + 0.05,
                position,
                f"{int(count)}" + ("  (more than one submission)" if multiple else ""),
                va="center",
                fontsize=8,
                fontweight="bold" if multiple else "normal",
            )
        ax.set_yticks(positions, labels)
        ax.set_ylim(len(shown) - 0.5, -0.5)
        ax.set_xlim(0, max(top * 1.35 + 1, 3))
        total = int(merged["submissions"].sum())
        ax.set_xlabel(f"submissions (total {total} from {len(merged)} institutions)")
        ax.set_ylabel("")
        ax.legend(title="institution type", loc="lower right", fontsize=8, title_fontsize=8)
        ax.set_title("Respondents: submissions by institution", loc="left", fontsize=10)
        if rest:
            fig.supxlabel(
                f"The other {rest['options']} institutions ({rest['least']} to {rest['most']} submissions each, "
                f"{rest['count']} in all) are not drawn: every institution is in tables.xlsx.",
                fontsize=7.5, ha="left", x=0.01, color="#333333",
            )
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

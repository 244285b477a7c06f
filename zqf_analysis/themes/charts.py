"""The charts of a themes run (:class:`zqf_analysis.themes.stage.ThemeResult`): the theme chart (answers
per code or discovered theme) and the map of the segments. Plain matplotlib ``Figure`` objects: no pyplot,
no backend chosen, no global setting changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def theme_chart(result) -> Figure:
    """A Box-3-like horizontal bar chart: how many answers mention each code (or cluster), out of the
    substantive answers; returns the matplotlib figure.

    The figure is a plain ``Figure`` (no pyplot, no backend chosen, no global setting changed), so
    drawing it leaves the notebook's own figures and their display alone."""
    from matplotlib.figure import Figure

    substantive = int(result.answers["substantive"].sum())
    if result.codes is not None:
        data = result.codes[result.codes["responses"] > 0]
        labels, values, primary = data["label"].tolist(), data["responses"].tolist(), data["primary"].tolist()
        title = result.codebook.title or f"Coded themes of {result.params.question}"
    else:
        labels = result.clusters["cluster_label"].tolist()
        values = result.clusters["responses"].tolist()
        first = result.responses[result.responses["substantive"]]["cluster"].astype(int).value_counts()
        primary = [int(first.get(c, 0)) for c in result.clusters["cluster"]]
        title = f"Discovered themes of {result.params.question}"
    order = list(reversed(range(len(labels))))
    figure = Figure(figsize=(8, min(13.0, 0.55 * len(labels) + 1.6)))  # at most 1,950 px at 150 dpi
    axes = figure.subplots()
    positions = np.arange(len(labels))
    axes.barh(positions, [values[i] for i in order], color="#9ecae1", label="answers mentioning the theme")
    axes.barh(
        positions,
        [primary[i] for i in order],
        color="#3182bd",
        height=0.45,
        label="first point of the answer",
    )
    axes.set_yticks(positions, [_wrap(labels[i]) for i in order], fontsize=8)
    axes.set_xlabel(f"answers (of {substantive} substantive answers; an answer may mention several themes)")
    axes.set_title(title, fontsize=10)
    axes.xaxis.get_major_locator().set_params(integer=True)
    for y, i in zip(positions, order, strict=True):
        axes.text(values[i] + 0.1, y, str(values[i]), va="center", fontsize=8)
    axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    return figure


def map_chart(result) -> Figure:
    """The map of the segments: their first two principal components (``result.coords``), one colour
    per discovered theme; a plain ``Figure`` like :func:`theme_chart`, for the notebook to show."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 5))
    axes = figure.subplots()
    for cluster in result.clusters.itertuples():
        mask = (result.segments["cluster"] == cluster.cluster).to_numpy()
        axes.scatter(result.coords[mask, 0], result.coords[mask, 1], label=cluster.cluster_label, s=30)
    axes.set_xlabel("component 1")
    axes.set_ylabel("component 2")
    axes.legend(fontsize=7, loc="best")
    axes.set_title(f"{result.params.question}: segments by discovered theme")
    return figure


def _wrap(text: str, width: int = 40) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)

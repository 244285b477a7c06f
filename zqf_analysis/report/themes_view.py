"""What ``03_themes`` shows a reviewer of one open question, from 20 answers to 20,000: the verdict on
the discovered themes first; then, when they have structure, each theme with its size, its terms and a
sample of quotes (the most typical, and those the clustering was least sure of); when they have none,
the codebook coding leads, or a call to write a codebook. Full lists of quotes go to ``tables.xlsx`` and
to a collapsed block of the full page only.

Each ``show_*`` function displays its own parts; the others return what the notebook displays.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import HTML, display

from zqf_analysis import paths
from zqf_analysis.report import show
from zqf_analysis.themes.quotes import FULL_PAGE_QUOTES, code_sample, quote_sample, quotes_sheet_frame

#: The most rows of a listing (answers left out, answers to review) a reviewer page shows.
MAX_ROWS = 20


def shown_path(path: str | Path | None, dataset: str | Path) -> str:
    """A file named on a page without the analyst's own folders: relative to the project root when it
    is inside it, else to the dataset folder, else its name alone.

    >>> root = paths.project_root()
    >>> shown_path(root / "data" / "raw" / "zaqa-2024" / "codebooks" / "q8.yaml", root / "data" / "raw" / "zaqa-2024")
    'data/raw/zaqa-2024/codebooks/q8.yaml'
    >>> shown_path("/somewhere/else/q8.yaml", "/elsewhere/dataset")
    'q8.yaml'
    """
    if not path:
        return "none"
    path = Path(path).resolve()
    for base, prefix in ((paths.project_root(), ""), (Path(dataset).resolve(), f"{Path(dataset).name}/")):
        if path.is_relative_to(base):
            return prefix + path.relative_to(base).as_posix()
    return path.name


def headline(result) -> str:
    """The page's first note: answers, substantive answers, segments, backend, codebook (a path shown
    relative to the project or the dataset, never the analyst's own folders)."""
    answers = result.answers
    codebook = shown_path(result.codebook.path, result.params.dataset_path) if result.codebook else "none"
    return (
        f"{result.params.question}: {len(answers)} answers, {int(answers['substantive'].sum())} substantive, "
        f"{len(result.segments)} segments; backend {result.params.backend}; codebook: {codebook}"
    )


def show_verdict(result) -> None:
    """Whether the discovered themes are distinct groups, plainly; and what the page leads with."""
    structure = result.structure
    if structure is None:
        return
    steady = structure.found and not structure.unstable
    display(show.note(structure.sentence, "ok" if steady else "warning"))
    if structure.found:
        return
    if result.codebook is not None:
        display(show.note("The discovered themes are therefore not findings: this page leads with the coding "
                          "against the question's codebook, and lists the discovered themes after it for the "
                          "record.", "warning"))
    else:
        question = result.params.question
        display(show.note(
            f"The discovered themes are therefore not findings, and {question} has no codebook to code its answers "
            "with. To report on these answers, write a codebook (codes with a definition and indicator words, as "
            "in the dataset's codebooks/ folder): python -m zqf_analysis draft-codebook --input answers.csv "
            f"--question {question} --output codebooks/{question.lower()}.yaml drafts one from these clusters "
            "for a person to define, check and correct.", "warning"))


def leads_with_codes(result) -> bool:
    """True when the coded themes come first: no structure in the discovered ones, and a codebook."""
    return result.codebook is not None and result.structure is not None and not result.structure.found


def cluster_quote_tables(result, typical: int = 3, unsure: int = 2) -> list[HTML]:
    """Per discovered theme: its size, its terms and a sample of its quotes (cleaned text)."""
    tables = []
    for cluster in result.clusters.itertuples():
        own = result.segments[result.segments["cluster"] == cluster.cluster]
        sample = quote_sample(own, typical, unsure)[["response_id", "segment", "shown as", "codes"]]
        caption = (
            f"{cluster.cluster_label}: {cluster.segments} segments from {cluster.responses} answers; terms: "
            f"{cluster.top_terms or '(none)'}; {len(sample)} of its quotes shown"
        )
        tables.append(show.table(sample, caption=caption))
    return tables


def code_quote_tables(result, typical: int = 3, unsure: int = 2) -> list[HTML]:
    """Per code with answers: how many, and a sample of them (sure first, then the least sure)."""
    if result.codes is None:
        return []
    substantive = result.responses[result.responses["substantive"]]
    tables = []
    for code in result.codes.itertuples():
        if not code.responses:
            continue
        sample = code_sample(substantive, code.code, typical, unsure)
        sample = sample[["response_id", "clean_text", "primary_code", "evidence", "shown as"]]
        caption = (
            f"{code.label} ({code.code}): {code.responses} answers, {code.primary} as their first point; "
            f"{len(sample)} shown"
        )
        tables.append(show.table(sample, caption=caption))
    return tables


def all_quotes(result, limit: int = FULL_PAGE_QUOTES) -> HTML:
    """Every segment under its theme in a collapsed block, for the full page (the reviewer page leaves
    the cell out): at most ``limit`` rows, the rest in ``tables.xlsx``."""
    frame = quotes_sheet_frame(result)[["cluster", "cluster_label", "response_id", "segment_number", "segment"]]
    where = f"data/processed/{result.params.dataset_path.name}/themes_{result.params.question}.csv"
    more = f" (the first {limit} of {len(frame)}; all of them in {where})" if len(frame) > limit else ""
    body = show.table(frame.head(limit)).data
    summary = show.escape(f"All {len(frame)} quotes under their themes{more}")
    return HTML(f"<details><summary>{summary}</summary>{body}</details>")


def limited(frame: pd.DataFrame, caption: str, limit: int = MAX_ROWS) -> HTML:
    """A table of at most ``limit`` rows, its caption saying how many there are and where the rest is; no
    rows: the caption alone, as a note (an empty table under "0 ..." reads as something missing)."""
    if frame.empty:
        return show.note(f"{caption}.")
    if len(frame) > limit:
        caption += f" (the first {limit} of {len(frame)}; all in tables.xlsx)"
    return show.table(frame.head(limit), caption=caption)


def codes_source(result) -> str:
    """Where the codebook's codes come from, as its own file says (``source:``), for the theme chart."""
    if result.codebook is None or not getattr(result.codebook, "source", ""):
        return ""
    return f"The codes come from {result.codebook.source}: compare the chart with it."


def show_sections(result) -> None:
    """The discovered and the coded themes, the one that leads first (:func:`leads_with_codes`)."""
    parts = (show_coded, show_discovered) if leads_with_codes(result) else (show_discovered, show_coded)
    for part in parts:
        part(result)


def show_discovered(result) -> None:
    """The discovered themes: how k was chosen, each theme's size and terms with a sample of its quotes
    (only when they have structure: else the table alone, for the record), and the map."""
    from zqf_analysis.themes.charts import map_chart

    found = result.structure is None or result.structure.found
    display(HTML("<h3>Discovered themes" + ("" if found else " (no structure: for the record)") + "</h3>"))
    how = "seeded by the codebook" if result.guided else "free k-means"
    display(show.note(f"k = {result.k} ({how}); stability across 10 seeds (mean pairwise ARI): {result.stability:.2f}"))
    caption = "Choice of k (silhouette; empty when k was given or set by the codebook)"
    display(show.table(result.k_table, caption=caption))
    display(show.table(result.clusters, caption="Discovered themes: size in segments and in answers, top terms"))
    if found:
        for table in cluster_quote_tables(result):
            display(table)
    if result.codebook is None:  # the theme chart counts the discovered themes
        show_theme_chart(result)
    display(show.figure(map_chart(result), width=620))


def show_theme_chart(result) -> None:
    """The theme chart as ``run_themes`` saved it to ``figures/``, and where the codes come from."""
    from IPython.display import Image

    chart = next((p for p in result.written if p.suffix == ".png" and p.stem.startswith("themes_")), None)
    if chart is not None:
        display(Image(filename=str(chart), width=760))
    source = codes_source(result)
    if source:
        display(show.note(source))


def show_coded(result) -> None:
    """The coded themes: answers per code, the theme chart, a sample of each code's answers and the
    answers to review (the first :data:`MAX_ROWS`)."""
    if result.codebook is None:
        display(show.note("No codebook for this question: only discovered themes are shown.", "warning"))
        return
    display(HTML(f"<h3>Coded themes · {show.escape(result.codebook.title or result.params.question)}</h3>"))
    display(show.table(result.codes, caption="Codes: answers mentioning each, answers where it is the primary code, "
                                             "segments"))
    show_theme_chart(result)
    for table in code_quote_tables(result):
        display(table)
    display(limited(result.review, f"{len(result.review)} answers for review (no indicator matched)"))

"""Which quotes a reviewer reads under each theme: a few of the most typical (closest to their
theme's centre) and a few the clustering was least sure of (nearly as close to another theme), instead
of every segment; the full list goes to ``tables.xlsx`` and to a collapsed block of the full page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zqf_analysis.data.text import answer_key

#: Quotes shown per theme on a reviewer page: the most typical, then the least sure.
TYPICAL, UNSURE = 3, 2
#: The most quotes the full page lists in its collapsed block (tables.xlsx and the processed CSV have
#: more): rendering 5,000 rows of eight columns took nbconvert 4 to 5 s a page at 10,000 answers.
FULL_PAGE_QUOTES = 2000


def centre_scores(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each point, its cosine similarity to its own cluster's centre and its margin: that
    similarity minus the highest similarity to another cluster's centre (small or negative: the
    clustering was unsure). With a single cluster the margin is the similarity itself.

    >>> vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.6, 0.55]])
    >>> similarity, margin = centre_scores(vectors, np.array([0, 0, 1, 0]))
    >>> [round(float(m), 2) for m in margin]
    [0.97, 0.88, 0.75, 0.21]
    """
    labels = np.asarray(labels)
    if not len(vectors):
        return np.zeros(0), np.zeros(0)
    clusters = np.unique(labels)
    centres = np.vstack([vectors[labels == c].mean(axis=0) for c in clusters])
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    rows = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    similarity = rows @ centres.T
    own = similarity[np.arange(len(rows)), np.searchsorted(clusters, labels)]
    if len(clusters) == 1:
        return own, own.copy()
    other = np.where(np.arange(len(clusters)) == np.searchsorted(clusters, labels)[:, None], -np.inf, similarity)
    return own, own - other.max(axis=1)


def quote_sample(segments: pd.DataFrame, typical: int = TYPICAL, unsure: int = UNSURE) -> pd.DataFrame:
    """The quotes of one theme a page shows (``segments``: its rows, with ``segment``, ``similarity``
    and ``margin``): the ``typical`` most similar to the centre, then the ``unsure`` with the smallest
    margin among the rest; the same words are shown once. Adds ``shown as``."""
    frame = segments.assign(_key=segments["segment"].map(answer_key)).drop_duplicates("_key")
    first = frame.sort_values(["similarity", "response_id"], ascending=[False, True], kind="stable").head(typical)
    rest = frame.drop(first.index)
    second = rest.sort_values(["margin", "response_id"], kind="stable").head(unsure)
    return pd.concat(
        [first.assign(**{"shown as": "most typical"}), second.assign(**{"shown as": "least sure"})]
    ).drop(columns="_key")


def code_sample(responses: pd.DataFrame, code: str, typical: int = TYPICAL, unsure: int = UNSURE) -> pd.DataFrame:
    """The answers coded ``code`` that a page shows: first those whose evidence is an indicator the
    codebook names (the coder was sure), then those coded by similarity, by the fallback or flagged for
    review (the coder was least sure); ``responses`` has ``response_id, clean_text, codes, evidence,
    review``. Adds ``shown as``."""
    mine = responses[responses["codes"].astype(str).str.split("|").map(lambda codes: code in codes)]
    doubtful = mine["review"].astype(bool) | mine["evidence"].astype(str).str.contains("similarity", case=False)
    sure = mine[~doubtful].drop_duplicates("clean_text").head(typical)
    unsure_rows = mine[doubtful].drop_duplicates("clean_text").head(unsure)
    return pd.concat(
        [sure.assign(**{"shown as": "indicator matched"}), unsure_rows.assign(**{"shown as": "least sure"})]
    )


def quotes_sheet_frame(result) -> pd.DataFrame:
    """Every segment with its theme (and codes, with a codebook) and its scores: the ``<Q> quotes``
    sheet of ``tables.xlsx``, theme by theme."""
    frame = result.segments.sort_values(["cluster", "response_id", "segment_number"], kind="stable")
    columns = ["cluster", "cluster_label", "response_id", "segment_number", "segment"]
    columns += ["codes"] if result.codebook is not None else []
    frame = frame[columns + [c for c in ("similarity", "margin") if c in frame]].copy()
    for column in ("similarity", "margin"):
        if column in frame:
            frame[column] = frame[column].round(3)
    return frame.reset_index(drop=True)


#: The most rows a themes sheet of ``tables.xlsx`` holds: every quote of a question of 1,500 answers;
#: beyond it the processed CSV has them all (a styled sheet of 15,000 rows took 5 s to write, and the
#: workbook is rewritten from every notebook's sheets).
SHEET_ROWS = 2000


def theme_sheets(result, limit: int = SHEET_ROWS) -> list:
    """The sheets ``03_themes`` adds to ``tables.xlsx`` for its question: every quote under its theme
    and, with a codebook, every answer's coding with its evidence (at most ``limit`` rows each; the
    processed ``themes_<Q>.csv`` holds every segment with its theme and codes)."""
    from zqf_analysis.report.excel import Sheet

    question = result.params.question
    quotes = quotes_sheet_frame(result)
    notes = ["similarity: to the theme's centre (cosine); margin: that minus the similarity to the nearest other "
             "theme (small: the clustering was unsure)."]
    if len(quotes) > limit:
        notes.append(f"The first {limit} of {len(quotes)} segments; data/processed/<dataset>/themes_{question}.csv "
                     "holds them all.")
    sheets = [Sheet(f"{question} quotes", f"{question}: every segment under its discovered theme",
                    quotes.head(limit), notes=tuple(notes))]
    if result.codes is not None:
        coding = result.responses[result.responses["substantive"]][
            ["response_id", "clean_text", "codes", "primary_code", "evidence"]
        ].reset_index(drop=True)
        notes = ()
        if len(coding) > limit:
            notes = (f"The first {limit} of {len(coding)} answers; data/processed/<dataset>/themes_{question}.csv "
                     "holds every answer's codes.",)
        sheets.append(Sheet(f"{question} coding", f"{question}: the coding of every answer with its evidence",
                            coding.head(limit), notes=notes))
    return sheets

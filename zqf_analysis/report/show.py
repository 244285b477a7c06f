"""Notebook display helpers that treat every respondent string as data: always HTML-escaped.

Notebooks call these instead of printing Markdown built from answers, so a `<script>` typed by a
respondent shows as text in JupyterLab and in the rendered HTML. Answers are shown in their cleaned,
redacted form (``clean_text``) or redacted verbatim (:func:`~zqf_analysis.data.text.redact_verbatim`),
never as typed: an e-mail address, a phone or identity number or a person's name a respondent wrote
stays in the processed ``open_responses.csv`` only.

Most helpers *return* a display object (``HTML``, ``Image``): IPython shows it only when it is the
last line of a cell, so a notebook passes every one that is not to ``display(...)``; the helpers
annotated ``-> None`` display their own parts. ``tests/test_notebook_check.py`` checks the committed
notebooks for a display object built and dropped (:mod:`zqf_analysis.report.notebook_check`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, display

from zqf_analysis.data.load import Dataset
from zqf_analysis.data.questionnaire import Questionnaire
from zqf_analysis.data.text import cleaning_changes, redact_verbatim

_TABLE_STYLE = (
    "<style>table.zqf-table td, table.zqf-table th {text-align: left !important; vertical-align: top; "
    "max-width: 60em}</style>"
)


def setup() -> None:
    """Pandas display settings for the notebooks: no MathJax on `$`, wide text columns, no truncation."""
    pd.set_option("display.html.use_mathjax", False)
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 500)
    pd.set_option("display.width", 160)


def escape(value: object) -> str:
    return html.escape("" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value))


def table(frame: pd.DataFrame, caption: str | None = None, na_rep: str = "") -> HTML:
    """The frame as an escaped HTML table (no index), with an optional escaped caption."""
    body = frame.to_html(index=False, escape=True, na_rep=na_rep, border=0, classes="zqf-table")
    head = f"<p><strong>{escape(caption)}</strong></p>" if caption else ""
    return HTML(_TABLE_STYLE + head + body)


def note(text: str, kind: str = "note") -> HTML:
    """A short escaped paragraph, styled as a note or a warning."""
    colour = {"note": "#eef4fb", "warning": "#fff4e5", "ok": "#edf7ed"}.get(kind, "#eef4fb")
    return HTML(f'<p style="background:{colour};padding:6px 10px;border-radius:4px">{escape(text)}</p>')


def figure(chart, width: int | None = None) -> Image:
    """A matplotlib figure as a PNG image to display (rendered as :func:`zqf_analysis.io.figure_bytes`
    saves it): shown the same whatever matplotlib backend the kernel has, and never by pyplot."""
    from zqf_analysis.io import figure_bytes

    return Image(data=figure_bytes(chart, "png"), format="png", width=width)


def dataset_summary(data: Dataset) -> HTML:
    """What was loaded: survey, kind of source, respondents, questions by type, optional files."""
    questionnaire = data.questionnaire
    by_type = pd.Series([q.type for q in questionnaire.questions]).value_counts()
    rows = [
        ("Dataset", data.name),
        ("Survey", questionnaire.survey or "(not named in questionnaire.yaml)"),
        ("Source", "published counts and texts" if data.kind == "published" else "per-respondent export"),
        ("Respondents (submissions)", data.respondents),
        ("Institutions", len(data.institutions)),
        ("Questions", ", ".join(f"{n} {t}" for t, n in by_type.items())),
        ("Institution mapping", "institution_map.csv" if data.institution_map is not None else "none"),
        ("Claims to audit", len(data.claims) if data.claims is not None else "none"),
    ]
    if getattr(data, "population", None) is not None:
        rows.append(("Population", data.population.text))
    if data.notes:  # how an export was read: encoding, field delimiter, multi-select separator
        rows.insert(3, ("Export read", " ".join(data.notes)))
    consent = getattr(data, "consent", None)
    rows.append(("Consent", consent.text if consent else "no consent rule declared (consent: in questionnaire.yaml)"))
    return table(pd.DataFrame(rows, columns=["", "value"]).astype(str), caption="Validated dataset")


def institution_overview(
    institutions: pd.DataFrame, institution_map: pd.DataFrame | None, questionnaire: Questionnaire | None = None
) -> None:
    """Submissions by institution type, the multiple submitters, and names the mapping did not cover;
    for a survey without an institution question, a note saying so."""
    if questionnaire is not None and questionnaire.institution is None:
        display(note("This survey has no institution question: respondents are anonymous, and no "
                     "institution is cleaned, typed or counted.", kind="note"))
        return
    by_type = (
        institutions.groupby("institution_type", sort=True)
        .agg(institutions=("institution", "size"), submissions=("submissions", "sum"))
        .reset_index()
    )
    display(table(by_type, caption="Institutions and submissions by type"))
    multiple = institutions[institutions["submissions"] > 1]
    if len(multiple):
        display(
            table(
                multiple[["canonical_name", "submissions"]],
                caption="Institutions with more than one submission",
            )
        )
    unmapped = institutions[institutions["institution_type"] == "unmapped"]
    if len(unmapped):
        display(
            note(
                f"{len(unmapped)} institution(s) have no row in institution_map.csv and are typed 'unmapped': "
                + "; ".join(unmapped["institution"]),
                kind="warning",
            )
        )
    if institution_map is None:
        display(
            note(
                "This dataset has no institution_map.csv: names are only trimmed and de-capitalised, "
                "and no institution has a type.",
                kind="warning",
            )
        )


def status_overview(closed_counts: pd.DataFrame, questionnaire: Questionnaire) -> HTML:
    """One row per closed question: its type and how many option counts are legible, stated, missing."""
    statuses = pd.crosstab(closed_counts["question_id"], closed_counts["status"])
    order = [q.id for q in questionnaire.closed]
    statuses = statuses.reindex(order).fillna(0).astype(int).reset_index()
    statuses.columns.name = None
    statuses.insert(1, "type", [questionnaire[q].type for q in statuses["question_id"]])
    known = closed_counts.dropna(subset=["count"]).groupby("question_id")["count"].sum()
    statuses["selections in known counts"] = statuses["question_id"].map(known).fillna(0).astype(int)
    return table(statuses, caption="Option counts by status (missing = lost in the source, not zero)")


#: The most rows a listing of answers shows on a page; the processed tables hold them all.
MAX_LISTED = 50


def open_overview(open_responses: pd.DataFrame, limit: int = MAX_LISTED) -> None:
    """Answers per open question, with the non-substantive and repeated ones listed (the first
    ``limit`` of them on a large survey; all are flagged in the processed ``open_responses.csv``)."""
    summary = (
        open_responses.assign(repeated=open_responses["duplicate_of"].astype(str) != "")
        .groupby("question_id", sort=False)
        .agg(
            answers=("response_id", "size"), substantive=("substantive", "sum"), repeated=("repeated", "sum")
        )
        .reset_index()
    )
    display(table(summary, caption="Free-text answers"))
    flagged = open_responses[
        (~open_responses["substantive"]) | (open_responses["duplicate_of"].astype(str) != "")
    ]
    if len(flagged):
        more = ""
        if len(flagged) > limit:
            more = f"; the first {limit} of {len(flagged)}, all flagged in open_responses.csv"
        display(
            table(
                flagged[["question_id", "response_id", "clean_text", "substantive", "duplicate_of"]].head(limit),
                caption=f"Non-substantive and repeated answers (kept, flagged; cleaned text{more})",
            )
        )


#: The kinds of change a reviewer is told about, and the cleaning steps of each
#: (:func:`zqf_analysis.data.text.cleaning_changes` names the steps).
CHANGE_KINDS = {
    "white space": ("white space",),
    "case (SHOUTED answers)": ("capitals",),
    "redaction (e-mail, phone, ID number, name)": (
        "e-mail address redacted",
        "phone number redacted",
        "ID number redacted",
        "person name redacted",
    ),
    "OCR (a lone | read as I)": ("a lone | read as I",),
    "characters (quotes, Unicode)": ("quotes", "Unicode form (NFKC)"),
}


def changed_texts(open_responses: pd.DataFrame, examples: int = 3) -> HTML:
    """What the cleaning changed: how many answers of each kind of change (white space, case,
    redaction, OCR, characters), then a few examples of each, the verbatim text shown with its e-mail
    addresses, phone and identity numbers and person names redacted (never the original, which a page must
    not show)."""
    changed = open_responses[open_responses["text"] != open_responses["clean_text"]]
    if changed.empty:
        return note("Cleaning changed no answer's text.", kind="ok")
    steps = changed["text"].map(cleaning_changes)
    rows, shown = [], []
    for kind, names in CHANGE_KINDS.items():
        hit = steps.map(lambda found, n=names: any(step in found for step in n))
        rows.append((kind, int(hit.sum())))
        for index in changed.index[hit.to_numpy()][:examples]:
            shown.append((kind, changed.at[index, "question_id"], changed.at[index, "response_id"],
                          redact_verbatim(changed.at[index, "text"]), changed.at[index, "clean_text"],
                          ", ".join(steps[index])))
    kinds = table(
        pd.DataFrame(rows, columns=["change", "answers"]),
        caption=f"{len(changed)} answer(s) changed by cleaning, by kind (an answer may have several)",
    )
    listed = table(
        pd.DataFrame(shown, columns=["kind", "question_id", "response_id", "text (redacted)", "clean_text", "changed"]),
        caption=f"Examples: up to {examples} per kind (the verbatim text shown with e-mail addresses, phone and "
        "identity numbers and person names redacted; the originals are only in the processed open_responses.csv)",
    )
    return HTML(kinds.data + listed.data)


def written_files(paths: Iterable[Path]) -> HTML:
    rows = [(str(Path(p).name), Path(p).stat().st_size) for p in paths]
    return table(pd.DataFrame(rows, columns=["file", "bytes"]), caption="Written")

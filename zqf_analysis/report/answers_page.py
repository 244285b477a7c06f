"""A page per open question without themes (too few answers, or a field of links, addresses or names):
its answers as the cleaning left them (``clean_text``: e-mail addresses, phone and identity numbers and
person names after a title redacted), linked from the index; a field of names lists none of its answers
(a bare name is not caught by the redaction, and would identify the respondent). Read with the csv
module; every value is HTML-escaped."""

from __future__ import annotations

import csv
import html
from pathlib import Path

from zqf_analysis.io import write_text_atomic
from zqf_analysis.report.pages import CSP

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{question}: answers</title>
<style>body {{font-family: system-ui, sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1.5em;}}
td, th {{text-align: left; vertical-align: top; padding: 0.2em 0.8em 0.2em 0; border-bottom: 1px solid #e4e8ec;}}
table {{border-collapse: collapse;}} .muted {{color: #5d6b78;}}</style></head>
<body><p><a href="../index.html">index</a></p>
<h1>{question}: {text}</h1>
<p class="muted">{count} answers ({substantive} substantive), no themes: {reason}. {shown}</p>
{consent}{listing}</body></html>
"""
_SHOWN = (
    "Answers as cleaned: e-mail addresses, phone and identity numbers and person names after a title are redacted; "
    "the answers as typed are only in the processed open_responses.csv."
)
_WITHHELD = (
    "The answers of a field of names identify the respondents: no page lists them. They are only in the "
    "processed open_responses.csv."
)


def answers_rows(open_responses: Path, question_id: str) -> list[tuple[str, str]]:
    """``(response_id, clean_text)`` of every answer to ``question_id`` in the processed table."""
    if not open_responses.is_file():
        return []
    with open_responses.open(encoding="utf-8", newline="") as handle:
        return [
            (row["response_id"], row["clean_text"])
            for row in csv.DictReader(handle)
            if row.get("question_id") == question_id
        ]


def write_answers_page(reports: Path, processed: Path, entry: dict, consent: str = "") -> Path | None:
    """Write ``reports/answers/<id>.html`` for one unthemed question (``entry``: ``question``, ``text``,
    ``answers``, ``substantive``, ``reason``, ``kind``), with ``consent``, the dataset's consent rule in
    words, under its heading as on every page; None when the cleaning has not written its table yet."""
    rows = answers_rows(processed / "open_responses.csv", entry["question"])
    if not (processed / "open_responses.csv").is_file():
        return None
    escape = html.escape
    withheld = entry.get("kind") == "name"
    body = "\n".join(f"<tr><td>{escape(rid)}</td><td>{escape(text)}</td></tr>" for rid, text in rows)
    listing = "" if withheld else f"<table><tr><th>response_id</th><th>answer</th></tr>\n{body}\n</table>"
    page = _PAGE.format(
        csp=escape(CSP),
        question=escape(entry["question"]),
        text=escape(entry.get("text", "")),
        count=len(rows),
        substantive=escape(str(entry.get("substantive", ""))),
        reason=escape(entry.get("reason", "")),
        shown=_WITHHELD if withheld else _SHOWN,
        consent=f'<p class="muted">Consent rule: {escape(consent)}.</p>\n' if consent else "",
        listing=listing,
    )
    return write_text_atomic(reports / "answers" / f"{entry['question']}.html", page)

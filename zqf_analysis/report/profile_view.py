"""The respondent profile and the declared pies of ``02_describe``, as the dataset has them: the
institutions of a survey with an institution question, the questions it declares ``profile: true``, or
a plain statement that it has neither; and pies only where the questionnaire says ``chart: pie``.

Each function displays its own parts (tables, notes, charts) and returns the files it wrote.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, display

from zqf_analysis.data.questionnaire import PIE_MAX_SLICES, Question, Questionnaire
from zqf_analysis.report import plots, show
from zqf_analysis.stats import describe


def profile_caption(respondents: int, profile: pd.DataFrame) -> str:
    """The institution table's caption, counting respondents as every page does.

    >>> frame = pd.DataFrame({"canonical_name": ["A", "A", "B"], "submissions": [3, 1, 2]})
    >>> profile_caption(10, frame)
    '6 of the 10 respondents named an institution: 2 institutions (names that differ only in spelling counted once)'
    """
    named = int(profile["submissions"].sum())
    institutions = profile["canonical_name"].nunique()
    return (
        f"{named:,} of the {respondents:,} respondents named an institution: {institutions:,} institutions "
        "(names that differ only in spelling counted once)"
    )


def respondent_profile(data, tables: dict, summary: pd.DataFrame, settings, figures: Path) -> tuple[list[Path], dict]:
    """Display the profile section; returns the figures written and the profile tables for
    ``tables.xlsx`` (``profile`` and ``by_type``, None when the survey has no institution question)."""
    written: list[Path] = []
    questionnaire: Questionnaire = data.questionnaire
    if questionnaire.institution is not None:
        profile = describe.institution_profile(tables["institutions"])
        by_type = describe.submissions_by_type(tables["institutions"])
        display(
            HTML(
                f"<h3>{show.escape(questionnaire.institution.id)} · {show.escape(questionnaire.institution.text)}</h3>"
            )
        )
        merged = plots.merged_profile(profile)
        shown = merged.head(plots.MAX_BARS * 2)
        caption = profile_caption(data.respondents, profile)
        if len(merged) > len(shown):
            caption += f"; the {len(shown)} with most submissions shown, every one in tables.xlsx"
        display(show.table(shown, caption=caption))
        display(show.note(describe.multiple_submitters_text(merged.head(plots.MAX_BARS * 2))))
        written += plots.save_figure(plots.institutions_chart(profile), figures, "profile_institutions")
        display(Image(filename=str(written[-2]), width=760))
        display(show.table(by_type.round(3), caption="Institutions and submissions by institution type"))
        written += plots.save_figure(plots.types_chart(by_type), figures, "profile_types")
        display(Image(filename=str(written[-2]), width=640))
        return written, {"profile": profile, "by_type": by_type}
    if questionnaire.profile:
        for question in questionnaire.profile:
            display(HTML(f"<h3>{show.escape(question.id)} · {show.escape(question.text)}</h3>"))
            display(show.table(describe.question_table(summary, question.id)))
            chart = plots.question_chart(summary, question, [f"Respondent profile: {question.id}"], settings)
            written += plots.save_figure(chart, figures, f"profile_{question.id}")
            display(Image(filename=str(written[-2]), width=760))
        return written, {"profile": None, "by_type": None}
    display(
        show.note(
            "This survey has no institution question, and its questionnaire declares no profile question "
            "(profile: true on a closed question such as a position or a region): there is no respondent "
            f"profile to show beyond the count of {data.respondents:,} respondents.",
            "note",
        )
    )
    return written, {"profile": None, "by_type": None}


def pie_questions(questionnaire: Questionnaire) -> tuple[Question, ...]:
    """The single-choice questions the questionnaire declares ``chart: pie``."""
    return tuple(q for q in questionnaire.of_type("single") if q.chart == "pie")


def answered_options(summary: pd.DataFrame, question_id: str) -> int:
    """How many options of a question have a count above 0 or a count the source lost: a pie's slices."""
    rows = summary[summary["question_id"] == question_id]
    return int((rows["count"].isna() | (rows["count"].fillna(0) > 0)).sum())


def declared_pies(data, summary: pd.DataFrame, figures: Path) -> list[Path]:
    """Display each declared pie with its table of printed percentages (from ``claims.csv`` where it has
    them); a pie that would have more than :data:`PIE_MAX_SLICES` slices is not drawn, and a note says
    so. Nothing but a note when the questionnaire declares no pie."""
    written: list[Path] = []
    questions = pie_questions(data.questionnaire)
    if not questions:
        display(
            show.note(
                "The questionnaire declares no pie (chart: pie on a single-choice question): every "
                "closed question is drawn as bars above.",
                "note",
            )
        )
        return written
    for question in questions:
        printed = describe.printed_pie_percentages(data.claims, question.id)
        display(HTML(f"<h3>{show.escape(question.id)} · {show.escape(question.text)}</h3>"))
        display(show.table(describe.pie_percentages(summary, question.id, printed)))
        check = describe.selections_check(summary, question)
        display(show.note(describe.pie_base_note(summary, question.id), "note" if check["ok"] else "warning"))
        slices = answered_options(summary, question.id)
        if slices > PIE_MAX_SLICES:
            display(
                show.note(
                    f"{question.id} has {slices} answered options: a pie of more than {PIE_MAX_SLICES} "
                    "slices cannot be read, so it is not drawn; its bars are above.",
                    "warning",
                )
            )
            continue
        written += plots.save_figure(plots.pie_chart(summary, question), figures, f"{question.id}_pie")
        display(Image(filename=str(written[-2]), width=600))
    return written

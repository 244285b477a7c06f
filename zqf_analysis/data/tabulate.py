"""Tabulating a checked export (see :mod:`zqf_analysis.data.export`) into the tables a published dataset
has: counts (write-ins counted under Other, a ranking's first choices), the ranks of ranking questions,
the open answers with each closed question's write-ins as ``<id>_other``, and the institutions."""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from zqf_analysis.data.choices import read_cell
from zqf_analysis.data.files import csv_memory_pool
from zqf_analysis.data.questionnaire import Question, Questionnaire


def tabulate_export(responses: pd.DataFrame, questionnaire: Questionnaire, separator: str | None = None) -> dict:
    """Turn a checked export into the published tables: counts, open responses and institutions, and
    for ranking questions the ranks.

    Counts have status ``tabulated`` and a ``base`` equal to the submissions that answered the
    question (non-empty cell), which is the honest denominator for its shares; a ranking's count is how
    many ranked the option first. ``write_ins`` says, on the Other option's row, how many of its count
    typed their own answer (kept in ``open_responses`` under ``<id>_other``). ``rankings``:
    ``question_id, option, rank, count`` for every option and rank. Each distinct cell is read once and
    weighted by how many rows hold it, so the cost grows with the rows only through one factorisation
    per column. ``separator`` defaults to the one :func:`read_export` used.
    """
    if separator is None:
        separator = responses.attrs.get("separator") or questionnaire.export.get("separator") or ";"
    rows = []
    ranks = []
    for question in questionnaire.closed:
        tally = dict.fromkeys(question.options, 0)
        by_rank = {o: [0] * len(question.options) for o in question.options}
        base = write_ins = 0
        for cell, size in _distinct(responses[question.id]).items():
            if not cell:
                continue
            base += size
            reading = read_cell(cell, question, separator)
            if question.type == "ranking":
                if reading.chosen:
                    tally[reading.chosen[0]] += size
                for rank, option in enumerate(reading.chosen):
                    by_rank[option][rank] += size
                continue
            for option in reading.chosen:
                tally[option] += size
            if reading.write_in is not None:
                write_ins += size
        for option, count in tally.items():
            rows.append(
                {
                    "question_id": question.id,
                    "option": option,
                    "count": count,
                    "status": "tabulated",
                    "source": "tabulated from the per-respondent export",
                    "base": base,
                    "write_ins": write_ins if option == question.other else pd.NA,
                }
            )
        if question.type == "ranking":
            ranks += [(question.id, o, r + 1, n) for o in question.options for r, n in enumerate(by_rank[o])]
    columns = ["question_id", "option", "count", "status", "source", "base", "write_ins"]
    counts = pd.DataFrame(rows, columns=columns)
    counts["count"] = counts["count"].astype("Int64")
    counts["write_ins"] = counts["write_ins"].astype("Int64")
    rankings = pd.DataFrame(ranks, columns=["question_id", "option", "rank", "count"])

    open_ids = [q.id for q in questionnaire.open]
    write_in_answers = {
        q.write_in_id: _write_in_answers(responses, q, separator) for q in questionnaire.closed if q.write_in_id
    }
    order = [q.id for q in questionnaire.free_text]
    arrow_text = all(isinstance(responses[c].array, pd.arrays.ArrowStringArray) for c in ["response_id", *open_ids])
    reader = _open_answers_arrow if arrow_text and open_ids else _open_answers
    open_responses = reader(responses, open_ids, write_in_answers, order)

    institution = questionnaire.institution
    if institution is not None:
        # Institutions in order of first appearance, each with its number of submissions.
        codes, uniques = pd.factorize(responses[institution.id], sort=False)
        names = [str(name) for name in uniques]
        sizes = np.bincount(codes, minlength=len(names))
        named = [i for i, name in enumerate(names) if name]
        institutions = pd.DataFrame(
            {
                "institution": pd.Index([names[i] for i in named], dtype=str),
                "submissions": sizes[named].astype(int),
                "source": "tabulated from the per-respondent export",
            }
        )
    else:
        institutions = pd.DataFrame(columns=["institution", "submissions", "source"])
    return {
        "counts": counts,
        "open_responses": open_responses.reset_index(drop=True),
        "institutions": institutions.reset_index(drop=True),
        "rankings": rankings,
    }


def _write_in_answers(responses: pd.DataFrame, question: Question, separator: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows holding a write-in (positions, in row order) and the typed text of each. Each distinct
    cell is read once; the rows are found from the column's codes."""
    column = responses[question.id]
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, categories = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, categories = pd.factorize(column, sort=False)
    texts = np.array(
        [(read_cell(str(c), question, separator).write_in or "") if str(c) else "" for c in categories], dtype=object
    )
    if not len(texts) or not any(texts):
        return np.array([], dtype=np.int64), np.array([], dtype=object)
    rows = np.flatnonzero((codes >= 0) & (texts[np.clip(codes, 0, None)] != ""))
    return rows, texts[codes[rows]]


def _open_answers(
    responses: pd.DataFrame,
    open_ids: list[str],
    write_ins: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    order: list[str] | None = None,
) -> pd.DataFrame:
    """The answered (non-empty) cells of the open questions and the write-ins: question_id,
    response_id, text, question by question (``order``, default ``open_ids``) in row order."""
    frames = []
    write_ins = write_ins or {}
    for qid in order or open_ids:
        if qid in write_ins:
            rows, texts = write_ins[qid]
            if len(rows):
                ids = np.asarray(responses["response_id"].iloc[rows], dtype=object)
                frames.append(pd.DataFrame({"question_id": qid, "response_id": ids, "text": texts}).astype("str"))
            continue
        answered = (responses[qid] != "").to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "question_id": qid,
                    "response_id": responses["response_id"][answered],
                    "text": responses[qid][answered],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["question_id", "response_id", "text"])
    return pd.concat(frames, ignore_index=True)


def _open_answers_arrow(
    responses: pd.DataFrame,
    open_ids: list[str],
    write_ins: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    order: list[str] | None = None,
) -> pd.DataFrame:
    """:func:`_open_answers` for Arrow text (what :func:`read_export` returns), with Arrow's kernels
    writing into the jemalloc pool: the answered text of the million-row benchmark export is about
    150 MB, which pandas' own filter (default pool) copied in 0.54 s, 0.46 s of it kernel time,
    against 0.23 s here (see :func:`csv_memory_pool`)."""
    pool = csv_memory_pool()
    ids = responses["response_id"].array.__arrow_array__()
    write_ins = write_ins or {}
    parts = []
    for qid in order or open_ids:
        if qid in write_ins:
            rows, texts = write_ins[qid]
            if len(rows):
                parts.append(
                    pa.table(
                        {
                            "question_id": pa.repeat(pa.scalar(qid, pa.string()), len(rows), memory_pool=pool),
                            "response_id": pc.take(ids, pa.array(rows), memory_pool=pool),
                            "text": pa.array(texts, pa.string()),
                        }
                    )
                )
            continue
        text = responses[qid].array.__arrow_array__()
        answered = pc.fill_null(pc.not_equal(text, ""), True)  # a missing cell is kept, as != "" keeps it
        kept = pc.filter(text, answered, memory_pool=pool)
        parts.append(
            pa.table(
                {
                    "question_id": pa.repeat(pa.scalar(qid, pa.string()), len(kept), memory_pool=pool),
                    "response_id": pc.filter(ids, answered, memory_pool=pool),
                    "text": kept,
                }
            )
        )
    parts = [part.cast(parts[0].schema) for part in parts]
    return pa.concat_tables(parts).to_pandas()


def _distinct(column: pd.Series) -> dict[str, int]:
    """Each distinct cell value and how many rows hold it (one hash pass over the column).

    A categorical column (as :func:`read_export` returns the closed answers) is counted from its
    integer codes. For a text column the answer is remembered while its (immutable) Arrow data
    lives, since checking and tabulating an export both need it for every closed column.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        categories = column.cat.categories
        sizes = np.bincount(codes[codes >= 0], minlength=len(categories))
        return {str(value): size for value, size in zip(categories.tolist(), sizes.tolist(), strict=True) if size}
    data = column.array.__arrow_array__() if isinstance(column.array, pd.arrays.ArrowStringArray) else None
    if data is not None:
        remembered = _DISTINCT_SEEN.get(id(data))
        if remembered is not None and remembered[0]() is data:
            return remembered[1]
    sizes = column.value_counts(sort=False, dropna=False)
    distinct = {str(value): int(size) for value, size in zip(sizes.index, sizes.to_numpy(), strict=True)}
    if data is not None:
        key = id(data)
        _DISTINCT_SEEN[key] = (weakref.ref(data, lambda _ref: _DISTINCT_SEEN.pop(key, None)), distinct)
    return distinct


_DISTINCT_SEEN: dict[int, tuple[weakref.ref, dict[str, int]]] = {}

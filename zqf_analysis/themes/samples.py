"""Coded samples: an analyst's codes for some answers (``response_id, codes`` and, for answers that
are not in the input, ``text``), read from a CSV or a filled coding sheet and checked against the
codebook."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from zqf_analysis.errors import DataError
from zqf_analysis.themes.codebook import UNCODED, Codebook


@dataclass(frozen=True)
class CodedSample:
    """An analyst's coding: response ids, the answers' texts and the codes given (a tuple, possibly
    empty: no code applies), and which ids are answers of the input."""

    response_ids: tuple[str, ...]
    texts: tuple[str, ...]
    codes: tuple[tuple[str, ...], ...]
    in_input: tuple[bool, ...]
    path: str = ""

    def __len__(self) -> int:
        return len(self.response_ids)


def split_codes(value: str) -> tuple[str, ...]:
    """Codes written ``a|b`` (spaces, ``;`` or ``,`` also separate; "uncoded" and "" mean none).

    >>> split_codes(" cost | recognition"), split_codes("uncoded")
    (('cost', 'recognition'), ())
    """
    parts = [p.strip() for p in re.split(r"[|;,]", str(value))]
    return tuple(dict.fromkeys(p for p in parts if p and p != UNCODED))


def read_coding_table(path: str | Path) -> pd.DataFrame:
    """A coding file as a frame of strings: a CSV, or a filled coding sheet (.xlsx) read as
    ``response_id, codes, text`` (:func:`zqf_analysis.themes.sheets.read_coding_sheet`)."""
    from zqf_analysis.data.files import read_text_table

    if Path(path).suffix.lower() == ".xlsx":
        from zqf_analysis.themes.sheets import read_coding_sheet

        frame, _ = read_coding_sheet(path)
        if frame.empty:
            raise DataError("no row of the coding sheet is coded yet", file=path)
        return frame
    return read_text_table(path)


def read_coded_sample(path: str | Path, answers: pd.DataFrame, codebook: Codebook) -> CodedSample:
    """The coded sample in ``path`` (columns ``response_id, codes`` and, for ids that are not in
    ``answers``, ``text``), checked against the codebook: an unknown code, an id that is neither an
    answer nor has a text, or an id coded twice is a DataError naming the row."""
    frame = read_coding_table(path)
    missing = [c for c in ("response_id", "codes") if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(missing)}; expected response_id,codes (and text for answers "
            "that are not in the input)",
            file=path,
            column=missing[0],
        )
    texts = dict(zip(answers["response_id"].astype(str), answers["text"].astype(str), strict=True))
    known = set(codebook.names)
    ids, sample_texts, codes, in_input = [], [], [], []
    for row, record in enumerate(frame.to_dict("records"), start=2):
        rid = str(record["response_id"]).strip()
        given = split_codes(record["codes"])
        unknown = [c for c in given if c not in known]
        if unknown:
            raise DataError(
                f"unknown code(s) {', '.join(unknown)}; the codebook's codes are {', '.join(codebook.names)}",
                file=path,
                row=row,
                column="codes",
            )
        own_text = str(record.get("text", "") or "").strip()
        if rid not in texts and not own_text:
            raise DataError(
                f"response id {rid!r} is not in the input and the row has no text to learn from",
                file=path,
                row=row,
                column="response_id",
            )
        if rid in ids:
            raise DataError(f"response id {rid!r} is coded twice", file=path, row=row, column="response_id")
        ids.append(rid)
        sample_texts.append(texts.get(rid, own_text))
        codes.append(given)
        in_input.append(rid in texts)
    return CodedSample(tuple(ids), tuple(sample_texts), tuple(codes), tuple(in_input), str(path))

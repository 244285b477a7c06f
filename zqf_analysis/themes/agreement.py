"""Agreement between the coder and a person: a human coding read and checked, accuracy, Cohen's
kappa and the confusion table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from zqf_analysis.errors import DataError


def read_human_coding(path: str | Path, response_ids: list[str]) -> pd.Series:
    """A human coding file (``response_id, code``; one row per answer) as a Series by response id;
    ids that are not answers of the question, repeats and empty codes are errors."""
    from zqf_analysis.data.files import read_text_table

    frame = read_text_table(path)
    missing = [c for c in ("response_id", "code") if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(missing)}; expected response_id,code", file=path, column=missing[0]
        )
    for row, (rid, code) in enumerate(zip(frame["response_id"], frame["code"], strict=True), start=2):
        if rid not in response_ids:
            raise DataError(
                f"response id {rid!r} is not an answer of this question",
                file=path,
                row=row,
                column="response_id",
            )
        if not code.strip():
            raise DataError("empty code", file=path, row=row, column="code")
    repeated = frame["response_id"][frame["response_id"].duplicated()].tolist()
    if repeated:
        raise DataError(f"response id(s) coded twice: {', '.join(repeated)}", file=path, column="response_id")
    return frame.set_index("response_id")["code"].str.strip()


def agreement(human: pd.Series, coded: pd.Series) -> dict:
    """Accuracy, Cohen's kappa (scikit-learn) and the confusion table of ``coded`` against ``human``,
    over the answers both have."""
    common = [r for r in human.index if r in coded.index]
    h, c = human.loc[common].astype(str), coded.loc[common].astype(str)
    labels = sorted(set(h) | set(c))
    table = pd.DataFrame(confusion_matrix(h, c, labels=labels), index=labels, columns=labels)
    table.index.name, table.columns.name = "human", "coder"
    return {
        "answers": len(common),
        "accuracy": float((h.to_numpy() == c.to_numpy()).mean()) if common else float("nan"),
        "kappa": float(cohen_kappa_score(h, c)) if len(set(h) | set(c)) > 1 else float("nan"),
        "confusion": table,
    }


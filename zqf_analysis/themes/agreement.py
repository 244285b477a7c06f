"""Agreement between the coder and a person, or two people: for a primary code, accuracy, Cohen's
kappa and the confusion table; for multi-label coding, per-code prevalence, Cohen's kappa with a
bootstrap interval and F1, Krippendorff's alpha (MASI distance over the sets of codes, nominal per
code) and agreement on the primary code, with every disagreement listed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
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



# ------------------------------------------------------------------ multi-label, like a second coder

#: Bootstrap resamples of the answers for the intervals of kappa, F1 and the mean kappa.
BOOTSTRAP = 1000


def masi_distance(a: frozenset, b: frozenset) -> float:
    """MASI distance (Passonneau 2006) between two sets of codes: 1 - Jaccard x monotonicity, where
    monotonicity is 1 for equal sets, 2/3 when one contains the other, 1/3 when they overlap
    otherwise and 0 when disjoint; two empty sets are at distance 0 (as in ``nltk.metrics``, whose
    version fails on them).

    >>> masi_distance(frozenset("ab"), frozenset("ab")), masi_distance(frozenset("a"), frozenset("ab"))
    (0.0, 0.6666666666666667)
    """
    if not a and not b:
        return 0.0
    common, union = len(a & b), len(a | b)
    if len(a) == len(b) == common:
        monotonicity = 1.0
    elif common == min(len(a), len(b)):
        monotonicity = 2 / 3
    elif common:
        monotonicity = 1 / 3
    else:
        monotonicity = 0.0
    return 1.0 - common / union * monotonicity


def alpha_masi(first: list[frozenset], second: list[frozenset]) -> float:
    """Krippendorff's alpha of two coders' sets of codes on the same answers, with the MASI distance:
    1 - observed / expected disagreement, the expected one over all pairs of the 2n codings pooled
    (Krippendorff 2004; the same as ``nltk.metrics.agreement.AnnotationTask(distance=masi_distance)
    .alpha()``). NaN when every coding is the same set."""
    values = list(first) + list(second)
    distinct = sorted(set(values), key=lambda s: sorted(s))
    if len(distinct) < 2:
        return float("nan")
    index = {v: i for i, v in enumerate(distinct)}
    counts = np.bincount([index[v] for v in values], minlength=len(distinct)).astype(float)
    distance = np.array([[masi_distance(a, b) for b in distinct] for a in distinct])
    observed = float(np.mean([masi_distance(a, b) for a, b in zip(first, second, strict=True)]))
    total = counts.sum()
    expected = float(counts @ distance @ counts) / (total * (total - 1))
    return 1.0 - observed / expected if expected > 0 else float("nan")


def alpha_nominal(first: np.ndarray, second: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) of two coders' 0/1 decisions on one code, by the ``krippendorff``
    package; NaN when both coders give one value throughout."""
    import krippendorff

    data = np.vstack([first, second]).astype(float)
    if len(np.unique(data)) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _binary_kappa(cells: np.ndarray) -> np.ndarray:
    """Cohen's kappa from counts of (human, coder) = (0,0), (0,1), (1,0), (1,1) in the last axis;
    NaN where both coders give one value throughout (expected agreement 1)."""
    cells = cells.astype(float)
    n = cells.sum(axis=-1)
    observed = (cells[..., 0] + cells[..., 3]) / n
    human_yes = (cells[..., 2] + cells[..., 3]) / n
    coder_yes = (cells[..., 1] + cells[..., 3]) / n
    expected = human_yes * coder_yes + (1 - human_yes) * (1 - coder_yes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected < 1, (observed - expected) / (1 - expected), np.nan)


def _f1(cells: np.ndarray) -> np.ndarray:
    cells = cells.astype(float)
    denominator = 2 * cells[..., 3] + cells[..., 1] + cells[..., 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, 2 * cells[..., 3] / denominator, np.nan)


@dataclass
class Agreement:
    """Agreement of two codings on the answers both coded (see :func:`multilabel_agreement`)."""

    per_code: pd.DataFrame
    overall: dict
    disagreements: pd.DataFrame
    counts: dict


def multilabel_agreement(
    human: dict[str, tuple[str, ...]],
    coded: dict[str, tuple[str, ...]],
    codes: list[str] | None = None,
    texts: dict[str, str] | None = None,
    seed: int = 0,
    bootstrap: int = BOOTSTRAP,
) -> Agreement:
    """Agreement of ``coded`` with ``human`` (response id -> codes, the first being the primary code).

    Answers are compared when both files have them. An answer neither coding gives any code
    ("uncoded" by both) is counted but left out: it would add agreement on every code's absence. An
    answer one side left uncoded stays in (the other side saw a code). Per code: prevalence on each
    side, Cohen's kappa with a 95% percentile bootstrap interval (``bootstrap`` resamples of the
    answers, ``seed``), precision, recall and F1 of the coder against the human, and Krippendorff's
    alpha (nominal, 0/1). Overall: the mean per-code kappa and micro-F1 (with bootstrap intervals),
    Krippendorff's alpha of the sets of codes with the MASI distance, and agreement on the primary
    code (accuracy and Cohen's kappa). Disagreements list each answer whose sets of codes differ."""
    both = [r for r in human if r in coded]
    counts = {
        "human_answers": len(human),
        "coded_answers": len(coded),
        "in_both": len(both),
        "human_only": len(human) - len(both),
        "coded_only": len([r for r in coded if r not in human]),
        "uncoded_by_both": sum(1 for r in both if not human[r] and not coded[r]),
        "uncoded_by_human_only": sum(1 for r in both if not human[r] and coded[r]),
        "uncoded_by_coder_only": sum(1 for r in both if human[r] and not coded[r]),
    }
    compared = [r for r in both if human[r] or coded[r]]
    counts["compared"] = len(compared)
    if codes is None:
        codes = list(dict.fromkeys(c for r in compared for c in (*human[r], *coded[r])))
    if not compared or not codes:
        raise DataError("no answer is coded in both files (after leaving out those neither coded)")
    h = np.array([[c in human[r] for c in codes] for r in compared], dtype=int)
    k = np.array([[c in coded[r] for c in codes] for r in compared], dtype=int)
    cells = 2 * h + k  # 0: neither, 1: coder only, 2: human only, 3: both
    table = np.stack([(cells == v).sum(axis=0) for v in range(4)], axis=-1)
    rng = np.random.default_rng(seed)
    n, m = cells.shape
    boot = np.zeros((bootstrap, m, 4), dtype=np.int64)
    offsets = np.arange(m) * 4
    for b in range(bootstrap):
        rows = rng.integers(0, n, n)
        boot[b] = np.bincount((cells[rows] + offsets).ravel(), minlength=4 * m).reshape(m, 4)
    kappa, boot_kappa = _binary_kappa(table), _binary_kappa(boot)
    f1, boot_f1 = _f1(table), _f1(boot)
    with np.errstate(invalid="ignore"):
        precision = table[:, 3] / np.maximum(table[:, 1] + table[:, 3], 1)
        recall = table[:, 3] / np.maximum(table[:, 2] + table[:, 3], 1)
    per_code = pd.DataFrame(
        {
            "code": codes,
            "human_answers": h.sum(axis=0),
            "coder_answers": k.sum(axis=0),
            "human_prevalence": np.round(h.mean(axis=0), 4),
            "coder_prevalence": np.round(k.mean(axis=0), 4),
            "kappa": np.round(kappa, 4),
            "kappa_low": np.round(_nan_percentile(boot_kappa, 2.5), 4),
            "kappa_high": np.round(_nan_percentile(boot_kappa, 97.5), 4),
            "precision": np.round(precision, 4),
            "recall": np.round(recall, 4),
            "f1": np.round(f1, 4),
            "f1_low": np.round(_nan_percentile(boot_f1, 2.5), 4),
            "f1_high": np.round(_nan_percentile(boot_f1, 97.5), 4),
            "alpha_nominal": [round(alpha_nominal(h[:, j], k[:, j]), 4) for j in range(m)],
        }
    )
    micro = table.sum(axis=0)
    boot_micro = boot.sum(axis=1)
    with np.errstate(invalid="ignore"):
        boot_mean_kappa = np.nanmean(boot_kappa, axis=1)
    primary_h = [human[r][0] if human[r] else "uncoded" for r in compared]
    primary_c = [coded[r][0] if coded[r] else "uncoded" for r in compared]
    same_primary = np.mean([a == b for a, b in zip(primary_h, primary_c, strict=True)])
    overall = {
        "answers_compared": len(compared),
        "mean_kappa": round(float(np.nanmean(kappa)), 4) if np.isfinite(kappa).any() else float("nan"),
        "mean_kappa_low": round(float(np.nanpercentile(boot_mean_kappa, 2.5)), 4),
        "mean_kappa_high": round(float(np.nanpercentile(boot_mean_kappa, 97.5)), 4),
        "micro_f1": round(float(_f1(micro)), 4),
        "micro_f1_low": round(float(np.nanpercentile(_f1(boot_micro), 2.5)), 4),
        "micro_f1_high": round(float(np.nanpercentile(_f1(boot_micro), 97.5)), 4),
        "alpha_masi": round(
            alpha_masi([frozenset(human[r]) for r in compared], [frozenset(coded[r]) for r in compared]), 4
        ),
        "exact_match": round(float(np.mean([set(human[r]) == set(coded[r]) for r in compared])), 4),
        "primary_agreement": round(float(same_primary), 4),
        "primary_kappa": round(float(cohen_kappa_score(primary_h, primary_c)), 4)
        if len(set(primary_h) | set(primary_c)) > 1
        else float("nan"),
        "primary_in_human_codes": round(
            float(np.mean([p in human[r] for p, r in zip(primary_c, compared, strict=True)])), 4
        ),
    }
    texts = texts or {}
    rows = [
        {
            "response_id": r,
            "text": texts.get(r, ""),
            "human": "|".join(human[r]),
            "coder": "|".join(coded[r]),
            "human_only": "|".join(c for c in human[r] if c not in coded[r]),
            "coder_only": "|".join(c for c in coded[r] if c not in human[r]),
        }
        for r in compared
        if set(human[r]) != set(coded[r])
    ]
    disagreements = pd.DataFrame(rows, columns=["response_id", "text", "human", "coder", "human_only", "coder_only"])
    return Agreement(per_code, overall, disagreements, counts)


def _nan_percentile(values: np.ndarray, q: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanpercentile(values, q, axis=0)


def read_coding(path: str | Path) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """A coding file as response id -> codes (first = primary) and response id -> text.

    Accepts the coder's output (``response_id, theme, themes``), a coded sample or filled coding
    sheet (``response_id, codes``) and a primary-code coding (``response_id, code``); a ``text``
    column is read when present. "uncoded", "non-substantive" and "" mean no code."""
    from zqf_analysis.themes.samples import read_coding_table, split_codes

    frame = read_coding_table(path)
    if "response_id" not in frame.columns:
        raise DataError("missing column response_id", file=path, column="response_id")
    column = next((c for c in ("themes", "codes", "code") if c in frame.columns), None)
    if column is None:
        raise DataError("expected a column themes, codes or code with the codes of each answer", file=path)
    repeated = frame["response_id"][frame["response_id"].duplicated()].tolist()
    if repeated:
        raise DataError(f"response id(s) coded twice: {', '.join(repeated[:5])}", file=path, column="response_id")
    coding = {}
    for rid, value, primary in zip(
        frame["response_id"].str.strip(),
        frame[column],
        frame["theme"] if "theme" in frame.columns else frame[column],
        strict=True,
    ):
        codes = tuple(c for c in split_codes(value) if c != "non-substantive")
        first = split_codes(primary)[:1]
        if first and first[0] in codes:
            codes = (first[0], *[c for c in codes if c != first[0]])
        coding[rid] = codes
    texts = dict(zip(frame["response_id"].str.strip(), frame["text"], strict=True)) if "text" in frame else {}
    return coding, texts

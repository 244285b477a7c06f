"""Command-line ``code`` and ``cluster``: apply a codebook, or discover themes, in any CSV of answers
(columns ``response_id,text``), so the method carries over to the next survey wave."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from zqf_analysis.errors import DataError


def _read_answers(path: str) -> pd.DataFrame:
    from zqf_analysis.data.files import read_text_table

    frame = read_text_table(path)
    missing = [c for c in ("response_id", "text") if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(missing)}; expected the columns response_id,text",
            file=path,
            column=missing[0],
        )
    repeated = frame["response_id"][frame["response_id"].duplicated()].tolist()
    if repeated:
        row = int(frame.index[frame["response_id"].duplicated()][0]) + 2
        raise DataError(
            f"response id {repeated[0]!r} appears more than once", file=path, row=row, column="response_id"
        )
    return frame


def _check_output(output: str, source: str) -> Path:
    target = Path(output)
    if target.resolve() == Path(source).resolve():
        raise DataError("the output must not overwrite the input", file=output)
    if target.exists() and target.is_dir():
        raise DataError("the output is a folder; give a file name", file=output)
    return target


def _code(args: argparse.Namespace) -> int:
    from zqf_analysis.io import write_csv_atomic
    from zqf_analysis.themes.codebook import code_answers, load_codebook

    codebook = load_codebook(args.codebook)
    answers = _read_answers(args.input)
    target = _check_output(args.output, args.input)
    coded = code_answers(answers, codebook).drop(columns=["review"])
    write_csv_atomic(target, coded)
    print(f"{target}: {len(coded)} answers, {int((coded['theme'] == 'uncoded').sum())} uncoded")
    return 0


def _parse_k(value: str):
    from zqf_analysis.themes.params import check_k

    try:
        return check_k(value)
    except DataError as exc:
        raise argparse.ArgumentTypeError(exc.problem.removeprefix(f"parameter k={value!r}: ")) from None


def cluster_answers(
    answers: pd.DataFrame, k="auto", backend: str | None = None, seed: int = 0
) -> pd.DataFrame:
    """``answers`` with ``theme`` (the cluster of the answer's first point, "C1".., or
    "non-substantive"), ``themes`` (clusters of all its points, joined with ``|``) and
    ``theme_terms`` (the top terms of ``theme``)."""
    from zqf_analysis.data.text import is_substantive
    from zqf_analysis.themes.cluster import choose_k, cluster_vectors, top_terms
    from zqf_analysis.themes.embed import DEFAULT_BACKEND, embed_texts
    from zqf_analysis.themes.stage import segment_table

    frame = answers.assign(substantive=answers["text"].map(is_substantive))
    segments = segment_table(frame, text_column="text")
    if segments.empty:
        raise DataError("no substantive answer to cluster", column="text")
    vectors = embed_texts(segments["segment"].tolist(), backend or DEFAULT_BACKEND)
    if k == "auto":
        k, _ = choose_k(vectors, seed)
    elif k > len(segments):
        raise DataError(f"k={k} is more than the {len(segments)} segments to cluster")
    labels = cluster_vectors(vectors, k, seed)
    terms = top_terms(segments["segment"].tolist(), labels)
    segments = segments.assign(cluster=[f"C{c + 1}" for c in labels])
    grouped = segments.groupby("response_id", sort=False)["cluster"]
    first, every = grouped.first(), grouped.agg(lambda cs: "|".join(dict.fromkeys(cs)))
    ids = answers["response_id"].astype(str)
    theme = ids.map(first).fillna("non-substantive")
    return answers.assign(
        theme=theme,
        themes=ids.map(every).fillna(""),
        theme_terms=[", ".join(terms[int(t[1:]) - 1][:5]) if t.startswith("C") else "" for t in theme],
    )


def _cluster(args: argparse.Namespace) -> int:
    from zqf_analysis.io import write_csv_atomic
    from zqf_analysis.themes.params import check_backend

    check_backend(args.backend)
    answers = _read_answers(args.input)
    target = _check_output(args.output, args.input)
    clustered = cluster_answers(answers, args.k, args.backend, args.seed)
    write_csv_atomic(target, clustered)
    print(f"{target}: {len(clustered)} answers in {clustered['theme'].nunique()} themes")
    return 0


def register(subparsers) -> None:
    """Add the ``code`` and ``cluster`` commands to the package's command line."""
    from zqf_analysis.themes.params import BACKENDS, DEFAULT_BACKEND

    code = subparsers.add_parser("code", help="code answers (response_id,text) against a codebook YAML")
    code.add_argument("--codebook", required=True, help="codebook YAML file")
    code.add_argument("--input", required=True, help="CSV with columns response_id,text")
    code.add_argument("--output", required=True, help="CSV to write: adds theme, themes, evidence")
    code.set_defaults(run=_code)

    cluster = subparsers.add_parser(
        "cluster", help="discover themes in answers (response_id,text) by clustering"
    )
    cluster.add_argument("--input", required=True, help="CSV with columns response_id,text")
    cluster.add_argument("--output", required=True, help="CSV to write: adds theme, themes, theme_terms")
    cluster.add_argument("--k", type=_parse_k, default="auto", help="number of themes or 'auto' (silhouette)")
    cluster.add_argument(
        "--backend", default=DEFAULT_BACKEND, help=f"embedding backend: {', '.join(BACKENDS)}"
    )
    cluster.add_argument("--seed", type=int, default=0, help="random seed (same seed, same themes)")
    cluster.set_defaults(run=_cluster)

"""Command-line ``code`` (with a codebook, optionally learning from a coded sample), ``cluster``,
``agree``, ``coding-sheet`` and ``draft-codebook`` on any CSV of answers (columns ``response_id,text``),
so the method carries over to the next survey wave."""

from __future__ import annotations

import argparse
import sys
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
    from zqf_analysis.themes.codebook import UNCODED, load_codebook
    from zqf_analysis.themes.learn import (
        MIN_SAMPLE,
        OUTPUT_COLUMNS,
        code_with_sample,
        estimate_quality,
        read_coded_sample,
    )

    codebook = load_codebook(args.codebook)
    answers = _read_answers(args.input)
    target = _check_output(args.output, args.input)
    sample = read_coded_sample(args.coded, answers, codebook) if args.coded else None
    run = code_with_sample(answers, codebook, sample, seed=args.seed)
    write_csv_atomic(target, run.coded[OUTPUT_COLUMNS])
    for message in run.messages:
        print(f"note: {message}", file=sys.stderr)
    uncoded = int((run.coded["theme"] == UNCODED).sum())
    print(f"{target}: {len(run.coded)} answers, {uncoded} uncoded, {int((run.coded['review'] != '').sum())} for review")
    if sample is not None and len(sample) >= MIN_SAMPLE and args.estimate:
        quality = estimate_quality(sample, codebook, seed=args.seed)
        learned, alone = quality["learned"].overall, quality["codebook"].overall
        print(
            f"expect on the rest ({quality['folds']}-fold cross-validation on the {quality['answers']} coded "
            f"answers): mean per-code kappa {learned['mean_kappa']:.2f} "
            f"[{learned['mean_kappa_low']:.2f}, {learned['mean_kappa_high']:.2f}], micro-F1 {learned['micro_f1']:.2f} "
            f"[{learned['micro_f1_low']:.2f}, {learned['micro_f1_high']:.2f}]; the codebook alone: kappa "
            f"{alone['mean_kappa']:.2f}, micro-F1 {alone['micro_f1']:.2f}"
        )
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
    from zqf_analysis.themes.draft import discover_themes

    found = discover_themes(answers, k, backend, seed)
    segments = found.segments.assign(cluster=[f"C{c + 1}" for c in found.segments["cluster"]])
    grouped = segments.groupby("response_id", sort=False)["cluster"]
    first, every = grouped.first(), grouped.agg(lambda cs: "|".join(dict.fromkeys(cs)))
    ids = answers["response_id"].astype(str)
    theme = ids.map(first).fillna("non-substantive")
    return answers.assign(
        theme=theme,
        themes=ids.map(every).fillna(""),
        theme_terms=[", ".join(found.terms[int(t[1:]) - 1][:5]) if t.startswith("C") else "" for t in theme],
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


def _agree(args: argparse.Namespace) -> int:
    from zqf_analysis.io import write_csv_atomic
    from zqf_analysis.themes.agreement import multilabel_agreement, read_coding

    human, texts = read_coding(args.human)
    coded, coded_texts = read_coding(args.coded)
    codes = None
    if args.codebook:
        from zqf_analysis.themes.codebook import load_codebook

        codes = load_codebook(args.codebook).names
        for path, coding in ((args.human, human), (args.coded, coded)):
            unknown = sorted({c for cs in coding.values() for c in cs} - set(codes))
            if unknown:
                raise DataError(f"code(s) not in the codebook: {', '.join(unknown)}", file=path)
    result = multilabel_agreement(human, coded, codes, {**coded_texts, **texts}, seed=args.seed)
    counts, overall = result.counts, result.overall
    print(
        f"{counts['in_both']} answers in both files ({counts['human_only']} only in {args.human}, "
        f"{counts['coded_only']} only in {args.coded}); {counts['uncoded_by_both']} uncoded by both left out, "
        f"{counts['uncoded_by_human_only']} uncoded by the human only, {counts['uncoded_by_coder_only']} by the "
        f"coder only; {overall['answers_compared']} compared"
    )
    print(
        f"mean per-code kappa {overall['mean_kappa']:.3f} [{overall['mean_kappa_low']:.3f}, "
        f"{overall['mean_kappa_high']:.3f}]; micro-F1 {overall['micro_f1']:.3f} [{overall['micro_f1_low']:.3f}, "
        f"{overall['micro_f1_high']:.3f}]; Krippendorff's alpha (MASI) {overall['alpha_masi']:.3f}; "
        f"primary code: agreement {overall['primary_agreement']:.3f}, kappa {overall['primary_kappa']:.3f}; "
        f"{len(result.disagreements)} disagreements"
    )
    print(result.per_code.to_string(index=False))
    if args.output:
        target = _check_output(args.output, args.human)
        written = write_csv_atomic(target, result.per_code)
        disagreements = write_csv_atomic(
            target.with_name(f"{target.stem}_disagreements{target.suffix or '.csv'}"), result.disagreements
        )
        print(f"{written}\n{disagreements}")
    return 0


def _coding_sheet(args: argparse.Namespace) -> int:
    from zqf_analysis.io import write_csv_atomic
    from zqf_analysis.themes.sheets import read_coding_sheet, write_coding_sheet

    if args.read:
        target = _check_output(args.output, args.read)
        sample, not_coded = read_coding_sheet(args.read)
        write_csv_atomic(target, sample)
        print(f"{target}: {len(sample)} coded answers ({not_coded} rows with no mark left out as not coded yet)")
        return 0
    if not args.input or not args.codebook:
        raise DataError("coding-sheet needs --input and --codebook (or --read SHEET to read a filled one back)")
    from zqf_analysis.themes.codebook import load_codebook

    codebook = load_codebook(args.codebook)
    answers = _read_answers(args.input)
    target = _check_output(args.output, args.input)
    if target.suffix.lower() != ".xlsx":
        raise DataError("the coding sheet is an Excel workbook: give an output name ending in .xlsx", file=target)
    write_coding_sheet(target, answers, codebook)
    print(f"{target}: {len(answers)} answers x {len(codebook.names)} codes")
    return 0


def _draft_codebook(args: argparse.Namespace) -> int:
    from zqf_analysis.themes.draft import discover_themes, draft_document, write_draft
    from zqf_analysis.themes.params import check_backend

    check_backend(args.backend)
    answers = _read_answers(args.input)
    target = _check_output(args.output, args.input)
    document = draft_document(discover_themes(answers, args.k, args.backend, args.seed), args.question)
    write_draft(target, document)
    print(f"{target}: {len(document['codes'])} drafted codes; write their definitions before coding with them")
    return 0


def register(subparsers) -> None:
    """Add the themes commands to the package's command line."""
    from zqf_analysis.themes.params import BACKENDS, DEFAULT_BACKEND

    code = subparsers.add_parser("code", help="code answers (response_id,text) against a codebook YAML")
    code.add_argument("--codebook", required=True, help="codebook YAML file")
    code.add_argument("--input", required=True, help="CSV with columns response_id,text")
    code.add_argument(
        "--output", required=True, help="CSV to write: response_id, text, theme, themes, evidence, confidence"
    )
    code.add_argument(
        "--coded",
        help="an analyst's coded sample to learn from: CSV response_id,codes (codes joined with |; a text "
        "column for answers not in the input) or a filled coding sheet (.xlsx)",
    )
    code.add_argument("--seed", type=int, default=0, help="random seed of the cross-validation")
    code.add_argument(
        "--no-estimate", dest="estimate", action="store_false", help="skip the cross-validated quality estimate"
    )
    code.set_defaults(run=_code)

    agree = subparsers.add_parser("agree", help="agreement of two codings, like a second coder")
    agree.add_argument("--human", required=True, help="CSV (response_id, codes or code) or filled coding sheet")
    agree.add_argument("--coded", required=True, help="the coder's output CSV (response_id, theme, themes)")
    agree.add_argument("--codebook", help="codebook YAML: check the codes and list them in its order")
    agree.add_argument(
        "--output", help="CSV of the per-code table; the disagreements go beside it (<name>_disagreements.csv)"
    )
    agree.add_argument("--seed", type=int, default=0, help="random seed of the bootstrap intervals")
    agree.set_defaults(run=_agree)

    sheet = subparsers.add_parser("coding-sheet", help="write a coding sheet (.xlsx) for a person, or read one back")
    sheet.add_argument("--input", help="CSV with columns response_id,text")
    sheet.add_argument("--codebook", help="codebook YAML")
    sheet.add_argument("--read", help="a filled coding sheet to read back as a coded sample")
    sheet.add_argument("--output", required=True, help="the .xlsx to write, or with --read the sample CSV")
    sheet.set_defaults(run=_coding_sheet)

    draft = subparsers.add_parser("draft-codebook", help="draft a codebook YAML from discovered themes")
    draft.add_argument("--input", required=True, help="CSV with columns response_id,text")
    draft.add_argument("--output", required=True, help="codebook YAML to write")
    draft.add_argument("--k", type=_parse_k, default="auto", help="number of themes or 'auto' (silhouette)")
    draft.add_argument("--backend", default=DEFAULT_BACKEND, help=f"embedding backend: {', '.join(BACKENDS)}")
    draft.add_argument("--seed", type=int, default=0, help="random seed (same seed, same themes)")
    draft.add_argument("--question", help="question id to write in the codebook (question:)")
    draft.set_defaults(run=_draft_codebook)

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

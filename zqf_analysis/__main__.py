"""Command line: ``python -m zqf_analysis <command>``; each command lives in its stage's module."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from zqf_analysis.errors import run_command


def _clean(args: argparse.Namespace) -> int:
    from zqf_analysis.data.clean import clean_dataset_to

    written = clean_dataset_to(args.dataset, args.output, separator=args.separator)
    for path in written:
        print(path)
    return 0


def _init(args: argparse.Namespace) -> int:
    from zqf_analysis.data.draft import check_draft, write_draft

    target, draft = write_draft(args.export, args.output, sheet=args.sheet, force=args.force)
    kinds = ", ".join(f"{n} {t}" for t, n in sorted(Counter(q.type for q in draft.questions).items()))
    print(f"{target}: {len(draft.questions)} questions drafted from {draft.rows} rows ({kinds})")
    print(f"  {draft.checks} inference(s) to review, marked '# check:' in the file")
    print(f"  {check_draft(target)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m zqf_analysis", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    clean = commands.add_parser("clean", help="validate a dataset folder and write its cleaned tables")
    clean.add_argument("--dataset", required=True, help="dataset folder (holds questionnaire.yaml)")
    clean.add_argument("--output", help="output folder (default: data/processed/<dataset name>)")
    clean.add_argument(
        "--separator",
        help="multi-select separator of an export (default: the questionnaire's export: separator, else detected)",
    )
    clean.set_defaults(run=_clean)

    init = commands.add_parser("init", help="draft questionnaire.yaml from a per-respondent export, for review")
    init.add_argument("--export", required=True, help="the export (.xlsx, .csv or .txt) as the form tool wrote it")
    init.add_argument("--output", help="where to write the draft (default: questionnaire.yaml beside the export)")
    init.add_argument("--sheet", help="the workbook's sheet (default: the first)")
    init.add_argument("--force", action="store_true", help="replace the output file if it exists")
    init.set_defaults(run=_init)

    # Later stages register their commands here (themes: code, cluster; build: build).
    for register in _registrations():
        register(commands)
    return parser


def _registrations():
    registrations = []
    for module_name in ("zqf_analysis.themes.cli", "zqf_analysis.stats.group_stage", "zqf_analysis.build.cli"):
        try:
            module = __import__(module_name, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        registrations.append(module.register)
    return registrations


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["build"]:  # the build's parser alone: a no-op build imports no other stage
        from zqf_analysis.build.cli import build_parser as build_only

        return run_command(build_only(), argv)
    return run_command(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())

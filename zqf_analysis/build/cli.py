"""Command line of the build: ``python -m zqf_analysis build`` (also ``python -m zqf_analysis.build``),
which ``make report`` calls. It needs no make: planning, staleness and the worker pool are Python."""

from __future__ import annotations

import argparse
import re

from zqf_analysis.build import plan as planning
from zqf_analysis.errors import run_command


def _cmd_build(args: argparse.Namespace) -> int:
    from zqf_analysis.build.schedule import build

    plan = planning.plan_build(
        args.dataset,
        notebooks_dir=args.notebooks,
        output_root=args.output_root,
        overrides=planning.parse_overrides(args.param or []),
        questions=[q for q in re.split(r"[,\s]+", args.questions or "") if q] or None,
    )
    return build(plan, jobs=args.jobs, force=args.force)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def add_arguments(command: argparse.ArgumentParser) -> None:
    from zqf_analysis.build.schedule import default_jobs

    command.add_argument(
        "--dataset", default="data/raw/zaqa-2024", help="dataset folder (holds questionnaire.yaml)"
    )
    command.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="a notebook parameter, for every notebook that has it or as notebook.name=value "
        "(repeatable; several may be given in one quoted, space-separated string)",
    )
    command.add_argument(
        "--questions", help="open questions for the per-question notebooks (default: all open)"
    )
    command.add_argument("--notebooks", help="folder of NN_name.ipynb notebooks (default: notebooks/)")
    command.add_argument("--output-root", help="where data/processed and reports go (default: project root)")
    command.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        default=None,
        help=f"worker processes, each with one kernel at a time (default: one per core, at most 4; "
        f"here {default_jobs()})",
    )
    command.add_argument("--force", action="store_true", help="re-run every step even if nothing changed")
    command.set_defaults(run=_cmd_build)


def register(subparsers) -> None:
    """Add ``build``: execute and render every notebook for a dataset, then index.html."""
    build = subparsers.add_parser(
        "build", help="execute and render every notebook for a dataset, then index.html (incremental, parallel)"
    )
    add_arguments(build)


def build_parser(prog: str = "python -m zqf_analysis") -> argparse.ArgumentParser:
    """A parser holding the build's command alone: ``python -m zqf_analysis build`` uses it, so that a
    no-op build does not import the other stages' command lines (the themes one imports pandas, about
    0.7 s)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m zqf_analysis.build [options]``: the same as ``python -m zqf_analysis build``; bad
    input is reported on stderr with exit code 2."""
    parser = argparse.ArgumentParser(prog="python -m zqf_analysis.build", description=__doc__)
    add_arguments(parser)
    return run_command(parser, argv)

"""The one exception bad input raises, carrying where the problem is so the message can name it."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Bad input: the message names the file, row or question, column and what was expected.

    >>> str(DataError("count must be a whole number", file="counts.csv", row=4, column="count"))
    'counts.csv, row 4, column count: count must be a whole number'
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        question: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.question = question
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.question:
            where.append(f"question {self.question}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.problem}" if where else self.problem


def check_whole_number(name: str, value: object, minimum: int, more: str = "") -> int:
    """The rule every whole-number parameter shares (k, seed, min_base, min_disclosure, min_answers): a
    whole number of at least ``minimum``, a digit string from a command line read as one; else a
    DataError naming the parameter and what was expected (``more`` added to it as written).

    >>> check_whole_number("seed", "7", 0)
    7
    >>> check_whole_number("min_base", True, 1)
    Traceback (most recent call last):
    ...
    zqf_analysis.errors.DataError: parameter min_base=True: expected a whole number of at least 1
    """
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise DataError(f"parameter {name}={value!r}: expected a whole number of at least {minimum}{more}")
    return value


def run_command(parser, argv: list[str] | None = None) -> int:
    """Parse ``argv`` with the argparse ``parser`` and run the chosen command (``args.run(args)``); bad
    input (a :class:`DataError`) is reported on stderr as ``error: <message>`` with exit code 2. The
    command lines of the package (``python -m zqf_analysis``, ``python -m zqf_analysis.build``) share it."""
    import sys

    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

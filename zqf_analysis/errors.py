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

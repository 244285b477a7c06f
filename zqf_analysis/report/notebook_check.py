"""Display objects a notebook builds and then drops, found by reading its cells (no kernel).

IPython shows a cell's value only when the cell *ends* with an expression: ``show.note(...)`` on a
middle line, inside an ``if`` or a loop, or ended by ``;`` builds a note nobody sees, and the page
silently lacks it. :func:`dropped_displays` lists every such call (the ``show`` helpers that return a
display object, IPython's display classes, charts and stylers) and every pyplot figure (shown or not
depending on the kernel's matplotlib backend; draw on a ``Figure`` and pass it to ``show.figure``).
"""

from __future__ import annotations

import ast
import inspect
import json
from dataclasses import dataclass
from pathlib import Path

#: Calls that show what they are given, or return nothing to show.
_SHOWING = {"IPython.display.display", "print", "IPython.display.clear_output", "IPython.display.update_display"}


@dataclass(frozen=True)
class Dropped:
    """One display object that never reaches the page: where it is and what builds it."""

    notebook: str
    cell: int
    line: int
    call: str
    why: str

    def __str__(self) -> str:
        return f"{self.notebook} cell {self.cell} line {self.line}: {self.call} {self.why}"


def show_builders() -> frozenset[str]:
    """The ``zqf_analysis.report.show`` functions that return a display object (not ``-> None``)."""
    from zqf_analysis.report import show

    found = set()
    for name, function in inspect.getmembers(show, inspect.isfunction):
        if function.__module__ == show.__name__ and not name.startswith("_"):
            returned = inspect.signature(function).return_annotation
            if returned not in (None, "None", inspect.Signature.empty):
                found.add(f"{show.__name__}.{name}")
    return frozenset(found)


def _imports(trees: list[ast.Module]) -> dict[str, str]:
    """Each name the notebook's imports bind, mapped to the dotted name it stands for."""
    names: dict[str, str] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        names[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.AST, names: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(names.get(node.id, node.id))
    return ".".join(reversed(parts))


def _builds_display(call: str, builders: frozenset[str]) -> bool:
    last = call.rsplit(".", 1)[-1]
    return (
        call in builders
        or (call.startswith("IPython.display.") and last[:1].isupper())
        or last.endswith("_chart")
        or last.endswith("styler")
    )


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)  # %magics and !commands become Python


def _ends_with_semicolon(source: str, node: ast.stmt) -> bool:
    lines = source.splitlines()
    tail = lines[node.end_lineno - 1][node.end_col_offset :].split("#", 1)[0]
    return tail.strip().startswith(";")


def dropped_displays(notebook: str | Path) -> list[Dropped]:
    """Every display object the notebook's code cells build and never show, in cell order, and every
    use of pyplot (whose figures reach the page only under an inline backend)."""
    path = Path(notebook)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [(index, cell) for index, cell in enumerate(cells) if cell.get("cell_type") == "code"]
    sources = {index: _cell_source(cell) for index, cell in code}
    trees = {index: ast.parse(source, filename=f"{path.name} cell {index}") for index, source in sources.items()}
    names = _imports(list(trees.values()))
    builders = show_builders()
    found: list[Dropped] = []
    for index, tree in trees.items():
        last = tree.body[-1] if tree.body else None
        shown_last = isinstance(last, ast.Expr) and not _ends_with_semicolon(sources[index], last) and last or None
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                modules += [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom) else []
                if "matplotlib.pyplot" in modules:
                    found.append(
                        Dropped(
                            path.name,
                            index,
                            node.lineno,
                            "matplotlib.pyplot",
                            "draws figures that reach the page only under an inline backend; draw on a "
                            "Figure and display(show.figure(...)) it",
                        )
                    )
            if not isinstance(node, ast.Expr) or node is shown_last:
                continue
            value = node.value
            if isinstance(value, ast.Call):
                call = _dotted(value.func, names)
                if call and call not in _SHOWING and _builds_display(call, builders):
                    found.append(
                        Dropped(
                            path.name,
                            index,
                            node.lineno,
                            f"{ast.unparse(value.func)}(...)",
                            "builds a display object that is never shown: pass it to display(...)",
                        )
                    )
            elif not isinstance(value, ast.Constant):  # a bare name or attribute on a middle line
                found.append(
                    Dropped(
                        path.name,
                        index,
                        node.lineno,
                        ast.unparse(value)[:60],
                        "is a value nobody sees: pass it to display(...) or remove it",
                    )
                )
    return sorted(found, key=lambda d: (d.cell, d.line))

"""The package's layout: sub-packages by stage, no import cycle, every source file tracked by git."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "zqf_analysis"
STAGES = ("data", "stats", "themes", "report", "build")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each package module and the package modules it imports anywhere (module level or inside a
    function): ``from zqf_analysis.a import b`` counts as importing ``zqf_analysis.a`` and, when ``b``
    is a module, ``zqf_analysis.a.b``."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a list of modules (first == last), or [] when there is none."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        trail.append(node)
        for needed in sorted(graph[node]):
            if state.get(needed) == 1:
                return [*trail[trail.index(needed) :], needed]
            if needed not in state and (found := visit(needed)):
                return found
        trail.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_top_level_shows_the_stages():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert set(STAGES) <= folders
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage


def test_there_is_no_import_cycle():
    assert find_cycle(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_every_source_file_of_the_package_is_tracked_by_git():
    """A file git ignores would be missing from every fresh clone (CI's, a user's)."""
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "zqf_analysis"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    ignored = [line for line in listed.stdout.splitlines() if "__pycache__" not in line and line.endswith(".py")]
    assert ignored == []


#: "No module over about 600 lines" (issue 10): a module past this is split by what its parts do.
MAX_MODULE_LINES = 650


def test_no_module_is_over_about_600_lines():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    too_long = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines, to split: {too_long}"
    assert sizes["zqf_analysis/build/plan.py"] > 100  # the sizes are read (a module of plain lines)

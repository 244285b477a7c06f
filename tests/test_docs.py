"""The documents tell the truth about the repository: every relative link of the README, docs/ and the
benchmarks' README reaches a file (and a heading) of the repository, no document points at a path
outside it, and the README's parameters table names every parameter of every notebook with the
default its parameters cell holds."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "bench" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "tests" / "fixtures").glob("*/README.md")),
    *sorted((ROOT / "data" / "raw").glob("*/README.md")),
]


def _prose(path: Path) -> str:
    """The document without its fenced code blocks (their text is code, not links)."""
    return re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens.

    >>> _slug("Make's variables")
    'makes-variables'
    """
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", _prose(path), re.M)}


def _links(path: Path) -> list[str]:
    return [m.group(1) for m in re.finditer(r"\]\(([^)\s]+)\)", _prose(path))]


def test_the_slug_rule_on_headings_of_these_documents():
    assert _slug("Respondent groups, populations and comparisons (`04_groups`)") == (
        "respondent-groups-populations-and-comparisons-04_groups"
    )
    assert _slug("Scale: a million respondents") == "scale-a-million-respondents"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_heading_of_the_repository(document):
    broken = []
    for link in _links(document):
        if re.match(r"[a-z]+:", link):  # https:, mailto:
            continue
        path, _, anchor = link.partition("#")
        target = (document.parent / path).resolve() if path else document
        if ROOT not in target.parents:
            broken.append(f"{link} (outside the repository)")
        elif not target.exists():
            broken.append(f"{link} (no such file)")
        elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
            broken.append(f"{link} (no such heading)")
    assert not broken, f"{document.relative_to(ROOT)}: {'; '.join(broken)}"


#: A path that climbs with ``../``, or an absolute path of a machine (POSIX home, work or temporary
#: folders, a Windows drive): where it leads is judged from the document's folder.
OUTSIDE_PATH = re.compile(
    r"(?<![\w:/.-])((?:\.\./)+[\w.<>-]+(?:/[\w.<>-]+)*|/(?:work|home|tmp|root|Users)/\S*|[A-Z]:\\\S+)"
)


def outside_paths(document: Path, text: str) -> list[str]:
    """The paths ``text`` names that lead outside the repository, read from ``document``'s folder."""
    found = []
    for match in OUTSIDE_PATH.finditer(text):
        path = match.group(1)
        if not path.startswith("../") or ROOT not in (document.parent / path).resolve().parents:
            found.append(path)
    return found


def test_the_outside_path_finder_finds_climbing_and_absolute_paths():
    readme = ROOT / "docs" / "coding.md"
    text = "see ../README.md, ../../elsewhere/report.txt, /home/analyst/survey.csv and C:\\Users\\x.csv"
    assert outside_paths(readme, text) == ["../../elsewhere/report.txt", "/home/analyst/survey.csv", "C:\\Users\\x.csv"]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_document_points_outside_the_repository(document):
    found = outside_paths(document, document.read_text(encoding="utf-8"))
    assert not found, f"{document.relative_to(ROOT)} names {found}, which a clone does not have"


def _notebook_parameters() -> dict[str, dict[str, object]]:
    """notebook name -> {parameter: default}, read from each notebook's cell tagged ``parameters``."""
    found = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        (cell,) = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        tree = ast.parse("".join(cell["source"]))
        found[path.stem] = {
            node.targets[0].id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
        }
    return found


def _readme_parameters() -> dict[tuple[str, str], str]:
    """(notebook, parameter) -> the default column of the README's parameters table, as written."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Parameters", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) < 4 or not cells[1].startswith("`"):
            continue
        notebook = cells[0].strip("`")
        names = [n.strip().strip("`") for n in cells[1].split(",")]
        defaults = [d.strip().strip("`") for d in cells[2].split(",")]
        for name, default in zip(names, defaults, strict=True):
            rows[(notebook, name)] = default
    return rows


def test_the_readme_parameters_table_holds_every_notebook_parameter_with_its_default():
    table = _readme_parameters()
    notebooks = _notebook_parameters()
    assert set(notebooks) >= {"01_clean", "02_describe", "03_themes", "04_groups"}
    problems = []
    for notebook, parameters in notebooks.items():
        for name, default in parameters.items():
            written = table.get((notebook, name), table.get(("all", name)))
            if written is None:
                problems.append(f"{notebook}.{name} is not in the table")
            elif written != json.dumps(default):
                problems.append(f"{notebook}.{name}: the table says {written}, the notebook {json.dumps(default)}")
    for notebook, name in table:
        if notebook != "all" and name not in notebooks.get(notebook, {}):
            problems.append(f"the table lists {notebook}.{name}, which the notebook does not have")
    assert not problems, "; ".join(problems)

"""No module changes matplotlib's global state: no backend chosen, no rcParams written, no style set.

A module that calls ``matplotlib.use("Agg")`` silently takes the inline backend away from the
notebook that imports it, and every ``plt.show()`` after it shows nothing (the 2-D map of answers
once went missing from every page that way); settings written globally leak into the next figure.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "zqf_analysis"

#: Calls that change global matplotlib or seaborn state, by their last two dotted parts.
GLOBAL_CALLS = {
    ("matplotlib", "use"),
    ("mpl", "use"),
    ("plt", "switch_backend"),
    ("pyplot", "switch_backend"),
    ("style", "use"),
    ("matplotlib", "rc"),
    ("mpl", "rc"),
    ("plt", "rc"),
    ("matplotlib", "rcdefaults"),
    ("plt", "rcdefaults"),
    ("matplotlib", "rc_file"),
    ("matplotlib", "rc_file_defaults"),
    ("rcParams", "update"),
    ("rcParams", "setdefault"),
    ("sns", "set"),
    ("sns", "set_theme"),
    ("sns", "set_style"),
    ("sns", "set_context"),
    ("sns", "set_palette"),
    ("seaborn", "set"),
    ("seaborn", "set_theme"),
    ("seaborn", "set_style"),
    ("seaborn", "set_context"),
    ("seaborn", "set_palette"),
}


def _dotted(node: ast.AST) -> tuple[str, ...]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def global_state_changes(source: str) -> list[tuple[int, str]]:
    """Lines of ``source`` that change matplotlib's global state, with the offending code."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _dotted(node.func)[-2:] in GLOBAL_CALLS:
            found.append((node.lineno, ast.unparse(node.func)))
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            if isinstance(target, ast.Subscript) and _dotted(target.value)[-1:] == ("rcParams",):
                found.append((node.lineno, ast.unparse(target)))
    return sorted(found)


def test_the_source_check_finds_what_it_looks_for():
    source = (
        "import matplotlib\nimport matplotlib.pyplot as plt\nimport seaborn as sns\n"
        "matplotlib.use('Agg', force=False)\n"
        "matplotlib.rcParams['font.size'] = 8\n"
        "plt.rcParams.update({'a': 1})\n"
        "plt.style.use('ggplot')\n"
        "sns.set_theme()\n"
        "with matplotlib.rc_context({'font.size': 8}):\n    pass\n"
    )
    assert [line for line, _ in global_state_changes(source)] == [4, 5, 6, 7, 8]


def test_no_module_changes_global_matplotlib_state():
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {code}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, code in global_state_changes(path.read_text(encoding="utf-8"))
    ]
    assert offences == [], "use matplotlib.rc_context or settings on the figure instead:\n" + "\n".join(offences)


DRAW_EVERYTHING = """
import tempfile

import matplotlib

def state():
    return {key: repr(matplotlib.rcParams._get(key)) for key in matplotlib.rcParams}

before = state()
from zqf_analysis.data.clean import clean_dataset
from zqf_analysis.data.load import load_dataset
from zqf_analysis.io import save_figure
from zqf_analysis.report import plots, show
from zqf_analysis.stats import describe
from zqf_analysis.themes.charts import map_chart, theme_chart
from zqf_analysis.themes.stage import ThemeParams, run_themes

data = load_dataset("data/raw/zaqa-2024")
tables = clean_dataset(data)
summary = describe.closed_summary(tables["closed_counts"], data.questionnaire)
profile = describe.institution_profile(tables["institutions"])
figures = [
    plots.question_chart(summary, data.questionnaire["Q3"]),
    plots.pie_chart(summary, data.questionnaire["Q11"]),
    plots.institutions_chart(profile),
    plots.types_chart(describe.submissions_by_type(tables["institutions"])),
]
result = run_themes(ThemeParams(question="Q8", backend="tfidf"), write=False)
figures += [theme_chart(result), map_chart(result)]
with tempfile.TemporaryDirectory() as folder:
    for number, figure in enumerate(figures):
        save_figure(figure, folder, f"figure{number}")
        show.figure(figure)
after = state()
changed = sorted(k for k in before if before[k] != after[k])
print("changed:", changed)
print("backend:", matplotlib.rcParams._get("backend"))
"""


def test_drawing_and_saving_every_chart_leaves_the_backend_and_settings_alone():
    """Every chart of the package drawn and saved in a fresh process whose backend is the notebook's
    inline one, as a kernel of the build has it: the backend and every rcParam are as they were."""
    inline = "module://matplotlib_inline.backend_inline"
    result = subprocess.run(
        [sys.executable, "-c", DRAW_EVERYTHING],
        cwd=ROOT,
        env={**os.environ, "MPLBACKEND": inline},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "changed: []" in lines
    assert f"backend: {inline}" in lines

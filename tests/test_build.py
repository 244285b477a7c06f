"""The report build: planning and parameter checks (fast), and whole builds of small dummy notebooks
(slow: they start kernels) for every page, incremental re-runs, the failure path and determinism."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from zqf_analysis.build import plan as build
from zqf_analysis.errors import DataError
from zqf_analysis.report import pages, provenance

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "tests" / "fixtures" / "synthetic-export"
RAW = ROOT / "data" / "raw" / "zaqa-2024"


def write_notebook(path: Path, title: str, parameters: str, *cells: str) -> Path:
    """A small notebook in the project's layout: a title, the tagged parameters cell, then code."""
    notebook = new_notebook(
        cells=[new_markdown_cell(f"# {title}"), new_code_cell(parameters, metadata={"tags": ["parameters"]})]
        + [new_code_cell(source) for source in cells],
        metadata={
            "kernelspec": {
                "name": "zqf-analysis",
                "display_name": "Python (zqf-analysis)",
                "language": "python",
            }
        },
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


CLEAN = (
    "from zqf_analysis import paths\n"
    "folder = paths.processed_dir(paths.resolve(dataset), output_root or None)\n"
    "folder.mkdir(parents=True, exist_ok=True)\n"
    "(folder / 'a.csv').write_text('x\\n1\\n')\n"
    "print('cleaned', paths.resolve(dataset).name)"
)
DESCRIBE = (
    "from zqf_analysis import paths\n"
    "import sys\n"
    "text = (paths.processed_dir(paths.resolve(dataset), output_root or None) / 'a.csv').read_text()\n"
    "print('confidence', confidence, 'rows', text.count('\\n'))\n"
    "print('a stray warning', file=sys.stderr)\n"
    "import os\n"
    "_ = os.write(1, b'kernel output below Python, without a newline')  # reaches the kernel's own stdout"
)
THEMES = (
    "import matplotlib\n"
    "print('themes of', question, 'in a', 'used' if 'leftover' in globals() else 'fresh', 'namespace')\n"
    "print('linewidth', matplotlib.rcParams['lines.linewidth'])\n"
    "leftover = question\n"
    "matplotlib.rcParams['lines.linewidth'] = 7"
)


@pytest.fixture
def notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    write_notebook(
        folder / "01_clean.ipynb", "Clean", 'dataset = "data/raw/zaqa-2024"\noutput_root = ""', CLEAN
    )
    write_notebook(
        folder / "02_describe.ipynb",
        "Describe",
        'dataset = "data/raw/zaqa-2024"  # a "quoted" comment papermill cannot parse\n'
        'confidence = 0.95\noutput_root = ""',
        DESCRIBE,
    )
    write_notebook(
        folder / "03_themes.ipynb",
        "Themes",
        'dataset = "x"\nquestion = "Q8"\nk = "auto"\noutput_root = ""',
        THEMES,
    )
    return folder


def run_build(
    notebooks: Path, out: Path, *extra: str, dataset: Path = SYNTHETIC
) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "zqf_analysis",
        "build",
        "--dataset",
        str(dataset),
        "--notebooks",
        str(notebooks),
        "--output-root",
        str(out),
        *extra,
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def ran(result: subprocess.CompletedProcess) -> list[str]:
    """The steps a build executed, from its one-line-per-step progress."""
    return sorted(line.split()[1] for line in result.stdout.splitlines() if line.strip().startswith("ran "))


# ------------------------------------------------------------------------------------------- fast


def test_plan_runs_a_question_notebook_once_per_open_question_after_the_cleaning(notebooks, tmp_path):
    plan = build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)
    ids = [s.id for s in plan.steps]
    assert ids == ["01_clean", "02_describe", "03_themes-Q2", "03_themes-Q8", "03_themes-Q13"]
    assert [s.after for s in plan.steps] == [(), ("01_clean",), ("01_clean",), ("01_clean",), ("01_clean",)]
    assert plan.steps[3].parameters == {
        "dataset": str(SYNTHETIC),
        "question": "Q8",
        "output_root": str(tmp_path),
    }
    assert plan.reports == tmp_path / "reports" / "synthetic-export"


def test_parameters_are_read_even_where_papermill_skips_a_line(notebooks):
    assert build.notebook_parameters(notebooks / "02_describe.ipynb") == {
        "dataset": "data/raw/zaqa-2024",
        "confidence": 0.95,
        "output_root": "",
    }


def test_unknown_parameter_is_rejected_naming_it_and_the_known_ones(notebooks, tmp_path):
    with pytest.raises(DataError, match=r"unknown parameter 'confidance'.*confidence, k, question"):
        build.plan_build(
            SYNTHETIC,
            notebooks_dir=notebooks,
            output_root=tmp_path,
            overrides=build.parse_overrides(["confidance=0.9"]),
        )
    with pytest.raises(DataError, match=r"unknown parameter 'k': 02_describe.ipynb has only confidence"):
        build.plan_build(
            SYNTHETIC,
            notebooks_dir=notebooks,
            output_root=tmp_path,
            overrides=build.parse_overrides(["02_describe.k=3"]),
        )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("k=1", r"k=1: expected a whole number of at least 2, or 'auto'"),
        ("k=many", r"k='many': expected a whole number of at least 2"),
        ("question=Q3", r"question='Q3': expected an open question .*Q2, Q8, Q13"),
        ("confidence=95", r"confidence=95: expected a number between 0 and 1"),
    ],
)
def test_bad_parameter_values_are_rejected_before_anything_runs(notebooks, tmp_path, override, message):
    with pytest.raises(DataError, match=message):
        build.plan_build(
            SYNTHETIC,
            notebooks_dir=notebooks,
            output_root=tmp_path,
            overrides=build.parse_overrides([override]),
        )
    assert not (tmp_path / "reports").exists()


def test_a_dataset_without_questionnaire_is_rejected(notebooks, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="questionnaire file not found"):
        build.plan_build(tmp_path / "empty", notebooks_dir=notebooks, output_root=tmp_path)


def test_cli_rejects_an_unknown_parameter_with_exit_2_and_starts_no_kernel(notebooks, tmp_path):
    result = run_build(notebooks, tmp_path / "out", "--param", "backnd=tfidf")
    assert result.returncode == 2
    assert "unknown parameter 'backnd'" in result.stderr
    assert not (tmp_path / "out" / "reports" / "synthetic-export" / "executed").exists()


def test_parse_overrides_reads_each_value_as_typed():
    assert build.parse_overrides(["k=5 03_themes.seed=1 backend=tfidf", "confidence=0.9"]) == [
        (None, "k", 5),
        ("03_themes", "seed", 1),
        (None, "backend", "tfidf"),
        (None, "confidence", 0.9),
    ]


def _modules(notebook: str) -> set[str]:
    package = ROOT / "zqf_analysis"
    return {Path(p).relative_to(package).as_posix() for p in build.package_modules(ROOT / "notebooks" / notebook)}


def test_package_modules_follow_imports_through_the_sub_packages():
    cleaning = _modules("01_clean.ipynb")
    # the modules it names, what they import in turn, and each package's __init__.py on the way
    assert {"__init__.py", "errors.py", "paths.py", "data/__init__.py", "data/clean.py", "data/load.py"} <= cleaning
    assert {"data/text.py", "data/questionnaire.py", "data/export.py", "report/show.py"} <= cleaning
    assert not any(m.startswith(("build/", "stats/", "themes/")) for m in cleaning)
    assert "report/pages.py" not in cleaning


def test_editing_a_stats_module_reruns_exactly_the_notebooks_that_use_it():
    notebooks = ("01_clean.ipynb", "02_describe.ipynb", "03_themes.ipynb", "04_groups.ipynb")
    users = {nb for nb in notebooks if "stats/describe.py" in _modules(nb)}
    assert users == {"02_describe.ipynb", "04_groups.ipynb"}
    assert "stats/audit/checks.py" in _modules("02_describe.ipynb")  # through stats/audit/__init__.py
    assert "stats/audit/respondents.py" in _modules("02_describe.ipynb")  # through checks.py
    assert "themes/cluster.py" in _modules("03_themes.ipynb")
    assert "themes/cluster.py" not in _modules("02_describe.ipynb")


# ------------------------------------------------------------------------------------------- slow


@pytest.mark.slow
def test_build_produces_every_page_and_reruns_only_what_changed(notebooks, tmp_path):
    out = tmp_path / "out"
    first = run_build(notebooks, out)
    assert first.returncode == 0, first.stderr
    assert ran(first) == ["01_clean", "02_describe", "03_themes-Q13", "03_themes-Q2", "03_themes-Q8"], first.stdout
    # the progress is the build's own lines only: a kernel's output never runs into them
    progress = [line.split()[0] for line in first.stdout.splitlines()]
    assert sorted(progress) == ["built", "index", "ran", "ran", "ran", "ran", "ran"], first.stdout
    reports = out / "reports" / "synthetic-export"
    steps = ["01_clean", "02_describe", "03_themes-Q2", "03_themes-Q8", "03_themes-Q13"]
    for step in steps:
        reviewer = (reports / f"{step}.html").read_text(encoding="utf-8")
        full = (reports / "full" / f"{step}.html").read_text(encoding="utf-8")
        assert provenance.dataset_sha256(SYNTHETIC) in reviewer and provenance.dataset_sha256(SYNTHETIC) in full
        assert "<script" not in reviewer and "<script" not in full
        assert pages.external_references(reviewer) == [] and pages.external_references(full) == []
        assert (reports / "executed" / f"{step}.ipynb").is_file()
    describe = (reports / "02_describe.html").read_text(encoding="utf-8")
    assert "confidence 0.95 rows 2" in describe
    assert "a stray warning" not in describe  # stderr stays out of reviewer pages ...
    assert "a stray warning" in (reports / "full" / "02_describe.html").read_text(
        encoding="utf-8"
    )  # ... not full
    assert "read_text" not in describe and "read_text" in (reports / "full" / "02_describe.html").read_text()
    assert "themes of Q13" in (reports / "03_themes-Q13.html").read_text(encoding="utf-8")
    for question in ("Q2", "Q8", "Q13"):  # one kernel, reset between runs: nothing carries over
        page = (reports / f"03_themes-{question}.html").read_text(encoding="utf-8")
        assert f"themes of {question} in a fresh namespace" in page and "linewidth 1.5" in page
    index = (reports / "index.html").read_text(encoding="utf-8")
    for step in steps:
        assert f'href="{step}.html"' in index and f'href="full/{step}.html"' in index

    html_pages = sorted(reports.rglob("*.html"))
    stamps = {p: p.stat().st_mtime_ns for p in html_pages}
    again = run_build(notebooks, out)
    assert again.returncode == 0 and ran(again) == []
    assert {p: p.stat().st_mtime_ns for p in html_pages} == stamps

    changed = run_build(notebooks, out, "--param", "02_describe.confidence=0.9")
    assert ran(changed) == ["02_describe"]
    assert "confidence 0.9 rows 2" in (reports / "02_describe.html").read_text(encoding="utf-8")

    time.sleep(0.01)
    (notebooks / "03_themes.ipynb").touch()
    touched = run_build(notebooks, out, "--param", "02_describe.confidence=0.9")
    assert ran(touched) == ["03_themes-Q13", "03_themes-Q2", "03_themes-Q8"]

    # the cleaning re-runs when its notebook changes; its identical outputs do not re-run the others
    time.sleep(0.01)
    (notebooks / "01_clean.ipynb").touch()
    cleaned = run_build(notebooks, out, "--param", "02_describe.confidence=0.9")
    assert cleaned.returncode == 0 and ran(cleaned) == ["01_clean"]

    # a raw file is an input of every notebook (each reads the dataset folder)
    dataset = tmp_path / "synthetic-export"
    shutil.copytree(SYNTHETIC, dataset)
    assert run_build(notebooks, out, dataset=dataset).returncode == 0
    (dataset / "notes.txt").write_text("a new raw file\n")
    added = run_build(notebooks, out, dataset=dataset)
    assert added.returncode == 0 and len(ran(added)) == 5
    assert provenance.dataset_sha256(dataset) in (reports / "03_themes-Q8.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_job_runs_its_notebooks_in_one_kernel_each_only_when_its_own_inputs_changed(notebooks, tmp_path):
    """01 and 03 share a job (one kernel); 03 waits for 01's outputs as notebooks do by default."""
    pid = "import os\nprint('kernel process', os.getpid())"
    write_notebook(notebooks / "01_clean.ipynb", "Clean", 'dataset = ""\noutput_root = ""', CLEAN, pid)
    write_notebook(
        notebooks / "03_themes.ipynb", "Themes", 'dataset = "x"\nquestion = "Q8"\nk = "auto"\noutput_root = ""',
        THEMES, pid,
    )
    write_notebook(
        notebooks / "02_describe.ipynb", "Describe", 'dataset = ""\nconfidence = 0.95\noutput_root = ""', DESCRIBE, pid
    )
    set_metadata(notebooks / "01_clean.ipynb", job="lane")
    set_metadata(notebooks / "03_themes.ipynb", job="lane")
    out = tmp_path / "out"
    reports = out / "reports" / "synthetic-export"

    first = run_build(notebooks, out, "--jobs", "2")
    assert first.returncode == 0, first.stderr
    assert ran(first) == ["01_clean", "02_describe", "03_themes-Q13", "03_themes-Q2", "03_themes-Q8"], first.stdout
    pids = {}
    for step in ("01_clean", "02_describe", "03_themes-Q2", "03_themes-Q13"):
        page = (reports / f"{step}.html").read_text(encoding="utf-8")
        pids[step] = re.search(r"kernel process (\d+)", page).group(1)
    assert pids["01_clean"] == pids["03_themes-Q2"] == pids["03_themes-Q13"]  # one kernel for the job
    assert pids["02_describe"] != pids["01_clean"]
    assert "themes of Q2 in a fresh namespace" in (reports / "03_themes-Q2.html").read_text(encoding="utf-8")
    logs = {p: p.stat().st_mtime_ns for p in (reports / ".build" / "logs").glob("worker-*.log")}
    assert len(logs) == 2  # two workers, one per job
    again = run_build(notebooks, out)
    assert again.returncode == 0 and ran(again) == []
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["built"]
    assert {p: p.stat().st_mtime_ns for p in logs} == logs  # nothing changed: no worker was started

    themes_only = run_build(notebooks, out, "--param", "03_themes.k=4")
    assert ran(themes_only) == ["03_themes-Q13", "03_themes-Q2", "03_themes-Q8"]  # not the cleaning
    assert ran(run_build(notebooks, out, "--param", "03_themes.k=4")) == []

    (reports / "executed" / "03_themes-Q8.ipynb").unlink()
    assert ran(run_build(notebooks, out, "--param", "03_themes.k=4")) == ["03_themes-Q8"]

    # the cleaning writes something new: it re-runs, and so do the runs waiting for its outputs
    write_notebook(
        notebooks / "01_clean.ipynb", "Clean", 'dataset = ""\noutput_root = ""', CLEAN.replace("1\\n", "2\\n"), pid
    )
    set_metadata(notebooks / "01_clean.ipynb", job="lane")
    changed = run_build(notebooks, out, "--param", "03_themes.k=4")
    assert changed.returncode == 0, changed.stderr
    assert ran(changed) == ["01_clean", "02_describe", "03_themes-Q13", "03_themes-Q2", "03_themes-Q8"]


@pytest.mark.slow
def test_a_failing_notebook_stops_the_build_and_keeps_the_last_good_pages(notebooks, tmp_path):
    out = tmp_path / "out"
    assert run_build(notebooks, out, "--questions", "Q8").returncode == 0
    reports = out / "reports" / "synthetic-export"
    good = (reports / "02_describe.html").read_bytes()
    write_notebook(
        notebooks / "02_describe.ipynb",
        "Describe",
        'dataset = ""\nconfidence = 0.95\noutput_root = ""',
        "shares = [1, 2]",
        "total = sum(shares)\nraise ValueError(f'the base is {total}, expected 23')",
    )
    failed = run_build(notebooks, out, "--questions", "Q8")
    assert failed.returncode != 0
    assert "notebooks/02_describe.ipynb" in failed.stderr or "02_describe.ipynb" in failed.stderr
    assert (
        "failed at cell 3 (execution count 4)" in failed.stderr and "'total = sum(shares)'" in failed.stderr
    )
    assert "ValueError: the base is 3, expected 23" in failed.stderr
    kept = reports / "executed" / "02_describe.failed.ipynb"
    assert kept.is_file()
    assert "the base is 3" in kept.read_text(encoding="utf-8")
    assert (reports / "02_describe.html").read_bytes() == good
    executed = (reports / "executed" / "02_describe.ipynb").read_text(encoding="utf-8")
    assert "confidence 0.95 rows 2" in executed  # the last good run, not deleted
    assert "expected 23" not in (reports / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_two_builds_from_the_same_inputs_give_identical_tables_and_themes(tmp_path):
    """The real cleaning and themes notebooks, twice, into two output roots: identical bytes."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    names = [n for n in ("01_clean.ipynb", "03_themes.ipynb") if (ROOT / "notebooks" / n).is_file()]
    if "01_clean.ipynb" not in names:
        pytest.skip("notebooks/01_clean.ipynb is not in this checkout")
    for name in names:
        shutil.copy(ROOT / "notebooks" / name, folder / name)
    outputs = []
    for run in ("one", "two"):
        result = run_build(folder, tmp_path / run, "--questions", "Q8")
        assert result.returncode == 0, result.stderr
        processed = tmp_path / run / "data" / "processed" / "synthetic-export"
        outputs.append({p.name: p.read_bytes() for p in sorted(processed.glob("*.csv"))})
    assert {"institutions.csv", "closed_counts.csv", "open_responses.csv"} <= set(outputs[0])
    assert outputs[0] == outputs[1]
    if "03_themes.ipynb" in names:
        themes = [
            pd.read_csv(tmp_path / run / "data/processed/synthetic-export/themes_Q8.csv")
            for run in ("one", "two")
        ]
        assert len(themes[0]) > 0
        pd.testing.assert_frame_equal(themes[0], themes[1])


@pytest.mark.slow
def test_runs_sharing_a_kernel_give_what_a_fresh_kernel_gives(tmp_path):
    """The real themes notebook: Q8 run after Q2 in the build's shared kernel gives the same files as
    Q8 alone in a fresh kernel, and its execution counts start again at 1."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(ROOT / "notebooks" / "03_themes.ipynb", folder / "03_themes.ipynb")
    shared = run_build(folder, tmp_path / "shared", "--questions", "Q2,Q8")
    alone = run_build(folder, tmp_path / "alone", "--questions", "Q8")
    assert shared.returncode == 0, shared.stderr
    assert alone.returncode == 0, alone.stderr
    assert ran(shared) == ["03_themes-Q2", "03_themes-Q8"] and ran(alone) == ["03_themes-Q8"]
    for name in ("themes_Q8.csv", "themes_Q8_summary.csv"):
        files = [tmp_path / run / "data/processed/synthetic-export" / name for run in ("shared", "alone")]
        assert files[0].read_bytes() == files[1].read_bytes()
    executed = tmp_path / "shared/reports/synthetic-export/executed/03_themes-Q8.ipynb"
    counts = [c["execution_count"] for c in json.loads(executed.read_text())["cells"] if c["cell_type"] == "code"]
    assert counts[:3] == [1, 2, 3]


def test_a_notebook_may_declare_what_it_needs(notebooks, tmp_path):
    notebook = notebooks / "02_describe.ipynb"
    document = json.loads(notebook.read_text())
    document["metadata"]["zqf"] = {"after": []}  # reads the raw dataset itself: no need to wait
    notebook.write_text(json.dumps(document))
    plan = build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)
    assert [s.after for s in plan.steps][:3] == [(), (), ("01_clean",)]
    document["metadata"]["zqf"] = {"after": ["03_themes"]}
    notebook.write_text(json.dumps(document))
    with pytest.raises(DataError, match=r"zqf.after names '03_themes', which is not an earlier notebook"):
        build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)


def test_the_real_notebooks_do_not_wait_for_the_cleaning():
    """02 and 03 read the raw dataset themselves (and clean it in memory), so they run beside 01;
    the short cleaning shares the themes job's kernel while 02, the longest, runs beside them."""
    for name in ("02_describe", "03_themes"):
        assert build.notebook_after(ROOT / "notebooks" / f"{name}.ipynb") == []
    plan = build.plan_build(RAW, notebooks_dir=ROOT / "notebooks", output_root=Path("/nonexistent"))
    assert [[s.id for s in group] for group in plan.groups()] == [
        ["01_clean", "03_themes-Q2", "03_themes-Q8", "03_themes-Q13", "04_groups"],
        ["02_describe"],
    ]


def set_metadata(notebook: Path, **zqf) -> None:
    document = json.loads(notebook.read_text())
    document["metadata"]["zqf"] = zqf
    notebook.write_text(json.dumps(document))


def test_notebooks_naming_one_job_are_one_job(notebooks, tmp_path):
    set_metadata(notebooks / "01_clean.ipynb", job="lane")
    set_metadata(notebooks / "03_themes.ipynb", job="lane")
    plan = build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)
    assert [[s.id for s in group] for group in plan.groups()] == [
        ["01_clean", "03_themes-Q2", "03_themes-Q8", "03_themes-Q13"],
        ["02_describe"],
    ]
    # 03 still waits for 01 (nothing declared), and 02 for 01 alone, not for the whole job
    assert plan.steps[2].after == ("01_clean",)
    assert plan.step("02_describe").after == ("01_clean",)
    assert {s.job for s in plan.steps} == {"lane", "02_describe"}


@pytest.mark.parametrize(
    ("zqf", "message"),
    [
        ({"job": "two words"}, r"zqf.job must be a name of letters, digits and _.\+- .*got 'two words'"),
        ({"job": ["lane"]}, r"zqf.job must be a name"),
    ],
)
def test_a_bad_job_name_is_rejected(notebooks, tmp_path, zqf, message):
    set_metadata(notebooks / "03_themes.ipynb", **zqf)
    with pytest.raises(DataError, match=message) as caught:
        build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)
    assert "03_themes.ipynb" in str(caught.value)


def test_jobs_waiting_for_each_other_are_rejected(notebooks, tmp_path):
    """01 and 03 in one job, 02 after 01, 03 after 02: each job would wait for the other."""
    set_metadata(notebooks / "01_clean.ipynb", job="lane")
    set_metadata(notebooks / "02_describe.ipynb", after=["01_clean"])
    set_metadata(notebooks / "03_themes.ipynb", job="lane", after=["02_describe"])
    with pytest.raises(DataError, match=r"build jobs wait for each other in a circle \(lane -> 02_describe -> lane\)"):
        build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)


# ------------------------------------------------------------------------- portability and lanes


@pytest.mark.slow
def test_the_build_runs_with_no_make_on_the_path(notebooks, tmp_path):
    """`python -m zqf_analysis build` plans, schedules and runs without make (Windows has none)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    environment = {**os.environ, "PATH": str(empty)}
    assert shutil.which("make", path=environment["PATH"]) is None
    out = tmp_path / "out"
    command = [sys.executable, "-m", "zqf_analysis", "build", "--dataset", str(SYNTHETIC), "--notebooks",
               str(notebooks), "--output-root", str(out), "--questions", "Q8"]
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert ran(result) == ["01_clean", "02_describe", "03_themes-Q8"]
    reports = out / "reports" / "synthetic-export"
    assert "themes of Q8 in a fresh namespace" in (reports / "03_themes-Q8.html").read_text(encoding="utf-8")
    assert 'href="03_themes-Q8.html"' in (reports / "index.html").read_text(encoding="utf-8")


def eight_open_questions(folder: Path) -> Path:
    """A dataset of a questionnaire alone: eight open questions, for a notebook run once per question."""
    folder.mkdir(parents=True)
    questions = "".join(f"  - id: Q{n}\n    type: open\n    text: \"Open question {n}\"\n" for n in range(1, 9))
    (folder / "questionnaire.yaml").write_text(f"survey: eight open questions\nquestions:\n{questions}")
    return folder


@pytest.mark.slow
def test_the_many_runs_of_one_notebook_spread_over_two_kernels(tmp_path):
    """Eight runs of about 1.5 s in one job, two workers: once the first run has shown how long a run
    takes, the seven waiting (about 10 s) are worth a second kernel (8 s or more, schedule.lane_pays);
    each kernel is reset between its runs, and the next build re-runs nothing."""
    folder = tmp_path / "notebooks"
    write_notebook(
        folder / "01_themes.ipynb",
        "Themes",
        'dataset = "x"\nquestion = "Q1"\noutput_root = ""',
        "import os, time\ntime.sleep(1.5)\n"
        "print('run of', question, 'in kernel process', os.getpid(), 'used' if 'leftover' in globals() else 'fresh')\n"
        "leftover = question",
    )
    dataset = eight_open_questions(tmp_path / "eight")
    out = tmp_path / "out"
    # a questionnaire alone has no answers for the plan to count (themes.eligible): the questions are named
    named = ("--questions", ",".join(f"Q{n}" for n in range(1, 9)))
    first = run_build(folder, out, "--jobs", "2", *named, dataset=dataset)
    assert first.returncode == 0, first.stderr
    assert len(ran(first)) == 8
    reports = out / "reports" / "eight"
    seen = {}
    for n in range(1, 9):
        page = (reports / f"01_themes-Q{n}.html").read_text(encoding="utf-8")
        found = re.search(rf"run of Q{n} in kernel process (\d+) (\w+)", page)
        assert found and found.group(2) == "fresh", page[-2000:]
        seen[f"Q{n}"] = found.group(1)
    kernels = sorted(set(seen.values()))
    assert len(kernels) == 2, seen
    assert seen["Q1"] == seen["Q2"] or seen["Q1"] == seen["Q3"]  # the first kernel went on with its runs
    assert all(list(seen.values()).count(k) >= 2 for k in kernels)  # each kernel ran two runs or more
    lines = {line.split()[1]: line for line in first.stdout.splitlines() if line.strip().startswith("ran ")}
    assert {line.rstrip(")").rsplit("kernel ", 1)[1] for line in lines.values()} == {"1", "2"}
    assert ran(run_build(folder, out, "--jobs", "2", *named, dataset=dataset)) == []


@pytest.mark.slow
def test_touching_a_stats_module_reruns_exactly_the_notebooks_that_use_it(tmp_path):
    """A real build of the shipped notebooks; `zqf_analysis/stats/describe.py` touched: 02_describe and
    04_groups run again (they import it), 01_clean and 03_themes do not."""
    out = tmp_path / "out"
    first = run_build(ROOT / "notebooks", out, "--questions", "Q8")
    assert first.returncode == 0, first.stderr
    assert ran(first) == ["01_clean", "02_describe", "03_themes-Q8", "04_groups"]
    module = ROOT / "zqf_analysis" / "stats" / "describe.py"
    before = module.stat()
    try:
        time.sleep(0.01)
        module.touch()
        touched = run_build(ROOT / "notebooks", out, "--questions", "Q8")
    finally:
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert touched.returncode == 0, touched.stderr
    assert ran(touched) == ["02_describe", "04_groups"]
    assert ran(run_build(ROOT / "notebooks", out, "--questions", "Q8")) == []


# ------------------------------------------------------------------------------ fast: portability


#: Makefile features GNU Make 3.81 (macOS's make) does not have, with the version that brought them,
#: from the "New feature", "New function", "New variable" and new option entries of GNU Make's NEWS file
#: for 3.82 to 4.4.1.
AFTER_381 = {
    r"^[^#\t]*&:": "grouped targets (&:, 4.3)",
    r"^[^#\t]*[^:+?!]!=": "shell assignment (!=, 4.0)",
    r"^[^#\t]*:::?=": "POSIX ::= / :::= assignment (4.0, 4.4)",
    r"\.ONESHELL": ".ONESHELL (3.82)",
    r"\.RECIPEPREFIX": ".RECIPEPREFIX (3.82)",
    r"\.SHELLFLAGS": ".SHELLFLAGS (3.82)",
    r"\.EXTRA_PREREQS|\.NOTINTERMEDIATE": ".EXTRA_PREREQS / .NOTINTERMEDIATE (4.3, 4.4)",
    r"^\s*undefine\b": "undefine (3.82)",
    r"^\s*define\s+\S+\s*[:+?!]?=": "define with an assignment operator (3.82)",
    r"\bprivate\s": "private variables (3.82)",
    r"\$\((file|guile|let|intcmp)\s": "$(file), $(guile), $(let), $(intcmp) (4.0-4.4)",
    r"--output-sync|(^|\s)-O(\s|$)": "--output-sync (4.0)",
    r"\.WAIT\b": ".WAIT (4.4)",
    r"\.SHELLSTATUS|MAKE_TERMOUT|MAKE_TERMERR|MAKE_HOST|GNUMAKEFLAGS": "variables of 4.0-4.2",
    r"^\s*-?load\s": "loadable objects (4.0)",
    r"--(trace|eval|shuffle|jobserver-style)\b": "--trace, --eval, --shuffle, --jobserver-style (3.82-4.4)",
}


def test_the_makefile_uses_nothing_gnu_make_381_lacks():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = [
        f"line {number}: {what}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), 1)
        for pattern, what in AFTER_381.items()
        if re.search(pattern, line)
    ]
    assert found == []
    assert "zqf_analysis build" in text and "report.mk" not in text


def test_the_patterns_for_make_features_do_find_them():
    """The check above is only as good as its patterns: each finds the feature it names."""
    samples = [
        "a b &: c", "X != date", "X ::= 1", ".ONESHELL:", ".RECIPEPREFIX = >", ".SHELLFLAGS := -ec",
        ".NOTINTERMEDIATE: x", "undefine X", "define X =", "x: private Y = 1", "$(file >out,text)",
        "\t$(MAKE) --output-sync", "all: a .WAIT b", "\t@echo $(.SHELLSTATUS)", "load ./ext.so",
        "\t$(MAKE) --trace",
    ]
    for sample, (pattern, _) in zip(samples, AFTER_381.items(), strict=True):
        assert re.search(pattern, sample), (pattern, sample)
    for fine in ("X := 1", "X ?= 1", "X += 1", "report: $(INSTALLED) ## help", "export X := 1"):
        assert not any(re.search(p, fine) for p in AFTER_381), fine


def test_planning_imports_no_kernel_machinery_and_no_report_module():
    """A no-op build plans and judges in the main process only: it must not import papermill,
    nbconvert, jupyter_client, pandas or a report module, and the report modules never import the build."""
    code = (
        "import sys\n"
        "import zqf_analysis.build.cli, zqf_analysis.build.schedule, zqf_analysis.build.stamps\n"
        "import zqf_analysis.report.pages, zqf_analysis.report.index, zqf_analysis.report.provenance\n"
        "heavy = ('papermill', 'nbconvert', 'nbformat', 'jupyter_client', 'pandas', 'zqf_analysis.build.steps',"
        " 'zqf_analysis.build.kernels')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    for module in ("pages", "index", "provenance", "show", "plots", "excel"):
        source = (ROOT / "zqf_analysis" / "report" / f"{module}.py").read_text(encoding="utf-8")
        assert "zqf_analysis.build" not in source, module


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")
@pytest.mark.parametrize(
    ("signal_number", "to_group"),
    [(2, True), (15, False)],
    ids=["ctrl-c-to-the-whole-group", "sigterm-to-the-build-alone"],
)
def test_an_interrupted_build_stops_its_workers_and_kernels_and_keeps_the_last_good_pages(
    notebooks, tmp_path, signal_number, to_group
):
    out = tmp_path / "out"
    assert run_build(notebooks, out, "--questions", "Q8").returncode == 0
    reports = out / "reports" / "synthetic-export"
    good = (reports / "02_describe.html").read_bytes()
    marker = tmp_path / "started"
    write_notebook(
        notebooks / "02_describe.ipynb",
        "Describe",
        'dataset = ""\nconfidence = 0.95\noutput_root = ""',
        f"import os, pathlib, time\npathlib.Path({str(marker)!r}).write_text(str(os.getpid()))\ntime.sleep(120)",
    )
    command = [sys.executable, "-m", "zqf_analysis", "build", "--dataset", str(SYNTHETIC), "--notebooks",
               str(notebooks), "--output-root", str(out), "--questions", "Q8"]
    build_process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
    deadline = time.monotonic() + 120
    while not marker.is_file() and time.monotonic() < deadline and build_process.poll() is None:
        time.sleep(0.1)
    assert marker.is_file(), build_process.communicate()
    time.sleep(0.2)
    kernel = int(marker.read_text())
    if to_group:
        os.killpg(build_process.pid, signal_number)  # as Ctrl-C in a terminal: every process of the group
    else:
        os.kill(build_process.pid, signal_number)  # as a CI timeout or `kill`: the build alone
    stdout, stderr = build_process.communicate(timeout=60)
    assert build_process.returncode == 130, stderr
    assert "interrupted after" in stderr and "Traceback" not in stderr
    assert (reports / "02_describe.html").read_bytes() == good
    gone = time.monotonic() + 10
    while time.monotonic() < gone:  # the kernel notices its worker is gone and exits
        try:
            os.kill(kernel, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"kernel process {kernel} still runs after the build was interrupted")
    with pytest.raises(ProcessLookupError):
        os.killpg(build_process.pid, 0)  # no worker left in the build's process group


@pytest.mark.slow
def test_a_rendering_change_renders_the_pages_again_without_executing(notebooks, tmp_path):
    """`report/pages.py` touched: every page is rendered again and nothing executes; `report/index.py`
    touched: only the index is written again."""
    out = tmp_path / "out"
    assert run_build(notebooks, out, "--questions", "Q8").returncode == 0
    reports = out / "reports" / "synthetic-export"
    executed = {p: p.stat().st_mtime_ns for p in (reports / "executed").glob("*.ipynb")}
    for module, expected in (("pages.py", ["rendered"] * 3 + ["index", "built"]), ("index.py", ["index", "built"])):
        source = ROOT / "zqf_analysis" / "report" / module
        before = source.stat()
        try:
            time.sleep(0.01)
            source.touch()
            again = run_build(notebooks, out, "--questions", "Q8")
        finally:
            os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert again.returncode == 0, again.stderr
        assert sorted(line.split()[0] for line in again.stdout.splitlines()) == sorted(expected), again.stdout
        assert {p: p.stat().st_mtime_ns for p in executed} == executed  # no notebook ran


@pytest.mark.slow
def test_force_runs_every_run_again_and_writes_every_page(notebooks, tmp_path):
    out = tmp_path / "out"
    assert run_build(notebooks, out, "--questions", "Q8").returncode == 0
    reports = out / "reports" / "synthetic-export"
    pages = {p: p.stat().st_mtime_ns for p in reports.rglob("*.html")}
    assert len(pages) == 7  # two pages per run and the index
    forced = run_build(notebooks, out, "--questions", "Q8", "--force")
    assert forced.returncode == 0, forced.stderr
    assert ran(forced) == ["01_clean", "02_describe", "03_themes-Q8"]
    assert all(p.stat().st_mtime_ns > before for p, before in pages.items())


@pytest.mark.skipif(shutil.which("make") is None, reason="no make here to read the Makefile")
def test_make_report_hands_its_variables_to_the_build():
    """`make -n` prints the command `make report` would run: every variable becomes an option."""
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "report", "DATASET=tests/fixtures/synthetic-export",
         "PARAMS=k=5 03_themes.seed=1", "QUESTIONS=Q8,Q2", "JOBS=1", "FORCE=1", "COMPARE=data/raw/zaqa-2024"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    command = " ".join(result.stdout.replace("\\\n", " ").split())  # the recipe, its lines joined
    assert command.startswith(".venv/bin/python -m zqf_analysis build ")
    for option in ("--dataset 'tests/fixtures/synthetic-export'", "--param 'k=5 03_themes.seed=1'",
                   "--param 'compare=data/raw/zaqa-2024'", "--questions 'Q8,Q2'", "--jobs '1'", "--force"):
        assert option in command, (option, result.stdout)
    bare = subprocess.run(["make", "-n", "--no-print-directory", "report"], cwd=ROOT, capture_output=True, text=True)
    assert "--jobs" not in bare.stdout and "--force" not in bare.stdout  # the build's own defaults


def test_the_build_checks_the_coded_sample_parameter_with_the_themes_rule(tmp_path):
    from zqf_analysis.build.plan import check_parameter

    kwargs = {"notebook": tmp_path / "03_themes.ipynb", "dataset": SYNTHETIC, "questionnaire": None}
    with pytest.raises(DataError, match=r"03_themes.ipynb: parameter coded_sample='missing.csv': expected an existing"):
        check_parameter("coded_sample", "missing.csv", "", **kwargs)
    sample = tmp_path / "sample.csv"
    sample.write_text("response_id,codes\n1,a\n", encoding="utf-8")
    check_parameter("coded_sample", str(sample), "", **kwargs)
    check_parameter("coded_sample", "none", "", **kwargs)

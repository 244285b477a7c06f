"""The build's records and what they say is out of date: run stamps rewritten only when a run's
parameters change, the outputs stamp that moves only when a run's files change, and the page and index
rules (fast: no kernel)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from zqf_analysis.build import plan as build
from zqf_analysis.build import stamps

SYNTHETIC = Path(__file__).resolve().parent / "fixtures" / "synthetic-export"


@pytest.fixture
def notebooks(tmp_path: Path) -> Path:
    """Three notebooks with parameters cells only: 01, 02 and 03 (a run per open question: Q2, Q8, Q13)."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name, parameters in (
        ("01_clean", 'dataset = ""\noutput_root = ""'),
        ("02_describe", 'dataset = ""\nconfidence = 0.95\noutput_root = ""'),
        ("03_themes", 'dataset = ""\nquestion = "Q8"\nk = "auto"\noutput_root = ""'),
    ):
        cell = new_code_cell(parameters, metadata={"tags": ["parameters"]})
        nbformat.write(new_notebook(cells=[cell]), folder / f"{name}.ipynb")
    return folder


def set_time(path: Path, seconds: float) -> None:
    os.utime(path, ns=(int(seconds * 1e9), int(seconds * 1e9)))


def test_records_are_rewritten_only_when_they_change(notebooks, tmp_path):
    plan = build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)
    stamps.write_records(plan)
    folder = plan.build_dir
    files = [folder / "plan.json", folder / "dataset.json", *sorted((folder / "steps").glob("*.run.json"))]
    assert len(files) == 7  # five run stamps
    before = {p: p.stat().st_mtime_ns for p in files}
    time.sleep(0.01)
    stamps.write_records(build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path))
    assert {p: p.stat().st_mtime_ns for p in files} == before
    changed = build.plan_build(
        SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path, overrides=build.parse_overrides(["k=4"])
    )
    stamps.write_records(changed)
    after = {p.name for p in files if p.stat().st_mtime_ns != before[p]}
    # a stamp per run: only the themes runs (and the plan listing every run) changed
    assert after == {"plan.json", "03_themes-Q2.run.json", "03_themes-Q8.run.json", "03_themes-Q13.run.json"}
    stamp = json.loads((folder / "steps" / "03_themes-Q8.run.json").read_text())
    assert stamp["parameters"]["k"] == 4 and stamp["parameters"]["question"] == "Q8"


def test_records_of_a_make_build_are_removed(notebooks, tmp_path):
    plan = build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)
    (plan.build_dir / "jobs").mkdir(parents=True)
    (plan.build_dir / "jobs" / "02_describe.done").write_text("")
    (plan.build_dir / "report.mk").write_text("all:\n")
    (plan.build_dir / "steps").mkdir()
    (plan.build_dir / "steps" / "02_describe.job.json").write_text("{}")
    stamps.write_records(plan)
    # open_questions.json: the open questions' answer counts the plan read (themes.eligible's cache)
    names = sorted(p.name for p in plan.build_dir.iterdir())
    assert names == ["dataset.json", "open_questions.json", "plan.json", "steps"]
    assert not list((plan.build_dir / "steps").glob("*.job.json"))


def test_a_run_is_out_of_date_when_an_input_is_newer_or_missing(tmp_path):
    target, notebook, stamp = tmp_path / "executed.ipynb", tmp_path / "nb.ipynb", tmp_path / "run.json"
    for path, when in ((notebook, 100), (stamp, 100), (target, 200)):
        path.write_text("x")
        set_time(path, when)
    assert not stamps.out_of_date(target, [notebook, stamp])
    set_time(stamp, 300)
    assert stamps.out_of_date(target, [notebook, stamp])
    assert stamps.out_of_date(target, [notebook, tmp_path / "gone.json"])  # a missing input counts
    assert stamps.out_of_date(tmp_path / "never-built.ipynb", [notebook])


def test_pages_are_current_only_when_newer_than_the_executed_notebook_and_their_sources(notebooks, tmp_path):
    plan = build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)
    step = plan.step("02_describe")
    target = stamps.step_targets(plan, step)
    assert not stamps.pages_current(plan, step)  # no pages yet
    newest_source = max(p.stat().st_mtime for p in stamps.page_sources())
    for name, later in (("executed", 10), ("reviewer", 20), ("full", 20)):
        target[name].parent.mkdir(parents=True, exist_ok=True)
        target[name].write_text("x")
        set_time(target[name], newest_source + later)
    assert stamps.pages_current(plan, step)
    set_time(target["full"], newest_source + 5)  # one page older than the executed notebook
    assert not stamps.pages_current(plan, step)
    set_time(target["full"], newest_source - 5)  # and than a page source
    set_time(target["executed"], newest_source - 10)
    assert not stamps.pages_current(plan, step)


def test_page_and_index_sources_follow_the_report_modules_imports():
    package = Path(build.PACKAGE_DIR)
    pages = {p.relative_to(package).as_posix() for p in stamps.page_sources()}
    assert {"report/pages.py", "report/provenance.py", "report/templates/zqf_notebook.html.j2", "__init__.py"} <= pages
    assert not any(p.startswith(("themes/", "build/")) for p in pages)
    index = {p.relative_to(package).as_posix() for p in stamps.index_sources()}
    assert {"report/index.py", "report/templates/index.html.j2", "data/questionnaire.py"} <= index


def test_the_outputs_stamp_changes_only_when_the_files_a_run_wrote_change(notebooks, tmp_path):
    plan = build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)
    stamp = plan.build_dir / "01_clean.outputs"
    table = plan.processed / "a.csv"
    table.parent.mkdir(parents=True)

    def run_writing(text: str) -> None:
        before = stamps.snapshot(*stamps.output_folders(plan))
        time.sleep(0.01)
        table.write_text(text)
        stamps.write_outputs_stamp(plan, before, stamp)

    run_writing("x\n1\n")
    first = stamp.stat().st_mtime_ns
    assert list(json.loads(stamp.read_text())["files"]) == [str(table)]
    run_writing("x\n1\n")  # the same bytes again: the runs after it have nothing new to read
    assert stamp.stat().st_mtime_ns == first
    run_writing("x\n2\n")
    assert stamp.stat().st_mtime_ns != first


def test_timings_are_kept_between_builds(notebooks, tmp_path):
    plan = build.plan_build(SYNTHETIC, notebooks_dir=notebooks, output_root=tmp_path)
    assert stamps.read_timings(plan) == {}
    stamps.write_timings(plan, {"02_describe": 14.04, "01_clean": 3.9})
    assert stamps.read_timings(plan) == {"02_describe": 14.04, "01_clean": 3.9}


def test_a_coded_sample_named_by_a_parameter_is_an_input_of_its_runs(tmp_path):
    """Editing the analyst's coded sample (a file outside the dataset) re-runs the themes runs that use it."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    cell = new_code_cell('dataset = ""\nquestion = "Q8"\ncoded_sample = ""\noutput_root = ""',
                         metadata={"tags": ["parameters"]})
    nbformat.write(new_notebook(cells=[cell]), folder / "03_themes.ipynb")
    sample = tmp_path / "sample.csv"
    sample.write_text("response_id,codes\n1,a\n", encoding="utf-8")
    plan = build.plan_build(SYNTHETIC, notebooks_dir=folder, output_root=tmp_path,
                            overrides=build.parse_overrides([f"coded_sample={sample}"]))
    step = plan.step("03_themes-Q8")
    assert sample in stamps.step_inputs(plan, step)
    plain = build.plan_build(SYNTHETIC, notebooks_dir=folder, output_root=tmp_path)
    assert sample not in stamps.step_inputs(plain, plain.step("03_themes-Q8"))

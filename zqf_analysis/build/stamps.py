"""The build's records in ``<reports>/.build/``, and the rules that judge from file times what is out of
date, run by run.

- ``plan.json``: every run and its parameters (read by the index page and the benchmark);
- ``steps/<run>.run.json``: the run stamp, what one run is asked to do (notebook, parameters, dataset,
  output root), so that a new parameter of one run re-runs only that run;
- ``dataset.json``: the dataset's file listing and SHA-256 (the hash is reused while sizes and times
  are unchanged);
- ``<run>.outputs``: the files a run wrote, with a hash of each; the runs that wait for it re-run only
  when this changes (a cleaning that writes the same tables again re-runs nothing after it);
- ``timings.json``: how long each run's notebook took when it last ran (the scheduler's estimates);
- ``logs/worker-<n>.log``: whatever worker ``n`` and its kernels printed.

Every record goes through :func:`zqf_analysis.io.write_bytes_atomic`, which leaves a file whose content
is unchanged untouched: a record's time says when its content last changed, like Make's targets.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from functools import lru_cache
from pathlib import Path

from zqf_analysis import paths
from zqf_analysis.build.plan import PACKAGE_DIR, Plan, Step, source_modules
from zqf_analysis.io import write_bytes_atomic
from zqf_analysis.themes.params import FILE_PARAMETERS, NO_FILE


def json_bytes(record: object) -> bytes:
    return (json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def run_stamp(plan: Plan, step: Step) -> Path:
    return plan.build_dir / "steps" / f"{step.id}.run.json"


def run_signature(plan: Plan, step: Step) -> dict:
    """What a run is asked to do: its run stamp holds this."""
    return {
        "step": step.id,
        "notebook": str(step.notebook),
        "parameters": step.parameters,
        "dataset": str(plan.dataset),
        "output_root": str(plan.output_root),
    }


def step_targets(plan: Plan, step: Step) -> dict[str, Path]:
    return {
        "executed": plan.reports / "executed" / f"{step.id}.ipynb",
        "failed": plan.reports / "executed" / f"{step.id}.failed.ipynb",
        "outputs": plan.build_dir / f"{step.id}.outputs",
        "reviewer": plan.reports / f"{step.id}.html",
        "full": plan.reports / "full" / f"{step.id}.html",
    }


def step_inputs(plan: Plan, step: Step) -> list[Path]:
    """What a notebook run depends on: the notebook, its run stamp (its parameters), the dataset's
    stamp, the package modules it imports, the output stamps of the runs it comes after, the files a
    file parameter names (a codebook, a coded sample or a human coding outside the dataset folder:
    editing the analyst's sample re-runs its themes run) and the files of a dataset it is asked to
    compare with (``compare``)."""
    inputs = [step.notebook, run_stamp(plan, step), plan.build_dir / "dataset.json"]
    inputs += [Path(m) for m in step.modules]
    inputs += [step_targets(plan, plan.step(s))["outputs"] for s in step.after]
    for name in FILE_PARAMETERS:
        value = step.parameters.get(name)
        if value not in (None, *NO_FILE):
            inputs += [p for p in (paths.resolve(str(value)), plan.dataset / str(value)) if p.is_file()]
    if step.parameters.get("compare"):
        other = paths.resolve(str(step.parameters["compare"]))
        inputs += sorted(p for p in other.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return inputs


def write_records(plan: Plan) -> None:
    """Write the run stamps, the dataset stamp and ``plan.json``, each only if its content changed."""
    build = plan.build_dir
    for step in plan.steps:
        write_bytes_atomic(run_stamp(plan, step), json_bytes(run_signature(plan, step)))
    write_bytes_atomic(build / "dataset.json", json_bytes(_dataset_stamp(plan, build / "dataset.json")))
    index = {
        "dataset": str(plan.dataset),
        "dataset_arg": plan.dataset_arg,
        "root": str(plan.root),
        "reports": str(plan.reports),
        "processed": str(plan.processed),
        "steps": [
            {"step": s.id, "notebook": str(s.notebook), "parameters": s.parameters} for s in plan.steps
        ],
        "unthemed": list(plan.unthemed),
    }
    write_bytes_atomic(build / "plan.json", json_bytes(index))
    if plan.open_questions:  # cached only now: a plan refused by its checks writes nothing
        from zqf_analysis.themes.eligible import write_profile

        write_profile(build / "open_questions.json", plan.open_questions["stamp"], plan.open_questions["questions"])
    _remove_make_records(build)


def _remove_make_records(build: Path) -> None:
    """Builds before 0.2 left Make rules and job stamps here; nothing reads them any more."""
    (build / "report.mk").unlink(missing_ok=True)
    if (build / "jobs").is_dir():
        shutil.rmtree(build / "jobs", ignore_errors=True)
    for leftover in (build / "steps").glob("*.job.json"):
        leftover.unlink(missing_ok=True)


def _dataset_stamp(plan: Plan, stamp: Path) -> dict:
    """The dataset's file listing (its declarations file too) and SHA-256; the hash is reused while sizes
    and times are unchanged."""
    from zqf_analysis.data.declarations import declarations_file
    from zqf_analysis.report.provenance import dataset_files, dataset_sha256

    listing = {
        p.relative_to(plan.dataset).as_posix(): [p.stat().st_size, p.stat().st_mtime_ns]
        for p in dataset_files(plan.dataset)
    }
    declared = declarations_file(plan.dataset)  # read with the questionnaire: an input like the raw files
    if declared is not None:
        listing[f"declarations:{declared}"] = [declared.stat().st_size, declared.stat().st_mtime_ns]
    try:
        previous = json.loads(stamp.read_text(encoding="utf-8"))
        if previous.get("files") == listing and previous.get("path") == str(plan.dataset):
            return previous
    except (OSError, ValueError):
        pass
    return {"path": str(plan.dataset), "files": listing, "sha256": dataset_sha256(plan.dataset)}


# ------------------------------------------------------------------------------------- staleness


def out_of_date(target: Path, inputs: list[Path]) -> bool:
    """Make's rule: the target is missing or older than one of its inputs (a missing input counts)."""
    try:
        built = target.stat().st_mtime_ns
    except OSError:
        return True
    return _any_newer(built, inputs)


def _any_newer(built: int, inputs: list[Path]) -> bool:
    for path in inputs:
        try:
            if path.stat().st_mtime_ns > built:
                return True
        except OSError:
            return True
    return False


def run_out_of_date(plan: Plan, step: Step) -> bool:
    return out_of_date(step_targets(plan, step)["executed"], step_inputs(plan, step))


@lru_cache(maxsize=1)
def page_sources() -> tuple[Path, ...]:
    """What the rendering of a page depends on: ``report/pages.py`` and ``report/provenance.py`` with
    the package modules they import, and the page template."""
    report = PACKAGE_DIR / "report"
    modules = source_modules(report / "pages.py", report / "provenance.py")
    return (*map(Path, modules), report / "templates" / "zqf_notebook.html.j2")


@lru_cache(maxsize=1)
def index_sources() -> tuple[Path, ...]:
    """What index.html depends on besides the pages: ``report/index.py``, the modules it imports and
    its template."""
    report = PACKAGE_DIR / "report"
    return (*map(Path, source_modules(report / "index.py")), report / "templates" / "index.html.j2")


def pages_current(plan: Plan, step: Step) -> bool:
    """True when both pages of a run are newer than its executed notebook and every page source."""
    target = step_targets(plan, step)
    try:
        oldest_page = min(target["reviewer"].stat().st_mtime_ns, target["full"].stat().st_mtime_ns)
    except OSError:
        return False
    return not _any_newer(oldest_page, [target["executed"], *page_sources()])


def index_current(plan: Plan) -> bool:
    """True when index.html is newer than every page, the plan, the dataset stamp and its sources."""
    pages = [p for s in plan.steps for p in (step_targets(plan, s)["reviewer"], step_targets(plan, s)["full"])]
    build = plan.build_dir
    inputs = [*pages, build / "plan.json", build / "dataset.json", *index_sources()]
    return not out_of_date(plan.reports / "index.html", inputs)


# ---------------------------------------------------------------------------------- outputs stamp


def output_folders(plan: Plan) -> list[Path]:
    """Where notebooks write: the processed tables, the figures and ``tables.xlsx``."""
    return [plan.processed, plan.reports / "figures", plan.reports / "tables.xlsx"]


def snapshot(*places: Path) -> dict[str, tuple[int, int]]:
    """Size and time of every file in ``places`` (folders or files; hidden files left out)."""
    found = {}
    for place in places:
        if place.is_file():
            stat = place.stat()
            found[str(place)] = (stat.st_size, stat.st_mtime_ns)
        elif place.is_dir():
            for path in place.rglob("*"):
                if path.is_file() and not path.name.startswith("."):
                    stat = path.stat()
                    found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


def write_outputs_stamp(plan: Plan, before: dict, stamp: Path) -> None:
    """Record the files a run wrote and a hash of their contents; rewritten only when that changes.

    The files are those whose size or time changed during the run, plus those it wrote last time. A
    run beside it that writes into the same folders meanwhile adds its files too: that can make a
    dependent re-run needlessly, never miss a change."""
    after = snapshot(*output_folders(plan))
    try:
        known = set(json.loads(stamp.read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError):
        known = set()
    touched = {p for p, stat in after.items() if before.get(p) != stat}
    files = sorted(p for p in known | touched if Path(p).is_file())
    digest = {p: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in files}
    write_bytes_atomic(stamp, json_bytes({"files": digest}))


# ----------------------------------------------------------------------------------------- timings


def read_timings(plan: Plan) -> dict[str, float]:
    """Seconds each run's notebook took when it last ran, from earlier builds (empty when unknown)."""
    try:
        found = json.loads((plan.build_dir / "timings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in found.items() if isinstance(v, (int, float))}


def write_timings(plan: Plan, timings: dict[str, float]) -> None:
    write_bytes_atomic(plan.build_dir / "timings.json", json_bytes({k: round(v, 2) for k, v in timings.items()}))

"""The report build: plan the notebook runs for a dataset, validate every parameter before any kernel
starts, and let Make run only the steps whose inputs changed, in parallel where they are independent.

``build-plan`` writes ``<reports>/.build/`` (a JSON file per job listing its runs, a stamp per run
holding its parameters, a dataset stamp and ``report.mk``), each file only when its content changes,
so Make's timestamps say exactly what is out of date; ``build-step`` executes a job's out-of-date
notebook runs with papermill in one kernel and renders them; ``build-index`` writes index.html.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from zqf_analysis import paths
from zqf_analysis.errors import DataError
from zqf_analysis.io import write_bytes_atomic, write_text_atomic
from zqf_analysis.stats.intervals import interval_settings
from zqf_analysis.stats.params import (
    check_adjust,
    check_by,
    check_compare,
    check_min_base,
    check_min_disclosure,
    check_population,
)
from zqf_analysis.themes.eligible import check_min_answers
from zqf_analysis.themes.params import FILE_PARAMETERS, check_backend, check_file_parameter, check_k, check_seed

KERNEL = "zqf-analysis"
NOTEBOOK_NAME = re.compile(r"^(\d\d)_[A-Za-z0-9_-]+\.ipynb$")
#: Parameters the build sets itself for every notebook.
BUILD_PARAMETERS = ("dataset", "output_root")


@dataclass(frozen=True)
class Step:
    """One notebook run: ``id`` names its outputs (``03_themes-Q8``), ``after`` the steps it needs and
    ``job`` the build job (one kernel) it runs in: the notebook's name unless it declares another
    (:func:`notebook_job`)."""

    id: str
    notebook: Path
    parameters: dict
    after: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    job: str = ""


@dataclass(frozen=True)
class Plan:
    dataset: Path
    dataset_arg: str
    root: Path
    output_root: Path
    reports: Path
    processed: Path
    steps: tuple[Step, ...]
    notebooks_dir: Path
    python: str = field(default_factory=lambda: sys.executable)
    #: open questions given no themes run, with their answer counts and why (see themes.eligible)
    unthemed: tuple[dict, ...] = ()
    #: the open questions' profile to cache (see themes.eligible.write_profile), or None
    open_questions: dict | None = None

    @property
    def build_dir(self) -> Path:
        return self.reports / ".build"

    def groups(self) -> list[tuple[Step, ...]]:
        """The runs of each build job, in plan order: by default a job is one notebook's runs (one per
        question for a per-question notebook); notebooks that name the same job in their metadata
        join it. A job's runs share one kernel, one after another, while other jobs run beside it."""
        found: dict[str, list[Step]] = {}
        for step in self.steps:
            found.setdefault(step.job, []).append(step)
        return [tuple(group) for group in found.values()]

    def step_file(self, step: Step) -> Path:
        """The file Make hands to ``build-step``: one per job, listing its runs."""
        return self.build_dir / "steps" / f"{step.job}.job.json"

    def run_stamp(self, step: Step) -> Path:
        """What one run is asked to do (notebook, parameters, dataset, output root), rewritten only
        when that changes: an input of the run alone, so a new parameter of one run re-runs only it."""
        return self.build_dir / "steps" / f"{step.id}.run.json"

    def job_stamp(self, step: Step) -> Path:
        """Touched when the job's runs are all up to date: Make's target for the job."""
        return self.build_dir / "jobs" / f"{step.job}.done"


# -------------------------------------------------------------------------------- parameters


def notebook_parameters(notebook: str | Path) -> dict:
    """The names and default values of the cell tagged ``parameters`` (read with ``ast``, no kernel).

    papermill's own ``inspect_notebook`` parses line by line and skips a line whose comment holds a
    quote, so the build reads the cell as Python; a notebook without the tagged cell has no parameters.
    """
    notebook = Path(notebook)
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"not a readable notebook ({exc})", file=notebook) from exc
    for cell in cells:
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            try:
                tree = ast.parse(source)
            except SyntaxError as exc:
                raise DataError(
                    f"the parameters cell is not valid Python ({exc.msg})", file=notebook
                ) from exc
            found = {}
            for node in tree.body:
                if isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if isinstance(target, ast.Name):
                            try:
                                found[target.id] = ast.literal_eval(node.value)
                            except ValueError:
                                found[target.id] = None
            return found
    return {}


def _zqf_metadata(notebook: Path) -> dict:
    try:
        metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError) as exc:
        raise DataError(f"not a readable notebook ({exc})", file=notebook) from exc
    return metadata.get("zqf") or {}


JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def notebook_job(notebook: str | Path) -> str | None:
    """The build job a notebook declares (``metadata.zqf.job``), or None: its own job.

    Notebooks naming the same job run one after another in one kernel, in notebook order, as one
    Make job: a short notebook then pays for no kernel and imports of its own. Its runs are still
    executed only when their own inputs changed; a notebook that waits for one of them waits for the
    whole job.
    """
    notebook = Path(notebook)
    declared = _zqf_metadata(notebook).get("job")
    if declared is None:
        return None
    if not isinstance(declared, str) or not JOB_NAME.match(declared):
        raise DataError(
            f"metadata zqf.job must be a name of letters, digits and _.+- such as \"clean-themes\", "
            f"got {declared!r}",
            file=notebook,
        )
    return declared


def notebook_after(notebook: str | Path) -> list[str] | None:
    """The notebooks a notebook declares it needs (``metadata.zqf.after``: their outputs must exist
    before it runs), or None when it declares nothing and runs after the first-numbered notebooks."""
    notebook = Path(notebook)
    declared = _zqf_metadata(notebook).get("after")
    if declared is None:
        return None
    if not isinstance(declared, list) or not all(isinstance(name, str) for name in declared):
        raise DataError(
            f"metadata zqf.after must be a list of notebook names such as [\"01_clean\"], got {declared!r}",
            file=notebook,
        )
    return declared


def parse_value(text: str) -> object:
    """A parameter value given on the command line: an int, a float or else the string as typed.

    >>> parse_value("5"), parse_value("0.9"), parse_value("auto")
    (5, 0.9, 'auto')
    """
    if re.fullmatch(r"[+-]?\d+", text.strip()):
        return int(text)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?", text.strip()):
        return float(text)
    return text


def parse_overrides(items: list[str] | tuple[str, ...]) -> list[tuple[str | None, str, object]]:
    """``name=value`` (every notebook that has the parameter) or ``03_themes.name=value`` (one notebook)."""
    overrides = []
    for item in items:
        for word in shlex.split(item):
            key, sep, value = word.partition("=")
            if not sep or not key:
                raise DataError(f"parameter {word!r} is not of the form name=value or notebook.name=value")
            scope, _, name = key.rpartition(".")
            overrides.append((scope or None, name, parse_value(value)))
    return overrides


def _check_confidence(value: object) -> None:
    interval_settings(value, "wilson")


def _check_ci_method(value: object) -> None:
    interval_settings(0.95, value)


#: Parameters whose rule belongs to a stage: the same function checks the notebook's parameter, the
#: build's and the command line's (light modules: nothing heavy is imported to check a parameter).
_RULES = {
    "backend": check_backend,
    "k": check_k,
    "seed": check_seed,
    "confidence": _check_confidence,
    "ci_method": _check_ci_method,
    "adjust": check_adjust,
    "min_base": check_min_base,
    "min_answers": check_min_answers,
    "min_disclosure": check_min_disclosure,
}
#: Parameters whose rule needs the dataset's questionnaire (group variables, declared filters).
_DATASET_RULES = {"by": check_by, "population": check_population}


def check_parameter(
    name: str, value: object, default: object, *, notebook: Path, dataset: Path, questionnaire
) -> None:
    """Raise :class:`DataError` naming the notebook and parameter when ``value`` cannot work."""

    def fail(expected: str) -> None:
        raise DataError(f"parameter {name}={value!r}: expected {expected}", file=notebook)

    if name == "dataset":
        if not (dataset / "questionnaire.yaml").is_file():
            fail(f"a dataset folder holding questionnaire.yaml ({dataset} has none)")
    elif name == "question":
        if value not in [q.id for q in questionnaire.free_text]:  # write-ins (Q3_other) may be themed too
            fail(f"an open question of {dataset.name}'s questionnaire: {_free_text_ids(questionnaire)}")
    elif name in _RULES or name in _DATASET_RULES:
        try:
            _RULES[name](value) if name in _RULES else _DATASET_RULES[name](value, questionnaire)
        except DataError as exc:
            raise DataError(exc.problem, file=notebook) from None
    elif name == "compare":
        try:
            check_compare(value, paths.resolve)
        except DataError as exc:
            raise DataError(exc.problem, file=notebook) from None
    elif name in FILE_PARAMETERS:
        try:
            check_file_parameter(name, value, lambda v: _existing(v, dataset))
        except DataError as exc:
            raise DataError(exc.problem, file=notebook) from None
    elif name == "output_root":
        if not isinstance(value, str):
            fail("a folder path or ''")
    elif default is not None and value is not None:
        numeric = (int, float)
        same = isinstance(value, type(default)) or (isinstance(default, float) and isinstance(value, numeric))
        if not same or isinstance(value, bool) != isinstance(default, bool):
            fail(f"a {type(default).__name__} like the notebook's default {default!r}")


def _free_text_ids(questionnaire) -> str:
    """``Q2, Q8, Q13, or a closed question's write-ins (Q3_other, ...)``: what a themes run may take."""
    named = ", ".join(q.id for q in questionnaire.open) or "none"
    write_ins = [q.id for q in questionnaire.write_ins]
    return named + (f", or a closed question's write-ins ({', '.join(write_ins)})" if write_ins else "")


def _existing(value: object, dataset: Path) -> bool:
    candidate = Path(str(value))
    return any(p.is_file() for p in (paths.resolve(candidate), dataset / candidate))


# ---------------------------------------------------------------------------------------- plan


PACKAGE_DIR = Path(__file__).resolve().parent.parent


def package_modules(notebook: Path, package_dir: Path = PACKAGE_DIR) -> tuple[str, ...]:
    """The package's source files a notebook uses: its ``zqf_analysis`` imports, followed through the
    package's own imports, with the ``__init__.py`` of every package on the way (importing
    ``zqf_analysis.stats.describe`` runs ``zqf_analysis/__init__.py`` and ``stats/__init__.py`` too).
    Editing one of them re-runs the notebook; editing an unrelated module does not."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c.get("cell_type") == "code"
    )
    pending = [*_imported_modules(code, package_dir), package_dir / "__init__.py"]
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        pending.extend(_imported_modules(path.read_text(encoding="utf-8"), package_dir))
    return tuple(sorted(str(p) for p in seen))


def _module_files(dotted: str, package_dir: Path) -> list[Path]:
    """The files importing ``<package>.<dotted>`` runs: each sub-package's ``__init__.py`` on the way
    and the module itself (a name that is neither, such as a function, adds nothing)."""
    files, folder = [], package_dir
    for part in dotted.split("."):
        if (folder / part / "__init__.py").is_file():
            folder = folder / part
            files.append(folder / "__init__.py")
        else:
            if (folder / f"{part}.py").is_file():
                files.append(folder / f"{part}.py")
            break
    return files


def _imported_modules(source: str, package_dir: Path) -> list[Path]:
    """Package modules that ``source`` imports (``import zqf_analysis.a.b``, ``from zqf_analysis.a
    import b``, ``from zqf_analysis.a.b import name``), found by a plain reading of its import lines
    (a full ``ast`` walk of the package costs a third of a second on every no-op build)."""
    package = re.escape(package_dir.name)
    files: list[Path] = []
    for dotted in re.findall(rf"^\s*import\s+{package}\.([\w.]+)", source, re.M):
        files += _module_files(dotted, package_dir)
    pattern = rf"^\s*from\s+{package}((?:\.\w+)*)\s+import\s+(\([^)]*\)|[^\n#]+)"
    for dotted, names in re.findall(pattern, source, re.M):
        base = dotted.lstrip(".")
        if base:
            files += _module_files(base, package_dir)
        for item in names.split(","):
            name = item.split(" as ")[0].strip(" ()\n\\")
            if name:
                files += _module_files(f"{base}.{name}" if base else name, package_dir)
    return files


def plan_build(
    dataset: str | Path,
    *,
    notebooks_dir: str | Path | None = None,
    output_root: str | Path | None = None,
    overrides: list[tuple[str | None, str, object]] = (),
    questions: list[str] | None = None,
) -> Plan:
    """Every notebook run for ``dataset``, with parameters checked; raises :class:`DataError` before
    anything runs if a name is unknown or a value cannot work.

    Notebooks are ``NN_name.ipynb`` in ``notebooks_dir``; the lowest-numbered ones (the cleaning) come
    first and every other notebook runs after them, independently of each other, unless it declares
    what it needs in its metadata (``"zqf": {"after": [...]}``, see :func:`notebook_after`); notebooks may
    share a job and its kernel (``"zqf": {"job": "name"}``, see :func:`notebook_job`). A notebook with a
    ``question`` parameter runs once for each open question of the questionnaire (or ``questions``).
    """
    from zqf_analysis.data.questionnaire import load_questionnaire

    root = paths.project_root()
    dataset_path = paths.resolve(dataset)
    if not dataset_path.is_dir():
        raise DataError("dataset folder not found", file=dataset)
    questionnaire = load_questionnaire(dataset_path / "questionnaire.yaml")
    notebooks_dir = Path(notebooks_dir) if notebooks_dir else root / "notebooks"
    notebooks = sorted(p for p in notebooks_dir.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))
    if not notebooks:
        raise DataError("no notebooks named NN_name.ipynb to build", file=notebooks_dir)
    out_root = paths.output_root(output_root)
    defaults = {nb: notebook_parameters(nb) for nb in notebooks}

    for scope, name, _ in overrides:
        targets = [nb for nb in notebooks if scope in (None, nb.stem)]
        if scope is not None and not targets:
            raise DataError(
                f"parameter {scope}.{name}: there is no notebook {scope}.ipynb", file=notebooks_dir
            )
        if name in BUILD_PARAMETERS:
            raise DataError(f"parameter {name} is set by the build (use DATASET / --dataset, --output-root)")
        if not any(name in defaults[nb] for nb in targets):
            known = sorted({p for nb in targets for p in defaults[nb]} - set(BUILD_PARAMETERS))
            where = f"{scope}.ipynb has only" if scope else "no notebook has it; their parameters are"
            raise DataError(f"unknown parameter {name!r}: {where} {', '.join(known) or 'none'}")
    # Every open question that can carry themes is themed by default; a closed question's write-ins
    # (Q3_other: usually a handful of answers) only when named with --questions.
    eligible = [q.id for q in questionnaire.free_text]
    for question_id in questions or []:
        if question_id not in eligible:
            raise DataError(
                f"--questions {question_id}: not an open question; the open ones are {_free_text_ids(questionnaire)}",
                file=dataset_path / "questionnaire.yaml",
            )

    first = NOTEBOOK_NAME.match(notebooks[0].name).group(1)
    first_ids = []
    unthemed: list[dict] = []
    profile = None
    steps: list[Step] = []
    for position, notebook in enumerate(notebooks):
        declared = notebook_after(notebook)
        earlier = {nb.stem for nb in notebooks[:position]}
        for name in declared or []:
            if name not in earlier:
                raise DataError(
                    f"metadata zqf.after names {name!r}, which is not an earlier notebook; "
                    f"expected some of: {', '.join(sorted(earlier)) or 'none'}",
                    file=notebook,
                )
        params = dict(defaults[notebook])
        given = {n: v for s, n, v in overrides if s in (None, notebook.stem) and n in params}
        values = {
            "dataset": str(dataset),
            "output_root": str(output_root or os.environ.get("ZQF_OUTPUT_ROOT", "")),
        }
        values = {k: v for k, v in values.items() if k in params}
        if "question" in params and "question" not in given:
            fan_out, unthemed, profile = _themed_questions(
                dataset_path, questionnaire, out_root, {**params, **given}, questions
            )
        else:
            fan_out = [None]
        modules = package_modules(notebook)
        job = notebook_job(notebook) or notebook.stem
        for question_id in fan_out:
            chosen = {**params, **given, **values}
            if question_id is not None:
                chosen["question"] = question_id
            for name, value in chosen.items():
                check_parameter(
                    name,
                    value,
                    params.get(name),
                    notebook=notebook,
                    dataset=dataset_path,
                    questionnaire=questionnaire,
                )
            step_id = notebook.stem if question_id is None else f"{notebook.stem}-{question_id}"
            is_first = NOTEBOOK_NAME.match(notebook.name).group(1) == first
            if declared is not None:
                after = tuple(s.id for s in steps if s.notebook.stem in declared)
            else:
                after = () if is_first else tuple(first_ids)
            # only what differs from the notebook's defaults is injected (dataset and output_root always)
            injected = {
                k: v for k, v in chosen.items() if k in values or k == "question" or v != params.get(k)
            }
            steps.append(Step(step_id, notebook, injected, after, modules, job))
            if is_first:
                first_ids.append(step_id)
    _check_jobs(steps)
    return Plan(
        dataset=dataset_path,
        dataset_arg=str(dataset),
        root=root,
        output_root=out_root,
        reports=paths.reports_dir(dataset_path, out_root),
        processed=paths.processed_dir(dataset_path, out_root),
        steps=tuple(steps),
        notebooks_dir=notebooks_dir,
        unthemed=tuple(unthemed),
        open_questions=profile,
    )


def _themed_questions(dataset: Path, questionnaire, out_root: Path, params: dict, named) -> tuple:
    """The open questions a ``question`` notebook runs for: the named ones, else those that can carry
    themes (enough substantive answers by its ``min_answers``, not a field of links, addresses or names;
    see :func:`zqf_analysis.themes.eligible.plan_themes`), with the others and why."""
    from zqf_analysis.themes.eligible import MIN_ANSWERS, check_min_answers, plan_themes

    minimum = check_min_answers(params.get("min_answers", MIN_ANSWERS))
    build_dir = paths.reports_dir(dataset, out_root) / ".build"
    return plan_themes(dataset, questionnaire, build_dir, minimum, list(named or []))


def _check_jobs(steps: list[Step]) -> None:
    """Jobs must not wait for each other in a circle (Make would drop the loop and build in a wrong
    order): a job waits for another when one of its runs comes after one of that job's runs."""
    job_of = {s.id: s.job for s in steps}
    waits: dict[str, set[str]] = {}
    for step in steps:
        waits.setdefault(step.job, set()).update(job_of[a] for a in step.after if job_of[a] != step.job)

    def visit(job: str, trail: tuple[str, ...]) -> None:
        for needed in sorted(waits.get(job, ())):
            if needed in trail:
                loop = " -> ".join((*trail[trail.index(needed) :], needed))
                notebooks = sorted({s.notebook.name for s in steps if s.job in trail})
                raise DataError(
                    f"build jobs wait for each other in a circle ({loop}); change metadata zqf.job or "
                    f"zqf.after of {', '.join(notebooks)}",
                    file=steps[0].notebook.parent,
                )
            visit(needed, (*trail, needed))

    for job in waits:
        visit(job, (job,))


def write_plan(plan: Plan) -> Path:
    """Write the step files, the dataset stamp and ``report.mk``; each only if its content changed."""
    build = plan.build_dir
    for group in plan.groups():
        first = group[0]
        record = {
            "job": first.job,
            "runs": [
                {
                    "step": step.id,
                    "notebook": str(step.notebook),
                    "parameters": step.parameters,
                    "inputs": [str(p) for p in step_inputs(plan, step)],
                }
                for step in group
            ],
            "dataset": str(plan.dataset),
            "root": str(plan.root),
            "output_root": str(plan.output_root),
            "reports": str(plan.reports),
            "processed": str(plan.processed),
            "job_stamp": str(plan.job_stamp(first)),
        }
        write_bytes_atomic(plan.step_file(first), _json_bytes(record))
        if not all(step_targets(plan, step)["executed"].is_file() for step in group):
            plan.job_stamp(first).unlink(missing_ok=True)  # an executed notebook was removed: redo
        for step in group:
            write_bytes_atomic(plan.run_stamp(step), _json_bytes(run_signature(plan, step)))
    write_bytes_atomic(build / "dataset.json", _json_bytes(_dataset_stamp(plan, build / "dataset.json")))
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
    write_bytes_atomic(build / "plan.json", _json_bytes(index))
    if plan.open_questions:
        from zqf_analysis.themes.eligible import write_profile

        write_profile(build / "open_questions.json", plan.open_questions["stamp"], plan.open_questions["questions"])
    makefile = build / "report.mk"
    write_bytes_atomic(makefile, makefile_text(plan).encode("utf-8"))
    return makefile


def _json_bytes(record: object) -> bytes:
    return (json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _dataset_stamp(plan: Plan, stamp: Path) -> dict:
    """The dataset's file listing and SHA-256; the hash is reused while sizes and times are unchanged."""
    from zqf_analysis.report.provenance import dataset_files, dataset_sha256

    listing = {
        p.relative_to(plan.dataset).as_posix(): [p.stat().st_size, p.stat().st_mtime_ns]
        for p in dataset_files(plan.dataset)
    }
    try:
        previous = json.loads(stamp.read_text(encoding="utf-8"))
        if previous.get("files") == listing and previous.get("path") == str(plan.dataset):
            return previous
    except (OSError, ValueError):
        pass
    return {"path": str(plan.dataset), "files": listing, "sha256": dataset_sha256(plan.dataset)}


def _mk(path: str | Path) -> str:
    """A path as a Make target or prerequisite (spaces, colons and hashes escaped)."""
    return re.sub(r"([ :#])", r"\\\1", str(path)).replace("$", "$$")


def _sh(text: str | Path) -> str:
    return shlex.quote(str(text)).replace("$", "$$")


def step_targets(plan: Plan, step: Step) -> dict[str, Path]:
    return {
        "executed": plan.reports / "executed" / f"{step.id}.ipynb",
        "outputs": plan.build_dir / f"{step.id}.outputs",
        "reviewer": plan.reports / f"{step.id}.html",
        "full": plan.reports / "full" / f"{step.id}.html",
    }


def run_signature(plan: Plan, step: Step) -> dict:
    """What a run is asked to do: its run stamp holds this."""
    return {
        "step": step.id,
        "notebook": str(step.notebook),
        "parameters": step.parameters,
        "dataset": str(plan.dataset),
        "output_root": str(plan.output_root),
    }


def step_inputs(plan: Plan, step: Step) -> list[Path]:
    """What a notebook run depends on: the notebook, its run stamp (its parameters), the dataset's
    stamp, the package modules it imports and the output stamps of the runs it comes after."""
    inputs = [step.notebook, plan.run_stamp(step), plan.build_dir / "dataset.json"]
    inputs += [Path(m) for m in step.modules]
    inputs += [step_targets(plan, s)["outputs"] for s in plan.steps if s.id in step.after]
    if step.parameters.get("compare"):  # the dataset compared with: its files are inputs too
        other = paths.resolve(str(step.parameters["compare"]))
        inputs += sorted(p for p in other.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return inputs


def makefile_text(plan: Plan) -> str:
    """The Make rules of the build: one rule per job (its runs share a kernel), one per run's pages, and
    the index page."""
    sources = render_sources()
    python = _sh(plan.python)
    lines = [
        "# Generated by `python -m zqf_analysis.build build-plan`; rewritten when the plan changes.",
        "SHELL := /bin/sh",
        f"all: {_mk(plan.reports / 'index.html')}",
        f"\t@echo '  report    {_relative(plan.reports / 'index.html', plan.root)}'",
        ".PHONY: all",
        "",
    ]
    dataset_stamp = _mk(plan.build_dir / "dataset.json")
    pages = []
    for group in plan.groups():
        step_file = _sh(plan.step_file(group[0]))
        job_stamp = _mk(plan.job_stamp(group[0]))
        own_stamps = {step_targets(plan, step)["outputs"] for step in group}
        needs = []  # every run's inputs, less the output stamps the job writes itself
        for step in group:
            needs += [p for p in step_inputs(plan, step) if p not in own_stamps and p not in needs]
        # the runs of one job are one recipe: they share a kernel, and the job decides run by run
        # what is out of date; its stamp is touched when all its runs are up to date
        lines += [
            f"{job_stamp}: {' '.join(map(_mk, needs))}",
            f"\t@{python} -m zqf_analysis.build build-step $(if $(ZQF_FORCE),--force) {step_file}",
        ]
        for step in group:
            target = step_targets(plan, step)
            lines += [
                # no recipe: made by the job; its own time tells the pages whether it changed
                f"{_mk(target['executed'])}: {job_stamp} ;",
                # written by the step only when the files it wrote changed: dependents wait on it
                f"{_mk(target['outputs'])}: {_mk(target['executed'])} ;",
                f"{_mk(target['reviewer'])} {_mk(target['full'])} &: {_mk(target['executed'])} "
                f"{' '.join(map(_mk, sources))}",
                f"\t@{python} -m zqf_analysis.build build-step --render-only --run {_sh(step.id)} {step_file}",
            ]
            pages += [_mk(target["reviewer"]), _mk(target["full"])]
        lines.append("")
    index_needs = [*pages, _mk(plan.build_dir / "plan.json"), dataset_stamp, *map(_mk, sources)]
    lines += [
        f"{_mk(plan.reports / 'index.html')}: {' '.join(index_needs)}",
        f"\t@{python} -m zqf_analysis.build build-index {_sh(plan.build_dir / 'plan.json')}",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- steps


def _snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file() and not path.name.startswith("."):
                    stat = path.stat()
                    found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


def _output_folders(record: dict) -> list[Path]:
    reports = Path(record["reports"])
    return [Path(record["processed"]), reports / "figures", reports / "tables.xlsx"]


def _write_outputs_stamp(record: dict, before: dict, stamp: Path) -> None:
    """Record the files this step writes and a hash of their contents; rewritten only when it changes."""
    import hashlib

    after = _snapshot(*_output_folders(record))
    try:
        known = set(json.loads(stamp.read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError):
        known = set()
    touched = {p for p, stat in after.items() if before.get(p) != stat}
    files = sorted(p for p in known | touched if Path(p).is_file())
    digest = {p: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in files}
    write_bytes_atomic(stamp, _json_bytes({"files": digest}))


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""


def run_step(
    step_file: str | Path, render_only: bool = False, run: str | None = None, force: bool = False
) -> int:
    """Execute a job's notebook runs with papermill and render each twice; one line per run.

    The runs of one job (a notebook's runs, one per question, and the notebooks that joined its job)
    share a kernel, one after another: between runs the kernel's namespace, execution count, open
    figures and matplotlib/pandas settings are reset, so each run sees what a fresh kernel would,
    without paying for a new kernel and its imports. A run is executed only when its executed
    notebook is missing or older than one of its inputs (or ``force``), judged just before it would
    start, so a run that waits for an earlier run of the job sees what that run wrote. With
    ``render_only``, the run named ``run`` (default: the first) is rendered if its pages are stale.

    On failure the executed notebook is kept as ``executed/<step>.failed.ipynb``, the last good
    notebook and pages stay in place, the message names the notebook, the cell and the error, and the
    job's later runs are not started.
    """
    from zqf_analysis.report.excel import DEFER_VARIABLE

    os.environ.setdefault(DEFER_VARIABLE, "1")  # the kernels store their tables.xlsx parts; the index writes it
    from zqf_analysis.report import pages

    pages.avoid_slow_imports()
    record = json.loads(Path(step_file).read_text(encoding="utf-8"))
    plan = _plan_from_record(record)
    runs = [Step(r["step"], Path(r["notebook"]), r["parameters"]) for r in record["runs"]]
    inputs = {r["step"]: [Path(p) for p in r.get("inputs", [])] for r in record["runs"]}
    if render_only:
        chosen = [s for s in runs if s.id == run] if run else runs[:1]
        if not chosen:
            raise DataError(f"no run {run!r} in this step file", file=step_file)
        step = chosen[0]
        target = step_targets(plan, step)
        if _pages_current(target):
            return 0  # rendered together with the run that Make has just finished
        started = time.monotonic()
        _render_executed(record, step, target)
        print(f"  rendered  {step.id:<16} {time.monotonic() - started:5.1f} s", flush=True)
        return 0

    def stale(step: Step) -> bool:
        return force or _out_of_date(step_targets(plan, step)["executed"], inputs[step.id])

    started_ns = time.time_ns()
    if not any(map(stale, runs)):
        _touch(record["job_stamp"], started_ns)
        return 0
    kernel_log = Path(record["reports"]) / ".build" / f"{record['job']}.kernel.log"
    with _SharedKernel(record, kernel_log) as kernel:
        executed_any = False
        for number, step in enumerate(runs):
            if not stale(step):
                continue
            started = time.monotonic()
            target = step_targets(plan, step)
            if executed_any:
                kernel.reset()
            status = _execute(record, step, target, kernel)
            if status:
                return status
            executed_any = True
            if not any(map(stale, runs[number + 1 :])):
                kernel.begin_shutdown()  # the kernel exits while the last pages render
            kernel.warmed_up()
            executed_at = time.monotonic()
            _render_executed(record, step, target)
            done = time.monotonic()
            print(
                f"  ran       {step.id:<16} {done - started:5.1f} s  (notebook {executed_at - started:.1f} s, "
                f"pages {done - executed_at:.1f} s)",
                flush=True,
            )
    _touch(record["job_stamp"], started_ns)
    return 0


def _touch(path: str | Path, when_ns: int) -> None:
    """Set ``path``'s time to when the job started (created if missing): an input edited while the
    job ran is newer than the stamp, so the next build looks at it again."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, ns=(when_ns, when_ns))


def _warm_up_rendering() -> None:
    from zqf_analysis.report import pages

    try:
        pages.warm_up()
    except Exception:  # noqa: BLE001 - only a head start: the real rendering reports any problem
        pass


def _out_of_date(target: Path, inputs: list[Path]) -> bool:
    """Make's rule: the target is missing or older than one of its inputs (a missing input counts)."""
    try:
        built = target.stat().st_mtime_ns
    except OSError:
        return True
    for path in inputs:
        try:
            if path.stat().st_mtime_ns > built:
                return True
        except OSError:
            return True
    return False


def _render_executed(record: dict, step: Step, target: dict) -> None:
    import nbformat

    notebook = nbformat.read(target["executed"], as_version=4)
    _render_pages(notebook, record, step, target)


#: Run in a shared kernel between two runs of a job: what a fresh kernel would have.
_RESET_KERNEL = """\
get_ipython().reset(new_session=True)
import os as _zqf_os, sys as _zqf_sys, warnings as _zqf_warnings
_zqf_os.chdir({cwd!r})
if "matplotlib.pyplot" in _zqf_sys.modules:
    _zqf_sys.modules["matplotlib.pyplot"].close("all")
if "matplotlib" in _zqf_sys.modules:
    _zqf_sys.modules["matplotlib"].rc_file_defaults()
if "pandas" in _zqf_sys.modules:
    with _zqf_warnings.catch_warnings():
        _zqf_warnings.simplefilter("ignore")
        _zqf_sys.modules["pandas"].reset_option("all")
del _zqf_os, _zqf_sys, _zqf_warnings
"""


class _SharedKernel:
    """One kernel for the runs of a job: started on first use with its output and start-up
    chatter in the kernel log (file descriptor 2 points there meanwhile), shut down at the end."""

    def __init__(self, record: dict, log: Path) -> None:
        self.record, self.log, self.manager, self.stopping, self.runtime = record, log, None, False, None
        self.warming: threading.Thread | None = None

    def warm_up_rendering(self) -> None:
        """Set nbconvert up on a thread (imports, templates, the regular expressions it compiles on
        first use) while the kernel starts and runs, when this process has nothing else to do."""
        if self.warming is None:
            self.warming = threading.Thread(target=_warm_up_rendering, name="warm-up", daemon=True)
            self.warming.start()

    def warmed_up(self) -> None:
        if self.warming is not None:
            self.warming.join()

    def __enter__(self):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
        os.environ["ZQF_OUTPUT_ROOT"] = self.record["output_root"]
        os.environ.setdefault("PYTHONHASHSEED", "0")
        self.redirect = _stderr_to(self.log)
        self.terminal = self.redirect.__enter__()
        return self

    def start(self):
        if self.manager is None:
            from jupyter_client.manager import KernelManager

            self.manager = KernelManager(kernel_name=KERNEL, **self._transport())
            # the kernel's own output goes to the kernel log, never into the build's progress lines:
            # ipykernel echoes whatever reaches its file descriptor 1 (C extensions, subprocesses) to
            # the stdout it was started with, which would otherwise be Make's, shared by every job
            self.manager.start_kernel(cwd=self.record["root"], stdout=self.redirect.handle)
        return self.manager

    def _transport(self) -> dict:
        """Unix sockets in a private folder where they can be had: TCP ports are picked, released and
        then bound by the kernel, so kernels starting together in parallel jobs could race for one."""
        self.runtime = None
        if os.name != "posix":
            return {}
        folder = tempfile.mkdtemp(prefix="zqf-kernel-")
        if len(folder) > 80:  # a socket path holds at most 107 bytes
            os.rmdir(folder)
            return {}
        self.runtime = folder
        return {"transport": "ipc", "connection_file": os.path.join(folder, "kernel.json")}

    def reset(self) -> None:
        """Clear the namespace and settings the previous run left; a kernel that died is replaced."""
        if self.manager is None:
            return
        if not self.manager.is_alive():
            self._shutdown()
            return
        client = self.manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            reply = client.execute_interactive(
                _RESET_KERNEL.format(cwd=self.record["root"]), silent=True, timeout=60, output_hook=lambda m: None
            )
            if reply["content"].get("status") != "ok":
                self._shutdown()  # the next run starts a fresh kernel rather than a half-reset one
        finally:
            client.stop_channels()

    def begin_shutdown(self) -> None:
        """Ask the kernel to exit and go on (its exit takes about half a second, spent while the
        pages render); :meth:`_shutdown` waits for it at the end."""
        if self.manager is not None and not self.stopping:
            try:
                self.manager.shutting_down = True
                self.manager.request_shutdown()
                self.stopping = True
            except Exception:  # noqa: BLE001 - the end of the run shuts it down the usual way
                pass

    def _shutdown(self) -> None:
        if self.manager is not None:
            try:
                if self.stopping:
                    self.manager.finish_shutdown()
                    self.manager.cleanup_resources()
                else:
                    self.manager.shutdown_kernel(now=not self.manager.is_alive())
            except Exception:  # noqa: BLE001 - a kernel that is already gone needs no shutdown
                pass
            if self.runtime:
                shutil.rmtree(self.runtime, ignore_errors=True)
            self.manager, self.stopping, self.runtime = None, False, None

    def __exit__(self, *exc) -> None:
        try:
            self._shutdown()
        finally:
            self.redirect.__exit__(*exc)


def render_sources() -> list[Path]:
    report = PACKAGE_DIR / "report"
    sources = [report / "pages.py", report / "provenance.py", report / "index.py", report / "index_groups.py"]
    return [*sources, *sorted((report / "templates").glob("*"))]


def _pages_current(target: dict) -> bool:
    """True when both pages are newer than the executed notebook and every rendering source."""
    try:
        oldest_page = min(target["reviewer"].stat().st_mtime_ns, target["full"].stat().st_mtime_ns)
        newest_input = max(p.stat().st_mtime_ns for p in [target["executed"], *render_sources()])
    except (OSError, ValueError):
        return False
    return oldest_page > newest_input


def _plan_from_record(record: dict) -> Plan:
    return Plan(
        dataset=Path(record["dataset"]),
        dataset_arg=record["dataset"],
        root=Path(record["root"]),
        output_root=Path(record["output_root"]),
        reports=Path(record["reports"]),
        processed=Path(record["processed"]),
        steps=(),
        notebooks_dir=Path(record["runs"][0]["notebook"]).parent,
    )


def _execute(record: dict, step: Step, target: dict, kernel: _SharedKernel) -> int:
    import logging

    import papermill
    from papermill.exceptions import PapermillExecutionError

    from zqf_analysis.report import provenance

    logging.getLogger("papermill").setLevel(logging.ERROR)  # the build checked the parameters itself
    executed = target["executed"]
    executed.parent.mkdir(parents=True, exist_ok=True)
    running = executed.with_name(f".{step.id}.running.ipynb")
    failed = executed.with_name(f"{step.id}.failed.ipynb")
    before = _snapshot(*_output_folders(record))
    root = Path(record["root"])
    effective = {**notebook_parameters(step.notebook), **step.parameters}  # what the notebook ran with
    record_of_run = provenance.provenance(
        record["dataset"],
        _relative(step.notebook, root),
        effective,
        root,
        shown_dataset=_relative(Path(record["dataset"]), root),
    )
    terminal = kernel.terminal
    kernel.warm_up_rendering()
    try:
        papermill.execute_notebook(
            str(step.notebook),
            str(running),
            parameters=step.parameters,
            kernel_name=KERNEL,
            km=kernel.start(),
            cwd=record["root"],
            progress_bar=terminal.isatty() and {"file": terminal, "leave": False, "desc": step.id},
            log_output=False,
            request_save_on_cell_execute=False,  # saved once at the end (or on failure)
            report_mode=False,
        )
    except PapermillExecutionError as error:
        os.replace(running, failed)
        print(
            f"error: notebook {_relative(step.notebook, root)} ({step.id}) failed at cell "
            f"{_source_cell_index(failed, error.cell_index)} (execution count {error.exec_count}): "
            f"{_first_line(error.source)!r}\n"
            f"  {error.ename}: {error.evalue}\n"
            f"  the executed notebook is kept in {failed}; the last good pages were left in place",
            file=sys.stderr,
            flush=True,
        )
        return 1
    except Exception as error:  # the kernel died or could not start
        if running.exists():
            os.replace(running, failed)
        print(
            f"error: notebook {_relative(step.notebook, root)} ({step.id}) could not run: "
            f"{type(error).__name__}: {error}\n  kernel log: {kernel.log}",
            file=sys.stderr,
            flush=True,
        )
        return 1
    import nbformat

    notebook = nbformat.read(running, as_version=4)
    notebook.metadata["zqf_provenance"] = record_of_run
    nbformat.write(notebook, running)
    os.replace(running, executed)
    if failed.exists():
        failed.unlink()
    _write_outputs_stamp(record, before, target["outputs"])
    return 0


def _source_cell_index(executed: Path, cell_index: int) -> int:
    """The failing cell's index in the notebook as written (papermill counts its injected cell too)."""
    try:
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return cell_index
    injected = sum(
        "injected-parameters" in c.get("metadata", {}).get("tags", []) for c in cells[: cell_index + 1]
    )
    return cell_index - injected


class _stderr_to:
    """Point file descriptor 2 at a log file; yield a stream on the terminal's stderr meanwhile."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def __enter__(self):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        sys.stderr.flush()
        self.saved = os.dup(2)
        self.handle = open(self.log, "w", encoding="utf-8")
        os.dup2(self.handle.fileno(), 2)
        self.previous = sys.stderr
        self.terminal = os.fdopen(os.dup(self.saved), "w", encoding="utf-8", errors="replace")
        sys.stderr = self.terminal
        return self.terminal

    def __exit__(self, *exc) -> None:
        self.terminal.flush()
        sys.stderr = self.previous
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.terminal.close()
        self.handle.close()


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _render_pages(notebook, record: dict, step: Step, target: dict) -> None:
    from zqf_analysis.report import pages, provenance

    record_of_run = notebook.metadata.get("zqf_provenance") or {}
    title = _notebook_title(notebook) or step.id
    if "question" in step.parameters:
        title = f"{title} ({step.parameters['question']})"
    reviewer = pages.notebook_html(
        notebook,
        reviewer=True,
        title=title,
        header=provenance.provenance_html(
            record_of_run, {"Report index": "index.html", "With code": f"full/{step.id}.html"}
        ),
    )
    full = pages.notebook_html(
        notebook,
        reviewer=False,
        title=title,
        header=provenance.provenance_html(
            record_of_run, {"Report index": "../index.html", "Without code": f"../{step.id}.html"}
        ),
    )
    write_text_atomic(target["full"], full)
    write_text_atomic(target["reviewer"], reviewer)
    for page in (target["full"], target["reviewer"]):
        os.utime(page)  # newer than the executed notebook even when the text is unchanged


def _notebook_title(notebook) -> str:
    for cell in notebook.cells:
        if cell.get("cell_type") == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


# ------------------------------------------------------------------------------------ whole build


def run_make(makefile: Path, jobs: int, force: bool = False) -> int:
    """Run the generated rules with ``jobs`` notebooks at a time; Make's exit status is the build's."""
    environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    command = ["make", "--no-print-directory", f"-j{jobs}", "-f", str(makefile)]
    command += ["-B", "ZQF_FORCE=1"] if force else []
    return subprocess.run(command, env=environment).returncode


def _plan_from_args(args: argparse.Namespace) -> Plan:
    return plan_build(
        args.dataset,
        notebooks_dir=args.notebooks,
        output_root=args.output_root,
        overrides=parse_overrides(args.param or []),
        questions=[q for q in re.split(r"[,\s]+", args.questions or "") if q] or None,
    )


def _cmd_build(args: argparse.Namespace) -> int:
    started = time.monotonic()
    makefile = write_plan(_plan_from_args(args))
    status = run_make(makefile, args.jobs, args.force)
    verdict = "built" if status == 0 else "FAILED"
    print(f"  {verdict} {makefile.parent.parent / 'index.html'} in {time.monotonic() - started:.1f} s")
    return status


def _cmd_plan(args: argparse.Namespace) -> int:
    print(write_plan(_plan_from_args(args)))
    return 0


def _cmd_step(args: argparse.Namespace) -> int:
    return run_step(args.step_file, render_only=args.render_only, run=args.run_id, force=args.force)


def _cmd_index(args: argparse.Namespace) -> int:
    from zqf_analysis.report.index import write_index

    started = time.monotonic()
    page = write_index(args.plan_file)
    print(f"  index     {page.name:<16} {time.monotonic() - started:5.1f} s  -> {page}", flush=True)
    return 0


def _add_plan_arguments(command: argparse.ArgumentParser) -> None:
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


def register(subparsers) -> None:
    """Add ``build`` (the whole report) and the step commands Make calls."""
    build = subparsers.add_parser(
        "build", help="execute and render every notebook for a dataset, then index.html"
    )
    _add_plan_arguments(build)
    build.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=3,
        help="Make jobs at the same time (default: 3, as `make report`: each notebook's runs are one job)",
    )
    build.add_argument("--force", action="store_true", help="re-run every step even if nothing changed")
    build.set_defaults(run=_cmd_build)

    plan = subparsers.add_parser("build-plan", help="check parameters and write the build's Make rules")
    _add_plan_arguments(plan)
    plan.set_defaults(run=_cmd_plan)

    step = subparsers.add_parser(
        "build-step", help="execute a planned job's notebook runs and render them (used by Make)"
    )
    step.add_argument("step_file")
    step.add_argument("--render-only", action="store_true", help="only render an executed notebook again")
    step.add_argument("--run", dest="run_id", help="with --render-only: the run to render (e.g. 03_themes-Q8)")
    step.add_argument("--force", action="store_true", help="execute every run, even those up to date")
    step.set_defaults(run=_cmd_step)

    index = subparsers.add_parser("build-index", help="write the report's index.html (used by Make)")
    index.add_argument("plan_file")
    index.set_defaults(run=_cmd_index)


def main(argv: list[str] | None = None) -> int:
    """``python -m zqf_analysis.build``: the build's commands alone, which Make calls.

    Going through ``python -m zqf_analysis`` would also import every other stage's command line (the
    themes stage loads scikit-learn), about a second on every no-op build.
    """
    from zqf_analysis.__main__ import run  # light: the other stages' commands load only in build_parser

    parser = argparse.ArgumentParser(prog="python -m zqf_analysis.build", description=__doc__)
    register(parser.add_subparsers(dest="command", required=True))
    return run(parser, argv)


if __name__ == "__main__":
    sys.exit(main())

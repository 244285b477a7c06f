"""The build's plan: every notebook run for a dataset (one per question for a per-question notebook),
what each run waits for, the job (kernel) it belongs to and the package modules it uses, with every
parameter checked before any kernel starts.

Nothing here starts a kernel or imports papermill: planning is part of every no-op build, which must
stay well under half a second. :mod:`zqf_analysis.build.schedule` judges and runs the plan.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from zqf_analysis import paths
from zqf_analysis.errors import DataError
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
    """Every run of one build, with the folders it reads and writes; small and picklable, so that each
    worker process receives it once."""

    dataset: Path
    dataset_arg: str
    root: Path
    output_root: Path
    reports: Path
    processed: Path
    steps: tuple[Step, ...]
    notebooks_dir: Path
    #: open questions given no themes run, with their answer counts and why (see themes.eligible)
    unthemed: tuple[dict, ...] = ()
    #: the open questions' profile to cache (see themes.eligible.write_profile), or None
    open_questions: dict | None = None

    @property
    def build_dir(self) -> Path:
        """``<reports>/.build``: the build's records (see :mod:`zqf_analysis.build.stamps`)."""
        return self.reports / ".build"

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)

    def groups(self) -> list[tuple[Step, ...]]:
        """The runs of each build job, in plan order: by default a job is one notebook's runs (one per
        question for a per-question notebook); notebooks that name the same job in their metadata
        join it. A job's runs share a kernel, reset between runs, while other jobs run beside it; a job
        with many runs may get a second kernel when a worker is idle (:mod:`zqf_analysis.build.schedule`)."""
        found: dict[str, list[Step]] = {}
        for step in self.steps:
            found.setdefault(step.job, []).append(step)
        return [tuple(group) for group in found.values()]


# -------------------------------------------------------------------------------- parameters


def notebook_parameters(notebook: str | Path) -> dict:
    """The names and default values of the cell tagged ``parameters`` (read with ``ast``, no kernel);
    a notebook without the tagged cell has no parameters.

    Hand-written rather than papermill's ``inspect_notebook``, measured with papermill 2.7.0: that
    parses line by line and gives up on a line whose comment holds quotes ("Unable to parse line 6
    'codebook = ""  # "" = the dataset's codebook ...'" on ``03_themes``), returns the defaults as
    source text, and importing papermill takes 1.6-1.9 s here, which every no-op build would pay
    (this reader: under 1 ms for the three notebooks).
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

    Notebooks naming the same job share its kernel, in notebook order: a short notebook then pays for
    no kernel and imports of its own. Its runs are still executed only when their own inputs changed,
    and a run that waits for another waits for that run alone, not for the whole job.
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
    "min_disclosure": check_min_disclosure,
    "min_answers": check_min_answers,
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
    return _follow_imports(code, package_dir)


def source_modules(*sources: Path, package_dir: Path = PACKAGE_DIR) -> tuple[str, ...]:
    """The package's source files that the modules ``sources`` use, themselves included: what the
    rendering of a page or of the index depends on (``report/pages.py`` and what it imports)."""
    code = "\n".join(Path(s).read_text(encoding="utf-8") for s in sources)
    return tuple(sorted({*_follow_imports(code, package_dir), *map(str, sources)}))


def _follow_imports(code: str, package_dir: Path) -> tuple[str, ...]:
    pending = [*_imported_modules(code, package_dir), package_dir / "__init__.py"]
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        try:
            changed = path.stat().st_mtime_ns
        except OSError:
            continue
        seen.add(path)
        pending.extend(_file_imports(path, changed, package_dir))
    return tuple(sorted(str(p) for p in seen))


@lru_cache(maxsize=512)
def _file_imports(path: Path, changed: int, package_dir: Path) -> tuple[Path, ...]:
    """The package modules one source file imports, read once per version of the file: every
    notebook of a build walks the same modules (planning took 38-42 ms of CPU here, 27-30 ms with this)."""
    return tuple(_imported_modules(path.read_text(encoding="utf-8"), package_dir))


@lru_cache(maxsize=1024)
def _module_files(dotted: str, package_dir: Path) -> tuple[Path, ...]:
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
    return tuple(files)


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
    from zqf_analysis.themes.eligible import MIN_ANSWERS, plan_themes

    minimum = check_min_answers(params.get("min_answers", MIN_ANSWERS))
    build_dir = paths.reports_dir(dataset, out_root) / ".build"
    return plan_themes(dataset, questionnaire, build_dir, minimum, list(named or []))


def _check_jobs(steps: list[Step]) -> None:
    """Jobs must not wait for each other in a circle: a job waits for another when one of its runs
    comes after one of that job's runs, and a circle would leave each job's kernel idle in turn while
    the other runs (a sign that the notebooks' ``zqf.job`` or ``zqf.after`` are not what was meant)."""
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

"""One run of the build, in a worker process: execute a notebook with papermill in the worker's shared
kernel and render its two pages, or render the pages of an executed notebook again.

The scheduler (:mod:`zqf_analysis.build.schedule`) starts each worker with :func:`start_worker` and
hands it tasks (:func:`execute_task`, :func:`render_task`, :func:`release_task`); a worker keeps one
kernel at a time, for one job, between tasks. papermill, nbformat and the report modules are imported
here only, inside the workers, never by planning.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import threading
import time
from pathlib import Path

from zqf_analysis.build import stamps
from zqf_analysis.build.kernels import SharedKernel, redirect_output
from zqf_analysis.build.plan import KERNEL, Plan, Step, notebook_parameters
from zqf_analysis.io import write_text_atomic

#: The worker's state between tasks (one worker per process).
_WORKER: dict = {}


#: Thread pools a kernel's libraries size from these (OpenBLAS under NumPy and SciPy, OpenMP under
#: scikit-learn and torch, MKL where present).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def start_worker(
    plan: Plan, number: int, log: str, kernel: bool = True, runtime: str | None = None, threads: int = 0
) -> None:
    """Set a worker process up (the pool's initializer): its output goes to ``log``, the environment
    its kernels inherit is set, its first kernel starts at once when it will run notebooks
    (``kernel``; its sockets in ``runtime``), and papermill and nbconvert are set up on a thread while
    that kernel starts. An interrupt (Ctrl-C) is the main process's to handle: it ends the workers.

    ``threads`` caps each kernel's BLAS and OpenMP threads (unless the environment already sets them),
    so that the workers' kernels together use the cores once: left alone, each library starts a thread
    per core, and two themes runs side by side on 2,000 answers took 27-42 s each against 10-26 s one
    after the other (OpenBLAS's threads of the two kernels fighting for two cores)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    handle, terminal = redirect_output(Path(log))
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["ZQF_OUTPUT_ROOT"] = str(plan.output_root)
    os.environ.setdefault("PYTHONHASHSEED", "0")  # set for the kernels, which are new processes
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no model is ever downloaded at run time
    if threads:
        for name in THREAD_VARIABLES:
            os.environ.setdefault(name, str(threads))
    from zqf_analysis.report.excel import DEFER_VARIABLE

    os.environ.setdefault(DEFER_VARIABLE, "1")  # the kernels store their tables.xlsx parts; the index writes it
    from zqf_analysis.report import pages

    pages.avoid_slow_imports()
    shared = SharedKernel(plan.root, handle, runtime)
    atexit.register(shared.shutdown)  # however the worker ends (an interrupt too): no kernel left behind
    if kernel:
        shared.start()  # a kernel takes a second or so to come up: meanwhile this process imports
    warming = threading.Thread(target=_warm_up, name="warm-up", daemon=True)
    warming.start()
    _WORKER.update(
        plan=plan, number=number, log=log, terminal=terminal, kernel=shared, key=None, warming=warming
    )


def _warm_up() -> None:
    """papermill's and nbconvert's imports, and the regular expressions nbconvert compiles on first
    use, done while the kernel starts and runs: off the critical path."""
    try:
        import papermill  # noqa: F401

        from zqf_analysis.report import pages

        pages.warm_up()
    except Exception:  # noqa: BLE001 - only a head start: the real work reports any problem
        pass


def _warmed_up() -> None:
    warming = _WORKER.get("warming")
    if warming is not None:
        warming.join()


def execute_task(step_id: str, kernel_key: str, last: bool) -> dict:
    """Execute run ``step_id`` in the kernel named ``kernel_key`` (the worker's current kernel, reset
    first, or a new one) and render its pages; ``last`` stops the kernel before the pages render.

    Returns ``{"status": "ran", "seconds", "notebook_s", "pages_s"}`` or ``{"status": "failed",
    "message"}``; the message names the notebook, the cell and the error."""
    plan, kernel = _WORKER["plan"], _WORKER["kernel"]
    step = plan.step(step_id)
    started = time.monotonic()
    if _WORKER["key"] != kernel_key:
        if kernel.runs:  # it ran another job's runs; a kernel that never ran anything is as new
            kernel.shutdown()
        _WORKER["key"] = kernel_key
    elif kernel.runs:
        kernel.reset()
    message = execute(plan, step, kernel, _WORKER["terminal"], _WORKER["log"])
    executed_at = time.monotonic()
    if message:
        kernel.shutdown()  # whatever the failed run left behind is not reused
        _WORKER["key"] = None
        return {"status": "failed", "message": message, "seconds": executed_at - started}
    if last:
        kernel.shutdown()  # nothing of its job is left: its memory is given back before the pages
    _warmed_up()
    render_pages(plan, step)
    done = time.monotonic()
    return {
        "status": "ran",
        "seconds": done - started,
        "notebook_s": executed_at - started,
        "pages_s": done - executed_at,
    }


def render_task(step_id: str) -> dict:
    """Render the pages of an executed run again (their sources changed, or a page is missing)."""
    plan = _WORKER["plan"]
    started = time.monotonic()
    _warmed_up()
    render_pages(plan, plan.step(step_id))
    return {"status": "rendered", "seconds": time.monotonic() - started}


def release_task() -> dict:
    """Shut the worker's kernel down (its job has nothing left, or the build is over)."""
    _WORKER["kernel"].shutdown()
    _WORKER["key"] = None
    return {"status": "released"}


# ------------------------------------------------------------------------------------- execution


def execute(plan: Plan, step: Step, kernel: SharedKernel, terminal, log: str) -> str:
    """Run one notebook with papermill; '' on success, else the failure message.

    The notebook is written to ``executed/.<step>.running.ipynb`` and renamed to ``<step>.ipynb`` when
    it succeeds, or to ``<step>.failed.ipynb`` when it fails, so the last good notebook and its pages
    stay in place. The executed notebook's time is set to when the run started: an input edited
    while it ran is newer, and the next build runs it again."""
    started_ns = time.time_ns()  # before any input is read
    manager = kernel.start()  # first: the kernel comes up while the rest is prepared
    import logging

    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from zqf_analysis.report import provenance

    logging.getLogger("papermill").setLevel(logging.ERROR)  # the plan checked the parameters itself
    target = stamps.step_targets(plan, step)
    executed, failed = target["executed"], target["failed"]
    executed.parent.mkdir(parents=True, exist_ok=True)
    running = executed.with_name(f".{step.id}.running.ipynb")
    before = stamps.snapshot(*stamps.output_folders(plan))
    root = plan.root
    effective = {**notebook_parameters(step.notebook), **step.parameters}  # what the notebook ran with
    record_of_run = provenance.provenance(
        plan.dataset,
        relative(step.notebook, root),
        effective,
        root,
        shown_dataset=relative(plan.dataset, root),
    )
    where = f"notebook {relative(step.notebook, root)} ({step.id})"
    try:
        papermill.execute_notebook(
            str(step.notebook),
            str(running),
            parameters=step.parameters,
            kernel_name=KERNEL,
            km=manager,
            cwd=str(root),
            progress_bar=terminal is not None and {"file": terminal, "leave": False, "desc": step.id},
            log_output=False,
            request_save_on_cell_execute=False,  # saved once at the end (or on failure)
            report_mode=False,
        )
    except PapermillExecutionError as error:
        os.replace(running, failed)
        return (
            f"error: {where} failed at cell {_source_cell_index(failed, error.cell_index)} "
            f"(execution count {error.exec_count}): {_first_line(error.source)!r}\n"
            f"  {error.ename}: {error.evalue}\n"
            f"  the executed notebook is kept in {failed}; the last good pages were left in place"
        )
    except Exception as error:  # noqa: BLE001 - the kernel died or could not start
        if running.exists():
            os.replace(running, failed)
        return f"error: {where} could not run: {type(error).__name__}: {error}\n  kernel log: {log}"
    finally:
        kernel.runs += 1
    notebook = nbformat.read(running, as_version=4)
    notebook.metadata["zqf_provenance"] = record_of_run
    nbformat.write(notebook, running)
    os.replace(running, executed)
    os.utime(executed, ns=(started_ns, started_ns))
    failed.unlink(missing_ok=True)
    stamps.write_outputs_stamp(plan, before, target["outputs"])
    return ""


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


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""


def relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


# ------------------------------------------------------------------------------------------ pages


def render_pages(plan: Plan, step: Step) -> None:
    """Write a run's reviewer page and full page from its executed notebook, each atomically."""
    import nbformat

    from zqf_analysis.report import pages, provenance

    target = stamps.step_targets(plan, step)
    notebook = nbformat.read(target["executed"], as_version=4)
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


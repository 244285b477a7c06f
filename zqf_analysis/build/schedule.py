"""The build's scheduler: judges run by run what is out of date, and executes what is on a pool of
``--jobs`` worker processes, each holding one kernel at a time; then writes index.html.

A run is judged when every run it comes after is done: it is executed when its executed notebook is
missing or older than one of its inputs (:func:`zqf_analysis.build.stamps.step_inputs`), or with
``force``; its pages are rendered again when they are older than the executed notebook or a page
source. A run judged up to date is done at once, and the runs waiting for it are judged next. An idle
worker then takes, in this order (docs/build.md tells the whole story):

1. the next waiting run of the job whose kernel it holds, in plan order: a job's runs share a kernel,
   reset between runs;
2. a waiting run of a job with no kernel yet, the job with the most estimated work first;
3. pages to render again;
4. a run of a job that already has kernels, with a kernel of its own, when :func:`lane_pays`: the
   many runs of one notebook then spread over the cores instead of queueing in one kernel;
5. else it shuts down the kernel of a job that has nothing left.

After a failure nothing new starts; the runs already under way finish.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from zqf_analysis.build import stamps
from zqf_analysis.build.plan import Plan

#: Starting a kernel and importing pandas, SciPy, scikit-learn, matplotlib and the themes stage in it:
#: 0.8-0.9 s to a ready kernel and 4.2-4.8 s with the imports, measured on the shared 2-core machine
#: (load 6); the first run in a fresh kernel pays that, the next ones in it do not.
KERNEL_START_S = 4.0
#: What a run is assumed to take, for ordering jobs only, when no build has timed it yet.
DEFAULT_RUN_S = 3.0


def default_jobs() -> int:
    """One worker per core, at most 4 (each worker's kernel holds a few hundred MB)."""
    return max(1, min(4, os.cpu_count() or 1))


def lane_pays(waiting: list[float | None], kernels: int, kernel_start: float = KERNEL_START_S) -> bool:
    """Whether another kernel for a job finishes its waiting runs (estimated seconds, None when not
    known) at least half a kernel start sooner than the job's ``kernels`` kernels would alone.

    With ``k`` kernels and ``W`` seconds of waiting runs, the job ends after about ``W / k`` alone and
    ``(W + s) / (k + 1)`` with another kernel that first spends ``s`` seconds starting; the gain,
    ``(W - k s) / (k (k + 1))``, is at least ``s / 2`` when ``W >= k s (k + 3) / 2``: 8 s of waiting
    runs for a second kernel, 20 s for a third. Unknown durations never pay: the scheduler learns them
    from the job's first runs, or from earlier builds.

    >>> lane_pays([3.0, 3.0, 3.0], kernels=1), lane_pays([3.0, 3.0], kernels=1), lane_pays([3.0, None], 1)
    (True, False, False)
    """
    if kernels < 1 or not waiting or any(seconds is None for seconds in waiting):
        return False
    return sum(waiting) >= kernels * kernel_start * (kernels + 3) / 2


@dataclass(frozen=True)
class Task:
    """What a worker is asked to do: ``run`` a step in kernel ``kernel`` (``last`` when no run of its
    job is left, so the kernel stops before the pages render), ``render`` a step's pages again, or
    ``release`` its kernel."""

    kind: str
    step: str = ""
    kernel: str = ""
    last: bool = False


@dataclass
class Worker:
    """The scheduler's view of one worker: the job whose kernel it holds, and whether it is busy."""

    number: int
    job: str | None = None
    kernel: str = ""
    busy: bool = False
    started: bool = False


class Schedule:
    """The state of one build: each run ``blocked`` (waiting for runs it comes after), ``waiting``
    (out of date, not started), ``running``, ``done`` or ``failed``; pure bookkeeping, so that the
    rules can be tested without kernels. ``stale`` and ``pages_stale`` judge one run (by default
    from file times, :mod:`zqf_analysis.build.stamps`)."""

    def __init__(self, plan: Plan, *, force: bool = False, timings: dict | None = None, stale=None, pages_stale=None):
        self.plan = plan
        self.force = force
        self.steps = {s.id: s for s in plan.steps}
        self.order = [s.id for s in plan.steps]
        self.state = {s: "blocked" for s in self.order}
        self.dependents: dict[str, list[str]] = {s: [] for s in self.order}
        for step in plan.steps:
            for before in step.after:
                self.dependents[before].append(step.id)
        self.jobs: dict[str, list[str]] = {}
        for step in plan.steps:
            self.jobs.setdefault(step.job, []).append(step.id)
        self.waiting: dict[str, list[str]] = {job: [] for job in self.jobs}
        self.renders: list[str] = []
        self.history = dict(timings or {})
        self.measured: dict[str, float] = {}
        self.failed: list[str] = []
        self.kernels_started = 0
        self.pages_written = False
        self._stale = stale or (lambda step: stamps.run_out_of_date(plan, step))
        self._pages_stale = pages_stale or (lambda step: not stamps.pages_current(plan, step))

    # ------------------------------------------------------------------------------ judging runs

    def begin(self) -> None:
        """Judge every run that waits for nothing."""
        for step_id in self.order:
            if not self.steps[step_id].after and self.state[step_id] == "blocked":
                self._judge(step_id)

    def _judge(self, step_id: str) -> None:
        step = self.steps[step_id]
        if self.force or self._stale(step):
            self.state[step_id] = "waiting"
            self.waiting[step.job].append(step_id)
            self.waiting[step.job].sort(key=self.order.index)
            return
        if self._pages_stale(step):
            self.renders.append(step_id)
        self._done(step_id)

    def _done(self, step_id: str) -> None:
        self.state[step_id] = "done"
        for later in self.dependents[step_id]:
            if self.state[later] == "blocked" and all(self.state[a] == "done" for a in self.steps[later].after):
                self._judge(later)

    @property
    def complete(self) -> bool:
        return all(state == "done" for state in self.state.values())

    def has_work(self) -> bool:
        return any(state != "done" for state in self.state.values()) or bool(self.renders)

    def not_started(self) -> list[str]:
        return [s for s in self.order if self.state[s] in ("blocked", "waiting")]

    # ------------------------------------------------------------------------------- estimates

    def estimate(self, step_id: str) -> float | None:
        """Seconds a run's notebook should take: its own time in an earlier build, else the mean of
        what the same notebook's runs, else the same job's runs, took in this build or before."""
        known = {**self.history, **self.measured}
        if step_id in known:
            return known[step_id]
        step = self.steps[step_id]
        for similar in (
            [s for s in self.jobs[step.job] if self.steps[s].notebook == step.notebook],
            self.jobs[step.job],
        ):
            seconds = [known[s] for s in similar if s in known]
            if seconds:
                return sum(seconds) / len(seconds)
        return None

    def _remaining(self, job: str) -> float:
        left = [s for s in self.jobs[job] if self.state[s] in ("blocked", "waiting")]
        return sum(self.estimate(s) or DEFAULT_RUN_S for s in left)

    # ------------------------------------------------------------------------------- assigning

    def assign(self, workers: list[Worker]) -> list[tuple[Worker, Task]]:
        """Tasks for the idle workers, by the rules of this module's docstring."""
        idle = [w for w in workers if not w.busy]
        given: list[tuple[Worker, Task]] = []

        def give(worker: Worker, task: Task) -> None:
            worker.busy = True
            idle.remove(worker)
            given.append((worker, task))

        if not self.failed:
            for worker in list(idle):  # rule 1: a kernel's own job first
                if worker.job and self.waiting[worker.job]:
                    give(worker, self._run(worker, worker.job, new_kernel=False))
            unserved = [j for j in self.jobs if self.waiting[j] and not self._kernels(workers, j)]
            for job in sorted(unserved, key=lambda j: -self._remaining(j)):  # rule 2
                if idle:
                    worker = self._pick(idle)
                    give(worker, self._run(worker, job, new_kernel=True))
            while idle and self.renders:  # rule 3
                give(self._pick(idle), Task("render", step=self.renders.pop(0)))
            while idle:  # rule 4
                lanes = [j for j in self.jobs if self.waiting[j] and self._lane_pays(workers, j)]
                if not lanes:
                    break
                job = max(lanes, key=lambda j: sum(self.estimate(s) or 0.0 for s in self.waiting[j]))
                worker = self._pick(idle)
                give(worker, self._run(worker, job, new_kernel=True))
        for worker in list(idle):  # rule 5: a kernel whose job has nothing left is shut down
            if worker.job and not self._left(worker.job):
                give(worker, Task("release"))
        return given

    def _lane_pays(self, workers: list[Worker], job: str) -> bool:
        return lane_pays([self.estimate(s) for s in self.waiting[job]], self._kernels(workers, job))

    def _kernels(self, workers: list[Worker], job: str) -> int:
        return sum(w.job == job for w in workers)

    def _left(self, job: str) -> bool:
        return any(self.state[s] in ("blocked", "waiting") for s in self.jobs[job])

    def _pick(self, idle: list[Worker]) -> Worker:
        """The idle worker to take a new kernel: one holding no kernel, else one whose job has nothing
        left, else a worker not started yet, else one whose job's runs wait for other runs."""

        def rank(worker: Worker) -> int:
            if worker.started and worker.job is None:
                return 0
            if worker.started and not self._left(worker.job):
                return 1
            return 2 if not worker.started else 3

        return min(idle, key=lambda w: (rank(w), w.number))

    def _run(self, worker: Worker, job: str, *, new_kernel: bool) -> Task:
        step_id = self.waiting[job].pop(0)
        self.state[step_id] = "running"
        if new_kernel:
            self.kernels_started += 1
            worker.job, worker.kernel = job, f"{job}#{self.kernels_started}"
        last = not self.waiting[job] and not any(self.state[s] == "blocked" for s in self.jobs[job])
        return Task("run", step=step_id, kernel=worker.kernel, last=last)

    # -------------------------------------------------------------------------------- results

    def finished(self, worker: Worker, task: Task, result: dict) -> None:
        """Record what a worker reports for ``task``."""
        worker.busy, worker.started = False, True
        if task.kind == "release":
            worker.job, worker.kernel = None, ""
        elif task.kind == "render":
            if result.get("status") == "rendered":
                self.pages_written = True
            else:
                self.failed.append(task.step)
        elif result.get("status") == "ran":
            self.measured[task.step] = float(result.get("notebook_s", 0.0))
            self.pages_written = True
            if task.last:
                worker.job, worker.kernel = None, ""  # the worker stopped that kernel after the run
            self._done(task.step)
        else:
            self.state[task.step] = "failed"
            self.failed.append(task.step)
            worker.job, worker.kernel = None, ""  # the worker shut that kernel down


# ------------------------------------------------------------------------------------ the pool


class Pool:
    """``size`` worker processes, each a one-process :class:`ProcessPoolExecutor` so that a task goes
    to the worker holding the right kernel; started only when given a first task, with ``spawn`` on
    every platform (what Windows and macOS use anyway), so one code path is tested."""

    def __init__(self, plan: Plan, size: int) -> None:
        self.plan = plan
        self.workers = [Worker(n) for n in range(1, size + 1)]
        self.executors: dict = {}  # worker number -> its ProcessPoolExecutor
        self.running: dict = {}
        # the kernels' socket folders, removed at the end however the build ends
        self.runtime = tempfile.mkdtemp(prefix="zqf-build-") if os.name == "posix" else None
        # the kernels' BLAS and OpenMP threads: the cores shared out among the workers
        self.threads = max(1, (os.cpu_count() or 1) // size)

    def log(self, worker: Worker) -> Path:
        return self.plan.build_dir / "logs" / f"worker-{worker.number}.log"

    def submit(self, worker: Worker, task: Task) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from zqf_analysis.build import steps

        executor = self.executors.get(worker.number)
        if executor is None:
            executor = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=steps.start_worker,
                initargs=(
                    self.plan, worker.number, str(self.log(worker)), task.kind == "run", self.runtime, self.threads
                ),
            )
            self.executors[worker.number] = executor
        if task.kind == "run":
            future = executor.submit(steps.execute_task, task.step, task.kernel, task.last)
        elif task.kind == "render":
            future = executor.submit(steps.render_task, task.step)
        else:
            future = executor.submit(steps.release_task)
        self.running[future] = (worker, task)

    def wait(self) -> list[tuple[Worker, Task, dict]]:
        """Wait for at least one task to end; what each ended task reported."""
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
        ended = []
        for future in done:
            worker, task = self.running.pop(future)
            try:
                result = future.result()
            except BaseException as error:  # noqa: BLE001 - a worker that died is a failed task
                result = {
                    "status": "failed",
                    "message": f"error: worker {worker.number} stopped during {task.kind} {task.step}: "
                    f"{type(error).__name__}: {error}\n  its log: {self.log(worker)}",
                }
            ended.append((worker, task, result))
        return ended

    def release(self) -> None:
        """Ask every worker to shut its kernel down, without waiting."""
        from zqf_analysis.build import steps

        for executor in self.executors.values():
            executor.submit(steps.release_task)

    def close(self) -> None:
        """End the workers once they have done what they were given."""
        for executor in self.executors.values():
            executor.shutdown(wait=True)
        self._remove_runtime()

    def terminate(self) -> None:
        """End the workers now (an interrupt): their kernels notice that their parent is gone and
        exit by themselves (ipykernel's parent poller). Killed, not asked: while a notebook runs,
        nbclient catches SIGINT and SIGTERM in the worker to shut its kernel down, and goes on."""
        for executor in self.executors.values():
            kill = getattr(executor, "kill_workers", None)  # Python 3.14
            if kill is not None:
                kill()
            else:
                for process in list((getattr(executor, "_processes", None) or {}).values()):
                    process.kill()
            executor.shutdown(wait=True, cancel_futures=True)
        self._remove_runtime()

    def _remove_runtime(self) -> None:
        if self.runtime:
            shutil.rmtree(self.runtime, ignore_errors=True)


# ----------------------------------------------------------------------------------- the build


def build(plan: Plan, *, jobs: int | None = None, force: bool = False, out=None, err=None) -> int:
    """Run the build: write its records, execute and render what is out of date on ``jobs`` workers
    (default :func:`default_jobs`), then write index.html. One progress line per run; 0 on success."""
    out, err = out or sys.stdout, err or sys.stderr
    started = time.monotonic()
    stamps.write_records(plan)
    schedule = Schedule(plan, force=force, timings=stamps.read_timings(plan))
    schedule.begin()
    status = 0
    if schedule.has_work():
        pool = Pool(plan, max(1, jobs or default_jobs()))
        previous = _stop_on_sigterm()
        try:
            status = _drive(schedule, pool, out, err)
            pool.release()  # the kernels exit while the index is written
            _index(plan, schedule, status, force, out)
        except KeyboardInterrupt:
            pool.terminate()
            print(f"  interrupted after {time.monotonic() - started:.1f} s: the runs under way were stopped, "
                  "the last good pages kept", file=err, flush=True)
            return 130
        finally:
            _restore_sigterm(previous)
        pool.close()
    else:
        _index(plan, schedule, status, force, out)
    if schedule.measured:
        stamps.write_timings(plan, {**schedule.history, **schedule.measured})
    index = plan.reports / "index.html"
    verdict = "built" if status == 0 else "FAILED"
    print(f"  {verdict} {index} in {time.monotonic() - started:.1f} s", file=out, flush=True)
    return status


def _stop_on_sigterm():
    """Treat SIGTERM (a CI timeout, ``kill``) as Ctrl-C while workers run, so they end with the build;
    the handler it replaces, or None where signals cannot be set (another thread, no SIGTERM)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return None

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


def _restore_sigterm(previous) -> None:
    if previous is not None:
        import signal

        signal.signal(signal.SIGTERM, previous)


def _index(plan: Plan, schedule: Schedule, status: int, force: bool, out) -> None:
    """Write index.html when the build succeeded and a page, the plan or an index source is newer."""
    if status != 0 or not (force or schedule.pages_written or not stamps.index_current(plan)):
        return
    from zqf_analysis.report.index import write_index

    began = time.monotonic()
    index = write_index(plan.build_dir / "plan.json")
    print(f"  index     {index.name:<16} {time.monotonic() - began:5.1f} s  -> {index}", file=out, flush=True)


def _drive(schedule: Schedule, pool: Pool, out, err) -> int:
    while True:
        for worker, task in schedule.assign(pool.workers):
            pool.submit(worker, task)
        if not pool.running:
            break
        for worker, task, result in pool.wait():
            schedule.finished(worker, task, result)
            _report(task, result, out, err)
    if schedule.failed:
        left = schedule.not_started()
        if left:
            print(f"  not started after the failure: {', '.join(left)}", file=err, flush=True)
        return 1
    if not schedule.complete:  # the plan refuses circles, so this is a bug, not bad input
        raise RuntimeError(f"the build stopped with runs left: {', '.join(schedule.not_started())}")
    return 0


def _report(task: Task, result: dict, out, err) -> None:
    status = result.get("status")
    if status == "ran":
        kernel = task.kernel.rpartition("#")[2]
        print(
            f"  ran       {task.step:<16} {result['seconds']:5.1f} s  (notebook {result['notebook_s']:.1f} s, "
            f"pages {result['pages_s']:.1f} s, kernel {kernel})",
            file=out,
            flush=True,
        )
    elif status == "rendered":
        print(f"  rendered  {task.step:<16} {result['seconds']:5.1f} s", file=out, flush=True)
    elif status == "failed":
        print(result["message"], file=err, flush=True)

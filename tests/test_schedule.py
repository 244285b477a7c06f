"""The scheduler's rules, driven without kernels: which worker gets which run, when a job gets a
second kernel (lanes), how runs are judged as the runs they wait for finish, and what a failure stops.
Whole builds with real kernels are in test_build.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from zqf_analysis.build.plan import Plan, Step
from zqf_analysis.build.schedule import KERNEL_START_S, Schedule, Task, Worker, lane_pays


def make_plan(*steps: Step) -> Plan:
    here = Path("/nowhere")
    return Plan(here, "d", here, here, here / "reports", here / "processed", tuple(steps), here)


def step(step_id: str, job: str, *, after: tuple[str, ...] = (), notebook: str | None = None) -> Step:
    name = notebook or step_id.split("-")[0]
    return Step(step_id, Path(f"/nowhere/{name}.ipynb"), {}, after, (), job)


def themes(n: int, job: str = "themes") -> list[Step]:
    return [step(f"03_themes-Q{i}", job) for i in range(1, n + 1)]


def schedule_of(plan: Plan, *, stale=lambda s: True, pages_stale=lambda s: False, timings=None) -> Schedule:
    schedule = Schedule(plan, timings=timings, stale=stale, pages_stale=pages_stale)
    schedule.begin()
    return schedule


def ran(schedule: Schedule, worker: Worker, task: Task, seconds: float = 3.0) -> None:
    schedule.finished(worker, task, {"status": "ran", "notebook_s": seconds})


def test_lane_pays_when_the_gain_is_at_least_half_a_kernel_start():
    s = KERNEL_START_S  # 4 s
    assert lane_pays([3.0, 3.0, 3.0], kernels=1)  # 9 s of waiting runs >= 2 s = 8 s
    assert not lane_pays([3.0, 3.0], kernels=1)  # 6 s < 8 s
    assert lane_pays([2 * s], kernels=1) and not lane_pays([2 * s - 0.1], kernels=1)
    assert not lane_pays([3.0] * 6, kernels=2) and lane_pays([3.0] * 7, kernels=2)  # 5 s = 20 s for a third
    assert not lane_pays([30.0, None], kernels=1)  # a run of unknown length: never
    assert not lane_pays([30.0, 30.0], kernels=0) and not lane_pays([], kernels=1)


def test_two_jobs_start_on_two_workers_and_a_kernel_keeps_its_job():
    plan = make_plan(step("01_clean", "clean-themes"), step("02_describe", "02_describe"), *themes(3, "clean-themes"))
    schedule = schedule_of(plan)
    workers = [Worker(1), Worker(2)]
    first = schedule.assign(workers)
    # the job with most (estimated) work first: four runs of 3 s against one
    assert [(w.number, t.step, t.kernel) for w, t in first] == [
        (1, "01_clean", "clean-themes#1"),
        (2, "02_describe", "02_describe#2"),
    ]
    assert first[1][1].last and not first[0][1].last  # 02's kernel may exit while its pages render
    ran(schedule, workers[0], first[0][1])
    again = schedule.assign(workers)
    assert [(w.number, t.step, t.kernel) for w, t in again] == [(1, "03_themes-Q1", "clean-themes#1")]
    ran(schedule, workers[1], first[1][1])
    assert workers[1].job is None  # its run was the job's last: the worker stopped that kernel
    assert schedule.assign(workers) == []  # and three themes runs of unknown length are no lane


def test_a_job_gets_a_second_kernel_when_its_waiting_runs_are_worth_it():
    """One job of eight runs known from an earlier build to take 3 s each, two workers: the second
    worker joins at once (seven waiting runs, 21 s >= 8 s), each kernel then keeps to its own runs,
    and neither gets a third kernel's share."""
    plan = make_plan(*themes(8))
    schedule = schedule_of(plan, timings={s.id: 3.0 for s in plan.steps})
    workers = [Worker(1), Worker(2)]
    given = schedule.assign(workers)
    assert [(w.number, t.step, t.kernel) for w, t in given] == [
        (1, "03_themes-Q1", "themes#1"),
        (2, "03_themes-Q2", "themes#2"),
    ]
    ran(schedule, workers[1], given[1][1])
    assert [(w.number, t.step, t.kernel) for w, t in schedule.assign(workers)] == [(2, "03_themes-Q3", "themes#2")]


def test_a_job_of_three_short_runs_stays_in_one_kernel():
    plan = make_plan(*themes(3))
    schedule = schedule_of(plan, timings={s.id: 3.0 for s in plan.steps})
    workers = [Worker(1), Worker(2)]
    assert [w.number for w, _ in schedule.assign(workers)] == [1]  # two waiting runs, 6 s: not worth it
    assert schedule.assign(workers) == []


def test_runs_of_unknown_length_get_a_second_kernel_only_once_one_has_been_timed():
    plan = make_plan(*themes(8))
    schedule = schedule_of(plan)  # a cold build: nothing timed yet
    workers = [Worker(1), Worker(2)]
    (one, task), = schedule.assign(workers)
    assert schedule.assign(workers) == []  # worker 2 waits: nothing says a kernel would pay
    ran(schedule, one, task, seconds=2.0)  # now the notebook's runs are known to take about 2 s
    given = schedule.assign(workers)
    assert [(w.number, t.step, t.kernel) for w, t in given] == [
        (1, "03_themes-Q2", "themes#1"),
        (2, "03_themes-Q3", "themes#2"),  # six waiting runs of about 2 s: 12 s >= 8 s
    ]


def test_a_run_is_judged_when_the_runs_it_waits_for_are_done():
    """02 waits for 01; 01 and 03 are up to date, 02 is not once 01 is done: 01 is judged at once
    (nothing to run), which makes 02 ready; 03's pages are only rendered again."""
    plan = make_plan(step("01_clean", "a"), step("02_describe", "b", after=("01_clean",)), step("03_themes", "c"))
    judged = []

    def stale(s: Step) -> bool:
        judged.append(s.id)
        return s.id == "02_describe"

    schedule = schedule_of(plan, stale=stale, pages_stale=lambda s: s.id == "03_themes")
    assert judged == ["01_clean", "02_describe", "03_themes"]
    assert schedule.state == {"01_clean": "done", "02_describe": "waiting", "03_themes": "done"}
    given = schedule.assign([Worker(1), Worker(2)])
    assert [(t.kind, t.step) for _, t in given] == [("run", "02_describe"), ("render", "03_themes")]


def test_a_run_waits_for_the_run_it_needs_not_for_that_runs_whole_job():
    plan = make_plan(step("01_clean", "lane"), step("02_describe", "b", after=("01_clean",)), *themes(2, "lane"))
    schedule = schedule_of(plan)
    workers = [Worker(1), Worker(2)]
    (one, clean), = [(w, t) for w, t in schedule.assign(workers) if t.step == "01_clean"]
    assert schedule.state["02_describe"] == "blocked"
    ran(schedule, one, clean)
    given = {t.step: w.number for w, t in schedule.assign(workers)}
    assert given == {"03_themes-Q1": 1, "02_describe": 2}  # while the job goes on with its themes runs


def test_nothing_new_starts_after_a_failure():
    plan = make_plan(step("02_describe", "b"), *themes(3, "lane"))
    schedule = schedule_of(plan)
    workers = [Worker(1), Worker(2)]
    given = dict((t.step, (w, t)) for w, t in schedule.assign(workers))
    worker, task = given["02_describe"]
    schedule.finished(worker, task, {"status": "failed", "message": "error: ..."})
    assert schedule.failed == ["02_describe"]
    worker, task = given["03_themes-Q1"]
    ran(schedule, worker, task)
    assert [t.kind for _, t in schedule.assign(workers)] == []  # worker 1's job still has runs left
    assert schedule.not_started() == ["03_themes-Q2", "03_themes-Q3"]
    assert not schedule.complete


def test_a_kernel_whose_job_has_nothing_left_is_released():
    """Two kernels on one job of three runs: the worker whose run was not the last one keeps its
    kernel until the job is over, then is told to release it."""
    plan = make_plan(*themes(3))
    schedule = schedule_of(plan, timings={s.id: 5.0 for s in plan.steps})
    workers = [Worker(1), Worker(2)]
    first = schedule.assign(workers)  # ten seconds waiting after Q1 starts: a second kernel pays
    assert [(w.number, t.step, t.last) for w, t in first] == [(1, "03_themes-Q1", False), (2, "03_themes-Q2", False)]
    ran(schedule, *first[0])
    (worker, task), = schedule.assign(workers)
    assert (worker.number, task.step, task.last) == (1, "03_themes-Q3", True)
    ran(schedule, *first[1])
    assert [(w.number, t.kind) for w, t in schedule.assign(workers)] == [(2, "release")]
    schedule.finished(workers[1], Task("release"), {"status": "released"})
    assert workers[1].job is None


def test_a_kernel_whose_job_is_finished_is_released_and_its_worker_reused():
    plan = make_plan(step("01_clean", "a"), step("02_describe", "b", after=("01_clean",)))
    schedule = schedule_of(plan)
    workers = [Worker(1), Worker(2)]
    (worker, task), = schedule.assign(workers)
    assert task.last  # no other run of job a
    ran(schedule, worker, task)
    # worker 1 holds job a's kernel, which has nothing left: it takes job b with a new kernel
    assert [(w.number, t.step, t.kernel) for w, t in schedule.assign(workers)] == [(1, "02_describe", "b#2")]
    assert workers[0].job == "b"


@pytest.mark.parametrize("force", [True, False])
def test_force_runs_even_what_is_up_to_date(force):
    plan = make_plan(*themes(2))
    schedule = Schedule(plan, force=force, stale=lambda s: False, pages_stale=lambda s: False)
    schedule.begin()
    assert schedule.has_work() is force

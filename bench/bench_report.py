"""Benchmark of `make report`: cold builds, no-op rebuilds, and the plain approach (`jupyter nbconvert
--to html --execute` on each notebook run in turn), measured in the same run on the same machine;
optionally beside another checkout of the project (``--baseline``), the two built alternately.

Writes bench/results/report.json and prints a summary. Targets (issue 10, on 2 cores): the cold build
no slower than the baseline's, at least 3x faster than the plain approach, the no-op under 0.5 s.
Usage: .venv/bin/python bench/bench_report.py [--dataset data/raw/zaqa-2024] [--rounds 1] [--noop-runs 3]
       [--baseline OTHER-CHECKOUT --rounds 5] [--notebooks 01_clean,02_describe,03_themes] [--plain-runs 1]
The baseline is a checkout with its own .venv (made by its `make venv`); the machine is shared and
noisy, so the builds alternate (this, baseline, baseline, this, ...) and medians and ranges are kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "report.json"
sys.path.insert(0, str(ROOT))


class PeakMemory:
    """Samples the summed resident memory of a process and all its descendants every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            total = 0
            try:
                for process in [root, *root.children(recursive=True)]:
                    try:
                        total += process.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def timed(command: list[str], env: dict | None = None, cwd: Path = ROOT) -> dict:
    """Run ``command``; its wall time, peak memory of the process tree, exit status and output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with PeakMemory(process.pid) as memory:
        out, err = process.communicate()
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "peak_mb": round(memory.peak / 2**20, 1),
        "returncode": process.returncode,
        "stdout": out,
        "stderr": err,
    }


def plain_approach(plan: dict, out_root: Path, work: Path, tree: Path) -> dict:
    """Each planned notebook run, parameterised the same way, through `jupyter nbconvert --execute`."""
    from zqf_analysis.report.pages import avoid_slow_imports

    avoid_slow_imports()
    from papermill.iorw import load_notebook_node, write_ipynb
    from papermill.parameterize import parameterize_notebook

    notebooks = []
    for step in plan["steps"]:
        parameters = dict(step["parameters"])
        parameters["dataset"] = str(plan["dataset"])  # the copies run from a scratch folder
        parameters["output_root"] = str(out_root)
        target = work / f"{step['step']}.ipynb"
        write_ipynb(parameterize_notebook(load_notebook_node(step["notebook"]), parameters), str(target))
        notebooks.append(target)
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    env = {**os.environ, "ZQF_OUTPUT_ROOT": str(out_root), "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    peaks, per_notebook = [], {}
    for notebook in notebooks:
        result = timed(
            [
                jupyter,
                "nbconvert",
                "--to",
                "html",
                "--execute",
                "--ExecutePreprocessor.timeout=900",
                "--ExecutePreprocessor.kernel_name=zqf-analysis",
                str(notebook),
            ],
            env=env,
            cwd=work,
        )
        if result["returncode"]:
            raise SystemExit(f"plain approach failed on {notebook.name}:\n{result['stderr'][-3000:]}")
        peaks.append(result["peak_mb"])
        per_notebook[notebook.stem] = result["seconds"]
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "peak_mb": max(peaks),
        "per_notebook": per_notebook,
    }


def notebook_cell_times(executed: Path) -> dict:
    """Per notebook run: seconds spent in its cells (papermill's timings) and its slowest cell."""
    found = {}
    for path in sorted(executed.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        timings = [
            (
                c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0,
                i,
                "".join(c["source"]).strip().splitlines()[0][:60] if "".join(c["source"]).strip() else "",
            )
            for i, c in enumerate(cells)
            if c["cell_type"] == "code"
        ]
        slowest = max(timings)
        found[path.stem] = {
            "cells_s": round(sum(t[0] for t in timings), 2),
            "slowest_cell": {"index": slowest[1], "seconds": round(slowest[0], 2), "first_line": slowest[2]},
        }
    return found


def snapshot(source: Path, target: Path, keep: list[str] | None = None) -> Path:
    """Copy a checkout's files (tracked or not ignored, times kept) to ``target``, sharing its .venv;
    with ``keep``, only those notebooks stay in ``notebooks/``.

    The benchmark runs in the copy so that edits made meanwhile (by a person, an editor or another
    build) cannot make the no-op rebuild re-run anything and distort the measurement.
    """
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=source,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        path = source / name
        if path.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / name)
    if keep:
        for notebook in (target / "notebooks").glob("*.ipynb"):
            if notebook.stem not in keep:
                notebook.unlink()
    (target / ".venv").symlink_to(source / ".venv")
    return target


def build_round(tree: Path, out: Path, dataset: str, noop_runs: int) -> dict:
    """A cold `make report` into the empty folder ``out``, then ``noop_runs`` no-op rebuilds."""
    env = {**os.environ, "ZQF_OUTPUT_ROOT": str(out), "PYTHONPATH": str(tree)}
    make = ["make", "--no-print-directory", "report", f"DATASET={dataset}"]
    load = _load()
    cold = timed(make, env=env, cwd=tree)
    if cold["returncode"]:
        raise SystemExit(f"cold make report failed in {tree}:\n{cold['stdout']}\n{cold['stderr'][-3000:]}")
    noops = [timed(make, env=env, cwd=tree) for _ in range(noop_runs)]
    if any("ran " in n["stdout"] for n in noops):
        raise SystemExit("the no-op rebuild re-ran a notebook:\n" + "\n".join(n["stdout"] for n in noops))
    steps = {
        m.group(1): float(m.group(2)) for m in re.finditer(r"^\s+ran\s+(\S+)\s+([\d.]+) s", cold["stdout"], re.M)
    }
    return {
        "cold_s": cold["seconds"],
        "cold_peak_mb": cold["peak_mb"],
        "noop_s": [n["seconds"] for n in noops],
        "steps_s": steps,
        "load_average_before": load,
        "stdout": cold["stdout"],
    }


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


def spread(values: list[float]) -> dict:
    """Median, lowest and highest of some timings, and how many."""
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "n": len(values),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="data/raw/zaqa-2024")
    parser.add_argument("--noop-runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1, help="cold builds of each checkout, alternating")
    parser.add_argument("--baseline", help="another checkout of the project, with its own .venv, built alternately")
    parser.add_argument("--baseline-label", default="baseline", help="its name in the results (e.g. a commit)")
    parser.add_argument("--notebooks", help="comma-separated notebook names to keep in both copies (default: all)")
    parser.add_argument("--plain-runs", type=int, default=1)
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument(
        "--no-snapshot",
        dest="snapshot",
        action="store_false",
        help="run in the working tree itself instead of a copy of it (no --baseline, no --notebooks)",
    )
    args = parser.parse_args(argv)
    keep = [n.strip() for n in args.notebooks.split(",")] if args.notebooks else None
    load_before = _load()

    with tempfile.TemporaryDirectory(prefix="zqf-bench-") as scratch:
        scratch = Path(scratch)
        trees = {"this": snapshot(ROOT, scratch / "this", keep) if args.snapshot else ROOT}
        if args.baseline:
            trees[args.baseline_label] = snapshot(Path(args.baseline).resolve(), scratch / "baseline", keep)
        rounds: dict[str, list[dict]] = {label: [] for label in trees}
        for number in range(args.rounds):
            order = list(trees) if number % 2 == 0 else list(reversed(trees))
            for label in order:
                out = scratch / f"build-{label}-{number}"
                rounds[label].append(build_round(trees[label], out, args.dataset, args.noop_runs))
                print(f"  round {number + 1} {label:<12} cold {rounds[label][-1]['cold_s']:6.1f} s", flush=True)
        name = Path(args.dataset).resolve().name
        reports = scratch / "build-this-0" / "reports" / name
        plan = json.loads((reports / ".build" / "plan.json").read_text())
        cells = notebook_cell_times(reports / "executed")
        plains = []
        for number in range(args.plain_runs):
            work = scratch / f"plain-{number}"
            work.mkdir()
            plains.append(plain_approach(plan, scratch / f"plain-out-{number}", work, trees["this"]))
            print(f"  plain approach {number + 1}: {plains[-1]['seconds']:6.1f} s", flush=True)

    summary = {}
    for label, found in rounds.items():
        summary[label] = {
            "cold_build_s": spread([r["cold_s"] for r in found]),
            "cold_build_runs_s": [r["cold_s"] for r in found],
            "cold_build_peak_mb": max(r["cold_peak_mb"] for r in found),
            "noop_rebuild_s": spread([s for r in found for s in r["noop_s"]]),
            "cold_steps_s": found[0]["steps_s"],
            "load_average_before_each_cold_build": [r["load_average_before"] for r in found],
        }
    this = summary["this"]
    plain_seconds = [p["seconds"] for p in plains]
    ratio = statistics.median(plain_seconds) / this["cold_build_s"]["median"]
    met = {"speedup": ratio >= 3.0, "noop": this["noop_rebuild_s"]["median"] < 0.5}
    paired = None
    if args.baseline:
        # each round builds both checkouts one after the other: their ratio cancels most of the
        # machine's drift from one minute to the next, which the medians alone do not
        other = summary[args.baseline_label]["cold_build_runs_s"]
        paired = spread([a / b for a, b in zip(this["cold_build_runs_s"], other, strict=True)])
        met["cold_build_no_slower_than_baseline"] = paired["median"] <= 1.0
    result = {
        "benchmark": "make report (cold, no-op) against jupyter nbconvert --execute on each notebook in turn",
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_at_start": load_before,
            "load_average_at_end": _load(),
        },
        "dataset": args.dataset,
        "notebooks_kept": keep or "all",
        "notebook_runs": [s["step"] for s in plan["steps"]],
        "rounds": args.rounds,
        "cold_build_s": this["cold_build_s"]["median"],
        "noop_rebuild_median_s": this["noop_rebuild_s"]["median"],
        "builds": summary,
        "baseline": args.baseline_label if args.baseline else None,
        "paired_cold_ratio_this_over_baseline": paired,
        "cold_cells": cells,
        "plain_approach_s": spread(plain_seconds),
        "plain_approach_peak_mb": max(p["peak_mb"] for p in plains),
        "plain_per_notebook_s": plains[0]["per_notebook"],
        "speedup_vs_plain": round(ratio, 2),
        "notes": "make report executes each run once and renders two pages (reviewer, full) plus index.html; "
        "the plain approach executes the same runs with the same parameters and renders one page each. "
        "Peak memory is the summed resident memory of the whole process tree (kernels included). "
        "Medians of alternating rounds on a shared machine; min and max show the spread.",
        "targets": {"speedup_min": 3.0, "noop_s_max": 0.5, "cold_build": "no slower than the baseline"},
        "met": met,
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for label, found in summary.items():
        cold, noop = found["cold_build_s"], found["noop_rebuild_s"]
        print(
            f"{label:<12} cold {cold['median']:6.1f} s (median of {cold['n']}, {cold['min']:.1f}-{cold['max']:.1f})  "
            f"peak {found['cold_build_peak_mb']:.0f} MB   "
            f"no-op {noop['median']:.2f} s ({noop['min']:.2f}-{noop['max']:.2f})"
        )
    print(
        f"plain nbconvert    {statistics.median(plain_seconds):6.1f} s   ({len(plan['steps'])} notebook runs, "
        f"{os.cpu_count()} cores)"
    )
    if paired:
        print(
            f"cold, this / {args.baseline_label}: {paired['median']:.2f} (median of {paired['n']} alternating "
            f"rounds, {paired['min']:.2f}-{paired['max']:.2f})"
        )
    print(f"speed-up           {ratio:6.2f} x   targets met: {met}")
    print(f"written to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

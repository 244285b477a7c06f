"""Benchmark of `make report`: a cold build, the no-op rebuild, and the plain approach (`jupyter nbconvert
--to html --execute` on each notebook run in turn), measured in the same run on the same machine.

Writes bench/results/report.json and prints a summary. Targets (issue 5, on 2 cores): cold build at
most 20 s with the default backend and at least 2x faster than the plain approach; no-op under 1 s.
Usage: .venv/bin/python bench/bench_report.py [--dataset data/raw/zaqa-2024] [--noop-runs 3]
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


def snapshot(target: Path) -> Path:
    """Copy the working tree's files (tracked or not ignored, times kept) to ``target``, sharing .venv.

    The benchmark runs in the copy so that edits made meanwhile (by a person, an editor or another
    build) cannot make the no-op rebuild re-run anything and distort the measurement.
    """
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="data/raw/zaqa-2024")
    parser.add_argument("--noop-runs", type=int, default=3)
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument(
        "--no-snapshot",
        dest="snapshot",
        action="store_false",
        help="run in the working tree itself instead of a copy of it",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="zqf-bench-") as scratch:
        scratch = Path(scratch)
        tree = snapshot(scratch / "tree") if args.snapshot else ROOT
        env = {**os.environ, "ZQF_OUTPUT_ROOT": str(scratch / "build"), "PYTHONPATH": str(tree)}
        make = ["make", "--no-print-directory", "report", f"DATASET={args.dataset}"]
        load_before = [round(x, 2) for x in os.getloadavg()]
        cold = timed(make, env=env, cwd=tree)
        if cold["returncode"]:
            raise SystemExit(f"cold make report failed:\n{cold['stdout']}\n{cold['stderr'][-3000:]}")
        steps = {
            m.group(1): float(m.group(2))
            for m in re.finditer(r"^\s+ran\s+(\S+)\s+([\d.]+) s", cold["stdout"], re.M)
        }
        cells = notebook_cell_times(
            scratch / "build" / "reports" / Path(args.dataset).resolve().name / "executed"
        )
        noops = [timed(make, env=env, cwd=tree) for _ in range(args.noop_runs)]
        if any("ran " in n["stdout"] for n in noops):
            raise SystemExit("the no-op rebuild re-ran a notebook:\n" + "\n".join(n["stdout"] for n in noops))
        name = Path(args.dataset).resolve().name
        plan = json.loads((scratch / "build" / "reports" / name / ".build" / "plan.json").read_text())
        work = scratch / "plain"
        work.mkdir()
        plain = plain_approach(plan, scratch / "plain-out", work, tree)

    noop_seconds = [n["seconds"] for n in noops]
    ratio = plain["seconds"] / cold["seconds"]
    result = {
        "benchmark": "make report (cold, no-op) against jupyter nbconvert --execute on each notebook in turn",
        "date": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_at_start": load_before,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "dataset": args.dataset,
        "notebook_runs": [s["step"] for s in plan["steps"]],
        "cold_build_s": cold["seconds"],
        "cold_build_peak_mb": cold["peak_mb"],
        "cold_steps_s": steps,
        "cold_cells": cells,
        "noop_rebuild_s": noop_seconds,
        "noop_rebuild_median_s": round(statistics.median(noop_seconds), 3),
        "plain_approach_s": plain["seconds"],
        "plain_approach_peak_mb": plain["peak_mb"],
        "plain_per_notebook_s": plain["per_notebook"],
        "speedup_vs_plain": round(ratio, 2),
        "notes": "make report executes each run once and renders two pages (reviewer, full) plus index.html; "
        "the plain approach executes the same runs with the same parameters and renders one page each. "
        "Peak memory is the summed resident memory of the whole process tree (kernels included).",
        "targets": {"cold_build_s_max": 20, "speedup_min": 2.0, "noop_s_max": 1.0},
        "met": {
            "cold_build": cold["seconds"] <= 20,
            "speedup": ratio >= 2.0,
            "noop": statistics.median(noop_seconds) < 1.0,
        },
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(
        f"cold make report   {cold['seconds']:6.1f} s   peak {cold['peak_mb']:.0f} MB   "
        f"({len(plan['steps'])} notebook runs, {os.cpu_count()} cores)"
    )
    print(
        f"no-op rebuild      {statistics.median(noop_seconds):6.2f} s   (median of {len(noop_seconds)}: "
        f"{', '.join(f'{s:.2f}' for s in noop_seconds)})"
    )
    print(f"plain nbconvert    {plain['seconds']:6.1f} s   peak {plain['peak_mb']:.0f} MB")
    print(f"speed-up           {ratio:6.2f} x   targets met: {result['met']}")
    print(f"written to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

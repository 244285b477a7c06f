"""Benchmark of a large survey's report (issue 14): cold builds of a 20,000-respondent SYNTHETIC export
with 40 questions, 15 of them open (made by ``zqf_analysis.data.synth_survey``, cached in bench/.data/),
beside cold builds of ZAQA's report, alternately, with the machine's load recorded at each build.

Writes bench/results/any_size.json and bench/results/any_size.md. Targets (on 2 cores): the large
survey's cold build in at most 90 s; ZAQA's no slower than before. Every build's pages are read back:
each reviewer page's size (target: under 2 MB) and each figure's height in pixels (under 2,000). Memory
is sampled every 0.2 s with psutil over the build's process tree (the build, its workers and their
kernels): the peak of their summed resident memory, and the largest single process.

Usage: .venv/bin/python bench/bench_any_size.py [--rounds 3] [--respondents 20000] [--data bench/.data]
       [--skip-zaqa]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

SEED = 14
TARGET_S = 90.0
PAGE_LIMIT = 2_000_000
FIGURE_LIMIT = 2000


def generator_key() -> str:
    source = (ROOT / "zqf_analysis" / "data" / "synth_survey.py").read_bytes()
    source += (ROOT / "zqf_analysis" / "data" / "synth.py").read_bytes()
    return hashlib.sha256(source).hexdigest()[:12]


def make_dataset(data: Path, respondents: int) -> Path:
    """The large survey's folder, written once per size, seed and generator source."""
    from zqf_analysis.data.synth_survey import SurveyShape, write_survey

    folder = data / f"synth-{respondents}-q40-o15-s{SEED}-{generator_key()}"
    if not (folder / "export.csv").is_file():
        shape = SurveyShape(respondents=respondents, questions=40, open=15, url=True, email=True, name=True,
                            short=True, sparse=(3, 9), long_options=(60,), title="SYNTHETIC large survey")
        write_survey(shape, SEED, folder)
    return folder


class MemorySampler(threading.Thread):
    """Peak resident memory of a process and its descendants, sampled every ``interval`` seconds:
    ``total`` (summed over the tree at one sample) and ``largest`` (one process), in bytes."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.total, self.largest = pid, interval, 0, 0
        self.done = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.done.is_set():
            sizes = []
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for process in tree:
                try:
                    sizes.append(process.memory_info().rss)
                except psutil.Error:
                    pass
            if sizes:
                self.total, self.largest = max(self.total, sum(sizes)), max(self.largest, max(sizes))
            self.done.wait(self.interval)


def cold_build(dataset: Path, jobs: str | None) -> dict:
    """One cold build into an empty output folder; seconds, load before and after, pages and figures."""
    out = Path(tempfile.mkdtemp(prefix="zqf-any-size-"))
    command = [sys.executable, "-m", "zqf_analysis", "build", "--dataset", str(dataset), "--output-root", str(out)]
    if jobs:
        command += ["--jobs", jobs]
    load_before = os.getloadavg()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    sampler = MemorySampler(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    record = {"seconds": round(seconds, 2), "load_before": [round(x, 2) for x in load_before],
              "load_after": [round(x, 2) for x in os.getloadavg()], "ok": result.returncode == 0,
              "peak_memory_mb": round(sampler.total / 2**20), "largest_process_mb": round(sampler.largest / 2**20)}
    if result.returncode:
        record["error"] = (result.stdout + result.stderr)[-2000:]
    reports = out / "reports" / dataset.name
    record["pages"] = {p.name: p.stat().st_size for p in sorted(reports.glob("*.html"))}
    record["largest_page"] = max(record["pages"].items(), key=lambda kv: kv[1], default=("", 0))
    heights = {}
    for png in sorted((reports / "figures").glob("*.png")):
        heights[png.name] = struct.unpack(">II", png.read_bytes()[16:24])[1]
    record["figures"] = len(heights)
    record["tallest_figure"] = max(heights.items(), key=lambda kv: kv[1], default=("", 0))
    record["runs"] = sorted(p.stem for p in (reports / "executed").glob("*.ipynb"))
    record["steps"] = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("ran")]
    shutil.rmtree(out, ignore_errors=True)
    return record


def _commit() -> str:
    """The code measured: HEAD's commit, with ``+changes`` when the work tree differs from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "zqf_analysis", "notebooks")
    return git("rev-parse", "--short", "HEAD") + ("+changes" if dirty else "")


def summary(builds: list[dict]) -> dict:
    times = [b["seconds"] for b in builds if b["ok"]]
    return {
        "builds": len(builds),
        "failed": sum(not b["ok"] for b in builds),
        "median_s": round(statistics.median(times), 2) if times else None,
        "min_s": min(times, default=None),
        "max_s": max(times, default=None),
        "load_1min": [b["load_before"][0] for b in builds],
    }


def markdown(report: dict) -> str:
    lines = [
        "# Large-survey benchmark (bench/bench_any_size.py)",
        "",
        f"{report['date']}, commit {report.get('commit', '?')}, {report['cpus']} CPUs, Python {report['python']}. "
        "Builds alternate between the "
        "datasets; the 1-minute load average is taken before each build (the machine is shared).",
        "",
        "| dataset | builds | median | min | max | load before (1 min) | target |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name, entry in report["datasets"].items():
        s = entry["summary"]
        lines.append(
            f"| {name} | {s['builds']} | {s['median_s']} s | {s['min_s']} s | {s['max_s']} s | "
            f"{', '.join(str(x) for x in s['load_1min'])} | {entry.get('target', '')} |"
        )
    lines.append("")
    for name, entry in report["datasets"].items():
        last = entry["builds"][-1]
        lines.append(f"- {name}: {len(last['runs'])} notebook runs, largest reviewer page "
                     f"{last['largest_page'][0]} {last['largest_page'][1]:,} bytes, tallest figure "
                     f"{last['tallest_figure'][0]} {last['tallest_figure'][1]} px ({last['figures']} figures); "
                     f"peak memory of the build's processes {last.get('peak_memory_mb')} MB summed, largest "
                     f"process {last.get('largest_process_mb')} MB")
        lines.extend(f"  - {step}" for step in last["steps"])
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--respondents", type=int, default=20000)
    parser.add_argument("--data", default=str(ROOT / "bench" / ".data"))
    parser.add_argument("--jobs", default=None, help="passed to the build (default: the build's own)")
    parser.add_argument("--skip-zaqa", action="store_true")
    args = parser.parse_args(argv)
    large = make_dataset(Path(args.data), args.respondents)
    datasets = {f"synthetic {args.respondents:,} x 40 (15 open)": large}
    if not args.skip_zaqa:
        datasets["zaqa-2024"] = ROOT / "data" / "raw" / "zaqa-2024"
    builds: dict[str, list] = {name: [] for name in datasets}
    for round_number in range(args.rounds):
        for name, folder in datasets.items():
            record = cold_build(folder, args.jobs)
            builds[name].append(record)
            print(f"round {round_number + 1} {name}: {record['seconds']} s (load {record['load_before'][0]})"
                  + ("" if record["ok"] else " FAILED"), flush=True)
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "commit": _commit(),
        "datasets": {
            name: {"summary": summary(builds[name]), "builds": builds[name],
                   "target": f"at most {TARGET_S:.0f} s" if folder == large else "no slower than before"}
            for name, folder in datasets.items()
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "any_size.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (RESULTS / "any_size.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    failed = any(b["failed"] for b in (e["summary"] for e in report["datasets"].values()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

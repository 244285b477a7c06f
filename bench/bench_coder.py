"""Benchmark of the learned coder: 10,000 synthetic answers coded with the Q8 codebook after learning
from a 100-answer coded sample (features, fitting with the per-code choice by cross-validation, coding,
review flags). Target: at most 60 s and 2 GB on 2 cores. Writes bench/results/coder.json and prints it."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_themes import FILLERS, PHRASES  # noqa: E402

from zqf_analysis.themes.codebook import load_codebook  # noqa: E402
from zqf_analysis.themes.learn import CodedSample, code_with_sample  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = 10_000
SAMPLE = 100
TARGET_SECONDS = 60.0
TARGET_MB = 2048.0
# the synthetic themes as codes of the Q8 codebook
CODE = {
    "recognition": "limited_recognition",
    "integration": "not_integrated",
    "standards": "lack_of_standards",
    "cost": "high_cost",
    "support": "insufficient_support",
}


def synthetic_coded_answers(n: int, seed: int = 0) -> tuple[list[str], list[tuple[str, ...]]]:
    """``n`` answers of one to three points from five themes (3% non-substantive) and their codes."""
    rng = np.random.default_rng(seed)
    themes = list(PHRASES)
    texts, codes = [], []
    for _ in range(n):
        if rng.random() < 0.03:
            texts.append(FILLERS[rng.integers(len(FILLERS))])
            codes.append(())
            continue
        chosen = [themes[rng.integers(len(themes))] for _ in range(rng.integers(1, 4))]
        points = [rng.choice(PHRASES[t]).format(mc="micro-credentials") for t in chosen]
        texts.append(", ".join(points[:-1]) + " and " + points[-1] if len(points) > 1 else points[0].capitalize())
        codes.append(tuple(dict.fromkeys(CODE[t] for t in chosen)))
    return texts, codes


def main() -> int:
    texts, codes = synthetic_coded_answers(ANSWERS)
    ids = [str(i) for i in range(1, ANSWERS + 1)]
    answers = pd.DataFrame({"response_id": ids, "text": texts})
    codebook = load_codebook(ROOT / "data" / "raw" / "zaqa-2024" / "codebooks" / "q8_challenges.yaml")
    rows = np.random.default_rng(1).choice(ANSWERS, SAMPLE, replace=False)
    sample = CodedSample(
        tuple(ids[i] for i in rows), tuple(texts[i] for i in rows), tuple(codes[i] for i in rows), (True,) * SAMPLE
    )
    cpu_start, start = time.process_time(), time.perf_counter()
    run = code_with_sample(answers, codebook, sample)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak_kb / 1024 if sys.platform != "darwin" else peak_kb / 1024 / 1024
    rest = [i for i in range(ANSWERS) if ids[i] not in set(sample.response_ids)]
    predicted = run.coded["themes"].str.split("|")
    exact = float(np.mean([set(codes[i]) == set(c for c in predicted[i] if c) for i in rest]))
    result = {
        "benchmark": "learned coder: 100-answer coded sample, 10,000 synthetic answers, Q8 codebook",
        "answers": ANSWERS,
        "sample": SAMPLE,
        "seconds_total": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(peak_mb, 1),
        "candidates_chosen": {m.code: m.candidate for m in run.coder.models},
        "exact_match_on_the_rest": round(exact, 4),
        "note": "exact match on synthetic answers written from the codebook's own themes is an upper bound",
        "target_seconds": TARGET_SECONDS,
        "target_mb": TARGET_MB,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "within_target": bool(seconds <= TARGET_SECONDS and peak_mb <= TARGET_MB),
    }
    folder = Path(__file__).resolve().parent / "results"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "coder.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())

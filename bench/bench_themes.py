"""Benchmark of the themes stage: 10,000 synthetic answers through segmentation, the default embedding
backend and clustering (k chosen by silhouette). Target: at most 30 s and 2 GB. Writes
bench/results/themes.json and prints it."""

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

from zqf_analysis.data.text import is_substantive  # noqa: E402
from zqf_analysis.themes.cluster import choose_k, cluster_vectors  # noqa: E402
from zqf_analysis.themes.embed import DEFAULT_BACKEND, embed_texts  # noqa: E402
from zqf_analysis.themes.segment import split_segments  # noqa: E402

ANSWERS = 10_000
TARGET_SECONDS = 30.0
TARGET_MB = 2048.0
PHRASES = {
    "recognition": [
        "employers do not recognise {mc}",
        "limited recognition of {mc}",
        "{mc} are not valued by industry",
        "lack of acceptance by universities",
        "seen as less credible than degrees",
    ],
    "integration": [
        "{mc} are not on the qualifications framework",
        "no credit values or levels",
        "no progression to full qualifications",
        "no national policy on {mc}",
    ],
    "standards": [
        "lack of standardisation",
        "poor quality assurance",
        "not linked to occupational standards",
        "content varies between providers",
    ],
    "cost": ["high fees", "lack of funding", "learners cannot afford {mc}", "expensive to develop"],
    "support": [
        "inadequate training equipment",
        "no internet connectivity",
        "lack of qualified trainers",
        "no mentors for learners",
    ],
}
FILLERS = ["N/A", "NIL", "None", "I don't know"]


def synthetic_answers(n: int, seed: int = 0) -> list[str]:
    """``n`` answers of one to three points drawn from five themes, with 3% non-substantive."""
    rng = np.random.default_rng(seed)
    themes = list(PHRASES)
    answers = []
    for _ in range(n):
        if rng.random() < 0.03:
            answers.append(FILLERS[rng.integers(len(FILLERS))])
            continue
        points = [
            rng.choice(PHRASES[themes[rng.integers(len(themes))]]).format(mc="micro-credentials")
            for _ in range(rng.integers(1, 4))
        ]
        if len(points) == 1:
            answers.append(points[0].capitalize())
        elif rng.random() < 0.5:
            answers.append(" ".join(f"{i}. {p.capitalize()}" for i, p in enumerate(points, start=1)))
        else:
            answers.append(", ".join(points[:-1]) + " and " + points[-1])
    return answers


def main() -> int:
    answers = synthetic_answers(ANSWERS)
    cpu_start = time.process_time()
    start = time.perf_counter()
    segments = [s for a in answers if is_substantive(a) for s in split_segments(a)]
    after_segment = time.perf_counter()
    vectors = embed_texts(segments, DEFAULT_BACKEND)
    after_embed = time.perf_counter()
    k, _ = choose_k(vectors, seed=0)
    labels = cluster_vectors(vectors, k, seed=0)
    end = time.perf_counter()
    cpu_seconds = time.process_time() - cpu_start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak_kb / 1024 if sys.platform != "darwin" else peak_kb / 1024 / 1024
    result = {
        "benchmark": "themes: segmentation + default backend + clustering",
        "answers": ANSWERS,
        "segments": len(segments),
        "backend": DEFAULT_BACKEND,
        "k_chosen": int(k),
        "clusters_found": int(labels.max()) + 1,
        "seconds_total": round(end - start, 2),
        "seconds_segmentation": round(after_segment - start, 2),
        "seconds_embedding": round(after_embed - after_segment, 2),
        "seconds_clustering": round(end - after_embed, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(peak_mb, 1),
        "target_seconds": TARGET_SECONDS,
        "target_mb": TARGET_MB,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "within_target": bool(end - start <= TARGET_SECONDS and peak_mb <= TARGET_MB),
    }
    folder = Path(__file__).resolve().parent / "results"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "themes.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""Cross-validated scores of the coder and of the discovered themes on real coded survey answers: the
development data kept beside the repository, never in it (517 answers of a faculty survey with their
human codes, CC BY-SA 4.0). Skips with a message when the data is absent.

How it is kept honest:
- the codebook is written mechanically from the code labels in ``codes.md`` (each category's sub-code
  labels as its definition and their words as indicators), the way a new user with labels only
  would; ``--codebook PATH`` scores a hand-written codebook too (kept outside the repository);
- the answers are split once into halves A and B (seeded). The learner's design and its constants
  were chosen by looking at half A only; the learned coder is scored on half B: 10 draws of 100
  coded answers from B, each scored on the rest of B, and the coder's own 5-fold estimate on each
  sample beside what it then scored; the same with samples of 50 and 200 (``--sizes``; no estimate,
  and 200 leaves only 59 answers to score on, so those figures are the noisiest);
- discovered themes: ARI against the human super-categories (answers with one category) and
  sub-codes (answers with one sub-code), 10 seeds per method, on each half, beside TF-IDF + k-means
  and a chance baseline (permuted labels).

Writes bench/results/themes_real.json and themes_real.png, and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from zqf_analysis.themes.agreement import multilabel_agreement  # noqa: E402
from zqf_analysis.themes.cluster import adjusted_rand, chance_ari, cluster_vectors  # noqa: E402
from zqf_analysis.themes.codebook import parse_codebook  # noqa: E402
from zqf_analysis.themes.embed import STOP_WORDS, embed_texts, transformer_available  # noqa: E402
from zqf_analysis.themes.learn import (  # noqa: E402
    CodedSample,
    _rows,
    answer_features,
    apply_coder,
    estimate_quality,
    fit_coder,
    label_matrix,
)

ROOT = Path(__file__).resolve().parents[1]
RELATIVE = Path("shared") / "external" / "niblse-2016-q38"
RESULTS = Path(__file__).resolve().parent / "results"
DRAWS = 10
SAMPLE = 100
SEEDS = 10
SPLIT_SEED = 2024


def find_data() -> Path | None:
    """The development data beside the repository (``../shared``), or beside the folder of git
    worktrees (``../../shared``)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / RELATIVE / "answers.csv").is_file():
            return base / RELATIVE
    return None


def code_name(category: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", category.lower()).strip("_")


def labels_codebook(codes_md: str) -> dict:
    """A codebook written mechanically from the labels alone: one code per category (its label the
    category name), the definition lists its sub-code labels, and the indicators are their content
    words (4+ letters, not stop words, a word of 5+ letters with ``*`` for any ending), leaving out the
    words of the question itself and words found in two categories' labels (they name no theme)."""
    question = re.search(r'"([^"]+)"', codes_md.splitlines()[0])
    question_words = set(re.findall(r"[a-z]+", question.group(1).lower())) if question else set()
    codes, current = [], None
    for line in codes_md.splitlines():
        heading = re.match(r"^## (.+?)\s+\(source column", line)
        if heading:
            current = {"code": code_name(heading.group(1)), "label": heading.group(1), "subs": []}
            codes.append(current)
            continue
        item = re.match(r'^- "(.+)": \d+', line)
        if item and current is not None:
            label = item.group(1).strip()
            current["subs"].append(label.split(" - ", 1)[1] if " - " in label else label)

    def stem(word: str) -> str:
        return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 4 else word

    def related(word: str, other: str) -> bool:
        return word[:5] == other[:5] if min(len(word), len(other)) >= 5 else word == other

    words_of = {}
    for code in codes:
        found = [stem(w) for sub in code["subs"] for w in re.findall(r"[a-z]+", sub.lower())]
        words_of[code["code"]] = [w for w in found if len(w) > 3 and w not in STOP_WORDS]
    document = {"codes": []}
    for code in codes:
        others = [w for c, ws in words_of.items() if c != code["code"] for w in ws]
        kept = [
            w
            for w in words_of[code["code"]]
            if not any(related(w, q) for q in question_words) and not any(related(w, o) for o in others)
        ]
        indicators = list(dict.fromkeys(f"{w}*" if len(w) >= 5 else w for w in kept))
        document["codes"].append(
            {
                "code": code["code"],
                "label": code["label"],
                "definition": "; ".join(code["subs"]) or code["label"],
                "indicators": indicators or [code["label"].split()[0].lower()],
            }
        )
    return document


def load(folder: Path) -> tuple[pd.DataFrame, list[str]]:
    frame = pd.read_csv(folder / "answers.csv", dtype=str, keep_default_na=False)
    categories = [c["label"] for c in labels_codebook((folder / "codes.md").read_text(encoding="utf-8"))["codes"]]
    frame["human"] = [tuple(code_name(c) for c in s.split("|") if c) for s in frame["codes"]]
    frame["sub"] = [tuple(c for c in s.split("|") if c) for s in frame["subcodes"]]
    return frame, categories


def halves(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(SPLIT_SEED).permutation(len(frame))
    half = len(frame) // 2
    return (
        frame.iloc[np.sort(order[:half])].reset_index(drop=True),
        frame.iloc[np.sort(order[half:])].reset_index(drop=True),
    )


def _scores(human, coded, names, bootstrap=1000) -> dict:
    result = multilabel_agreement(dict(enumerate(human)), dict(enumerate(coded)), names, bootstrap=bootstrap)
    per_code = result.per_code.set_index("code")["kappa"].round(3).to_dict()
    keep = ("mean_kappa", "mean_kappa_low", "mean_kappa_high", "micro_f1", "micro_f1_low", "micro_f1_high")
    return {**{k: result.overall[k] for k in keep}, "alpha_masi": result.overall["alpha_masi"], "kappa": per_code}


def codebook_alone(frame: pd.DataFrame, codebook) -> dict:
    features = answer_features(frame["text"].tolist(), codebook)
    coded = [tuple(c for c, yes in zip(codebook.names, row, strict=True) if yes) for row in features.codebook_codes]
    return _scores(list(frame["human"]), coded, codebook.names)


def learned(frame: pd.DataFrame, codebook, size: int = SAMPLE, estimate: bool = True) -> dict:
    """10 draws of ``size`` coded answers from ``frame``, each scored on the rest of ``frame``; with
    ``estimate``, beside the coder's own 5-fold estimate on each sample."""
    features = answer_features(frame["text"].tolist(), codebook)
    labels = label_matrix(list(frame["human"]), codebook)
    draws, chosen = [], []
    for draw in range(DRAWS):
        order = np.random.default_rng(draw).permutation(len(frame))
        train, test = order[:size], order[size:]
        start = time.perf_counter()
        coder = fit_coder(_rows(features, train), labels[train], codebook)
        coded = [c.codes for c in apply_coder(coder, _rows(features, test))]
        seconds = time.perf_counter() - start
        human = [frame["human"][i] for i in test]
        alone = [tuple(c for c, y in zip(codebook.names, features.codebook_codes[i], strict=True) if y) for i in test]
        rest = _scores(human, coded, codebook.names, bootstrap=200)
        row = {
            "draw": draw,
            "rest_mean_kappa": rest["mean_kappa"],
            "rest_micro_f1": rest["micro_f1"],
            "rest_alpha_masi": rest["alpha_masi"],
            "rest_kappa": rest["kappa"],
            "codebook_mean_kappa": _scores(human, alone, codebook.names, bootstrap=10)["mean_kappa"],
            "seconds": round(seconds, 2),
        }
        if estimate:
            sample = CodedSample(
                tuple(str(i) for i in train),
                tuple(frame["text"][i] for i in train),
                tuple(frame["human"][i] for i in train),
                (True,) * size,
            )
            own = estimate_quality(sample, codebook, bootstrap=200)["learned"].overall
            row.update(
                estimate_mean_kappa=own["mean_kappa"], estimate_low=own["mean_kappa_low"], estimate_high=own["mean_kappa_high"]
            )
        draws.append(row)
        chosen.append({m.code: m.candidate for m in coder.models})
    table = pd.DataFrame(draws)
    result = {
        "sample": size,
        "draws": draws,
        "mean_kappa": round(float(table["rest_mean_kappa"].mean()), 4),
        "mean_kappa_sd": round(float(table["rest_mean_kappa"].std()), 4),
        "micro_f1": round(float(table["rest_micro_f1"].mean()), 4),
        "micro_f1_sd": round(float(table["rest_micro_f1"].std()), 4),
        "alpha_masi": round(float(table["rest_alpha_masi"].mean()), 4),
        "codebook_mean_kappa_same_answers": round(float(table["codebook_mean_kappa"].mean()), 4),
        "candidates_chosen": chosen,
    }
    if estimate:
        inside = (table["rest_mean_kappa"] >= table["estimate_low"]) & (table["rest_mean_kappa"] <= table["estimate_high"])
        result["estimate_mean_kappa"] = round(float(table["estimate_mean_kappa"].mean()), 4)
        result["rest_inside_estimate_interval"] = f"{int(inside.sum())} of {len(table)}"
    return result


def backends() -> list[str]:
    names = ["tfidf", "wordllama"]
    if transformer_available():
        names.append("transformer")
    return names


def themes(frame: pd.DataFrame, names: list[str], k: int) -> dict:
    """ARI of k-means on each backend's answer vectors against the human codes, 10 seeds: as the
    package clusters (on the first principal components, ``<backend>``) and on the full vectors
    (``<backend>_full``; ``tfidf_full`` is the plain TF-IDF + k-means baseline), with each method's
    stability (mean ARI between the seeds' partitions)."""
    from itertools import combinations

    texts = frame["text"].tolist()
    single = np.array([len(h) == 1 for h in frame["human"]])
    single_sub = np.array([len(s) == 1 for s in frame["sub"]])
    reference = np.array([h[0] if len(h) == 1 else "" for h in frame["human"]])
    reference_sub = np.array([s[0] if len(s) == 1 else "" for s in frame["sub"]])
    result = {}
    for name in names:
        vectors = embed_texts(texts, name)
        for reduce in (False, True):
            runs = [cluster_vectors(vectors, k, seed, reduce=reduce) for seed in range(SEEDS)]
            ari = [adjusted_rand(reference[single], labels[single]) for labels in runs]
            ari_sub = [adjusted_rand(reference_sub[single_sub], labels[single_sub]) for labels in runs]
            chance_mean, chance_p95 = chance_ari(reference[single], runs[0][single])
            result[name if reduce else f"{name}_full"] = {
                "ari_categories": round(float(np.mean(ari)), 4),
                "ari_categories_sd": round(float(np.std(ari)), 4),
                "ari_subcodes": round(float(np.mean(ari_sub)), 4),
                "ari_subcodes_sd": round(float(np.std(ari_sub)), 4),
                "stability": round(float(np.mean([adjusted_rand(a, b) for a, b in combinations(runs, 2)])), 4),
                "chance_mean": round(chance_mean, 4),
                "chance_p95": round(chance_p95, 4),
            }
    return result


def classify(frame: pd.DataFrame, names: list[str]) -> dict:
    """How well each backend's vectors carry the codes: per-code logistic regression on the vectors
    alone, 100 answers to learn from, scored on the rest (10 draws); mean per-code kappa."""
    from sklearn.linear_model import LogisticRegression

    from zqf_analysis.themes.learn import _kappa

    codes = sorted({c for h in frame["human"] for c in h})
    labels = np.array([[c in h for c in codes] for h in frame["human"]], dtype=int)
    result = {}
    for name in names:
        vectors = embed_texts(frame["text"].tolist(), name)
        kappas = []
        for draw in range(DRAWS):
            order = np.random.default_rng(draw).permutation(len(frame))
            train, test = order[:SAMPLE], order[SAMPLE:]
            per_code = []
            for j in range(len(codes)):
                y = labels[train, j]
                if y.sum() < 2:
                    continue
                model = LogisticRegression(class_weight="balanced", max_iter=2000).fit(vectors[train], y)
                per_code.append(_kappa(labels[test, j], model.predict(vectors[test])))
            kappas.append(np.mean(per_code))
        result[name] = {"mean_kappa": round(float(np.mean(kappas)), 4), "sd": round(float(np.std(kappas)), 4)}
    return result


def figure(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from zqf_analysis.io import save_figure

    names = list(result["themes_k6"]["B"])
    backends_only = list(result["vectors_classifier"]["B"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    x = np.arange(len(names))
    for offset, half in ((-0.2, "A"), (0.2, "B")):
        values = [result["themes_k6"][half][n]["ari_subcodes"] for n in names]
        axes[0].bar(x + offset, values, width=0.4, label=f"half {half}")
    axes[0].axhline(
        result["themes_k6"]["B"][names[0]]["chance_p95"], color="grey", linestyle=":", label="chance p95 (categories)"
    )
    axes[0].set_xticks(x, [n.replace("_full", "\nfull") for n in names], fontsize=7)
    axes[0].set_title("Discovered themes (k=6): ARI vs sub-codes ('full': no PCA)", fontsize=9)
    axes[0].legend(fontsize=7)
    values = [result["vectors_classifier"]["B"][n]["mean_kappa"] for n in backends_only]
    axes[1].bar(np.arange(len(backends_only)), values, color="#3182bd")
    axes[1].set_xticks(np.arange(len(backends_only)), backends_only)
    axes[1].set_title("Logistic regression on the vectors, 100 coded: mean kappa", fontsize=9)
    fig.suptitle("Embedding backends on 517 real coded answers (half B unless shown)", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path.parent, path.stem)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codebook", help="a hand-written codebook YAML for the categories (kept outside the repo)")
    parser.add_argument("--quick", action="store_true", help="3 draws and 3 seeds (a smoke run)")
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[50, 100, 200],
        help="sizes of the coded sample drawn from half B (default 50,100,200; the coder's own estimate for 100 only)",
    )
    args = parser.parse_args(argv)
    folder = find_data()
    if folder is None:
        print(f"[bench] skipped: the development data ({RELATIVE}) is not beside the repository")
        return 0
    global DRAWS, SEEDS
    if args.quick:
        DRAWS, SEEDS = 3, 3
    frame, _ = load(folder)
    codebooks = {"labels": parse_codebook(labels_codebook((folder / "codes.md").read_text(encoding="utf-8")))}
    if args.codebook:
        from zqf_analysis.themes.codebook import load_codebook

        hand = load_codebook(args.codebook)
        mapping = dict(zip(codebooks["labels"].names, hand.names, strict=True))
        frame["human"] = [tuple(mapping[c] for c in h) for h in frame["human"]]
        codebooks = {"hand": hand}
    a, b = halves(frame)
    result: dict = {"answers": len(frame), "halves": [len(a), len(b)], "sample": SAMPLE, "draws": DRAWS}
    for name, codebook in codebooks.items():
        result[f"codebook_{name}"] = {"codes": codebook.names}
        for label, part in (("all", frame), ("A", a), ("B", b)):
            result[f"codebook_{name}"][f"alone_{label}"] = codebook_alone(part, codebook)
        result[f"codebook_{name}"]["learned_B"] = learned(b, codebook)
        for size in args.sizes:
            if size != SAMPLE:
                result[f"codebook_{name}"][f"learned_B_{size}"] = learned(b, codebook, size, estimate=False)
    names = backends()
    for k in (6, 10):
        result[f"themes_k{k}"] = {label: themes(part, names, k) for label, part in (("A", a), ("B", b))}
    result["vectors_classifier"] = {"B": classify(b, names)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "themes_real" + ("_hand" if args.codebook else "") + ("_quick" if args.quick else "")
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    figure(result, RESULTS / f"{stem}.png")
    for name in codebooks:
        block = result[f"codebook_{name}"]
        print(
            f"[{name} codebook] alone: mean kappa {block['alone_all']['mean_kappa']:.3f} (all 517), "
            f"{block['alone_B']['mean_kappa']:.3f} (half B); learned from 100 (half B, {DRAWS} draws): "
            f"{block['learned_B']['mean_kappa']:.3f} +- {block['learned_B']['mean_kappa_sd']:.3f}, micro-F1 "
            f"{block['learned_B']['micro_f1']:.3f}; its own CV estimate {block['learned_B']['estimate_mean_kappa']:.3f}"
        )
    for half in ("A", "B"):
        for name, row in result["themes_k6"][half].items():
            print(
                f"[themes k=6, half {half}] {name}: ARI categories {row['ari_categories']:.3f}, "
                f"sub-codes {row['ari_subcodes']:.3f}, stability {row['stability']:.3f}"
            )
    print(f"written: {RESULTS / stem}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Discovered themes: k-means on segment vectors (k chosen by silhouette, or seeded by a codebook's
codes), class-based TF-IDF terms, stability across seeds, a chance baseline and a 2-D map."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from zqf_analysis.themes.codebook import Codebook
from zqf_analysis.themes.embed import STOP_WORDS

K_MAX = 8


K_SEARCH_SAMPLE = 2000


STABILITY_SEEDS = 10


CHANCE_PERMUTATIONS = 1000

#: k-means runs on this many principal components of the vectors (or k, when more), renormalised.
#: Averaged word vectors keep much noise in their remaining dimensions; on the development data (258
#: real answers per half, 10 seeds, k = 6) ARI against the human categories went 0.042 -> 0.139 on
#: half A, where 8 was chosen among 4-16, and 0.086 -> 0.113 on half B (bench/bench_themes_real.py).
COMPONENTS = 8


def choose_k(vectors: np.ndarray, seed: int, k_max: int = K_MAX) -> tuple[int, pd.DataFrame]:
    """The number of clusters with the highest mean silhouette (cosine) among 2..k_max, the smaller k
    on a tie; with the table of silhouettes so the choice can be seen. Fewer than 4 points: 1 cluster.
    Above 2,000 points the search runs on a seeded random sample of 2,000 (the final clustering uses all)."""
    vectors = _sample(vectors, seed)
    n = len(vectors)
    candidates = list(range(2, min(k_max, n - 1) + 1))
    if n < 4 or not candidates:
        return 1, pd.DataFrame({"k": [1], "silhouette": [np.nan]})
    scores = []
    for k in candidates:
        labels = cluster_vectors(vectors, k, seed)
        if len(set(labels)) < 2:
            scores.append(-1.0)
            continue
        sample = min(n, 2000)
        scores.append(float(silhouette_score(vectors, labels, metric="cosine", sample_size=sample, random_state=seed)))
    table = pd.DataFrame({"k": candidates, "silhouette": np.round(scores, 6)})
    best = int(table.loc[table["silhouette"].idxmax(), "k"])
    return best, table


def _sample(vectors: np.ndarray, seed: int, size: int = K_SEARCH_SAMPLE) -> np.ndarray:
    """At most ``size`` rows of ``vectors``, a seeded random sample in their order when there are more."""
    if len(vectors) <= size:
        return vectors
    return vectors[np.sort(np.random.default_rng(seed).choice(len(vectors), size, replace=False))]


#: Above this many points k-means restarts 3 times instead of 10: on 15,000 segments ten restarts took
#: 1.4 s a fit. Measured on 18,496 segments of the synthetic 20,000-respondent survey: the best of 3 had
#: the same inertia as the best of 10 at k = 5 and 1.1% more at k = 8.
MANY_POINTS = 5000


def cluster_vectors(
    vectors: np.ndarray, k: int, seed: int, n_init: int | None = None, reduce: bool = True
) -> np.ndarray:
    """k-means labels (10 restarts, 3 above :data:`MANY_POINTS` points, ``seed``) on the vectors' leading
    principal components (see :func:`reduce_vectors`; ``reduce=False`` clusters the vectors as they
    are), renumbered 0.. by cluster size then first appearance, so the same partition always gets the
    same numbers."""
    if n_init is None:
        n_init = 10 if len(vectors) <= MANY_POINTS else 3
    if k <= 1 or len(vectors) <= 1:
        return np.zeros(len(vectors), dtype=int)
    k = min(k, len(np.unique(np.round(vectors, 9), axis=0)))
    reduced = reduce_vectors(vectors, k, seed) if reduce else vectors
    # One thread, OpenMP and BLAS: on a shared 2-core machine, spinning threads made k-means several times
    # slower (8 k-means fits on 1,200 x 256 vectors at a load of 8: 4.7 s with BLAS on 2 threads, 1.4 s on 1).
    with threadpool_limits(limits=1):
        raw = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(reduced)
    return renumber(raw)


def reduce_vectors(vectors: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """The vectors projected on their first max(:data:`COMPONENTS`, k) principal components and scaled
    to unit length (rows that were zero stay zero); the vectors unchanged when they have no more
    dimensions than that, or too few points (fewer than 4 per component) to estimate them."""
    components = max(COMPONENTS, k)
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[1] <= components or len(vectors) < 4 * components:
        return vectors
    present = np.linalg.norm(vectors, axis=1) > 0
    reduced = np.zeros((len(vectors), components))
    reduced[present] = PCA(components, svd_solver="full", random_state=seed).fit_transform(vectors[present])
    norms = np.linalg.norm(reduced, axis=1, keepdims=True)
    return np.divide(reduced, norms, out=np.zeros_like(reduced), where=norms > 0)


def renumber(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0.. by decreasing size, ties by first appearance.

    >>> renumber(np.array([5, 2, 2, 7, 7, 7])).tolist()
    [2, 1, 1, 0, 0, 0]
    """
    labels = np.asarray(labels)
    first = {lab: i for i, lab in reversed(list(enumerate(labels)))}
    order = sorted(first, key=lambda lab: (-(labels == lab).sum(), first[lab]))
    mapping = {lab: new for new, lab in enumerate(order)}
    return np.array([mapping[lab] for lab in labels], dtype=int)


def code_prototypes(codebook: Codebook) -> list[str]:
    """One text per code (label, definition and indicator words) whose vector starts its cluster."""
    return [f"{c.label}. {c.definition} " + " ".join(i.replace("*", "") for i in c.indicators) for c in codebook.codes]


def guided_clusters(vectors: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Seeded k-means: k-means started from the code prototypes' vectors (one run, no randomness),
    renumbered like :func:`cluster_vectors`; a cluster may drift away from the code that seeded it."""
    with threadpool_limits(limits=1):
        raw = KMeans(n_clusters=len(centres), init=centres, n_init=1).fit_predict(vectors)
    return renumber(raw)


def adjusted_rand(labels_a, labels_b) -> float:
    """The adjusted Rand index of two labellings, computed as scikit-learn's ``adjusted_rand_score``
    does (pair counts from the contingency table, the same special case for full agreement) but
    without its per-call checks, which cost more than the arithmetic in the stability and chance loops.

    >>> adjusted_rand([0, 0, 1, 1], [1, 1, 0, 0]), adjusted_rand([0, 0, 1, 1], [0, 1, 0, 1])
    (1.0, -0.5)
    """
    _, a = np.unique(np.asarray(labels_a), return_inverse=True)
    _, b = np.unique(np.asarray(labels_b), return_inverse=True)
    n = len(a)
    if n != len(b):
        raise ValueError(f"labellings of different lengths: {n} and {len(b)}")
    table = np.bincount(a * (b.max(initial=0) + 1) + b, minlength=(a.max(initial=0) + 1) * (b.max(initial=0) + 1))
    table = table.reshape(a.max(initial=0) + 1, b.max(initial=0) + 1).astype(np.int64)
    rows, columns = table.sum(axis=1), table.sum(axis=0)
    squares = int((table**2).sum())
    tp = squares - n
    fp = int(table.dot(columns).sum()) - squares
    fn = int(table.T.dot(rows).sum()) - squares
    tn = n * n - fp - fn - squares
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def stability(vectors: np.ndarray, k: int, seeds: int = STABILITY_SEEDS, sample_seed: int = 0) -> float:
    """Mean adjusted Rand index between the clusterings of every pair of ``seeds`` seeds (1 = the
    same partition whatever the seed). Above 2,000 points it is measured on a seeded random sample of
    2,000, as the choice of k is (ten k-means runs on 15,000 segments took 25 s)."""
    vectors = _sample(vectors, sample_seed)
    runs = [cluster_vectors(vectors, k, s) for s in range(seeds)]
    return float(np.mean([adjusted_rand(a, b) for a, b in itertools.combinations(runs, 2)]))


def chance_ari(reference, labels, seed: int = 0, permutations: int = CHANCE_PERMUTATIONS) -> tuple[float, float]:
    """Mean and 95th percentile of the ARI between ``labels`` and random permutations of
    ``reference``: what the same cluster sizes score by chance."""
    rng = np.random.default_rng(seed)
    reference = np.asarray(reference)
    scores = [adjusted_rand(rng.permutation(reference), labels) for _ in range(permutations)]
    return float(np.mean(scores)), float(np.percentile(scores, 95))


def top_terms(segments: list[str], labels: np.ndarray, n_terms: int = 5) -> dict[int, list[str]]:
    """Class-based TF-IDF terms of each cluster: a term's frequency in the cluster times
    log(1 + mean words per cluster / the term's frequency over all clusters), as in BERTopic."""
    labels = np.asarray(labels)
    clusters = sorted(set(labels.tolist()))
    documents = [" ".join(s for s, lab in zip(segments, labels, strict=True) if lab == c) for c in clusters]
    vectoriser = CountVectorizer(stop_words=sorted(STOP_WORDS), token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b")
    try:
        counts = vectoriser.fit_transform(documents).toarray().astype(float)
    except ValueError:
        return {c: [] for c in clusters}
    terms = vectoriser.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    average_words = counts.sum() / len(clusters)
    idf = np.log(1 + average_words / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    result = {}
    for row, cluster in enumerate(clusters):
        order = sorted(range(len(terms)), key=lambda j: (-scores[row, j], terms[j]))
        result[cluster] = [terms[j] for j in order[:n_terms] if scores[row, j] > 0]
    return result


def map_2d(vectors: np.ndarray, seed: int) -> np.ndarray:
    """Two PCA coordinates per point (signs fixed so the largest loading is positive): the map."""
    if len(vectors) < 2 or vectors.shape[1] < 2:
        return np.zeros((len(vectors), 2))
    pca = PCA(n_components=2, random_state=seed, svd_solver="full")
    coords = pca.fit_transform(vectors)
    signs = np.sign(pca.components_[np.arange(2), np.abs(pca.components_).argmax(axis=1)])
    return coords * np.where(signs == 0, 1, signs)

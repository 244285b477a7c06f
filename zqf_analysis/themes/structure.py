"""Whether the discovered themes mean anything: the clustering's silhouette, its stability across seeds
and the silhouette the same k-means reaches on a shuffled copy of the vectors (a Gaussian blob with
their mean and covariance: the same spread in every direction, no groups).

A page shows discovered themes as findings only when the three agree that there is structure; else it
says so plainly and leads with the codebook coding, or with a call to write a codebook.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import silhouette_score

from zqf_analysis.themes.cluster import _sample, cluster_vectors

#: Below this mean pairwise ARI across seeds, a partition is mostly the seed's doing: no structure.
MIN_STABILITY = 0.3
#: Below this one the themes are shown with a caution: another seed would group them differently
#: (the synthetic survey's 10,000-answer questions: silhouette 0.25 against 0.07 shuffled, ARI 0.48).
STABLE = 0.6
#: The observed silhouette must beat the best shuffled one by this much.
MIN_MARGIN = 0.01
#: Shuffled copies clustered for the baseline.
SHUFFLES = 5


@dataclass(frozen=True)
class Structure:
    """The verdict and its evidence: ``silhouette`` (cosine, of the clustering at k), ``baseline``
    (mean and highest silhouette of :data:`SHUFFLES` shuffled copies at the same k), ``stability``
    (mean pairwise ARI across seeds), ``k`` and ``points`` (segments), and ``reasons`` (why not)."""

    found: bool
    k: int
    points: int
    silhouette: float
    baseline_mean: float
    baseline_max: float
    stability: float
    reasons: tuple[str, ...] = ()

    @property
    def unstable(self) -> bool:
        """Structure found, but the partition changes noticeably with the seed."""
        return self.found and self.stability < STABLE

    @property
    def sentence(self) -> str:
        """The verdict in one plain sentence, with its numbers."""
        numbers = (
            f"silhouette {self.silhouette:.3f} against {self.baseline_mean:.3f} (highest {self.baseline_max:.3f}) "
            f"for the same k-means on shuffled vectors, stability across seeds (mean pairwise ARI) "
            f"{self.stability:.2f}, k = {self.k}, {self.points} segments"
        )
        if self.unstable:
            return (
                f"The discovered themes have structure, but another seed would group the answers somewhat "
                f"differently (stability below {STABLE}): read them as one grouping among several. "
                f"The evidence: {numbers}."
            )
        if self.found:
            return f"The discovered themes have structure: {numbers}."
        return (
            f"No structure: the discovered themes are not distinct groups ({'; '.join(self.reasons)}). "
            f"The evidence: {numbers}."
        )


def shuffled(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A structureless copy of ``vectors`` with the same mean and covariance: each row a random Gaussian
    mix of all the centred rows (so one blob of the same shape, with no groups in it), rows
    renormalised to unit length as the embeddings are. A copy with each column permuted on its own
    was tried first: it also removes the covariance, and real answers beat it by far even when their
    clusters were no better than chance (silhouette 0.007 against 0.07 to 0.1)."""
    if len(vectors) < 2:
        return vectors
    centred = vectors - vectors.mean(axis=0)
    mix = rng.standard_normal((len(vectors), len(vectors))) / np.sqrt(len(vectors))
    copy = vectors.mean(axis=0) + mix @ centred
    norms = np.linalg.norm(copy, axis=1, keepdims=True)
    return copy / np.where(norms == 0, 1, norms)


def _silhouette(vectors: np.ndarray, labels: np.ndarray, seed: int) -> float:
    if len(set(labels.tolist())) < 2 or len(vectors) < 3:
        return float("nan")
    return float(silhouette_score(vectors, labels, metric="cosine", random_state=seed))


def assess(
    vectors: np.ndarray,
    labels: np.ndarray,
    k: int,
    stability: float,
    seed: int = 0,
    substantive: int | None = None,
    min_answers: int | None = None,
) -> Structure:
    """The verdict on a clustering of ``vectors`` into ``labels`` (k clusters) whose stability across
    seeds is ``stability``: structure is found when the silhouette beats every shuffled copy's by
    :data:`MIN_MARGIN`, the partition is stable (:data:`MIN_STABILITY`), there are at least two
    clusters and, when given, at least ``min_answers`` substantive answers. Above 2,000 segments the
    silhouettes are computed on a seeded sample of 2,000."""
    rng = np.random.default_rng([seed, 14])
    rows = np.arange(len(vectors))
    sample_rows = _sample(rows.reshape(-1, 1), seed).ravel()
    observed = _silhouette(vectors[sample_rows], np.asarray(labels)[sample_rows], seed)
    baseline = []
    if k >= 2 and len(vectors) > k:
        sample = vectors[sample_rows]
        for _ in range(SHUFFLES):
            copy = shuffled(sample, rng)
            baseline.append(_silhouette(copy, cluster_vectors(copy, k, seed, n_init=3), seed))
    baseline = [b for b in baseline if b == b]
    mean = float(np.mean(baseline)) if baseline else float("nan")
    highest = float(np.max(baseline)) if baseline else float("nan")
    reasons = []
    if min_answers is not None and substantive is not None and substantive < min_answers:
        reasons.append(f"{substantive} substantive answers, fewer than min_answers = {min_answers}")
    if k < 2 or observed != observed:
        reasons.append("fewer than two clusters")
    elif not baseline or observed < highest + MIN_MARGIN:
        reasons.append("the silhouette is no better than on shuffled vectors")
    if stability != stability or stability < MIN_STABILITY:
        reasons.append(f"the clusters change with the seed (stability below {MIN_STABILITY})")
    return Structure(
        found=not reasons,
        k=int(k),
        points=int(len(vectors)),
        silhouette=observed,
        baseline_mean=mean,
        baseline_max=highest,
        stability=float(stability),
        reasons=tuple(reasons),
    )

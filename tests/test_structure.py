"""The "no structure" verdict: clusters that beat a structureless copy of the vectors and stay the same
across seeds, on vectors whose structure is known by construction."""

from __future__ import annotations

import numpy as np

from zqf_analysis.themes.cluster import cluster_vectors, stability
from zqf_analysis.themes.structure import assess, shuffled


def _unit(rows):
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_four_separate_groups_have_structure():
    rng = np.random.default_rng(0)
    centres = np.eye(16)[:4] * 3
    vectors = _unit(np.vstack([c + rng.normal(0, 0.3, (60, 16)) for c in centres]))
    labels = cluster_vectors(vectors, 4, 0)
    verdict = assess(vectors, labels, 4, stability(vectors, 4))
    assert verdict.found and verdict.silhouette > verdict.baseline_max + 0.1
    assert verdict.sentence.startswith("The discovered themes have structure: silhouette ")


def test_one_blob_has_none_and_the_page_sentence_says_why():
    rng = np.random.default_rng(1)
    vectors = _unit(rng.normal(0, 1, (300, 16)) + 4 * np.eye(16)[0])
    labels = cluster_vectors(vectors, 3, 0)
    verdict = assess(vectors, labels, 3, stability(vectors, 3))
    assert not verdict.found
    assert "the silhouette is no better than on shuffled vectors" in verdict.reasons
    assert verdict.sentence.startswith("No structure: the discovered themes are not distinct groups (")


def test_too_few_answers_is_a_reason_on_its_own():
    rng = np.random.default_rng(2)
    vectors = _unit(np.vstack([np.eye(8)[i] * 3 + rng.normal(0, 0.2, (3, 8)) for i in range(2)]))
    verdict = assess(vectors, cluster_vectors(vectors, 2, 0), 2, 1.0, substantive=6, min_answers=20)
    assert verdict.reasons[0] == "6 substantive answers, fewer than min_answers = 20" and not verdict.found


def test_the_structureless_copy_keeps_the_spread():
    rng = np.random.default_rng(3)
    vectors = _unit(rng.normal(0, 1, (500, 6)) * np.array([5, 1, 1, 1, 1, 1]))
    copy = shuffled(vectors, np.random.default_rng(0))
    assert copy.shape == vectors.shape and np.allclose(np.linalg.norm(copy, axis=1), 1)
    # the first direction still carries most of the variance
    assert np.argmax(copy.var(axis=0)) == 0


def test_a_partition_that_changes_with_the_seed_is_shown_with_a_caution():
    from zqf_analysis.themes.structure import Structure

    common = {"k": 8, "points": 900, "silhouette": 0.25, "baseline_mean": 0.07, "baseline_max": 0.07}
    shaky = Structure(found=True, stability=0.48, **common)
    assert shaky.unstable and "another seed would group the answers somewhat differently" in shaky.sentence
    steady = Structure(found=True, stability=0.9, **common)
    assert not steady.unstable and steady.sentence.startswith("The discovered themes have structure: ")
    rng = np.random.default_rng(4)
    vectors = _unit(rng.normal(0, 1, (200, 12)))
    labels = cluster_vectors(vectors, 4, 0)
    verdict = assess(vectors, labels, 4, 0.2)  # a stability of 0.2: the seed's doing
    assert "the clusters change with the seed (stability below 0.3)" in verdict.reasons

"""The quotes a reviewer reads: the most typical of a theme and the ones the clustering was least sure of."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zqf_analysis.themes.quotes import centre_scores, code_sample, quote_sample


def test_the_typical_and_the_unsure_quotes():
    vectors = np.array([[1.0, 0.0], [0.95, 0.05], [0.9, 0.1], [0.6, 0.55], [0.7, 0.5], [0.0, 1.0], [0.1, 0.9]])
    labels = np.array([0, 0, 0, 0, 0, 1, 1])
    similarity, margin = centre_scores(vectors, labels)
    segments = pd.DataFrame({"response_id": [str(i) for i in range(7)], "segment": list("abcdefg"),
                             "cluster": labels + 1, "similarity": similarity, "margin": margin})
    shown = quote_sample(segments[segments["cluster"] == 1], typical=2, unsure=1)
    # the centre of theme 1 points at 16 degrees: c (6 degrees) and b (3) are nearest; d (42) nearly in theme 2
    assert shown["segment"].tolist() == ["c", "b", "d"]
    assert shown["shown as"].tolist() == ["most typical", "most typical", "least sure"]


def test_the_same_words_are_shown_once():
    segments = pd.DataFrame({"response_id": ["1", "2", "3"], "segment": ["Time", "time.", "Money"],
                             "similarity": [0.9, 0.8, 0.7], "margin": [0.5, 0.4, 0.1]})
    assert quote_sample(segments, typical=2, unsure=1)["segment"].tolist() == ["Time", "Money"]


def test_coded_answers_sure_first_then_the_least_sure():
    responses = pd.DataFrame({
        "response_id": ["1", "2", "3", "4"],
        "clean_text": ["No funding", "Funding is short", "Money, maybe", "Cost"],
        "codes": ["funding", "funding", "funding", "other"],
        "evidence": ["funding*", "funding*", "similarity 0.41 to funding", ""],
        "review": [False, False, True, True],
    })
    shown = code_sample(responses, "funding", typical=1, unsure=2)
    assert shown["response_id"].tolist() == ["1", "3"]
    assert shown["shown as"].tolist() == ["indicator matched", "least sure"]

"""Embedding backends: offline, unit-length rows, shared words do not dominate."""

import numpy as np
import pytest

from zqf_analysis.errors import DataError
from zqf_analysis.themes.embed import content_words, embed_texts, get_backend, transformer_available, wordllama_files

TEXTS = [
    "Employers do not recognise micro-credentials",
    "Micro-credentials are not recognised by employers",
    "The cost of micro-credentials is too high",
    "Micro-credentials are too expensive for learners",
]


def test_domain_stop_words_are_dropped():
    assert content_words(["Micro-credentials: funding challenges"]) == [["funding"]]


#: Ten answers: "recognition" in 6 (more than half), "funding" in 5 (exactly half), "employers" in 4.
SHARED = [f"recognition funding topic{i}" for i in range(5)] + ["recognition"]
SHARED += [f"employers area{i}" for i in range(4)]


def test_a_word_in_more_than_half_of_the_answers_is_dropped():
    words = content_words(SHARED)
    assert words[0] == ["funding", "topic0"]  # "recognition" is in 6 of 10: dropped; "funding" in 5: kept
    assert words[5] == ["recognition"]  # an answer left with no word keeps its own
    assert words[6] == ["employers", "area0"]
    # below ten answers the share rule does not apply: "recognition" (6 of 9) stays
    assert content_words(SHARED[:9])[0] == ["recognition", "funding", "topic0"]


def test_answers_sharing_only_a_corpus_wide_word_are_not_alike():
    vectors = embed_texts(SHARED, "tfidf")
    similarity = vectors @ vectors.T
    assert similarity[0, 5] == 0.0  # "recognition funding topic0" and "recognition": only the corpus-wide word
    assert similarity[0, 1] > 0.0  # both say "funding"


@pytest.mark.parametrize("backend", ["tfidf", "wordllama"])
def test_rows_have_unit_length_and_same_theme_is_closer(backend):
    vectors = embed_texts(TEXTS, backend)
    assert vectors.shape[0] == 4
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2]
    if backend == "wordllama":  # the dense backend also links "cost" and "expensive", which share no word
        assert similarity[2, 3] > similarity[2, 0]


def test_wordllama_loads_from_the_package_folder_without_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tokenizer, weights = wordllama_files()
    assert tokenizer.name == "l2_supercat_tokenizer_config.json" and weights.suffix == ".safetensors"
    assert embed_texts(["Recognition"], "wordllama").shape == (1, 256)


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(DataError, match="unknown embedding backend 'bert'; expected one of tfidf, wordllama"):
        get_backend("bert")


@pytest.mark.skipif(not transformer_available(), reason="optional extra 'transformer' not installed")
def test_transformer_backend():
    vectors = embed_texts(TEXTS, "transformer")
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert (vectors @ vectors.T)[0, 1] > (vectors @ vectors.T)[0, 2]


@pytest.mark.skipif(transformer_available(), reason="the extra is installed")
def test_transformer_backend_missing_says_how_to_install():
    with pytest.raises(DataError, match=r"zqf-analysis\[transformer\]"):
        get_backend("transformer")

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


def test_domain_and_corpus_wide_words_are_dropped():
    assert content_words(["Micro-credentials: funding challenges"]) == [["funding"]]
    texts = [f"micro credentials topic{i}" for i in range(10)] + ["shared word"] * 0
    assert all("micro" not in ws for ws in content_words(texts))


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

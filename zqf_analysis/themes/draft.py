"""A codebook drafted from discovered themes: one code per cluster with a readable name, its top terms
as indicators, three representative quotes as examples, its size, and an empty definition for the
analyst to write.

The draft also keeps the clusters' centres (under ``draft:``) and a checksum of its codes. While the
codes are as drafted, coding with it assigns each point of an answer to the nearest centre, so the
unchanged draft codes the same answers into the same themes as the clusters did; once the analyst
edits a code (writes a definition, changes an indicator), the checksum no longer matches and the
codebook codes by its indicators like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from zqf_analysis.data.text import is_substantive
from zqf_analysis.errors import DataError
from zqf_analysis.themes.codebook import UNCODED, Coding, codes_checksum

EXAMPLES = 3
INDICATORS = 5
_DECIMALS = 6


@dataclass
class Discovered:
    """Discovered themes of a set of answers: segments (response_id, segment_number, segment,
    cluster 0..k-1), their vectors, the k-means centres and each cluster's top terms."""

    segments: pd.DataFrame
    vectors: np.ndarray
    centres: np.ndarray
    terms: dict[int, list[str]]
    k: int
    backend: str


def discover_themes(answers: pd.DataFrame, k="auto", backend: str | None = None, seed: int = 0) -> Discovered:
    """Cluster the segments of ``answers`` (``response_id, text``) with k-means: k given, or chosen by
    silhouette ("auto"); the centres are the mean of each cluster's vectors."""
    from zqf_analysis.themes.cluster import choose_k, cluster_vectors, renumber, top_terms
    from zqf_analysis.themes.embed import DEFAULT_BACKEND, embed_texts

    backend = backend or DEFAULT_BACKEND
    segments = segment_table(answers["response_id"].astype(str).tolist(), answers["text"].astype(str).tolist())
    if segments.empty:
        raise DataError("no substantive answer to cluster", column="text")
    vectors = embed_texts(segments["segment"].tolist(), backend)
    if k == "auto":
        k, _ = choose_k(vectors, seed)
    elif k > len(segments):
        raise DataError(f"k={k} is more than the {len(segments)} segments to cluster")
    clusters = cluster_vectors(vectors, k, seed)
    centres = np.vstack([vectors[clusters == c].mean(axis=0) for c in range(int(clusters.max()) + 1)])
    # k-means ran on the leading principal components; each segment then goes to its nearest centre in
    # the full space, the rule by which the unchanged draft codes answers (so they agree exactly).
    nearest = ((vectors[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    kept = [c for c in range(len(centres)) if (nearest == c).any()]
    labels = renumber(np.searchsorted(kept, nearest))
    centres = centres[[int(nearest[np.flatnonzero(labels == c)[0]]) for c in range(len(kept))]]
    k = len(kept)
    terms = top_terms(segments["segment"].tolist(), labels)
    return Discovered(segments.assign(cluster=labels), vectors, centres, terms, k, backend)


def segment_table(response_ids: list[str], texts: list[str]) -> pd.DataFrame:
    """One row per segment of each substantive answer (``response_id, segment_number, segment``), as
    the themes stage splits them."""
    from zqf_analysis.themes.segment import split_segments

    rows = [
        (rid, number, segment)
        for rid, text in zip(response_ids, texts, strict=True)
        if is_substantive(text)
        for number, segment in enumerate(split_segments(text) or [str(text)], start=1)
    ]
    return pd.DataFrame(rows, columns=["response_id", "segment_number", "segment"])


def code_name(number: int, terms: list[str]) -> str:
    """A codebook code for cluster ``number`` (from 1) named after its top two terms.

    >>> code_name(2, ["fees", "high", "cost"]), code_name(3, [])
    ('c2_fees_high', 'c3')
    """
    words = [re.sub(r"[^a-z0-9]+", "_", t.lower()).strip("_") for t in terms[:2]]
    return "_".join([f"c{number}", *[w for w in words if w]])


def draft_document(discovered: Discovered, question: str | None = None) -> dict:
    """The drafted codebook as a YAML-ready mapping (see the module docstring)."""
    segments = discovered.segments
    codes = []
    sizes = []
    for c in range(discovered.k):
        own = segments[segments["cluster"] == c]
        terms = discovered.terms.get(c, [])
        similarity = discovered.vectors[own.index] @ discovered.centres[c]
        closest = own.assign(similarity=similarity).sort_values(["similarity", "response_id"], ascending=[False, True])
        examples = list(dict.fromkeys(closest["segment"]))[:EXAMPLES]
        indicators = terms[:INDICATORS] or [w for w in re.findall(r"[a-z]{3,}", " ".join(examples).lower())][:1]
        codes.append(
            {
                "code": code_name(c + 1, terms),
                "label": f"C{c + 1}: " + (", ".join(terms[:3]) or "(no terms)"),
                "definition": "",
                "indicators": indicators or [f"c{c + 1}"],
                "examples": examples,
            }
        )
        sizes.append((own["response_id"].nunique(), len(own)))
    document: dict = {}
    if question:
        document["question"] = question
    document["title"] = f"Draft codebook from {discovered.k} discovered themes"
    document["source"] = f"python -m zqf_analysis draft-codebook (backend {discovered.backend}, k={discovered.k})"
    document["codes"] = codes
    document["draft"] = {
        "backend": discovered.backend,
        "checksum": codes_checksum(codes),
        "sizes": {
            code["code"]: {"answers": int(a), "segments": int(s)} for code, (a, s) in zip(codes, sizes, strict=True)
        },
        "centres": {
            code["code"]: [round(float(v), _DECIMALS) for v in centre]
            for code, centre in zip(codes, discovered.centres, strict=True)
        },
    }
    return document


def draft_yaml(document: dict) -> str:
    """The drafted codebook as YAML text, with a comment above each code giving its size."""
    import yaml

    header = (
        "# Codebook drafted from discovered themes. Write each code's definition, rename codes and labels,\n"
        "# merge or split them and edit the indicators. While the codes are unchanged, coding with this file\n"
        "# puts every answer in the theme its cluster gave it (draft: centres); once edited, it codes by\n"
        "# indicators like any codebook.\n"
    )
    body = yaml.safe_dump(
        {k: v for k, v in document.items() if k not in ("codes", "draft")},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    lines = [header + body.rstrip("\n"), "codes:"]
    sizes = document["draft"]["sizes"]
    for code in document["codes"]:
        size = sizes[code["code"]]
        lines.append(f"  # {code['label']}: {size['answers']} answers, {size['segments']} segments")
        entry = yaml.safe_dump([code], sort_keys=False, allow_unicode=True, width=100)
        lines.append("\n".join("  " + line for line in entry.rstrip("\n").splitlines()))
    draft = yaml.safe_dump({"draft": document["draft"]}, sort_keys=False, width=100, default_flow_style=None)
    lines.append(draft.rstrip("\n"))
    return "\n".join(lines) + "\n"


def write_draft(path: str | Path, document: dict) -> Path:
    """Write the drafted codebook atomically."""
    from zqf_analysis.io import write_bytes_atomic

    return write_bytes_atomic(path, draft_yaml(document).encode("utf-8"))


def code_by_draft(texts: list[str], codebook):
    """Codings (as :func:`zqf_analysis.themes.codebook.code_answer` returns them) of ``texts`` by an
    unchanged draft: every segment goes to the nearest centre (the answers are embedded together,
    as the clustering embedded them), the primary code is the first segment's."""
    from zqf_analysis.themes.embed import embed_texts

    segments = segment_table([str(i) for i in range(len(texts))], texts)
    names = codebook.names
    assigned: dict[str, list[str]] = {}
    if not segments.empty:
        vectors = embed_texts(segments["segment"].tolist(), codebook.draft.backend)
        centres = np.array(codebook.draft.centres)
        if vectors.shape[1] != centres.shape[1]:
            raise DataError(
                f"the draft's centres have {centres.shape[1]} dimensions, the {codebook.draft.backend} vectors "
                f"{vectors.shape[1]}",
                file=codebook.path,
            )
        distances = ((vectors[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        for rid, nearest in zip(segments["response_id"], distances.argmin(axis=1), strict=True):
            assigned.setdefault(rid, []).append(names[int(nearest)])
    codings = []
    for i, text in enumerate(texts):
        own = assigned.get(str(i))
        if not is_substantive(text) or not own:
            codings.append(Coding((), UNCODED, "non-substantive answer", False, ()))
            continue
        codes = tuple(dict.fromkeys(own))
        codings.append(
            Coding(
                codes,
                codes[0],
                "nearest drafted theme centre (the draft is unchanged)",
                False,
                tuple((c,) for c in own),
            )
        )
    return codings

"""Themes of one open question: answers split into segments, clustered into discovered themes (with
top terms, stability across seeds and a chance baseline), coded against a codebook, and compared.

``run_themes`` does the whole stage for a notebook or the build; the small functions it calls are
what the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from zqf_analysis import paths
from zqf_analysis.data.text import is_substantive
from zqf_analysis.errors import DataError
from zqf_analysis.io import save_figure, write_csv_atomic
from zqf_analysis.themes.agreement import agreement, read_human_coding
from zqf_analysis.themes.charts import theme_chart
from zqf_analysis.themes.cluster import (
    chance_ari,
    choose_k,
    cluster_vectors,
    code_prototypes,
    guided_clusters,
    map_2d,
    stability,
    top_terms,
)
from zqf_analysis.themes.codebook import UNCODED, Codebook, code_answer, find_codebook, load_codebook
from zqf_analysis.themes.eligible import check_min_answers
from zqf_analysis.themes.embed import DEFAULT_BACKEND, embed_texts
from zqf_analysis.themes.params import check_backend, check_k, check_seed
from zqf_analysis.themes.quotes import centre_scores, theme_sheets
from zqf_analysis.themes.segment import split_segments
from zqf_analysis.themes.structure import Structure, assess

NON_SUBSTANTIVE_LABEL = "non-substantive"


@dataclass(frozen=True)
class ThemeParams:
    """The notebook's parameters, checked once; ``codebook`` "" means the dataset's codebook for the
    question if it has one, "none" means no codebook. ``guided``: with a codebook and ``k`` "auto" (or
    equal to the number of codes), k-means starts from the codes' definitions (seeded k-means)."""

    dataset: str = "data/raw/zaqa-2024"
    question: str = "Q8"
    backend: str = DEFAULT_BACKEND
    k: int | str = "auto"
    seed: int = 0
    codebook: str = ""
    human_coding: str = ""
    coded_sample: str = ""
    output_root: str = ""
    guided: bool = True
    min_answers: int = 20

    def __post_init__(self) -> None:
        check_backend(self.backend)
        check_k(self.k)
        check_seed(self.seed)
        check_min_answers(self.min_answers)
        if not isinstance(self.question, str) or not self.question:
            raise DataError(f"parameter question={self.question!r}: expected a question id such as 'Q8'")

    @property
    def dataset_path(self) -> Path:
        path = paths.resolve(self.dataset)
        if not (path / "questionnaire.yaml").is_file():
            raise DataError("parameter dataset: not a dataset folder (no questionnaire.yaml)", file=path)
        return path

    def codebook_path(self) -> Path | None:
        """The codebook file to use, or None; a named file that does not exist is an error."""
        if self.codebook in ("none", "None"):
            return None
        if self.codebook == "":
            return find_codebook(self.dataset_path, self.question)
        return _existing_file(self.codebook, self.dataset_path, "codebook")

    def human_coding_path(self) -> Path | None:
        if self.human_coding in ("", "none", "None"):
            return None
        return _existing_file(self.human_coding, self.dataset_path, "human_coding")

    def coded_sample_path(self) -> Path | None:
        """An analyst's coded sample (``response_id, codes`` CSV or a filled coding sheet) to learn from."""
        if self.coded_sample in ("", "none", "None"):
            return None
        return _existing_file(self.coded_sample, self.dataset_path, "coded_sample")


def _existing_file(value: str, dataset: Path, name: str) -> Path:
    for candidate in (paths.resolve(value), dataset / value):
        if candidate.is_file():
            return candidate
    raise DataError(
        f"parameter {name}: file not found (looked from the project root and the dataset folder)", file=value
    )


def load_answers(dataset: str | Path, question: str) -> pd.DataFrame:
    """The question's answers from the cleaning stage: ``question_id, response_id, text, clean_text,
    substantive, duplicate_of`` (a DataError if the question is not an open question)."""
    from zqf_analysis.data.clean import clean_open_responses, submitters
    from zqf_analysis.data.load import load_dataset

    data = load_dataset(dataset)
    open_ids = [q.id for q in data.questionnaire.free_text]  # open questions and write-ins (Q3_other)
    if question not in open_ids:
        raise DataError(
            f"not an open question; the open questions are {', '.join(open_ids)}",
            file=Path(dataset) / "questionnaire.yaml",
            question=question,
        )
    # only this question's answers are cleaned: cleaning every open question of a large survey in each
    # themes run cost more than the themes (15 s of 75 s for 15 questions of 10,000 answers)
    own = data.open_responses[data.open_responses["question_id"] == question]
    answers = clean_open_responses(own, (question,), submitters(data)).reset_index(drop=True)
    if answers.empty:
        raise DataError(
            "the question has no answers", file=Path(dataset) / "open_responses.csv", question=question
        )
    return answers


def segment_table(answers: pd.DataFrame, text_column: str = "clean_text") -> pd.DataFrame:
    """One row per segment of each substantive answer: response_id, segment_number, segment."""
    rows = []
    substantive = (
        answers["substantive"] if "substantive" in answers else answers[text_column].map(is_substantive)
    )
    for response_id, text, keep in zip(
        answers["response_id"], answers[text_column], substantive, strict=True
    ):
        if keep:
            for number, segment in enumerate(split_segments(text) or [str(text)], start=1):
                rows.append((str(response_id), number, segment))
    return pd.DataFrame(rows, columns=["response_id", "segment_number", "segment"])


@dataclass
class ThemeResult:
    params: ThemeParams
    answers: pd.DataFrame
    segments: pd.DataFrame
    responses: pd.DataFrame
    clusters: pd.DataFrame
    codes: pd.DataFrame | None
    k: int
    k_table: pd.DataFrame
    stability: float
    coords: np.ndarray
    codebook: Codebook | None
    crosstab: pd.DataFrame | None
    guided: bool = False
    human: dict | None = None
    learned: object | None = None  # learn.CodingRun: the coding with its review flags and messages
    quality: dict | None = None  # learn.estimate_quality on the coded sample
    structure: Structure | None = None  # whether the discovered themes are distinct groups
    written: list[Path] = field(default_factory=list)

    @property
    def review_queue(self) -> pd.DataFrame:
        """The answers to read first (least sure first; see :func:`learn.review_queue`)."""
        from zqf_analysis.themes.learn import review_queue

        if self.learned is None:
            return pd.DataFrame(columns=["response_id", "text", "theme", "themes", "evidence", "confidence", "review"])
        queue = review_queue(self.learned.coded)
        return queue[["response_id", "text", "theme", "themes", "evidence", "confidence", "review"]]

    @property
    def non_substantive(self) -> pd.DataFrame:
        """The answers left out (``response_id, clean_text``): cleaned and redacted, as a page may show."""
        return self.answers.loc[~self.answers["substantive"], ["response_id", "clean_text"]]

    @property
    def review(self) -> pd.DataFrame:
        """Answers no code fitted (uncoded, or given the fallback code): for a person to read, in their
        cleaned and redacted ``clean_text``."""
        if self.codebook is None:
            return self.responses.iloc[0:0][["response_id", "clean_text", "primary_code", "evidence"]]
        return self.responses.loc[
            self.responses["review"], ["response_id", "clean_text", "primary_code", "evidence"]
        ]


def run_themes(params: ThemeParams, write: bool = True) -> ThemeResult:
    """Segment, embed, cluster and code one question's answers; write the theme table, the summary and
    the chart when ``write`` (atomically, nothing half-written). Numerical libraries use one thread:
    the build runs themes runs side by side, one per core (see :mod:`zqf_analysis.themes.cluster`)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _run_themes(params, write)


def _run_themes(params: ThemeParams, write: bool) -> ThemeResult:
    dataset = params.dataset_path
    answers = load_answers(dataset, params.question)
    codebook_path = params.codebook_path()
    codebook = load_codebook(codebook_path) if codebook_path else None
    if codebook and codebook.question and codebook.question != params.question:
        raise DataError(
            f"the codebook is for question {codebook.question}, not {params.question}", file=codebook_path
        )

    segments = segment_table(answers)
    if segments.empty:
        raise DataError("no substantive answer to analyse", question=params.question)
    prototypes = code_prototypes(codebook) if codebook else []
    embedded = embed_texts(segments["segment"].tolist() + prototypes, params.backend)
    vectors, centres = embedded[: len(segments)], embedded[len(segments) :]
    guided = (
        bool(codebook)
        and params.guided
        and params.k in ("auto", len(prototypes))
        and len(segments) > len(prototypes)
    )
    if guided:
        k, k_table = len(prototypes), pd.DataFrame({"k": [len(prototypes)], "silhouette": [np.nan]})
    elif params.k == "auto":
        k, k_table = choose_k(vectors, params.seed)
    else:
        if params.k > len(segments):
            raise DataError(
                f"parameter k={params.k}: more clusters than the {len(segments)} segments",
                question=params.question,
            )
        k, k_table = params.k, pd.DataFrame({"k": [params.k], "silhouette": [np.nan]})
    labels = guided_clusters(vectors, centres) if guided else cluster_vectors(vectors, k, params.seed)
    k = int(labels.max()) + 1
    # how typical each segment is of its theme, and how nearly it fell in another (the quotes shown)
    similarity, margin = centre_scores(vectors, labels)
    terms = top_terms(segments["segment"].tolist(), labels)
    names = {c: f"C{c + 1}: " + (", ".join(terms[c][:3]) or "(no terms)") for c in terms}
    segments = segments.assign(
        cluster=labels + 1, cluster_label=[names[c] for c in labels], similarity=similarity, margin=margin
    )

    codings = (
        {
            rid: code_answer(t, codebook)
            for rid, t in zip(answers["response_id"], answers["clean_text"], strict=True)
        }
        if codebook
        else {}
    )
    learned, quality = None, None
    if codebook:
        learned, quality = _learned_coding(params, answers, codebook)
        codings = _with_learned(codings, learned)
    if codebook:
        segments["codes"] = [
            "|".join(codings[r].segment_codes[n - 1]) if n - 1 < len(codings[r].segment_codes) else ""
            for r, n in zip(segments["response_id"], segments["segment_number"], strict=True)
        ]
    else:
        segments["codes"] = ""

    responses = _response_table(answers, segments, codings)
    clusters = _cluster_summary(segments, responses, terms, names)
    codes = _code_summary(codebook, segments, responses) if codebook else None
    crosstab = None
    if codebook:
        substantive = responses[responses["substantive"]]
        crosstab = pd.crosstab(substantive["cluster_label"], substantive["primary_code"])
    human = None
    human_path = params.human_coding_path()
    if human_path:
        coding = read_human_coding(human_path, answers["response_id"].tolist())
        human = _human_agreement(coding, responses, codebook, params.seed)
        free = cluster_vectors(vectors, k, params.seed)
        first = segments.groupby("response_id", sort=False).head(1)
        free_by_id = pd.Series(free[first.index], index=first["response_id"].to_numpy())
        coded = [r for r in coding.index if r in free_by_id.index]
        human["ari_unguided"] = float(adjusted_rand_score(coding.loc[coded], free_by_id.loc[coded]))
    seed_stability = stability(vectors, k)
    result = ThemeResult(
        params=params,
        answers=answers,
        segments=segments,
        responses=responses,
        clusters=clusters,
        codes=codes,
        k=k,
        k_table=k_table,
        guided=guided,
        stability=seed_stability,
        structure=assess(
            vectors,
            labels if not guided else cluster_vectors(vectors, k, params.seed),
            k,
            seed_stability,
            params.seed,
            substantive=int(answers["substantive"].sum()),
            min_answers=params.min_answers,
        ),
        coords=map_2d(vectors, params.seed),
        codebook=codebook,
        crosstab=crosstab,
        human=human,
        learned=learned,
        quality=quality,
    )
    if write:
        result.written = write_outputs(result)
    return result


def _learned_coding(params: ThemeParams, answers: pd.DataFrame, codebook: Codebook):
    """The coding of the answers' cleaned text with the codebook, learning from the coded sample when
    the parameter names one, and the cross-validated estimate of its quality on the sample."""
    from zqf_analysis.themes.learn import MIN_SAMPLE, code_with_sample, estimate_quality, read_coded_sample

    frame = pd.DataFrame({"response_id": answers["response_id"].astype(str), "text": answers["clean_text"]})
    sample_path = params.coded_sample_path()
    sample = read_coded_sample(sample_path, frame, codebook) if sample_path else None
    learned = code_with_sample(frame, codebook, sample, seed=params.seed)
    quality = None
    if sample is not None and len(sample) >= MIN_SAMPLE:
        quality = estimate_quality(sample, codebook, seed=params.seed)
    return learned, quality


def _with_learned(codings: dict, learned) -> dict:
    """The codebook's codings with the answer-level codes, primary code and evidence of ``learned``
    (segment-level codes stay the codebook's: the learned coder codes whole answers)."""
    if learned is None or (learned.coded["source"] == "codebook").all():
        return codings
    from dataclasses import replace

    by_id = learned.coded.set_index("response_id")
    result = {}
    for rid, coding in codings.items():
        row = by_id.loc[str(rid)]
        codes = tuple(c for c in str(row["themes"]).split("|") if c)
        result[rid] = replace(
            coding, codes=codes, primary=row["theme"], evidence=row["evidence"], review=bool(row["review"])
        )
    return result


def _response_table(answers: pd.DataFrame, segments: pd.DataFrame, codings: dict) -> pd.DataFrame:
    # each answer's clusters from one pass over the segments (a filter per answer made 10,000 answers
    # take 9 s, a groupby 5 s)
    clusters: dict[str, list] = {}
    for rid, cluster, label in zip(
        segments["response_id"], segments["cluster"], segments["cluster_label"], strict=True
    ):
        clusters.setdefault(rid, []).append((cluster, label))
    rows = []
    for rid, text, shown, keep in zip(
        answers["response_id"], answers["text"], answers["clean_text"], answers["substantive"], strict=True
    ):
        own = clusters.get(str(rid), [])
        coding = codings.get(rid)
        rows.append(
            {
                "response_id": rid,
                "text": text,
                "clean_text": shown,
                "substantive": bool(keep),
                "segments": len(own),
                "clusters": "|".join(str(c) for c in dict.fromkeys(c for c, _ in own)),
                "cluster": int(own[0][0]) if own else pd.NA,
                "cluster_label": own[0][1] if own else NON_SUBSTANTIVE_LABEL,
                "codes": "|".join(coding.codes) if coding else "",
                "primary_code": coding.primary if coding else "",
                "evidence": coding.evidence if coding else "",
                "review": bool(coding.review) if coding else False,
            }
        )
    return pd.DataFrame(rows)


def _cluster_summary(segments, responses, terms, names) -> pd.DataFrame:
    rows = []
    for c in sorted(terms):
        own = segments[segments["cluster"] == c + 1]
        rows.append(
            {
                "cluster": c + 1,
                "cluster_label": names[c],
                "segments": len(own),
                "responses": own["response_id"].nunique(),
                "top_terms": ", ".join(terms[c]),
            }
        )
    return pd.DataFrame(rows)


def _code_summary(codebook: Codebook, segments, responses) -> pd.DataFrame:
    substantive = responses[responses["substantive"]]
    rows = []
    for name in [*codebook.names, UNCODED]:
        mentioned = substantive["codes"].str.split("|").map(lambda cs, n=name: n in cs)
        if name == UNCODED:
            mentioned = substantive["primary_code"].eq(UNCODED)
        rows.append(
            {
                "code": name,
                "label": codebook.label(name),
                "responses": int(mentioned.sum()),
                "primary": int(substantive["primary_code"].eq(name).sum()),
                "segments": int(segments["codes"].str.split("|").map(lambda cs, n=name: n in cs).sum()),
            }
        )
    return pd.DataFrame(rows)


def _human_agreement(coding: pd.Series, responses: pd.DataFrame, codebook, seed: int) -> dict:
    by_id = responses.set_index("response_id")
    result: dict = {"answers": len(coding)}
    if codebook:
        result.update(agreement(coding, by_id["primary_code"]))
    coded = [r for r in coding.index if by_id.at[r, "substantive"]]
    clusters = by_id.loc[coded, "cluster"].astype(int).to_numpy()
    human = coding.loc[coded].to_numpy()
    result["ari"] = float(adjusted_rand_score(human, clusters))
    result["chance_ari_mean"], result["chance_ari_p95"] = chance_ari(human, clusters, seed)
    return result


def theme_table(result: ThemeResult) -> pd.DataFrame:
    """``question_id, response_id, segment, cluster, cluster_label, codes, primary_code``: one row per
    segment, and one row per non-substantive answer (no cluster, label "non-substantive")."""
    question = result.params.question
    primary = result.responses.set_index("response_id")["primary_code"]
    rows = []
    segments = result.segments
    by_response: dict[str, list] = {}
    for seg in zip(segments["response_id"], segments["segment"], segments["cluster"], segments["cluster_label"],
                   segments["codes"], strict=True):
        by_response.setdefault(seg[0], []).append(seg)
    for rid, text, keep in zip(
        result.answers["response_id"],
        result.answers["clean_text"],
        result.answers["substantive"],
        strict=True,
    ):
        if not keep:
            rows.append((question, rid, text, "", NON_SUBSTANTIVE_LABEL, "", primary[rid]))
            continue
        for _, segment, cluster, label, codes in by_response.get(str(rid), []):
            rows.append((question, rid, segment, str(cluster), label, codes, primary[rid]))
    return pd.DataFrame(
        rows,
        columns=[
            "question_id",
            "response_id",
            "segment",
            "cluster",
            "cluster_label",
            "codes",
            "primary_code",
        ],
    )


def summary_table(result: ThemeResult) -> pd.DataFrame:
    """One row per discovered cluster and per code: kind, theme, label, responses, segments, primary
    (answers whose first point it is) and top_terms."""
    first = result.responses[result.responses["substantive"]]["cluster"].astype(int).value_counts()
    frames = [
        pd.DataFrame(
            {
                "kind": "cluster",
                "theme": result.clusters["cluster"].astype(str),
                "label": result.clusters["cluster_label"],
                "responses": result.clusters["responses"],
                "segments": result.clusters["segments"],
                "primary": [int(first.get(c, 0)) for c in result.clusters["cluster"]],
                "top_terms": result.clusters["top_terms"],
            }
        )
    ]
    if result.codes is not None:
        frames.append(
            pd.DataFrame(
                {
                    "kind": "code",
                    "theme": result.codes["code"],
                    "label": result.codes["label"],
                    "responses": result.codes["responses"],
                    "segments": result.codes["segments"],
                    "primary": result.codes["primary"],
                    "top_terms": "",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def write_outputs(result: ThemeResult) -> list[Path]:
    """Write themes_<Q>.csv and themes_<Q>_summary.csv to the processed folder, the chart (PNG and SVG)
    to the reports' figures folder and the question's sheets to tables.xlsx (every quote, every answer's
    coding and, with the learned coder, its review queue); every table is rendered before any is written."""
    from zqf_analysis.report import excel

    question = result.params.question
    dataset = result.params.dataset_path
    root = result.params.output_root or None
    processed = paths.processed_dir(dataset, root)
    figures = paths.reports_dir(dataset, root) / "figures"
    table, summary = theme_table(result), summary_table(result)
    figure = theme_chart(result)
    written = [
        write_csv_atomic(processed / f"themes_{question}.csv", table),
        write_csv_atomic(processed / f"themes_{question}_summary.csv", summary),
        write_csv_atomic(processed / f"themes_{question}_structure.csv", structure_table(result)),
        *save_figure(figure, figures, f"themes_{question}"),
    ]
    # every quote and every answer's coding: the reviewer page shows a sample of them
    sheets = theme_sheets(result)
    if result.learned is not None:
        queue = result.review_queue
        written.append(write_csv_atomic(processed / f"themes_{question}_review.csv", queue))
        sheets += review_sheets(result)
    written.append(
        excel.write_workbook_part(paths.reports_dir(dataset, root) / "tables.xlsx", f"03_themes-{question}", sheets)
    )
    return written


def structure_table(result: ThemeResult) -> pd.DataFrame:
    """One row: the structure verdict (``found``, ``unstable``, the silhouettes, ``stability``, ``k``,
    ``segments``, ``reasons``, ``sentence``), which the index reads to say whether the themes are findings."""
    verdict = result.structure
    if verdict is None:
        return pd.DataFrame(columns=["found"])
    return pd.DataFrame(
        [
            {
                "found": verdict.found,
                "unstable": verdict.unstable,
                "silhouette": round(verdict.silhouette, 4),
                "baseline_mean": round(verdict.baseline_mean, 4),
                "baseline_max": round(verdict.baseline_max, 4),
                "stability": round(verdict.stability, 4),
                "k": verdict.k,
                "segments": verdict.points,
                "reasons": "; ".join(verdict.reasons),
                "sentence": verdict.sentence,
            }
        ]
    )


def review_sheets(result: ThemeResult) -> list:
    """The sheets 03_themes adds to ``tables.xlsx``: the review queue of the question (least sure
    first) and, with a coded sample, the coder's cross-validated quality per code."""
    from zqf_analysis.report.excel import Sheet

    question = result.params.question
    source = "learned from the coded sample" if result.quality else "the codebook alone"
    sheets = [
        Sheet(
            f"{question} review",
            f"{question}: answers to review first (coding: {source})",
            result.review_queue,
            notes=(
                "Least sure first: confidence is the estimated chance that the least sure code decision is "
                "right (from the coded sample's cross-validation; empty without a sample). 'review' says why "
                "an answer is listed: no code, coded by similarity or fallback only, or its codes leave out the "
                "code its words are most similar to.",
            ),
        )
    ]
    if result.quality:
        per_code = result.quality["learned"].per_code
        sheets.append(
            Sheet(
                f"{question} coder quality",
                f"{question}: the learned coder on the coded sample ({result.quality['folds']}-fold "
                "cross-validation)",
                per_code,
                notes=(quality_sentence(result.quality),),
            )
        )
    return sheets


def quality_sentence(quality: dict) -> str:
    """ "Expect kappa ≈ ... on the rest": the cross-validated estimate in one sentence."""
    learned, alone = quality["learned"].overall, quality["codebook"].overall
    return (
        f"Expect a mean per-code kappa of about {learned['mean_kappa']:.2f} (95% interval "
        f"{learned['mean_kappa_low']:.2f}-{learned['mean_kappa_high']:.2f}) and a micro-F1 of about "
        f"{learned['micro_f1']:.2f} ({learned['micro_f1_low']:.2f}-{learned['micro_f1_high']:.2f}) on the "
        f"answers nobody coded: {quality['folds']}-fold cross-validation on the {quality['answers']} coded "
        f"answers. The codebook alone scores {alone['mean_kappa']:.2f} and {alone['micro_f1']:.2f} on them."
    )


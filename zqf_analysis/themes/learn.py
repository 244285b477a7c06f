"""Learning from an analyst's coded sample: the codebook's indicators weighted by how often they were
right in the sample, new indicator terms found in it, and a classifier on word vectors; for each code
the sample itself chooses (by cross-validation) which of these codes the rest best.

Candidates for each code, simplest first:

``codebook``
    the codebook's own decision (indicators, context words, similarity fallback), unchanged.
``weighted``
    each indicator of the code is weighted by its precision in the sample, shrunk towards
    :data:`PRIOR_PRECISION` with the weight of :data:`PRIOR_ANSWERS` answers, so an indicator seen
    twice and wrong twice is not yet dropped; the code applies when its best matched indicator is
    more likely right than wrong. An indicator that fired in 7 sample answers of which the analyst
    gave the code to none (a "lab" that meant a lab course, not a laboratory) is switched off.
``learned``
    ``weighted`` plus terms (words and two-word phrases) of the sample whose precision for the code
    is above one half with :data:`TERM_CONFIDENCE` confidence (Beta posterior, uniform prior) in at
    least :data:`TERM_MIN_ANSWERS` sample answers.
``classifier``
    logistic regression (balanced classes) on the ``learned`` scores of every code and the answer's
    wordllama vector, with the code's probability threshold chosen by inner cross-validation; needs
    :data:`CLASSIFIER_MIN_POSITIVES` answers with and without the code.

On the development data (517 real answers of a faculty survey, a codebook written from its code
labels; 8 draws of 100 coded answers from one half of it, scored on the rest of that half), the mean
per-code Cohen's kappa was 0.45 for the codebook alone, 0.53 for ``weighted``, 0.55 for ``learned``,
0.54 for ``classifier`` and 0.56 when each code takes the candidate that its inner cross-validation
scores best; logistic regression on TF-IDF, on wordllama vectors, or on either plus the codebook's
decisions scored 0.32-0.44 (see docs/coding.md and bench/results/themes_real.json).
Also tried on half A and left out (mean kappa, 5 draws, with this learner at 0.495 beside
them): one calibrated logistic regression per code stacking the codebook's decisions, the learned
scores, similarities to the codes' descriptions and character n-gram and word-vector classifiers
0.45-0.47; character n-gram TF-IDF alone 0.37; label spreading over the word vectors of all the
answers (transductive) 0.36, or added to the codebook's codes 0.38. A threshold per code for the
``weighted`` and ``learned`` scores (0.3-0.7, chosen by the sample's cross-validated kappa) gained
0.003-0.013 on half A but nothing on held-out half B (0.4253 -> 0.4277 and 0.4959 -> 0.4951 with the
two codebooks, 10 draws of 100), so the more-likely-right-than-wrong rule (0.5) stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import beta
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import KFold, StratifiedKFold

from zqf_analysis.data.text import is_substantive
from zqf_analysis.errors import DataError
from zqf_analysis.themes.codebook import UNCODED, Codebook, answer_hits, code_answer, code_from_hits, normal_words
from zqf_analysis.themes.embed import STOP_WORDS
from zqf_analysis.themes.samples import CodedSample, read_coded_sample, read_coding_table, split_codes  # noqa: F401

#: Fewer coded answers than this are too few to learn from: the codebook codes alone, with a message.
MIN_SAMPLE = 20
#: The precision an indicator is assumed to have before the sample says otherwise, and how many
#: answers that assumption weighs.
PRIOR_PRECISION = 0.8
PRIOR_ANSWERS = 2.0
TERM_MIN_ANSWERS = 3
TERM_CONFIDENCE = 0.9
CLASSIFIER_MIN_POSITIVES = 4
FOLDS = 5
CANDIDATES = ("codebook", "weighted", "learned", "classifier")
HAND_CODED = "coded by hand (sample)"
_THRESHOLDS = np.round(np.linspace(0.2, 0.8, 13), 2)


# ------------------------------------------------------------------------------------ features


def answer_terms(text: str) -> set[str]:
    """Words (not stop words, 3+ letters) and two-word phrases of ``text``, in the coder's spelling.

    >>> sorted(answer_terms("No time for labs"))
    ['for labs', 'labs', 'no time', 'time', 'time for']
    """
    words = normal_words(text)
    single = {w for w in words if len(w) > 2 and w not in STOP_WORDS}
    return single | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}


@dataclass
class Features:
    """What the learner reads of each answer: the codebook's coding, indicator matches, terms and a
    word vector (batch-independent, so an answer's features do not depend on the other answers)."""

    codebook_codes: np.ndarray  # answers x codes, 0/1: the codebook's decision
    indicators: sparse.csr_matrix  # answers x indicator keys, 0/1
    indicator_code: np.ndarray  # code index of each indicator key
    indicator_keys: list[str]
    terms: list[set[str]]
    vectors: np.ndarray
    first_position: np.ndarray  # answers x codes: order of first mention (large when not mentioned)


#: An indicator's matches in its own words and in another form of them (an inflection, two words
#: written as one; see :func:`zqf_analysis.themes.codebook.word_stem`) are weighed apart, so a sample
#: can keep "interest" and drop "interested". On half B of the development data (100 coded answers,
#: 10 draws, measured beside per-code thresholds since dropped) this moved mean kappa 0.495 -> 0.504
#: with the hand-written codebook (8 of 10 draws up) and 0.428 -> 0.428 with the labels-only one.
INFLECTED = " (inflected)"
_FORMS = ("", INFLECTED)


def _form(hit) -> str:
    """``""`` for a match of the indicator as written (or of a ``*`` prefix), :data:`INFLECTED` else."""
    if "*" in hit.indicator:
        return ""
    return "" if " ".join(normal_words(hit.indicator)) == hit.matched else INFLECTED


def answer_features(texts: list[str], codebook: Codebook) -> Features:
    """:class:`Features` of ``texts`` under ``codebook``."""
    from zqf_analysis.themes.codebook import _similarity_backend

    names = codebook.names
    column = {name: j for j, name in enumerate(names)}
    keys = [
        f"{c.code}:{w}{form}"
        for c in codebook.codes
        for w in (*c.indicators, *c.context)
        for form in (("",) if "*" in w else _FORMS)
    ]
    key_index = {k: i for i, k in enumerate(keys)}
    decided = np.zeros((len(texts), len(names)), dtype=np.int8)
    first = np.full((len(texts), len(names)), 10_000, dtype=np.int32)
    rows, cols = [], []
    for row, text in enumerate(texts):
        if not is_substantive(text):
            continue
        segments, hits = answer_hits(text, codebook)
        coding = code_from_hits(segments, hits, codebook)
        for order, code in enumerate(coding.codes):
            decided[row, column[code]] = 1
            first[row, column[code]] = order
        for hit in hits:
            rows.append(row)
            cols.append(key_index[f"{hit.code}:{hit.indicator}{_form(hit)}"])
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(len(texts), len(keys)))
    matrix.data[:] = 1
    vectors = _similarity_backend().embed(list(texts)) if texts else np.zeros((0, 1))
    return Features(
        codebook_codes=decided,
        indicators=matrix,
        indicator_code=np.array([column[k.split(":", 1)[0]] for k in keys], dtype=int),
        indicator_keys=keys,
        terms=[answer_terms(t) if is_substantive(t) else set() for t in texts],
        vectors=vectors,
        first_position=first,
    )


def _rows(features: Features, rows: np.ndarray) -> Features:
    return Features(
        features.codebook_codes[rows],
        features.indicators[rows],
        features.indicator_code,
        features.indicator_keys,
        [features.terms[i] for i in rows],
        features.vectors[rows],
        features.first_position[rows],
    )


# ------------------------------------------------------------------------------- the candidates


@dataclass
class Weights:
    """Indicator weights (posterior precision, one per indicator key, for its own code) and learned
    terms: term -> weight per code (0 where the term does not mark the code), with the counts
    (sample answers with the code, sample answers with the term)."""

    indicator: np.ndarray
    terms: dict[str, np.ndarray]
    term_counts: dict[str, tuple[np.ndarray, int]] = field(default_factory=dict)


def fit_weights(features: Features, labels: np.ndarray, learn_terms: bool = True) -> Weights:
    """Indicator precisions in the sample (shrunk to the prior) and, with ``learn_terms``, the terms
    that mark a code in the sample (see the module docstring)."""
    fired = np.asarray(features.indicators.sum(axis=0)).ravel()
    right_by_code = np.asarray(features.indicators.T @ labels)
    right = right_by_code[np.arange(len(features.indicator_keys)), features.indicator_code]
    indicator = (right + PRIOR_ANSWERS * PRIOR_PRECISION) / (fired + PRIOR_ANSWERS)
    weights = Weights(indicator, {})
    if not learn_terms:
        return weights
    seen: dict[str, list[int]] = {}
    for row, own in enumerate(features.terms):
        for term in own:
            seen.setdefault(term, []).append(row)
    frequent = [t for t, rows in seen.items() if len(rows) >= TERM_MIN_ANSWERS]
    if not frequent:
        return weights
    answers = np.array([len(seen[t]) for t in frequent])[:, None]
    positives = np.array([labels[seen[t]].sum(axis=0) for t in frequent])
    lower = beta.ppf(1 - TERM_CONFIDENCE, positives + 1, answers - positives + 1)
    mean = (positives + 1) / (answers + 2)
    for i in np.flatnonzero((lower >= 0.5).any(axis=1)):
        weights.terms[frequent[i]] = np.where(lower[i] >= 0.5, mean[i], 0.0)
        weights.term_counts[frequent[i]] = (positives[i].astype(int), int(answers[i, 0]))
    return weights


def weighted_scores(features: Features, weights: Weights) -> np.ndarray:
    """Answers x codes: the weight of the best indicator or learned term of each code the answer has
    (0 when it has none)."""
    n_codes = features.codebook_codes.shape[1]
    scores = np.zeros((len(features.terms), n_codes))
    matrix = features.indicators.tocoo()
    np.maximum.at(scores, (matrix.row, features.indicator_code[matrix.col]), weights.indicator[matrix.col])
    if weights.terms:
        for row, own in enumerate(features.terms):
            for term in own:
                found = weights.terms.get(term)
                if found is not None:
                    np.maximum(scores[row], found, out=scores[row])
    return scores


@dataclass
class CodeModel:
    """The candidate chosen for one code, its inner cross-validated kappa and how sure its decisions
    are (precision of a "yes", negative predictive value of a "no", from the same cross-validation)."""

    code: str
    candidate: str
    kappa: float
    positives: int
    precision: float = float("nan")
    npv: float = float("nan")
    classifier: LogisticRegression | None = None
    threshold: float = 0.5
    scores: dict = field(default_factory=dict)


def _classifier_inputs(scores: np.ndarray, features: Features) -> np.ndarray:
    return np.hstack([scores, features.vectors])


def _fit_classifier(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[LogisticRegression, float]:
    """Logistic regression with its probability threshold chosen by inner cross-validation (kappa)."""
    folds = StratifiedKFold(min(FOLDS, int(y.sum()), int(len(y) - y.sum())), shuffle=True, random_state=seed)
    out_of_fold = np.zeros(len(y))
    for train, test in folds.split(x, y):
        model = LogisticRegression(class_weight="balanced", max_iter=2000).fit(x[train], y[train])
        out_of_fold[test] = model.predict_proba(x[test])[:, 1]
    kappas = [_kappa(y, out_of_fold >= t) for t in _THRESHOLDS]
    threshold = float(_THRESHOLDS[int(np.argmax(kappas))])
    return LogisticRegression(class_weight="balanced", max_iter=2000).fit(x, y), threshold


def _kappa(truth, decided) -> float:
    truth, decided = np.asarray(truth).astype(int), np.asarray(decided).astype(int)
    if (truth == decided).all():
        return 1.0
    if len(set(truth) | set(decided)) < 2:
        return 0.0
    return float(cohen_kappa_score(truth, decided))


def _candidate_decisions(
    train: Features, labels: np.ndarray, test: Features, seed: int, with_classifier: np.ndarray
) -> dict[str, np.ndarray]:
    """Answers x codes decisions of every candidate, fitted on ``train`` and applied to ``test``."""
    plain = fit_weights(train, labels, learn_terms=False)
    learned = fit_weights(train, labels, learn_terms=True)
    decisions = {
        "codebook": test.codebook_codes.astype(int),
        "weighted": (weighted_scores(test, plain) >= 0.5).astype(int),
        "learned": (weighted_scores(test, learned) >= 0.5).astype(int),
    }
    if with_classifier.any():
        # the classifier reads the learned scores of the training answers out of fold, as it will
        # read them on new answers (scores of answers the weights were fitted on would be too good)
        inner = np.zeros((len(train.terms), labels.shape[1]))
        for a, b in KFold(min(FOLDS, len(train.terms)), shuffle=True, random_state=seed).split(train.terms):
            inner[b] = weighted_scores(_rows(train, b), fit_weights(_rows(train, a), labels[a]))
        x_train = _classifier_inputs(inner, train)
        x_test = _classifier_inputs(weighted_scores(test, learned), test)
        decided = decisions["learned"].copy()
        for j in np.flatnonzero(with_classifier):
            model, threshold = _fit_classifier(x_train, labels[:, j], seed)
            decided[:, j] = model.predict_proba(x_test)[:, 1] >= threshold
        decisions["classifier"] = decided
    return decisions


@dataclass
class LearnedCoder:
    """A coder fitted on a coded sample: one :class:`CodeModel` per code and the fitted weights."""

    codebook: Codebook
    models: list[CodeModel]
    weights_plain: Weights
    weights_learned: Weights
    train: Features
    labels: np.ndarray
    seed: int = 0
    notes: list[str] = field(default_factory=list)


def _can_classify(labels: np.ndarray) -> np.ndarray:
    positives = labels.sum(axis=0)
    return (positives >= CLASSIFIER_MIN_POSITIVES) & (len(labels) - positives >= CLASSIFIER_MIN_POSITIVES)


def label_matrix(codes: list[tuple[str, ...]] | tuple, codebook: Codebook) -> np.ndarray:
    """Answers x codes, 0/1, of the codes given to each answer."""
    names = codebook.names
    return np.array([[name in own for name in names] for own in codes], dtype=int).reshape(len(codes), len(names))


def fit_coder(features: Features, labels: np.ndarray, codebook: Codebook, seed: int = 0) -> LearnedCoder:
    """Fit every candidate on the coded answers and choose, per code, the one whose cross-validated
    kappa on the sample is highest (the simpler one on a tie). A code the sample never uses keeps the
    codebook's decision."""
    n = len(labels)
    classify = _can_classify(labels)
    pooled = {c: np.zeros_like(labels) for c in CANDIDATES}
    for train, test in KFold(min(FOLDS, n), shuffle=True, random_state=seed).split(labels):
        inner_classify = classify & _can_classify(labels[train])
        decided = _candidate_decisions(
            _rows(features, train), labels[train], _rows(features, test), seed, inner_classify
        )
        for name, values in decided.items():
            pooled[name][test] = values
    models, notes = [], []
    for j, code in enumerate(codebook.names):
        positives = int(labels[:, j].sum())
        allowed = [c for c in CANDIDATES if c != "classifier" or classify[j]]
        scores = {c: _kappa(labels[:, j], pooled[c][:, j]) for c in allowed}
        choice = max(allowed, key=lambda c: (round(scores[c], 6), -allowed.index(c)))
        if positives == 0:
            choice = "codebook"
            notes.append(f"code {code!r} is never used in the sample: the codebook decides it alone")
        decided = pooled[choice][:, j]
        yes, no = decided == 1, decided == 0
        models.append(
            CodeModel(
                code,
                choice,
                scores[choice],
                positives,
                precision=float((labels[yes, j].sum() + 1) / (yes.sum() + 2)),
                npv=float(((1 - labels[no, j]).sum() + 1) / (no.sum() + 2)),
                scores={c: round(v, 3) for c, v in scores.items()},
            )
        )
    coder = LearnedCoder(
        codebook,
        models,
        fit_weights(features, labels, learn_terms=False),
        fit_weights(features, labels, learn_terms=True),
        features,
        labels,
        seed,
        notes,
    )
    needs = np.array([m.candidate == "classifier" for m in models])
    if needs.any():
        inner = np.zeros(labels.shape, dtype=float)
        for a, b in KFold(min(FOLDS, n), shuffle=True, random_state=seed).split(labels):
            inner[b] = weighted_scores(_rows(features, b), fit_weights(_rows(features, a), labels[a]))
        x = _classifier_inputs(inner, features)
        for j in np.flatnonzero(needs):
            models[j].classifier, models[j].threshold = _fit_classifier(x, labels[:, j], seed)
    return coder


@dataclass(frozen=True)
class LearnedCoding:
    codes: tuple[str, ...]
    primary: str
    evidence: str
    confidence: float


def apply_coder(coder: LearnedCoder, features: Features) -> list[LearnedCoding]:
    """Code new answers with a fitted coder: the codes, the primary code (first mentioned, then the
    most likely), the evidence of each decision and the confidence (the least sure decision's
    estimated chance of being right, from the sample's cross-validation)."""
    plain = weighted_scores(features, coder.weights_plain)
    learned = weighted_scores(features, coder.weights_learned)
    decisions = np.zeros((len(features.terms), len(coder.models)), dtype=int)
    probability = np.zeros(decisions.shape)
    x = None
    for j, model in enumerate(coder.models):
        if model.candidate == "codebook":
            decisions[:, j] = features.codebook_codes[:, j]
        elif model.candidate == "weighted":
            decisions[:, j] = plain[:, j] >= 0.5
        elif model.candidate == "learned":
            decisions[:, j] = learned[:, j] >= 0.5
        else:
            x = _classifier_inputs(learned, features) if x is None else x
            probability[:, j] = model.classifier.predict_proba(x)[:, 1]
            decisions[:, j] = probability[:, j] >= model.threshold
    codings = []
    for row in range(len(features.terms)):
        chosen = [j for j in range(len(coder.models)) if decisions[row, j]]
        order = sorted(chosen, key=lambda j: (features.first_position[row, j], -learned[row, j], j))
        codes = tuple(coder.models[j].code for j in order)
        sure = []
        for j, model in enumerate(coder.models):
            if decisions[row, j] and model.candidate in ("weighted", "learned"):
                score = plain[row, j] if model.candidate == "weighted" else learned[row, j]
                sure.append(min(score, 1.0))
            else:
                sure.append(model.precision if decisions[row, j] else model.npv)
        evidence = "; ".join(_evidence(coder, features, row, j, probability[row, j]) for j in order)
        codings.append(
            LearnedCoding(
                codes,
                codes[0] if codes else UNCODED,
                evidence or "no code: no indicator, learned term or classifier found one",
                round(float(min(sure)), 3) if sure else float("nan"),
            )
        )
    return codings


def _evidence(coder: LearnedCoder, features: Features, row: int, j: int, probability: float) -> str:
    model = coder.models[j]
    if model.candidate == "classifier":
        return f"{model.code}: classifier p={probability:.2f} (threshold {model.threshold:.2f})"
    if model.candidate == "codebook":
        return f"{model.code}: codebook"
    weights = coder.weights_plain if model.candidate == "weighted" else coder.weights_learned
    found = []
    for key in features.indicators[row].indices:
        if features.indicator_code[key] == j:
            found.append((weights.indicator[key], f'"{features.indicator_keys[key].split(":", 1)[1]}"'))
    for term in features.terms[row]:
        if term in weights.terms and weights.terms[term][j] > 0:
            k, n = weights.term_counts[term]
            found.append((weights.terms[term][j], f'learned "{term}" ({k[j]} of {n} sample answers)'))
    best = sorted(found, key=lambda item: -item[0])[:3]
    return f"{model.code}: " + ", ".join(f"{text} {weight:.2f}" for weight, text in best)


# ------------------------------------------------------------------------ coding the input answers

OUTPUT_COLUMNS = ["response_id", "text", "theme", "themes", "evidence", "confidence"]


@dataclass
class CodingRun:
    """The coded answers (:data:`OUTPUT_COLUMNS` plus ``review``, ``similar_code`` and ``source``),
    the fitted coder (None with the codebook alone) and what the analyst should know."""

    coded: pd.DataFrame
    coder: LearnedCoder | None
    messages: list[str]


def code_with_sample(
    answers: pd.DataFrame, codebook: Codebook, sample: CodedSample | None = None, seed: int = 0
) -> CodingRun:
    """Code ``answers`` (``response_id, text``): from the codebook alone without ``sample`` or with
    one too small to learn from (fewer than :data:`MIN_SAMPLE` answers; a message says so), else
    with a coder fitted on the sample. Sample answers keep their hand codes (confidence 1). An
    unchanged drafted codebook (:mod:`zqf_analysis.themes.draft`) puts each answer in its cluster's
    theme."""
    from zqf_analysis.themes.codebook import similar_codes

    ids = answers["response_id"].astype(str).tolist()
    texts = answers["text"].astype(str).tolist()
    messages: list[str] = []
    coder = None
    if sample is not None and len(sample) < MIN_SAMPLE:
        messages.append(
            f"the coded sample has {len(sample)} answer(s), too few to learn from (at least {MIN_SAMPLE}): "
            "coding from the codebook alone"
        )
        sample = None
    features = answer_features(texts, codebook)
    if sample is not None:
        position = {rid: i for i, rid in enumerate(ids)}
        outside = [i for i, inside in enumerate(sample.in_input) if not inside]
        extra = answer_features([sample.texts[i] for i in outside], codebook) if outside else None
        rows = [position.get(rid, -1) for rid in sample.response_ids]
        train = _stack_features(features, [r for r in rows if r >= 0], extra)
        train_codes = [c for c, r in zip(sample.codes, rows, strict=True) if r >= 0] + [
            sample.codes[i] for i in outside
        ]
        coder = fit_coder(train, label_matrix(train_codes, codebook), codebook, seed)
        messages.extend(coder.notes)
        codings = apply_coder(coder, features)
        messages.append(
            f"learned from {len(sample)} coded answers ({len(outside)} of them not in the input); per code: "
            + ", ".join(f"{m.code} {m.candidate} (kappa {m.kappa:.2f} in the sample)" for m in coder.models)
        )
        hand = dict(zip(sample.response_ids, sample.codes, strict=True))
        rows_out = []
        for rid, coding in zip(ids, codings, strict=True):
            if rid in hand:
                codes = hand[rid]
                rows_out.append((codes[0] if codes else UNCODED, "|".join(codes), HAND_CODED, 1.0, "sample"))
            else:
                rows_out.append((coding.primary, "|".join(coding.codes), coding.evidence, coding.confidence, "learned"))
    elif codebook.draft is not None:
        from zqf_analysis.themes.draft import code_by_draft

        rows_out = [
            (c.primary, "|".join(c.codes), c.evidence, float("nan"), "draft") for c in code_by_draft(texts, codebook)
        ]
    else:
        rows_out = []
        for text in texts:
            coding = code_answer(text, codebook)
            rows_out.append((coding.primary, "|".join(coding.codes), coding.evidence, float("nan"), "codebook"))
    coded = pd.DataFrame(rows_out, columns=["theme", "themes", "evidence", "confidence", "source"])
    coded.insert(0, "text", texts)
    coded.insert(0, "response_id", ids)
    similar = similar_codes(texts, codebook)
    coded["similar_code"] = [code if is_substantive(t) else "" for (code, _), t in zip(similar, texts, strict=True)]
    coded["review"] = _review_flags(coded, texts)
    return CodingRun(coded, coder, messages)


def _stack_features(features: Features, rows: list[int], extra: Features | None) -> Features:
    own = _rows(features, np.array(rows, dtype=int))
    if extra is None:
        return own
    return Features(
        np.vstack([own.codebook_codes, extra.codebook_codes]),
        sparse.vstack([own.indicators, extra.indicators]).tocsr(),
        own.indicator_code,
        own.indicator_keys,
        own.terms + extra.terms,
        np.vstack([own.vectors, extra.vectors]),
        np.vstack([own.first_position, extra.first_position]),
    )


def _review_flags(coded: pd.DataFrame, texts: list[str]) -> list[str]:
    """Why a person should read an answer: no code, coded by similarity or by the fallback only, or
    its codes leave out the code its words are most similar to; "" when nothing calls for it."""
    reasons = []
    for theme, themes, evidence, source, similar, text in zip(
        coded["theme"], coded["themes"], coded["evidence"], coded["source"], coded["similar_code"], texts, strict=True
    ):
        if source == "sample" or not is_substantive(text):
            reasons.append("")
        elif theme == UNCODED:
            reasons.append("no code")
        elif evidence.startswith("no indicator matched"):
            reasons.append("coded by similarity or fallback only")
        elif similar and similar not in themes.split("|"):
            reasons.append(f"most similar to {similar}, not among its codes")
        else:
            reasons.append("")
    return reasons


def review_queue(coded: pd.DataFrame) -> pd.DataFrame:
    """The answers to read first: those flagged for review or least sure, ordered by confidence
    (lowest first; an answer without a confidence, coded by the codebook alone, by its flag)."""
    order = {"no code": 0, "coded by similarity or fallback only": 1}
    queue = coded[(coded["review"] != "") | (coded["confidence"] < 1)].copy()
    queue = queue[queue["source"] != "sample"]
    queue["_flag"] = [order.get(r, 2 if r else 3) for r in queue["review"]]
    queue = queue.sort_values(["confidence", "_flag", "response_id"], na_position="last", kind="stable")
    if queue["confidence"].isna().all():
        queue = queue[queue["review"] != ""].sort_values(["_flag"], kind="stable")
    return queue.drop(columns="_flag").reset_index(drop=True)


# --------------------------------------------------------------------- the coder's expected quality


def estimate_quality(
    sample: CodedSample, codebook: Codebook, folds: int = FOLDS, seed: int = 0, bootstrap: int = 1000
) -> dict:
    """What to expect of the learned coder on the uncoded answers: k-fold cross-validation on the
    sample (the coder is fitted, its candidates chosen, on k-1 folds and scores the fold it did not
    see), pooled over the folds; per-code kappa, mean kappa and micro-F1 with bootstrap intervals
    (:func:`zqf_analysis.themes.agreement.multilabel_agreement`) and, beside them, the codebook
    alone on the same answers."""
    from zqf_analysis.themes.agreement import multilabel_agreement

    if len(sample) < MIN_SAMPLE:
        raise DataError(f"a quality estimate needs at least {MIN_SAMPLE} coded answers; the sample has {len(sample)}")
    features = answer_features(list(sample.texts), codebook)
    labels = label_matrix(list(sample.codes), codebook)
    predicted: dict[str, tuple[str, ...]] = {}
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(labels):
        coder = fit_coder(_rows(features, train), labels[train], codebook, seed)
        for row, coding in zip(test, apply_coder(coder, _rows(features, test)), strict=True):
            predicted[sample.response_ids[row]] = coding.codes
    human = dict(zip(sample.response_ids, sample.codes, strict=True))
    alone = {
        rid: tuple(c for c, yes in zip(codebook.names, features.codebook_codes[i], strict=True) if yes)
        for i, rid in enumerate(sample.response_ids)
    }
    learned = multilabel_agreement(human, predicted, codebook.names, seed=seed, bootstrap=bootstrap)
    baseline = multilabel_agreement(human, alone, codebook.names, seed=seed, bootstrap=bootstrap)
    return {"folds": folds, "answers": len(sample), "learned": learned, "codebook": baseline}

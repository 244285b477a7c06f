"""Codebooks drafted from discovered themes: what they list, and that the unchanged draft codes the
answers into the clusters' themes while an edited one codes by its indicators."""

import pandas as pd
import yaml

from zqf_analysis.themes.cli import cluster_answers
from zqf_analysis.themes.codebook import code_answers, load_codebook
from zqf_analysis.themes.draft import code_name, discover_themes, draft_document, write_draft
from zqf_analysis.themes.learn import code_with_sample

TEXTS = (
    ["The fees are too high", "High fees for the course", "Fees cost too much", "Tuition fees are high"]
    + ["No internet connection", "The internet is slow", "Internet access is poor", "No internet at home"]
    + ["Employers do not recognise them", "Not recognised by employers", "Employers ignore them", "N/A"]
)
ANSWERS = pd.DataFrame({"response_id": [str(i) for i in range(1, 13)], "text": TEXTS})


def _draft(tmp_path, backend="tfidf"):
    document = draft_document(discover_themes(ANSWERS, 3, backend, 0), "Q9")
    return write_draft(tmp_path / "draft.yaml", document), document


def test_the_draft_lists_each_theme_with_terms_quotes_size_and_an_empty_definition(tmp_path):
    path, document = _draft(tmp_path)
    text = path.read_text(encoding="utf-8")
    codes = yaml.safe_load(text)["codes"]
    assert len(codes) == 3 and all(c["definition"] == "" for c in codes)
    fees = next(c for c in codes if "fees" in c["indicators"])
    assert fees["code"].startswith("c") and fees["label"].startswith("C")
    assert len(fees["examples"]) == 3 and all("ees" in e for e in fees["examples"])
    assert f"# {fees['label']}: 4 answers, 4 segments" in text
    assert code_name(1, ["no internet", "slow"]) == "c1_no_internet_slow"


def test_the_unchanged_draft_codes_the_answers_into_the_clusters_themes(tmp_path):
    path, _ = _draft(tmp_path)
    codebook = load_codebook(path)
    assert codebook.draft is not None and codebook.question == "Q9"
    coded = code_with_sample(ANSWERS, codebook).coded
    clusters = cluster_answers(ANSWERS, 3, "tfidf", 0)
    number = {name: f"C{i}" for i, name in enumerate(codebook.names, start=1)}
    assert [number.get(t, "non-substantive") for t in coded["theme"].str.replace("uncoded", "x")][:11] == clusters[
        "theme"
    ].tolist()[:11]
    assert coded.at[11, "theme"] == "uncoded" and clusters.at[11, "theme"] == "non-substantive"


def test_the_unchanged_draft_reproduces_wordllama_clusters_too(tmp_path):
    path, _ = _draft(tmp_path, "wordllama")
    codebook = load_codebook(path)
    coded = code_with_sample(ANSWERS, codebook).coded
    clusters = cluster_answers(ANSWERS, 3, "wordllama", 0)
    number = {name: f"C{i}" for i, name in enumerate(codebook.names, start=1)}
    assert [number[t] for t in coded["theme"][:11]] == clusters["theme"].tolist()[:11]


def test_an_edited_draft_codes_by_its_indicators(tmp_path):
    path, _ = _draft(tmp_path)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["codes"][0]["definition"] = "Written by the analyst."
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    codebook = load_codebook(path)
    assert codebook.draft is None
    coded = code_answers(ANSWERS, codebook)
    assert "nearest drafted theme centre" not in " ".join(coded["evidence"])

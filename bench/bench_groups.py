"""Crosstab benchmark (issue 12): every closed question of the 10^6-respondent synthetic export (the
one bench_scale.py caches in bench/.data/) by a 5-level group, with exact or seeded Monte Carlo tests
and Holm adjustment. Target: at most 10 s on 2 cores for the crosstabs (loading the export is
measured apart: that is bench_scale's figure). The counts are checked against the generator's
answers, so a fast wrong answer cannot pass.

The group is the institution type of the synthetic institutions merged into five levels (company and
other together): university, training_institute, public_body, professional_body, other.

Usage: .venv/bin/python bench/bench_groups.py [--respondents 1000000] [--data bench/.data]
Writes bench/results/groups.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_SECONDS = 10.0
FIVE_LEVELS = {"company": "other", "other": "other", "university": "university",
               "training_institute": "training_institute", "public_body": "public_body",
               "professional_body": "professional_body"}


def main() -> int:
    import numpy as np
    import pandas as pd

    from bench_scale import SEED, make_export
    from zqf_analysis.data import synth
    from zqf_analysis.data.export import read_export
    from zqf_analysis.data.load import Dataset
    from zqf_analysis.data.questionnaire import load_questionnaire
    from zqf_analysis.stats.crosstab import crosstab_dataset

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / ".data")
    args = parser.parse_args()
    path, made_s, _ = make_export(args.data, args.respondents, "csv")
    questionnaire = load_questionnaire(synth.default_questionnaire_path())
    questionnaire = dataclasses.replace(
        questionnaire, groups=({"name": "type5", "question": "institution_type", "map": FIVE_LEVELS},)
    )
    institution_map = pd.read_csv(ROOT / "tests" / "fixtures" / "synthetic-export" / "institution_map.csv", dtype=str)
    started = time.perf_counter()
    responses = read_export(path, questionnaire)
    load_s = time.perf_counter() - started
    dataset = Dataset("bench", path.parent, questionnaire, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                      len(responses), "export", institution_map, None, responses)
    started = time.perf_counter()
    table = crosstab_dataset(dataset, "type5")
    crosstab_s = time.perf_counter() - started
    # check: the groups' counts add up to the generator's counts of every option
    answers = synth.generate_answers(questionnaire, args.respondents, SEED)
    for question in questionnaire.closed:
        answer = answers[question.id]
        expected = [int((answer == i).sum()) for i in range(len(question.options))] if question.type == "single" \
            else [int(c) for c in answer.sum(axis=0)]
        got = table[table["question_id"] == question.id].groupby("option", sort=False)["count"].sum()
        assert list(got.loc[list(question.options)]) == expected, question.id
    groups = table["group"].nunique()
    tests = table.drop_duplicates(["question_id", "p_value", "test"])
    report = {
        "respondents": args.respondents,
        "questions": int(table["question_id"].nunique()),
        "groups": int(groups),
        "rows": len(table),
        "tests": sorted(set(table["test"])),
        "load_export_s": round(load_s, 2),
        "crosstab_s": round(crosstab_s, 2),
        "target_s": TARGET_SECONDS,
        "met": crosstab_s <= TARGET_SECONDS,
        "distinct_tests": len(tests),
        "min_p_adjusted": float(np.nanmin(table["p_adjusted"])),
    }
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "groups.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))
    return 0 if report["met"] else 1


if __name__ == "__main__":
    sys.exit(main())

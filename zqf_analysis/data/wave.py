"""A second synthetic survey wave whose differences from the first are known by construction, for
testing comparisons (``04_groups`` with ``compare``).

The new wave is a synthetic export made by :func:`zqf_analysis.data.synth.synthetic_export` (its own
seed: metadata, institutions, free text), whose closed answers are then replaced by whole answer rows
drawn at random, with replacement, from the first wave's export: so, apart from the built-in changes
below, every closed option has the same expected share in both waves (the first wave's). Then:

- **Q11**: of the respondents whose answer is neither "I agree" nor blank, 80% (seeded) switch to it;
  the option is relabelled "Agree" in the new questionnaire (a declared option mapping);
- **Q3**: nobody chooses "Expansion will grow especially in TVET" (a respondent left with no choice
  becomes a blank);
- **Q7**: everybody who answered chooses "Self-paced learning".

Questions and options renamed or added in the new questionnaire (such as Q12 as Q12b, or a new Q9
option) are matched by its ``comparison:`` mapping, or listed as unmatched.

Usage: ``python -m zqf_analysis.data.wave --first DIR --questionnaire YAML --respondents N --seed S --out CSV``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from zqf_analysis.data.questionnaire import Question, Questionnaire, load_questionnaire
from zqf_analysis.data.synth import _header, synthetic_export, write_export

#: Q11: the share of non-"I agree" answers that switch to "I agree" in the new wave.
Q11_SWITCH = 0.8
Q3_DROPPED = "Expansion will grow especially in TVET"
Q7_EVERYONE = "Self-paced learning"


def _cells(cell: str, separator: str = ";") -> list[str]:
    return [piece for piece in cell.split(separator) if piece]


def _join(chosen: list[str], question: Question, separator: str = ";") -> str:
    ordered = [o for o in question.options if o in chosen]
    return separator.join(ordered) + separator if ordered else ""


def next_wave(
    first: pd.DataFrame,
    first_questionnaire: Questionnaire,
    questionnaire: Questionnaire,
    respondents: int,
    seed: int,
) -> pd.DataFrame:
    """The new wave's export (Microsoft Forms layout, ``;`` separator) as a frame of strings."""
    mapping = {str(k): str(v) for k, v in (questionnaire.comparison.get("questions") or {}).items()}
    options = {
        q: {str(a): str(b) for a, b in m.items()} for q, m in (questionnaire.comparison.get("options") or {}).items()
    }
    frame = synthetic_export(questionnaire, respondents, seed)
    rng = np.random.default_rng([seed, 3])
    rows = rng.integers(len(first), size=respondents)
    for question in questionnaire.closed:
        source_id = mapping.get(question.id, question.id)
        if source_id not in first_questionnaire:
            continue  # a question new in this wave keeps the generator's answers
        source = first[_header(first_questionnaire[source_id])].to_numpy()[rows]
        back = {b: a for a, b in options.get(question.id, {}).items()}  # first wave's label -> this wave's
        if question.type == "single":
            cells = [back.get(c, c if (not c or c in question.options) else "") for c in source]
        else:
            cells = [_join([back.get(o, o) for o in _cells(c)], question) for c in source]
        frame[_header(question)] = _changed(question, cells, rng)
    return frame


def _changed(question: Question, cells: list[str], rng: np.random.Generator) -> list[str]:
    """The built-in differences of the new wave (see the module docstring)."""
    if question.id == "Q11":
        agree = question.options[0]
        switch = rng.random(len(cells)) < Q11_SWITCH
        return [agree if (c and c != agree and s) else c for c, s in zip(cells, switch, strict=True)]
    if question.id == "Q3":
        return [_join([o for o in _cells(c) if o != Q3_DROPPED], question) for c in cells]
    if question.id == "Q7":
        return [_join([*_cells(c), Q7_EVERYONE], question) if c else c for c in cells]
    return cells


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zqf_analysis.data.wave", description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", required=True, help="the first wave's dataset folder (export.csv)")
    parser.add_argument("--questionnaire", required=True, help="the new wave's questionnaire.yaml")
    parser.add_argument("--respondents", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", required=True, help="the new wave's export (.csv)")
    args = parser.parse_args(argv)
    first_dir = Path(args.first)
    first = pd.read_csv(first_dir / "export.csv", dtype=str, keep_default_na=False)
    frame = next_wave(
        first,
        load_questionnaire(first_dir / "questionnaire.yaml"),
        load_questionnaire(args.questionnaire),
        args.respondents,
        args.seed,
    )
    print(write_export(frame, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

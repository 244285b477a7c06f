"""The report's front page, ``index.html``: the survey, key findings read from the processed tables
(each with its count, base and interval), the audit's disagreements and links to every page. It reads
CSVs with the csv module and computes intervals in closed form, without pandas."""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from zqf_analysis.io import write_text_atomic
from zqf_analysis.report.pages import CSP, TEMPLATES, external_references
from zqf_analysis.stats.intervals import wide_intervals_sentence


@dataclass(frozen=True)
class _Table:
    """A processed CSV as text: its header and one dict per row (read without pandas, which would
    cost the index page most of its time)."""

    columns: tuple[str, ...]
    rows: list[dict[str, str]]


def _read_csv(path: Path) -> _Table | None:
    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, restval="")
            rows = [{k: v or "" for k, v in row.items() if k is not None} for row in reader]
            return _Table(tuple(reader.fieldnames or ()), rows)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _number(text: object) -> float | None:
    try:
        value = float(str(text))
    except (TypeError, ValueError):
        return None
    return None if value != value else value


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _interval_text(low: float | None, high: float | None, label: str) -> str:
    if low is None or high is None:
        return ""
    return f"{label} {100 * low:.1f}–{100 * high:.1f}%"


def closed_findings(summary, questionnaire, interval_label: str, rankings=None) -> list[dict]:
    """For each closed question, its most chosen option(s) with count, base, share and interval, and
    how many of its counts the source lost (never counted as 0); how many of its Other answers were
    typed in (``write_ins``, from the summary's column); for a ranking question (whose counts are first
    choices) the option with the best mean rank, from ``ranking_summary.csv`` (``rankings``)."""
    findings = []
    if summary is None or not {"question_id", "option", "count", "base"} <= set(summary.columns):
        return findings
    for question in questionnaire.closed:
        rows = [r for r in summary.rows if r["question_id"] == question.id]
        if not rows:
            continue
        known = [r for r in rows if _number(r.get("count")) is not None]
        missing = len(rows) - len(known)
        entry = {
            "id": question.id,
            "text": question.text,
            "type": question.type,
            "missing": missing,
            "top": [],
            "base": None,
            "other": question.other or "",
            "write_ins": None,
            "best_rank": None,
        }
        typed = [r for r in rows if r["option"] == question.other and (_number(r.get("write_ins")) or 0) > 0]
        if typed:  # said only where some respondents typed their answer
            entry["write_ins"] = int(_number(typed[0]["write_ins"]))
            entry["other_count"] = int(_number(typed[0]["count"]) or 0)
        if question.type == "ranking" and rankings is not None and "mean_rank" in rankings.columns:
            ranked = [r for r in rankings.rows if r["question_id"] == question.id and _number(r["mean_rank"])]
            if ranked:
                best = min(ranked, key=lambda r: _number(r["mean_rank"]))
                entry["best_rank"] = {"option": best["option"], "mean_rank": f"{_number(best['mean_rank']):.2f}"}
        if known and max(_number(r["count"]) for r in known) > 0:
            best = max(_number(r["count"]) for r in known)
            for record in known:
                if _number(record["count"]) == best:
                    count, base = int(best), _number(record.get("base"))
                    entry["base"] = int(base) if base is not None else None
                    entry["top"].append(
                        {
                            "option": record["option"],
                            "count": count,
                            "base": entry["base"],
                            "share": _pct(count / base) if base else "",
                            "interval": _interval_text(
                                _number(record.get("ci_low")), _number(record.get("ci_high")), interval_label
                            ),
                        }
                    )
        findings.append(entry)
    return findings


def audit_findings(audit) -> dict:
    """Verdict counts and every claim of the report that the data contradict or cannot check."""
    if audit is None or "verdict" not in audit.columns:
        return {}
    records = audit.rows
    if not records:  # no claims.csv in the dataset: nothing was stated, so nothing to audit
        return {}
    counts: dict[str, int] = {}
    for record in records:
        counts[record["verdict"]] = counts.get(record["verdict"], 0) + 1
    pick = lambda verdict: [r for r in records if r["verdict"] == verdict]  # noqa: E731
    return {
        "total": len(records),
        "counts": dict(sorted(counts.items())),
        "disagrees": pick("disagrees"),
        "cannot_check": pick("cannot_check"),
    }


def theme_findings(themes, question, settings=None) -> dict:
    """Responses per theme of one open question, with base and interval, largest first.

    With a codebook each response counts once, under its primary code; without one (no primary codes)
    a response counts under every discovered theme one of its points falls in, so shares may add up
    to more than 100%.
    """
    if themes is None or "response_id" not in themes.columns:
        return {}
    records = themes.rows
    coded = "primary_code" in themes.columns and any(r["primary_code"].strip() for r in records)
    fallback = next((c for c in ("cluster_label", "cluster") if c in themes.columns), None)
    column = "primary_code" if coded else fallback
    if column is None:
        return {}
    base = len({r["response_id"] for r in records})
    if coded:  # the first row of each response carries its primary code
        pairs = {r["response_id"]: r[column] for r in reversed(records)}.items()
    else:
        pairs = {(r["response_id"], r[column]) for r in records}
    counts = Counter(value or "(none)" for _, value in pairs)
    from zqf_analysis.stats.intervals import IntervalSettings, proportion_interval

    rows = []
    for theme, count in sorted(counts.items(), key=lambda item: (-item[1], str(item[0]))):
        interval = ""
        if base:
            settings = settings or IntervalSettings()
            low, high = proportion_interval(int(count), base, settings)
            interval = _interval_text(low, high, settings.label)
        rows.append(
            {"theme": str(theme), "count": int(count), "share": _pct(count / base), "interval": interval}
        )
    how = (
        "each response counted once, under its primary code"
        if coded
        else "discovered themes: a response counts under every theme its points fall in"
    )
    return {
        "id": question.id if question else "",
        "text": question.text if question else "",
        "base": base,
        "column": column,
        "how": how,
        "rows": rows,
    }


def _readme_summary(dataset: Path) -> str:
    """The first paragraph of the dataset's README.md, as plain text (it is escaped on the page)."""
    readme = dataset / "README.md"
    if not readme.is_file():
        return ""
    paragraph: list[str] = []
    for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("#") or line.startswith("<!--"):
            if paragraph:
                break
            continue
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    text = " ".join(paragraph)[:1200]
    # Markdown emphasis (**, __, *word*) and code marks go; the text itself stays escaped on the page.
    return re.sub(r"\*\*|__|`|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])", "", text)


def index_context(plan: Mapping) -> dict:
    """Everything index.html shows, read from the build plan and whatever outputs exist."""
    from urllib.parse import quote

    from zqf_analysis.data.questionnaire import load_questionnaire

    dataset, reports, processed = Path(plan["dataset"]), Path(plan["reports"]), Path(plan["processed"])
    questionnaire = load_questionnaire(dataset / "questionnaire.yaml")
    notebooks, first_record = [], {}
    describe_params: dict = {}
    for step in plan["steps"]:
        executed = reports / "executed" / f"{step['step']}.ipynb"
        failed = reports / "executed" / f"{step['step']}.failed.ipynb"
        record = {}
        if executed.is_file():
            record = (
                json.loads(executed.read_text(encoding="utf-8")).get("metadata", {}).get("zqf_provenance", {})
            )
            first_record = first_record or record
        if "confidence" in step["parameters"] or "ci_method" in step["parameters"]:
            describe_params = step["parameters"]
        failed_newer = failed.is_file() and (
            not executed.is_file() or failed.stat().st_mtime > executed.stat().st_mtime
        )
        notebooks.append(
            {
                "step": step["step"],
                "title": _page_title(reports / f"{step['step']}.html") or step["step"],
                "reviewer": quote(f"{step['step']}.html"),
                "full": quote(f"full/{step['step']}.html"),
                "present": (reports / f"{step['step']}.html").is_file(),
                "failed": failed_newer,
                "parameters": ", ".join(
                    f"{k} = {v!r}"
                    for k, v in sorted(step["parameters"].items())
                    if k not in ("dataset", "output_root")
                ),
                "built": record.get("date", ""),
            }
        )
    settings = None
    try:
        from zqf_analysis.stats.intervals import interval_settings

        settings = interval_settings(
            describe_params.get("confidence", 0.95), describe_params.get("ci_method", "wilson")
        )
        label = settings.label
    except Exception:  # noqa: BLE001 - the descriptive stage is absent or its parameters odd: say so plainly
        label = "interval"
    institutions = _read_csv(processed / "institutions.csv")
    profile = {}
    if questionnaire.institution is None:
        institutions = None
    if institutions is not None and "submissions" in institutions.columns:
        submissions = [int(_number(r["submissions"]) or 0) for r in institutions.rows]
        names = {r.get("canonical_name") or r.get("institution", "") for r in institutions.rows}
        profile = {"institutions": len(names), "submissions": sum(submissions), "types": []}
        if "institution_type" in institutions.columns:
            by_type: dict[str, list[int]] = {}
            kinds = [r["institution_type"] for r in institutions.rows]
            for kind, count in zip(kinds, submissions, strict=True):
                by_type.setdefault(kind, [0, 0])
                by_type[kind][0] += 1
                by_type[kind][1] += count
            profile["types"] = [
                {"type": k, "institutions": v[0], "submissions": v[1]}
                for k, v in sorted(by_type.items(), key=lambda kv: (-kv[1][1], kv[0]))
            ]
    themes = []
    for question in questionnaire.free_text:  # write-ins (Q3_other) too, when their themes were run
        found = theme_findings(_read_csv(processed / f"themes_{question.id}.csv"), question, settings)
        if found:
            verdict = _read_csv(processed / f"themes_{question.id}_structure.csv")
            record = verdict.rows[0] if verdict and verdict.rows else {}
            found["structure"] = record.get("sentence", "")
            # discovered themes without structure are not findings: only coded themes are tabulated
            found["no_structure"] = record.get("found") == "False"
            if found["no_structure"] and found["column"] != "primary_code":
                found["rows"] = []
            themes.append(found)
    summary = _read_csv(processed / "closed_summary.csv")
    figures_dir = reports / "figures"
    figures = (
        sorted((p.name for p in figures_dir.glob("*") if p.suffix.lower() in (".png", ".svg")), key=_natural)
        if figures_dir.is_dir()
        else []
    )
    pngs = [f for f in figures if f.lower().endswith(".png")]
    shown = pngs or figures
    return {
        "survey": questionnaire.survey or dataset.name,
        "dataset_name": dataset.name,
        "dataset": plan.get("dataset_arg") or str(dataset),
        "readme": _readme_summary(dataset),
        "questions": {
            "total": len(questionnaire.questions),
            "closed": len(questionnaire.closed),
            "open": len(questionnaire.open),
        },
        "respondents": respondent_count(processed, questionnaire),
        "profile": profile,
        "profile_questions": profile_findings(summary, questionnaire),
        "wide_intervals": wide_intervals_sentence(summary.rows if summary else []),
        "has_multi": any(q.type == "multi" for q in questionnaire.closed),
        "unthemed": unthemed_questions(plan, reports),
        "provenance": first_record,
        "notebooks": notebooks,
        "closed": closed_findings(
            summary,
            questionnaire,
            label,
            _read_csv(processed / "ranking_summary.csv"),
        ),
        "interval_label": label,
        "audit": audit_findings(_read_csv(processed / "audit.csv")),
        "themes": themes,
        "groups": _groups_context(processed),
        "consent": consent_context(processed, questionnaire, dataset),
        "figures": [
            {
                "name": name,
                "href": quote(f"figures/{name}"),
                "other": [
                    quote(f"figures/{o}") for o in figures if o != name and Path(o).stem == Path(name).stem
                ],
            }
            for name in shown
        ],
        "tables": quote("tables.xlsx") if (reports / "tables.xlsx").is_file() else "",
        "csvs": sorted(p.name for p in processed.glob("*.csv")) if processed.is_dir() else [],
        "csp": CSP,
    }


def respondent_count(processed: Path, questionnaire) -> int | None:
    """The number of respondents, counted as every page counts them: the ``respondents.csv`` the cleaning
    writes (the submissions covered, after any population filter), else the questionnaire's
    ``respondents:``; None when neither is there yet."""
    table = _read_csv(processed / "respondents.csv")
    if table is not None and table.rows and _number(table.rows[0].get("respondents")) is not None:
        return int(_number(table.rows[0]["respondents"]))
    return questionnaire.respondents


def profile_findings(summary, questionnaire, most: int = 6) -> list[dict]:
    """The declared profile questions (``profile: true``) with their most chosen options (count, base,
    share), for the index's respondent section of a survey that has them."""
    found = []
    for question in questionnaire.profile:
        rows = [r for r in (summary.rows if summary else []) if r["question_id"] == question.id]
        known = [r for r in rows if _number(r.get("count")) is not None]
        known.sort(key=lambda r: -_number(r["count"]))
        options = [
            {"option": r["option"], "count": int(_number(r["count"])), "base": int(_number(r["base"]) or 0),
             "share": _pct(_number(r.get("share")))}
            for r in known[:most]
        ]
        found.append({"id": question.id, "text": question.text, "options": options, "more": max(0, len(known) - most)})
    return found


def unthemed_questions(plan: Mapping, reports: Path) -> list[dict]:
    """The open questions the build gave no themes run, each with its answer count, the reason and the
    link to its answers' page (``answers/<id>.html``), as the plan recorded them."""
    from urllib.parse import quote

    rows = []
    for entry in plan.get("unthemed", []):
        page = reports / "answers" / f"{entry['question']}.html"
        rows.append({**entry, "href": quote(f"answers/{entry['question']}.html") if page.is_file() else ""})
    return rows


def consent_context(processed: Path, questionnaire, dataset: Path) -> dict:
    """What the index says of consent: the rule, how many submissions it left out and why, how many
    asked for anonymity (from the cleaning's ``consent_summary.csv``), or that the rule is not
    applicable to published counts, or that none is declared."""
    from zqf_analysis.data.consent import rule_text

    published = (dataset / "counts.csv").is_file()
    summary = _read_csv(processed / "consent_summary.csv")
    if questionnaire.consent is not None and summary is not None and summary.rows:
        row = summary.rows[0]
        applicable = row.get("applicable") == "True"
        return {
            "declared": True,
            "applicable": applicable,
            "text": row.get("text", ""),
            "left_out": int(_number(row.get("left_out")) or 0),
            "record": "consent_excluded.csv" if applicable else "",
        }
    return {
        "declared": questionnaire.consent is not None,
        "applicable": questionnaire.consent is not None and not published,
        "text": "Consent rule: " + rule_text(questionnaire, published) + ".",
        "left_out": 0,
        "record": "",
    }


def _groups_context(processed: Path) -> dict:
    from zqf_analysis.report.index_groups import groups_context

    return groups_context(processed)


def _natural(name: str) -> list:
    """Sort key putting Q3 before Q10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _page_title(page: Path) -> str:
    if not page.is_file():
        return ""
    with page.open(encoding="utf-8") as handle:
        head = handle.read(4096)
    match = re.search(r"<title>(.*?)</title>", head, re.S)
    return html.unescape(match.group(1).strip()) if match else ""


def index_html(context: Mapping) -> str:
    """The index page, rendered with Jinja2 autoescaping: every value from the data is escaped."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("index.html.j2").render(**context)


def _assemble_workbook(workbook: Path) -> None:
    """Write tables.xlsx from the parts the build's runs stored (see :data:`report.excel.DEFER_VARIABLE`),
    when a part is newer than the workbook; the check needs no pandas, the writing does."""
    parts = list((workbook.parent / ".tables").glob("*.json"))  # report.excel.PARTS_FOLDER
    if not parts:
        return
    if workbook.is_file() and all(p.stat().st_mtime_ns <= workbook.stat().st_mtime_ns for p in parts):
        return
    from zqf_analysis.report.excel import assemble_workbook

    assemble_workbook(workbook)


def write_index(plan_file: str | Path) -> Path:
    """Write ``reports/<dataset>/index.html`` from the build plan; returns its path."""
    plan = json.loads(Path(plan_file).read_text(encoding="utf-8"))
    from zqf_analysis.report.answers_page import write_answers_page

    _assemble_workbook(Path(plan["reports"]) / "tables.xlsx")

    if plan.get("unthemed"):
        from zqf_analysis.data.consent import rule_text
        from zqf_analysis.data.questionnaire import load_questionnaire

        dataset = Path(plan["dataset"])
        rule = rule_text(load_questionnaire(dataset / "questionnaire.yaml"), (dataset / "counts.csv").is_file())
        for entry in plan["unthemed"]:
            write_answers_page(Path(plan["reports"]), Path(plan["processed"]), entry, rule)
    page = index_html(index_context(plan))
    problems = external_references(page)
    if problems:
        raise RuntimeError(f"index.html would need the network: {problems[:3]}")
    target = Path(plan["reports"]) / "index.html"
    write_text_atomic(target, page)
    import os

    os.utime(target)
    return target


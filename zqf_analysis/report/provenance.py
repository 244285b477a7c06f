"""Provenance: what a reader needs to reproduce a page (the dataset's SHA-256 over its raw files, its
analysis declarations file with its SHA-256, the package version, the git commit, the parameters, the
consent rule applied and the date) and the escaped header that shows it."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import subprocess
from collections.abc import Mapping
from pathlib import Path

from zqf_analysis import __version__
from zqf_analysis.data.declarations import declarations_sha256


def dataset_files(folder: str | Path) -> list[Path]:
    """Every raw file of a dataset folder, sorted by relative path (hidden files and caches left out)."""
    folder = Path(folder)
    return sorted(
        (p for p in folder.rglob("*") if p.is_file() and not _hidden(p.relative_to(folder))),
        key=lambda p: p.relative_to(folder).as_posix(),
    )


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts)


def dataset_sha256(folder: str | Path) -> str:
    """SHA-256 over the dataset's raw files, sorted: each file's relative path, its size and its bytes.

    Renaming, adding, removing or editing any file changes it; copying the folder elsewhere does not.
    """
    folder = Path(folder)
    digest = hashlib.sha256()
    for path in dataset_files(folder):
        data = path.read_bytes()
        name = path.relative_to(folder).as_posix().encode("utf-8")
        digest.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def git_commit(root: str | Path) -> str:
    """The checked-out commit of ``root``, marked when the work tree has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return "not a git checkout"
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    commit = head.stdout.strip()
    return f"{commit} (with uncommitted changes)" if status.stdout.strip() else commit


def provenance(
    dataset: str | Path,
    notebook: str,
    parameters: Mapping[str, object],
    root: str | Path,
    date: dt.datetime | None = None,
    shown_dataset: str | None = None,
) -> dict:
    """What a reader needs to reproduce a page: data fingerprint, code version, parameters and date."""
    date = date or dt.datetime.now(dt.UTC)
    return {
        "notebook": notebook,
        "dataset": shown_dataset or str(dataset),
        "dataset_sha256": dataset_sha256(dataset),
        "declarations": declarations_sha256(dataset),
        "package_version": __version__,
        "git_commit": git_commit(root),
        "parameters": {str(k): parameters[k] for k in sorted(parameters)},
        "consent": consent_rule(dataset),
        "date": date.replace(microsecond=0).isoformat(),
    }


def consent_rule(dataset: str | Path) -> str:
    """Which consent rule the dataset's pages apply, read from its questionnaire (every page says it)."""
    from zqf_analysis.data.consent import rule_text
    from zqf_analysis.data.questionnaire import load_questionnaire

    folder = Path(dataset)
    try:
        questionnaire = load_questionnaire(folder / "questionnaire.yaml")
    except Exception as error:  # noqa: BLE001 - the notebook reports a bad questionnaire itself
        return f"unknown: the questionnaire could not be read ({error})"
    return rule_text(questionnaire, published=(folder / "counts.csv").is_file())


def provenance_html(record: Mapping, links: Mapping[str, str] | None = None) -> str:
    """The escaped header block a page opens with; ``links`` maps a label to a relative URL."""
    esc = html.escape
    nav = "".join(
        f'<a href="{esc(url, quote=True)}">{esc(label)}</a>' for label, url in (links or {}).items()
    )
    params = ", ".join(f"{esc(str(k))} = {esc(repr(v))}" for k, v in record.get("parameters", {}).items())
    rows = [
        ("Notebook", f"<code>{esc(str(record.get('notebook', '')))}</code>"),
        ("Dataset", f"<code>{esc(str(record.get('dataset', '')))}</code>"),
        ("Dataset SHA-256", f"<code>{esc(str(record.get('dataset_sha256', '')))}</code>"),
        ("Declarations", esc(str(record.get("declarations", "none")))),
        ("Package", f"zqf-analysis {esc(str(record.get('package_version', '')))}"),
        ("Git commit", f"<code>{esc(str(record.get('git_commit', '')))}</code>"),
        ("Parameters", params or "(defaults)"),
        ("Consent rule", esc(str(record.get("consent", "not recorded")))),
        ("Built", esc(str(record.get("date", "")))),
    ]
    body = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    return f'<header class="zqf-provenance">{f"<nav>{nav}</nav>" if nav else ""}<dl>{body}</dl></header>'


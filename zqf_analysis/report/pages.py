"""Rendering: executed notebooks to offline, script-free HTML pages that open with their provenance.

Every page carries the dataset's SHA-256, the package version, the git commit, the parameters and the
date; respondent text reaches a page only HTML-escaped, and a Content-Security-Policy refuses any
script or remote resource, so a page is safe to open and readable without a network.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


#: What a page may load: inline styles and images embedded in it or beside it; nothing else.
CSP = (
    "default-src 'none'; img-src 'self' data: file:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-src 'none'; object-src 'none'"
)


PAGE_CSS = """
.zqf-provenance {font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; margin: 0 0 1.5em 0;
  padding: 0.8em 1em; background: #f4f6f8; border-left: 4px solid #4a6785;}
.zqf-provenance nav {margin-bottom: 0.5em;}
.zqf-provenance nav a {margin-right: 1.2em;}
.zqf-provenance dl {display: grid; grid-template-columns: max-content auto; gap: 0.15em 1em; margin: 0;}
.zqf-provenance dt {font-weight: bold;}
.zqf-provenance dd {margin: 0; overflow-wrap: anywhere;}
.zqf-provenance code {font-size: 12px;}
"""


#: Output types a reviewer page never shows: progress bars, warnings, widgets and scripts.
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


_SCRIPT_MIMES = ("application/javascript", "text/javascript", "application/x-javascript")


def avoid_slow_imports() -> None:
    """Skip the IRI grammar jsonschema builds at import time (about 2.5 s per process here).

    nbformat validates notebooks with jsonschema, which compiles an RFC 3987 grammar with lark when
    ``rfc3987_syntax`` is importable; the notebook schema never uses the ``iri`` format, so every
    build process marks the module unavailable before importing nbformat, papermill or nbconvert.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


#: The tag of a cell whose outputs only the full page shows (a long listing such as every quote).
FULL_ONLY = "full-only"


def reviewer_copy(notebook):
    """A copy of an executed notebook without what a reviewer should not see: code (left to the
    exporter), stderr streams (warnings, progress bars), widget views, script outputs and the outputs
    of cells tagged :data:`FULL_ONLY`."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        if FULL_ONLY in cell.get("metadata", {}).get("tags", []):
            cell["outputs"] = []  # long listings (every quote) belong on the full page only
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            data = output.get("data")
            if data is not None:
                if _WIDGET_MIME in data:
                    continue
                for mime in _SCRIPT_MIMES:
                    data.pop(mime, None)
                if not data:
                    continue
            kept.append(output)
        cell["outputs"] = kept
    return notebook


def _without_scripts(notebook):
    """Script outputs never reach a page (the policy would refuse them anyway)."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for mime in _SCRIPT_MIMES:
                output.get("data", {}).pop(mime, None)
    return notebook


_EXPORTER = None


def _exporter():
    """One HTML exporter per process: its template is compiled once for both pages of a step."""
    global _EXPORTER
    if _EXPORTER is None:
        avoid_slow_imports()
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        config = Config()
        config.HTMLExporter.embed_images = True
        config.TagRemovePreprocessor.enabled = True
        config.TagRemovePreprocessor.remove_cell_tags = ("remove-cell", "remove_cell")
        config.TagRemovePreprocessor.remove_input_tags = ("remove-input", "remove_input", "hide-input")
        config.TagRemovePreprocessor.remove_all_outputs_tags = ("remove-output", "remove_output")
        _EXPORTER = HTMLExporter(
            config=config,
            template_name="lab",
            extra_template_paths=[str(TEMPLATES)],
            template_file="zqf_notebook.html.j2",
        )
    return _EXPORTER


def warm_up() -> None:
    """Build the exporter and render a two-cell page both ways, so that nbconvert's imports and the
    regular expressions it compiles on first use (Markdown, syntax highlighting, the HTML clean-up)
    are ready; the build calls this on a thread while the kernel runs, off the critical path."""
    import nbformat

    sample = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Title\n\n*Text*, `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |"),
            nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output("stream", text="1\n")]),
        ],
        metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}},
    )
    for reviewer in (True, False):
        notebook_html(sample, reviewer=reviewer)


def notebook_html(notebook, *, reviewer: bool, header: str = "", title: str | None = None) -> str:
    """The page for an executed notebook: without code and clutter for reviewers, or in full."""
    exporter = _exporter()
    exporter.exclude_input = exporter.exclude_input_prompt = exporter.exclude_output_prompt = reviewer
    notebook = reviewer_copy(notebook) if reviewer else _without_scripts(notebook)
    if title:
        notebook.metadata["title"] = title
    resources = {"zqf_header": header, "zqf_csp": CSP, "zqf_css": PAGE_CSS}
    page, _ = exporter.from_notebook_node(notebook, resources=resources)
    problems = external_references(page)
    if problems:
        raise RuntimeError(f"the rendered page would need the network: {problems[:3]}")
    return page


_EXTERNAL = re.compile(
    r"<(?:script|link|img|iframe|embed|object|source|audio|video)\b[^>]*?\b(?:src|href|data)\s*=\s*"
    r"[\"']?\s*(?:https?:)?//[^\"'\s>]*",
    re.IGNORECASE,
)


_CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*[\"']?\s*(?:https?:)?//[^\"')\s;]*", re.IGNORECASE)


def external_references(page: str) -> list[str]:
    """Every script, stylesheet, image or frame a page would fetch from the network (should be none).

    Escaped respondent text such as ``&lt;script src=http://...&gt;`` is text, not a reference, and
    is not reported; plain ``<a href>`` links are navigation, not content, and are not reported either.
    """
    return _EXTERNAL.findall(page) + _CSS_IMPORT.findall(page)


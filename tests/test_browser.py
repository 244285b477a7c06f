"""The whole report built from answers that attack the page, opened in headless Chromium: nothing
runs, nothing is fetched, and every payload shows as literal text."""

from __future__ import annotations

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from zqf_analysis.report import pages

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile-export"
#: Payloads of the fixture that must show, character for character, as text on some page.
LITERAL = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<b>raw bold</b> **markdown bold** <i>raw italic</i>",
    "<script>document.body.setAttribute('data-pwned','inst')</script> University",
    "[Markdown Agency](javascript:alert(1))",
    '<iframe src="https://example.com/"></iframe> lack of support',
]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--mute-audio",
    "--virtual-time-budget=3000",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip(
            "chromium is not installed (.ci/run installs Debian's chromium package); "
            "the hostile pages could not be opened in a browser"
        )
    return found


class DomReport(HTMLParser):
    """What a dumped DOM holds: elements that could run code, and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts, self.handlers, self.js_links, self.frames, self.text = 0, [], [], [], []
        self.body_attributes: dict[str, str | None] = {}
        self.title, self._in_title = "", False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "body":
            self.body_attributes = attributes
        if tag == "script":
            self.scripts += 1
        if tag in ("iframe", "frame", "object", "embed"):
            self.frames.append(tag)
        if tag == "title":
            self._in_title = True
        for name, value in attributes.items():
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.js_links.append(f"<{tag} {name}={value}>")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.text.append(data)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    result = subprocess.run(
        [sys.executable, "-m", "zqf_analysis", "build", "--dataset", str(HOSTILE), "--output-root", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"the hostile report did not build:\n{result.stdout}\n{result.stderr}"
    return out / "reports" / "hostile-export"


def dump_dom(browser: str, page: Path, profile: Path) -> str:
    result = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "<body" in result.stdout, result.stderr[-2000:]
    return result.stdout


def test_hostile_answers_never_run_and_show_as_text(hostile_report, tmp_path):
    browser = chromium()
    html_pages = sorted(hostile_report.rglob("*.html"))
    names = {p.relative_to(hostile_report).as_posix() for p in html_pages}
    assert {"index.html", "01_clean.html", "full/01_clean.html"} <= names
    seen_text = []
    for page in html_pages:
        source = page.read_text(encoding="utf-8")
        assert pages.external_references(source) == [], page
        dom = DomReport()
        dom.feed(dump_dom(browser, page, tmp_path / "profile"))
        where = page.relative_to(hostile_report)
        assert "data-pwned" not in dom.body_attributes, f"{where}: a payload ran"
        assert "PWNED" not in dom.title, f"{where}: a payload ran"
        assert dom.scripts == 0, f"{where}: has a <script> element"
        assert dom.handlers == [], f"{where}: event handlers {dom.handlers[:3]}"
        assert dom.js_links == [], f"{where}: javascript: links {dom.js_links[:3]}"
        assert dom.frames == [], f"{where}: embedded frames {dom.frames}"
        seen_text.append("".join(dom.text))
    everything = "\n".join(seen_text)
    for payload in LITERAL:
        assert payload in everything, f"not shown literally on any page: {payload}"


def test_index_screenshot(hostile_report, tmp_path):
    browser = chromium()
    shot = tmp_path / "index.png"
    subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            (hostile_report / "index.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000

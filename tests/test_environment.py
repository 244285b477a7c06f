"""Set-up promises: one dependency list (pyproject.toml), its lock, the conda route, and a
self-documenting Makefile."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _pins() -> dict[str, list[tuple[str, str]]]:
    """Each package of the lock with its exact version(s) and the marker under which each applies."""
    pins: dict[str, list[tuple[str, str]]] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith((" ", "#")):
            continue
        requirement, _, marker = line.partition(";")
        name, _, version = requirement.strip().partition("==")
        assert version, f"requirements.lock: {line!r} is not an exact pin (name==version)"
        pins.setdefault(name.lower().replace("_", "-"), []).append((version.strip(), marker.strip()))
    return pins


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_lock_pins_every_dependency_within_its_range():
    """Every requirement of pyproject.toml (core and dev) is pinned exactly in requirements.lock, for
    the reference Python 3.11 on every platform, at a version its range allows; after editing the
    dependencies, `make lock` regenerates the lock."""
    pins = _pins()
    project = _project()
    for text in project["dependencies"] + project["optional-dependencies"]["dev"]:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is in pyproject.toml but not in requirements.lock: run make lock"
        for platform in ("linux", "win32", "darwin"):
            environment = {"python_full_version": "3.11.7", "python_version": "3.11", "sys_platform": platform}
            versions = [v for v, m in pins[name] if not m or Marker(m).evaluate(environment)]
            assert len(versions) == 1, f"{name} on {platform}: {versions}"
            assert requirement.specifier.contains(versions[0], prereleases=True), (
                f"{name}=={versions[0]} in requirements.lock is outside {requirement.specifier}: run make lock"
            )


def test_environment_yml_installs_the_lock():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    assert "-r requirements.lock" in pip
    python = next(e for e in environment["dependencies"] if isinstance(e, str) and e.startswith("python"))
    assert python.removeprefix("python") == _project()["requires-python"]


def test_torch_is_not_a_core_dependency():
    assert not any(_name(r) == "torch" for r in _project()["dependencies"])
    assert "torch" not in _pins()


def test_make_help_is_the_default_goal_and_lists_the_targets():
    result = subprocess.run(["make", "-s", "-C", str(ROOT)], capture_output=True, text=True, check=True)
    for target in ("report", "test", "lab", "clean", "bench", "lock"):
        assert re.search(rf"make {target}\b", result.stdout), target


def test_generated_folders_are_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    for entry in (".venv/", "reports/", "data/processed/*"):
        assert entry in ignored


def test_the_package_version_is_in_the_changelog():
    version = _project()["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(version)}\b", changelog, re.M), f"CHANGELOG.md has no entry for {version}"

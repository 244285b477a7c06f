"""Set-up promises: one dependency list mirrored for conda, and a self-documenting Makefile."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = set()
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            listed |= {_name(r) for r in entry.get("pip", [])}
        else:
            listed.add(_name(entry))
    listed -= {"python", "pip"}
    assert listed == wanted


def test_torch_is_not_a_core_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(_name(r) == "torch" for r in project["dependencies"])


def test_make_help_is_the_default_goal_and_lists_the_targets():
    result = subprocess.run(["make", "-s", "-C", str(ROOT)], capture_output=True, text=True, check=True)
    for target in ("report", "test", "lab", "clean", "bench"):
        assert re.search(rf"make {target}\b", result.stdout), target


def test_generated_folders_are_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    for entry in (".venv/", "reports/", "data/processed/*"):
        assert entry in ignored

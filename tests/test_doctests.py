"""The examples in the docstrings of the modules below are run as tests, so they stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "zqf_analysis.data.clean",
    "zqf_analysis.data.text",
    "zqf_analysis.report.plots",
    "zqf_analysis.report.profile_view",
    "zqf_analysis.stats.describe",
    "zqf_analysis.stats.intervals",
    "zqf_analysis.themes.eligible",
    "zqf_analysis.themes.quotes",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0

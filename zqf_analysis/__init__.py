"""zqf-analysis: reproducible analysis of stakeholder surveys on micro-credentials (ZAQA / ACQF).

The package is organised by pipeline stage: ``questionnaire`` and ``load`` read a dataset folder,
``validate`` holds the declared schemas, ``clean`` derives the processed tables, and later stages
(``describe``, ``audit``, ``themes``, ``build``) work on those tables.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("zqf-analysis")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

from zqf_analysis.errors import DataError

__all__ = ["DataError", "__version__"]

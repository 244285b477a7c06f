"""Build: the report for a dataset, notebook by notebook, incrementally and in parallel, with no make.

``plan`` (the runs and their parameters) -> ``stamps`` (records, and what is out of date) ->
``schedule`` (the worker pool) -> ``steps`` (one run in a worker) with ``kernels``; ``cli`` is
``python -m zqf_analysis build``. docs/build.md describes how it works.
"""

"""Data: the questionnaire codebook, loading and validating a dataset folder (published counts or a
per-respondent export: ``files``, ``detect``, ``columns``, ``choices``, ``export``, ``tabulate``, ``load``),
drafting a questionnaire from an export (``draft``), the text rules, and the cleaned tables."""

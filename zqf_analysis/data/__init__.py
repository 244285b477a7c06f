"""Data: the questionnaire codebook, loading and validating a dataset folder (published counts or a
per-respondent export), the text rules, and the cleaned tables derived from them."""

"""Statistics: confidence intervals, descriptive tables with honest bases, and the audit of the
figures a published report states."""

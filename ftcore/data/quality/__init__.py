"""Data quality before training: the report and its detectors."""

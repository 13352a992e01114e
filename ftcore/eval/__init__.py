"""Evaluation: forgetting probes, domain metrics, base-vs-tuned comparison and the run's report."""

"""Runs: the run-folder store, jobs and their queue, the launcher and worker, devices and placement."""

"""Before a run: the memory planner, the advice built on it and the learning-rate suggestion."""

"""A tiny lm-eval multiple-choice task over a local JSONL file, so that lm_eval: suites run offline in tests."""

from __future__ import annotations

import json
from pathlib import Path

# (question, choices, index of the right one): the right answer is not always first, so that a test sees the
# harness's own target, not a position
ROWS = [
    ("What is 2 plus 3?", ["5", "6", "23", "1"], 0),
    ("Which is a colour?", ["table", "blue", "seven", "run"], 1),
    ("What do bees make?", ["milk", "silk", "honey", "wool"], 2),
    ("Which animal barks?", ["cat", "cow", "fish", "dog"], 3),
    ("What is 10 minus 4?", ["14", "6", "4", "40"], 1),
    ("Which season is coldest?", ["summer", "spring", "winter", "autumn"], 2),
]

TASK = """task: {name}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: multiple_choice
doc_to_text: "Question: {{{{question}}}}\\nAnswer:"
doc_to_choice: "{{{{choices}}}}"
doc_to_target: answer
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
"""


def write_task(folder: Path, name: str = "tiny_mc", rows=ROWS) -> Path:
    """`folder/NAME.yaml` over `folder/NAME.jsonl`; returns the YAML's path."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"{name}.jsonl"
    data.write_text("".join(json.dumps({"question": q, "choices": c, "answer": a}) + "\n" for q, c, a in rows),
                    encoding="utf-8")
    path = folder / f"{name}.yaml"
    path.write_text(TASK.format(name=name, data=data), encoding="utf-8")
    return path

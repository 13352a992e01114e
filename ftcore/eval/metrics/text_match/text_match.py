"""Short-answer metrics for FullTune's domain evaluation: exact match, contains and ROUGE-L (F1 of the longest
common subsequence of tokens; CJK text is split into characters). Shipped with the package so it loads offline."""

import re

import datasets
import evaluate

_WORD = re.compile(r"[\u3400-\u9fff]|[^\s\u3400-\u9fff]+")


def _tokens(text):
    return [t.lower() for t in _WORD.findall(text.strip().strip(".。"))]


def _lcs(a, b):
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], prev + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def _rouge_l(prediction, reference):
    p, r = _tokens(prediction), _tokens(reference)
    if not p or not r:
        return 0.0
    common = _lcs(p, r)
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


class TextMatch(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="exact match, contains and ROUGE-L between predictions and references",
            citation="", inputs_description="predictions: list of str; references: list of str",
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}))

    def _compute(self, predictions, references):
        n = max(len(predictions), 1)
        norm = [(" ".join(_tokens(p)), " ".join(_tokens(r))) for p, r in zip(predictions, references, strict=True)]
        return {"exact_match": 100.0 * sum(p == r for p, r in norm) / n,
                "contains": 100.0 * sum(bool(r) and r in p for p, r in norm) / n,
                "rouge_l": 100.0 * sum(_rouge_l(p, r) for p, r in zip(predictions, references, strict=True)) / n}

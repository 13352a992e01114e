"""Accuracy and macro-F1 over string labels, for FullTune's classification evaluation. Shipped with the package
so it loads offline."""

import datasets
import evaluate


class Classification(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="accuracy and macro-averaged F1 over string labels",
            citation="", inputs_description="predictions: list of str; references: list of str",
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}))

    def _compute(self, predictions, references):
        labels = sorted(set(references))
        f1s = []
        for label in labels:
            tp = sum(p == label and r == label for p, r in zip(predictions, references, strict=True))
            fp = sum(p == label and r != label for p, r in zip(predictions, references, strict=True))
            fn = sum(p != label and r == label for p, r in zip(predictions, references, strict=True))
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        n = max(len(references), 1)
        return {"accuracy": 100.0 * sum(p == r for p, r in zip(predictions, references, strict=True)) / n,
                "macro_f1": 100.0 * sum(f1s) / max(len(f1s), 1)}

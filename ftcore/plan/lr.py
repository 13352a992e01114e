"""A starting learning rate for full fine-tuning: about a tenth of the model's pre-training peak.

Published peaks are used where a model family documents them; otherwise the peak is estimated from the parameter
count along the GPT-3 table of sizes and learning rates, which Pythia and OPT also follow.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ftcore.messages import Text, message

# Reference name pattern -> published pre-training peak learning rate, and the paper that gives it.
PUBLISHED = [
    (r"llama-?2.*\b70b", 1.5e-4, "Llama 2"),
    (r"llama-?2", 3e-4, "Llama 2"),
    (r"smollm2-1\.7b", 5e-4, "SmolLM2"),
]
# GPT-3 paper, table 2.1: parameters -> peak learning rate.
BY_SIZE = [(125e6, 6e-4), (350e6, 3e-4), (760e6, 2.5e-4), (1.3e9, 2e-4), (2.7e9, 1.6e-4), (6.7e9, 1.2e-4),
           (13e9, 1e-4), (175e9, 0.6e-4)]


@dataclass(frozen=True)
class LRSuggestion:
    learning_rate: float
    pretraining_peak: float
    source: str

    def text(self, lang: str = "en") -> str:
        return message("hparams.suggestion", lang, lr=self.learning_rate, peak=self.pretraining_peak,
                       source=self.source)

    def __str__(self) -> str:
        return self.text()


def pretraining_peak(ref: str, parameters: int) -> tuple[float, str]:
    name = ref.lower()
    for pattern, peak, paper in PUBLISHED:
        if re.search(pattern, name):
            return peak, Text("hparams.paper", name=paper)
    sizes = [math.log(n) for n, _ in BY_SIZE]
    x = min(max(math.log(max(parameters, 1)), sizes[0]), sizes[-1])
    rates = [lr for _, lr in BY_SIZE]
    for lr0, lr1, a, b in zip(rates, rates[1:], sizes, sizes[1:], strict=False):
        if a <= x <= b:
            t = (x - a) / (b - a)
            peak = math.exp(math.log(lr0) + t * (math.log(lr1) - math.log(lr0)))
            return peak, Text("hparams.by_size", millions=parameters / 1e6)
    return BY_SIZE[-1][1], Text("hparams.by_count")


def suggest_learning_rate(ref: str, parameters: int) -> LRSuggestion:
    peak, source = pretraining_peak(ref, parameters)
    lr = float(f"{peak / 10:.1g}")  # one significant digit: a starting point, not a measurement
    return LRSuggestion(learning_rate=lr, pretraining_peak=peak, source=source)

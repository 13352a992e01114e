"""Paired 95% intervals for base-vs-tuned changes on the same items: an exact test on right/wrong outcomes
(answer and constraint suites), a paired bootstrap over texts for perplexity, and the power of the resulting
"forgot" verdict to detect a given drop on a suite of n items."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

LEVEL = 0.95
BOOTSTRAP = 2000  # resamples for the perplexity interval; a fixed seed makes the interval the same on every read
SEED = 0


def paired_interval(base: Sequence[int], tuned: Sequence[int], level: float = LEVEL) -> tuple[float, float]:
    """Interval for the change in % correct (tuned - base, in points) between two right/wrong lists over the same
    items: the exact McNemar test inverted. Only the discordant items say anything about the change: of the m items
    whose outcome changed, b went right and c went wrong; under no change b ~ Binomial(m, 1/2). The Clopper-Pearson
    interval of b/m, scaled to points ((m/n)(2p - 1) * 100), excludes zero exactly when the exact two-sided
    McNemar test rejects at 1 - level.

    Chosen over a bootstrap over items: with a handful of changed answers (the usual case on suites of a few dozen
    items) a percentile bootstrap calls 4 lost and 0 gained significant, where the exact test gives p = 0.125; the
    exact test holds its error rate at any size, needs no random draws, and the verdict never contradicts the
    interval shown. The interval is conditional on m (the number of changed items)."""
    from scipy.stats import binomtest

    if len(base) != len(tuned):
        raise ValueError("paired outcomes need the same items for base and tuned")
    n = len(base)
    gained = sum(1 for b, t in zip(base, tuned, strict=True) if t and not b)
    lost = sum(1 for b, t in zip(base, tuned, strict=True) if b and not t)
    m = gained + lost
    if m == 0:  # every item answered alike: the change is zero and nothing suggests otherwise
        return 0.0, 0.0
    ci = binomtest(gained, m).proportion_ci(confidence_level=level, method="exact")
    scale = 100.0 * m / n
    return scale * (2 * ci.low - 1), scale * (2 * ci.high - 1)


def perplexity_interval(base_nll: Sequence[float], base_tokens: Sequence[int], tuned_nll: Sequence[float],
                        tuned_tokens: Sequence[int], level: float = LEVEL, resamples: int = BOOTSTRAP,
                        seed: int = SEED) -> tuple[float, float]:
    """Interval for the change in perplexity (tuned - base) over the same texts: a paired percentile bootstrap
    (texts drawn with replacement, the same draw for both models; perplexity is a ratio of sums, so no exact test
    applies). Deterministic: a fixed seed."""
    n = len(base_nll)
    if not n or not (len(base_tokens) == len(tuned_nll) == len(tuned_tokens) == n):
        raise ValueError("paired perplexity needs per-text sums for the same texts")
    rng = random.Random(seed)
    changes = []
    for _ in range(resamples):
        draw = [rng.randrange(n) for _ in range(n)]
        changes.append(_ppl(tuned_nll, tuned_tokens, draw) - _ppl(base_nll, base_tokens, draw))
    changes.sort()
    tail = (1 - level) / 2
    return changes[int(tail * (resamples - 1))], changes[math.ceil((1 - tail) * (resamples - 1))]


def _ppl(nll: Sequence[float], tokens: Sequence[int], draw: list[int]) -> float:
    return math.exp(min(sum(nll[i] for i in draw) / max(sum(tokens[i] for i in draw), 1), 50.0))


def power(n: int, gained: float, lost: float, budget: float, level: float = LEVEL) -> float:
    """Probability that a suite of n items gives the verdict "forgot" (loss over `budget` points and significant by
    the exact test) when each item independently goes right->wrong with probability `lost` and wrong->right with
    probability `gained` (the true drop is lost - gained). Exact: a sum over all (gained, lost) counts."""
    import numpy as np
    from scipy.stats import binom

    alpha, total = 1 - level, 0.0
    for c in range(n + 1):  # c items lost; b (each count at once) gained
        p_c = binom.pmf(c, n, lost)
        if p_c < 1e-12:
            continue
        b = np.arange(n - c + 1)
        # over budget, and significant: the interval's upper end below zero, i.e. P(X <= b | b + c, 1/2) < alpha/2
        hit = (100.0 * (c - b) / n > budget) & (binom.cdf(b, b + c, 0.5) < alpha / 2)
        total += p_c * float(binom.pmf(b, n - c, gained / (1 - lost))[hit].sum())
    return total

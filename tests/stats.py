"""Goodness-of-fit p-values for the sampling tests, in plain Python (no SciPy here)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def chi_square(observed: Sequence[int], expected: Sequence[float]) -> tuple[float, float]:
    """Pearson's statistic and its p-value with len(observed) - 1 degrees of freedom."""
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    return statistic, _upper_gamma_ratio((len(observed) - 1) / 2, statistic / 2)


def ks_uniform(values: Sequence[float]) -> tuple[float, float]:
    """Kolmogorov–Smirnov distance of `values` (in [0, 1)) from the uniform distribution, and
    its asymptotic p-value (Stephens' small-sample correction)."""
    ordered = sorted(values)
    n = len(ordered)
    distance = max(
        max((i + 1) / n - x for i, x in enumerate(ordered)),
        max(x - i / n for i, x in enumerate(ordered)),
    )
    root = math.sqrt(n)
    scaled = (root + 0.12 + 0.11 / root) * distance
    p = 2 * sum((-1) ** (k - 1) * math.exp(-2 * k * k * scaled * scaled) for k in range(1, 101))
    return distance, min(1.0, max(0.0, p))


def _upper_gamma_ratio(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a): the chi-square survival function at 2x with 2a df."""
    if x <= 0:
        return 1.0
    if x < a + 1:  # series for the lower part
        term = total = 1 / a
        k = a
        while term > total * 1e-15:
            k += 1
            term *= x / k
            total += term
        return 1 - total * math.exp(-x + a * math.log(x) - math.lgamma(a))
    # continued fraction for the upper part (Lentz)
    tiny = 1e-300
    b = x + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h

"""Percentiles as the benchmark reports them."""
import math
import statistics


def percentile(values, q: float) -> float:
    """Nearest-rank percentile (q in 0..100): p99 of 15 samples is the largest."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values) -> dict:
    """{"p50", "p99", "min", "n"} in the samples' unit, rounded to 0.001."""
    return {"p50": round(statistics.median(values), 3), "p99": round(percentile(values, 99), 3),
            "min": round(min(values), 3), "n": len(values)}

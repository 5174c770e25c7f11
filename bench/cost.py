"""Dollars per million requests, per action, from the measured figures and bench.prices.

Lambda duration model (stated, not hidden): the measured handler CPU on canned
responses, scaled to the function's CPU share (memory / 1,769 MB, capped at one vCPU;
this machine's core counts as one vCPU), plus the time spent waiting on DynamoDB Local
(measured latency minus measured CPU), rounded up to Lambda's 1 ms billing step.
DynamoDB Local answers in a few ms over loopback; real DynamoDB in-region is of the same
order (single-digit ms), so the wait term is indicative only.

Not in the per-request cost: the authorizer function (API Gateway caches its answer
per token), cold starts (init time is billed on cold invocations only), Secrets Manager
(one call per cold container), data transfer, storage.
"""
from __future__ import annotations

import math

from . import prices


def lambda_duration_ms(cpu_ms: float, latency_ms: float, memory_mb: int) -> float:
    share = min(1.0, memory_mb / prices.LAMBDA_MB_PER_VCPU)
    wait = max(0.0, latency_ms - cpu_ms)
    raw = cpu_ms / share + wait
    step = prices.LAMBDA_BILLING_GRANULARITY_MS
    return math.ceil(raw / step) * step


def per_million(*, cpu_ms: float, latency_ms: float, memory_mb: int, rru: float, wru: float,
                log_bytes: float) -> dict:
    duration_ms = lambda_duration_ms(cpu_ms, latency_ms, memory_mb)
    lambda_compute = duration_ms / 1000 * memory_mb / 1024 * prices.LAMBDA_PER_GB_SECOND * 1e6
    parts = {
        "lambda_requests": prices.LAMBDA_PER_MILLION_REQUESTS,
        "lambda_compute": lambda_compute,
        "api_gateway": prices.API_GATEWAY_REST_PER_MILLION,
        "dynamodb_reads": rru * prices.DYNAMODB_PER_MILLION_RRU,
        "dynamodb_writes": wru * prices.DYNAMODB_PER_MILLION_WRU,
        "xray": prices.XRAY_PER_MILLION_TRACES * prices.XRAY_SAMPLING_RATE,
        "logs": (log_bytes + prices.LAMBDA_PLATFORM_LOG_BYTES) / 1e9 * prices.CLOUDWATCH_LOGS_PER_GB * 1e6,
    }
    return {"usd_per_million": round(sum(parts.values()), 3),
            "parts": {k: round(v, 4) for k, v in parts.items()},
            "billed_duration_ms": duration_ms, "memory_mb": memory_mb}

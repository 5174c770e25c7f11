"""The scaling rules the launch surge runs into, as small pure functions (no AWS, no I/O).

Each one is a published rule (bench.surge.published names the page) at the resolution the
model works at: one step = one minute of launch.
"""
from __future__ import annotations

import math


def token_bucket(rate: float, burst: float, tokens: float, demand: float,
                 seconds: float) -> tuple[float, float, float]:
    """API Gateway's throttle: a bucket of ``burst`` tokens refilled at ``rate`` per second,
    one token per request; a steady ``demand`` per second for ``seconds``, starting with
    ``tokens`` in the bucket. Returns (served, throttled, tokens left)."""
    if demand <= rate:
        return demand * seconds, 0.0, min(burst, tokens + (rate - demand) * seconds)
    drain = demand - rate
    if tokens >= drain * seconds:
        return demand * seconds, 0.0, tokens - drain * seconds
    empty_after = tokens / drain
    served = demand * empty_after + rate * (seconds - empty_after)
    return served, demand * seconds - served, 0.0


def on_demand_ceiling(served: list[float], minute: int, floor: float, multiple: float = 2.0,
                      window: int = 30) -> float:
    """What an on-demand table (or index) serves at ``minute`` without throttling: twice
    the highest rate it served at least ``window`` minutes earlier (the scaling behind a
    new peak takes up to 30 minutes), never less than ``floor`` (a new table's 4,000 WRU /
    12,000 RRU, or the warm throughput it was pre-warmed to). ``served``: per minute."""
    settled = served[:max(0, minute - window + 1)]
    return max(floor, multiple * max(settled, default=0.0))


def lambda_environments(demand: float, previous: float, per_minute: float,
                        cap: float = math.inf) -> float:
    """Execution environments a function has at the end of a minute: what the requests
    need (``demand`` = requests/s x duration), at most ``per_minute`` more than it had
    (1,000 per 10 s), at most ``cap`` (its reserved concurrency)."""
    return max(0.0, min(demand, previous + per_minute, cap))


def concurrency(requests_per_s: float, duration_ms: float) -> float:
    """Little's law: environments busy at once = arrival rate x time each request holds one."""
    return requests_per_s * duration_ms / 1000.0


def partitions(wru: float, rru: float, partition_wcu: float = 1000, partition_rcu: float = 3000) -> int:
    """The fewest partitions that serve ``wru`` and ``rru`` per second (at least one): a
    DynamoDB stream has a shard per partition, and the stream's consumer runs one
    invocation per shard at a time."""
    return max(1, math.ceil(wru / partition_wcu), math.ceil(rru / partition_rcu))

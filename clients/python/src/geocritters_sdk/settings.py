"""How long to wait and how often to try again: ``mobile()`` for a phone on a deployed
stage, ``local()`` for a backend on this machine (``make run``, LocalStack)."""
from __future__ import annotations

from dataclasses import dataclass, replace

import httpx


@dataclass(frozen=True)
class Settings:
    base_url: str
    # Seconds. A phone's connection comes up slowly after a hand-over but an answer that
    # has not come in 15 s is lost: the retry (same Idempotency-Key) is cheaper than the
    # wait, and the server applies a keyed action once however often it is sent.
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0
    write_timeout_s: float = 10.0
    # Attempts per call, the first included: throttling (429/503) and lost answers.
    max_attempts: int = 4
    # Waits between attempts without Retry-After: "full jitter" exponential backoff,
    # a random wait in [0, min(cap, base * 2**n)), so clients cut off together don't
    # come back together.
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 8.0
    # With Retry-After: never less than the server asked, plus up to this share more.
    retry_after_jitter: float = 0.2
    # A longer Retry-After is not waited out in the call: it raises (with .retry_after),
    # the app decides (a phone should not block a tap for minutes).
    max_retry_after_s: float = 30.0
    # Seconds of real time per Retry-After second: a dev server started with
    # --clock-rate N counts Retry-After in game seconds (scale 1/N).
    retry_after_scale: float = 1.0
    # Log in again this long before the token expires (at most a tenth of its lifetime).
    renew_before_s: float = 300.0
    user_agent: str = "geocritters-sdk-python/1"

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect_timeout_s, read=self.read_timeout_s,
                             write=self.write_timeout_s, pool=self.connect_timeout_s)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)


def mobile(base_url: str) -> Settings:
    """A phone against a deployed stage: the defaults above."""
    return Settings(base_url=base_url.rstrip("/"))


def local(base_url: str = "http://127.0.0.1:8000", clock_rate: float = 1.0) -> Settings:
    """A backend on this machine (``make run``, LocalStack). Generous on purpose: under
    load moto can take tens of seconds to answer, and a retry sent while the first attempt
    is still running is not safe there: moto ignores a transaction's
    ClientRequestToken, so the two can both half-apply. A long read timeout lets the first
    attempt finish instead. ``clock_rate``: the dev server's --clock-rate."""
    return Settings(base_url=base_url.rstrip("/"), connect_timeout_s=10.0, read_timeout_s=120.0,
                    write_timeout_s=30.0, max_attempts=6, backoff_base_s=0.5, backoff_cap_s=5.0,
                    max_retry_after_s=120.0, retry_after_scale=1.0 / clock_rate)

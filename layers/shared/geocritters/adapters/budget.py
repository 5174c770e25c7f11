"""The time budget of one request, so the worst case fits the function timeout.

API Gateway gives up after 29 s; each function times out sooner (infra/functions.py).
SDK calls are bounded (timeouts x attempts + backoff = ``SDK_CALL_WORST_CASE_S``), and
a request starts another SDK call only if that worst case still fits before its
deadline (the Lambda's remaining time minus a margin). Otherwise it answers 503 with
Retry-After at once instead of being killed mid-flight by the Lambda timeout.
"""
import contextvars
import time

from botocore.config import Config

from ..usecases.ports import BackendBusy

SDK_CONNECT_TIMEOUT_S = 0.5
SDK_READ_TIMEOUT_S = 1.0
SDK_TOTAL_ATTEMPTS = 3  # the first try + 2 retries (botocore "standard" mode)
# Standard mode waits rand(0,1) * min(2**i, 20) s before retry i on throttling.
SDK_MAX_BACKOFF_S = sum(min(2 ** i, 20) for i in range(SDK_TOTAL_ATTEMPTS - 1))
SDK_CALL_WORST_CASE_S = SDK_TOTAL_ATTEMPTS * (SDK_CONNECT_TIMEOUT_S + SDK_READ_TIMEOUT_S) \
    + SDK_MAX_BACKOFF_S
# Left for our own code and the response after the last SDK call returns.
MARGIN_S = 1.0

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


def sdk_config() -> Config:
    """The botocore config of every client we build (boto3 clients; PynamoDB models
    carry the same numbers in their Meta)."""
    return Config(connect_timeout=SDK_CONNECT_TIMEOUT_S, read_timeout=SDK_READ_TIMEOUT_S,
                  retries={"total_max_attempts": SDK_TOTAL_ATTEMPTS, "mode": "standard"})


def start_request(remaining_ms: int | None, now: float | None = None) -> None:
    """Set this request's deadline from the Lambda's remaining time (None: no deadline)."""
    if remaining_ms is None:
        _deadline.set(None)
        return
    now = time.monotonic() if now is None else now
    _deadline.set(now + remaining_ms / 1000 - MARGIN_S)


def before_sdk_call(now: float | None = None) -> None:
    """Refuse to start an SDK call whose worst case would overrun the deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return
    now = time.monotonic() if now is None else now
    if deadline - now < SDK_CALL_WORST_CASE_S:
        raise BackendBusy("the game is busy; retry shortly", retry_after_s=1)

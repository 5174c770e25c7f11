"""A mobile client's retry policy on top of the API tier's ``GameApi``.

It resends the very same request (same ``Idempotency-Key``, same body) after a 503,
waiting the ``Retry-After`` it was given (on the fake clock), until it gets another
answer. A 5xx other than 503 must never happen: it is recorded as a failure and retried
the same way. Every non-final answer is checked to be a JSON error with Retry-After.
"""
import logging
from collections import Counter

MAX_ATTEMPTS = 60


def login(api, device_id: str) -> tuple[str, str]:
    """(player id, token) for this exact device id. ``GameApi.login`` adds a random
    per-test suffix (for shared LocalStack tables); on a fresh moto backend the exact id
    keeps player ids, and so every outcome the game derives from them, reproducible."""
    status, body, _ = api.call("POST", "/v1/auth/guest", {"device_id": device_id})
    assert status == 200, body
    return body["player_id"], body["token"]


def _exception_chain(error) -> list[str]:
    """Type names along the exception's cause chain (PynamoDB keeps its cause in .cause)."""
    names, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        names.append(type(error).__name__)
        error = getattr(error, "cause", None) or error.__cause__ or error.__context__
    return names


class UnhandledErrors(logging.Handler):
    """Collects the exception chains the app logs as "unhandled error" (its 500s)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.chains: list[list[str]] = []

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            self.chains.append(_exception_chain(record.exc_info[1]))


class RetryingClient:
    def __init__(self, api, clock, unhandled: UnhandledErrors | None = None):
        self.api = api
        self.clock = clock
        self.unhandled = unhandled
        self.stats = Counter()  # requests, attempts, 503s, 5xx, bad_503 ...
        self.failures: list[dict] = []  # 5xx other than 503, malformed 503s, never settled
        self.first_answers: dict = {}  # (token, key) -> (status, body) first settled answer
        self.replay_mismatches: list[dict] = []

    def _check_busy(self, method, path, body, headers) -> None:
        retry_after = headers.get("Retry-After") or headers.get("retry-after")
        well_formed = (isinstance(body, dict) and isinstance(body.get("error"), dict)
                       and isinstance(body["error"].get("code"), str)
                       and isinstance(body["error"].get("message"), str))
        if not well_formed or retry_after is None or not str(retry_after).isdigit() \
                or int(retry_after) < 1:
            self.stats["bad_503"] += 1
            self.failures.append({"kind": "malformed 503", "request": f"{method} {path}",
                                  "body": body, "retry_after": retry_after})

    def send(self, method: str, path: str, body=None, token=None, key: str | None = None):
        """The settled (status, body, headers) of one request, after retries."""
        headers = {"Idempotency-Key": key} if key else None
        self.stats["requests"] += 1
        for attempt in range(MAX_ATTEMPTS):
            self.stats["attempts"] += 1
            status, answer, answer_headers = self.api.call(method, path, body, token=token,
                                                           headers=headers)
            if status == 503:
                self.stats["503"] += 1
                self._check_busy(method, path, answer, answer_headers)
                self.clock.advance(1000 * int(answer_headers.get("Retry-After") or 1))
                continue
            if status >= 500:
                self.stats["5xx"] += 1
                chain = self.unhandled.chains[-1] if self.unhandled and self.unhandled.chains else None
                self.failures.append({"kind": f"HTTP {status}", "request": f"{method} {path}",
                                      "body": answer, "cause": chain, "attempt": attempt + 1})
                self.clock.advance(1000)
                continue
            if attempt:
                self.stats["settled_after_retry"] += 1
            if key is not None:
                self._remember(token, key, method, path, status, answer)
            return status, answer, answer_headers
        self.stats["never_settled"] += 1
        self.failures.append({"kind": "never settled", "request": f"{method} {path}"})
        return None, None, {}

    def _remember(self, token, key, method, path, status, answer) -> None:
        first = self.first_answers.get((token, key))
        if first is None:
            if status == 200:  # only answers the server stores are replayable
                self.first_answers[(token, key)] = (status, answer)
        elif first != (status, answer):
            self.replay_mismatches.append({"request": f"{method} {path}", "key": key,
                                           "first": first, "again": (status, answer)})

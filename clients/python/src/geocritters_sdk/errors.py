"""The API's refusals as exceptions.

Every non-2xx answer is ``{"error": {"code", "message"}}``. The session raises:

- the class of the code, e.g. ``OutOfRangeError`` for ``out_of_range``: one class per
  code listed in the document's ``x-error-codes``, generated at build time
  (``generated/error_codes.py``, re-exported here), so ``except OutOfRangeError`` reads
  like the rule it handles;
- each of them derives from the class of its HTTP status (``Forbidden`` for 403, ...),
  itself an ``ApiError``: ``except Forbidden`` catches every rule refusal, ``except
  ApiError`` everything the server refused, and ``error.code`` is always the server's;
- a code this build does not know (a newer server) raises its status's class with that
  ``code``, never a crash.

``ConnectionFailed`` is the other kind: no answer at all after the allowed attempts.
"""
from __future__ import annotations

import json


class SdkError(Exception):
    """Anything this package raises."""


class ConnectionFailed(SdkError):
    """No answer: the request timed out or the connection failed on every allowed attempt
    (the httpx error is the ``__cause__``)."""


class ApiError(SdkError):
    """An answer with a non-2xx status: ``status``, ``code``, ``message``, and
    ``retry_after`` (seconds, when the server sent ``Retry-After``)."""

    code = "unknown"
    statuses: tuple[int, ...] = ()

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


class BadRequest(ApiError):
    statuses = (400,)


class Unauthorized(ApiError):
    statuses = (401,)


class Forbidden(ApiError):
    statuses = (403,)


class NotFound(ApiError):
    statuses = (404,)


class Conflict(ApiError):
    statuses = (409,)


class PayloadTooLarge(ApiError):
    statuses = (413,)


class UnsupportedMediaType(ApiError):
    statuses = (415,)


class UnprocessableRequest(ApiError):
    statuses = (422,)


class TooManyRequests(ApiError):
    statuses = (429,)


class ServiceUnavailable(ApiError):
    statuses = (503,)


BY_STATUS: dict[int, type[ApiError]] = {
    cls.statuses[0]: cls for cls in (BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge,
                                     UnsupportedMediaType, UnprocessableRequest, TooManyRequests,
                                     ServiceUnavailable)}

# The generated classes need the ones above: imported last, on purpose.
from .generated.error_codes import *  # noqa: E402, F403
from .generated.error_codes import BY_CODE  # noqa: E402


def retry_after_s(headers) -> float | None:
    """``Retry-After`` in seconds (the API sends whole seconds), or None."""
    value = headers.get("Retry-After") if headers is not None else None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def error_for(status: int, content: bytes, headers=None) -> ApiError:
    """The exception for an answer with a non-2xx ``status``."""
    code, message = f"http_{status}", ""
    try:
        detail = json.loads(content)["error"]
        code, message = str(detail["code"]), str(detail.get("message", ""))
    except (ValueError, TypeError, KeyError):
        message = content[:200].decode("utf-8", "replace") if content else ""
    cls = BY_CODE.get(code)
    if cls is None or status not in cls.statuses:
        cls = BY_STATUS.get(status, ApiError)
    return cls(status, code, message, retry_after_s(headers))

"""The one place that maps errors to HTTP responses, keyed by error type."""
from chalice import Response

from ..game.errors import (
    Conflict,
    GameError,
    InvalidInput,
    NotFound,
    RateLimited,
    RuleRefused,
    Unprocessable,
)
from ..usecases.ports import BackendBusy, IdempotencyKeyReused


class Unauthorized(GameError):
    code = "unauthorized"


class OperatorOnly(GameError):
    """An operator route reached without an IAM identity (a player's token, say)."""

    code = "operator_only"


class PayloadTooLarge(GameError):
    code = "payload_too_large"


class UnsupportedMediaType(GameError):
    code = "unsupported_media_type"


STATUS_BY_ERROR = {
    InvalidInput: 400,
    Unauthorized: 401,
    RuleRefused: 403,
    OperatorOnly: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    IdempotencyKeyReused: 422,
    Unprocessable: 422,
    RateLimited: 429,
    BackendBusy: 503,
}


def status_for(error: GameError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[kind]
    return 400


def json_response(status: int, body: dict, headers: dict | None = None) -> Response:
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "application/json", **(headers or {})})


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def error_response(error: GameError) -> Response:
    status = status_for(error)
    headers = {}
    if error.retry_after_s is not None or status in (429, 503):
        headers["Retry-After"] = str(max(1, error.retry_after_s or 1))
    return json_response(status, error_body(error.code, error.message), headers)


def internal_error_response() -> Response:
    return json_response(500, error_body("internal_error", "something went wrong on our side"))

"""Logging and tracing, in one module so the tracer can be swapped (the X-Ray SDK
reaches end of support on 2027-02-25; OpenTelemetry would replace only this file).

X-Ray is patched only inside Lambda: importing ``aws_xray_sdk.core`` elsewhere builds
botocore clients at import and costs ~300 ms per test process for nothing.
"""
import hashlib
import json
import logging
import os
import sys
import time

# Not "geocritters": Chalice attaches its own handler to a logger named after the app.
_LOGGER_NAME = "geocritters.game"
_tracing_ready = False


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with whatever ``extra`` fields the caller attached."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "time_ms": int(record.created * 1000),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in self._STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging() -> logging.Logger:
    """Attach the JSON handler once; the level comes from LOG_LEVEL (default INFO)."""
    logger = logging.getLogger(_LOGGER_NAME)
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    return logger


def logger() -> logging.Logger:
    return logging.getLogger(_LOGGER_NAME)


def player_ref(player_id: str | None) -> str | None:
    """A stable short hash of the player id: correlates log lines without storing ids."""
    if not player_id:
        return None
    return hashlib.sha256(player_id.encode()).hexdigest()[:12]


def enable_tracing() -> None:
    """Patch botocore for X-Ray once per container, and only when running in Lambda."""
    global _tracing_ready
    if _tracing_ready or "AWS_LAMBDA_FUNCTION_NAME" not in os.environ:
        return
    from aws_xray_sdk.core import patch  # deferred: heavy, and only useful in Lambda

    patch(["botocore"])
    _tracing_ready = True


def log_request(action: str, route: str, status: int, started: float, player_id: str | None,
                request_id: str | None, outcome: str | None = None) -> None:
    """One structured line per request; never coordinates, tokens or raw player ids."""
    logger().info(
        "request",
        extra={
            "action": action,
            "route": route,
            "status": status,
            "outcome": outcome,
            "player": player_ref(player_id),
            "request_id": request_id,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )

"""Logging, business metrics and tracing, in one module so the tracer can be swapped (the
X-Ray SDK reaches end of support on 2027-02-25; OpenTelemetry would replace only this
file).

Logs are Powertools' ``Logger``: one JSON object per line on stdout, the request's
fields as top-level keys. Metrics are Powertools' ``Metrics``, written as CloudWatch
embedded metric format (EMF): CloudWatch Logs turns those stdout lines into metrics
itself, so a function needs no ``cloudwatch:PutMetricData`` call, permission or round
trip.

X-Ray is patched only inside Lambda: importing ``aws_xray_sdk.core`` elsewhere builds
botocore clients at import and costs ~300 ms per test process for nothing.
"""
import hashlib
import logging
import os
import sys
import threading
import time

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import Metrics, MetricUnit

# Not "geocritters": Chalice attaches its own handler to a logger named after the app.
# Powertools names the stdlib logger after its service, so this is the service too.
_LOGGER_NAME = "geocritters.game"
_tracing_ready = False

# The formatter of the request lines; tools find the app's handler by it.
JsonFormatter = LambdaPowertoolsFormatter

NAMESPACE = "Geocritters"
# Dimensions: "service" is the action the request belongs to (game/actions.py: the same
# name as in logs and idempotency records), plus "outcome" for throws and "code" for
# refusals.
THROWS, SPINS, REFUSALS = "Throws", "Spins", "Refusals"
# game.catching's CAUGHT, ESCAPED and FLED, spelt out so the authorizer function, which
# never throws, doesn't import the catch rules (tests/unit/test_observability.py pins them).
THROW_OUTCOMES = frozenset({"caught", "escaped", "fled"})
SPIN_ACTION = "spin"

_logger: Logger | None = None
_metrics: Metrics | None = None  # built on first use: Metrics() reads the environment
# Lambda serves one request at a time per container, but chalice local and the
# LocalStack tier serve concurrent ones in threads of one process: a request's
# dimensions must not land in another request's document.
_metrics_lock = threading.Lock()


def configure_logging() -> Logger:
    """Set up the JSON logger once; the level comes from LOG_LEVEL (default INFO)."""
    global _logger
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    if _logger is None:
        _logger = Logger(service=_LOGGER_NAME, level=level, stream=sys.stdout,
                         logger_formatter=JsonFormatter())
        # Chalice's plain-text handler sits on the parent logger ("geocritters"): an
        # exception would be logged twice, once not as JSON.
        logging.getLogger(_LOGGER_NAME).propagate = False
    else:
        _logger.setLevel(level)
    return _logger


def logger() -> Logger:
    return _logger if _logger is not None else configure_logging()


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


def metrics_printed() -> bool:
    """Whether EMF documents go to stdout.

    Inside Lambda they do: stdout is CloudWatch Logs, which makes them metrics. In tests,
    ``chalice local`` and the benchmark nothing reads them as metrics, and a second kind
    of JSON line between the request lines would only be noise on the console and in the
    logs tests read, so they don't, unless asked with POWERTOOLS_METRICS_DISABLED=false.
    The document is built and validated either way, so both paths cost the same CPU and
    a malformed metric fails the tests. POWERTOOLS_METRICS_DISABLED=true turns them off
    in Lambda too (Powertools' own switch).
    """
    setting = os.environ.get("POWERTOOLS_METRICS_DISABLED")
    if setting is not None:
        return setting.strip().lower() not in ("1", "true", "yes", "on")
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def _business_metric(action: str, status: int, outcome: str | None) -> tuple[str, dict] | None:
    """The one metric a request counts, with its dimensions beyond "service", if any."""
    if status >= 400:
        # A refusal (a 4xx, or the 503 of a busy backend) carries its error code; an
        # unhandled error (500) has none and is already logged as an exception.
        return (REFUSALS, {"code": outcome}) if outcome else None
    if outcome in THROW_OUTCOMES:
        return THROWS, {"outcome": outcome}
    if action == SPIN_ACTION:
        return SPINS, {}
    return None


def _count(action: str, status: int, outcome: str | None) -> None:
    """Count the request's business metric and flush it: one EMF document per request."""
    metric = _business_metric(action, status, outcome)
    if metric is None:
        return
    name, dimensions = metric
    global _metrics
    with _metrics_lock:
        if _metrics is None:
            _metrics = Metrics(namespace=NAMESPACE)
        try:
            _metrics.add_dimension("service", action)
            for key, value in dimensions.items():
                _metrics.add_dimension(key, value)
            _metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
            if metrics_printed():
                _metrics.flush_metrics()
            else:
                _metrics.serialize_metric_set()
        except Exception:
            # The action is already committed and answered: a metric must not turn the
            # answer into a 500. The failure is logged as an exception line instead.
            logger().exception("metric not emitted", extra={"action": action, "metric": name})
        finally:
            _metrics.clear_metrics()  # a warm container's next request starts afresh


def log_request(action: str, route: str, status: int, started: float, player_id: str | None,
                request_id: str | None, outcome: str | None = None) -> None:
    """One structured line per request; never coordinates, tokens or raw player ids.
    Then the request's business metric, if it has one."""
    action = getattr(action, "value", action)  # an enumerated action logs as its value
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
    _count(action, status, outcome)

"""Tracing costs nothing outside Lambda; logs are one JSON object per line (Powertools
Logger); business metrics are one CloudWatch EMF document per counted request."""
import enum
import io
import json
import logging
import subprocess
import sys
import time

import pytest
from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import Metrics

from geocritters import observability
from geocritters.game import catching


def test_importing_the_app_does_not_import_the_xray_sdk():
    code = "import app, sys; print('aws_xray_sdk' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tracing_is_only_enabled_inside_lambda(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    observability.enable_tracing()
    assert observability._tracing_ready is False


def test_request_log_line_is_json_without_raw_ids():
    logger = observability.configure_logging()
    handler = next(h for h in logger.handlers if isinstance(h.formatter, observability.JsonFormatter))
    record = logging.LogRecord("geocritters.game", logging.INFO, "", 0, "request", (), None)
    record.player = observability.player_ref("pl-secret-id")
    record.action = "map"
    line = json.loads(handler.format(record))
    assert line["action"] == "map" and line["message"] == "request"
    assert "pl-secret-id" not in json.dumps(line)
    assert line["player"] == observability.player_ref("pl-secret-id")


def test_log_request_records_status_and_duration():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observability.JsonFormatter())
    logger = observability.configure_logging()
    logger.addHandler(handler)
    try:
        observability.log_request("spin", "/v1/stops/{stop_id}/spin", 409, time.perf_counter(),
                                  "pl-abc", "req-1", "stop_cooling_down")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["status"] == 409 and line["outcome"] == "stop_cooling_down"
    assert line["request_id"] == "req-1" and line["duration_ms"] >= 0


def test_log_lines_come_from_the_powertools_logger():
    logger = observability.configure_logging()
    handler = next(h for h in logger.handlers if isinstance(h.formatter, observability.JsonFormatter))
    assert isinstance(logger, Logger) and isinstance(handler.formatter, LambdaPowertoolsFormatter)
    # Calling it again (a second app import, a test) neither adds a handler nor another logger.
    assert observability.configure_logging() is logger
    assert [h for h in logger.handlers if isinstance(h.formatter, observability.JsonFormatter)] == [handler]
    # Not propagated to Chalice's plain-text handler on the "geocritters" logger.
    assert logging.getLogger("geocritters.game").propagate is False


def test_an_enumerated_action_logs_as_its_value():
    class Action(enum.Enum):
        SPIN = "spin"

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observability.JsonFormatter())
    logger = observability.configure_logging()
    logger.addHandler(handler)
    try:
        observability.log_request(Action.SPIN, "/v1/stops/{stop_id}/spin", 200, time.perf_counter(),
                                  "pl-abc", "req-2")
    finally:
        logger.removeHandler(handler)
    assert json.loads(stream.getvalue().strip().splitlines()[-1])["action"] == "spin"


def test_throw_outcomes_are_the_catch_rules_outcomes():
    assert {catching.CAUGHT, catching.ESCAPED, catching.FLED} == observability.THROW_OUTCOMES


@pytest.mark.parametrize(("environment", "printed"), [
    ({}, False),  # tests, chalice local, the benchmark
    ({"AWS_LAMBDA_FUNCTION_NAME": "geocritters-prod-catch"}, True),
    ({"AWS_LAMBDA_FUNCTION_NAME": "geocritters-prod-catch", "POWERTOOLS_METRICS_DISABLED": "true"}, False),
    ({"POWERTOOLS_METRICS_DISABLED": "false"}, True),
])
def test_metrics_are_printed_inside_lambda_or_when_asked(monkeypatch, environment, printed):
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "POWERTOOLS_METRICS_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert observability.metrics_printed() is printed


def _emf_documents(out: str) -> list[dict]:
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [line for line in lines if "_aws" in line]


@pytest.mark.parametrize(("action", "status", "outcome", "metric", "dimensions"), [
    ("throw", 200, "fled", "Throws", {"service": "throw", "outcome": "fled"}),
    ("spin", 200, None, "Spins", {"service": "spin"}),
    ("spin", 409, "stop_cooling_down", "Refusals", {"service": "spin", "code": "stop_cooling_down"}),
    ("map", 429, "rate_limited", "Refusals", {"service": "map", "code": "rate_limited"}),
])
def test_one_emf_document_per_counted_request(monkeypatch, capsys, action, status, outcome, metric,
                                               dimensions):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()
    for _ in range(2):  # a warm container's second request carries nothing of the first
        observability.log_request(action, "/route", status, time.perf_counter(), "pl-abc", "req-3", outcome)
        [document] = _emf_documents(capsys.readouterr().out)
        [directive] = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "Geocritters"
        assert directive["Metrics"] == [{"Name": metric, "Unit": "Count"}]
        assert directive["Dimensions"] == [list(dimensions)]
        assert {k: document[k] for k in dimensions} == dimensions
        assert document[metric] == [1.0]
        assert "pl-abc" not in json.dumps(document) and observability.player_ref("pl-abc") not in json.dumps(document)


@pytest.mark.parametrize(("action", "status", "outcome"), [
    ("map", 200, None), ("encounter", 201, None), ("throw", 500, None),
])
def test_requests_without_a_business_metric_print_none(monkeypatch, capsys, action, status, outcome):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()
    observability.log_request(action, "/route", status, time.perf_counter(), "pl-abc", "req-4", outcome)
    assert _emf_documents(capsys.readouterr().out) == []


def test_metrics_outside_lambda_are_built_but_not_printed(monkeypatch, capsys):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    built = []
    original = Metrics.serialize_metric_set
    monkeypatch.setattr(Metrics, "serialize_metric_set",
                        lambda self, *a, **k: built.append(original(self, *a, **k)) or built[-1])
    capsys.readouterr()
    observability.log_request("throw", "/route", 200, time.perf_counter(), "pl-abc", "req-5", "caught")
    assert _emf_documents(capsys.readouterr().out) == []
    assert [d["Throws"] for d in built] == [[1.0]]

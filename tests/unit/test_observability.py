"""Tracing costs nothing outside Lambda; logs are one JSON object per line."""
import io
import json
import logging
import subprocess
import sys
import time

from geocritters import observability


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

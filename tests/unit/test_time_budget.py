"""The worst case of every request fits its function's timeout, itself under API
Gateway's 29 s integration timeout. Reads the real configuration."""
import pytest

from geocritters.adapters import budget
from geocritters.adapters.models import ALL_MODELS
from geocritters.usecases.ports import BackendBusy
from infra.functions import FUNCTIONS, MAX_TIMEOUT_S

API_GATEWAY_TIMEOUT_S = 29


def test_function_timeouts_leave_room_for_one_worst_case_sdk_call():
    assert MAX_TIMEOUT_S < API_GATEWAY_TIMEOUT_S
    for spec in FUNCTIONS.values():
        assert spec.timeout_s <= MAX_TIMEOUT_S
        # A request can always make at least one SDK call, however slow, in time.
        assert spec.timeout_s - budget.MARGIN_S >= budget.SDK_CALL_WORST_CASE_S, spec.name


def test_pynamodb_models_use_the_budgeted_sdk_settings():
    for model in ALL_MODELS.values():
        connection = model._get_connection().connection
        assert connection._connect_timeout_seconds == budget.SDK_CONNECT_TIMEOUT_S
        assert connection._read_timeout_seconds == budget.SDK_READ_TIMEOUT_S
        assert connection._max_retry_attempts_exception + 1 == budget.SDK_TOTAL_ATTEMPTS


def test_boto3_clients_use_the_budgeted_sdk_settings():
    config = budget.sdk_config()
    assert config.connect_timeout == budget.SDK_CONNECT_TIMEOUT_S
    assert config.read_timeout == budget.SDK_READ_TIMEOUT_S
    assert config.retries == {"total_max_attempts": budget.SDK_TOTAL_ATTEMPTS, "mode": "standard"}


def test_worst_case_arithmetic():
    # 3 attempts x (0.5 s connect + 1 s read) + backoff rand*1 s + rand*2 s.
    assert pytest.approx(7.5) == budget.SDK_CALL_WORST_CASE_S


def test_no_sdk_call_starts_once_its_worst_case_would_overrun():
    budget.start_request(remaining_ms=10_000, now=100.0)  # deadline at 109.0
    try:
        budget.before_sdk_call(now=101.0)  # 8 s left: a 7.5 s worst case fits
        with pytest.raises(BackendBusy) as refused:
            budget.before_sdk_call(now=101.6)  # 7.4 s left: it would not
        assert refused.value.retry_after_s == 1
    finally:
        budget.start_request(None)
    budget.before_sdk_call(now=10_000.0)  # no deadline outside a request

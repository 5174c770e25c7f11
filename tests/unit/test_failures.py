"""What a failed DynamoDB call means to the game (adapters/failures.py)."""
import pytest

from geocritters.adapters.failures import raise_if_unavailable, raise_unless_condition_failed
from geocritters.usecases.ports import BackendBusy


class Failed(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.cause_response_code = code
        self.cause = None


@pytest.mark.parametrize("code", ["ThrottlingException", "ProvisionedThroughputExceededException"])
def test_a_busy_backend_is_retry_later(code):
    with pytest.raises(BackendBusy):
        raise_if_unavailable(Failed(code))


def test_a_single_write_crossing_a_transaction_is_retry_later_not_a_500():
    # The map's position update while a friend's trade writes this player's item.
    with pytest.raises(BackendBusy):
        raise_unless_condition_failed(Failed("TransactionConflictException"))


def test_a_failed_condition_is_the_callers_to_handle_and_anything_else_is_raised():
    raise_unless_condition_failed(Failed("ConditionalCheckFailedException"))
    with pytest.raises(Failed):
        raise_unless_condition_failed(Failed("ValidationException"))

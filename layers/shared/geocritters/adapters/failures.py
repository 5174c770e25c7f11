"""What a failed DynamoDB call means to the game: busy (retry later, same key), or a
write condition that did not hold. Read from PynamoDB's ``cause_response_code`` and
``cause``, never from message text."""
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from ..usecases.ports import BackendBusy

THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException",
             "RequestLimitExceeded", "InternalServerError", "ServiceUnavailable"}
CONDITION_FAILED = "ConditionalCheckFailedException"
# A single write to an item that a transaction is writing at that moment (the map's
# position update while a friend's trade pays this player): not applied, and the SDK
# doesn't retry it.
CROSSED_A_TRANSACTION = "TransactionConflictException"


def unavailable(error) -> bool:
    """Throttled, or no answer at all (timeouts, dropped connections) after the SDK's
    own retries: either way the client should retry later, with the same key."""
    if getattr(error, "cause_response_code", None) in THROTTLED:
        return True
    return isinstance(getattr(error, "cause", None), (BotocoreConnectionError, HTTPClientError))


# Secrets Manager's name for its own 5xx (DynamoDB's is InternalServerError).
SECRETS_INTERNAL_ERROR = "InternalServiceError"


def sdk_call_unavailable(error: Exception) -> bool:
    """The same question for a plain boto3 call (no PynamoDB wrapper): throttled, the
    service's own 5xx, or no answer after the SDK's retries."""
    if isinstance(error, (BotocoreConnectionError, HTTPClientError)):
        return True
    return isinstance(error, ClientError) and \
        error.response.get("Error", {}).get("Code") in THROTTLED | {SECRETS_INTERNAL_ERROR}


def raise_if_unavailable(error) -> None:
    if unavailable(error):
        raise BackendBusy("the game is busy; retry shortly", retry_after_s=1) from error


def raise_unless_condition_failed(error) -> None:
    """Re-raise anything but a failed write condition (the one failure callers handle);
    a write that crossed a transaction is busy, not broken: the client retries later."""
    raise_if_unavailable(error)
    if error.cause_response_code == CROSSED_A_TRANSACTION:
        raise BackendBusy("the game is busy; retry shortly", retry_after_s=1) from error
    if error.cause_response_code != CONDITION_FAILED:
        raise error

"""Count DynamoDB calls with a botocore event hook (registered on every new session,
the way moto registers its own), so call budgets are measured, not read off the code."""
import contextlib

from botocore import handlers

_recording: list | None = None


def _on_call(model, params, **_kwargs):
    if _recording is not None:
        _recording.append(model.name)


# Every botocore session created from now on (boto3's and PynamoDB's) runs this hook.
handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", _on_call))


@contextlib.contextmanager
def dynamodb_calls():
    """Yields the list of DynamoDB operation names called inside the block."""
    global _recording
    _recording = calls = []
    try:
        yield calls
    finally:
        _recording = None

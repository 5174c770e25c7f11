"""DynamoDB call recording for requests of DIFFERENT routes that race.

``ddb_calls.dynamodb_calls`` marks a block as overlapped only if another block is still
open when it ends. A block that outlives the ones that ran beside it ends alone, yet
holds their calls too: when the racers serve different routes (a battle beside a
claim), the least-privilege check then blames one route for the other's calls. This
recorder marks every block that was ever open beside another one, at either end."""
import contextlib

from tests.support.ddb_calls import Calls, _active, _lock


@contextlib.contextmanager
def dynamodb_calls_marking_overlaps():
    calls = Calls()
    with _lock:
        for other in _active:
            other.overlapped = True
        calls.overlapped = bool(_active)
        _active.append(calls)
    try:
        yield calls
    finally:
        with _lock:
            calls.overlapped = calls.overlapped or len(_active) > 1
            _active[:] = [other for other in _active if other is not calls]

"""Count DynamoDB calls with a botocore event hook (registered on every new session,
the way moto registers its own), so call budgets are measured, not read off the code."""
import contextlib
import threading

from botocore import handlers

_active: list = []  # recorders of the enclosing blocks (they nest, and race tests run many)
_lock = threading.Lock()

# TransactWriteItems is authorised per item, as the item's own action.
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem"}


def _on_call(model, params, **_kwargs):
    with _lock:
        for calls in _active:
            calls.append((model.name, params))


# Every botocore session created from now on (boto3's and PynamoDB's) runs this hook.
# before-parameter-build sees the API parameters (TableName, TransactItems...) as called.
handlers.BUILTIN_HANDLERS.append(("before-parameter-build.dynamodb", _on_call))


class Calls(list):
    """The (operation, params) pairs recorded; iterating names is the common case."""

    overlapped = False

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self]

    def table_actions(self) -> set[tuple[str, str]]:
        """(table name, IAM action) pairs these calls need."""
        needed = set()
        for name, params in self:
            if name == "TransactWriteItems":
                for item in params["TransactItems"]:
                    (kind, body), = item.items()
                    needed.add((body["TableName"], _TRANSACT_ACTIONS[kind]))
            elif name in ("BatchGetItem", "BatchWriteItem"):
                needed |= {(table, name) for table in params["RequestItems"]}
            else:
                needed.add((params["TableName"], name))
        return needed


@contextlib.contextmanager
def dynamodb_calls():
    """Yields the DynamoDB calls made inside the block. A block that was ever open beside
    another one is ``overlapped`` (at either end: one that outlives the blocks it ran
    beside ends alone, yet holds their calls too), so checks that attribute calls to one
    request can skip it."""
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


# --- concurrency probe -----------------------------------------------------------------

_gates: list = []


def _on_before_call(model, **_kwargs):
    for gate in list(_gates):
        gate(model.name)


handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", _on_before_call))


@contextlib.contextmanager
def in_flight_together(*operations: str, timeout_s: float = 5.0):
    """Proves calls overlap: the first call of each listed operation waits, just before it
    is sent, until the first call of every other one has arrived too. Yields the list of
    operations that met; code making these calls one after another can't fill it (the
    first waits ``timeout_s``, gives up, and the others pass straight through)."""
    barrier = threading.Barrier(len(operations), timeout=timeout_s)
    met: list[str] = []
    waited: set[str] = set()

    def gate(operation: str) -> None:
        with _lock:
            if operation not in operations or operation in waited:
                return
            waited.add(operation)
        try:
            barrier.wait()
            met.append(operation)
        except threading.BrokenBarrierError:
            pass

    _gates.append(gate)
    try:
        yield met
    finally:
        _gates.remove(gate)
        barrier.abort()

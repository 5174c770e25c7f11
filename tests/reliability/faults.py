"""DynamoDB fault injection inside botocore's retry loop.

moto answers AWS requests from a ``before-send`` hook that every botocore session gets
from ``botocore.handlers.BUILTIN_HANDLERS``. ``install`` puts ``FaultyDynamoDB`` in that
hook's place: it sees every attempt botocore makes (first tries and SDK retries) and,
for DynamoDB, may

- answer a **throttle** (HTTP 400 ``ProvisionedThroughputExceededException``) without
  passing the request on: nothing is applied and botocore retries it;
- **lose the response**: pass the request to moto (so it is applied, conditions and
  all) and then raise ``ReadTimeoutError`` / ``ConnectionClosedError`` as if the
  connection died on the way back; botocore retries it as a new attempt;
- answer a **transaction conflict** on ``TransactWriteItems`` without applying it:
  either ``TransactionConflictException`` or, what DynamoDB returns when two
  transactions collide, ``TransactionCanceledException`` with a ``TransactionConflict``
  cancellation reason. botocore does not retry either.

Wrapping moto's own hook (rather than adding a second one) matters: botocore calls every
``before-send`` handler, so a throttle answered by another handler would still have been
applied by moto's.

``install`` also removes the real sleeps of botocore's backoff (they are summed in
``backoff_s`` instead; a throttle retry waits up to 1-2 s) and lets the app's PynamoDB
connections share one botocore session (see ``share_botocore_session``).
"""
import json
import random
import threading
import uuid
from collections import Counter, deque

import botocore.session
import pynamodb.connection.base as pynamodb_base
from botocore import handlers
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
from botocore.retries.standard import ExponentialBackoff
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber as moto_stubber

THROTTLE = "throttle"
LOST = "lost_response"
CONFLICT = "transaction_conflict"  # TransactionConflictException
CANCELED_CONFLICT = "transaction_canceled_conflict"  # TransactionCanceled [TransactionConflict]
KINDS = (THROTTLE, LOST, CONFLICT, CANCELED_CONFLICT)

_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"


def error_response(request, code: str, message: str, **extra) -> AWSResponse:
    """A DynamoDB JSON error answer, as the service sends it."""
    body = json.dumps({"__type": _ERROR_PREFIX + code, "message": message, **extra}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": str(uuid.uuid4()),
               "Content-Length": str(len(body))}
    return AWSResponse(request.url, 400, headers, MockRawResponse(body))


def _transact_item_count(request) -> int:
    body = request.body
    if hasattr(body, "read"):  # a stream: read it and put it back
        position = body.tell()
        raw = body.read()
        body.seek(position)
        body = raw
    try:
        return len(json.loads(body)["TransactItems"])
    except (ValueError, KeyError, TypeError):
        return 1


class FaultyDynamoDB:
    """moto's ``before-send`` hook with seeded faults in front of it (DynamoDB only)."""

    def __init__(self, inner=moto_stubber, seed: int = 0, lost: float = 0.20,
                 throttle: float = 0.10, conflict: float = 0.10):
        self.inner = inner
        self.rates = {LOST: lost, THROTTLE: throttle, CONFLICT: conflict}
        self.rng = random.Random(seed)
        self.enabled = False
        self.thread: int | None = None  # when set: random faults only on this thread's attempts
        self.forced: deque = deque()  # scripted faults (or None) for the next attempts
        self.forced_on: dict[str, deque] = {}  # the same, for attempts of one operation
        self.attempts: Counter = Counter()  # operation -> attempts seen while enabled
        self.injected: Counter = Counter()  # (kind, operation) -> faults injected
        self.lost_statuses: Counter = Counter()  # status moto gave to lost responses
        self.backoff_s = 0.0  # what botocore would have slept

    def reseed(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def force(self, *faults, operation: str | None = None) -> None:
        """Inject exactly these faults (a kind or None = no fault) on the next attempts
        (of ``operation`` only, e.g. "TransactWriteItems", when given)."""
        if operation is None:
            self.forced.extend(faults)
        else:
            self.forced_on.setdefault(operation, deque()).extend(faults)

    def clear_forced(self) -> None:
        self.forced.clear()
        self.forced_on.clear()

    def _scripted(self) -> bool:
        return bool(self.forced) or any(self.forced_on.values())

    def by_kind(self) -> Counter:
        totals = Counter()
        for (kind, _operation), n in self.injected.items():
            totals[kind] += n
        return totals

    def _choose(self, operation: str):
        if self.forced_on.get(operation):
            return self.forced_on[operation].popleft()
        if self.forced:
            return self.forced.popleft()
        if not self.enabled:
            return None
        draw = self.rng.random()
        if draw < self.rates[LOST]:
            return LOST
        if draw < self.rates[LOST] + self.rates[THROTTLE]:
            return THROTTLE
        if operation == "TransactWriteItems" and self.rng.random() < self.rates[CONFLICT]:
            return CONFLICT if self.rng.random() < 0.5 else CANCELED_CONFLICT
        return None

    def __call__(self, event_name, request, **kwargs):
        if not self.inner.enabled:  # no mock active: let botocore send it for real
            return None
        parts = event_name.split(".")
        if len(parts) < 3 or parts[1] != "dynamodb" or not (self.enabled or self._scripted()):
            return self.inner(event_name, request, **kwargs)
        if self.thread is not None and threading.get_ident() != self.thread and not self._scripted():
            return self.inner(event_name, request, **kwargs)
        operation = parts[2]
        self.attempts[operation] += 1
        fault = self._choose(operation)
        if fault is None:
            return self.inner(event_name, request, **kwargs)
        self.injected[(fault, operation)] += 1
        if fault == THROTTLE:
            return error_response(request, "ProvisionedThroughputExceededException",
                                  "The level of configured provisioned throughput for the table "
                                  "was exceeded. (injected)")
        if fault == CONFLICT:
            return error_response(request, "TransactionConflictException",
                                  "Transaction is ongoing for the item (injected)")
        if fault == CANCELED_CONFLICT:
            count = _transact_item_count(request)
            victim = self.rng.randrange(count)
            reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                       if i == victim else {"Code": "None"} for i in range(count)]
            codes = ", ".join(r["Code"] for r in reasons)
            return error_response(request, "TransactionCanceledException",
                                  f"Transaction cancelled, please refer cancellation reasons for "
                                  f"specific reasons [{codes}] (injected)",
                                  CancellationReasons=reasons)
        # LOST: the request reaches the database and is applied; the answer never arrives.
        applied = self.inner(event_name, request, **kwargs)
        self.lost_statuses[getattr(applied, "status_code", None)] += 1
        error = ReadTimeoutError if self.rng.random() < 0.5 else ConnectionClosedError
        raise error(endpoint_url=request.url)


def share_botocore_session(monkeypatch):
    """One botocore session for every PynamoDB connection the app opens.

    PynamoDB gives each connection (one per model class, one for transactions) its own
    botocore session, and a new session reloads the service model files: ~0.25 s of CPU
    each here, paid again in every forked epoch of the fault run. Each connection still
    builds its own client (its own retry quota and config), as in the app."""
    shared = botocore.session.get_session()
    monkeypatch.setattr(pynamodb_base, "get_session", lambda: shared)
    _forget_model_connections()
    return shared


def _forget_model_connections():
    from geocritters.adapters.models import ALL_MODELS

    for model in ALL_MODELS.values():
        model._connection = None


def install(monkeypatch, injector: FaultyDynamoDB) -> FaultyDynamoDB:
    """Put ``injector`` in place of moto's hook for every botocore session created from
    now on, and make botocore's retry backoff instant (summed in ``backoff_s``)."""
    entry = ("before-send", moto_stubber)
    assert entry in handlers.BUILTIN_HANDLERS, "moto's before-send hook is not registered"
    monkeypatch.setattr(handlers, "BUILTIN_HANDLERS",
                        [("before-send", injector) if spec == entry else spec
                         for spec in handlers.BUILTIN_HANDLERS])
    original_delay = ExponentialBackoff.delay_amount

    def no_sleep(self, context):
        injector.backoff_s += original_delay(self, context)
        return 0

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", no_sleep)
    share_botocore_session(monkeypatch)
    return injector

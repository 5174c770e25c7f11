"""botocore event hooks: record every AWS call a request makes, ask DynamoDB for its
consumed capacity, capture raw responses and replay them.

The handlers are appended to ``botocore.handlers.BUILTIN_HANDLERS`` at import, so every
botocore session created afterwards (boto3's default session, each PynamoDB connection)
runs them: import this module before anything creates a session. When no recorder,
replay or stub is active they return at once (a few hundred nanoseconds per call).

- ``recording()``: the calls made inside the block, with timings, parameters, the
  parsed response and (``raw=True``) the raw HTTP response for later replay.
- ``consumed_capacity()``: adds ``ReturnConsumedCapacity=TOTAL`` to every DynamoDB call
  that accepts it (the emulator then reports what it charged).
- ``replaying(responses)``: botocore answers from canned responses (a ``before-send``
  hook returning ``AWSResponse``): no socket, no emulator, only the client's own work.
  Each call gets the response recorded for its own request body when there is one.
- ``stub_secret(value)``: Secrets Manager ``GetSecretValue`` answered locally (DynamoDB
  Local has no Secrets Manager); the cold path still makes, and counts, the call.
"""
from __future__ import annotations

import contextlib
import copy
import json
import threading
import time
from dataclasses import dataclass

from botocore import handlers
from botocore.awsrequest import AWSResponse

# Operations that accept ReturnConsumedCapacity.
_CAPACITY_OPERATIONS = {
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
    "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
}


@dataclass
class Call:
    service: str  # botocore service id, hyphenated: dynamodb, secrets-manager
    operation: str
    params: dict
    started: float
    ended: float | None = None
    status: int | None = None
    parsed: dict | None = None
    raw: dict | None = None  # {"status", "headers", "body"} when captured
    sent: str | None = None  # the request body as sent (recorded with raw=True)

    @property
    def consumed(self) -> list[dict]:
        """DynamoDB's ConsumedCapacity entries (one per table), if it reported any."""
        value = (self.parsed or {}).get("ConsumedCapacity")
        if value is None:
            return []
        return value if isinstance(value, list) else [value]


class Calls(list):
    """The calls recorded in one block, in order."""

    def of(self, service: str) -> Calls:
        return Calls(c for c in self if c.service == service)

    @property
    def names(self) -> list[str]:
        return [c.operation for c in self]

    def max_in_flight(self) -> int:
        """The most calls ever in flight at once (1 = strictly sequential)."""
        edges = sorted([(c.started, 1) for c in self] + [(c.ended or c.started, -1) for c in self],
                       key=lambda e: (e[0], e[1]))
        best = current = 0
        for _, step in edges:
            current += step
            best = max(best, current)
        return best

    def round_trips(self) -> int:
        """Sequential network round trips: calls that did not overlap an earlier one."""
        trips, busy_until = 0, float("-inf")
        for c in sorted(self, key=lambda c: c.started):
            if c.started >= busy_until:
                trips += 1
            busy_until = max(busy_until, c.ended or c.started)
        return trips


class _State:
    """Shared by every thread: a request may make calls from a background thread (the
    map's curated read), and those count as the request's calls too."""

    def __init__(self):
        self.recorders: list[tuple[Calls, bool]] = []
        self.capacity = False
        self.replay: list | None = None


class _InFlight(threading.local):
    """Per thread. A call starts and ends on the same thread: its record waits here
    meanwhile. ``suppressed`` hides this thread's side-channel reads (the size model's)
    without hiding another thread's calls made at the same moment."""

    def __init__(self):
        self.calls: list[Call] = []
        self.suppressed = False


_state = _State()
_in_flight = _InFlight()
_lock = threading.Lock()
_secret: dict = {"value": None}
before_write = None  # set by capacity.SizeModel while it tracks writes: f(call) -> None


def _parts(event_name: str) -> tuple[str, str]:
    _, service, operation = event_name.split(".", 2)
    return service, operation


def _on_params(params, event_name, **_kwargs):
    state = _state
    if _in_flight.suppressed or not (state.recorders or state.capacity):
        return
    service, operation = _parts(event_name)
    if state.capacity and service == "dynamodb" and operation in _CAPACITY_OPERATIONS:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")
    if state.recorders:
        call = Call(service, operation, copy.deepcopy(params), time.perf_counter())
        _in_flight.calls.append(call)
        if before_write is not None and service == "dynamodb":
            before_write(call)


def _finish(http_response=None, parsed=None, error=None):
    state = _state
    if _in_flight.suppressed or not state.recorders or not _in_flight.calls:
        return
    call = _in_flight.calls.pop()
    call.ended = time.perf_counter()
    if http_response is not None:
        call.status = http_response.status_code
        call.parsed = parsed
    with _lock:
        recorders = list(state.recorders)
    for calls, raw in recorders:
        if raw and http_response is not None:
            call.raw = {"status": http_response.status_code,
                        "headers": dict(http_response.headers),
                        "body": http_response.content.decode("utf-8")}
        calls.append(call)


def _on_after_call(http_response, parsed, event_name, **_kwargs):
    _finish(http_response=http_response, parsed=parsed)


def _on_after_call_error(exception, **_kwargs):
    _finish(error=exception)


class _Raw:
    """The raw body ``AWSResponse.content`` reads through ``stream()``."""

    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_kwargs):
        yield self._body


class ReplayMismatch(AssertionError):
    pass


def _on_before_send(request, event_name, **_kwargs):
    state = _state
    if _in_flight.suppressed:
        return None
    service, operation = _parts(event_name)
    if state.replay is None and state.recorders and _in_flight.calls:
        # This thread's call being sent: its body picks its response at replay.
        _in_flight.calls[-1].sent = _text(request.body)
    if state.replay is not None:
        # The canned response recorded for this very request body, else the next one for
        # this operation and these tables. Calls from several threads arrive in any
        # order: the map's cells and gyms reads (both BatchGetItems, told apart by their
        # tables), a board's shard queries (up to 24 Queries of one table in flight:
        # counts, tops and neighbours, told apart only by their bodies). Bodies that
        # change between recording and replay (fresh ids) fall back to the order of
        # calls of one kind on the same tables, which a sequential request keeps.
        tables = _tables_of_body(request.body)
        sent = request_key(request.body)
        with _lock:
            candidates = [i for i, c in enumerate(state.replay)
                          if (c["service"], c["operation"]) == (service, operation)
                          and c.get("tables", tables) == tables]
            index = next((i for i in candidates if state.replay[i].get("request") == sent),
                         candidates[0] if candidates else None)
            if index is None:
                left = [f"{c['service']}.{c['operation']}" for c in state.replay]
                raise ReplayMismatch(f"no canned response left for {service}.{operation} "
                                     f"(left: {left})")
            canned = state.replay.pop(index)
        return AWSResponse(request.url, canned["status"], canned["headers"],
                           _Raw(canned["body"].encode("utf-8")))
    if _secret["value"] is not None and (service, operation) == ("secrets-manager", "GetSecretValue"):
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"},
                           _Raw(secret_response_body(_secret["value"]).encode()))
    return None


def _text(body) -> str | None:
    if body is None:
        return None
    return body.decode("utf-8") if isinstance(body, bytes) else str(body)


def request_key(body) -> str | None:
    """A request body as replay compares it: JSON with sorted keys and without
    ReturnConsumedCapacity (added while counting, never asked for by the app)."""
    text = _text(body)
    if not text:
        return text
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    if isinstance(parsed, dict):
        parsed.pop("ReturnConsumedCapacity", None)
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"))


def secret_response_body(value: str, name: str = "geocritters/bench/game-secret") -> str:
    return json.dumps({
        "ARN": f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf",
        "Name": name, "VersionId": "00000000-0000-4000-8000-000000000000",
        "SecretString": value, "VersionStages": ["AWSCURRENT"], "CreatedDate": 1.7e9,
    })


handlers.BUILTIN_HANDLERS.extend([
    ("before-parameter-build", _on_params),
    ("after-call", _on_after_call),
    ("after-call-error", _on_after_call_error),
    ("before-send", _on_before_send),
])


@contextlib.contextmanager
def recording(raw: bool = False):
    """Yields the ``Calls`` made inside the block (nested blocks each get them all)."""
    calls = Calls()
    entry = (calls, raw)
    with _lock:
        _state.recorders.append(entry)
    try:
        yield calls
    finally:
        with _lock:
            _state.recorders.remove(entry)
        if not _state.recorders:
            _in_flight.calls.clear()


@contextlib.contextmanager
def consumed_capacity():
    previous, _state.capacity = _state.capacity, True
    try:
        yield
    finally:
        _state.capacity = previous


@contextlib.contextmanager
def replaying(responses: list[dict]):
    """Answer every AWS call from ``responses`` ({service, operation, status, headers,
    body, and the ``request`` body they answered): each call gets the unused response
    recorded for its body, else the first unused one of its operation and tables; a
    call with none left fails loudly."""
    previous, _state.replay = _state.replay, list(responses)
    try:
        yield _state.replay
    finally:
        _state.replay = previous


@contextlib.contextmanager
def suppressed():
    """Calls made inside are invisible to recorders (side-channel reads)."""
    previous, _in_flight.suppressed = _in_flight.suppressed, True
    try:
        yield
    finally:
        _in_flight.suppressed = previous


def stub_secret(value: str | None) -> None:
    """Answer GetSecretValue with ``value`` from now on (None: stop)."""
    _secret["value"] = value


def _tables(params: dict) -> list[str]:
    if not isinstance(params, dict):
        return []
    if isinstance(params.get("RequestItems"), dict):
        return sorted(params["RequestItems"])
    if params.get("TransactItems"):
        return sorted({next(iter(entry.values())).get("TableName", "") for entry in params["TransactItems"]})
    return [params["TableName"]] if isinstance(params.get("TableName"), str) else []


def _tables_of_body(body) -> list[str]:
    try:
        return _tables(json.loads(body)) if body else []
    except (ValueError, TypeError, AttributeError, StopIteration):
        return []


def canned(calls: Calls) -> list[dict]:
    """The raw responses of recorded calls, in replay form (with the tables each call
    named, so replies go to the call that asked for them)."""
    missing = [c.operation for c in calls if c.raw is None]
    if missing:
        raise ValueError(f"calls recorded without raw=True: {missing}")
    return [{"service": c.service, "operation": c.operation, "tables": _tables(c.params),
             "request": request_key(c.sent), **c.raw}
            for c in calls]

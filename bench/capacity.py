"""DynamoDB read/write units from item sizes, by DynamoDB's published rounding rules.

Two sources of capacity figures, and the benchmark prints which one it used:

- the emulator's own ``ConsumedCapacity`` (``ReturnConsumedCapacity=TOTAL``): DynamoDB
  Local computes it from the stored item sizes. Measured here, it reports 0 for an
  empty Query and for a read of an item that doesn't exist, where DynamoDB bills the
  minimum (0.5 RRU eventually consistent, 1 strongly consistent): ``corrected()`` adds
  that minimum back, per call.
- ``SizeModel``: the same rules applied to the items a request actually read and wrote
  (sizes computed from the attribute values). It needs no emulator (moto reports fixed
  numbers), so the guard tests use it; the benchmark prints both side by side.

Rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/provisioned-capacity-mode.html,
.../CapacityUnitCalculations.html, .../CapacityUnitCalculations.html#ItemSizeCalculations):

- read unit = 4 KB, strongly consistent 1 unit, eventually consistent 0.5; GetItem rounds
  the item up to 4 KB, BatchGetItem each item, Query the SUM of the items it read; a read
  that finds nothing still costs the minimum;
- write unit = 1 KB of the larger of the item's size before and after the write; a
  delete costs the deleted item's size; at least 1;
- TransactWriteItems / TransactGetItems cost twice the plain operations;
- item size = sum over attributes of name length + value size: strings UTF-8 bytes,
  numbers 1 byte per 2 significant digits + 1, binary its bytes, booleans and null 1,
  lists and maps 3 bytes + 1 byte per element + the elements, sets the elements.
"""
from __future__ import annotations

import math
from decimal import Decimal

from . import hooks

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


# --- item sizes --------------------------------------------------------------------------

def _number_size(text: str) -> int:
    digits = Decimal(text).normalize().as_tuple().digits
    significant = len(digits) if any(digits) else 1
    return math.ceil(significant / 2) + 1


def value_size(value: dict) -> int:
    (kind, content), = value.items()
    if kind == "S":
        return len(content.encode("utf-8"))
    if kind == "N":
        return _number_size(content)
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in content)
    if kind == "NS":
        return sum(_number_size(n) for n in content)
    if kind == "BS":
        return sum(len(b) for b in content)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in content)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in content.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: dict | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def read_units(total_bytes: int, consistent: bool) -> float:
    units = max(1, math.ceil(total_bytes / READ_UNIT_BYTES))
    return units * (1.0 if consistent else 0.5)


def write_units(size_bytes: int) -> float:
    return float(max(1, math.ceil(size_bytes / WRITE_UNIT_BYTES)))


# --- the emulator's figures, with the minimum charges it leaves out ----------------------

def _failed_condition(call: hooks.Call) -> bool:
    return (call.status == 400 and call.operation in ("PutItem", "UpdateItem", "DeleteItem")
            and (call.parsed or {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def _several_in_one_table(call: hooks.Call) -> bool:
    """A TransactWriteItems writing two or more items into one table. DynamoDB Local
    3.3.1 under-reports those: two or three items under 1 KB in one table come back as
    2.0 units where DynamoDB bills 2 per item (measured; one item per table is right),
    so such a transaction is billed by the size model instead."""
    if call.operation != "TransactWriteItems":
        return False
    tables = [next(iter(entry.values()))["TableName"] for entry in call.params["TransactItems"]
              if next(iter(entry)) != "ConditionCheck"]
    return len(tables) > len(set(tables))


def corrected(call: hooks.Call, size_model: SizeModel | None = None) -> tuple[float, float]:
    """(RRU, WRU) DynamoDB would bill for one recorded call (call it once the request is
    done): the emulator's ConsumedCapacity, plus what the emulator leaves out: the
    minimum read charge, the write a failed condition still costs (DynamoDB bills the
    existing item's size, at least 1 WRU; the emulator returns no ConsumedCapacity with
    the error), and the items of a transaction it counts as one (``_several_in_one_table``)."""
    if call.service != "dynamodb" or call.status is None:
        return 0.0, 0.0
    if _failed_condition(call):
        return size_model.call_units(call) if size_model else (0.0, 1.0)
    if call.status >= 300:
        return 0.0, 0.0
    reported = sum(float(c.get("CapacityUnits", 0)) for c in call.consumed)
    op = call.operation
    if op in _WRITES:
        if size_model is not None and _several_in_one_table(call):
            return 0.0, max(reported, size_model.call_units(call, size_model.sizes_now(call))[1])
        return 0.0, reported
    if op not in _READS:
        return 0.0, 0.0
    params, parsed = call.params, call.parsed or {}
    if op in ("GetItem", "Query", "Scan"):
        minimum = 1.0 if params.get("ConsistentRead") else 0.5
        return max(reported, minimum), 0.0
    if op == "BatchGetItem":
        # each requested key is a GetItem: missing ones still cost the minimum
        missing = 0.0
        for table, request in params.get("RequestItems", {}).items():
            per = 1.0 if request.get("ConsistentRead") else 0.5
            returned = len(parsed.get("Responses", {}).get(table, []))
            missing += per * max(0, len(request.get("Keys", [])) - returned)
        return reported + missing, 0.0
    return reported, 0.0


def emulator_units(calls, size_model: SizeModel | None = None) -> dict:
    """Totals for a request's calls: the raw emulator figures and the corrected ones."""
    raw_r = raw_w = rru = wru = 0.0
    for call in calls:
        reported = sum(float(c.get("CapacityUnits", 0)) for c in call.consumed)
        if call.operation in _WRITES:
            raw_w += reported
        elif call.operation in _READS:
            raw_r += reported
        r, w = corrected(call, size_model)
        rru += r
        wru += w
    return {"rru": rru, "wru": wru, "rru_emulator_raw": raw_r, "wru_emulator_raw": raw_w}


# --- the size model ----------------------------------------------------------------------

class SizeModel:
    """Tracks the items a block of requests writes (their size before, via a side-channel
    read when the write is about to be sent, and after, once the request is done) and
    turns recorded calls into RRU/WRU by the rules above.

        model = SizeModel(raw_client)
        with model.tracking(), hooks.recording() as calls:
            ... the request ...
        units = model.units(calls)
    """

    def __init__(self, client):
        self._client = client  # a plain boto3 DynamoDB client on the same backend
        self._schemas: dict[str, list[str]] = {}
        self._before: dict[tuple, int] = {}

    def _key_names(self, table: str) -> list[str]:
        if table not in self._schemas:
            with hooks.suppressed():
                schema = self._client.describe_table(TableName=table)["Table"]["KeySchema"]
            self._schemas[table] = [k["AttributeName"] for k in schema]
        return self._schemas[table]

    def _ref(self, table: str, item_or_key: dict) -> tuple:
        names = self._key_names(table)
        key = {n: item_or_key[n] for n in names}
        return table, tuple((n, next(iter(key[n].items()))) for n in names)

    def _fetch_size(self, ref: tuple) -> int:
        table, parts = ref
        key = {name: {kind: value} for name, (kind, value) in parts}
        with hooks.suppressed():
            item = self._client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return item_size(item)

    def _written(self, call: hooks.Call) -> list[tuple]:
        p = call.params
        if call.operation == "PutItem":
            return [self._ref(p["TableName"], p["Item"])]
        if call.operation in ("UpdateItem", "DeleteItem"):
            return [self._ref(p["TableName"], p["Key"])]
        if call.operation == "TransactWriteItems":
            refs = []
            for entry in p["TransactItems"]:
                (kind, body), = entry.items()
                if kind == "ConditionCheck":
                    continue
                refs.append(self._ref(body["TableName"], body["Item"] if kind == "Put" else body["Key"]))
            return refs
        if call.operation == "BatchWriteItem":
            refs = []
            for table, requests in p["RequestItems"].items():
                for r in requests:
                    (kind, body), = r.items()
                    refs.append(self._ref(table, body["Item"] if kind == "PutRequest" else body["Key"]))
            return refs
        return []

    def _before_write(self, call: hooks.Call) -> None:
        for ref in self._written(call):
            if ref not in self._before:
                self._before[ref] = self._fetch_size(ref)

    def tracking(self):
        import contextlib

        @contextlib.contextmanager
        def block():
            self._before = {}
            previous, hooks.before_write = hooks.before_write, self._before_write
            try:
                yield self
            finally:
                hooks.before_write = previous
        return block()

    def sizes_now(self, call: hooks.Call) -> dict:
        """The current sizes of the items ``call`` wrote (after the request: ``after``)."""
        return {ref: self._fetch_size(ref) for ref in self._written(call)}

    def call_units(self, call: hooks.Call, after: dict | None = None) -> tuple[float, float]:
        """(RRU, WRU) of one call; ``after``: item sizes after the request (writes)."""
        after = after or {}
        if call.service != "dynamodb" or call.status is None:
            return 0.0, 0.0
        if _failed_condition(call):
            # billed as a write of the existing item (at least 1 WRU)
            return 0.0, sum(write_units(self._before.get(ref, 0)) for ref in self._written(call))
        if call.status >= 300:
            return 0.0, 0.0
        p, parsed, op = call.params, call.parsed or {}, call.operation
        if op == "GetItem":
            return read_units(item_size(parsed.get("Item")), bool(p.get("ConsistentRead"))), 0.0
        if op in ("Query", "Scan"):
            total = sum(item_size(i) for i in parsed.get("Items", []))
            return read_units(total, bool(p.get("ConsistentRead"))), 0.0
        if op == "BatchGetItem":
            rru = 0.0
            for table, request in p["RequestItems"].items():
                consistent = bool(request.get("ConsistentRead"))
                items = parsed.get("Responses", {}).get(table, [])
                rru += sum(read_units(item_size(i), consistent) for i in items)
                rru += read_units(0, consistent) * max(0, len(request["Keys"]) - len(items))
            return rru, 0.0
        if op == "TransactGetItems":
            rru = sum(2 * read_units(item_size(r.get("Item")), True) for r in parsed.get("Responses", []))
            return rru, 0.0
        refs = self._written(call)
        factor = 2.0 if op == "TransactWriteItems" else 1.0
        wru = 0.0
        for ref in refs:
            wru += factor * write_units(max(self._before.get(ref, 0), after.get(ref, 0)))
        return 0.0, wru

    def units_by_table(self, calls, stage_prefix: str = "") -> dict:
        """{table: {"rru", "wru"}} for the recorded calls, each call's units split by the
        table each item belongs to (same rules as ``call_units``); ``stage_prefix``
        (geocritters-<stage>-) is taken off the table names, leaving the template's short
        names. What the launch-surge model needs: DynamoDB scales, and throttles, per table."""
        refs = {ref for call in calls if call.service == "dynamodb" and not _failed_condition(call)
                for ref in self._written(call)}
        after = {ref: self._fetch_size(ref) for ref in refs}
        totals: dict[str, dict] = {}
        for call in calls:
            for table, sub in self._per_table(call):
                rru, wru = self.call_units(sub, after)
                name = table[len(stage_prefix):] if table.startswith(stage_prefix) else table
                entry = totals.setdefault(name, {"rru": 0.0, "wru": 0.0})
                entry["rru"] += rru
                entry["wru"] += wru
        return totals

    @staticmethod
    def _per_table(call: hooks.Call):
        """(table, call restricted to that table): a multi-table BatchGetItem or
        TransactWriteItems is billed item by item, so its parts can be billed apart."""
        from dataclasses import replace

        if call.service != "dynamodb":
            return []
        p = call.params
        if "TableName" in p:
            return [(p["TableName"], call)]
        if call.operation in ("BatchGetItem", "BatchWriteItem"):
            parts = []
            for table in p["RequestItems"]:
                parts.append((table, replace(
                    call, params={**p, "RequestItems": {table: p["RequestItems"][table]}})))
            return parts
        if call.operation in ("TransactWriteItems", "TransactGetItems"):
            by_table: dict[str, list] = {}
            for entry in p["TransactItems"]:
                (_kind, body), = entry.items()
                by_table.setdefault(body["TableName"], []).append(entry)
            parts = []
            for table, entries in by_table.items():
                sub = replace(call, params={**p, "TransactItems": entries})
                if call.operation == "TransactGetItems":
                    # Responses line up with the request's items: keep this table's ones.
                    indexes = [i for i, e in enumerate(p["TransactItems"])
                               if next(iter(e.values()))["TableName"] == table]
                    responses = (call.parsed or {}).get("Responses", [])
                    sub = replace(sub, parsed={
                        **(call.parsed or {}),
                        "Responses": [responses[i] for i in indexes if i < len(responses)]})
                parts.append((table, sub))
            return parts
        return []

    def units(self, calls) -> dict:
        """{"rru", "wru"} for the recorded calls (call after the request has finished)."""
        refs = {ref for call in calls if call.service == "dynamodb" and not _failed_condition(call)
                for ref in self._written(call)}
        after = {ref: self._fetch_size(ref) for ref in refs}
        rru = wru = 0.0
        for call in calls:
            r, w = self.call_units(call, after)
            rru += r
            wru += w
        return {"rru": rru, "wru": wru}

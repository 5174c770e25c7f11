"""The live events on DynamoDB (``EventRecord``, table ``events``): one partition, the
events by end time in the ``by_end`` index, so "every event ending after t" is ONE Query.

Every write is conditional: a create puts the item only if its id is free, a cancel sets
the end only if the item exists and has not ended. A refused condition is an answer
(False / None), not an error; a throttled or unanswered call is ``BackendBusy`` (503 +
Retry-After) like every other table's, so a gameplay request whose events cache is due
for its re-read answers 503 while the table is unavailable, never 500.
"""
from __future__ import annotations

import functools
import json

from pynamodb.exceptions import GetError, PutError, QueryError, UpdateError

from ..game.events import Effects, Event
from ..usecases.ports import StoredEvent
from .budget import before_sdk_call
from .failures import raise_if_unavailable, raise_unless_condition_failed
from .models import EventRecord

PARTITION = "events"


def _effects_json(effects: Effects) -> str:
    return json.dumps(effects.as_json(), sort_keys=True, separators=(",", ":"))


def _stored(record: EventRecord) -> StoredEvent:
    raw = json.loads(record.effects)
    effects = Effects(**{**raw, "spawn_species": tuple(raw.get("spawn_species", ()))})
    event = Event(record.event_id, record.name, int(record.start_ms), int(record.end_ms),
                  tuple(record.prefixes or ()), effects)
    cancelled = None if record.cancelled_ms is None else int(record.cancelled_ms)
    return StoredEvent(event, record.fingerprint, record.created_by, int(record.created_ms), cancelled)


class DynamoEvents:
    """``usecases.ports.EventStore`` on the events table."""

    def events_ending_after(self, after_ms: int) -> list[StoredEvent]:
        before_sdk_call()
        try:
            return [_stored(record) for record in
                    EventRecord.by_end.query(PARTITION, EventRecord.end_ms > after_ms)]
        except QueryError as error:
            raise_if_unavailable(error)
            raise

    def add_event(self, stored: StoredEvent, expires_at_s: int) -> bool:
        event = stored.event
        record = EventRecord(
            PARTITION, event.id, name=event.name, start_ms=event.start_ms, end_ms=event.end_ms,
            prefixes=list(event.prefixes), effects=_effects_json(event.effects),
            fingerprint=stored.fingerprint, created_by=stored.created_by,
            created_ms=stored.created_ms, expires_at=expires_at_s)
        before_sdk_call()
        try:
            record.save(condition=EventRecord.event_id.does_not_exist())
        except PutError as error:
            raise_unless_condition_failed(error)
            return False
        return True

    def end_event(self, event_id: str, now_ms: int, expires_at_s: int) -> StoredEvent | None:
        record = EventRecord(PARTITION, event_id)
        before_sdk_call()
        try:
            record.update(
                actions=[EventRecord.end_ms.set(now_ms), EventRecord.cancelled_ms.set(now_ms),
                         EventRecord.expires_at.set(expires_at_s)],
                condition=EventRecord.event_id.exists() & (EventRecord.end_ms > now_ms))
        except UpdateError as error:
            raise_unless_condition_failed(error)
            return None
        return _stored(record)  # update() refreshed it with the item as written (ALL_NEW)

    def get_event(self, event_id: str) -> StoredEvent | None:
        before_sdk_call()
        try:
            return _stored(EventRecord.get(PARTITION, event_id, consistent_read=True))
        except EventRecord.DoesNotExist:
            return None
        except GetError as error:
            raise_if_unavailable(error)
            raise


@functools.cache
def event_store() -> DynamoEvents:
    return DynamoEvents()

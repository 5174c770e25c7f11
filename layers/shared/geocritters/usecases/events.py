"""Live events: the per-container cache every function applies them through, and the
operator's create / list / cancel.

**The cache.** Every function that applies events reads them through ONE cache per
container (``EventsCache``, wired in bootstrap.py): at most one Query of the events table
every ``EVENTS_CACHE_TTL_MS`` (60 s), none in between. The cached list carries each
event's start and end, and every rule compares them with the clock, so an event starts
and ends *exactly* at its planned times everywhere; only creating or cancelling one takes
up to 60 s to reach every container. Hence:

- an event must start at least 2 x 60 s after it is created (``MIN_LEAD_MS``, 422
  ``event_starts_too_soon``): every container has read it before it starts, so the map
  (one container) and the encounter (another) always agree on a spawn;
- a cancel sets the end to now, and for up to 60 s a container that has not re-read
  shows the event's spawns as before while a refreshed one doesn't: a spawn appearing in
  that minute may be shown with an event species and met, in another container, as the
  ordinary creature its spawn point drew (or the map no longer shows it). Spawns that
  appeared before the cancel are unchanged: a spawn is under the events in force when
  it appeared.

The cache reads the events not ended, or ended within the last hour (a spawn lives at
most an hour and keeps the events of its appearance: game/events.py).

**Exactly once.** Creating takes an Idempotency-Key: the event id is derived from the
operator and the key, and the item is put only if that id is free. A retry finds its
own event (same fingerprint) and gets it back; another request with the same key is a
422 ``idempotency_key_reused``. This is the keyed mechanism of the gameplay actions,
with the event item itself as the record (one PutItem, no actions-table transaction:
an operator is not a player and has no player item).
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from ..game import events as rules
from ..game.config import DAY_MS, MINUTE_MS
from ..game.errors import Conflict
from .background import BackgroundReads
from .ports import EventStore, IdempotencyKeyReused, StoredEvent

EVENTS_CACHE_TTL_MS = 60_000
MIN_LEAD_MS = 2 * EVENTS_CACHE_TTL_MS
# An event's item stays this long after its end (TTL), then DynamoDB removes it.
KEEP_AFTER_END_MS = 7 * DAY_MS
# The operator's list shows events that ended within this long too.
LIST_LOOKBACK_MS = 7 * DAY_MS
assert rules.SPAWN_LOOKBACK_MS == 60 * MINUTE_MS


class NoEvents:
    """An event store with no events (a context wired without one: unit tests, tools)."""

    def events_ending_after(self, after_ms):
        return []


class EventsCache:
    """This container's view of the live events: re-read at most once a TTL."""

    def __init__(self, store, clock, ttl_ms: int = EVENTS_CACHE_TTL_MS):
        self._store = store
        self._clock = clock
        self._ttl_ms = ttl_ms
        self._events: tuple[rules.Event, ...] = ()
        self._read_ms: int | None = None
        self._lock = threading.Lock()
        self._background = BackgroundReads("events-read")

    def _due(self, now_ms: int) -> bool:
        return self._read_ms is None or now_ms - self._read_ms >= self._ttl_ms \
            or now_ms < self._read_ms

    def start(self) -> Callable[[], tuple[rules.Event, ...]]:
        """``current``, started now, for a request that makes its own DynamoDB call
        meanwhile (the map's position update): a fresh cache answers at once; a due
        re-read (a cold container, then once a TTL) runs on a background thread, so it
        adds no round trip. The caller must call the result (it re-raises the read's
        error)."""
        with self._lock:
            if not self._due(self._clock.now_ms()):
                events = self._events
                return lambda: events
        return self._background.start(self.current).result

    def current(self) -> tuple[rules.Event, ...]:
        """The events a spawn, reward or limit may need now (the cached list)."""
        now_ms = self._clock.now_ms()
        with self._lock:
            if self._due(now_ms):
                stored = self._store.events_ending_after(now_ms - rules.SPAWN_LOOKBACK_MS)
                self._events = tuple(sorted((s.event for s in stored), key=lambda e: e.id))
                self._read_ms = now_ms
            return self._events

    def effects_at(self, geohash: str | None, at_ms: int | None = None) -> rules.Effects:
        """What the events in force add up to at a place (None: no known place, only the
        worldwide events) and time (default now)."""
        at_ms = self._clock.now_ms() if at_ms is None else at_ms
        events = self.current()
        if geohash is None:
            events = [e for e in events if not e.prefixes]
        return rules.effects_at(events, geohash or "", at_ms)


def event_id_for(operator: str, key: str) -> str:
    """One event per (operator, Idempotency-Key): a retry names the same event."""
    digest = hashlib.sha256(f"{operator}|{key}".encode()).hexdigest()
    return rules.EVENT_ID_PREFIX + digest[:24]


def event_json(stored: StoredEvent) -> dict:
    return {**stored.event.as_json(), "created_by": stored.created_by,
            "created_ms": stored.created_ms, "cancelled_ms": stored.cancelled_ms}


def create_event(store: EventStore, clock, operator: str, key: str, request_fingerprint: str,
                 name: str, start_ms: int, end_ms: int, prefixes: tuple[str, ...],
                 effects: rules.Effects) -> dict:
    """Store a new event (checked by the caller's parsing and here for its window)."""
    now_ms = clock.now_ms()
    event_id = event_id_for(operator, key)
    rules.check_window(start_ms, end_ms, now_ms, MIN_LEAD_MS)
    stored = StoredEvent(rules.Event(event_id, name, start_ms, end_ms, prefixes, effects),
                         request_fingerprint, operator, now_ms)
    if store.add_event(stored, (end_ms + KEEP_AFTER_END_MS) // 1000):
        return event_json(stored)
    return _replay(store, event_id, request_fingerprint)


def _replay(store: EventStore, event_id: str, request_fingerprint: str) -> dict:
    found = store.get_event(event_id)
    if found is None or found.fingerprint != request_fingerprint:
        # None: stored, then expired by TTL (a key reused for weeks): not the same request.
        raise IdempotencyKeyReused("this Idempotency-Key was already used for a different request")
    return event_json(found)


def list_events(store: EventStore, clock) -> dict:
    """Events not ended or ended in the last 7 days, by start."""
    stored = store.events_ending_after(clock.now_ms() - LIST_LOOKBACK_MS)
    stored = sorted(stored, key=lambda s: (s.event.start_ms, s.event.id))
    return {"events": [event_json(s) for s in stored], "server_ms": clock.now_ms()}


def cancel_event(store: EventStore, clock, event_id: str) -> dict:
    """End an event now, only if it exists and has not ended (404 / 409 otherwise)."""
    now_ms = clock.now_ms()
    ended = store.end_event(event_id, now_ms, (now_ms + KEEP_AFTER_END_MS) // 1000)
    if ended is None:
        # Refused by the write's condition: tell the operator which part failed.
        if store.get_event(event_id) is None:
            raise rules.event_not_found(event_id)
        raise Conflict("this event has already ended", code="event_ended")
    return event_json(ended)

"""The per-container events cache (usecases/events.py) on a fake clock: one read a
minute at most, a created event seen within 60 s, starts and ends exact."""
from geocritters.adapters.clock import FakeClock
from geocritters.game.config import HOUR_MS
from geocritters.game.events import Effects, Event
from geocritters.usecases.events import EVENTS_CACHE_TTL_MS, MIN_LEAD_MS, EventsCache
from geocritters.usecases.ports import StoredEvent

NOW = 1_800_000_000_000


class CountingStore:
    def __init__(self):
        self.events: list[StoredEvent] = []
        self.reads = 0

    def events_ending_after(self, after_ms):
        self.reads += 1
        return [s for s in self.events if s.event.end_ms > after_ms]


def test_a_new_event_is_seen_within_the_ttl_and_applies_exactly_from_start_to_end():
    clock, store = FakeClock(NOW), CountingStore()
    cache = EventsCache(store, clock)
    assert cache.current() == () and store.reads == 1

    start = NOW + MIN_LEAD_MS
    event = Event("ev-0123456789", "x", start, start + HOUR_MS, (), Effects(xp_multiplier=2.0))
    store.events.append(StoredEvent(event, "f", "arn:aws:iam::1:user/op", NOW))
    clock.advance(EVENTS_CACHE_TTL_MS - 1)
    assert cache.current() == () and store.reads == 1  # cached: no read
    clock.advance(1)
    assert cache.current() == (event,) and store.reads == 2  # read again at 60 s

    # Seen before it starts (created >= 2 TTLs ahead), then applied exactly on time.
    clock.advance(start - 1 - clock.now_ms())
    assert cache.effects_at("u09t").xp_multiplier == 1.0
    clock.advance(1)
    assert cache.effects_at("u09t").xp_multiplier == 2.0
    clock.advance(event.end_ms - 1 - clock.now_ms())
    assert cache.effects_at("u09t").xp_multiplier == 2.0
    clock.advance(1)
    assert cache.effects_at("u09t").xp_multiplier == 1.0
    reads = store.reads
    for _ in range(100):
        cache.current()
    assert store.reads == reads  # 0 extra reads per request while cached


def test_a_regional_event_is_not_applied_without_a_place():
    clock, store = FakeClock(NOW), CountingStore()
    regional = Event("ev-0123456789", "x", NOW, NOW + HOUR_MS, ("u09",), Effects(gift_limit_multiplier=2.0))
    store.events.append(StoredEvent(regional, "f", "arn", NOW))
    cache = EventsCache(store, clock)
    assert cache.effects_at(None).gift_limit_multiplier == 1.0
    assert cache.effects_at("u09tv").gift_limit_multiplier == 2.0


def test_a_started_read_runs_on_another_thread_only_when_the_cache_is_due():
    """``start`` (the map's): a due re-read runs off the request's thread (so it can
    overlap the request's own write); a fresh cache answers without any read."""
    import threading

    clock, store = FakeClock(NOW), CountingStore()
    event = Event("ev-0123456789", "x", NOW, NOW + HOUR_MS, (), Effects(xp_multiplier=2.0))
    store.events.append(StoredEvent(event, "f", "arn", NOW))
    readers = []
    read = store.events_ending_after
    store.events_ending_after = lambda after_ms: (readers.append(threading.current_thread()), read(after_ms))[1]
    cache = EventsCache(store, clock)

    assert cache.start()() == (event,) and store.reads == 1
    assert readers and readers[0] is not threading.current_thread()
    assert cache.start()() == (event,) and store.reads == 1  # fresh: no read
    clock.advance(EVENTS_CACHE_TTL_MS)
    assert cache.start()() == (event,) and store.reads == 2

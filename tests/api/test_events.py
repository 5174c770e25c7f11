"""Live events' effects over the API: an event created by an operator changes the map's
spawns (and only while it is on), and doubles a spin's XP in its region."""
from geocritters import bootstrap
from geocritters.game import geo
from geocritters.game.config import HOUR_MS
from geocritters.game.species import spawnable
from geocritters.usecases.events import MIN_LEAD_MS
from tests.support.nearby import HOME, a_stop
from tests.support.operator import operator_call

REGION = geo.encode(*HOME, 4)


def create_event(api, clock, key: str, effects: dict, hours: int = 2) -> dict:
    start = clock.now_ms() + MIN_LEAD_MS
    status, event, _ = operator_call(api, "POST", "/v1/admin/events", {
        "name": "Test event", "start_ms": start, "end_ms": start + hours * HOUR_MS,
        "prefixes": [REGION], "effects": effects}, key=key)
    assert status == 201, event
    return event


def map_species(api, token) -> dict[str, int]:
    status, body, _ = api.call("GET", f"/v1/map?lat={HOME[0]}&lng={HOME[1]}", token=token)
    assert status == 200, body
    return {s["id"]: s["species"] for s in body["nearby"]}


def plain_species(now_ms: int) -> dict[str, int]:
    """The spawns around HOME as the world draws them without any event."""
    ctx = bootstrap.game_context()
    active = ctx.world.active_points_near(*HOME, ctx.config.radar_radius_m, now_ms)
    weather = {key: ctx.weather.weather_at(*key) for key in active.weather_keys()}
    return {s.id: s.species_id for s in ctx.world.spawns_of(active, weather)}


def test_event_species_are_on_the_map_during_the_event_and_not_after(api, clock):
    _, token = api.login("device-event-map")
    chosen = [s.id for s in spawnable()][:2]
    event = create_event(api, clock, "map-event-0001", {"spawn_species": chosen, "spawn_share": 0.5})

    clock.advance(MIN_LEAD_MS + HOUR_MS)  # every spawn around appeared during the event
    during, plain = map_species(api, token), plain_species(clock.now_ms())
    assert during.keys() == plain.keys() and during
    changed = {i for i in during if during[i] != plain[i]}
    assert changed and all(during[i] in chosen for i in changed)

    clock.advance(event["end_ms"] - clock.now_ms() + HOUR_MS)  # spawns all appeared after it
    after = map_species(api, token)
    assert after == plain_species(clock.now_ms())


def test_a_spin_in_the_events_region_pays_double_xp(api, clock):
    _, token = api.login("device-event-spin")
    create_event(api, clock, "xp-event-0001", {"xp_multiplier": 2})
    clock.advance(MIN_LEAD_MS)
    stop = a_stop()
    status, body, _ = api.call("POST", f"/v1/stops/{stop.id}/spin", {"lat": stop.lat, "lng": stop.lng},
                               token=token, headers={"Idempotency-Key": "event-spin-0001"})
    assert status == 200, body
    config = bootstrap.game_context().config
    assert body["first_visit"] and body["xp"] == 2 * config.spin_first_time_xp

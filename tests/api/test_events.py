"""Live events' effects over the API: an event created by an operator changes the map's
spawns (and only while it is on), doubles a spin's XP in its region, hatches an egg at
half distance, raises the day's gift and remote-raid limits."""
from geocritters import bootstrap
from geocritters.game import geo
from geocritters.game.config import DAY_MS, HOUR_MS
from geocritters.game.species import spawnable
from geocritters.usecases.events import MIN_LEAD_MS
from tests.support.game_state import edit_player, give_creature, give_egg, player
from tests.support.nearby import HOME, a_stop
from tests.support.operator import operator_call
from tests.support.raid_state import tier_one_raid
from tests.support.social_setup import befriend, open_gift, send_gift, show_on_map, trainer

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


def test_an_egg_hatches_at_half_distance_during_an_event(api, clock):
    me, token = api.login("device-event-egg")
    api.call("GET", f"/v1/map?lat={HOME[0]}&lng={HOME[1]}", token=token)  # where the player is
    # 1 km walked since it went in (the walk itself is the map's to write: test_eggs.py).
    egg = give_egg(me, 1, km=2, incubator="infinite", start_m=-1_000.0)
    hatch = f"/v1/me/eggs/{egg.egg_id}/hatch"
    status, body, _ = api.call("POST", hatch, token=token, headers={"Idempotency-Key": "event-hatch-01"})
    assert (status, body["error"]["code"]) == (409, "egg_not_ready")
    create_event(api, clock, "egg-event-0001", {"hatch_distance_multiplier": 0.5})
    clock.advance(MIN_LEAD_MS)
    status, eggs, _ = api.call("GET", "/v1/me/eggs", token=token)
    assert status == 200 and eggs["eggs"][0]["hatch_km"] == 1.0, eggs
    status, body, _ = api.call("POST", hatch, token=token, headers={"Idempotency-Key": "event-hatch-02"})
    assert status == 200 and body["creature"]["species"] == egg.species_id, body


def test_a_gift_over_the_days_limit_opens_during_an_event(api, clock):
    a_id, a = trainer(api, "device-event-gift-a", gifts=1)
    b_id, b = trainer(api, "device-event-gift-b")
    befriend(api, (a_id, a), (b_id, b), "event-gift")
    show_on_map(api, (a_id, a), (b_id, b))
    gift = send_gift(api, (a_id, a), b_id, "event-gift-send-1")[1]
    edit_player(b_id, gift_open_day=clock.now_ms() // DAY_MS, gifts_opened_today=20)
    status, body, _ = open_gift(api, (b_id, b), gift["gift_id"], "event-gift-open-1")
    assert (status, body["error"]["code"]) == (403, "gift_open_limit")
    create_event(api, clock, "gift-event-0001", {"gift_limit_multiplier": 2})
    clock.advance(MIN_LEAD_MS)
    assert api.call("GET", "/v1/me/gifts", token=b)[1]["open_limit"] == 40
    status, body, _ = open_gift(api, (b_id, b), gift["gift_id"], "event-gift-open-2")
    assert status == 200, body


def test_a_remote_raid_over_the_days_limit_is_joined_during_an_event(api, clock):
    raid, gym = tier_one_raid(clock)
    me, token = api.login("device-event-raid")
    team = [give_creature(me, 1, species_id=39, level=35.0).creature_id]
    afar = {"lat": gym.lat + 0.005, "lng": gym.lng}  # ~550 m: a remote join
    edit_player(me, team="blue", xp=10_000, items={"remote_raid_pass": 2},
                remote_raid_day=clock.now_ms() // DAY_MS, remote_raids_today=5)
    join = f"/v1/raids/{raid.raid_id}/join"
    status, body, _ = api.call("POST", join, {"creature_ids": team, **afar}, token=token,
                               headers={"Idempotency-Key": "event-raid-join-1"})
    assert (status, body["error"]["code"]) == (409, "remote_raid_limit")
    start = clock.now_ms() + MIN_LEAD_MS
    status, _, _ = operator_call(api, "POST", "/v1/admin/events", {
        "name": "Remote raid day", "start_ms": start, "end_ms": start + HOUR_MS,
        "prefixes": [geo.encode(afar["lat"], afar["lng"], 4)],
        "effects": {"remote_raid_limit_multiplier": 2}}, key="raid-event-0001")
    assert status == 201
    clock.advance(MIN_LEAD_MS)
    status, body, _ = api.call("POST", join, {"creature_ids": team, **afar}, token=token,
                               headers={"Idempotency-Key": "event-raid-join-2"})
    assert status == 200 and body["remote"] is True, body
    assert player(me).remote_raids_today == 6

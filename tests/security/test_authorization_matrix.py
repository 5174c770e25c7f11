"""Cross-player authorization (OWASP API1, BOLA), generated from the app's route table.

Every (method, path) that ``app.app.routes`` serves needs an entry in ``MATRIX``: which
of player A's objects player B aims at (encounter id, creature id, cursor, stop
cooldown, idempotency key) and how B is refused, or why the route has no foreign
object. The test is parametrized over the ROUTE TABLE, not over ``MATRIX``: a new route
without an entry fails the suite until someone decides how it is protected.

For each route, A owns real objects (an encounter with a throw, creatures, a transfer,
a spun stop, a listing cursor — all with stored idempotent responses), B is rich enough
that a missing ownership check would succeed, and B's probes must answer as listed and
change nothing stored: compared through the game store (players, creatures,
encounters, action records, visits) and, item by item, through a scan of every table.
Routes without a foreign object may change B's own items (the map records B's
position), never A's.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from geocritters import bootstrap
from tests.api.helpers import a_spawn, a_stop, edit_player, player, start_encounter, throw
from tests.api.test_creatures import give_creature
from tests.security.conftest import changed_items, db_snapshot, owner_of


def _route_table():
    import app

    return sorted((method, path) for path, methods in app.app.routes.items() for method in methods)


ROUTES = _route_table()


@dataclass
class World:
    """A's objects and B, after A has played a little."""

    api: object
    a_id: str
    a: str  # A's token
    b_id: str
    b: str  # B's token
    b_device: str
    encounter: dict  # A's encounter (A threw once with throw_key)
    throw_key: str
    kept: object  # A's creature
    moved_id: str  # A transferred this creature with transfer_key
    transfer_key: str
    stop: object  # A spun it with spin_key: A's cooldown is running
    spin_key: str
    cursor: str  # A's next_cursor
    spawn_lat: float  # where A's encounter's spawn is
    spawn_lng: float
    b_creature_id: str  # B's only creature


@dataclass
class Probe:
    """One request B sends at A's object."""

    method: str
    path: str
    expect: set[int]
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    token: str | None = None  # default: B's token
    check: Callable[[dict], bool] | None = None  # on the response body
    after: Callable[[], bool] | None = None  # on the stored state afterwards
    note: str = ""


@dataclass
class Entry:
    foreign_object: str | None  # which of A's objects B targets; None: the route has none
    how: str  # how B is refused, or why there is nothing of A's to target
    probes: Callable[[World], list[Probe]]
    b_may_change: bool = False  # the probe is legitimately B's own action


def _key(label: str) -> dict:
    return {"Idempotency-Key": f"matrix-b-{label}"}


def _creature_change(action: str) -> Entry:
    url = "/v1/me/creatures/{}/" + action
    return Entry(
        foreign_object="A's creature id (and A's idempotency key with a stored transfer)",
        how="404 creature_not_found: creatures are read under the token's player only; "
            "A's key replayed by B does not return A's stored response",
        probes=lambda w: [
            Probe("POST", url.format(w.kept.creature_id), {404}, headers=_key(action)),
            Probe("POST", url.format(w.moved_id), {404}, headers={"Idempotency-Key": w.transfer_key},
                  note="A's transferred creature with A's key: A would get its stored 200"),
        ])


MATRIX: dict[tuple[str, str], Entry] = {
    ("POST", "/v1/auth/guest"): Entry(
        foreign_object=None,
        how="public login: the player is whoever holds the device id, and a body can't "
            "name a player (400 unknown_field)",
        probes=lambda w: [
            Probe("POST", "/v1/auth/guest", {400}, body={"device_id": w.b_device, "player_id": w.a_id}),
            Probe("POST", "/v1/auth/guest", {400}, body={"device_id": w.b_device, "sub": w.a_id}),
        ]),
    ("GET", "/v1/me"): Entry(
        foreign_object=None,
        how="the profile of the token's player; query or headers can't name another player",
        probes=lambda w: [
            Probe("GET", f"/v1/me?player_id={w.a_id}", {200}, headers={"X-Player-Id": w.a_id},
                  check=lambda body: body["player_id"] == w.b_id),
        ]),
    ("POST", "/v1/me/team"): Entry(
        foreign_object=None,
        how="sets the token's player's team; a body naming a player is 400 unknown_field",
        probes=lambda w: [
            Probe("POST", "/v1/me/team", {400}, body={"team": "blue", "player_id": w.a_id}),
        ]),
    ("GET", "/v1/map"): Entry(
        foreign_object=None,
        how="the world is shared; only B's own cooldowns and caught spawns are applied and "
            "only B's position is recorded (A's running cooldown on the stop is not shown to B)",
        probes=lambda w: [
            Probe("GET", f"/v1/map?lat={w.stop.lat}&lng={w.stop.lng}&player_id={w.a_id}", {200},
                  check=lambda body: {s["id"]: s["cooldown_until_ms"] for s in body["stops"]}
                  .get(w.stop.id) == 0),
        ],
        b_may_change=True),
    ("POST", "/v1/encounters"): Entry(
        foreign_object=None,
        how="spawns are shared world objects; the encounter id derives from (player, spawn), "
            "so B facing the spawn A is facing gets B's own encounter and never A's",
        probes=lambda w: [
            Probe("POST", "/v1/encounters", {201},
                  body={"spawn_id": w.encounter["spawn_id"], "lat": w.spawn_lat, "lng": w.spawn_lng},
                  check=lambda body: body["encounter_id"] != w.encounter["encounter_id"]),
        ],
        b_may_change=True),
    ("POST", "/v1/encounters/{encounter_id}/throws"): Entry(
        foreign_object="A's encounter id (and A's idempotency key with a stored throw)",
        how="404 encounter_not_found: encounters are read under the token's player only; "
            "A's key replayed by B does not return A's stored throw",
        probes=lambda w: [
            Probe("POST", f"/v1/encounters/{w.encounter['encounter_id']}/throws", {404},
                  body={"ball": "ball"}, headers=_key("throw")),
            Probe("POST", f"/v1/encounters/{w.encounter['encounter_id']}/throws", {404},
                  body={"ball": "ball"}, headers={"Idempotency-Key": w.throw_key},
                  note="A's exact request and key: A would get its stored response"),
        ]),
    ("POST", "/v1/stops/{stop_id}/spin"): Entry(
        foreign_object="A's stop cooldown (and A's idempotency key with a stored spin)",
        how="cooldowns and keys are per player: B spinning the stop A is cooling down, even "
            "with A's key, is B's own first spin (200, B's cooldown), A's cooldown and stored "
            "spin untouched",
        probes=lambda w: [
            Probe("POST", f"/v1/stops/{w.stop.id}/spin", {200},
                  body={"lat": w.stop.lat, "lng": w.stop.lng}, headers={"Idempotency-Key": w.spin_key},
                  check=lambda body: body["first_visit"] is True,
                  after=lambda: w.stop.id in player(w.b_id).stop_cooldowns),
        ],
        b_may_change=True),
    ("GET", "/v1/me/items"): Entry(
        foreign_object=None,
        how="the bag of the token's player; query can't name another player",
        probes=lambda w: [
            Probe("GET", f"/v1/me/items?player_id={w.a_id}", {200},
                  check=lambda body: body["items"] == {k: v for k, v in player(w.b_id).items.items() if v > 0}),
        ]),
    ("GET", "/v1/me/creatures"): Entry(
        foreign_object="A's listing cursor",
        how="400 invalid_cursor: a cursor is signed for the player it was issued to; a query "
            "naming A still lists only B's creatures",
        probes=lambda w: [
            Probe("GET", f"/v1/me/creatures?cursor={w.cursor}", {400},
                  check=lambda body: body["error"]["code"] == "invalid_cursor"),
            Probe("GET", f"/v1/me/creatures?player_id={w.a_id}", {200},
                  check=lambda body: [c["id"] for c in body["creatures"]] == [w.b_creature_id]),
        ]),
    ("POST", "/v1/me/creatures/{creature_id}/transfer"): _creature_change("transfer"),
    ("POST", "/v1/me/creatures/{creature_id}/evolve"): _creature_change("evolve"),
    ("POST", "/v1/me/creatures/{creature_id}/power-up"): _creature_change("power-up"),
}


# --- A plays, B gets ready ---------------------------------------------------------------

@pytest.fixture
def world(api, clock):
    a_id, a = api.login("device-matrix-a001")
    b_id, b = api.login("device-matrix-b001")
    # B can afford everything: a missing ownership check would succeed and show as a change.
    edit_player(b_id, xp=5_000_000, stardust=10_000_000, candy={"Mossling": 10_000})
    edit_player(a_id, stardust=10_000_000, candy={"Mossling": 10_000})
    kept, moved = give_creature(a_id, 1), give_creature(a_id, 2)
    give_creature(a_id, 3)
    b_creature = give_creature(b_id, 9)

    transfer_key = "matrix-a-transfer"
    status, body, _ = api.call("POST", f"/v1/me/creatures/{moved.creature_id}/transfer", token=a,
                               headers={"Idempotency-Key": transfer_key})
    assert status == 200, body

    spawn = a_spawn()
    encounter = start_encounter(api, a, spawn)
    throw_key = "matrix-a-throw"
    status, body, _ = throw(api, a, encounter["encounter_id"], throw_key)
    assert status == 200, body

    clock.advance(60_000)  # walk to the stop at a walking pace
    stop = a_stop(spawn.lat, spawn.lng)
    spin_key = "matrix-a-spin"
    status, body, _ = api.call("POST", f"/v1/stops/{stop.id}/spin", {"lat": stop.lat, "lng": stop.lng},
                               token=a, headers={"Idempotency-Key": spin_key})
    assert status == 200, body

    status, page, _ = api.call("GET", "/v1/me/creatures?limit=1", token=a)
    assert status == 200 and page["next_cursor"], page

    return World(api=api, a_id=a_id, a=a, b_id=b_id, b=b, b_device=f"device-matrix-b001-{api.namespace}",
              encounter=encounter, throw_key=throw_key, kept=kept, moved_id=moved.creature_id,
              transfer_key=transfer_key, stop=stop, spin_key=spin_key, cursor=page["next_cursor"],
              spawn_lat=spawn.lat, spawn_lng=spawn.lng, b_creature_id=b_creature.creature_id)


def _domain_state(w: World, probe_keys: list[str]) -> dict:
    """What the game store says about A and B (the brief's "stored player/creature/
    encounter state"), plus the action records and visits the probes could touch."""
    store = bootstrap.game_context().store

    def collection(player_id):
        found, after = [], None
        while True:
            page, after = store.list_creatures(player_id, 50, after)
            found += page
            if after is None:
                return found

    a_keys = [w.throw_key, w.spin_key, w.transfer_key]
    return {
        "A": {
            "player": store.get_player(w.a_id),
            "creatures": collection(w.a_id),
            "encounter": store.get_encounter(w.a_id, w.encounter["encounter_id"]),
            "actions": {k: store.get_action(w.a_id, k) for k in a_keys + probe_keys},
            "visited": store.has_visited(w.a_id, w.stop.id),
        },
        "B": {
            "player": store.get_player(w.b_id),
            "creatures": collection(w.b_id),
            "encounter": store.get_encounter(w.b_id, w.encounter["encounter_id"]),
            "actions": {k: store.get_action(w.b_id, k) for k in a_keys + probe_keys},
            "visited": store.has_visited(w.b_id, w.stop.id),
        },
    }


# --- the matrix ----------------------------------------------------------------------------

def matrix_gaps(routes) -> tuple[list, list]:
    """(routes without a matrix entry, matrix entries for routes not served)."""
    return [route for route in routes if route not in MATRIX], [r for r in MATRIX if r not in routes]


def test_the_matrix_names_every_route_and_only_routes():
    missing, stale = matrix_gaps(ROUTES)
    covered = len(ROUTES) - len(missing)
    assert not missing, (f"cross-player matrix covers {covered}/{len(ROUTES)} routes; add an entry "
                         f"for {missing}")
    assert not stale, f"matrix entries for routes the app no longer serves: {stale}"
    assert all(entry.how.strip() for entry in MATRIX.values())


def matrix_coverage() -> tuple[int, int]:
    return sum(route in MATRIX for route in ROUTES), len(ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_player_b_on_player_a_objects(world, route):
    entry = MATRIX.get(route)
    assert entry is not None, f"{route[0]} {route[1]} has no entry in the cross-player MATRIX"
    probes = entry.probes(world)
    assert probes, route
    probe_keys = [p.headers["Idempotency-Key"] for p in probes if "Idempotency-Key" in p.headers]
    domain_before, raw_before = _domain_state(world, probe_keys), db_snapshot()

    for probe in probes:
        assert probe.path.split("?")[0].count("/") == route[1].count("/"), "probe aims at another route"
        status, body, headers = world.api.call(probe.method, probe.path, probe.body,
                                               token=probe.token or world.b, headers=probe.headers)
        where = f"B: {probe.method} {probe.path} {probe.body or ''} {probe.note} -> {status} {body}"
        assert status in probe.expect, where
        assert {k.lower(): v for k, v in headers.items()}.get("content-type", "").startswith(
            "application/json"), where
        if status >= 400:
            assert set(body) == {"error"} and body["error"]["code"], where
        if probe.check is not None:
            assert probe.check(body), where
        if probe.after is not None:
            assert probe.after(), where

    domain_after, raw_after = _domain_state(world, probe_keys), db_snapshot()
    assert domain_after["A"] == domain_before["A"], f"{route}: A's stored state changed"
    changes = changed_items(raw_before, raw_after)
    assert all(owner_of(old) != world.a_id and owner_of(new) != world.a_id
               for _, _, old, new in changes), f"{route}: A's items changed: {changes}"
    if entry.b_may_change:
        assert all(owner_of(new or old) == world.b_id for _, _, old, new in changes), \
            f"{route}: items of someone other than B changed: {changes}"
    else:
        assert domain_after["B"] == domain_before["B"], f"{route}: B's stored state changed"
        assert changes == [], f"{route}: a refused request changed stored items: {changes}"

"""Input abuse on every route (OWASP API3 mass assignment, API4 resource consumption):
size and depth limits, strict JSON, server-owned fields, pagination and cursor abuse.
Every refusal is a 4xx JSON error and leaves every stored item as it was (a scan of every
table before and after). Extends tests/api/test_input.py (which covers POST /v1/encounters).
"""
import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import boto3
import pytest
from botocore.exceptions import ClientError

from geocritters import bootstrap
from geocritters.edge.requests import MAX_BODY_BYTES, MAX_ID_BYTES, MAX_JSON_DEPTH, number
from geocritters.game.buddy import Buddy
from geocritters.game.config import DAY_MS, HOUR_MS
from geocritters.game.walking import Walk
from tests.security.conftest import changed_items, db_snapshot
from tests.support.api_calls import start_encounter
from tests.support.game_state import edit_player, give_creature, give_egg
from tests.support.nearby import HOME, a_gym, a_stop
from tests.support.operator import signed_headers
from tests.support.raid_state import tier_one_raid
from tests.support.social import TRADE_LEVEL_XP, befriend, code_of, show_on_map


def _post_routes():
    import app

    return sorted(path for path, methods in app.app.routes.items() if "POST" in methods)


POST_ROUTES = _post_routes()


@dataclass
class Valid:
    """A request to one POST route that the app accepts as it stands."""

    url: str
    body: dict | None
    headers: dict = field(default_factory=dict)
    token: str | None = None
    ok: tuple = (200, 201)
    # What must hold right before it is sent as it is (a trade needs both players seen on
    # the map in the last minute).
    prepare: Callable[[], None] | None = None
    # Sent somewhere else than the request before: a minute's walk first (the travel
    # cooldown). Eggs and buddy requests carry no position.
    walks_first: bool = True
    # An operator's route: each request as sent is SigV4-signed (tests/support/operator.py)
    # so it gets past the gateway's signature check and the function's own checks are
    # what answer.
    operator: bool = False


def _gym_requests(api) -> dict[str, Valid]:
    """A valid request per gym POST route: a blue player's defender is in the gym (to be
    fed), another blue player deploys, a red one battles. The requests are sent a
    minute apart, up to an hour later: no raid may start at the gym meanwhile."""
    gym = a_gym(quiet_ms=2 * 60 * 60_000)
    here = {"lat": gym.lat, "lng": gym.lng}
    players = {}
    for name, team in (("blue-1", "blue"), ("blue-2", "blue"), ("red", "red")):
        player_id, token = api.login(f"device-abuse-gym-{name}")
        edit_player(player_id, xp=10_000, team=team)
        players[name] = (player_id, token)
    (blue_id, blue), (blue2_id, blue2), (red_id, red) = players.values()
    defender = give_creature(blue_id, 101, species_id=1)
    status, body, _ = api.call("POST", f"/v1/gyms/{gym.id}/defenders",
                               {"creature_id": defender.creature_id, **here}, token=blue,
                               headers={"Idempotency-Key": "abuse-setup-deploy"})
    assert status == 200, body
    deployer = give_creature(blue2_id, 102, species_id=4)
    attacker = give_creature(red_id, 103, species_id=38, level=40.0)
    url = f"/v1/gyms/{gym.id}"
    return {
        "/v1/gyms/{gym_id}/defenders": Valid(f"{url}/defenders", {"creature_id": deployer.creature_id, **here},
                                             headers={"Idempotency-Key": "abuse-deploy-00001"}, token=blue2),
        "/v1/gyms/{gym_id}/berries": Valid(f"{url}/berries", {"creature_id": defender.creature_id, **here},
                                           headers={"Idempotency-Key": "abuse-berries-0001"}, token=blue),
        "/v1/gyms/{gym_id}/spin": Valid(f"{url}/spin", here,
                                        headers={"Idempotency-Key": "abuse-gym-spin-001"}, token=red),
        "/v1/gyms/{gym_id}/battles": Valid(f"{url}/battles", {"creature_ids": [attacker.creature_id], **here},
                                           headers={"Idempotency-Key": "abuse-battle-00001"}, token=red),
        "/v1/me/defenders/claim": Valid("/v1/me/defenders/claim", {},
                                        headers={"Idempotency-Key": "abuse-claim-000001"}, token=blue),
    }


def _raid_requests(api, raid, gym) -> dict[str, Valid]:
    """A valid request per raid POST route: a player with a pass joins the raid; another
    joined it at setup, and claims it once the lobby's countdown is over (two minutes: the
    checks that send it as it is come that much later)."""
    here = {"lat": gym.lat, "lng": gym.lng}
    players = {}
    for name, n in (("joiner", 111), ("claimer", 121)):
        player_id, token = api.login(f"device-abuse-raid-{name}")
        edit_player(player_id, xp=10_000, team="red", items={"raid_pass": 1})
        players[name] = (token, give_creature(player_id, n, species_id=39, level=35.0))
    (joiner, joiner_creature), (claimer, claimer_creature) = players.values()
    url = f"/v1/raids/{raid.raid_id}"
    status, body, _ = api.call("POST", f"{url}/join", {"creature_ids": [claimer_creature.creature_id], **here},
                               token=claimer, headers={"Idempotency-Key": "abuse-setup-raid-join"})
    assert status == 200, body
    return {
        "/v1/raids/{raid_id}/join": Valid(f"{url}/join", {"creature_ids": [joiner_creature.creature_id], **here},
                                          headers={"Idempotency-Key": "abuse-raid-join-001"}, token=joiner),
        "/v1/raids/{raid_id}/claim": Valid(f"{url}/claim", {},
                                           headers={"Idempotency-Key": "abuse-raid-claim-01"}, token=claimer),
    }


def _social_requests(api) -> dict[str, Valid]:
    """A valid request per friends, gifts and trades POST route, each on objects of its
    own: P (level 10, with stardust and gifts) asks R1; R2 and R3 asked P (to accept, to
    decline); P asked R4 (to cancel); R5 is P's friend (to remove); Q is P's friend who
    sent P a gift (to open) and trades with P: one trade to cancel, one Q answered (to
    confirm), one to answer (Q offers). Every creature is a Mossling both already own: no
    trade is special (at most one a day), each costs 100 stardust.

    The trades are proposed here and sent as they are up to ~30 minutes later (a minute
    per route in between): a trade expires 30 minutes after it was proposed."""
    devices = ("p", "q", "r1", "r2", "r3", "r4", "r5")
    who = {name: api.login(f"device-abuse-social-{name}") for name in devices}
    for name in ("p", "q"):
        edit_player(who[name][0], xp=TRADE_LEVEL_XP, stardust=100_000, gifts=2, dex=frozenset({1}))
    (p_id, p), (q_id, q) = who["p"], who["q"]
    befriend(api, who["p"], who["q"], tag="abuse-pq")
    befriend(api, who["p"], who["r5"], tag="abuse-pr5")

    def asked(sender, receiver, key):
        status, body, _ = api.call("POST", "/v1/friend-requests", {"trainer_code": code_of(api, receiver[1])},
                                   token=sender[1], headers={"Idempotency-Key": key})
        assert status == 200, body
        return body["request_id"]

    to_accept = asked(who["r2"], who["p"], "abuse-setup-r2-request")
    to_decline = asked(who["r3"], who["p"], "abuse-setup-r3-request")
    to_cancel = asked(who["p"], who["r4"], "abuse-setup-p-request")
    status, gift, _ = api.call("POST", f"/v1/me/friends/{p_id}/gifts", token=q,
                               headers={"Idempotency-Key": "abuse-setup-q-gift"})
    assert status == 200, gift

    def side_by_side():
        show_on_map(api, who["p"], who["q"])

    side_by_side()
    mine = [give_creature(p_id, 200 + n, species_id=1) for n in range(4)]
    theirs = [give_creature(q_id, 210 + n, species_id=1) for n in range(2)]

    def proposed(creature, key):
        status, body, _ = api.call("POST", "/v1/trades", {"friend_id": q_id, "creature_id": creature.creature_id},
                                   token=p, headers={"Idempotency-Key": key})
        assert status == 200, body
        return f"/v1/trades/{body['trade_id']}"

    to_cancel_trade = proposed(mine[1], "abuse-setup-trade-1")
    to_confirm = proposed(mine[2], "abuse-setup-trade-2")
    status, body, _ = api.call("POST", f"{to_confirm}/offer", {"creature_id": theirs[0].creature_id}, token=q,
                               headers={"Idempotency-Key": "abuse-setup-offer-1"})
    assert status == 200, body
    to_answer = proposed(mine[3], "abuse-setup-trade-3")
    r1_code = code_of(api, who["r1"][1])

    def key(label):
        return {"Idempotency-Key": f"abuse-{label}"}

    return {
        "/v1/friend-requests": Valid("/v1/friend-requests", {"trainer_code": r1_code},
                                     headers=key("request-01"), token=p),
        "/v1/friend-requests/{request_id}/accept": Valid(f"/v1/friend-requests/{to_accept}/accept", {},
                                                         headers=key("accept-001"), token=p),
        "/v1/friend-requests/{request_id}/decline": Valid(f"/v1/friend-requests/{to_decline}/decline", {},
                                                          headers=key("decline-01"), token=p),
        "/v1/friend-requests/{request_id}/cancel": Valid(f"/v1/friend-requests/{to_cancel}/cancel", {},
                                                         headers=key("cancel-001"), token=p),
        "/v1/me/friends/{friend_id}/remove": Valid(f"/v1/me/friends/{who['r5'][0]}/remove", {},
                                                   headers=key("remove-001"), token=p),
        "/v1/me/friends/{friend_id}/gifts": Valid(f"/v1/me/friends/{q_id}/gifts", {},
                                                  headers=key("gift-00001"), token=p),
        "/v1/me/gifts/{gift_id}/open": Valid(f"/v1/me/gifts/{gift['gift_id']}/open", {},
                                             headers=key("open-00001"), token=p),
        "/v1/trades": Valid("/v1/trades", {"friend_id": q_id, "creature_id": mine[0].creature_id},
                            headers=key("propose-01"), token=p, prepare=side_by_side),
        "/v1/trades/{trade_id}/cancel": Valid(f"{to_cancel_trade}/cancel", {}, headers=key("trade-cancel"),
                                              token=q),
        "/v1/trades/{trade_id}/confirm": Valid(f"{to_confirm}/confirm", {}, headers=key("confirm-01"),
                                               token=p, prepare=side_by_side),
        "/v1/trades/{trade_id}/offer": Valid(f"{to_answer}/offer", {"creature_id": theirs[1].creature_id},
                                             headers=key("offer-0001"), token=q, prepare=side_by_side),
    }


def _a_lasting_spawn(lat=HOME[0], lng=HOME[1], lasting_ms=10 * 60_000):
    """An active spawn that stays up ``lasting_ms`` more: the encounter and its throw are
    sent as they are minutes after this setup (a minute per route), and the clock is
    wherever earlier tests' raids left it, so the nearest spawn may be about to go."""
    ctx = bootstrap.game_context()
    now_ms = ctx.clock.now_ms()
    for step in range(50):
        for spawn in ctx.world.spawns_near(lat + 0.002 * step, lng, 200.0, now_ms):
            if spawn.despawn_ms - now_ms >= lasting_ms:
                return spawn
    raise AssertionError(f"no spawn north of ({lat}, {lng}) up for {lasting_ms} ms more")


def _egg_requests(api) -> dict[str, Valid]:
    """A valid request per eggs and buddy POST route: E holds an egg to incubate and one
    walked far enough in a limited incubator; E's buddy has earned candy, and E has a
    creature to make the next buddy."""
    egg_player, token = api.login("device-abuse-eggs")
    edit_player(egg_player, xp=5_000_000, incubators={"ic-1700000000000-00000000000000aa": 2})
    waiting = give_egg(egg_player, 301)
    walked = give_egg(egg_player, 302, incubator="ic-1700000000000-00000000000000aa")
    bootstrap.game_context().store.fold_walk(egg_player, Walk(walked_m=3_000.0, folded_ms=1), 0)
    buddy, next_buddy = give_creature(egg_player, 301), give_creature(egg_player, 302)
    edit_player(egg_player, buddy=Buddy(buddy.creature_id, buddy.species_id, 0.0))

    def key(label):
        return {"Idempotency-Key": f"abuse-{label}"}

    return {
        "/v1/me/eggs/{egg_id}/incubate": Valid(f"/v1/me/eggs/{waiting.egg_id}/incubate",
                                               {"incubator_id": "infinite"}, headers=key("incubate"),
                                               token=token, walks_first=False),
        "/v1/me/eggs/{egg_id}/hatch": Valid(f"/v1/me/eggs/{walked.egg_id}/hatch", {}, headers=key("hatch-0001"),
                                            token=token, walks_first=False),
        "/v1/me/buddy": Valid("/v1/me/buddy", {"creature_id": next_buddy.creature_id},
                              headers=key("buddy-0001"), token=token, walks_first=False),
        "/v1/me/buddy/candy": Valid("/v1/me/buddy/candy", {}, headers=key("candy-0001"), token=token,
                                    walks_first=False),
    }


def _operator_requests(clock) -> dict[str, Valid]:
    """A valid request per operators' POST route. The event starts a day on (well past
    the 2 x cache time an event must be created ahead; the checks send it up to an hour
    later) in a geohash cell at the north pole, where no test plays: the event the
    control request creates changes no other test's game."""
    start_ms = clock.now_ms() + DAY_MS
    event = {"name": "Abuse check event", "start_ms": start_ms, "end_ms": start_ms + HOUR_MS,
             "prefixes": ["zzzzzz"], "effects": {"xp_multiplier": 2}}
    return {
        "/v1/admin/events": Valid("/v1/admin/events", event, headers={"Idempotency-Key": "abuse-event-0001"},
                                  walks_first=False, operator=True),
    }


def _valid_requests(api, clock) -> dict[str, Valid]:
    """A valid request per POST route, for a fresh player that can afford everything."""
    # First: finding a raid moves the clock (hours, maybe days) into its battle phase.
    raid, raid_gym = tier_one_raid(clock)
    player_id, token = api.login("device-abuse-0001")
    edit_player(player_id, xp=5_000_000, stardust=10_000_000, candy={"Mossling": 10_000})
    spawn = _a_lasting_spawn()
    encounter = start_encounter(api, token, spawn)
    stop = a_stop(spawn.lat, spawn.lng)
    creatures = {action: give_creature(player_id, n, level=5.0)
                 for n, action in enumerate(("transfer", "evolve", "power-up"), start=1)}
    requests = {
        "/v1/auth/guest": Valid("/v1/auth/guest", {"device_id": f"device-abuse-0002-{api.namespace}"}),
        "/v1/me/team": Valid("/v1/me/team", {"team": "blue"}, token=token),
        "/v1/encounters": Valid("/v1/encounters",
                                {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng}, token=token),
        "/v1/encounters/{encounter_id}/throws": Valid(
            f"/v1/encounters/{encounter['encounter_id']}/throws", {"ball": "ball"},
            headers={"Idempotency-Key": "abuse-throw-000001"}, token=token),
        "/v1/stops/{stop_id}/spin": Valid(f"/v1/stops/{stop.id}/spin", {"lat": stop.lat, "lng": stop.lng},
                                          headers={"Idempotency-Key": "abuse-spin-0000001"}, token=token),
    }
    for action, creature in creatures.items():
        requests[f"/v1/me/creatures/{{creature_id}}/{action}"] = Valid(
            f"/v1/me/creatures/{creature.creature_id}/{action}", {},
            headers={"Idempotency-Key": f"abuse-{action}-00001"}, token=token)
    requests.update(_gym_requests(api))
    requests.update(_raid_requests(api, raid, raid_gym))
    requests.update(_social_requests(api))
    requests.update(_egg_requests(api))
    requests.update(_operator_requests(clock))
    return requests


def _send(api, valid: Valid, body=None, raw=None, headers=None):
    headers = {**valid.headers, **(headers or {})}
    if not valid.operator:
        return api.call("POST", valid.url, body, token=valid.token, raw=raw, headers=headers)
    # Signed as sent: the body and Content-Type (the Idempotency-Key is left out of the
    # signature, as SigV4 allows, so a malformed key reaches the function to be refused).
    payload = raw if raw is not None else json.dumps(body) if body is not None else b""
    payload = payload.encode() if isinstance(payload, str) else payload
    content_type = headers.get("Content-Type", "application/json")
    signed = signed_headers("POST", valid.url, payload, {"Content-Type": content_type})
    return api.call("POST", valid.url, raw=payload, headers={**signed, **headers})


def _refused(status, error, expect_status=400, code=None):
    ok = status == expect_status and set(error or {}) == {"error"}
    return ok and (code is None or error["error"]["code"] == code)


def test_every_post_route_has_a_valid_request_here(api, clock):
    """A new POST route fails here until it has a valid request (and so the mass
    assignment, size and strict-JSON tests below cover it)."""
    assert sorted(_valid_requests(api, clock)) == POST_ROUTES


# --- server-owned fields (mass assignment) --------------------------------------------------

# Fields the server owns; a client naming any of them is refused, whatever the value.
SERVER_OWNED = {
    "cp": 9999, "owner": "pl-000000000000000000000000", "player_id": "pl-000000000000000000000000",
    "outcome": "caught", "species": 150, "species_id": 150, "level": 40, "xp": 10**9,
    "stardust": 10**9, "items": {"ball": 999}, "candy": {"Mossling": 999}, "ivs": {"attack": 15},
    "shiny": True, "revision": 0, "creature": {"cp": 9999}, "creature_id": "cr-1", "encounter_id": "en-1",
    "balls_left": 999, "cooldown_until_ms": 0, "first_visit": True, "strikes": 0,
    "suspended_until_ms": 0, "created_ms": 0, "team": "blue", "name": "Admin", "caught_ms": 0,
    "__proto__": {"admin": True}, "Ball": "ultra_ball",
}
# Fields a route accepts from the client (the field is the request, not mass assignment).
CLIENT_FIELDS = {"/v1/me/team": {"team"}, "/v1/gyms/{gym_id}/defenders": {"creature_id"},
                 "/v1/gyms/{gym_id}/berries": {"creature_id"}, "/v1/trades": {"creature_id"},
                 "/v1/trades/{trade_id}/offer": {"creature_id"}, "/v1/me/buddy": {"creature_id"},
                 "/v1/admin/events": {"name"}}


def test_server_owned_fields_are_400_and_change_nothing(api, clock):
    """Every POST route x every server-owned field (one test: all failures listed)."""
    requests = _valid_requests(api, clock)
    before = db_snapshot()
    failures = []
    for route in POST_ROUTES:
        valid = requests[route]
        base = dict(valid.body or {})
        for name, value in SERVER_OWNED.items():
            if name in CLIENT_FIELDS.get(route, set()):
                continue
            status, error, _ = _send(api, valid, body={**base, name: value})
            if not _refused(status, error, code="unknown_field"):
                failures.append(f"POST {route} + {name}: {status} {error}")
        status, error, _ = _send(api, valid, body={**base, "extra": {"cp": 9999}})
        if not _refused(status, error, code="unknown_field"):
            failures.append(f"POST {route} + nested: {status} {error}")
    assert not failures, "\n".join(failures)
    assert changed_items(before, db_snapshot()) == [], "a refused request changed stored state"
    # Control: each request without the extra fields is accepted.
    for route in POST_ROUTES:
        valid = requests[route]
        if valid.walks_first:
            clock.advance(60_000)  # a walking pace between actions
        if valid.prepare is not None:
            valid.prepare()
        status, body, _ = _send(api, valid, body=valid.body)
        assert status in valid.ok, (route, status, body)


# --- size, depth and strict JSON --------------------------------------------------------------

def _padded(body: dict, size: int) -> bytes:
    """``body`` with a filler field, exactly ``size`` bytes long."""
    raw = json.dumps({**body, "filler": ""}).encode()
    return json.dumps({**body, "filler": "x" * (size - len(raw))}).encode()


def _nested(depth: int) -> str:
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


MALFORMED = {
    "NaN": lambda body: json.dumps(body)[:-1] + ', "n": NaN}',
    "Infinity": lambda body: json.dumps(body)[:-1] + ', "n": Infinity}',
    "-Infinity": lambda body: json.dumps(body)[:-1] + ', "n": -Infinity}',
    "duplicate key": lambda body: json.dumps(body)[:-1] + ', "k": 1, "k": 2}',
    "duplicate of a real field": lambda body: (json.dumps(body)[:-1] + ", " + json.dumps(body)[1:]
                                               if body else '{"a": 1, "a": 1}'),
    "top-level array": lambda body: "[" + json.dumps(body) + "]",
    "top-level string": lambda body: json.dumps(json.dumps(body)),
    "top-level number": lambda body: "1e400",
    "top-level null": lambda body: "null",
    "truncated": lambda body: json.dumps(body)[:-1] + ', "x": ',
    "trailing garbage": lambda body: json.dumps(body) + " {}",
    "single quotes": lambda body: json.dumps(body).replace('"', "'") if body else "{'a': 1}",
    "comment": lambda body: "/* hi */ " + json.dumps(body),
    "invalid UTF-8": lambda body: json.dumps(body).encode()[:-1] + b', "x": "\xff\xfe"}',
    f"nested {MAX_JSON_DEPTH + 1} deep": lambda body: json.dumps(body)[:-1] + ', "x": '
                                                      + _nested(MAX_JSON_DEPTH) + "}",
    "4000-deep array": lambda body: "[" * 4000 + "]" * 4000,
    "2000-deep object": lambda body: _nested(2000)[:MAX_BODY_BYTES - 10],
}


def test_malformed_and_oversized_bodies_are_4xx_and_change_nothing(api, clock):
    """Every POST route x every malformed body (one test: all failures listed)."""
    requests = _valid_requests(api, clock)
    before = db_snapshot()
    failures = []
    for route in POST_ROUTES:
        valid = requests[route]
        base = dict(valid.body or {})
        for name, build in MALFORMED.items():
            status, error, _ = _send(api, valid, raw=build(base))
            if not (_refused(status, error, code="invalid_json")
                    or _refused(status, error, code="unknown_field")):
                failures.append(f"POST {route} {name}: {status} {error}")
        for size in (MAX_BODY_BYTES + 1, 64 * 1024, 1024 * 1024):
            status, error, _ = _send(api, valid, raw=_padded(base, size))
            if not _refused(status, error, 413, "payload_too_large"):
                failures.append(f"POST {route} {size} bytes: {status} {error}")
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                             "multipart/form-data; boundary=x"):
            status, error, _ = _send(api, valid, raw=json.dumps(base),
                                     headers={"Content-Type": content_type})
            if not _refused(status, error, 415, "unsupported_media_type"):
                failures.append(f"POST {route} Content-Type {content_type}: {status} {error}")
        # The limits are where they say: a body of exactly MAX_BODY_BYTES, and one
        # MAX_JSON_DEPTH levels deep, are parsed (then refused for their unknown field).
        status, error, _ = _send(api, valid, raw=_padded(base, MAX_BODY_BYTES))
        if not _refused(status, error, code="unknown_field"):
            failures.append(f"POST {route} exactly {MAX_BODY_BYTES} bytes: {status} {error}")
        deepest = (json.dumps(base)[:-1] + (", " if base else "") + '"x": '
                   + _nested(MAX_JSON_DEPTH - 1) + "}")
        status, error, _ = _send(api, valid, raw=deepest)
        if not _refused(status, error, code="unknown_field"):
            failures.append(f"POST {route} {MAX_JSON_DEPTH} deep: {status} {error}")
    assert not failures, "\n".join(failures)
    assert changed_items(before, db_snapshot()) == [], "a refused request changed stored state"


def test_a_huge_body_on_a_get_route_is_never_a_server_error(api):
    _, token = api.login("device-abuse-0003")
    for url in ("/v1/me", "/v1/me/items", "/v1/me/creatures", "/v1/map?lat=1&lng=1"):
        status, body, _ = api.call("GET", url, raw=b"x" * (1024 * 1024), token=token)
        # A GET reads no body: the body is ignored, the request answered as without it.
        assert status == 200, (url, status, body)


# Lone UTF-16 surrogates are valid JSON escapes but not encodable text: every string
# field must refuse them as bad input.
SURROGATE_FIELDS = [
    ("/v1/me/team", "team"),
    ("/v1/encounters", "spawn_id"),
    ("/v1/encounters/{encounter_id}/throws", "ball"),
    ("/v1/encounters/{encounter_id}/throws", "berry"),
    ("/v1/encounters/{encounter_id}/throws", "throw"),
    ("/v1/friend-requests", "trainer_code"),
    ("/v1/trades", "friend_id"),
    ("/v1/trades", "creature_id"),
    ("/v1/trades/{trade_id}/offer", "creature_id"),
]


def _with_surrogate(body: dict, name: str) -> str:
    return json.dumps({**body, name: "SURROGATE"}).replace('"SURROGATE"', '"\\ud800abcdefgh"')


def test_lone_surrogates_in_string_fields_are_400(api, clock):
    requests = _valid_requests(api, clock)
    before = db_snapshot()
    for route, name in SURROGATE_FIELDS:
        status, error, _ = _send(api, requests[route], raw=_with_surrogate(requests[route].body, name))
        assert status == 400 and "error" in error, (route, name, status, error)
    assert changed_items(before, db_snapshot()) == []


def test_lone_surrogate_device_id_is_400(api):
    before = db_snapshot()
    status, error, _ = api.call("POST", "/v1/auth/guest",
                                raw=_with_surrogate({"device_id": "x"}, "device_id"))
    assert changed_items(before, db_snapshot()) == []
    assert status == 400 and error["error"]["code"] == "invalid_field", (status, error)


# --- pagination: limit ---------------------------------------------------------------------------

@pytest.fixture
def collector(api):
    player_id, token = api.login("device-abuse-pages")
    made = [give_creature(player_id, n) for n in range(60)]
    return player_id, token, made


BAD_LIMITS = ["0", "51", "-1", "abc", "1.5", "1e1", "%2B5", "%205", "5%20", "0x10", "%D9%A5",
              "99999999999999999999", "", "50.0", "true", "null", "%00", "5%00"]


def test_limit_abuse_is_400_and_the_page_size_is_capped(api, collector):
    _, token, _made = collector
    before = db_snapshot()
    for limit in BAD_LIMITS:
        status, error, _ = api.call("GET", f"/v1/me/creatures?limit={limit}", token=token)
        assert (status, error["error"]["code"]) == (400, "invalid_field"), (limit, status, error)
    assert changed_items(before, db_snapshot()) == []
    for limit, size in (("50", 50), ("050", 50), ("1", 1)):
        status, page, _ = api.call("GET", f"/v1/me/creatures?limit={limit}", token=token)
        assert status == 200 and len(page["creatures"]) == size and page["next_cursor"], (limit, page)
    status, page, _ = api.call("GET", "/v1/me/creatures", token=token)
    assert status == 200 and len(page["creatures"]) == 20


# --- pagination: cursors ----------------------------------------------------------------------------

def _signed_cursor(player_id: str, payload_obj, listing: str = "creatures") -> str:
    """A cursor signed with the real cursor key (what only the server can do)."""
    payload = base64.urlsafe_b64encode(json.dumps(payload_obj).encode()).decode().rstrip("=")
    key = bootstrap.game_keys().cursors
    mac = hmac.new(key, f"{listing}|{player_id}|{payload}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{payload}.{mac}"


def test_cursor_abuse_is_400_and_changes_nothing(api, collector):
    player_id, token, made = collector
    status, page, _ = api.call("GET", "/v1/me/creatures?limit=2", token=token)
    cursor = page["next_cursor"]
    payload, mac = cursor.split(".")
    other_after = base64.urlsafe_b64encode(
        json.dumps({"after": made[0].creature_id}).encode()).decode().rstrip("=")
    tampered = [
        ("MAC zeroed", f"{payload}.{'0' * len(mac)}"),
        ("MAC last char changed", f"{payload}.{mac[:-1]}{'0' if mac[-1] != '0' else '1'}"),
        ("MAC upper-cased", f"{payload}.{mac.upper()}"),
        ("MAC truncated", f"{payload}.{mac[:-1]}"),
        ("MAC doubled", f"{payload}.{mac}{mac}"),
        ("payload swapped, old MAC", f"{other_after}.{mac}"),
        ("payload padded with ==", f"{payload}%3D%3D.{mac}"),
        ("payload truncated", f"{payload[:-1]}.{mac}"),
        ("no MAC", payload),
        ("no payload", f".{mac}"),
        ("dot only", "."),
        ("extra segment", f"{cursor}.x"),
        ("cursor cut in half", cursor[: len(cursor) // 2]),
        ("6000 chars", "a" * 6000),
        ("another listing's cursor", _signed_cursor(player_id, {"after": made[5].creature_id}, "items")),
        ("signed, non-string after", _signed_cursor(player_id, {"after": 12345})),
        ("signed, no after", _signed_cursor(player_id, {"before": made[5].creature_id})),
        ("signed, not an object", _signed_cursor(player_id, ["after"])),
    ]
    before = db_snapshot()
    for name, bad in tampered:
        status, error, _ = api.call("GET", f"/v1/me/creatures?cursor={bad}", token=token)
        assert (status, error["error"]["code"]) == (400, "invalid_cursor"), (name, bad, status, error)
    assert changed_items(before, db_snapshot()) == []
    # The real cursor still works, and replaying it gives the same page.
    first = api.call("GET", f"/v1/me/creatures?limit=2&cursor={cursor}", token=token)
    again = api.call("GET", f"/v1/me/creatures?limit=2&cursor={cursor}", token=token)
    assert first[0] == 200 and first[:2] == again[:2]


def test_a_cursor_only_pages_within_the_token_players_collection(api, collector):
    """Even a cursor the server signed for A pointing at B's creature id lists only A's
    creatures: the partition comes from the token, the cursor only says where to resume."""
    player_id, token, made = collector
    other_id, _ = api.login("device-abuse-other")
    theirs = give_creature(other_id, 999)
    cursor = _signed_cursor(player_id, {"after": theirs.creature_id})
    status, page, _ = api.call("GET", f"/v1/me/creatures?limit=50&cursor={cursor}", token=token)
    mine = {c.creature_id for c in made}
    assert status == 200 and page["creatures"], page
    assert {c["id"] for c in page["creatures"]} <= mine


@pytest.mark.parametrize("cursor", ["x.%C3%A9", "%C3%A9.%C3%A9", "abc.d%C3%A9f"])
def test_non_ascii_cursor_is_400_not_500(api, cursor):
    _, token = api.login("device-abuse-0004")
    status, error, _ = api.call("GET", f"/v1/me/creatures?cursor={cursor}", token=token)
    assert (status, error["error"]["code"]) == (400, "invalid_cursor")


def test_empty_cursor_is_refused(api):
    _, token = api.login("device-abuse-0005")
    status, error, _ = api.call("GET", "/v1/me/creatures?cursor=", token=token)
    assert status == 400 and error["error"]["code"] == "invalid_cursor"


# --- query numbers -----------------------------------------------------------------------------------

BAD_MAP_QUERIES = ["lat=&lng=1", "lat=1", "lng=1", "", "lat=91&lng=0", "lat=0&lng=181",
                   "lat=NaN&lng=0", "lat=-inf&lng=0", "lat=1%00&lng=0", "lat=" + "1" * 400 + "&lng=0",
                   "lat=1." + "0" * 30 + "1&lng=0", "lat=%2B1&lng=0", "lat=1,5&lng=0"]
# A parameter left out is missing_field; one present but not a coordinate is invalid_coordinates.
MISSING_MAP_QUERIES = {"lat=1", "lng=1", ""}


def test_bad_map_queries_are_400_and_record_nothing(api):
    _, token = api.login("device-abuse-0006")
    before = db_snapshot()
    for query in BAD_MAP_QUERIES:
        status, error, _ = api.call("GET", f"/v1/map?{query}", token=token)
        code = "missing_field" if query in MISSING_MAP_QUERIES else "invalid_coordinates"
        assert status == 400 and error["error"]["code"] == code, (query, error)
    assert changed_items(before, db_snapshot()) == []


@pytest.mark.parametrize("lat, lng", [
    (repr(1.1 * 1.1), "103.8198"), ("51.5", "1e-07"), ("-0.30000000000000004", "-78.5"),
    # Below 1 the leading zeros add decimals beyond a double's 17 significant digits
    # (found by make fuzz): Python's repr and JavaScript's String() print these.
    ("40.75904556854832", "-0.0019473948833026945"), ("51.5", repr(0.00012345678901234567)),
    ("-0.0000011111111111111112", "36.8"),
])
def test_map_accepts_coordinates_as_clients_format_them(api, lat, lng):
    _, token = api.login("device-abuse-0007")
    status, body, _ = api.call("GET", f"/v1/map?lat={lat}&lng={lng}", token=token)
    assert status == 200, body


# --- DynamoDB's own limits: refused at the edge, before anything is sent ---------------------
# moto accepts what Amazon's DynamoDB refuses (a sort key over 1,024 bytes, an empty key
# string, a number below 1e-130 in magnitude); there those requests would be
# ValidationExceptions, i.e. 500s. The LocalStack tier runs these on DynamoDB Local.

# route -> the code its malformed path id gets
PATH_ID_CODES = {
    "/v1/encounters/{encounter_id}/throws": "invalid_encounter_id",
    "/v1/stops/{stop_id}/spin": "invalid_fort_id",
    "/v1/me/creatures/{creature_id}/transfer": "invalid_creature_id",
    "/v1/me/creatures/{creature_id}/evolve": "invalid_creature_id",
    "/v1/me/creatures/{creature_id}/power-up": "invalid_creature_id",
    "/v1/gyms/{gym_id}/defenders": "invalid_fort_id",
    "/v1/gyms/{gym_id}/berries": "invalid_fort_id",
    "/v1/gyms/{gym_id}/spin": "invalid_fort_id",
    "/v1/gyms/{gym_id}/battles": "invalid_fort_id",
    "/v1/raids/{raid_id}/join": "invalid_raid_id",
    "/v1/raids/{raid_id}/claim": "invalid_raid_id",
    "/v1/friend-requests/{request_id}/accept": "invalid_request_id",
    "/v1/friend-requests/{request_id}/decline": "invalid_request_id",
    "/v1/friend-requests/{request_id}/cancel": "invalid_request_id",
    "/v1/me/friends/{friend_id}/remove": "invalid_player_id",
    "/v1/me/friends/{friend_id}/gifts": "invalid_player_id",
    "/v1/me/gifts/{gift_id}/open": "invalid_gift_id",
    "/v1/trades/{trade_id}/offer": "invalid_trade_id",
    "/v1/trades/{trade_id}/confirm": "invalid_trade_id",
    "/v1/trades/{trade_id}/cancel": "invalid_trade_id",
    "/v1/me/eggs/{egg_id}/incubate": "invalid_egg_id",
    "/v1/me/eggs/{egg_id}/hatch": "invalid_egg_id",
}
# As they appear in the URL (percent-encoded where a client would have to).
BAD_PATH_IDS = {
    "empty": "",
    f"{MAX_ID_BYTES + 1} characters": "x" * (MAX_ID_BYTES + 1),
    "over the 1,024-byte sort key limit": "x" * 1025,
    "over the 2,048-byte partition key limit": "x" * 2049,
    "600 two-byte characters": "%C3%A9" * 600,
    "one non-ASCII letter": "cr-%C3%A9",
    "a lone surrogate, encoded": "en-%ED%A0%80",
    "a byte that is not UTF-8": "en-%FF",
    "a space": "en-a%20b",
    "a NUL": "en-a%00b",
    "a line break": "en-a%0Ab",
    "a quote": "en-a%22b",
}


def _with_id(valid: Valid, route: str, new_id: str) -> Valid:
    """``valid`` aimed at another id: the route's {param} segment replaced."""
    segments, template = valid.url.split("/"), route.split("/")
    position = next(i for i, part in enumerate(template) if part.startswith("{"))
    segments[position] = new_id
    return replace(valid, url="/".join(segments))


def test_path_ids_out_of_bounds_are_400_and_change_nothing(api, clock):
    requests = _valid_requests(api, clock)
    before = db_snapshot()
    failures = []
    for route, code in PATH_ID_CODES.items():
        for name, bad in BAD_PATH_IDS.items():
            aimed = _with_id(requests[route], route, bad)
            status, error, _ = _send(api, aimed, body=aimed.body)
            if not _refused(status, error, code=code):
                failures.append(f"POST {route} id {name}: {status} {error}")
    assert not failures, "\n".join(failures)
    assert changed_items(before, db_snapshot()) == [], "a refused request changed stored state"


# The longest id the edge lets through reaches the store as a key DynamoDB accepts: on
# DynamoDB Local a bound too close to its limit would show here as a 500.
LONGEST_UNKNOWN_IDS = {
    "/v1/encounters/{encounter_id}/throws": ("en-" + "0" * (MAX_ID_BYTES - 3), 404, "encounter_not_found"),
    "/v1/me/creatures/{creature_id}/transfer": ("cr-" + "0" * (MAX_ID_BYTES - 3), 404, "creature_not_found"),
    # A stop id also has to parse as one (st-<geohash7>-<n>): the world refuses the rest.
    "/v1/stops/{stop_id}/spin": ("st-" + "0" * (MAX_ID_BYTES - 3), 400, "invalid_fort_id"),
    # So does a raid id (rd-<window>-<gym id>), and the longest gym id is shorter than the bound.
    "/v1/raids/{raid_id}/claim": ("rd-" + "0" * (MAX_ID_BYTES - 3), 400, "invalid_raid_id"),
    "/v1/raids/{raid_id}/join": ("rd-0-gy-dr5ru7c-" + "9" * (MAX_ID_BYTES - 16), 400, "invalid_raid_id"),
}


def test_the_longest_allowed_path_ids_are_answered_not_refused_by_the_store(api, clock):
    requests = _valid_requests(api, clock)
    before = db_snapshot()
    for route, (longest, expect_status, code) in LONGEST_UNKNOWN_IDS.items():
        assert len(longest.encode()) == MAX_ID_BYTES
        aimed = _with_id(requests[route], route, longest)
        status, error, _ = _send(api, aimed, body=aimed.body)
        assert _refused(status, error, expect_status, code), (route, status, error)
    assert changed_items(before, db_snapshot()) == []


# Ids made only of the characters an id may hold, that still don't parse as the route's
# kind of id (fq-<player>.<player>, gf-<player>.<day>, tr-<24 hex>, pl-<1-61 letters or
# digits>): 400 with the route's code, before any read.
MALFORMED_SOCIAL_IDS = {
    "invalid_request_id": ["fq-", "fq-pl-a", "fq-pl-a.", "fq-.pl-a", "fq-pl-a.pl-b.pl-c", "fq-pl-.pl-b",
                           "pl-a.pl-b", "FQ-pl-a.pl-b", "fq-pl-a_b.pl-c", "fq-pl-a:b.pl-c",
                           "fq-pl-a.pl-" + "b" * 62, "fq-x.y", "fq-pl-a-pl-b"],
    "invalid_player_id": ["pl-", "pl", "PL-abc", "pl-a_b", "pl-a.b", "pl-a:b", "pl-a-b",
                          "pl-" + "a" * 62, "cr-0000000000000-0000000000", "x"],
    "invalid_gift_id": ["gf-", "gf-pl-a", "gf-pl-a.", "gf-.1", "gf-pl-.1", "gf-pl-a.12345678", "gf-pl-a.-1",
                        "gf-pl-a.1.2", "gf-pl-a_b.1", "GF-pl-a.1", "pl-a.1", "gf-pl-" + "a" * 62 + ".1",
                        "gf-pl-a.1e3"],
    "invalid_egg_id": ["eg-", "eg-" + "0" * 13 + "-" + "0" * 15, "eg-" + "0" * 13 + "-" + "0" * 17,
                       "eg-" + "0" * 13 + "-" + "A" * 16, "EG-" + "0" * 13 + "-" + "0" * 16,
                       "eg-" + "0" * 12 + "a-" + "0" * 16, "eg-" + "0" * 30],
    "invalid_trade_id": ["tr-", "tr-" + "0" * 23, "tr-" + "0" * 25, "tr-" + "A" * 24, "tr-" + "g" * 24,
                         "TR-" + "0" * 24, "tr_" + "0" * 24, "tr-" + "0" * 23 + ":", "0" * 27],
}
# The longest ids that parse reach the store as keys it accepts, and are answered.
LONGEST_SOCIAL_IDS = {
    "/v1/me/friends/{friend_id}/remove": ("pl-" + "a" * 61, 404, "friend_not_found"),
    "/v1/me/friends/{friend_id}/gifts": ("pl-" + "a" * 61, 403, "not_friends"),
    "/v1/me/gifts/{gift_id}/open": ("gf-pl-" + "a" * 61 + ".9999999", 404, "gift_not_found"),
    "/v1/trades/{trade_id}/confirm": ("tr-" + "f" * 24, 404, "trade_not_found"),
}


def test_social_ids_that_dont_parse_are_400_and_the_longest_that_do_are_answered(api, clock):
    requests = _valid_requests(api, clock)
    before = db_snapshot()
    failures = []
    for route, code in PATH_ID_CODES.items():
        for bad in MALFORMED_SOCIAL_IDS.get(code, []):
            aimed = _with_id(requests[route], route, bad)
            status, error, _ = _send(api, aimed, body=aimed.body)
            if not _refused(status, error, code=code):
                failures.append(f"POST {route} id {bad!r}: {status} {error}")
    for bad in MALFORMED_SOCIAL_IDS["invalid_trade_id"]:
        status, error, _ = api.call("GET", f"/v1/trades/{bad}", token=requests["/v1/trades"].token)
        if not _refused(status, error, code="invalid_trade_id"):
            failures.append(f"GET /v1/trades/{bad}: {status} {error}")
    for body_field, code in (("friend_id", "invalid_player_id"), ("creature_id", "invalid_creature_id")):
        valid = requests["/v1/trades"]
        for bad in MALFORMED_SOCIAL_IDS["invalid_player_id"] if body_field == "friend_id" else ["", "cr-%"]:
            status, error, _ = _send(api, valid, body={**valid.body, body_field: bad})
            if not _refused(status, error, code=code):
                failures.append(f"POST /v1/trades {body_field}={bad!r}: {status} {error}")
    for route, (longest, expect_status, code) in LONGEST_SOCIAL_IDS.items():
        aimed = _with_id(requests[route], route, longest)
        status, error, _ = _send(api, aimed, body=aimed.body)
        if not _refused(status, error, expect_status, code):
            failures.append(f"POST {route} longest id: {status} {error}")
    assert not failures, "\n".join(failures)
    assert changed_items(before, db_snapshot()) == [], "a refused request changed stored state"


def _keyed_routes():
    from infra.functions import keyed_routes

    return sorted(path for _, path in keyed_routes())


KEYED_ROUTES = _keyed_routes()


def test_idempotency_keys_out_of_bounds_are_400_and_change_nothing(api, clock):
    requests = _valid_requests(api, clock)
    bad_keys = {"7 characters": "a" * 7, f"{MAX_ID_BYTES + 1} characters": "a" * (MAX_ID_BYTES + 1),
                "1,025 characters": "a" * 1025, "a space": "abcd efgh", "non-ASCII": "abcdefgh\u00e9",
                "a slash": "abcd/efgh", "empty": ""}
    before = db_snapshot()
    failures = []
    for route in KEYED_ROUTES:
        for name, key in bad_keys.items():
            status, error, _ = _send(api, requests[route], body=requests[route].body,
                                     headers={"Idempotency-Key": key})
            if not _refused(status, error, code="invalid_idempotency_key"):
                failures.append(f"POST {route} key {name}: {status} {error}")
    assert not failures, "\n".join(failures)
    assert changed_items(before, db_snapshot()) == []
    # The longest key is accepted and stored (a key DynamoDB takes): the bound is where it says.
    clock.advance(60_000)
    route = "/v1/stops/{stop_id}/spin"
    status, body, _ = _send(api, requests[route], body=requests[route].body,
                            headers={"Idempotency-Key": "k" * MAX_ID_BYTES})
    assert status == 200, body


def test_an_idempotency_key_with_a_trailing_line_break_is_400(api, clock, pytestconfig):
    """``^...$`` let "<key>\\n" through (``$`` matches before a final newline)."""
    if pytestconfig.getoption("--backend") == "localstack":
        pytest.skip("http.client refuses to send a header value with a line break (and no "
                    "HTTP server delivers one): only the in-process client can send it")
    requests = _valid_requests(api, clock)
    before = db_snapshot()
    for route in KEYED_ROUTES:
        status, error, _ = _send(api, requests[route], body=requests[route].body,
                                 headers={"Idempotency-Key": "abcdefgh\n"})
        assert _refused(status, error, code="invalid_idempotency_key"), (route, status, error)
    assert changed_items(before, db_snapshot()) == []


TINY = ["1e-300", "-1e-131", "5e-324", "9.99e-131"]


def _position(player_id: str) -> dict:
    """The stored position, as DynamoDB holds it (one item: a full snapshot per query
    would scan every table, grown by the whole run on the LocalStack tier)."""
    client = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    item = client.get_item(TableName=os.environ["PLAYERS_TABLE"], Key={"player_id": {"S": player_id}},
                           ConsistentRead=True)["Item"]
    return item["position"]["M"]


def test_coordinates_closer_to_0_than_dynamodb_numbers_are_stored_as_0(api):
    """A double like 1e-300 is a valid coordinate but no DynamoDB number (the smallest
    magnitude is 1e-130): the map stores it as 0 instead of failing."""
    player_id, token = api.login("device-abuse-tiny")
    for tiny in TINY:
        for query, stored in ((f"lat={tiny}&lng=0.5", (0.0, 0.5)), (f"lat=0.5&lng={tiny}", (0.5, 0.0))):
            status, body, _ = api.call("GET", f"/v1/map?{query}", token=token)
            assert status == 200, (query, body)
            position = _position(player_id)
            # Compared as numbers: moto keeps "0.0" as sent, DynamoDB normalizes it to "0".
            assert (float(position["lat"]["N"]), float(position["lng"]["N"])) == stored, (query, position)
    # The map keeps positions to 6 decimals (~0.1 m, the walking trail's precision):
    # DynamoDB's smallest magnitude is stored as 0 too, and a real one as sent.
    status, body, _ = api.call("GET", "/v1/map?lat=1e-130&lng=-1e-130", token=token)
    assert status == 200, body
    position = _position(player_id)
    assert (float(position["lat"]["N"]), float(position["lng"]["N"])) == (0.0, 0.0), position
    status, body, _ = api.call("GET", "/v1/map?lat=-33.867851&lng=151.20733", token=token)
    assert status == 200, body
    position = _position(player_id)
    assert (float(position["lat"]["N"]), float(position["lng"]["N"])) == (-33.867851, 151.20733), position


@pytest.mark.parametrize("tiny", TINY)
def test_body_coordinates_closer_to_0_than_dynamodb_numbers_read_as_0(tiny):
    """Encounters and spins read their coordinates with the same ``number``."""
    assert number(json.loads(tiny), "lat") == 0.0
    assert number(1e-130, "lat") == 1e-130


def test_a_device_id_is_never_stored_so_its_128_characters_need_no_byte_bound(api):
    """The longest device id (128 four-byte characters, 512 bytes) logs in; only its
    HMAC (the player id) reaches the store, so DynamoDB's limits never see it (the new
    player's item, and its trainer code's item pointing at it)."""
    device = "\U0001f98a" * 127 + api.namespace[0]
    before = db_snapshot()
    status, body, _ = api.call("POST", "/v1/auth/guest", {"device_id": device})
    assert status == 200, body
    added = changed_items(before, db_snapshot())
    assert [(table, after["player_id"]["S"]) for table, _, _, after in added] == \
        [("players", body["player_id"]), ("trainer_codes", body["player_id"])]
    assert device not in json.dumps(added, ensure_ascii=False)
    assert "\U0001f98a" not in json.dumps(added, ensure_ascii=False)


def test_dynamodb_refuses_what_the_edge_keeps_from_it(api, pytestconfig):
    """Why the bounds above exist: Amazon's DynamoDB (Local, on the LocalStack tier)
    refuses an empty key, a sort key over 1,024 bytes and a number below 1e-130 with a
    ValidationException, which the app would have answered as a 500. Fails if DynamoDB
    Local stops enforcing them (then this tier no longer proves the edge's bounds)."""
    if pytestconfig.getoption("--backend") != "localstack":
        pytest.skip("moto doesn't enforce DynamoDB's key and number limits (which is why "
                    "the edge bounds them): shown on DynamoDB Local, the LocalStack tier")
    player_id, _ = api.login("device-abuse-limits")
    client = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    encounters, players = os.environ["ENCOUNTERS_TABLE"], os.environ["PLAYERS_TABLE"]
    before = db_snapshot()
    refused = []
    for sort_key in ("", "x" * 1025):
        try:
            client.get_item(TableName=encounters,
                            Key={"player_id": {"S": player_id}, "encounter_id": {"S": sort_key}})
        except ClientError as error:
            refused.append(error.response["Error"]["Code"])
    try:
        client.update_item(TableName=players, Key={"player_id": {"S": player_id}},
                           UpdateExpression="SET probe = :tiny", ExpressionAttributeValues={":tiny": {"N": "1e-300"}})
    except ClientError as error:
        refused.append(error.response["Error"]["Code"])
    assert refused == ["ValidationException"] * 3
    assert changed_items(before, db_snapshot()) == []

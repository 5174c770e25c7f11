"""Cross-player authorization (OWASP API1, BOLA), generated from the app's route table.

Every (method, path) that ``app.app.routes`` serves needs an entry in ``MATRIX``: which
of player A's objects player B aims at (encounter id, creature id, cursor, stop
cooldown, idempotency key) and how B is refused, or why the route has no foreign
object. The test is parametrized over the ROUTE TABLE, not over ``MATRIX``: a new route
without an entry fails the suite until someone decides how it is protected.

For each route, A owns real objects (an encounter with a throw, creatures, a transfer,
a spun stop, a listing cursor, a defender at a gym, a spun gym and a raid lobby A joined —
all with stored idempotent responses — and a knocked-out defender waiting in A's inbox
with its coins; a friend F, a request A sent to C and one D sent A, a gift from F
unopened in A's box, a trade A proposed to F and one F answered),
B is rich enough that a missing ownership check would succeed, and B's probes must
answer as listed and change nothing stored: compared through the game store (players,
creatures, encounters, action records, visits, inbox returns, the gyms A's objects are
at, A's raid lobby and boss encounter) and, item by item, through a scan of every table.
Routes without a foreign object may change B's own items (the map records B's
position), never A's.
"""
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from geocritters import bootstrap
from geocritters.game import geo
from geocritters.game.buddy import Buddy
from geocritters.game.config import MINUTE_MS
from geocritters.game.travel import travel_cooldown_ms
from geocritters.game.walking import Walk
from geocritters.usecases.gyms import raid_under_way
from geocritters.usecases.raids import boss_encounter_id
from tests.security.conftest import changed_items, db_snapshot, owner_of
from tests.support.api_calls import start_encounter, throw
from tests.support.game_state import edit_player, give_creature, give_egg, player, raid_lobby, send_back
from tests.support.nearby import HOME, a_spawn, a_stop
from tests.support.raid_state import tier_one_raid
from tests.support.social import TRADE_LEVEL_XP, befriend, code_of, show_on_map

# Who may reach whose objects is decided by the verified token and by keys that carry the
# player id, not by the storage backend: proven once, on moto (with a full scan of every
# table, cheap there because each test starts from empty tables). What DynamoDB Local
# enforces on its own (conditions, transactions, limits) is the contract suite's, the
# races' and test_input_abuse.py's job in the LocalStack tier.
pytestmark = pytest.mark.backend_independent


def _route_table():
    import app

    return sorted((method, path) for path, methods in app.app.routes.items() for method in methods)


ROUTES = _route_table()
PUBLIC_ROUTES = {("POST", "/v1/auth/guest"), ("GET", "/v1/game-data")}


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
    gym: object  # A (team blue) deployed defender_id here with deploy_key, spun it with gym_spin_key
    defender_id: str
    deploy_key: str
    gym_spin_key: str
    gym_spin: dict  # A's stored answer to its gym spin: A's cooldown there is running
    empty_gym: object  # nobody defends it; A's knocked-out defender came back from it
    a_return: object  # A's unclaimed return (DefenderReturn): creature still locked, coins
    a_coins: int
    raid: object  # a tier-1 raid in its battle phase: A joined its lobby 1 with join_key
    raid_gym: object
    join_key: str
    join_body: dict  # A's join: standing at the raid gym with a creature whose id B's has too
    join: dict  # A's stored answer; the lobby's countdown is over, A hasn't claimed
    f_id: str  # A's friend (level 10, like A and B)
    f: str  # F's token
    outgoing_request: str  # A asked C to be friends: fq-A.C, pending
    incoming_request: str  # D asked A: fq-D.A, pending
    request_key: str  # A's key of its stored request to C
    gift_id: str  # F's gift to A, unopened in A's box (A still holds gifts to send)
    proposed_trade: str  # A proposed it to F (A's creature kept), with propose_key
    propose_key: str
    offered_trade: str  # A proposed it to F, F offered a creature: A's confirmation would execute
    egg_id: str  # A's egg, not incubating
    ready_egg_id: str  # A's egg in the infinite incubator, walked far enough to hatch


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


def _code(code: str) -> Callable[[dict], bool]:
    return lambda body: body["error"]["code"] == code


def _at(fort, **fields) -> dict:
    """A request body standing on the fort."""
    return {**fields, "lat": fort.lat, "lng": fort.lng}


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
            "only B's position is recorded (A's running cooldown on the stop is not shown to B); "
            "gyms show their public summary (A's gym: blue, one slot taken), no player id",
        probes=lambda w: [
            Probe("GET", f"/v1/map?lat={w.stop.lat}&lng={w.stop.lng}&player_id={w.a_id}", {200},
                  check=lambda body: {s["id"]: s["cooldown_until_ms"] for s in body["stops"]}
                  .get(w.stop.id) == 0),
            Probe("GET", f"/v1/map?lat={w.gym.lat}&lng={w.gym.lng}&player_id={w.a_id}", {200},
                  check=lambda body: {g["id"]: (g["team"], g["free_slots"]) for g in body["gyms"]}
                  .get(w.gym.id) == ("blue", 5) and w.a_id not in json.dumps(body)),
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
    ("GET", "/v1/gyms/{gym_id}"): Entry(
        foreign_object=None,
        how="no foreign object: a gym's page (team, defenders with their owner's name and "
            "CP) is public to anyone within reach; B reading the gym A defends gets it "
            "whole, writes nothing, and the page carries no player id of A's",
        probes=lambda w: [
            Probe("GET", f"/v1/gyms/{w.gym.id}?lat={w.gym.lat}&lng={w.gym.lng}&player_id={w.a_id}",
                  {200},
                  check=lambda body: body["team"] == "blue"
                  and [d["creature_id"] for d in body["defenders"]] == [w.defender_id]
                  and w.a_id not in json.dumps(body)),
        ]),
    ("POST", "/v1/gyms/{gym_id}/defenders"): Entry(
        foreign_object="A's creature id, free or defending (and A's idempotency key with a "
                       "stored deploy)",
        how="404 creature_not_found: the creature is read under the token's player only, so "
            "B can't deploy A's creature even at an empty gym B could take; A's exact deploy "
            "replayed by B with A's key does not return A's stored answer",
        probes=lambda w: [
            Probe("POST", f"/v1/gyms/{w.empty_gym.id}/defenders", {404},
                  body=_at(w.empty_gym, creature_id=w.kept.creature_id), headers=_key("deploy"),
                  check=_code("creature_not_found")),
            Probe("POST", f"/v1/gyms/{w.gym.id}/defenders", {404},
                  body=_at(w.gym, creature_id=w.defender_id), headers={"Idempotency-Key": w.deploy_key},
                  check=_code("creature_not_found"),
                  note="A's exact request and key: A would get its stored 200"),
        ]),
    ("POST", "/v1/gyms/{gym_id}/berries"): Entry(
        foreign_object="A's defender (at a gym of A's team)",
        how="409 rival_gym: berries go only to defenders of the feeder's own team; B (red, "
            "holding razz berries) feeding A's blue defender spends nothing and changes "
            "neither the defender's motivation nor the gym",
        probes=lambda w: [
            Probe("POST", f"/v1/gyms/{w.gym.id}/berries", {409},
                  body=_at(w.gym, creature_id=w.defender_id), headers=_key("feed"),
                  check=_code("rival_gym")),
        ]),
    ("POST", "/v1/gyms/{gym_id}/battles"): Entry(
        foreign_object="A's creature ids as B's attackers",
        how="404 creature_not_found: attackers are read under the token's player only; B "
            "attacking A's gym (a rival gym B may attack) with A's free creature, or with "
            "B's own plus A's defender, fights no battle",
        probes=lambda w: [
            Probe("POST", f"/v1/gyms/{w.gym.id}/battles", {404},
                  body=_at(w.gym, creature_ids=[w.kept.creature_id]), headers=_key("battle"),
                  check=_code("creature_not_found")),
            Probe("POST", f"/v1/gyms/{w.gym.id}/battles", {404},
                  body=_at(w.gym, creature_ids=[w.b_creature_id, w.defender_id]),
                  headers=_key("battle-mixed"), check=_code("creature_not_found")),
        ]),
    ("POST", "/v1/gyms/{gym_id}/spin"): Entry(
        foreign_object=None,
        how="no foreign object: gym spin cooldowns and idempotency keys are per player; B "
            "spinning the gym A spun a minute ago, even with A's exact body and key, is B's "
            "own spin (200, B's cooldown), never A's stored answer; A's cooldown and stored "
            "spin untouched",
        probes=lambda w: [
            Probe("POST", f"/v1/gyms/{w.gym.id}/spin", {200}, body=_at(w.gym),
                  headers={"Idempotency-Key": w.gym_spin_key},
                  check=lambda body: body != w.gym_spin
                  and body["cooldown_until_ms"] > w.gym_spin["cooldown_until_ms"],
                  after=lambda: w.gym.id in player(w.b_id).stop_cooldowns,
                  note="A's exact request and key: A would get its stored 200"),
        ],
        b_may_change=True),
    ("GET", "/v1/me/defenders"): Entry(
        foreign_object=None,
        how="the token's player's defenders, returns and coins; a query naming A still "
            "lists B's (none), never A's defender, A's return or A's coins",
        probes=lambda w: [
            Probe("GET", f"/v1/me/defenders?player_id={w.a_id}", {200},
                  check=lambda body: body == {"defending": [], "returned": [],
                                              "coins": player(w.b_id).coins}),
        ]),
    ("POST", "/v1/me/defenders/claim"): Entry(
        foreign_object="A's returned defender (in A's inbox, A's creature still locked)",
        how="a claim reads the token's player's inbox only: B's claim is B's own (200, "
            "nothing returned, no coins); A's return, its creature's lock and A's coins "
            "are unchanged",
        probes=lambda w: [
            Probe("POST", "/v1/me/defenders/claim", {200}, headers=_key("claim"),
                  check=lambda body: body["returned"] == [] and body["coins_earned"] == 0
                  and body["coins"] == player(w.b_id).coins,
                  after=lambda: bootstrap.game_context().store.pending_returns(w.a_id) == [w.a_return]
                  and bootstrap.game_context().store.get_creature(
                      w.a_id, w.a_return.creature_id).defending_gym == w.empty_gym.id
                  and player(w.a_id).coins == w.a_coins),
        ],
        b_may_change=True),
    ("GET", "/v1/raids/{raid_id}"): Entry(
        foreign_object="A's raid lobby (the raid's page shows the caller's lobby)",
        how="the lobby shown is the token's player's own, found through its own raid entry: "
            "B reading the raid A joined gets the raid (public: the map shows it) with "
            "lobby null and revision 0, a query naming A changes nothing, and the answer "
            "carries no player id of A's",
        probes=lambda w: [
            Probe("GET", f"/v1/raids/{w.raid.raid_id}?player_id={w.a_id}", {200},
                  check=lambda body: body["raid"]["id"] == w.raid.raid_id
                  and body["raid"]["gym_id"] == w.raid_gym.id and body["lobby"] is None
                  and body["revision"] == 0 and w.a_id not in json.dumps(body)),
        ]),
    ("POST", "/v1/raids/{raid_id}/join"): Entry(
        foreign_object="A's creature ids as B's attackers, and A's exact join with A's "
                       "idempotency key (a stored 200)",
        how="404 creature_not_found: attackers are read under the token's player only, so "
            "B can't bring A's creatures into a lobby; A's exact join replayed by B with "
            "A's key is B's own join, decided on B's state (the creature id in it is also "
            "B's: ids are per player): B holds no raid pass, 409 no_raid_pass, never A's "
            "stored answer; A's lobby, pass and stored join untouched",
        probes=lambda w: [
            Probe("POST", f"/v1/raids/{w.raid.raid_id}/join", {404},
                  body=_at(w.raid_gym, creature_ids=[w.kept.creature_id]), headers=_key("raid-join"),
                  check=_code("creature_not_found")),
            Probe("POST", f"/v1/raids/{w.raid.raid_id}/join", {404},
                  body=_at(w.raid_gym, creature_ids=[w.b_creature_id, w.kept.creature_id]),
                  headers=_key("raid-join-mixed"), check=_code("creature_not_found")),
            Probe("POST", f"/v1/raids/{w.raid.raid_id}/join", {409},
                  body=w.join_body, headers={"Idempotency-Key": w.join_key},
                  check=_code("no_raid_pass"),
                  note="A's exact request and key: A would get its stored 200"),
        ]),
    ("POST", "/v1/raids/{raid_id}/claim"): Entry(
        foreign_object="A's raid lobby (its countdown over, unclaimed: A's own claim would "
                       "resolve its battle) and A's join key",
        how="404 not_in_raid: a claim finds the lobby through the token's player's own raid "
            "entry, and B joined none; with B's key or A's, no battle result is stored, no "
            "boss encounter is created for anyone, A's lobby and player item are unchanged",
        probes=lambda w: [
            Probe("POST", f"/v1/raids/{w.raid.raid_id}/claim", {404}, headers=_key("raid-claim"),
                  check=_code("not_in_raid")),
            Probe("POST", f"/v1/raids/{w.raid.raid_id}/claim", {404},
                  headers={"Idempotency-Key": w.join_key}, check=_code("not_in_raid"),
                  after=lambda: raid_lobby(w.a_id, w.raid.raid_id).result is None,
                  note="A's join key on A's raid"),
        ]),
    # --- friends ---------------------------------------------------------------------------
    ("GET", "/v1/me/friends"): Entry(
        foreign_object=None,
        how="the token's player's friends partition only; a query naming A lists B's "
            "(none), never A's friend F",
        probes=lambda w: [
            Probe("GET", f"/v1/me/friends?player_id={w.a_id}", {200},
                  check=lambda body: body["friends"] == [] and body["count"] == 0
                  and w.f_id not in json.dumps(body)),
        ]),
    ("GET", "/v1/me/friend-requests"): Entry(
        foreign_object=None,
        how="the token's player's pending requests only; a query naming A shows B's (none), "
            "never A's request to C or D's to A",
        probes=lambda w: [
            Probe("GET", f"/v1/me/friend-requests?player_id={w.a_id}", {200},
                  check=lambda body: body == {"incoming": [], "outgoing": []}),
        ]),
    ("POST", "/v1/friend-requests"): Entry(
        foreign_object="A's identity as a request's sender (A's trainer code is public by "
                       "design: it is how friends find each other)",
        how="a request is always from the token's player: a body naming a sender is 400 "
            "unknown_field, and A's own request replayed by B with A's key is B's own request "
            "(B sending to A's friend F would write F's partition, so B aims at its own code: "
            "400 own_trainer_code, never A's stored answer)",
        probes=lambda w: [
            Probe("POST", "/v1/friend-requests", {400},
                  body={"trainer_code": code_of(w.api, w.f), "from": w.a_id}, headers=_key("request"),
                  check=_code("unknown_field")),
            Probe("POST", "/v1/friend-requests", {400},
                  body={"trainer_code": code_of(w.api, w.b)}, headers={"Idempotency-Key": w.request_key},
                  check=_code("own_trainer_code"), note="A's key"),
        ]),
    ("POST", "/v1/friend-requests/{request_id}/accept"): Entry(
        foreign_object="the requests A sent and received",
        how="404 friend_request_not_found: only a request's receiver accepts it and B is "
            "neither's; its sender can't accept for the receiver (A its own to C), and a "
            "forged id naming B as A's receiver finds no request",
        probes=lambda w: [
            Probe("POST", f"/v1/friend-requests/{w.incoming_request}/accept", {404},
                  headers=_key("accept"), check=_code("friend_request_not_found")),
            Probe("POST", f"/v1/friend-requests/{w.outgoing_request}/accept", {404}, token=w.a,
                  headers=_key("accept-own"), check=_code("friend_request_not_found"),
                  note="the sender accepting its own request"),
            Probe("POST", f"/v1/friend-requests/fq-{w.a_id}.{w.b_id}/accept", {404},
                  headers=_key("accept-forged"), check=_code("friend_request_not_found")),
        ]),
    ("POST", "/v1/friend-requests/{request_id}/decline"): Entry(
        foreign_object="the requests A sent and received",
        how="404 friend_request_not_found: only a request's receiver declines it; B is "
            "neither's, and A can't decline its own request to C",
        probes=lambda w: [
            Probe("POST", f"/v1/friend-requests/{w.incoming_request}/decline", {404},
                  headers=_key("decline"), check=_code("friend_request_not_found")),
            Probe("POST", f"/v1/friend-requests/{w.outgoing_request}/decline", {404}, token=w.a,
                  headers=_key("decline-own"), check=_code("friend_request_not_found"),
                  note="the sender declining for the receiver"),
        ]),
    ("POST", "/v1/friend-requests/{request_id}/cancel"): Entry(
        foreign_object="the requests A sent and received",
        how="404 friend_request_not_found: only a request's sender cancels it; B is neither's, "
            "and A can't cancel D's request to A",
        probes=lambda w: [
            Probe("POST", f"/v1/friend-requests/{w.outgoing_request}/cancel", {404},
                  headers=_key("cancel"), check=_code("friend_request_not_found")),
            Probe("POST", f"/v1/friend-requests/{w.incoming_request}/cancel", {404}, token=w.a,
                  headers=_key("cancel-theirs"), check=_code("friend_request_not_found"),
                  note="the receiver cancelling for the sender"),
        ]),
    ("POST", "/v1/me/friends/{friend_id}/remove"): Entry(
        foreign_object="A's friendship with F",
        how="404 friend_not_found: removal reads the token's player's own side of the pair; "
            "B is friends with neither A nor F, so neither side of A and F's friendship goes",
        probes=lambda w: [
            Probe("POST", f"/v1/me/friends/{w.f_id}/remove", {404}, headers=_key("remove"),
                  check=_code("friend_not_found")),
            Probe("POST", f"/v1/me/friends/{w.a_id}/remove", {404}, headers=_key("remove-a"),
                  check=_code("friend_not_found")),
        ]),
    # --- gifts -----------------------------------------------------------------------------
    ("GET", "/v1/me/gifts"): Entry(
        foreign_object=None,
        how="the token's player's bag and inbox only; a query naming A shows B's box, "
            "never F's gift to A",
        probes=lambda w: [
            Probe("GET", f"/v1/me/gifts?player_id={w.a_id}", {200},
                  check=lambda body: body["received"] == [] and body["bag"] == player(w.b_id).gifts),
        ]),
    ("POST", "/v1/me/friends/{friend_id}/gifts"): Entry(
        foreign_object="A (and A's friend F) as a gift's receiver",
        how="403 not_friends: a gift goes only to the token's player's friend; B holds gifts "
            "to send, and is friends with neither A nor F",
        probes=lambda w: [
            Probe("POST", f"/v1/me/friends/{w.a_id}/gifts", {403}, headers=_key("gift"),
                  check=_code("not_friends")),
            Probe("POST", f"/v1/me/friends/{w.f_id}/gifts", {403}, headers=_key("gift-f"),
                  check=_code("not_friends")),
        ]),
    ("POST", "/v1/me/gifts/{gift_id}/open"): Entry(
        foreign_object="F's gift to A, unopened in A's box",
        how="404 gift_not_found: a gift is read from the token's player's own inbox; B opening "
            "A's gift gets nothing and A's gift stays unopened",
        probes=lambda w: [
            Probe("POST", f"/v1/me/gifts/{w.gift_id}/open", {404}, headers=_key("open"),
                  check=_code("gift_not_found")),
        ]),
    # --- trades ----------------------------------------------------------------------------
    ("POST", "/v1/trades"): Entry(
        foreign_object="A (and A's friend F) as a trade partner, A's creature, A's propose key",
        how="403 not_friends: a trade is proposed only to the token's player's friend (B is "
            "level 10 with a creature, next to A: only the friendship is missing); with A's "
            "creature or A's key it is the same refusal, never A's stored trade",
        probes=lambda w: [
            Probe("POST", "/v1/trades", {403}, body={"friend_id": w.a_id, "creature_id": w.b_creature_id},
                  headers=_key("propose"), check=_code("not_friends")),
            Probe("POST", "/v1/trades", {403}, body={"friend_id": w.f_id, "creature_id": w.kept.creature_id},
                  headers={"Idempotency-Key": w.propose_key}, check=_code("not_friends"),
                  note="A's creature and A's key, to A's friend"),
        ]),
    ("GET", "/v1/me/trades"): Entry(
        foreign_object=None,
        how="the token's player's trade links only; a query naming A lists B's (none), never "
            "A's trades with F",
        probes=lambda w: [
            Probe("GET", f"/v1/me/trades?player_id={w.a_id}", {200},
                  check=lambda body: body == {"trades": []}),
        ]),
    ("GET", "/v1/trades/{trade_id}"): Entry(
        foreign_object="A's trades with F",
        how="404 trade_not_found: a trade is visible to its two players only",
        probes=lambda w: [
            Probe("GET", f"/v1/trades/{w.proposed_trade}", {404}, check=_code("trade_not_found")),
            Probe("GET", f"/v1/trades/{w.offered_trade}", {404}, check=_code("trade_not_found")),
        ]),
    ("POST", "/v1/trades/{trade_id}/offer"): Entry(
        foreign_object="A's proposed trade with F",
        how="404 trade_not_found for B (not a party); 403 trade_wrong_side for the proposer "
            "A: only the receiver answers a trade",
        probes=lambda w: [
            Probe("POST", f"/v1/trades/{w.proposed_trade}/offer", {404},
                  body={"creature_id": w.b_creature_id}, headers=_key("offer"), check=_code("trade_not_found")),
            Probe("POST", f"/v1/trades/{w.proposed_trade}/offer", {403}, token=w.a,
                  body={"creature_id": w.kept.creature_id}, headers=_key("offer-own"),
                  check=_code("trade_wrong_side"), note="the proposer answering its own trade"),
        ]),
    ("POST", "/v1/trades/{trade_id}/confirm"): Entry(
        foreign_object="A's offered trade with F (A's confirmation would execute it)",
        how="404 trade_not_found for B (not a party); 403 trade_wrong_side for the receiver "
            "F: only the proposer confirms; nothing changes owner",
        probes=lambda w: [
            Probe("POST", f"/v1/trades/{w.offered_trade}/confirm", {404}, headers=_key("confirm"),
                  check=_code("trade_not_found")),
            Probe("POST", f"/v1/trades/{w.offered_trade}/confirm", {403}, token=w.f,
                  headers=_key("confirm-receiver"), check=_code("trade_wrong_side"),
                  note="the receiver confirming for the proposer"),
        ]),
    ("POST", "/v1/trades/{trade_id}/cancel"): Entry(
        foreign_object="A's open trades with F",
        how="404 trade_not_found: only the trade's two players can cancel it; B's cancel "
            "leaves both open",
        probes=lambda w: [
            Probe("POST", f"/v1/trades/{w.proposed_trade}/cancel", {404}, headers=_key("cancel-trade"),
                  check=_code("trade_not_found")),
            Probe("POST", f"/v1/trades/{w.offered_trade}/cancel", {404}, headers=_key("cancel-offered"),
                  check=_code("trade_not_found")),
        ]),
    # --- eggs and the buddy ----------------------------------------------------------------
    ("GET", "/v1/me/eggs"): Entry(
        foreign_object=None,
        how="the token's player's eggs and incubators only; a query naming A shows B's (none)",
        probes=lambda w: [
            Probe("GET", f"/v1/me/eggs?player_id={w.a_id}", {200},
                  check=lambda body: body["eggs"] == []),
        ]),
    ("POST", "/v1/me/eggs/{egg_id}/incubate"): Entry(
        foreign_object="A's egg (not incubating)",
        how="404 egg_not_found: eggs are read from the token's player's own item",
        probes=lambda w: [
            Probe("POST", f"/v1/me/eggs/{w.egg_id}/incubate", {404}, body={"incubator_id": "infinite"},
                  headers=_key("incubate"), check=_code("egg_not_found")),
        ]),
    ("POST", "/v1/me/eggs/{egg_id}/hatch"): Entry(
        foreign_object="A's egg, incubated and walked: A's hatch would succeed",
        how="404 egg_not_found: eggs are read from the token's player's own item",
        probes=lambda w: [
            Probe("POST", f"/v1/me/eggs/{w.ready_egg_id}/hatch", {404}, headers=_key("hatch"),
                  check=_code("egg_not_found")),
        ]),
    ("GET", "/v1/me/buddy"): Entry(
        foreign_object=None,
        how="the token's player's buddy only; a query naming A shows B's (none), not A's",
        probes=lambda w: [
            Probe("GET", f"/v1/me/buddy?player_id={w.a_id}", {200},
                  check=lambda body: body["buddy"] is None),
        ]),
    ("POST", "/v1/me/buddy"): Entry(
        foreign_object="A's creature id (A's buddy)",
        how="404 creature_not_found: the creature is read under the token's player only",
        probes=lambda w: [
            Probe("POST", "/v1/me/buddy", {404}, body={"creature_id": w.kept.creature_id},
                  headers=_key("buddy"), check=_code("creature_not_found")),
        ]),
    ("POST", "/v1/me/buddy/candy"): Entry(
        foreign_object=None,
        how="pays the token's player's own buddy: B has none (409 no_buddy); nothing names A's",
        probes=lambda w: [
            Probe("POST", f"/v1/me/buddy/candy?player_id={w.a_id}", {409}, headers=_key("candy"),
                  check=_code("no_buddy")),
        ]),
    ("GET", "/v1/game-data"): Entry(
        foreign_object=None,
        how="public and the same for everyone (roster, items, levels, rule numbers): no player "
            "data in it, a token changes nothing, and a query naming a player is 400 "
            "unknown_query_parameter (it takes no parameters)",
        probes=lambda w: [
            Probe("GET", "/v1/game-data", {200},
                  check=lambda body: body == w.api.call("GET", "/v1/game-data")[1]
                  and w.a_id not in json.dumps(body)),
            Probe("GET", f"/v1/game-data?player_id={w.a_id}", {400},
                  check=_code("unknown_query_parameter")),
        ]),
    # --- regional leaderboards ---
    ("GET", "/v1/boards/{region}"): Entry(
        foreign_object=None,
        how="no foreign object: a region's board (names and scores) is public; `me` is the "
            "token's player's own place, a query naming A changes nothing, and no player id "
            "is ever on a board",
        probes=lambda w: [
            Probe("GET", f"/v1/boards/{geo.encode(w.spawn_lat, w.spawn_lng, 4)}?player_id={w.a_id}",
                  {200}, check=lambda body: body["me"] is None and w.a_id not in json.dumps(body)),
        ]),
    # --- live events: operators only (IAM-signed), never a player's token ---
    ("POST", "/v1/admin/events"): Entry(
        foreign_object=None,
        how="an operator route: a player's Bearer token is not a SigV4 signature (403 "
            "signature_required from the gateway; the function also refuses any request "
            "without an IAM identity, 403 operator_only); nothing is stored",
        probes=lambda w: [
            Probe("POST", "/v1/admin/events", {403}, headers=_key("event"),
                  body={"name": "x", "start_ms": 1, "end_ms": 2, "effects": {"xp_multiplier": 2}},
                  check=_code("signature_required")),
        ]),
    ("GET", "/v1/admin/events"): Entry(
        foreign_object=None,
        how="an operator route: a player's token is refused by the gateway (403)",
        probes=lambda w: [
            Probe("GET", "/v1/admin/events", {403}, check=_code("signature_required")),
        ]),
    ("DELETE", "/v1/admin/events/{event_id}"): Entry(
        foreign_object=None,
        how="an operator route: a player's token is refused by the gateway (403), the event "
            "stays",
        probes=lambda w: [
            Probe("DELETE", "/v1/admin/events/ev-0000000000000000", {403},
                  check=_code("signature_required")),
        ]),
}


# --- A plays, B gets ready ---------------------------------------------------------------

def _free_gyms(tries: int = 30):
    """Two generated gyms less than 1 km apart that nobody defends and with no raid battle
    now or within the quarter hour, the first found walking north from HOME (LocalStack
    keeps its tables for the whole run: gyms taken by earlier tests are skipped)."""
    ctx = bootstrap.game_context()
    now = ctx.clock.now_ms()

    def free(fort):
        return (fort.kind == "gym" and ctx.store.get_gym(fort.id).revision == 0
                and not any(raid_under_way(ctx, fort, t) for t in (now, now + 15 * MINUTE_MS)))

    for step in range(tries):
        for gym in filter(free, ctx.world.forts_near(HOME[0] + 0.01 * step, HOME[1], 1000.0)):
            other = next((f for f in ctx.world.forts_near(gym.lat, gym.lng, 1000.0)
                          if f.id != gym.id and free(f)), None)
            if other is not None:
                return gym, other
    raise AssertionError("no two free gyms north of HOME")


@pytest.fixture
def world(api, clock):
    # The raid first: finding one that no earlier test fought moves the clock into its
    # battle phase (hours or days ahead), and everything after is placed and timed from
    # there, tokens included.
    raid, raid_gym = tier_one_raid(clock)
    a_id, a = api.login("device-matrix-a001")
    b_id, b = api.login("device-matrix-b001")
    # B can afford everything: a missing ownership check would succeed and show as a change.
    edit_player(b_id, xp=5_000_000, stardust=10_000_000, candy={"Mossling": 10_000})
    edit_player(a_id, stardust=10_000_000, candy={"Mossling": 10_000})
    kept, moved = give_creature(a_id, 1), give_creature(a_id, 2)
    for_trade = give_creature(a_id, 3)
    b_creature = give_creature(b_id, 9)

    # Gyms: A (blue, level 10) defends one and has a knocked-out defender back from another,
    # unclaimed, with coins of its own; B (red, with razz berries) may attack A's gym.
    a_coins = 37
    edit_player(a_id, team="blue", xp=TRADE_LEVEL_XP, coins=a_coins)
    edit_player(b_id, team="red")

    # Friends: F is A's friend; A asked C, D asked A (both pending); F sent A a gift. A and
    # B hold gifts to send (a missing friendship check would let B's go out).
    f_id, f = api.login("device-matrix-f001")
    edit_player(f_id, xp=TRADE_LEVEL_XP, stardust=100_000, gifts=1)
    befriend(api, (a_id, a), (f_id, f), tag="matrix-af")
    c_token, d_token = api.login("device-matrix-c001")[1], api.login("device-matrix-d001")[1]
    request_key = "matrix-a-request"
    status, outgoing, _ = api.call("POST", "/v1/friend-requests", {"trainer_code": code_of(api, c_token)},
                                   token=a, headers={"Idempotency-Key": request_key})
    assert status == 200, outgoing
    status, incoming, _ = api.call("POST", "/v1/friend-requests", {"trainer_code": code_of(api, a)},
                                   token=d_token, headers={"Idempotency-Key": "matrix-d-request"})
    assert status == 200, incoming
    status, gift, _ = api.call("POST", f"/v1/me/friends/{a_id}/gifts", token=f,
                               headers={"Idempotency-Key": "matrix-f-gift"})
    assert status == 200, gift
    edit_player(a_id, gifts=2)
    edit_player(b_id, gifts=2)

    # Raids: A (one raid pass) joins at the raid gym with a creature whose id B's only
    # creature has too (ids are per player); B has no raid pass.
    raider = give_creature(a_id, 9)
    edit_player(a_id, items={**player(a_id).items, "raid_pass": 1})
    join_key = "matrix-a-raid-join"
    join_body = _at(raid_gym, creature_ids=[raider.creature_id])
    status, join, _ = api.call("POST", f"/v1/raids/{raid.raid_id}/join", join_body, token=a,
                               headers={"Idempotency-Key": join_key})
    assert status == 200 and join["lobby"] == 1 and join["members"] == 1, join
    assert player(b_id).items.get("raid_pass", 0) == 0

    gym, empty_gym = _free_gyms()
    # A walks to the gym; meanwhile A's lobby counts down: A could claim it from now on.
    clock.advance(max(bootstrap.game_context().config.raid_lobby_countdown_ms,
                      travel_cooldown_ms(geo.haversine_m(raid_gym.lat, raid_gym.lng, gym.lat, gym.lng))))
    now = clock.now_ms()
    a_return = send_back(give_creature(a_id, 5), empty_gym.id, placed_ms=now - 180 * MINUTE_MS,
                         left_ms=now - 60 * MINUTE_MS, coins=12)
    defender = give_creature(a_id, 4)
    deploy_key = "matrix-a-deploy"
    status, body, _ = api.call("POST", f"/v1/gyms/{gym.id}/defenders",
                               _at(gym, creature_id=defender.creature_id), token=a,
                               headers={"Idempotency-Key": deploy_key})
    assert status == 200, body
    gym_spin_key = "matrix-a-gym-spin"
    status, gym_spin, _ = api.call("POST", f"/v1/gyms/{gym.id}/spin", _at(gym), token=a,
                                   headers={"Idempotency-Key": gym_spin_key})
    assert status == 200, gym_spin

    transfer_key = "matrix-a-transfer"
    status, body, _ = api.call("POST", f"/v1/me/creatures/{moved.creature_id}/transfer", token=a,
                               headers={"Idempotency-Key": transfer_key})
    assert status == 200, body

    spawn = a_spawn(gym.lat, gym.lng)  # A walks on from the gym
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

    # Trades (last: a trade is open for 30 minutes): A, F and B (level 10, one creature)
    # seen together on the map; A proposed one trade to F, and another that F answered.
    show_on_map(api, (a_id, a), (f_id, f), (b_id, b), lat=stop.lat, lng=stop.lng)
    propose_key = "matrix-a-propose"
    status, proposed, _ = api.call("POST", "/v1/trades", {"friend_id": f_id, "creature_id": kept.creature_id},
                                   token=a, headers={"Idempotency-Key": propose_key})
    assert status == 200, proposed
    status, offered, _ = api.call("POST", "/v1/trades", {"friend_id": f_id, "creature_id": for_trade.creature_id},
                                  token=a, headers={"Idempotency-Key": "matrix-a-propose-2"})
    assert status == 200, offered
    status, answer, _ = api.call("POST", f"/v1/trades/{offered['trade_id']}/offer",
                                 {"creature_id": give_creature(f_id, 1).creature_id}, token=f,
                                 headers={"Idempotency-Key": "matrix-f-offer"})
    assert status == 200 and answer["status"] == "offered", answer

    # Eggs and the buddy: A holds an egg, and one ready to hatch (walked 2 km, folded);
    # A's buddy is A's kept creature.
    egg = give_egg(a_id, 1)
    ready_egg = give_egg(a_id, 2, incubator="infinite", start_m=0.0)
    bootstrap.game_context().store.fold_walk(a_id, Walk(walked_m=2_500.0, folded_ms=1),
                                             player(a_id).walk.folded_ms)
    edit_player(a_id, buddy=Buddy(kept.creature_id, kept.species_id, 0.0))

    return World(api=api, a_id=a_id, a=a, b_id=b_id, b=b, b_device=f"device-matrix-b001-{api.namespace}",
              encounter=encounter, throw_key=throw_key, kept=kept, moved_id=moved.creature_id,
              transfer_key=transfer_key, stop=stop, spin_key=spin_key, cursor=page["next_cursor"],
              spawn_lat=spawn.lat, spawn_lng=spawn.lng, b_creature_id=b_creature.creature_id,
              gym=gym, defender_id=defender.creature_id, deploy_key=deploy_key,
              gym_spin_key=gym_spin_key, gym_spin=gym_spin, empty_gym=empty_gym,
              a_return=a_return, a_coins=a_coins, raid=raid, raid_gym=raid_gym, join_key=join_key,
              join_body=join_body, join=join, f_id=f_id, f=f, outgoing_request=outgoing["request_id"],
              incoming_request=incoming["request_id"], request_key=request_key, gift_id=gift["gift_id"],
              proposed_trade=proposed["trade_id"], propose_key=propose_key,
              offered_trade=offered["trade_id"], egg_id=egg.egg_id, ready_egg_id=ready_egg.egg_id)


def _domain_state(w: World, probe_keys: list[str]) -> dict:
    """What the game store says about A and B (the brief's "stored player/creature/
    encounter state"), plus the action records and visits the probes could touch."""
    ctx = bootstrap.game_context()
    store = ctx.store

    def collection(player_id):
        found, after = [], None
        while True:
            page, after = store.list_creatures(player_id, 50, after)
            found += page
            if after is None:
                return found

    a_keys = [w.throw_key, w.spin_key, w.transfer_key, w.deploy_key, w.gym_spin_key, w.join_key,
              w.request_key, w.propose_key]

    def social(player_id):
        """Friends partition, gift box and open trades."""
        return (ctx.friends.friend_book(player_id), ctx.inbox.gifts(player_id),
                sorted(ctx.inbox.trade_links(player_id)))

    def boss(player_id):
        return store.get_encounter(player_id, boss_encounter_id(ctx.keys.outcomes, player_id, w.raid.raid_id))

    return {
        "A": {
            "player": store.get_player(w.a_id),
            "creatures": collection(w.a_id),
            "encounter": store.get_encounter(w.a_id, w.encounter["encounter_id"]),
            "actions": {k: store.get_action(w.a_id, k) for k in a_keys + probe_keys},
            "visited": store.has_visited(w.a_id, w.stop.id),
            "returns": store.pending_returns(w.a_id),
            "gyms": {g.id: store.get_gym(g.id) for g in (w.gym, w.empty_gym)},
            "raid": (raid_lobby(w.a_id, w.raid.raid_id), store.raid_lobbies(w.raid.raid_id),
                     boss(w.a_id)),
            "social": social(w.a_id),
            "trades": [ctx.trades.get_trade(t) for t in (w.proposed_trade, w.offered_trade)],
            "friend F": (store.get_player(w.f_id), social(w.f_id)),
        },
        "B": {
            "player": store.get_player(w.b_id),
            "creatures": collection(w.b_id),
            "encounter": store.get_encounter(w.b_id, w.encounter["encounter_id"]),
            "actions": {k: store.get_action(w.b_id, k) for k in a_keys + probe_keys},
            "visited": store.has_visited(w.b_id, w.stop.id),
            "returns": store.pending_returns(w.b_id),
            "raid": (raid_lobby(w.b_id, w.raid.raid_id), boss(w.b_id)),
            "social": social(w.b_id),
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

    if route not in PUBLIC_ROUTES:
        # Without a token, nobody gets past the gateway: the first probe, anonymous. An
        # operator route (AWS_IAM) answers API Gateway's "Missing Authentication Token",
        # which the template renders as 404 not_found.
        first = probes[0]
        status, body, _ = world.api.call(first.method, first.path, first.body, headers=first.headers)
        expected = (404, "not_found") if route[1].startswith("/v1/admin/") else (401, "unauthorized")
        assert (status, body["error"]["code"]) == expected, \
            f"no token: {first.method} {first.path} -> {status} {body}"

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

"""The game in-process, driven the way Lambda drives a deployed function: an API Gateway
REST proxy event (the authorizer's principal already in ``requestContext``) handed to
the Chalice app's handler, ``app.app(event, context)``. No local gateway, no test client.

``SCENARIOS`` is one successful request per gameplay route; ``prepare`` builds the state
it needs (a fresh player, an encounter, a creature...) through the use cases, outside
any measurement. The same scenarios feed the benchmark (DynamoDB Local, canned
responses) and the guard tests (moto).
"""
from __future__ import annotations

import functools
import io
import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
# A fixed moment: the world and every outcome reproducible. 75 min into a 2 h raid window
# (game/raids.py), so raid bosses are up (eggs hatch an hour after they appear).
START_MS = 1_800_000_000_000 + 75 * 60_000
HOME = (40.7580, -73.9855)  # Times Square: devtools/data/sample-pois.geojson is around it
STAGE = "bench"
SECRET = "bench-game-secret-0123456789abcdef0123456789"
SAMPLE_POIS = PROJECT_DIR / "devtools" / "data" / "sample-pois.geojson"
VETERAN_CREATURES = 25  # more than one default page (20) of the creature list
GENEROUS_TIMEOUT_MS = 900_000  # Lambda's maximum: the app's time budget never refuses


def app_environment(stage: str = STAGE) -> dict[str, str]:
    """Table names and the secret id, as the deployed functions get them."""
    from infra import SECRET_ENV_VAR, secret_name, tables

    env = {info.env_var: info.table_name(stage) for info in tables().values()}
    env[SECRET_ENV_VAR] = secret_name(stage)
    env["STAGE"] = stage
    return env


@dataclass
class Request:
    method: str
    route: str  # the Chalice route, e.g. /v1/encounters/{encounter_id}/throws
    path_params: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    principal: str | None = None  # the authorizer's principalId (None: public route)
    # An operator route's caller: the IAM ARN API Gateway puts in requestContext.identity
    # once it has checked the SigV4 signature (AWS_IAM).
    operator: str | None = None

    @property
    def path(self) -> str:
        return self.route.format(**self.path_params)

    def event(self, request_id: str | None = None) -> dict:
        """The API Gateway REST (v1) proxy event Lambda hands the function."""
        headers = {"Accept": "application/json", "Host": "api.geocritters.example",
                   "User-Agent": "geocritters-bench/1", "X-Forwarded-For": "203.0.113.7",
                   "X-Forwarded-Proto": "https"}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        if self.principal:
            headers["Authorization"] = "Bearer (verified by the authorizer)"
        if self.operator:
            headers["Authorization"] = "AWS4-HMAC-SHA256 (verified by API Gateway)"
        headers.update(self.headers)
        context = {
            "resourcePath": self.route, "httpMethod": self.method, "path": "/api" + self.path,
            "stage": "api", "requestId": request_id or str(uuid.uuid4()),
            "identity": {"sourceIp": "203.0.113.7", "userAgent": headers["User-Agent"]},
        }
        if self.operator:
            context["identity"]["userArn"] = self.operator
        if self.principal:
            context["authorizer"] = {"principalId": self.principal, "integrationLatency": 0}
        return {
            "resource": self.route, "path": self.path, "httpMethod": self.method,
            "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": dict(self.query) or None,
            "multiValueQueryStringParameters": {k: [v] for k, v in self.query.items()} or None,
            "pathParameters": dict(self.path_params) or None, "stageVariables": None,
            "requestContext": context,
            "body": json.dumps(self.body) if self.body is not None else None,
            "isBase64Encoded": False,
        }


class LogSink(io.TextIOBase):
    """Where the app's JSON log lines go during the benchmark: counted, not printed
    (in Lambda they go to CloudWatch Logs, which the cost model prices)."""

    def __init__(self):
        self.bytes = 0
        self.lines = 0

    def write(self, text):
        self.bytes += len(text.encode("utf-8"))
        self.lines += text.count("\n")
        return len(text)


class Harness:
    """The app plus helpers that build game state through the use cases."""

    def __init__(self):
        os.environ.pop("GEOCRITTERS_FEATURE", None)  # every feature, as chalice local
        from chalice.local import LambdaContext

        import app as app_module
        from geocritters.adapters.clock import FakeClock

        self.app = app_module.app
        self.clock = FakeClock(START_MS)
        self._lambda_context = LambdaContext
        self.logs = LogSink()
        self._streams = []
        from geocritters.observability import JsonFormatter

        for handler in logging.getLogger("geocritters.game").handlers:
            # Only the app's own handler: pytest's capture handlers must keep their streams.
            if isinstance(handler, logging.StreamHandler) and isinstance(handler.formatter, JsonFormatter):
                self._streams.append((handler, handler.setStream(self.logs)))
        self._serial = 0
        self._veteran: str | None = None
        self._fixtures: dict = {}
        self.reset()

    def close(self) -> None:
        """Give the app's log handler its stream back and forget the fake clock."""
        from geocritters import bootstrap

        for handler, stream in self._streams:
            handler.setStream(stream)
        self._streams = []
        bootstrap.reset()

    # -- the container --------------------------------------------------------------------
    def reset(self) -> None:
        """A cold container: nothing cached (settings, secret, clients, curated cells)."""
        from geocritters import bootstrap

        bootstrap.reset(clock=self.clock)

    @property
    def ctx(self):
        from geocritters import bootstrap

        return bootstrap.game_context()

    def lambda_context(self, feature: str, timeout_ms: int | None = None):
        """A new invocation's context: its remaining time starts at the function's timeout
        (``timeout_ms`` overrides it: counting and CPU replays must not be refused by the
        app's time budget when this machine is loaded; latency keeps the real one)."""
        from infra.functions import FUNCTIONS

        spec = FUNCTIONS[feature]
        return self._lambda_context(spec.function_name(STAGE), spec.memory_mb,
                                    max_runtime_ms=timeout_ms or spec.timeout_s * 1000)

    def invoke(self, request: Request, feature: str, event: dict | None = None,
               context=None) -> tuple[int, dict | None]:
        response = self.app(event or request.event(),
                            context or self.lambda_context(feature, GENEROUS_TIMEOUT_MS))
        body = response.get("body")
        return response["statusCode"], (json.loads(body) if body else None)

    # -- state builders (never measured) ----------------------------------------------------
    def fresh(self, prefix: str) -> str:
        """A new id; deterministic, so players, encounters and outcomes repeat run to run
        (every run starts from empty tables)."""
        self._serial += 1
        return f"{prefix}-{self._serial:06d}"

    def new_player(self, **fields) -> str:
        from geocritters.usecases.auth import guest_login
        from geocritters.usecases.ports import SavePlayer

        player_id = guest_login(self.ctx, self.fresh("bench-device"))["player_id"]
        if fields:
            state = self.ctx.store.get_player(player_id)
            self.ctx.store.commit([SavePlayer(replace(state, **fields))])
        return player_id

    def add_creature(self, player_id: str, species_id: int = 1, level: float = 10.0) -> str:
        from geocritters.game.entities import Creature
        from geocritters.game.stats import IVs
        from geocritters.usecases.ports import AddCreature

        self._serial += 1
        caught = START_MS - 10_000_000 + self._serial
        creature = Creature(player_id=player_id, creature_id=f"cr-{caught:013d}-bench{self._serial:05d}",
                            species_id=species_id, level=level, cp=250, ivs=IVs(12, 11, 13),
                            caught_ms=caught, encounter_id=f"en-bench-{self._serial}")
        self.ctx.store.commit([AddCreature(creature)])
        return creature.creature_id

    def veteran(self) -> str:
        """One long-lived player with a collection (read-only scenarios share it)."""
        if self._veteran is None:
            from geocritters.game.levels import TRAINER_XP_THRESHOLDS

            self._veteran = self.new_player(xp=TRAINER_XP_THRESHOLDS[19], stardust=50_000,
                                            candy={"Mossling": 40})
            for _ in range(VETERAN_CREATURES):
                self.add_creature(self._veteran)
        return self._veteran

    def spawn(self):
        """An active spawn near HOME at the fixed moment."""
        if "spawn" not in self._fixtures:
            from tests.support.nearby import spawns_walking_north

            ctx = self.ctx
            self._fixtures["spawn"] = spawns_walking_north(ctx.world, ctx.clock.now_ms(), *HOME)[0]
        return self._fixtures["spawn"]

    def stop(self):
        """A generated stop near HOME."""
        if "stop" not in self._fixtures:
            forts = self.ctx.world.forts_near(*HOME, 300)
            self._fixtures["stop"] = next(f for f in forts if f.kind == "stop" and f.id.startswith("st-"))
        return self._fixtures["stop"]

    def expire_gym_states(self) -> None:
        """The map's per-container gym cache (usecases/gym_board.py) as it is once its
        5 s have passed: the clock stays at the fixed moment, the entries go."""
        self.ctx.gym_board._states.clear()

    def gym(self):
        """A generated gym no scenario has used yet, with no raid under way at the fixed
        moment: gym scenarios each start from a known gym (empty, or filled by
        ``occupy``). Generated gyms around HOME first, then around points further out."""
        from geocritters.usecases.gyms import raid_under_way

        pool = self._fixtures.setdefault("gyms", [])
        used = self._fixtures.setdefault("gyms_used", set())
        ring = self._fixtures.setdefault("gym_ring", 0)
        while not pool:
            # A square ring of centres ~1.7 km apart, widening each time the pool runs dry.
            ctx, step = self.ctx, 0.015
            centres = [(HOME[0] + i * step, HOME[1] + j * step)
                       for i in range(-ring, ring + 1) for j in range(-ring, ring + 1)
                       if max(abs(i), abs(j)) == ring]
            now_ms = ctx.clock.now_ms()
            for lat, lng in centres:
                for fort in ctx.world.forts_near(lat, lng, 1000.0):
                    if fort.kind == "gym" and fort.id not in used \
                            and not raid_under_way(ctx, fort, now_ms):
                        used.add(fort.id)
                        pool.append(fort)
            ring = self._fixtures["gym_ring"] = ring + 1
        return pool.pop(0)

    def gym_player(self, team: str, **fields) -> str:
        """A player of ``team`` at level 5 (gyms need it) with berries in the bag."""
        from geocritters.game.levels import TRAINER_XP_THRESHOLDS

        fields.setdefault("items", {"ball": 50, "razz_berry": 30})
        return self.new_player(team=team, xp=TRAINER_XP_THRESHOLDS[5], **fields)

    def occupy(self, gym, team: str, defenders: int, level: float = 20.0) -> list[str]:
        """``defenders`` players of ``team`` each deploy one creature (distinct species)
        to ``gym`` through the use case; their player ids."""
        from geocritters.usecases import gyms
        from geocritters.usecases.idempotency import fingerprint

        owners = []
        for n in range(defenders):
            owner = self.gym_player(team)
            creature_id = self.add_creature(owner, species_id=n + 1, level=level)
            key = self.fresh("occupy")
            gyms.deploy(self.ctx, owner, gym.id, creature_id, gym.lat, gym.lng, key,
                        fingerprint("occupy", gym.id, creature_id, key))
            owners.append(owner)
        return owners

    # -- friends, gifts, trades -------------------------------------------------------------
    def keyed(self, prefix: str) -> tuple[str, str]:
        """(idempotency key, fingerprint) for a use case called outside the measurement."""
        from geocritters.usecases.idempotency import fingerprint

        key = self.fresh(prefix)
        return key, fingerprint(prefix, key)

    def friend_request(self, sender: str, receiver: str) -> str:
        """``sender`` asks ``receiver`` by trainer code: the request id."""
        from geocritters.usecases import friends

        code = self.ctx.store.get_player(receiver).trainer_code
        return friends.send_request(self.ctx, sender, code, *self.keyed("befriend"))["request_id"]

    def befriend(self, a: str, b: str) -> None:
        """Friends at once: both sides and both counts in one commit, what an accepted
        request writes (friends.send and friends.accept measure the requests' path)."""
        from geocritters.game.friends import Friendship
        from geocritters.usecases.ports import AddFriendship, CountFriends

        store, now_ms, limit = self.ctx.store, self.clock.now_ms(), self.ctx.config.friend_limit
        name_a, name_b = (store.get_player(p).name for p in (a, b))
        store.commit([AddFriendship(Friendship(a, b, name_b, now_ms)),
                      AddFriendship(Friendship(b, a, name_a, now_ms)),
                      CountFriends(a, +1, limit), CountFriends(b, +1, limit)])

    def friends_pair(self, **fields) -> tuple[str, str]:
        a, b = self.new_player(**fields), self.new_player(**fields)
        self.befriend(a, b)
        return a, b

    def send_gift(self, sender: str, receiver: str) -> str:
        from geocritters.usecases import gifts

        return gifts.send_gift(self.ctx, sender, receiver, *self.keyed("gift"))["gift_id"]

    def traders(self) -> tuple[str, str]:
        """Two level-10 friends with stardust, both seen on the map at HOME just now."""
        from geocritters.usecases.map import view_map

        a, b = self.friends_pair(**_trader())
        for player_id in (a, b):
            view_map(self.ctx, player_id, *HOME)
        return a, b

    def proposed_trade(self) -> tuple[str, str, str]:
        """(proposer, receiver, trade id): a creature proposed, not answered yet."""
        from geocritters.usecases import trades

        a, b = self.traders()
        creature_id = self.add_creature(a, species_id=1)
        trade = trades.propose(self.ctx, a, b, creature_id, *self.keyed("propose"))
        return a, b, trade["trade_id"]

    def offered_trade(self) -> tuple[str, str, str]:
        """(proposer, receiver, trade id): answered with the receiver's creature; the
        proposer's confirmation executes it. Species new to both collections: a special
        trade each (the larger price; the same items written as a regular one)."""
        from geocritters.usecases import trades

        a, b, trade_id = self.proposed_trade()
        creature_id = self.add_creature(b, species_id=4)
        trades.offer(self.ctx, b, trade_id, creature_id, *self.keyed("offer"))
        return a, b, trade_id

    def social_hub(self) -> tuple[str, str]:
        """(player, trade id): one long-lived player with 3 friends, one request each
        way, 2 unopened gifts and one open trade (read-only scenarios share it)."""
        if "hub" not in self._fixtures:
            from geocritters.usecases import trades

            hub = self.new_player(**_trader())
            friends = [self.new_player(**_trader(), gifts=1) for _ in range(3)]
            for friend in friends:
                self.befriend(friend, hub)
            for friend in friends[:2]:
                self.send_gift(friend, hub)
            self.friend_request(self.new_player(), hub)
            self.friend_request(hub, self.new_player())
            from geocritters.usecases.map import view_map

            for player_id in (hub, friends[0]):
                view_map(self.ctx, player_id, *HOME)
            trade = trades.propose(self.ctx, hub, friends[0], self.add_creature(hub),
                                   *self.keyed("propose"))
            self._fixtures["hub"] = (hub, trade["trade_id"])
        return self._fixtures["hub"]

    def seed_curated(self) -> int:
        """The project's sample curated POIs (around Times Square) into the cells table."""
        from geocritters.game.world import parse_geojson_pois
        from geocritters.usecases.curated import import_pois

        forts = parse_geojson_pois(json.loads(SAMPLE_POIS.read_text()))
        import_pois(self.ctx.store, forts)
        return len(forts)


# --- the scenarios -------------------------------------------------------------------------

def _auth(h: Harness) -> Request:
    return Request("POST", "/v1/auth/guest", body={"device_id": h.fresh("bench-login")})


def _me(h: Harness) -> Request:
    return Request("GET", "/v1/me", principal=h.veteran())


def _team(h: Harness) -> Request:
    from geocritters.game.levels import TRAINER_XP_THRESHOLDS

    return Request("POST", "/v1/me/team", body={"team": "blue"},
                   principal=h.new_player(xp=TRAINER_XP_THRESHOLDS[5]))


def _map(h: Harness) -> Request:
    """A refresh: the player already reported a position this clock minute (the common
    case: clients refresh every few seconds)."""
    from geocritters.usecases.map import view_map

    player_id = h.new_player()
    view_map(h.ctx, player_id, *HOME)
    return Request("GET", "/v1/map", query={"lat": str(HOME[0]), "lng": str(HOME[1])},
                   principal=player_id)


def _map_gyms_stale(h: Harness) -> Request:
    """A refresh in a warm container whose gym states are older than the map's 5 s
    gym cache (clients refresh every 5-30 s): the states are read again. Around HOME the
    only gyms within the map's radius are curated ones."""
    from geocritters.usecases.map import view_map

    player_id = h.new_player()
    view_map(h.ctx, player_id, *HOME)
    h.expire_gym_states()
    return Request("GET", "/v1/map", query={"lat": str(HOME[0]), "lng": str(HOME[1])},
                   principal=player_id)


def _map_fold(h: Harness) -> Request:
    """A refresh whose report makes the walking fold due (game/walking.py): the player
    walked north the last 7 minutes, one report a minute, nothing folded yet. About once
    every 7 minutes of walking a map request is this one: a second, conditional write."""
    from geocritters.game.walking import sample_at

    player_id = h.new_player()
    now = h.ctx.clock.now_ms()
    for minutes_ago in range(7, 0, -1):
        h.ctx.store.record_position(player_id, sample_at(HOME[0] - 0.0007 * minutes_ago, HOME[1],
                                                         now - minutes_ago * 60_000), 30)
    return Request("GET", "/v1/map", query={"lat": str(HOME[0]), "lng": str(HOME[1])},
                   principal=player_id)


def _map_new_minute(h: Harness) -> Request:
    """The first map request of a clock minute for this player."""
    return Request("GET", "/v1/map", query={"lat": str(HOME[0]), "lng": str(HOME[1])},
                   principal=h.new_player())


def _encounter(h: Harness) -> Request:
    spawn = h.spawn()
    return Request("POST", "/v1/encounters",
                   body={"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng},
                   principal=h.new_player())


def _throw(h: Harness) -> Request:
    from geocritters.usecases.encounter import start_encounter

    spawn = h.spawn()
    player_id = h.new_player()
    encounter = start_encounter(h.ctx, player_id, spawn.id, spawn.lat, spawn.lng)
    return Request("POST", "/v1/encounters/{encounter_id}/throws",
                   path_params={"encounter_id": encounter["encounter_id"]},
                   body={"ball": "ball", "throw": "great", "curveball": True},
                   headers={"Idempotency-Key": h.fresh("throw")}, principal=player_id)


def _spin(h: Harness) -> Request:
    stop = h.stop()
    return Request("POST", "/v1/stops/{stop_id}/spin", path_params={"stop_id": stop.id},
                   body={"lat": stop.lat, "lng": stop.lng},
                   headers={"Idempotency-Key": h.fresh("spin")}, principal=h.new_player())


def _items(h: Harness) -> Request:
    return Request("GET", "/v1/me/items", principal=h.veteran())


def _creatures(h: Harness) -> Request:
    return Request("GET", "/v1/me/creatures", principal=h.veteran())


def _creature_change(action: str, **player_fields) -> Callable[[Harness], Request]:
    def prepare(h: Harness) -> Request:
        player_id = h.new_player(**player_fields)
        creature_id = h.add_creature(player_id)
        return Request("POST", f"/v1/me/creatures/{{creature_id}}/{action}",
                       path_params={"creature_id": creature_id},
                       headers={"Idempotency-Key": h.fresh(action)}, principal=player_id)
    return prepare


def _power_up_player():
    from geocritters.game.levels import TRAINER_XP_THRESHOLDS

    return {"xp": TRAINER_XP_THRESHOLDS[19], "stardust": 50_000, "candy": {"Mossling": 40}}


def _at(fort) -> dict:
    return {"lat": fort.lat, "lng": fort.lng}


def _gym_view(h: Harness) -> Request:
    """A gym with one defender, seen from where it stands."""
    gym = h.gym()
    h.occupy(gym, "blue", 1)
    return Request("GET", "/v1/gyms/{gym_id}", path_params={"gym_id": gym.id},
                   query={k: str(v) for k, v in _at(gym).items()}, principal=h.new_player())


def _gym_deploy(h: Harness) -> Request:
    """The first defender of an empty gym."""
    gym = h.gym()
    player_id = h.gym_player("blue")
    creature_id = h.add_creature(player_id, species_id=7, level=20.0)
    return Request("POST", "/v1/gyms/{gym_id}/defenders", path_params={"gym_id": gym.id},
                   body={"creature_id": creature_id, **_at(gym)},
                   headers={"Idempotency-Key": h.fresh("deploy")}, principal=player_id)


def _gym_feed(h: Harness) -> Request:
    """A razz berry to a team-mate's defender (a gym with one)."""
    gym = h.gym()
    owner = h.occupy(gym, "blue", 1)[0]
    creature_id = h.ctx.store.get_player(owner).defending.copy().popitem()[0]
    return Request("POST", "/v1/gyms/{gym_id}/berries", path_params={"gym_id": gym.id},
                   body={"creature_id": creature_id, **_at(gym)},
                   headers={"Idempotency-Key": h.fresh("feed")}, principal=h.gym_player("blue"))


def _gym_spin(h: Harness) -> Request:
    gym = h.gym()
    return Request("POST", "/v1/gyms/{gym_id}/spin", path_params={"gym_id": gym.id},
                   body=_at(gym), headers={"Idempotency-Key": h.fresh("gym-spin")},
                   principal=h.gym_player("blue"))


BATTLE_TEAM = 6


def _gym_battle(h: Harness) -> Request:
    """Six attackers against a full gym of a rival team (six defenders: the largest gym
    item); the simulation is deterministic per key, so the outcome repeats run to run."""
    gym = h.gym()
    h.occupy(gym, "blue", 6)
    player_id = h.gym_player("red")
    team = [h.add_creature(player_id, species_id=30 + n, level=35.0) for n in range(BATTLE_TEAM)]
    return Request("POST", "/v1/gyms/{gym_id}/battles", path_params={"gym_id": gym.id},
                   body={"creature_ids": team, **_at(gym)},
                   headers={"Idempotency-Key": h.fresh("battle")}, principal=player_id)


def _returned_defender(h: Harness) -> str:
    """A player whose one defender left its gym: its return in the owner's inbox, as a
    rival's battle writes it (the gym itself is not what a claim reads)."""
    from geocritters.game.gyms import DefenderReturn
    from geocritters.usecases.ports import SendReturn

    gym = h.gym()
    owner = h.occupy(gym, "blue", 1)[0]
    state = h.ctx.store.get_player(owner)
    creature_id = next(iter(state.defending))
    now_ms = h.ctx.clock.now_ms()
    h.ctx.store.commit([SendReturn(DefenderReturn(owner, creature_id, gym.id, now_ms - 3_600_000,
                                                  now_ms, 12))])
    return owner


def _defenders(h: Harness) -> Request:
    """One defender out, one back from its gym and unclaimed (read-only: shared)."""
    if "defenders_player" not in h._fixtures:
        from geocritters.usecases import gyms
        from geocritters.usecases.idempotency import fingerprint

        owner = _returned_defender(h)
        gym = h.gym()
        creature_id = h.add_creature(owner, species_id=12, level=20.0)
        gyms.deploy(h.ctx, owner, gym.id, creature_id, gym.lat, gym.lng, "second",
                    fingerprint("occupy", gym.id, creature_id, "second"))
        h._fixtures["defenders_player"] = owner
    return Request("GET", "/v1/me/defenders", principal=h._fixtures["defenders_player"])


def _claim(h: Harness) -> Request:
    return Request("POST", "/v1/me/defenders/claim", body={},
                   headers={"Idempotency-Key": h.fresh("claim")}, principal=_returned_defender(h))


def _raid(h: Harness):
    """(raid, gym): a tier-1 raid in its battle phase at the fixed moment with time left
    to join (a lobby's countdown and fight), found once, shared by the raid scenarios."""
    if "raid" not in h._fixtures:
        from geocritters.game.lobbies import fight_ms
        from geocritters.game.raids import raid_at

        ctx, now_ms = h.ctx, h.ctx.clock.now_ms()
        need_ms = ctx.config.raid_lobby_countdown_ms
        # Eggs hatch 05:00-20:59 local (solar) time: around the world by 15° of longitude
        # (an hour of local time) from HOME, then a little north, until one is found.
        spots = [(HOME[0] + 0.015 * step, (HOME[1] + 15 * hour + 180) % 360 - 180)
                 for step in range(8) for hour in range(24)]
        for lat, lng in spots:
            for fort in ctx.world.forts_near(lat, lng, 1000.0):
                raid = raid_at(ctx.keys.spawns, fort, now_ms, ctx.config) if fort.kind == "gym" else None
                if raid and raid.tier == 1 and raid.phase(now_ms) == "battle" \
                        and raid.end_ms - now_ms > need_ms + fight_ms(raid, ctx.config):
                    h._fixtures["raid"] = (raid, fort)
                    break
            if "raid" in h._fixtures:
                break
        else:
            raise LookupError("no joinable raid at the fixed moment")
    return h._fixtures["raid"]


def _raid_player(h: Harness) -> tuple[str, list[str]]:
    player_id = h.gym_player("blue", items={"raid_pass": 1})
    return player_id, [h.add_creature(player_id, species_id=30 + n, level=35.0) for n in range(3)]


def _raid_view(h: Harness) -> Request:
    raid, _ = _raid(h)
    return Request("GET", "/v1/raids/{raid_id}", path_params={"raid_id": raid.raid_id},
                   principal=h.new_player())


def _raid_join(h: Harness) -> Request:
    """A join at the gym: the raid's lobbies listed, a lobby's count and a member item."""
    raid, gym = _raid(h)
    player_id, team = _raid_player(h)
    return Request("POST", "/v1/raids/{raid_id}/join", path_params={"raid_id": raid.raid_id},
                   body={"creature_ids": team, **_at(gym)},
                   headers={"Idempotency-Key": h.fresh("join")}, principal=player_id)


def _raid_claim(h: Harness) -> Request:
    """A member's claim of a lobby whose countdown is over and whose result is stored
    (the first claim, which also resolves the battle, writes one item more)."""
    from geocritters.game.lobbies import Lobby, LobbyResult, member_for
    from geocritters.usecases.ports import AddLobbyMember, JoinLobby, SaveLobbyResult, SavePlayer

    raid, _ = _raid(h)
    player_id, team = _raid_player(h)
    ctx, now_ms = h.ctx, h.ctx.clock.now_ms()
    number = 1000 + len(h._fixtures.setdefault("claim_lobbies", []))
    h._fixtures["claim_lobbies"].append(number)
    lobby = Lobby(raid.raid_id, number, created_ms=now_ms - ctx.config.raid_lobby_countdown_ms - 1)
    creatures = [ctx.store.get_creature(player_id, c) for c in team]
    state = ctx.store.get_player(player_id)
    ctx.store.commit([
        JoinLobby(lobby, True, False, 20, 5, 0, now_ms // 1000 + 86_400),
        AddLobbyMember(raid.raid_id, number, member_for(player_id, "blue", False, now_ms, creatures),
                       now_ms // 1000 + 86_400),
        SavePlayer(replace(state, raids={raid.raid_id: (number, False)}))])
    ctx.store.commit([SaveLobbyResult(raid.raid_id, number,
                                      LobbyResult(True, {player_id: raid.boss_hp}, raid.boss_hp))])
    return Request("POST", "/v1/raids/{raid_id}/claim", path_params={"raid_id": raid.raid_id},
                   body={}, headers={"Idempotency-Key": h.fresh("raid-claim")}, principal=player_id)


# Friends, gifts, trades.

def _trader() -> dict:
    """Level 10 (trading opens) and stardust for a special trade's price (20,000)."""
    from geocritters.game.levels import TRAINER_XP_THRESHOLDS

    return {"xp": TRAINER_XP_THRESHOLDS[9], "stardust": 100_000}


def _friend_list(h: Harness) -> Request:
    return Request("GET", "/v1/me/friends", principal=h.social_hub()[0])


def _friend_requests(h: Harness) -> Request:
    return Request("GET", "/v1/me/friend-requests", principal=h.social_hub()[0])


def _send_friend_request(h: Harness) -> Request:
    receiver = h.new_player()
    code = h.ctx.store.get_player(receiver).trainer_code
    return Request("POST", "/v1/friend-requests", body={"trainer_code": code},
                   headers={"Idempotency-Key": h.fresh("request")}, principal=h.new_player())


def _answer_request(answer: str) -> Callable[[Harness], Request]:
    """Accept or decline (by the receiver) or cancel (by the sender) a pending request."""
    def prepare(h: Harness) -> Request:
        sender, receiver = h.new_player(), h.new_player()
        request_id = h.friend_request(sender, receiver)
        return Request("POST", f"/v1/friend-requests/{{request_id}}/{answer}",
                       path_params={"request_id": request_id},
                       headers={"Idempotency-Key": h.fresh(answer)},
                       principal=sender if answer == "cancel" else receiver)
    return prepare


def _remove_friend(h: Harness) -> Request:
    a, b = h.friends_pair()
    return Request("POST", "/v1/me/friends/{friend_id}/remove", path_params={"friend_id": b},
                   headers={"Idempotency-Key": h.fresh("remove")}, principal=a)


def _gift_box(h: Harness) -> Request:
    return Request("GET", "/v1/me/gifts", principal=h.social_hub()[0])


def _send_gift(h: Harness) -> Request:
    a, b = h.friends_pair(gifts=1)
    return Request("POST", "/v1/me/friends/{friend_id}/gifts", path_params={"friend_id": b},
                   headers={"Idempotency-Key": h.fresh("send-gift")}, principal=a)


def _open_gift(h: Harness) -> Request:
    a, b = h.friends_pair(gifts=1)
    gift_id = h.send_gift(a, b)
    return Request("POST", "/v1/me/gifts/{gift_id}/open", path_params={"gift_id": gift_id},
                   headers={"Idempotency-Key": h.fresh("open-gift")}, principal=b)


def _my_trades(h: Harness) -> Request:
    return Request("GET", "/v1/me/trades", principal=h.social_hub()[0])


def _trade_view(h: Harness) -> Request:
    hub, trade_id = h.social_hub()
    return Request("GET", "/v1/trades/{trade_id}", path_params={"trade_id": trade_id}, principal=hub)


def _propose(h: Harness) -> Request:
    a, b = h.traders()
    return Request("POST", "/v1/trades", body={"friend_id": b, "creature_id": h.add_creature(a)},
                   headers={"Idempotency-Key": h.fresh("propose")}, principal=a)


def _offer(h: Harness) -> Request:
    _, b, trade_id = h.proposed_trade()
    return Request("POST", "/v1/trades/{trade_id}/offer", path_params={"trade_id": trade_id},
                   body={"creature_id": h.add_creature(b, species_id=4)},
                   headers={"Idempotency-Key": h.fresh("offer")}, principal=b)


def _confirm(h: Harness) -> Request:
    """The execution: both creatures, both players, the trade, both friendship sides,
    both links and the action record in one TransactWriteItems."""
    a, _, trade_id = h.offered_trade()
    return Request("POST", "/v1/trades/{trade_id}/confirm", path_params={"trade_id": trade_id},
                   headers={"Idempotency-Key": h.fresh("confirm")}, principal=a)


def _cancel_trade(h: Harness) -> Request:
    _, b, trade_id = h.proposed_trade()
    return Request("POST", "/v1/trades/{trade_id}/cancel", path_params={"trade_id": trade_id},
                   headers={"Idempotency-Key": h.fresh("cancel-trade")}, principal=b)


def _game_data(h: Harness) -> Request:
    return Request("GET", "/v1/game-data")  # public: no principal


def _game_data_not_modified(h: Harness) -> Request:
    """A client (or CDN) revalidating the copy it holds: 304, no body."""
    from functions.gamedata import published

    return Request("GET", "/v1/game-data", headers={"If-None-Match": published().etag})


@functools.cache
def _feature_by_route() -> dict[tuple[str, str], str]:
    """(METHOD, path) -> the feature that declares it: the function a scenario measures."""
    from infra.functions import routes_by_feature

    return {(method, path): feature for feature, pairs in routes_by_feature().items()
            for path, method in pairs}


@dataclass(frozen=True)
class Scenario:
    name: str  # the row: the feature, or feature.route for its other routes
    route: tuple[str, str]  # (METHOD, path) as the feature declares it
    prepare: Callable[[Harness], Request]
    status: int = 200
    # Container state a warm replay of the recorded request needs (bench.actions.cpu
    # replays events, not ``prepare``), set outside the measurement.
    before_warm_replay: Callable[[Harness], None] | None = None

    @property
    def feature(self) -> str:
        """The deployed function serving the route, from the features' declarations."""
        return _feature_by_route()[self.route]

    def request(self, harness: Harness) -> Request:
        request = self.prepare(harness)
        if (request.method, request.route) != self.route:
            raise ValueError(f"scenario {self.name} prepared {request.method} {request.route}, "
                             f"not its route {self.route}")
        return request


_THROWS = ("POST", "/v1/encounters/{encounter_id}/throws")
_CHANGE = "/v1/me/creatures/{creature_id}/"
_REQUEST = "/v1/friend-requests/{request_id}/"
_TRADE = "/v1/trades/{trade_id}/"
# Eggs and the buddy.
def _walker(h: Harness, walked_m: float = 0.0, eggs: int = 0, incubating: bool = False) -> str:
    """A player who walked ``walked_m`` (folded, as the map leaves it) holding ``eggs``
    2 km eggs, the first in the infinite incubator from 0 m if ``incubating``."""
    from geocritters.game.eggs import INFINITE_INCUBATOR, Egg
    from geocritters.game.walking import Walk

    held = {}
    for n in range(eggs):
        h._serial += 1
        egg = Egg(f"eg-{START_MS - 10_000_000 + h._serial:013d}-{h._serial:016x}", 2, 1,
                  START_MS - 10_000_000, INFINITE_INCUBATOR if incubating and n == 0 else None, 0.0)
        held[egg.egg_id] = egg
    player_id = h.new_player(eggs=held)
    if walked_m:
        h.ctx.store.fold_walk(player_id, Walk(walked_m=walked_m, folded_ms=START_MS - 60_000), 0)
    return player_id


def _first_egg(h: Harness, player_id: str) -> str:
    return next(iter(h.ctx.store.get_player(player_id).eggs))


def _egg_list(h: Harness) -> Request:
    return Request("GET", "/v1/me/eggs", principal=_walker(h, 1_500.0, eggs=3, incubating=True))


def _incubate(h: Harness) -> Request:
    player_id = _walker(h, eggs=1)
    return Request("POST", "/v1/me/eggs/{egg_id}/incubate", path_params={"egg_id": _first_egg(h, player_id)},
                   body={"incubator_id": "infinite"}, headers={"Idempotency-Key": h.fresh("incubate")},
                   principal=player_id)


def _hatch(h: Harness) -> Request:
    player_id = _walker(h, 2_500.0, eggs=1, incubating=True)
    return Request("POST", "/v1/me/eggs/{egg_id}/hatch", path_params={"egg_id": _first_egg(h, player_id)},
                   headers={"Idempotency-Key": h.fresh("hatch")}, principal=player_id)


def _with_buddy(h: Harness, walked_m: float) -> str:
    """A player whose Mossling (a candy a km) walked ``walked_m`` with them."""
    from geocritters.game.buddy import Buddy
    from geocritters.usecases.ports import SavePlayer

    player_id = _walker(h, walked_m)
    creature_id = h.add_creature(player_id)
    state = h.ctx.store.get_player(player_id)
    h.ctx.store.commit([SavePlayer(replace(state, buddy=Buddy(creature_id, 1, 0.0)))])
    return player_id


def _buddy_view(h: Harness) -> Request:
    return Request("GET", "/v1/me/buddy", principal=_with_buddy(h, 2_500.0))


def _choose_buddy(h: Harness) -> Request:
    player_id = _with_buddy(h, 2_500.0)  # the swap pays the old buddy's 2 candies
    return Request("POST", "/v1/me/buddy", body={"creature_id": h.add_creature(player_id)},
                   headers={"Idempotency-Key": h.fresh("buddy")}, principal=player_id)


def _claim_buddy_candy(h: Harness) -> Request:
    return Request("POST", "/v1/me/buddy/candy", headers={"Idempotency-Key": h.fresh("candy")},
                   principal=_with_buddy(h, 2_500.0))


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("auth", ("POST", "/v1/auth/guest"), _auth),
    Scenario("player", ("GET", "/v1/me"), _me),
    Scenario("player.team", ("POST", "/v1/me/team"), _team),
    Scenario("map", ("GET", "/v1/map"), _map),
    Scenario("map.new_minute", ("GET", "/v1/map"), _map_new_minute),
    Scenario("map.fold", ("GET", "/v1/map"), _map_fold),
    Scenario("map.gyms_stale", ("GET", "/v1/map"), _map_gyms_stale,
             before_warm_replay=Harness.expire_gym_states),
    Scenario("encounter", ("POST", "/v1/encounters"), _encounter, 201),
    Scenario("catch", _THROWS, _throw),
    Scenario("spin", ("POST", "/v1/stops/{stop_id}/spin"), _spin),
    Scenario("items", ("GET", "/v1/me/items"), _items),
    Scenario("creatures", ("GET", "/v1/me/creatures"), _creatures),
    Scenario("creatures.transfer", ("POST", _CHANGE + "transfer"), _creature_change("transfer")),
    Scenario("creatures.evolve", ("POST", _CHANGE + "evolve"),
             _creature_change("evolve", candy={"Mossling": 40})),
    Scenario("creatures.power_up", ("POST", _CHANGE + "power-up"),
             lambda h: _creature_change("power-up", **_power_up_player())(h)),
    Scenario("gyms", ("GET", "/v1/gyms/{gym_id}"), _gym_view),
    Scenario("gyms.deploy", ("POST", "/v1/gyms/{gym_id}/defenders"), _gym_deploy),
    Scenario("gyms.feed", ("POST", "/v1/gyms/{gym_id}/berries"), _gym_feed),
    Scenario("gyms.spin", ("POST", "/v1/gyms/{gym_id}/spin"), _gym_spin),
    Scenario("gyms.defenders", ("GET", "/v1/me/defenders"), _defenders),
    Scenario("gyms.claim", ("POST", "/v1/me/defenders/claim"), _claim),
    Scenario("battles", ("POST", "/v1/gyms/{gym_id}/battles"), _gym_battle),
    Scenario("raids", ("GET", "/v1/raids/{raid_id}"), _raid_view),
    Scenario("raids.join", ("POST", "/v1/raids/{raid_id}/join"), _raid_join),
    Scenario("raids.claim", ("POST", "/v1/raids/{raid_id}/claim"), _raid_claim),
    Scenario("friends", ("GET", "/v1/me/friends"), _friend_list),
    Scenario("friends.requests", ("GET", "/v1/me/friend-requests"), _friend_requests),
    Scenario("friends.send", ("POST", "/v1/friend-requests"), _send_friend_request),
    Scenario("friends.accept", ("POST", _REQUEST + "accept"), _answer_request("accept")),
    Scenario("friends.decline", ("POST", _REQUEST + "decline"), _answer_request("decline")),
    Scenario("friends.cancel", ("POST", _REQUEST + "cancel"), _answer_request("cancel")),
    Scenario("friends.remove", ("POST", "/v1/me/friends/{friend_id}/remove"), _remove_friend),
    Scenario("gifts", ("GET", "/v1/me/gifts"), _gift_box),
    Scenario("gifts.send", ("POST", "/v1/me/friends/{friend_id}/gifts"), _send_gift),
    Scenario("gifts.open", ("POST", "/v1/me/gifts/{gift_id}/open"), _open_gift),
    Scenario("trades", ("GET", "/v1/me/trades"), _my_trades),
    Scenario("trades.view", ("GET", "/v1/trades/{trade_id}"), _trade_view),
    Scenario("trades.propose", ("POST", "/v1/trades"), _propose),
    Scenario("trades.offer", ("POST", _TRADE + "offer"), _offer),
    Scenario("trades.confirm", ("POST", _TRADE + "confirm"), _confirm),
    Scenario("trades.cancel", ("POST", _TRADE + "cancel"), _cancel_trade),
    Scenario("eggs", ("GET", "/v1/me/eggs"), _egg_list),
    Scenario("eggs.incubate", ("POST", "/v1/me/eggs/{egg_id}/incubate"), _incubate),
    Scenario("eggs.hatch", ("POST", "/v1/me/eggs/{egg_id}/hatch"), _hatch),
    Scenario("eggs.buddy", ("GET", "/v1/me/buddy"), _buddy_view),
    Scenario("eggs.choose_buddy", ("POST", "/v1/me/buddy"), _choose_buddy),
    Scenario("eggs.buddy_candy", ("POST", "/v1/me/buddy/candy"), _claim_buddy_candy),
    Scenario("gamedata", ("GET", "/v1/game-data"), _game_data),
    Scenario("gamedata.not_modified", ("GET", "/v1/game-data"), _game_data_not_modified, 304),
    # --- regional leaderboards ---
    Scenario("boards", ("GET", "/v1/boards/{region}"), lambda h: _board(h)),
    # --- live events ---
    Scenario("events_admin", ("POST", "/v1/admin/events"), lambda h: _create_event(h), 201),
    Scenario("events_admin.list", ("GET", "/v1/admin/events"), lambda h: _list_events(h)),
    Scenario("events_admin.cancel", ("DELETE", "/v1/admin/events/{event_id}"),
             lambda h: _cancel_event(h)),
    Scenario("spin.during_event", ("POST", "/v1/stops/{stop_id}/spin"), lambda h: _spin_during_event(h)),
    Scenario("gamedata.region", ("GET", "/v1/game-data"), lambda h: _game_data_region(h)),
)
SCENARIO_BY_NAME = {s.name: s for s in SCENARIOS}


# --- regional leaderboards -----------------------------------------------------------------

BOARD_PLAYERS = 40  # on the read board: every shard holds some


def _board(h: Harness) -> Request:
    """This week's caught board of HOME's region, BOARD_PLAYERS scores spread over the
    shards (written as the aggregator writes them), read by one of those players."""
    from geocritters.adapters.boards import board_store
    from geocritters.game import boards
    from geocritters.game.geo import encode

    ctx = h.ctx
    region = encode(*HOME, ctx.config.board_region_precision)
    week = boards.week_of(ctx.clock.now_ms())
    store = board_store()
    reader = h.fresh("bench-board")
    for n in range(BOARD_PLAYERS):
        player = reader if n == BOARD_PLAYERS // 2 else h.fresh("bench-board")
        score = boards.Score("caught", week, region, player, f"Trainer{n:04d}", 1 + n % 13)
        store.raise_score(score, boards.shard_of(player, ctx.config.board_shards),
                          boards.expires_at_s(week, ctx.config))
    return Request("GET", "/v1/boards/{region}", path_params={"region": region},
                   query={"metric": "caught"}, principal=reader)


# --- live events ---------------------------------------------------------------------------

# Events here apply only around a place ~110 km north of HOME, where no other scenario
# plays: the benchmark's rounds (which repeat every scenario, creates included) never
# change another scenario's spawns, rewards or limits.
EVENT_PLACE = (HOME[0] + 1.0, HOME[1])
OPERATOR_ARN = "arn:aws:iam::000000000000:user/bench-operator"


def _event_prefix() -> str:
    from geocritters.game.geo import encode

    return encode(*EVENT_PLACE, 6)


def _event_body(h: Harness, **effects) -> dict:
    """An event an operator would create: a day from now (well past the 2 x cache time
    an event must be created ahead), for two hours, around EVENT_PLACE."""
    start_ms = h.clock.now_ms() + 24 * 3_600_000
    return {"name": "Bench event", "start_ms": start_ms, "end_ms": start_ms + 2 * 3_600_000,
            "prefixes": [_event_prefix()], "effects": effects or {"xp_multiplier": 2}}


def _stored_event(h: Harness, start_ms: int, end_ms: int) -> str:
    """An event put straight into the table (a state builder: no lead-time rule), its id."""
    from geocritters.adapters.events import event_store
    from geocritters.game.events import Effects, Event
    from geocritters.usecases.ports import StoredEvent

    h._serial += 1
    event_id = f"ev-bench{h._serial:010d}"
    event = Event(event_id, "Bench double XP", start_ms, end_ms, (_event_prefix(),),
                  Effects(xp_multiplier=2.0, stardust_multiplier=2.0))
    event_store().add_event(StoredEvent(event, "bench", OPERATOR_ARN, start_ms), end_ms // 1000 + 86_400)
    return event_id


def _create_event(h: Harness) -> Request:
    """An operator creates an event: one conditional PutItem."""
    return Request("POST", "/v1/admin/events", body=_event_body(h),
                   headers={"Idempotency-Key": h.fresh("create-event")}, operator=OPERATOR_ARN)


def _list_events(h: Harness) -> Request:
    """The operator's list: one Query of the events partition (the events the other
    event scenarios stored so far: a few)."""
    return Request("GET", "/v1/admin/events", operator=OPERATOR_ARN)


def _cancel_event(h: Harness) -> Request:
    """An event under way, cancelled: one conditional UpdateItem."""
    now_ms = h.clock.now_ms()
    event_id = _stored_event(h, now_ms - 3_600_000, now_ms + 3_600_000)
    return Request("DELETE", "/v1/admin/events/{event_id}", path_params={"event_id": event_id},
                   operator=OPERATOR_ARN)


def _event_in_force(h: Harness) -> None:
    """One double XP and stardust event under way around EVENT_PLACE (stored once)."""
    if "event" not in h._fixtures:
        now_ms = h.clock.now_ms()
        h._fixtures["event"] = _stored_event(h, now_ms - 3_600_000, now_ms + 6 * 3_600_000)


def _spin_during_event(h: Harness) -> Request:
    """A spin where an event doubles XP and stardust: warm, the events come from the
    container's cache (0 calls more than an ordinary spin); cold, one Query fills it."""
    _event_in_force(h)
    if "event_stop" not in h._fixtures:
        forts = h.ctx.world.forts_near(*EVENT_PLACE, 300)
        h._fixtures["event_stop"] = next(f for f in forts if f.kind == "stop" and f.id.startswith("st-"))
    stop = h._fixtures["event_stop"]
    return Request("POST", "/v1/stops/{stop_id}/spin", path_params={"stop_id": stop.id},
                   body={"lat": stop.lat, "lng": stop.lng},
                   headers={"Idempotency-Key": h.fresh("spin-event")}, principal=h.new_player())


def _game_data_region(h: Harness) -> Request:
    """Game data with the region's live events: from the container's events cache (no
    call while it is fresh; a cold container's one Query)."""
    from geocritters.game.geo import encode

    _event_in_force(h)
    return Request("GET", "/v1/game-data", query={"region": encode(*EVENT_PLACE, 4)})

"""`make swarm`'s players: Locust users that play through the Python SDK (clients/python).

Each user is one player (a device id, a guest login) walking around a city at walking
speed: random waypoints within ``WALK_RADIUS_M`` of the city's centre, the position
reported by reading the map every ``MAP_EVERY_S`` seconds (Locust's ``wait_time``); on the
way it catches what is within the encounter radius (an encounter, then throws until the
creature is caught or flees), transfers some catches, spins the stops within reach, and now
and then opens a gym or raid it passes, its bag, profile and collection. Ranges come from
GET /v1/game-data, as a client's would.

Every HTTP request is a Locust request named by its route (metering.py), so Locust's stats,
CSVs and HTML report are per action, refusals by error code.

    locust -f bench/swarm/locustfile.py --headless -u 200 -r 20 -t 3m -H http://127.0.0.1:8000
"""
from __future__ import annotations

import json
import logging
import math
import random
import time
import uuid
from pathlib import Path

from geocritters_sdk import Session, errors, local, models
from geocritters_sdk.generated.api.catching import start_encounter, throw_ball
from geocritters_sdk.generated.api.collection import list_creatures, list_items, transfer_creature
from geocritters_sdk.generated.api.gamedata import get_game_data
from geocritters_sdk.generated.api.gyms import view_gym
from geocritters_sdk.generated.api.map_ import view_map
from geocritters_sdk.generated.api.player import get_profile
from geocritters_sdk.generated.api.raids import view_raid
from geocritters_sdk.generated.api.stops import spin_stop
from locust import User, between, events, task

from bench.swarm.metering import MeteredTransport, Recorder, merge

WALK_SPEED_MPS = 1.4
WALK_RADIUS_M = 3000.0
MAP_EVERY_S = (4.0, 6.0)  # the map's rate limit is 30 a minute: one read every 2 s at most
THROW_EVERY_S = 1.0       # a throw's animation
EARTH_M = 6_371_000.0
# GET /v1/game-data's ranges, for a player whose first read was refused.
DEFAULT_ENCOUNTER_M, DEFAULT_INTERACT_M = 50.0, 80.0
# City centres and their weight: players spread over several cities, most in the biggest.
CITIES = [
    ("new_york", 40.758, -73.9855, 4),
    ("london", 51.5074, -0.1278, 3),
    ("tokyo", 35.6812, 139.7671, 3),
    ("sao_paulo", -23.5505, -46.6333, 2),
    ("sydney", -33.8688, 151.2093, 1),
]

recorder = Recorder()
# httpx logs every request at INFO: thousands a second would drown Locust's progress lines.
logging.getLogger("httpx").setLevel(logging.WARNING)
_received: dict = {}  # on the master (or a local run): the workers' snapshots added up


def distance_m(lat1, lng1, lat2, lng2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(a))


def offset(lat, lng, north_m, east_m) -> tuple[float, float]:
    return (lat + math.degrees(north_m / EARTH_M),
            lng + math.degrees(east_m / (EARTH_M * math.cos(math.radians(lat)))))


def random_point(lat, lng, radius_m, rand: random.Random) -> tuple[float, float]:
    """Uniform over the disc: sqrt on the radius, or the centre would be crowded."""
    r, angle = radius_m * math.sqrt(rand.random()), rand.random() * 2 * math.pi
    return offset(lat, lng, r * math.cos(angle), r * math.sin(angle))


class Walker:
    """A walk between random waypoints at a steady speed, advanced by the clock."""

    def __init__(self, centre: tuple[float, float], rand: random.Random, clock=time.monotonic):
        self.centre, self.rand, self.clock = centre, rand, clock
        self.lat, self.lng = random_point(*centre, WALK_RADIUS_M, rand)
        self.target = random_point(*centre, WALK_RADIUS_M, rand)
        self.last = clock()

    def advance(self) -> tuple[float, float]:
        now = self.clock()
        step, self.last = WALK_SPEED_MPS * (now - self.last), now
        while step > 0:
            left = distance_m(self.lat, self.lng, *self.target)
            if left <= step:
                self.lat, self.lng = self.target
                step -= left
                self.target = random_point(*self.centre, WALK_RADIUS_M, self.rand)
                continue
            fraction = step / left
            self.lat += (self.target[0] - self.lat) * fraction
            self.lng += (self.target[1] - self.lng) * fraction
            step = 0
        return self.lat, self.lng


class Player(User):
    """One player walking in a city. Tasks are picked by weight after each wait; the walk
    (a map read, then catching and spinning what is in reach) is most of them."""

    wait_time = between(*MAP_EVERY_S)

    def on_start(self) -> None:
        self.rand = random.Random()
        city = self.rand.choices(CITIES, weights=[c[3] for c in CITIES])[0]
        self.walker = Walker((city[1], city[2]), self.rand)
        self.transport = MeteredTransport(self.environment.events.request.fire, recorder)
        self.game = Session(local(self.host), device_id=f"swarm-{uuid.uuid4().hex[:16]}",
                            transport=self.transport)
        recorder.started(id(self))
        # A client's first call: the rules (unauthenticated). A busy server may refuse it:
        # the player then plays by the ranges it would have been given.
        data = self._try(get_game_data)
        ranges = data.rules.to_dict()["ranges"] if data else {}
        self.encounter_m = float(ranges.get("encounter_radius_m", DEFAULT_ENCOUNTER_M))
        self.interact_m = float(ranges.get("fort_interact_radius_m", DEFAULT_INTERACT_M))
        self.seen: models.MapResponse | None = None
        self.tried: set[str] = set()  # spawns already encountered (or gone)

    def on_stop(self) -> None:
        recorder.stopped(id(self))
        self.game.close()

    def _try(self, endpoint, **arguments):
        """A call whose refusal is part of the game (gone, cooling down, out of range):
        Locust has recorded it by its code; the player carries on."""
        try:
            return self.game.call(endpoint, **arguments)
        except (errors.ApiError, errors.ConnectionFailed):
            return None

    @task(20)
    def walk(self) -> None:
        lat, lng = self.walker.advance()
        seen = self._try(view_map, lat=lat, lng=lng)
        if seen is None:
            return
        self.seen = seen
        for spawn in seen.spawns:
            if spawn.id not in self.tried and distance_m(lat, lng, spawn.lat, spawn.lng) <= self.encounter_m:
                self.tried.add(spawn.id)
                self.catch(spawn, lat, lng)
                break  # one catch per stretch of walk, then the next map read
        now_ms = seen.server_ms
        for stop in seen.stops:
            if stop.cooldown_until_ms <= now_ms and distance_m(lat, lng, stop.lat, stop.lng) <= self.interact_m:
                self._try(spin_stop, stop_id=stop.id, body=models.SpinRequest(lat=lat, lng=lng))
                break

    def catch(self, spawn, lat, lng) -> None:
        encounter = self._try(start_encounter, body=models.EncounterRequest(spawn_id=spawn.id, lat=lat, lng=lng))
        if encounter is None:
            return
        quality = self.rand.choice(list(models.ThrowQuality))
        throw = models.ThrowRequest(ball=models.ThrowRequestBall.BALL, throw=quality,
                                    curveball=self.rand.random() < 0.5)
        for _ in range(10):
            time.sleep(THROW_EVERY_S)
            result = self._try(throw_ball, encounter_id=encounter.encounter_id, body=throw)
            if result is None or result.outcome != models.ThrowResponseOutcome.ESCAPED:
                break
        if result is not None and result.outcome == models.ThrowResponseOutcome.CAUGHT \
                and self.rand.random() < 0.4:  # a duplicate, sent for candy
            self._try(transfer_creature, creature_id=result.creature.id)

    @task(1)
    def look_at_gym(self) -> None:
        # the map lists gyms within 300 m; one opens within the interaction radius
        lat, lng = self.walker.lat, self.walker.lng
        near = [gym for gym in (self.seen.gyms if self.seen else [])
                if distance_m(lat, lng, gym.lat, gym.lng) <= self.interact_m]
        if not near:
            return
        gym = self.rand.choice(near)
        self._try(view_gym, gym_id=gym.id, lat=self.walker.lat, lng=self.walker.lng)
        if gym.raid:
            self._try(view_raid, raid_id=gym.raid.id)

    @task(1)
    def open_bag(self) -> None:
        self._try(list_items)

    @task(1)
    def profile(self) -> None:
        self._try(get_profile)

    @task(1)
    def collection(self) -> None:
        self._try(list_creatures)


# -- the recorder's totals: workers send theirs to the master, which writes the file -------

@events.init_command_line_parser.add_listener
def _arguments(parser) -> None:
    parser.add_argument("--swarm-out", default="build/swarm",
                        help="where observed.json (actions, keys, refusals) is written")


@events.report_to_master.add_listener
def _send(client_id, data) -> None:
    data["swarm"] = recorder.snapshot()


@events.worker_report.add_listener
def _receive(client_id, data) -> None:
    if "swarm" in data:
        merge(_received, data["swarm"])


@events.quitting.add_listener
def _write(environment, **_) -> None:
    from locust.runners import WorkerRunner

    if isinstance(environment.runner, WorkerRunner):
        return  # its totals went to the master
    merge(_received, recorder.snapshot())  # a local run: everything is here
    out = Path(environment.parsed_options.swarm_out if environment.parsed_options else "build/swarm")
    out.mkdir(parents=True, exist_ok=True)
    (out / "observed.json").write_text(json.dumps(_received, indent=1, sort_keys=True))

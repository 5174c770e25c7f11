"""One scripted player living through game time against ``make run``: walking, an egg,
the buddy, the weather, a live event, the regional boards (issue 12's "done when").

The player logs in, catches a creature and makes it its buddy, spins stops until it
holds a 2 km egg and incubates it; walks 2 km at 5 km/h around a block of streets near
the start, reporting its position to the map every 30 game seconds as an app does (the
server counts the distance from those reports, game/walking.py); hatches the egg and
claims the buddy's candy; shows the weather of its cell and that the spawns it saw are
boosted exactly when their type is one the weather boosts, and more often than without
it; sees a live event an operator creates for its region with the operator CLI
(``infra/events.py``, SigV4-signed) listed in the game data, then its species appear
near it once it starts; then finds itself on its region's weekly boards once the board
stream runner of ``make run`` has applied its changes.

A walk of 2 km at 5 km/h takes 24 game minutes, so the server runs its game clock faster
than real time (``--clock-rate``; everything on the server follows it, tokens included):

    python -m devtools.run_local $(python -m devtools.play_world --print-config)
    python -m devtools.play_world                 # ~40 s at the default rate of 60

Requests go through the Python SDK by path (devtools/play.py ``Client``): actions by the
SDK's rules (one Idempotency-Key per action reused on its retries, Retry-After scaled to
the clock rate); it also reads the game's events cache time. The egg is found by spinning (an egg at
20 % of spins, 45 % of them 2 km): only if the bag fills with 5 and 10 km eggs first
(~0.5 % of sessions) does ``devtools.seed`` swap them for a 2 km egg, and the transcript says so.
"""
import argparse
import datetime
import itertools
import json
import math
import os
import subprocess
import sys
import time
import uuid

from geocritters_sdk import local

from devtools.play import Client
from geocritters.usecases.events import EVENTS_CACHE_TTL_MS

CLOCK_RATE = 60  # game seconds per real second on the dev server of this session
WALK_KMH = 5.0  # walking speed (issue 12)
EGG_KM = 2  # the egg to hatch: a real 2 km egg
REPORT_EVERY_S = 30  # game seconds between two position reports while walking
BLOCK_M = 500  # the walk goes round a 500 m x 500 m block: 2 km a lap
MAX_WALK_M = 2_600  # the egg counts straight lines between samples: corners cost a little
SETUP_MAP_EVERY_S = 10  # game seconds between map reads while looking about (limit: 30 a minute)
SPIN_EVERY_S = 4  # game seconds between spins (limit: 20 a minute)
THROW_EVERY_S = 2  # game seconds between throws (limit: 60 a minute)
MAX_SPINS = 150
MAX_CATCHES = 6
BOARD_REGION_PRECISION = 4  # a board's region is the geohash-4 cell (game/config.py)
BOARD_WAIT_S = 30  # real seconds: the stream runner applies the stream every 2 s
# The live event starts this many game seconds after it is created (the game refuses
# less than 2 minutes: every server's events cache must have read it by then), and
# re-draws this share of the spawns appearing while it runs among its species (the most
# the game allows). A spawn point shows a new spawn once an hour, so within the first
# EVENT_WATCH_MIN minutes several near the player have appeared under the event.
EVENT_LEAD_S = 180
EVENT_SPAWN_SHARE = 0.5
EVENT_WATCH_MIN = 40
HOUR_MS = 3_600_000
# What the dev server (devtools/run_local.py) runs with: its local gateway checks an
# operator's SigV4 signature against these.
LOCAL_CREDENTIALS = ("local", "local")
M_PER_DEG_LAT = 111_195.0


def dev_server_args(rate: float = CLOCK_RATE) -> list[str]:
    """``devtools.run_local`` arguments for this session: only the clock rate (every
    game number keeps its real value)."""
    return ["--clock-rate", f"{rate:g}"]


class Walker(Client):
    """A player that paces itself in game time: it knows the server's clock rate and
    keeps an estimate of the server's game time from the map's ``server_ms``."""

    def __init__(self, url: str, rate: float, out):
        # The SDK's local settings at this clock rate: the server's Retry-After counts
        # game seconds.
        super().__init__(url, device_id=f"world-{uuid.uuid4().hex[:12]}", settings=local(url, clock_rate=rate))
        self.rate, self.out = rate, out
        self._synced = None  # (server_ms, real monotonic s) of the last map answer
        self._last_act = {}
        self.seen = WeatherLog()

    def game_ms(self) -> int:
        server_ms, at = self._synced
        return server_ms + int((time.monotonic() - at) * 1000 * self.rate)

    def wait_game(self, seconds: float) -> None:
        time.sleep(seconds / self.rate)

    def pace(self, what: str, every_s: float) -> None:
        """At least ``every_s`` game seconds since the last ``what``: within its rate limit."""
        last = self._last_act.get(what)
        if last is not None:
            left = last + every_s / self.rate - time.monotonic()
            if left > 0:
                time.sleep(left)
        self._last_act[what] = time.monotonic()

    def look(self, lat: float, lng: float, every_s: float = SETUP_MAP_EVERY_S) -> dict:
        """Report the position to the map and read it."""
        self.pace("map", every_s)
        status, seen = self.call("GET", f"/v1/map?lat={lat:.6f}&lng={lng:.6f}")
        assert status == 200, seen
        self._synced = (seen["server_ms"], time.monotonic())
        self.seen.record(seen)
        return seen

    def act(self, method: str, path: str, body=None, what: str | None = None, every_s: float = 0):
        """An action by the SDK's rules (devtools/play.py ``Client.act``), paced."""
        if what:
            self.pace(what, every_s)
        return super().act(method, path, body)

    def get(self, path: str) -> dict:
        status, body = self.call("GET", path)
        assert status == 200, (path, status, body)
        return body


def offset(lat: float, lng: float, north_m: float, east_m: float) -> tuple[float, float]:
    return (lat + north_m / M_PER_DEG_LAT,
            lng + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat))))


def along_block(lat: float, lng: float, walked_m: float) -> tuple[float, float]:
    """Where a walk round the block east, north, west, then south of the start is after
    ``walked_m`` metres (lap after lap)."""
    side, along = divmod(walked_m % (4 * BLOCK_M), BLOCK_M)
    corners = ((0, 0), (0, BLOCK_M), (BLOCK_M, BLOCK_M), (BLOCK_M, 0), (0, 0))
    (n0, e0), (n1, e1) = corners[int(side)], corners[int(side) + 1]
    share = along / BLOCK_M
    return offset(lat, lng, n0 + (n1 - n0) * share, e0 + (e1 - e0) * share)


class WeatherLog:
    """What the map said about the weather and the spawns, for the weather step."""

    def __init__(self):
        self.weather = {}  # (geohash-5 cell, hour index) -> kind
        self.boosted_types = {}  # kind -> its boosted types
        self.visible = {}  # spawn id -> (species id, boosted)
        self.around = {}  # spawn id -> species id (the radar's: no boosted flag)

    def record(self, seen: dict) -> None:
        weather = seen["weather"]
        hour = weather["until_ms"] // 3_600_000 - 1
        self.weather[(weather["cell"], hour)] = weather["kind"]
        self.boosted_types[weather["kind"]] = set(weather["boosted_types"])
        for spawn in seen["spawns"]:
            self.visible[spawn["id"]] = (spawn["species"], spawn["boosted"])
        for spawn in seen["nearby"]:
            self.around[spawn["id"]] = spawn["species"]

    def weather_of(self, spawn_id: str) -> str | None:
        """The kind the map reported for a spawn's cell and hour: its id is
        sp-<geohash-7 of its point>-<n>-<hour index> (game/world/ids.py)."""
        _, cell, _, hour = spawn_id.split("-")
        return self.weather.get((cell[:5], int(hour)))


def catch(player: Walker, spawn: dict) -> dict | None:
    """Encounter a spawn and throw until it is caught or gone: the creature, or None."""
    status, encounter = player.call("POST", "/v1/encounters",
                                    {"spawn_id": spawn["id"], "lat": spawn["lat"], "lng": spawn["lng"]})
    if status != 201:
        return None
    outcome = None
    for _ in range(20):
        status, result = player.act("POST", f"/v1/encounters/{encounter['encounter_id']}/throws",
                                    {"ball": "ball", "throw": "great", "curveball": True},
                                    "throw", THROW_EVERY_S)
        outcome = result.get("outcome") if status == 200 else f"{status} {result}"
        if outcome != "escaped":
            break
    player.out(f"encounter: {encounter['species_name']} CP {encounter['cp']}"
               f"{' (weather boosted)' if spawn['boosted'] else ''}: {outcome}")
    return result["creature"] if outcome == "caught" else None


def catch_buddy(player: Walker, lat: float, lng: float, buddy_km: dict) -> dict | None:
    """Catch spawns about the start until one earns a candy every km (most species do):
    the buddy to be."""
    caught = None
    for step in range(40):
        seen = player.look(*offset(lat, lng, 60 * (step // 6), 60 * (step % 6)))
        spawns = sorted(seen["spawns"], key=lambda s: buddy_km[str(s["species"])])
        creature = catch(player, spawns[0]) if spawns else None
        caught = creature or caught
        if caught and buddy_km[str(caught["species"])] == 1:
            return caught
    if caught is None:
        player.out("caught nothing")
    return caught


def set_out(player: Walker, lat: float, lng: float, creature: dict, egg: dict) -> bool:
    """At the start of the walk: stand there a game minute (the map keeps a sample a
    minute and the current minute's is provisional: the egg and the buddy count from a
    settled total), make the creature the buddy and put the egg in the incubator."""
    player.look(lat, lng)
    player.wait_game(70)
    player.look(lat, lng)
    status, chosen = player.act("POST", "/v1/me/buddy", {"creature_id": creature["id"]})
    if status != 200:
        player.out(f"buddy: {status} {chosen}")
        return False
    player.out(f"buddy: {creature['species_name']}, a candy every {chosen['buddy']['km_per_candy']} km")
    status, incubated = player.act("POST", f"/v1/me/eggs/{egg['egg_id']}/incubate",
                                   {"incubator_id": "infinite"})
    if status != 200:
        player.out(f"incubate: {status} {incubated}")
        return False
    player.out(f"incubated the {egg['km']} km egg {egg['egg_id']}")
    return True


def find_egg(player: Walker, lat: float, lng: float, aws_url: str | None) -> dict | None:
    """Spin the stops about the start (within 300 m of it, so no move between two spins
    reaches the travel cooldown's 1 km) until a 2 km egg is found."""
    centres = [(0, 0), (300, 0), (0, 300), (-300, 0), (0, -300)]
    spins = 0
    while spins < MAX_SPINS:
        for north, east in centres:
            seen = player.look(*offset(lat, lng, north, east))
            ready = [s for s in seen["stops"] if s["cooldown_until_ms"] <= seen["server_ms"]]
            for stop in ready:
                status, spun = player.act("POST", f"/v1/stops/{stop['id']}/spin",
                                          {"lat": stop["lat"], "lng": stop["lng"]}, "spin", SPIN_EVERY_S)
                spins += 1
                if status != 200:
                    player.out(f"spin {stop['name']}: {status} {spun}")
                    continue
                egg = spun["egg"]
                if egg is not None:
                    player.out(f"spin {spins} at {stop['name']}: a {egg['km']} km egg")
                if egg is not None and egg["km"] == EGG_KM:
                    return egg
            held = player.get("/v1/me/eggs")
            if len(held["eggs"]) >= held["egg_limit"]:
                player.out(f"the bag holds {held['egg_limit']} eggs, none of {EGG_KM} km")
                return seeded_egg(player, aws_url)
        player.wait_game(60)  # the stops cool down for 5 minutes: look again later
    player.out(f"no {EGG_KM} km egg in {spins} spins")
    return seeded_egg(player, aws_url)


def seeded_egg(player: Walker, aws_url: str | None) -> dict | None:
    if aws_url is None:
        return None
    result = subprocess.run(
        [sys.executable, "-m", "devtools.seed", "--aws-url", aws_url, "--player", player.player_id,
         "--clear-eggs", "--egg", str(EGG_KM)], capture_output=True, text=True, check=True)
    egg_id = json.loads(result.stdout.strip().splitlines()[-1])["eggs"][0]
    player.out(f"seeded a {EGG_KM} km egg in place of the held ones (devtools.seed): {egg_id}")
    return {"egg_id": egg_id, "km": EGG_KM}


def walk(player: Walker, lat: float, lng: float, egg_id: str) -> float:
    """Walk round the block at 5 km/h, reporting the position every 30 game seconds,
    until the egg has 2 km (read from GET /v1/me/eggs); the egg's walked km."""
    speed_m_per_ms = WALK_KMH * 1000 / 3_600_000
    player.look(lat, lng, every_s=REPORT_EVERY_S)
    started_ms = player.game_ms()
    egg_km = 0.0
    for report in range(1, 10_000):
        # Where the walk is at the game time of this report, whenever it is sent: a late
        # report is further along, so every leg is at walking speed.
        player.wait_game(max(0.0, started_ms + report * REPORT_EVERY_S * 1000 - player.game_ms()) / 1000)
        walked_m = (player.game_ms() - started_ms) * speed_m_per_ms
        player.look(*along_block(lat, lng, walked_m), every_s=REPORT_EVERY_S)
        if report % 10 == 0 or walked_m >= EGG_KM * 1000:  # every 5 game minutes, then each report
            eggs = player.get("/v1/me/eggs")
            egg_km = next(e["walked_km"] for e in eggs["eggs"] if e["egg_id"] == egg_id)
            if report % 10 == 0:
                player.out(f"walking: {walked_m / 1000:.2f} km along the streets, "
                           f"{eggs['walked_km']:.2f} km counted, egg {egg_km:.2f}/{EGG_KM} km")
            # walked_km is rounded to metres: 2.000 may still be 1999.6 m.
            if egg_km > EGG_KM or walked_m >= MAX_WALK_M:
                player.out(f"walked {walked_m / 1000:.2f} km in "
                           f"{(player.game_ms() - started_ms) / 60_000:.1f} game minutes: "
                           f"{eggs['walked_km']:.2f} km counted, egg {egg_km:.2f}/{EGG_KM} km")
                return egg_km
    return egg_km


def hatch_and_candy(player: Walker, egg_id: str, species: dict) -> bool:
    status, hatched = player.act("POST", f"/v1/me/eggs/{egg_id}/hatch")
    if status != 200:
        player.out(f"hatch: {status} {hatched}")
        return False
    creature = hatched["creature"]
    player.out(f"hatched: {creature['species_name']} CP {creature['cp']} "
               f"(+{hatched['candy']} candy, +{hatched['stardust']} stardust, +{hatched['xp']} XP)")
    status, claimed = player.act("POST", "/v1/me/buddy/candy")
    if status != 200:
        player.out(f"buddy candy: {status} {claimed}")
        return False
    buddy = claimed["buddy"]
    player.out(f"buddy candy: +{claimed['candy_paid']} {species[buddy['species']]['name']} candy "
               f"for {buddy['walked_km']:.2f} km walked together")
    return claimed["candy_paid"] >= 1


def look_for_boosted(player: Walker, lat: float, lng: float) -> None:
    """Look about the start until a weather-boosted spawn is in sight (a third to a half
    of spawns are: the walk nearly always has met one already)."""
    for step in range(20):
        if any(boosted for _, boosted in player.seen.visible.values()):
            return
        player.look(*offset(lat, lng, 120 * (step // 5 - 2), 120 * (step % 5 - 2)))


def weather_step(player: Walker, lat: float, lng: float, species: dict) -> bool:
    """Spawns are boosted exactly when one of their types is one their weather boosts,
    and spawns of those types are more common than their spawn weights alone give."""
    look_for_boosted(player, lat, lng)
    log = player.seen
    for (cell, hour), kind in sorted(log.weather.items()):
        player.out(f"weather in {cell}, game hour {hour % 24:02d}h UTC: {kind} "
                   f"(boosts {', '.join(sorted(log.boosted_types[kind]))})")

    def of_boosted_type(species_id: int, kind: str) -> bool:
        return bool(set(species[species_id]["types"]) & log.boosted_types[kind])

    wrong, boosted, judged = [], 0, 0
    for spawn_id, (species_id, flagged) in log.visible.items():
        kind = log.weather_of(spawn_id)
        if kind is None:  # a spawn of an hour or cell the map's answers didn't name
            continue
        judged += 1
        boosted += flagged
        if flagged != of_boosted_type(species_id, kind):
            wrong.append((spawn_id, species[species_id]["name"], kind, flagged))
    player.out(f"spawns in sight: {boosted} of {judged} weather boosted, "
               f"each of a type its weather boosts ({len(wrong)} not)")
    for entry in wrong:
        player.out(f"  wrong boost: {entry}")
    # Over every spawn seen (the radar's too): how many are of a boosted type, against
    # the share the spawn weights alone give those types (without the weather's re-draw).
    spawns = {**log.around, **{k: v[0] for k, v in log.visible.items()}}
    weathers = [(sid, kind) for sid in spawns if (kind := log.weather_of(sid))]
    total_weight = sum(s["spawn_weight"] for s in species.values())
    expected = sum(sum(s["spawn_weight"] for sp_id, s in species.items() if of_boosted_type(sp_id, kind))
                   for _, kind in weathers) / total_weight
    share = sum(of_boosted_type(spawns[sid], kind) for sid, kind in weathers)
    player.out(f"spawns seen: {share} of {len(weathers)} of boosted types "
               f"({100 * share / max(1, len(weathers)):.0f} %); by spawn weight alone "
               f"~{100 * expected / max(1, len(weathers)):.0f} %")
    return not wrong and boosted >= 1


def _iso(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _event_species(data: dict, nearby: list) -> dict:
    """The rarest wild species not already about: its spawns can only come from the event."""
    around = {s["species"] for s in nearby}
    wild = [s for s in data["species"] if s["spawn_weight"] > 0 and s["id"] not in around]
    return min(wild, key=lambda s: (s["spawn_weight"], s["id"]))


def create_event(player: Walker, region: str, species_id: int, start_ms: int, end_ms: int) -> str | None:
    """The operator's CLI (infra/events.py), signing with the dev server's local
    credentials as an operator's would with theirs; the event's id."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") or k in ("AWS_DEFAULT_REGION", "AWS_REGION")}
    env.update(AWS_ACCESS_KEY_ID=LOCAL_CREDENTIALS[0], AWS_SECRET_ACCESS_KEY=LOCAL_CREDENTIALS[1])
    command = [sys.executable, "-m", "infra.events", "create", "--url", player.url,
               "--region", "us-east-1", "--name", "Rare sighting", "--start", _iso(start_ms),
               "--end", _iso(end_ms), "--prefix", region, "--species", str(species_id),
               "--spawn-share", str(EVENT_SPAWN_SHARE), "--xp", "2"]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        player.out(f"operator CLI: exit {done.returncode}: {done.stderr.strip()}")
        return None
    created = json.loads(done.stdout)
    return created.get("event", created)["id"]


def _region_events(player: Walker, region: str) -> list:
    return player.get(f"/v1/game-data?region={region}")["events"]


def live_event_step(player: Walker, lat: float, lng: float, data: dict) -> bool:
    """An operator creates a live event for this region (the CLI, IAM-signed) starting a
    few game minutes on: the game data lists it ahead; once it starts, spawns appearing
    from then on are re-drawn among its species, so the map shows one it didn't before."""
    seen = player.look(lat, lng)
    region = seen["geohash"][:BOARD_REGION_PRECISION]
    chosen = _event_species(data, seen["nearby"])
    now_ms = player.game_ms()
    start_ms = now_ms + EVENT_LEAD_S * 1000
    event_id = create_event(player, region, chosen["id"], start_ms, start_ms + HOUR_MS)
    if event_id is None:
        return False
    player.out(f"operator: event {event_id} in {region}: {chosen['name']} spawns, x2 XP, "
               f"from game time {_iso(start_ms)}")
    # A new event reaches every server's events cache within that cache's time.
    player.wait_game(EVENTS_CACHE_TTL_MS / 1000 + 1)
    listed = [e for e in _region_events(player, region) if e["id"] == event_id]
    player.out(f"game data for {region}: {len(listed)} upcoming event(s) listed before the start")
    player.wait_game(max(0, (start_ms - player.game_ms()) / 1000) + 1)
    deadline = start_ms + EVENT_WATCH_MIN * 60_000
    event_spawns = 0
    while player.game_ms() < deadline and not event_spawns:
        seen = player.look(lat, lng, every_s=REPORT_EVERY_S)
        event_spawns = sum(s["species"] == chosen["id"] for s in seen["nearby"])
    minutes = (player.game_ms() - start_ms) / 60_000
    share = chosen["spawn_weight"] / sum(s["spawn_weight"] for s in data["species"])
    player.out(f"live event: {event_spawns} {chosen['name']} nearby {minutes:.0f} game minutes "
               f"after the start (none before; {share:.1%} of wild spawns without the event)")
    return len(listed) == 1 and event_spawns > 0


def find_on_boards(player: Walker, region: str) -> bool:
    """Wait for the board stream runner to apply the player's changes; its rank on each
    board (this week's, or the previous one's if the game week turned mid-session)."""
    found = {}
    deadline = time.monotonic() + BOARD_WAIT_S
    while time.monotonic() < deadline and len(found) < 2:
        for metric, week in itertools.product(("caught", "walked"), ("current", "previous")):
            if metric not in found:
                board = player.get(f"/v1/boards/{region}?metric={metric}&week={week}")
                if board["me"] is not None:
                    found[metric] = board
        time.sleep(1)
    for metric in ("caught", "walked"):
        board = found.get(metric)
        if board is None:
            player.out(f"board {region} {metric}: not on it after {BOARD_WAIT_S} s")
            continue
        me = board["me"]
        player.out(f"board {region} {metric}: rank {me['rank']} of {len(board['top'])}, "
                   f"score {me['score']}{' m' if metric == 'walked' else ''}")
    return len(found) == 2


def check_clock(player: Walker, lat: float, lng: float) -> bool:
    """The server's clock runs at the rate this session paces itself by."""
    first = player.look(lat, lng)
    started = time.monotonic()
    time.sleep(1.0)
    second = player.look(lat, lng)
    measured = (second["server_ms"] - first["server_ms"]) / 1000 / (time.monotonic() - started)
    player.out(f"server clock: ~{measured:.0f}x real time (expected {player.rate:g}x)")
    if not 0.5 * player.rate <= measured <= 2 * player.rate:
        player.out("start the server with: python -m devtools.run_local "
                   f"{' '.join(dev_server_args(player.rate))}")
        return False
    return True


def world(url: str, lat: float, lng: float, rate: float = CLOCK_RATE, aws_url: str | None = None,
          out=print) -> bool:
    player = Walker(url, rate, out)
    player.login()
    out(f"logged in as {player.player_id}")
    if not check_clock(player, lat, lng):
        return False
    data = player.get("/v1/game-data")
    species = {s["id"]: s for s in data["species"]}
    creature = catch_buddy(player, lat, lng, data["eggs"]["buddy_km"])
    egg = find_egg(player, lat, lng, aws_url) if creature else None
    if egg is None or not set_out(player, lat, lng, creature, egg):
        return False
    egg_km = walk(player, lat, lng, egg["egg_id"])
    if egg_km <= EGG_KM or not hatch_and_candy(player, egg["egg_id"], species):
        return False
    region = player.look(lat, lng)["geohash"][:BOARD_REGION_PRECISION]
    return (weather_step(player, lat, lng, species)
            and live_event_step(player, lat, lng, data) and find_on_boards(player, region))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--aws-url", default="http://127.0.0.1:4510",
                        help="the dev server's embedded AWS (only for a seeded egg)")
    parser.add_argument("--lat", type=float, default=40.758)
    parser.add_argument("--lng", type=float, default=-73.9855)
    parser.add_argument("--clock-rate", type=float, default=CLOCK_RATE,
                        help="the dev server's --clock-rate")
    parser.add_argument("--print-config", action="store_true",
                        help="print the dev server's arguments for this session and exit")
    args = parser.parse_args(argv)
    if args.print_config:
        print(" ".join(dev_server_args(args.clock_rate)))
        return 0
    return 0 if world(args.url, args.lat, args.lng, args.clock_rate, args.aws_url) else 1


if __name__ == "__main__":
    sys.exit(main())

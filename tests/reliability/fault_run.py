"""A seeded, randomized game session under DynamoDB faults (see test_fault_run.py).

Players play in pairs of rival teams, each pair on its own patch (everything within
400 m of a home point with a stop and two gyms, so no travel cooldown applies): they
start encounters, throw balls (catches), spin stops, transfer, evolve and power up
creatures, and deploy to, battle, feed and spin gyms, take back their defenders, join
raids and throw Premier Balls at the bosses they won (gym_play.py), befriend each other,
send and open gifts and trade with their patch mate (social_play.py), walk round their
home reporting to the map, incubate and hatch the eggs they find, choose, swap and claim
a buddy (egg_play.py), while the fake clock moves on 2-15 s per action. Each player is
one sequential client, so every answer it gets can be checked against its ledger at once
(``balls_left``, ``candy_total``, ``first_visit``), and at the end the ledger must equal
what is stored.

The actions are split into epochs: each is its own session with new players, run in a
process forked from the test (so on its own copy of the in-process moto backend, whose
tables start empty), a few at a time.
"""
import logging
import multiprocessing
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from geocritters import bootstrap
from geocritters.adapters.models import ActionRecord, VisitRecord
from geocritters.game.collection import power_up_cost
from geocritters.game.config import HOUR_MS, MINUTE_MS
from geocritters.game.species import species
from tests.reliability.client import RetryingClient, UnhandledErrors, login
from tests.reliability.egg_play import BUDDY_REFUSALS, EGG_REFUSALS, EggPlay, give_egg
from tests.reliability.gym_play import (
    GYM_REFUSALS,
    LOCKED_REFUSALS,
    MISTAKE,
    WILD_PREMIER_REFUSALS,
    GymPlay,
    advance_to_a_raid,
    equip,
    patch_gyms,
    patch_home,
    team_for,
)
from tests.reliability.ledger import BALLS, BERRY, PREMIER, Ledger, duplicate_units
from tests.reliability.social_play import SOCIAL_REFUSALS, SocialPlay
from tests.support.nearby import HOME

PATCH_RADIUS_M = 400.0  # every action of a player happens within this of its home
HOME_SPACING_DEG = 0.02  # ~2 km between homes
APP_LOGGER = "geocritters.game"

# Refusals a correct game gives this client (everything else is unexpected).
EXPECTED_REFUSALS = {
    "encounter": {(409, "spawn_resolved"), (409, "encounter_over"), (429, "rate_limited")},
    "throw": {(409, "already_caught"), (409, "encounter_over"), (409, "not_enough_items"),
              (429, "rate_limited")} | WILD_PREMIER_REFUSALS,
    "spin": {(409, "stop_cooling_down"), (429, "rate_limited")},
    "transfer": {(429, "rate_limited")} | LOCKED_REFUSALS | BUDDY_REFUSALS,
    "evolve": {(409, "not_enough_candy"), (409, "cannot_evolve"), (429, "rate_limited")}
    | LOCKED_REFUSALS,
    "power_up": {(409, "not_enough_candy"), (409, "not_enough_stardust"), (403, "level_cap"),
                 (429, "rate_limited")} | LOCKED_REFUSALS,
    **GYM_REFUSALS,
    **SOCIAL_REFUSALS,
    **EGG_REFUSALS,
}


@dataclass
class Sim:
    """One player as its client sees it."""
    index: int
    player_id: str
    token: str
    home: tuple
    stops: list
    ledger: Ledger
    encounters: dict = field(default_factory=dict)  # id -> {"expires_ms", "spawn_id"}
    resolved: set = field(default_factory=set)  # spawn ids caught or fled
    cooldowns: dict = field(default_factory=dict)  # stop id -> until ms (from answers)
    sent: int = 0
    team: str | None = None
    gyms: list = field(default_factory=list)  # the gyms of the patch
    gym_cooldowns: dict = field(default_factory=dict)  # gym id -> until ms (from answers)
    raid_gyms: dict = field(default_factory=dict)  # raid id joined -> its gym
    raid_countdowns: dict = field(default_factory=dict)  # raid id joined -> lobby countdown end
    bosses: dict = field(default_factory=dict)  # boss encounter id -> {"expires_ms", "done"}

    def next_key(self, epoch: int) -> str:
        self.sent += 1
        return f"fault-{epoch}-{self.index}-{self.sent:07d}"


def _error_code(body) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code")
    return None


def stored_creatures(store, player_id: str) -> dict:
    found, after = {}, None
    while True:
        page, after = store.list_creatures(player_id, 50, after)
        for c in page:
            if c.creature_id in found:
                raise AssertionError(f"creature {c.creature_id} listed twice")
            found[c.creature_id] = (c.species_id, float(c.level), c.cp)
        if after is None:
            return found


def homes(count: int) -> list[tuple]:
    """One home per pair of players (players 2k and 2k+1 share a patch)."""
    ctx = bootstrap.game_context()
    return [patch_home(ctx, pair, HOME, HOME_SPACING_DEG, PATCH_RADIUS_M)
            for pair in range(-(-count // 2))]


def new_players(api, count: int, prefix: str) -> list[Sim]:
    """Log in ``count`` fresh players, each given a team (level 5), raid passes, a few
    creatures and a 2 km egg through the store (call with faults off)."""
    ctx = None
    sims = []
    places = homes(count)
    for index in range(count):
        player_id, token = login(api, f"{prefix}-{index:03d}")
        ctx = ctx or bootstrap.game_context()
        home = places[index // 2]
        stops = [f for f in ctx.world.forts_near(*home, PATCH_RADIUS_M) if f.kind == "stop"]
        assert stops, f"no stop within {PATCH_RADIUS_M} m of {home}"
        team = team_for(index)
        equip(ctx, player_id, team)
        give_egg(ctx, player_id)
        ledger = Ledger.from_state(ctx.store.get_player(player_id))
        ledger.creatures = stored_creatures(ctx.store, player_id)
        sims.append(Sim(index, player_id, token, home, stops, ledger, team=team,
                        gyms=patch_gyms(ctx, home, PATCH_RADIUS_M)))
    return sims


class Session(GymPlay, SocialPlay, EggPlay):
    def __init__(self, number: int, api, clock, injector, sims: list[Sim], seed: int):
        self.number = number
        self.api = api
        self.clock = clock
        self.injector = injector
        self.sims = sims
        self.rng = random.Random(seed)
        self.unhandled = UnhandledErrors()
        self.client = RetryingClient(api, clock, self.unhandled)
        self.actions = Counter()  # kind -> actions run
        self.outcomes = Counter()  # (kind, status, code) -> n
        self.unexpected: list[dict] = []
        self.contradictions: list[dict] = []
        self.skipped = Counter()
        self.sent: dict = {}  # (token, key) -> (method, path, body) of every keyed request
        self.init_gym_play(bootstrap.game_context())
        self.init_social_play(bootstrap.game_context())
        self.init_egg_play(bootstrap.game_context())

    def send(self, method, path, body=None, token=None, key=None):
        if key is not None:
            self.sent[(token, key)] = (method, path, body)
        if path.startswith("/v1/map"):
            self.note_map(token)
        return self.client.send(method, path, body, token=token, key=key)

    # --- one action ------------------------------------------------------------------

    def step(self) -> None:
        self.clock.advance(self.rng.randint(2_000, 15_000))
        sim = self.rng.choice(self.sims)
        now = self.clock.now_ms()
        open_encounters = [e for e, info in sim.encounters.items() if info["expires_ms"] > now]
        if self.walk_due(sim, now):  # the map's refresh comes first: walking counts on it
            self._walk(sim)
            return
        owned = bool(sim.ledger.free_creatures())
        weights = {
            "throw": 40 if open_encounters else 0,
            "encounter": 15 if open_encounters else 40,
            "spin": 25 if sim.ledger.eggs else 40,  # eggs come from stops
            "transfer": 6 if owned else 0,
            "evolve": 6 if owned else 0,
            "power_up": 8 if owned else 0,
            **self.gym_weights(sim, now),
            **self.social_weights(sim, now),
            **self.egg_weights(sim, now),
        }
        kinds = [k for k, w in weights.items() if w]
        kind = self.rng.choices(kinds, [weights[k] for k in kinds])[0]
        getattr(self, f"_{kind}")(sim, open_encounters)

    def _record(self, kind: str, status, body, sim: Sim, target=None, request=None) -> str | None:
        code = None if status in (200, 201) else _error_code(body)
        self.actions[kind] += 1
        self.outcomes[(kind, status, code)] += 1
        if status in (200, 201) or status is None:
            return code
        if (status, code) not in EXPECTED_REFUSALS[kind]:
            self.unexpected.append({"action": kind, "status": status, "body": body, "target": target})
        why = sim.ledger.refusal_contradicts(kind, target, request, code)
        if why:
            self.contradictions.append({"action": kind, "status": status, "code": code, "why": why})
        return code

    def _encounter(self, sim: Sim, _open):
        now = self.clock.now_ms()
        ctx = bootstrap.game_context()
        candidates = [s for s in ctx.world.spawns_near(*sim.home, PATCH_RADIUS_M, now)
                      if s.id not in sim.resolved
                      and all(info["spawn_id"] != s.id for info in sim.encounters.values())]
        if not candidates:
            self.skipped["encounter: no fresh spawn"] += 1
            return
        spawn = self.rng.choice(candidates)
        status, body, _ = self.send("POST", "/v1/encounters",
                                           {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng},
                                           token=sim.token)
        code = self._record("encounter", status, body, sim)
        if status == 201 and body["status"] == "active":
            sim.encounters[body["encounter_id"]] = {"expires_ms": body["expires_ms"],
                                                    "spawn_id": spawn.id}
        elif code == "spawn_resolved":
            sim.resolved.add(spawn.id)

    def _throw(self, sim: Sim, open_encounters):
        encounter_id = self.rng.choice(open_encounters)
        held = [b for b in BALLS if sim.ledger.items[b] > 0]
        if held and self.rng.random() > 0.03:
            ball = self.rng.choice(held)
        else:  # sometimes a ball the player doesn't have: must be refused, cost nothing
            ball = self.rng.choice([b for b in BALLS if sim.ledger.items[b] <= 0] or list(BALLS))
        if self.rng.random() < MISTAKE / 4:  # a raid boss's ball at a wild creature: refused
            ball = PREMIER
        request = {"ball": ball}
        if sim.ledger.items[BERRY] > 0 and self.rng.random() < 0.2:
            request["berry"] = BERRY
        if self.rng.random() < 0.5:
            request["throw"] = self.rng.choice(["normal", "nice", "great", "excellent"])
        if self.rng.random() < 0.3:
            request["curveball"] = True
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/encounters/{encounter_id}/throws", request,
                                           token=sim.token, key=key)
        code = self._record("throw", status, body, sim, target=encounter_id, request=request)
        if code == "premier_ball_raid_only" and ball != PREMIER:
            self.contradictions.append({"action": "throw", "why": "premier_ball_raid_only for a "
                                        "bag ball", "request": request})
        if status == 200:
            if ball == PREMIER:
                sim.ledger._disagree("a Premier Ball thrown at a wild creature", key=key)
            if sim.ledger.items[ball] < 1 or (request.get("berry") and sim.ledger.items[BERRY] < 1):
                self.contradictions.append({"action": "throw", "why": "a spend the ledger can't cover",
                                            "request": request})
            sim.ledger.throw(request, body, key)
            if body["outcome"] in ("caught", "fled"):
                sim.resolved.add(sim.encounters.pop(encounter_id)["spawn_id"])
        elif code in ("already_caught", "encounter_over"):
            sim.encounters.pop(encounter_id, None)

    def _spin(self, sim: Sim, _open):
        now = self.clock.now_ms()
        ready = [s for s in sim.stops if sim.cooldowns.get(s.id, 0) <= now]
        stop = self.rng.choice(ready if ready and self.rng.random() > 0.05 else sim.stops)
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/stops/{stop.id}/spin",
                                           {"lat": stop.lat, "lng": stop.lng}, token=sim.token, key=key)
        code = self._record("spin", status, body, sim, target=stop.id)
        if status == 200:
            sim.ledger.spin(stop.id, body, key)
            sim.cooldowns[stop.id] = body["cooldown_until_ms"]
        elif code == "stop_cooling_down" and sim.cooldowns.get(stop.id, 0) <= self.clock.now_ms():
            self.contradictions.append({"action": "spin", "why": "cooling down, but the client's "
                                        "last spin of this stop has cooled down", "stop": stop.id})

    def _pick_creature(self, sim: Sim, kind: str) -> str:
        if sim.ledger.defending and self.rng.random() < MISTAKE:  # a defender: must be refused
            return self.rng.choice(sorted(sim.ledger.defending))
        if kind == "transfer" and sim.ledger.buddy and self.rng.random() < MISTAKE:  # refused too
            return sim.ledger.buddy_id
        ids = sim.ledger.free_creatures()
        if kind == "transfer":  # the buddy walks with its trainer: never sent away
            ids = [c for c in ids if c != sim.ledger.buddy_id] or ids
        if kind == "evolve":
            able = [c for c in ids if species(sim.ledger.creatures[c][0]).evolve_candy is not None
                    and sim.ledger.candy[species(sim.ledger.creatures[c][0]).family]
                    >= species(sim.ledger.creatures[c][0]).evolve_candy]
            if able and self.rng.random() < 0.8:
                return self.rng.choice(able)
        if kind == "power_up":
            able = [c for c in ids if sim.ledger.stardust >= power_up_cost(sim.ledger.creatures[c][1])[0]]
            if able and self.rng.random() < 0.8:
                return self.rng.choice(able)
        return self.rng.choice(ids)

    def _collection(self, sim: Sim, kind: str):
        creature_id = self._pick_creature(sim, kind)
        route = {"transfer": "transfer", "evolve": "evolve", "power_up": "power-up"}[kind]
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/me/creatures/{creature_id}/{route}",
                                           token=sim.token, key=key)
        self._record(kind, status, body, sim, target=creature_id)
        if status == 200:
            if creature_id in sim.ledger.defending:
                sim.ledger._disagree(f"{kind} of a defending creature", creature=creature_id)
            getattr(sim.ledger, kind)(creature_id, body, key)

    def _transfer(self, sim, _open):
        self._collection(sim, "transfer")

    def _evolve(self, sim, _open):
        self._collection(sim, "evolve")

    def _power_up(self, sim, _open):
        self._collection(sim, "power_up")

    # --- checks ------------------------------------------------------------------------

    def verify(self) -> dict:
        """Ledger against stored state, with faults off. Returns what differs."""
        store = bootstrap.game_context().store
        report = {"diffs": {}, "duplicate_units": 0, "visit_diffs": {}, "action_record_diffs": {},
                  "negative": {}, "creature_owners": Counter()}
        for sim in self.sims:
            state = store.get_player(sim.player_id)
            creatures = stored_creatures(store, sim.player_id)
            for creature_id in creatures:
                report["creature_owners"][creature_id] += 1
            diffs = sim.ledger.differences(state, creatures)
            if diffs:
                report["diffs"][sim.player_id] = diffs
                report["duplicate_units"] += duplicate_units(diffs)
            negative = dict(sim.ledger.negative())
            negative.update({f"state.items.{k}": v for k, v in state.items.items() if v < 0})
            negative.update({f"state.candy.{k}": v for k, v in state.candy.items() if v < 0})
            if state.stardust < 0:
                negative["state.stardust"] = state.stardust
            if negative:
                report["negative"][sim.player_id] = negative
            visits = {v.stop_id: int(v.spins) for v in VisitRecord.query(sim.player_id)}
            if visits != dict(+sim.ledger.spins):
                report["visit_diffs"][sim.player_id] = {
                    stop: (visits.get(stop, 0), sim.ledger.spins.get(stop, 0))
                    for stop in set(visits) | set(sim.ledger.spins)
                    if visits.get(stop, 0) != sim.ledger.spins.get(stop, 0)}
            records = {r.idempotency_key for r in ActionRecord.query(sim.player_id)}
            if records != sim.ledger.keyed_200s:
                report["action_record_diffs"][sim.player_id] = {
                    "stored_not_told": sorted(records - sim.ledger.keyed_200s)[:10],
                    "told_not_stored": sorted(sim.ledger.keyed_200s - records)[:10]}
        report["creature_owners"] = {k: v for k, v in report["creature_owners"].items() if v > 1}
        report["gym_problems"] = self.verify_gyms(store)
        report["social"] = self.verify_social(store)
        report["eggs"] = self.verify_eggs(store)
        return report

    def replay(self, sample: int) -> int:
        """Resend ``sample`` answered requests (same key, same body) 11 minutes later."""
        self.clock.advance(11 * MINUTE_MS)
        answered = sorted(self.client.first_answers)
        chosen = self.rng.sample(answered, min(sample, len(answered)))
        for token, key in chosen:
            method, path, body = self.sent[(token, key)]
            self.send(method, path, body, token=token, key=key)
        return len(chosen)


def run_session(number: int, api, clock, injector, sims: list[Sim], actions: int, seed: int,
              replays: int) -> dict:
    started, cpu_started = time.perf_counter(), time.process_time()
    session = Session(number, api, clock, injector, sims, seed)
    app_logger = logging.getLogger(APP_LOGGER)
    app_logger.addHandler(session.unhandled)
    injector.reseed(seed)
    injector.enabled = True
    try:
        for _ in range(actions):
            session.step()
        injector.enabled = False
        after_run = session.verify()
        injector.enabled = True
        replayed = session.replay(replays)
        injector.enabled = False
        after_replays = session.verify()
    finally:
        injector.enabled = False
        app_logger.removeHandler(session.unhandled)
    disagreements = [d for sim in sims for d in sim.ledger.disagreements]
    return {
        "epoch": number,
        "players": len(sims),
        "actions": dict(session.actions),
        "outcomes": {f"{k} {s} {c or ''}".strip(): n for (k, s, c), n in sorted(
            session.outcomes.items(), key=lambda item: str(item[0]))},
        "skipped": dict(session.skipped),
        "client": dict(session.client.stats),
        "failures": session.client.failures,
        "replay_mismatches": session.client.replay_mismatches,
        "replayed": replayed,
        "unexpected": session.unexpected,
        "contradictions": session.contradictions,
        "disagreements": disagreements,
        "after_run": after_run,
        "after_replays": after_replays,
        "injected": {f"{kind} {op}": n for (kind, op), n in sorted(injector.injected.items())},
        "injected_by_kind": dict(injector.by_kind()),
        "attempts": dict(injector.attempts),
        "lost_statuses": {str(k): v for k, v in injector.lost_statuses.items()},
        "backoff_s": injector.backoff_s,
        "wall_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu_started,
    }


# --- running epochs, each in a fork of the pristine backend ----------------------------

_FORK_STATE: dict = {}


def _epoch_in_child(epoch: int) -> dict:
    s = _FORK_STATE
    api, clock, injector = s["api"], s["clock"], s["injector"]
    clock.advance(epoch * 7 * HOUR_MS + epoch * 13 * MINUTE_MS)  # other spawns each epoch
    advance_to_a_raid(bootstrap.game_context(), clock, homes(s["players"]), PATCH_RADIUS_M,
                      random.Random(s["seed"] * 1000 + epoch))
    sims = new_players(api, s["players"], f"fault-{s['seed']}-{epoch}")
    return run_session(epoch, api, clock, injector, sims, s["actions"][epoch],
                     s["seed"] * 1000 + epoch, s["replays"][epoch])


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def run(api, clock, injector, players: int, actions: int, workers: int, seed: int,
        replays: int, epoch_actions: int) -> list[dict]:
    """``actions`` split into epochs of about ``epoch_actions``, each a separate session
    of ``players`` new players on a fresh copy of the backend (a forked process, so the
    tables start empty: moto copies every table a transaction touches, so its cost grows
    with the tables), ``workers`` at a time."""
    epochs = max(1, -(-actions // max(1, epoch_actions)))
    injector.enabled = False
    new_players(api, 1, f"warm-up-{seed}")  # game context, connections: built once, inherited
    app_logger = logging.getLogger(APP_LOGGER)
    level = app_logger.level
    app_logger.setLevel(logging.WARNING)  # one JSON line per request is noise at this volume
    _FORK_STATE.update(api=api, clock=clock, injector=injector, players=players, seed=seed,
                       actions=_split(actions, epochs), replays=_split(replays, epochs))
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(max(1, workers), maxtasksperchild=1) as pool:
            return pool.map(_epoch_in_child, range(epochs), chunksize=1)
    finally:
        _FORK_STATE.clear()
        app_logger.setLevel(level)

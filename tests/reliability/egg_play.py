"""Walking, eggs and the buddy in the fault run (fault_run.py): the actions, the checks.

Every player walks round a circle about its home (``WALK_RADIUS_M``, inside the patch,
so no travel cooldown applies), at ``WALK_SPEED_KMH``, under the speed the game counts,
from the session's start; patch mates share a home and so walk side by side (their
trades stay within reach). A player reports its position with the map every
``REPORT_EVERY_MS`` or so (the trail keeps one sample a minute and a leg counts only up
to ``walk_max_gap_ms``: fewer reports would lose distance, more would cost actions). It
incubates the eggs its spins and gifts answered with, reads its eggs page, hatches the
eggs the page says have walked their distance (and sometimes one too early: refused),
chooses a buddy, swaps it and claims its candy.

The ledger (ledger.py) keeps the eggs, the incubators and their uses, the buddy and its
credited candy, and what hatches and buddy candy paid. What the session checks besides:
a distance the server tells never exceeds what the player walked, never moves back by
more than one leg (the current minute's sample is provisional), and a hatch refused as
not ready (or paid) agrees with the last distance told when no report came in between.
"""
import math
import random
import threading
from dataclasses import replace

from geocritters.game.buddy import buddy_km
from geocritters.game.config import DAY_MS, HOUR_MS
from geocritters.game.eggs import INFINITE_INCUBATOR, Egg, egg_pool
from geocritters.game.species import species
from geocritters.game.walking import walked_total
from geocritters.usecases.ports import SavePlayer
from tests.reliability.gym_play import MISTAKE

WALK_SPEED_KMH = 9.5  # under walk_max_speed_kmh (10.5): every leg can count
WALK_RADIUS_M = 300.0  # the circle walked round home (the patch is 400 m)
REPORT_EVERY_MS = 100_000  # a map report is due after this long
M_PER_DEG = 111_320.0
# A leg's straight line is at most the arc walked; the coordinates' 6 decimals (~0.1 m)
# and the haversine on a sphere against this planar circle add a little.
PATH_SLACK = (1.01, 5.0)  # (factor, metres per report)
# The share of its walk a client expects the server to count (legs are chords, a late
# report loses a leg): past it, an egg is worth a look at the eggs page.
EXPECTED_COUNTED = 0.8
SETUP_EGG_KM = 2  # the egg a player brings from earlier play

EGG_REFUSALS = {
    "walk": {(429, "rate_limited")},
    "eggs": set(),
    "incubate": {(409, "egg_incubating"), (409, "incubator_busy"), (404, "incubator_not_found"),
                 (429, "rate_limited")},
    "hatch": {(409, "egg_not_ready"), (409, "egg_not_incubating"), (429, "rate_limited")},
    "buddy": set(),
    "choose_buddy": {(409, "already_buddy"), (403, "buddy_swap_limit"), (429, "rate_limited")},
    "claim_buddy_candy": {(409, "no_buddy"), (429, "rate_limited")},
}
# Refusals of the older kinds that the buddy makes legitimate.
BUDDY_REFUSALS = {(409, "creature_is_buddy")}


def give_egg(ctx, player_id: str) -> None:
    """A 2 km egg from earlier play, in the store (call before the ledger is made). An
    epoch lasts about half an hour of the fake clock: a 2 km egg incubated early hatches
    in it, the eggs the session's spins find often don't."""
    state = ctx.store.get_player(player_id)
    rng = random.Random(player_id)
    found_ms = state.created_ms - 1
    egg = Egg(f"eg-{found_ms:013d}-{rng.getrandbits(64):016x}", SETUP_EGG_KM,
              rng.choice(egg_pool(SETUP_EGG_KM, ctx.config)).id, found_ms)
    ctx.store.commit([SavePlayer(replace(state, eggs={**state.eggs, egg.egg_id: egg}))])


def walker_at(home: tuple, start_ms: int, now_ms: int) -> tuple:
    """Where a player of this home is at now_ms: on the circle, from its east point."""
    angle = (now_ms - start_ms) * WALK_SPEED_KMH / 3600 / WALK_RADIUS_M
    lat = home[0] + WALK_RADIUS_M * math.sin(angle) / M_PER_DEG
    lng = home[1] + WALK_RADIUS_M * math.cos(angle) / (M_PER_DEG * math.cos(math.radians(home[0])))
    return round(lat, 6), round(lng, 6)


class MainThreadFaults:
    """Faults only on this thread's DynamoDB attempts while in the block: the map's
    position write and walk fold run on the request's thread; its gym and curated-cell
    reads on background threads would draw from the seeded fault stream in thread order
    (a seed would no longer replay its run)."""

    def __init__(self, injector):
        self.injector = injector

    def __enter__(self):
        self.injector.thread = threading.get_ident()

    def __exit__(self, *_):
        self.injector.thread = None


class EggPlay:
    """The walking, egg and buddy actions of ``fault_run.Session`` (a mixin: it uses the
    session's rng, clock, send, _record, sims, injector and contradictions)."""

    def init_egg_play(self, ctx):
        self.egg_ctx = ctx
        self.walk_start_ms = self.clock.now_ms()
        self.maps: dict = {}  # player id -> map reports sent (any answer: one may be stored)
        self.last_report: dict = {}  # player id -> when its last walk report was sent
        self.reports_sent: dict = {}  # player id -> walk reports answered 200
        self.incubated_ms: dict = {}  # egg id -> when its incubate was answered
        self.walk_problems: list = []
        self.egg_figures: dict = {"hatched": 0, "hatch_candy": 0, "hatch_stardust": 0,
                                  "buddy_candy": 0}

    def where(self, sim, now_ms: int) -> tuple:
        return walker_at(sim.home, self.walk_start_ms, now_ms)

    def path_m(self, now_ms: int) -> float:
        return max(0, now_ms - self.walk_start_ms) * WALK_SPEED_KMH / 3600

    def note_map(self, token: str) -> None:
        sim = next(s for s in self.sims if s.token == token)
        self.maps[sim.player_id] = self.maps.get(sim.player_id, 0) + 1

    def _walk_bound(self, sim, now_ms: int) -> float:
        factor, per_report = PATH_SLACK
        return self.path_m(now_ms) * factor + per_report * self.maps.get(sim.player_id, 0)

    def _told_walked(self, sim, walked_m: float, now_ms: int, what: str) -> None:
        """A walked total the server told: within the walk, and back by one leg at most."""
        leg_m = self.egg_ctx.config.walk_max_gap_ms * self.egg_ctx.config.walk_max_speed_kmh / 3600
        if walked_m > self._walk_bound(sim, now_ms):
            self.walk_problems.append({"what": f"{what}: more walked than the player walked",
                                       "player": sim.player_id, "told_m": walked_m,
                                       "path_m": self.path_m(now_ms)})
        if walked_m < sim.ledger.walked_m - leg_m - 1:
            self.walk_problems.append({"what": f"{what}: the walked total moved back by more "
                                       "than one leg", "player": sim.player_id,
                                       "told_m": walked_m, "before_m": sim.ledger.walked_m})

    # --- what a player can do now (weights) ---

    def _incubating(self, sim) -> list:
        return sorted(e for e, info in sim.ledger.eggs.items() if info["incubator"])

    def _ready(self, sim) -> list:
        return [e for e in self._incubating(sim)
                if sim.ledger.eggs[e]["walked_km"] >= sim.ledger.eggs[e]["km"] + 0.001]

    def _probably_ready(self, sim, now: int) -> list:
        """Incubating eggs the client's own odometer says have walked their distance while
        the last eggs page said they hadn't."""
        found = []
        for egg_id in self._incubating(sim):
            info = sim.ledger.eggs[egg_id]
            since = self.incubated_ms.get(egg_id, now)
            walked_km = (self.path_m(now) - self.path_m(since)) * EXPECTED_COUNTED / 1000
            if walked_km >= info["km"] and info["walked_km"] < info["km"]:
                found.append(egg_id)
        return found

    def _buddy_choices(self, sim) -> list:
        """Creatures a player would make its buddy: not the buddy, none in an open trade."""
        offered = {self.trades[t][side][0] for t in self.open_trades(sim.player_id)
                   for side in ("proposer_creature", "receiver_creature") if self.trades[t][side]}
        return [c for c in sim.ledger.free_creatures() if c != sim.ledger.buddy_id and c not in offered]

    def walk_due(self, sim, now: int) -> bool:
        """A player due a map report makes it before anything else: that step is the
        report (one of the run's actions; a report beside every due action measured
        +40 % CPU for the default run)."""
        return now - self.last_report.get(sim.player_id, -REPORT_EVERY_MS) >= REPORT_EVERY_MS

    def egg_weights(self, sim, now: int) -> dict:
        """One-tap steps a client takes as soon as it can (incubate, hatch, a first buddy)
        weigh as much as a throw."""
        ledger = sim.ledger
        idle = [e for e, info in ledger.eggs.items() if info["incubator"] is None]
        swaps = ledger.buddy_swaps[1] if ledger.buddy_swaps[0] == now // DAY_MS else 0
        return {
            "eggs": 40 if self._probably_ready(sim, now) else (2 if self._incubating(sim) else 0.5),
            "incubate": 40 if idle and ledger.free_incubators() else (0.3 if ledger.eggs else 0),
            "hatch": 40 if self._ready(sim) else (0.5 if self._incubating(sim) else 0),
            "buddy": 0.5,
            "choose_buddy": (30 if ledger.buddy is None else 0.3) if self._buddy_choices(sim)
            and swaps < self.egg_ctx.config.buddy_swaps_per_day else 0,
            "claim_buddy_candy": 3 if ledger.buddy else 0.1,
        }

    # --- walking ---

    def _walk(self, sim):
        now = self.clock.now_ms()
        lat, lng = self.where(sim, now)
        self.last_report[sim.player_id] = now
        with MainThreadFaults(self.injector):
            status, body, _ = self.send("GET", f"/v1/map?lat={lat}&lng={lng}", token=sim.token)
        self._record("walk", status, body, sim)
        if status == 200:
            self.reports_sent[sim.player_id] = self.reports_sent.get(sim.player_id, 0) + 1

    # --- eggs ---

    def _eggs(self, sim, _open):
        status, body, _ = self.send("GET", "/v1/me/eggs", token=sim.token)
        self._record("eggs", status, body, sim)
        if status == 200:
            self._told_walked(sim, body["walked_km"] * 1000, self.clock.now_ms(), "eggs page")
            sim.ledger.eggs_page(body, self.maps.get(sim.player_id, 0))

    def _incubate(self, sim, _open):
        ledger = sim.ledger
        idle = sorted((info["km"], e) for e, info in ledger.eggs.items() if info["incubator"] is None)
        free = ledger.free_incubators()
        if idle and free and self.rng.random() > MISTAKE:
            # The shortest egg first, in the infinite incubator when it is free: a limited
            # one's uses are better spent on the long eggs.
            egg_id = idle[0][1] if self.rng.random() < 0.8 else self.rng.choice(idle)[1]
            incubator = INFINITE_INCUBATOR if INFINITE_INCUBATOR in free else free[0]
        else:  # an egg already incubating, or an incubator in use: must be refused
            egg_id = self.rng.choice(sorted(ledger.eggs))
            busy = [info["incubator"] for info in ledger.eggs.values() if info["incubator"]]
            incubator = self.rng.choice(busy or [INFINITE_INCUBATOR])
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/me/eggs/{egg_id}/incubate",
                                    {"incubator_id": incubator}, token=sim.token, key=key)
        code = self._record("incubate", status, body, sim, target=egg_id)
        if status == 200:
            ledger.incubate(egg_id, incubator, body, key, self.maps.get(sim.player_id, 0))
            self.incubated_ms[egg_id] = self.clock.now_ms()
            return
        egg = ledger.eggs.get(egg_id, {})
        why = {
            "egg_incubating": egg.get("incubator") is None,
            "incubator_busy": incubator in ledger.free_incubators(),
            "incubator_not_found": incubator in ledger.free_incubators(),
            "egg_not_found": egg_id in ledger.eggs,
        }.get(code)
        if why:
            self._contradict("incubate", f"{code}, but the ledger allows it", egg=egg_id,
                             incubator=incubator, ledger=egg)

    def _hatch(self, sim, _open):
        ledger = sim.ledger
        ready, incubating = self._ready(sim), self._incubating(sim)
        if ready and self.rng.random() > 0.1:
            egg_id = self.rng.choice(ready)
        elif incubating and self.rng.random() > MISTAKE:  # maybe too early
            egg_id = self.rng.choice(incubating)
        else:  # an egg not incubating (or none held): must be refused
            egg_id = self.rng.choice(sorted(ledger.eggs) or sorted(ledger.hatched) or incubating)
        egg = dict(ledger.eggs.get(egg_id, {}))
        unmoved = egg.get("maps") == self.maps.get(sim.player_id, 0)  # no report since told
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/me/eggs/{egg_id}/hatch", None, token=sim.token,
                                    key=key)
        code = self._record("hatch", status, body, sim, target=egg_id)
        if status == 200:
            if egg and unmoved and egg["walked_km"] < egg["km"]:
                ledger._disagree("hatched though no report came since it was told short",
                                 egg=egg_id, told=egg, key=key)
            ledger.hatch(egg_id, body, key, self.egg_ctx.config.hatch_rewards)
            self.egg_figures["hatched"] += 1
            self.egg_figures["hatch_candy"] += body["candy"]
            self.egg_figures["hatch_stardust"] += body["stardust"]
            return
        why = {
            "egg_not_ready": bool(egg) and unmoved and egg["walked_km"] >= egg["km"] + 0.001,
            "egg_not_incubating": egg.get("incubator") is not None,
            "egg_not_found": egg_id in ledger.eggs,
        }.get(code)
        if why:
            self._contradict("hatch", f"{code}, but the last eggs page allows it", egg=egg_id,
                             ledger=egg)

    # --- the buddy ---

    def _buddy(self, sim, _open):
        status, body, _ = self.send("GET", "/v1/me/buddy", token=sim.token)
        self._record("buddy", status, body, sim)
        if status == 200:
            sim.ledger.buddy_page(body)

    def _choose_buddy(self, sim, _open):
        now = self.clock.now_ms()
        choices = self._buddy_choices(sim)
        if sim.ledger.buddy and self.rng.random() < MISTAKE:  # the buddy again: refused
            creature_id = sim.ledger.buddy_id
        else:  # mostly one of the species that earn candy soonest
            km = {c: buddy_km(species(sim.ledger.creatures[c][0]), self.egg_ctx.config)
                  for c in choices}
            soonest = [c for c in choices if km[c] == min(km.values())]
            creature_id = self.rng.choice(soonest if self.rng.random() < 0.8 else choices)
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", "/v1/me/buddy", {"creature_id": creature_id},
                                    token=sim.token, key=key)
        code = self._record("choose_buddy", status, body, sim, target=creature_id)
        if status == 200:
            sim.ledger.choose_buddy(creature_id, body, key, self.clock.now_ms() // DAY_MS)
            self.egg_figures["buddy_candy"] += body["candy_paid"]
            return
        swaps = sim.ledger.buddy_swaps[1] if sim.ledger.buddy_swaps[0] == now // DAY_MS else 0
        why = {
            "already_buddy": creature_id != sim.ledger.buddy_id,
            "buddy_swap_limit": swaps < self.egg_ctx.config.buddy_swaps_per_day
            and (now + HOUR_MS) // DAY_MS == now // DAY_MS,
        }.get(code)
        if why:
            self._contradict("choose_buddy", f"{code}, but the ledger allows it",
                             creature=creature_id, buddy=sim.ledger.buddy, swaps=swaps)

    def _claim_buddy_candy(self, sim, _open):
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", "/v1/me/buddy/candy", None, token=sim.token, key=key)
        code = self._record("claim_buddy_candy", status, body, sim)
        if status == 200:
            sim.ledger.claim_buddy_candy(body, key)
            self.egg_figures["buddy_candy"] += body["candy_paid"]
        elif code == "no_buddy" and sim.ledger.buddy is not None:
            self._contradict("claim_buddy_candy", "no_buddy, but the ledger has one",
                             buddy=sim.ledger.buddy)

    # --- checks ---

    def verify_eggs(self, store) -> dict:
        """What the stored walks contradict (faults off); eggs, incubators, the buddy and
        candy are in the ledger's own comparison."""
        now = self.clock.now_ms()
        stored_m = 0.0
        for sim in self.sims:
            state = store.get_player(sim.player_id)
            walked = walked_total(state.walk, state.trail, self.egg_ctx.config)
            self._told_walked(sim, walked, now, "stored walk")
            stored_m += walked
            if sim.ledger.hatched & set(state.eggs):
                self.walk_problems.append({"what": "an egg hatched and still held",
                                           "player": sim.player_id,
                                           "eggs": sorted(sim.ledger.hatched & set(state.eggs))})
        problems, self.walk_problems = self.walk_problems, []
        return {"problems": problems,
                "figures": {**self.egg_figures, "walked_stored_m": round(stored_m),
                            "walked_path_m": round(self.path_m(now) * len(self.sims)),
                            "walk_reports": sum(self.reports_sent.values())}}

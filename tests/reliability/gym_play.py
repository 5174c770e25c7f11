"""Gyms and raids in the fault run (fault_run.py): setup, the actions, the checks.

Players come in pairs of rival teams sharing one patch (a home with at least one stop
and two gyms within ``PATCH_RADIUS_M``): they deploy defenders, battle each other's
gyms, feed berries to their own team's defenders, spin gyms, take back defenders that
left, join the raids of their patch's gyms and throw the boss's Premier Balls.

Each epoch starts a few minutes before a raid hatches at one of its patches' gyms. A
session keeps a model of every gym it touched (from the last deploy or battle answer:
sequential clients see every change) and of every lobby it joined, and at the end the
stored gyms, inboxes, lobbies and boss encounters must equal what the answers imply.
"""
import hashlib
import random
from dataclasses import dataclass, field, replace

from geocritters.adapters.models import EncounterRecord
from geocritters.game import geo
from geocritters.game.entities import Creature
from geocritters.game.lobbies import fight_ms
from geocritters.game.raids import raid_at, raid_in_window
from geocritters.game.species import roster, species
from geocritters.game.stats import IVs, combat_power
from geocritters.usecases.ports import AddCreature, SavePlayer
from tests.reliability.ledger import BERRY, PREMIER

TEAMS = ("blue", "red", "yellow")
TEAM_LEVEL_XP = 10_000  # level 5: teams are open
SETUP_ITEMS = {"raid_pass": 2, "remote_raid_pass": 1}
SETUP_CREATURES = 6
MIN_GYMS = 2  # per patch: one may host a raid (no battles or berries there meanwhile)
JOIN_MARGIN_MS = 60_000  # retries move the clock on: join only with this much to spare
MISTAKE = 0.04  # how often a client knowingly sends what must be refused

GYM_REFUSALS = {
    "deploy": {(409, "gym_full"), (409, "rival_gym"), (409, "already_defending_gym"),
               (409, "species_already_defending"), (409, "gym_deploy_blocked"),
               (409, "creature_defending"), (409, "too_many_gyms"), (429, "rate_limited")},
    "battle": {(409, "gym_empty"), (409, "own_team_gym"), (409, "raid_in_progress"),
               (409, "creature_defending"), (429, "rate_limited")},
    "feed": {(409, "motivation_full"), (409, "berry_limit"), (409, "not_enough_items"),
             (404, "defender_not_found"), (409, "rival_gym"), (409, "raid_in_progress"),
             (429, "rate_limited")},
    "gym_spin": {(409, "gym_cooling_down"), (429, "rate_limited")},
    "claim_defenders": {(429, "rate_limited")},
    "defenders": set(),
    "join_raid": {(409, "raid_over"), (409, "already_in_raid"), (409, "no_raid_pass"),
                  (409, "remote_raid_limit"), (409, "creature_defending"), (429, "rate_limited")},
    "claim_raid": {(404, "not_in_raid"), (409, "raid_not_finished"), (409, "raid_reward_claimed"),
                   (429, "rate_limited")},
    "raid_throw": {(409, "encounter_over"), (409, "already_caught"), (409, "premier_ball_only"),
                   (409, "not_enough_items"), (429, "rate_limited")},
}
# Refusals of the older kinds that the gyms make legitimate.
LOCKED_REFUSALS = {(409, "creature_defending")}
WILD_PREMIER_REFUSALS = {(409, "premier_ball_raid_only")}


# --- setup ----------------------------------------------------------------------------

def team_for(index: int) -> str:
    """Pair members (2k, 2k+1) are of rival teams."""
    return TEAMS[(index // 2 + index % 2) % len(TEAMS)]


def patch_home(ctx, pair: int, origin: tuple, spacing_deg: float, radius_m: float) -> tuple:
    """The pair's home: from its grid point, the first spot walking north with a stop and
    ``MIN_GYMS`` gyms within ``radius_m``."""
    lat, lng = origin[0] + spacing_deg * (pair // 4), origin[1] + spacing_deg * (pair % 4)
    for step in range(60):
        here = (lat + 0.002 * step, lng)
        forts = ctx.world.forts_near(*here, radius_m)
        if any(f.kind == "stop" for f in forts) and sum(f.kind == "gym" for f in forts) >= MIN_GYMS:
            return here
    raise AssertionError(f"no spot with a stop and {MIN_GYMS} gyms north of {(lat, lng)}")


def patch_gyms(ctx, home: tuple, radius_m: float) -> list:
    return [f for f in ctx.world.forts_near(*home, radius_m) if f.kind == "gym"]


def advance_to_a_raid(ctx, clock, homes, radius_m: float, rng: random.Random) -> None:
    """Move the clock to 1-6 minutes before the next raid hatches at one of the patches'
    gyms (within a day; a tier 1 raid if there is one: a lobby of two can win it), so
    every epoch has a raid to join."""
    now = clock.now_ms()
    window_ms = ctx.config.raid_window_ms
    gyms = [g for home in homes for g in patch_gyms(ctx, home, radius_m)]
    hatches = []
    for window in range(now // window_ms, (now + 86_400_000) // window_ms + 1):
        for gym in gyms:
            raid = raid_in_window(ctx.keys.spawns, gym, window, ctx.config)
            if raid is not None and raid.hatch_ms - 6 * 60_000 > now:
                hatches.append((raid.tier != 1, raid.hatch_ms))
    if hatches:
        clock.advance(min(hatches)[1] - rng.randint(60_000, 6 * 60_000) - now)


def equip(ctx, player_id: str, team: str) -> None:
    """A team (level 5), raid passes and a few creatures of level 20-35, in the store."""
    state = ctx.store.get_player(player_id)
    items = dict(state.items)
    for name, count in SETUP_ITEMS.items():
        items[name] = items.get(name, 0) + count
    changes = [SavePlayer(replace(state, team=team, xp=TEAM_LEVEL_XP, items=items))]
    rng = random.Random(player_id)
    tag = hashlib.sha256(player_id.encode()).hexdigest()[:10]
    kinds = sorted(roster())
    for n in range(SETUP_CREATURES):
        kind = species(rng.choice(kinds))
        level = float(rng.randint(20, 35))
        ivs = IVs(rng.randint(0, 15), rng.randint(0, 15), rng.randint(0, 15))
        caught_ms = state.created_ms - 60_000 + n
        changes.append(AddCreature(Creature(
            player_id=player_id, creature_id=f"cr-{caught_ms:013d}-{tag}", species_id=kind.id,
            level=level, cp=combat_power(kind, level, ivs), ivs=ivs, caught_ms=caught_ms,
            encounter_id=f"en-setup-{tag}-{n}")))
    ctx.store.commit(changes)


# --- the session's model of gyms -------------------------------------------------------

@dataclass
class GymView:
    """A gym as the last answer that showed it (deploy, battle) left it."""
    team: str | None = None
    defenders: list = field(default_factory=list)  # [(creature id, species)] in order
    revision: int = 0
    blocked_team: str | None = None
    blocked_until_ms: int = 0

    @classmethod
    def from_answer(cls, gym: dict) -> "GymView":
        return cls(gym["team"], [(d["creature_id"], d["species"]) for d in gym["defenders"]],
                   gym["revision"], gym["deploy_blocked_team"], gym["deploy_blocked_until_ms"])

    @property
    def ids(self) -> list:
        return [c for c, _ in self.defenders]


def _raid_now(ctx, gym, now_ms: int):
    raid = raid_at(ctx.keys.spawns, gym, now_ms, ctx.config)
    return raid if raid is not None and raid.phase(now_ms) == "battle" else None


class GymPlay:
    """The gym and raid actions of ``fault_run.Session`` (a mixin: it uses the session's
    rng, clock, send, _record, sims and contradictions)."""

    def init_gym_play(self, ctx):
        self.ctx = ctx
        self.gyms: dict = {}  # gym id -> GymView
        self.lobbies: dict = {}  # (raid id, lobby) -> [player ids joined, in order]
        self.lobby_results: dict = {}  # (raid id, lobby) -> (won, boss_hp) first told

    def _contradict(self, kind: str, why: str, **details) -> None:
        self.contradictions.append({"action": kind, "why": why, **details})

    def view(self, gym_id: str) -> GymView:
        return self.gyms.setdefault(gym_id, GymView())

    def owner_of(self, creature_id: str):
        return next((s for s in self.sims if creature_id in s.ledger.creatures), None)

    def _team(self, sim, locked_ok: bool, most: int = 6) -> list:
        free = sim.ledger.free_creatures()
        team = self.rng.sample(free, min(len(free), self.rng.randint(1, most)))
        locked = sorted(sim.ledger.defending)
        if locked_ok and locked and self.rng.random() < MISTAKE:
            team = [self.rng.choice(locked), *team[:5]]
        return team

    # --- what a player can do now (weights) ---

    def _rival_targets(self, sim, now: int) -> list:
        return [g for g in sim.gyms if self.view(g.id).defenders and self.view(g.id).team != sim.team
                and _raid_now(self.ctx, g, now) is None]

    def _own_targets(self, sim, now: int) -> list:
        return [g for g in sim.gyms if self.view(g.id).defenders and self.view(g.id).team == sim.team
                and _raid_now(self.ctx, g, now) is None]

    def _joinable(self, sim, now: int) -> list:
        found = []
        for gym in sim.gyms:
            raid = _raid_now(self.ctx, gym, now)
            if raid is None or raid.raid_id in sim.ledger.raids:
                continue
            if now + self.ctx.config.raid_lobby_countdown_ms + fight_ms(raid, self.ctx.config) \
                    + JOIN_MARGIN_MS < raid.end_ms:
                found.append((raid, gym))
        return found

    def _claimable(self, sim, now: int) -> list:
        return [r for r, (_, claimed) in sim.ledger.raids.items()
                if not claimed and sim.raid_countdowns.get(r, now + 1) <= now]

    def _open_bosses(self, sim, now: int) -> list:
        return [e for e, info in sim.bosses.items() if info["expires_ms"] > now and not info["done"]]

    def gym_weights(self, sim, now: int) -> dict:
        free = bool(sim.ledger.free_creatures())
        passes = sim.ledger.items["raid_pass"] > 0 or sim.ledger.items["remote_raid_pass"] > 0
        return {
            "deploy": 5 if free else 0,
            "battle": (8 if self._rival_targets(sim, now) else 1) if free else 0,
            "feed": (4 if self._own_targets(sim, now) else 1) if sim.ledger.items[BERRY] else 0,
            "gym_spin": 5,
            "claim_defenders": 10 if sim.ledger.returns_due else 1,
            "defenders": 2,
            "join_raid": ((30 if passes else 0.5) if free and self._joinable(sim, now) else 0),
            "claim_raid": 15 if self._claimable(sim, now) else (1 if sim.ledger.raids else 0),
            "raid_throw": 40 if self._open_bosses(sim, now) else 0,
        }

    # --- gyms ---

    def _deploy(self, sim, _open):
        now = self.clock.now_ms()
        free = sim.ledger.free_creatures()

        def fits(gym):
            v = self.view(gym.id)
            return ((not v.defenders or v.team == sim.team) and len(v.defenders) < 6
                    and not any(c in sim.ledger.creatures for c in v.ids)
                    and not (v.blocked_team == sim.team and v.blocked_until_ms > now))

        good = [g for g in sim.gyms if fits(g)]
        gym = self.rng.choice(good if good and self.rng.random() > MISTAKE else sim.gyms)
        v = self.view(gym.id)
        here = {s for _, s in v.defenders}
        unique = [c for c in free if sim.ledger.creatures[c][0] not in here]
        creature_id = self.rng.choice(unique if unique and self.rng.random() > MISTAKE else free)
        if sim.ledger.defending and self.rng.random() < MISTAKE:
            creature_id = self.rng.choice(sorted(sim.ledger.defending))
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/gyms/{gym.id}/defenders",
                                    {"creature_id": creature_id, "lat": gym.lat, "lng": gym.lng},
                                    token=sim.token, key=key)
        code = self._record("deploy", status, body, sim, target=creature_id)
        if status == 200:
            if creature_id not in [d["creature_id"] for d in body["gym"]["defenders"]]:
                sim.ledger._disagree("deployed, but not among the gym's defenders", key=key)
            sim.ledger.deploy(creature_id, gym.id, body, key)
            self.gyms[gym.id] = GymView.from_answer(body["gym"])
            return
        species_id = sim.ledger.creatures.get(creature_id, (None,))[0]
        why = {
            "creature_defending": creature_id not in sim.ledger.defending,
            "rival_gym": not v.defenders or v.team == sim.team,
            "gym_full": len(v.defenders) < 6,
            "already_defending_gym": not any(c in sim.ledger.creatures for c in v.ids),
            "species_already_defending": species_id not in here,
            "gym_deploy_blocked": v.blocked_team != sim.team or v.blocked_until_ms <= now,
            "too_many_gyms": len(sim.ledger.defending) < self.ctx.config.max_gyms_held,
        }.get(code)
        if why:
            self._contradict("deploy", f"{code}, but the gym as last answered allows it",
                             gym=gym.id, view=str(v), creature=creature_id)

    def _battle(self, sim, _open):
        now = self.clock.now_ms()
        targets = self._rival_targets(sim, now)
        gym = self.rng.choice(targets if targets and self.rng.random() > MISTAKE else sim.gyms)
        v = self.view(gym.id)
        team = self._team(sim, locked_ok=True)
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/gyms/{gym.id}/battles",
                                    {"creature_ids": team, "lat": gym.lat, "lng": gym.lng},
                                    token=sim.token, key=key)
        code = self._record("battle", status, body, sim, target=gym.id)
        if status == 200:
            sim.ledger.battle(team, body, key)
            if body["xp"] != self.ctx.config.gym_battle_xp_per_defender * len(body["defeated"]):
                sim.ledger._disagree("battle xp", told=body["xp"], defeated=body["defeated"])
            for creature_id in body["left_gym"]:
                owner = self.owner_of(creature_id)
                if owner is None or creature_id not in v.ids:
                    sim.ledger._disagree("a defender left that wasn't there", creature=creature_id)
                else:
                    owner.ledger.defender_left(creature_id, gym.id)
            self.gyms[gym.id] = GymView.from_answer(body["gym"])
            return
        after = self.clock.now_ms()
        raid = _raid_now(self.ctx, gym, now) or _raid_now(self.ctx, gym, after)
        why = {
            "gym_empty": bool(v.defenders),
            "own_team_gym": not v.defenders or v.team != sim.team,
            "creature_defending": not any(c in sim.ledger.defending for c in team),
            "raid_in_progress": raid is None,
        }.get(code)
        if why:
            self._contradict("battle", f"{code}, but the client's view allows it", gym=gym.id,
                             view=str(v), team=team)

    def _feed(self, sim, _open):
        now = self.clock.now_ms()
        targets = self._own_targets(sim, now)
        gym = self.rng.choice(targets if targets else sim.gyms)
        v = self.view(gym.id)  # no defender of the team: must be refused (rival_gym)
        creature_id = self.rng.choice(v.ids or sim.ledger.free_creatures() or ["cr-none"])
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/gyms/{gym.id}/berries",
                                    {"creature_id": creature_id, "lat": gym.lat, "lng": gym.lng},
                                    token=sim.token, key=key)
        code = self._record("feed", status, body, sim, target=gym.id)
        if status == 200:
            sim.ledger.feed(body, key)
            v.revision = body["revision"]
            return
        after = self.clock.now_ms()
        why = {
            "not_enough_items": sim.ledger.items[BERRY] >= 1,
            "defender_not_found": creature_id in v.ids,
            "rival_gym": v.team == sim.team and bool(v.defenders),
            "raid_in_progress": (_raid_now(self.ctx, gym, now) or _raid_now(self.ctx, gym, after)) is None,
        }.get(code)
        if why:
            self._contradict("feed", f"{code}, but the client's view allows it", gym=gym.id,
                             view=str(v))

    def _gym_spin(self, sim, _open):
        now = self.clock.now_ms()
        ready = [g for g in sim.gyms if sim.gym_cooldowns.get(g.id, 0) <= now]
        gym = self.rng.choice(ready if ready and self.rng.random() > 0.05 else sim.gyms)
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/gyms/{gym.id}/spin",
                                    {"lat": gym.lat, "lng": gym.lng}, token=sim.token, key=key)
        code = self._record("gym_spin", status, body, sim, target=gym.id)
        if status == 200:
            sim.ledger.gym_spin(body, key)
            sim.gym_cooldowns[gym.id] = body["cooldown_until_ms"]
        elif code == "gym_cooling_down" and sim.gym_cooldowns.get(gym.id, 0) <= now:
            self._contradict("gym_spin", "cooling down, but the client's last spin of this gym "
                             "has cooled down", gym=gym.id)

    def _claim_defenders(self, sim, _open):
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", "/v1/me/defenders/claim", None, token=sim.token, key=key)
        self._record("claim_defenders", status, body, sim)
        if status == 200:
            sim.ledger.claim_defenders(body, key)

    def _defenders(self, sim, _open):
        status, body, _ = self.send("GET", "/v1/me/defenders", token=sim.token)
        self._record("defenders", status, body, sim)
        if status == 200:
            sim.ledger.defenders_page(body)

    # --- raids ---

    def _join_raid(self, sim, _open):
        now = self.clock.now_ms()
        joinable = self._joinable(sim, now)
        joined = [r for r in sim.ledger.raids if r in sim.raid_gyms]
        if joined and self.rng.random() < MISTAKE:
            raid_id = self.rng.choice(sorted(joined))
            gym = sim.raid_gyms[raid_id]
        else:
            raid, gym = self.rng.choice(joinable)
            raid_id = raid.raid_id
        far = geo.haversine_m(*sim.home, gym.lat, gym.lng) > self.ctx.config.fort_interact_radius_m
        remote = far and sim.ledger.items["remote_raid_pass"] > 0 and self.rng.random() < 0.3
        pass_kind = "remote_raid_pass" if remote else "raid_pass"
        team = self._team(sim, locked_ok=True)
        team = team + [c for c in sim.ledger.free_creatures() if c not in team][:6 - len(team)]
        where = sim.home if remote else (gym.lat, gym.lng)
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/raids/{raid_id}/join",
                                    {"creature_ids": team, "lat": where[0], "lng": where[1]},
                                    token=sim.token, key=key)
        code = self._record("join_raid", status, body, sim, target=raid_id)
        if status == 200:
            if body["remote"] != remote:
                sim.ledger._disagree("remote join", told=body["remote"], sent_remote=remote)
            if any(c in sim.ledger.defending for c in team):
                sim.ledger._disagree("joined with a defending creature", team=team)
            sim.ledger.join_raid(raid_id, body, key)
            sim.raid_gyms[raid_id] = gym
            sim.raid_countdowns[raid_id] = body["countdown_ends_ms"]
            members = self.lobbies.setdefault((raid_id, body["lobby"]), [])
            members.append(sim.player_id)
            if body["members"] != len(members):
                sim.ledger._disagree("lobby members", told=body["members"], joined=len(members),
                                     raid=raid_id, lobby=body["lobby"])
            return
        why = {
            "no_raid_pass": sim.ledger.items[pass_kind] >= 1,
            "already_in_raid": raid_id not in sim.ledger.raids,
            "creature_defending": not any(c in sim.ledger.defending for c in team),
        }.get(code)
        if why:
            self._contradict("join_raid", f"{code}, but the ledger allows it", raid=raid_id,
                             team=team, items=dict(sim.ledger.items))

    def _claim_raid(self, sim, _open):
        now = self.clock.now_ms()
        ready = self._claimable(sim, now)
        if ready and self.rng.random() > MISTAKE:
            raid_id = self.rng.choice(sorted(ready))
        else:  # early, twice, or never joined: must be refused
            raid_id = self.rng.choice(sorted(sim.ledger.raids))
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/raids/{raid_id}/claim", None,
                                    token=sim.token, key=key)
        code = self._record("claim_raid", status, body, sim, target=raid_id)
        if status == 200:
            lobby = sim.ledger.raids.get(raid_id, (None,))[0]
            told = (body["won"], body["boss_hp"])
            first = self.lobby_results.setdefault((raid_id, lobby), told)
            if first != told:
                sim.ledger._disagree("members of one lobby told different results",
                                     raid=raid_id, first=first, told=told)
            sim.ledger.claim_raid(raid_id, body, key)
            if body["encounter"] is not None:
                sim.bosses[body["encounter"]["encounter_id"]] = {
                    "expires_ms": body["encounter"]["expires_ms"], "done": False}
            return
        entry = sim.ledger.raids.get(raid_id)
        why = {
            "not_in_raid": entry is not None,
            "raid_reward_claimed": entry is None or not entry[1],
            "raid_not_finished": sim.raid_countdowns.get(raid_id, now + 1) <= now,
        }.get(code)
        if why:
            self._contradict("claim_raid", f"{code}, but the ledger says otherwise", raid=raid_id,
                             entry=entry)

    def _raid_throw(self, sim, _open):
        encounter_id = self.rng.choice(self._open_bosses(sim, self.clock.now_ms()))
        request = {"ball": PREMIER if self.rng.random() > MISTAKE else "ball"}
        if sim.ledger.items[BERRY] > 0 and self.rng.random() < 0.2:
            request["berry"] = BERRY
        if self.rng.random() < 0.5:
            request["throw"] = self.rng.choice(["normal", "nice", "great", "excellent"])
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/encounters/{encounter_id}/throws", request,
                                    token=sim.token, key=key)
        code = self._record("raid_throw", status, body, sim, target=encounter_id, request=request)
        if status == 200:
            if request["ball"] != PREMIER:
                sim.ledger._disagree("a bag ball thrown at a raid boss", key=key)
            sim.ledger.throw(request, body, key, encounter_id=encounter_id)
            if body["outcome"] in ("caught", "fled"):
                sim.bosses[encounter_id]["done"] = True
        elif code in ("already_caught", "encounter_over"):
            sim.bosses[encounter_id]["done"] = True
        elif code == "premier_ball_only" and request["ball"] == PREMIER:
            self._contradict("raid_throw", "premier_ball_only for a Premier Ball", key=key)

    # --- checks ---

    def verify_gyms(self, store) -> list:
        """What the stored gyms, inboxes, lobbies and boss encounters contradict (faults off)."""
        problems = []
        locks = {}  # creature id -> (owner id, gym id) for every stored creature
        for sim in self.sims:
            after = None
            while True:
                page, after = store.list_creatures(sim.player_id, 50, after)
                for c in page:
                    locks[c.creature_id] = (sim.player_id, c.defending_gym)
                if after is None:
                    break
            mine = {c: g for c, (owner, g) in locks.items() if owner == sim.player_id and g}
            if mine != sim.ledger.defending:
                problems.append({"what": "locked creatures != the ledger's defenders",
                                 "player": sim.player_id, "stored": mine,
                                 "ledger": sim.ledger.defending})
        placed = {}  # creature id -> gym id, from the stored gyms
        gym_ids = sorted({g.id for sim in self.sims for g in sim.gyms})
        for gym_id in gym_ids:
            stored = store.get_gym(gym_id)
            v = self.gyms.get(gym_id, GymView())
            ids = [d.creature_id for d in stored.defenders]
            if (ids, stored.team, stored.revision) != (v.ids, v.team, v.revision):
                problems.append({"what": "stored gym != the answers", "gym": gym_id,
                                 "stored": (ids, stored.team, stored.revision),
                                 "told": (v.ids, v.team, v.revision)})
            for d in stored.defenders:
                placed[d.creature_id] = gym_id
                if locks.get(d.creature_id) != (d.owner_id, gym_id):
                    problems.append({"what": "a defender whose creature isn't locked to its gym "
                                     "(or doesn't exist)", "gym": gym_id, "creature": d.creature_id,
                                     "lock": locks.get(d.creature_id)})
        for sim in self.sims:
            returns = store.pending_returns(sim.player_id)
            for r in returns:
                if locks.get(r.creature_id) != (sim.player_id, r.gym_id) or r.creature_id in placed:
                    problems.append({"what": "a return whose creature isn't locked to its gym, "
                                     "or still defends", "player": sim.player_id,
                                     "creature": r.creature_id, "lock": locks.get(r.creature_id)})
            if {r.creature_id for r in returns} != sim.ledger.returns_due:
                problems.append({"what": "inbox != the returns battles told of",
                                 "player": sim.player_id,
                                 "stored": sorted(r.creature_id for r in returns),
                                 "told": sorted(sim.ledger.returns_due)})
            back = {r.creature_id for r in returns}
            for creature_id, gym_id in sim.ledger.defending.items():
                if placed.get(creature_id) != gym_id and creature_id not in back:
                    problems.append({"what": "a locked creature neither in its gym nor in the "
                                     "inbox", "player": sim.player_id, "creature": creature_id})
            bosses = {}
            for e in EncounterRecord.query(sim.player_id):
                if e.spawn_id.startswith("rd-"):
                    bosses.setdefault(e.spawn_id, []).append(e)
            told = sim.ledger.boss
            for raid_id, found in bosses.items():
                if len(found) > 1:
                    problems.append({"what": "two boss encounters for one raid",
                                     "player": sim.player_id, "raid": raid_id})
                for e in found:
                    mine = told.get(e.encounter_id)
                    if mine is None or int(e.premier_balls) != mine["premier_balls"] \
                            or int(e.throws) != mine["throws"] or e.throws > e.premier_balls:
                        problems.append({"what": "boss encounter != the answers",
                                         "player": sim.player_id, "encounter": e.encounter_id,
                                         "stored": (int(e.premier_balls), int(e.throws)),
                                         "told": mine})
            if sum(len(f) for f in bosses.values()) != len(told):
                problems.append({"what": "boss encounters told but not stored",
                                 "player": sim.player_id, "told": sorted(told)})
        for (raid_id, number), members in sorted(self.lobbies.items()):
            lobby = store.raid_lobby(raid_id, number)
            if lobby is None or lobby.size != len(members) \
                    or sorted(lobby.members) != sorted(members):
                problems.append({"what": "stored lobby != the joins answered", "raid": raid_id,
                                 "lobby": number, "joined": members,
                                 "stored": None if lobby is None else (lobby.size, sorted(lobby.members))})
        for raid_id in sorted({r for r, _ in self.lobbies}):
            stored = sum(lb.size for lb in store.raid_lobbies(raid_id))
            joined = sum(len(m) for (r, _), m in self.lobbies.items() if r == raid_id)
            if stored != joined:
                problems.append({"what": "raid members stored != joins answered", "raid": raid_id,
                                 "stored": stored, "joined": joined})
        return problems

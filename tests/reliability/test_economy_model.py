"""The economy against a model: a hypothesis state machine drives the real API.

Two players catch (start encounters and throw), spin, transfer, evolve and power up,
try each other's creatures, replay earlier requests with the same Idempotency-Key and
let time pass. A pure in-test model (``Ledger``) folds in every answer and predicts
which requests the rules must accept. After every step, what the API shows must equal
the model: items and currencies are start + grants − spends as reported, nothing is
negative, every creature is owned by exactly one player and listed once, and a replay
returns the first answer and changes nothing.

ECONOMY_EXAMPLES (default 10) and ECONOMY_STEPS (default 40) size the search, which is
derandomized (the same sequence every run).
"""
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from geocritters import bootstrap
from geocritters.game.collection import power_up_cost
from geocritters.game.levels import max_creature_level, trainer_level
from geocritters.game.species import species
from tests.reliability.client import login
from tests.reliability.ledger import BALLS, BERRY, Ledger, creature_view
from tests.support.game_state import edit_player, give_creature, player
from tests.support.nearby import HOME

EXAMPLES = int(os.environ.get("ECONOMY_EXAMPLES", "10"))
STEPS = int(os.environ.get("ECONOMY_STEPS", "40"))
RADIUS_M = 300.0

# (species id, level) of the creatures each player starts with: families that evolve,
# a final stage, low and capped levels.
STARTERS = ((1, 10.0), (1, 2.0), (2, 5.0), (3, 3.0), (4, 1.0))


@dataclass
class Trainer:
    player_id: str
    token: str
    home: tuple
    stops: list
    ledger: Ledger
    encounters: dict = field(default_factory=dict)  # id -> expires_ms
    resolved: set = field(default_factory=set)
    cooldowns: dict = field(default_factory=dict)


def _listing(api, token) -> list[dict]:
    found, cursor = [], None
    while True:
        query = "limit=50" + (f"&cursor={cursor}" if cursor else "")
        status, page, _ = api.call("GET", f"/v1/me/creatures?{query}", token=token)
        assert status == 200, page
        found += page["creatures"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


class EconomyMachine(RuleBasedStateMachine):
    api = None
    clock = None
    examples = 0
    answers: ClassVar[Counter] = Counter()  # (route kind, status) -> n, for the report

    def __init__(self):
        super().__init__()
        EconomyMachine.examples += 1
        n = EconomyMachine.examples
        ctx = bootstrap.game_context()
        self.trainers = []
        for who in range(2):
            player_id, token = login(self.api, f"economy-{n}-{who}")
            for k, (species_id, level) in enumerate(STARTERS):
                give_creature(player_id, n * 1000 + who * 100 + k, species_id=species_id, level=level)
            edit_player(player_id, stardust=3000, candy={"Mossling": 30, "Pebblit": 4})
            home = (HOME[0] + 0.01 * who, HOME[1])
            stops = [f for f in ctx.world.forts_near(*home, RADIUS_M) if f.kind == "stop"]
            ledger = Ledger.from_state(player(player_id), _listing(self.api, token))
            self.trainers.append(Trainer(player_id, token, home, stops, ledger))
        self.answered = []  # (trainer index, method, path, body, key, (status, body))
        self.sent = 0

    # --- helpers ------------------------------------------------------------------------

    def _key(self) -> str:
        self.sent += 1
        return f"economy-{EconomyMachine.examples}-{self.sent:05d}"

    def _send(self, who: int, method: str, path: str, body=None, key=None):
        trainer = self.trainers[who]
        headers = {"Idempotency-Key": key} if key else None
        status, answer, _ = self.api.call(method, path, body, token=trainer.token, headers=headers)
        assert status < 500, (method, path, status, answer)
        kind = path.rsplit("/", 1)[-1] if key else path.split("/")[2]
        EconomyMachine.answers[(kind, status)] += 1
        if key is not None and status == 200:
            self.answered.append((who, method, path, body, key, (status, answer)))
        return status, answer

    @staticmethod
    def _code(answer) -> str | None:
        return answer.get("error", {}).get("code") if isinstance(answer, dict) else None

    def _now(self) -> int:
        return self.clock.now_ms()

    # --- rules --------------------------------------------------------------------------

    @rule(who=st.integers(0, 1), pick=st.integers(0, 10_000))
    def start_encounter(self, who, pick):
        trainer = self.trainers[who]
        ctx = bootstrap.game_context()
        spawns = [s for s in ctx.world.spawns_near(*trainer.home, RADIUS_M, self._now())
                  if s.id not in trainer.resolved]
        if not spawns:
            return
        spawn = spawns[pick % len(spawns)]
        status, answer = self._send(who, "POST", "/v1/encounters",
                                    {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng})
        assert status in (201, 409, 429), (status, answer)
        if status == 201 and answer["status"] == "active":
            trainer.encounters[answer["encounter_id"]] = answer["expires_ms"]
        elif self._code(answer) == "spawn_resolved":
            trainer.resolved.add(spawn.id)

    @precondition(lambda self: any(t.encounters for t in self.trainers))
    @rule(data=st.data(), ball=st.sampled_from(("ball", "ball", "ball", *BALLS)), berry=st.booleans(),
          quality=st.sampled_from(["normal", "nice", "great", "excellent"]))
    def throw(self, data, ball, berry, quality):
        who = data.draw(st.sampled_from([i for i, t in enumerate(self.trainers) if t.encounters]))
        trainer = self.trainers[who]
        encounter_id = data.draw(st.sampled_from(sorted(trainer.encounters)))
        request = {"ball": ball, "throw": quality}
        if berry:
            request["berry"] = BERRY
        expires = trainer.encounters[encounter_id]
        has_items = trainer.ledger.items[ball] >= 1 and (not berry or trainer.ledger.items[BERRY] >= 1)
        key = self._key()
        status, answer = self._send(who, "POST", f"/v1/encounters/{encounter_id}/throws", request, key)
        code = self._code(answer)
        if code == "rate_limited":
            return
        if self._now() >= expires:
            assert code == "encounter_over", (status, answer)
        elif not has_items:
            assert (status, code) == (409, "not_enough_items"), (status, answer, dict(trainer.ledger.items))
        else:
            assert status == 200, (status, answer)
        if status == 200:
            trainer.ledger.throw(request, answer, key)
            if answer["outcome"] in ("caught", "fled"):
                del trainer.encounters[encounter_id]
        elif code in ("encounter_over", "already_caught"):
            del trainer.encounters[encounter_id]

    @rule(who=st.integers(0, 1), pick=st.integers(0, 10_000))
    def spin(self, who, pick):
        trainer = self.trainers[who]
        stop = trainer.stops[pick % len(trainer.stops)]
        key = self._key()
        status, answer = self._send(who, "POST", f"/v1/stops/{stop.id}/spin",
                                    {"lat": stop.lat, "lng": stop.lng}, key)
        if self._code(answer) == "rate_limited":
            return
        if trainer.cooldowns.get(stop.id, 0) > self._now():
            assert (status, self._code(answer)) == (409, "stop_cooling_down"), (status, answer)
            return
        assert status == 200, (status, answer)
        trainer.ledger.spin(stop.id, answer, key)
        trainer.cooldowns[stop.id] = answer["cooldown_until_ms"]

    def _expected(self, trainer: Trainer, action: str, creature_id: str):
        """(status, code) the rules require for a collection action on an owned creature."""
        species_id, level, _ = trainer.ledger.creatures[creature_id]
        kind = species(species_id)
        candy = trainer.ledger.candy[kind.family]
        if action == "transfer":
            return 200, None
        if action == "evolve":
            if kind.evolves_to is None:
                return 409, "cannot_evolve"
            return (200, None) if candy >= kind.evolve_candy else (409, "not_enough_candy")
        if level + 0.5 > max_creature_level(trainer_level(trainer.ledger.xp)):
            return 403, "level_cap"
        dust, candy_cost = power_up_cost(level)
        if trainer.ledger.stardust < dust:
            return 409, "not_enough_stardust"
        return (200, None) if candy >= candy_cost else (409, "not_enough_candy")

    @precondition(lambda self: any(t.ledger.creatures for t in self.trainers))
    @rule(data=st.data(), action=st.sampled_from(["transfer", "evolve", "power_up"]))
    def manage_creature(self, data, action):
        who = data.draw(st.sampled_from([i for i, t in enumerate(self.trainers) if t.ledger.creatures]))
        trainer = self.trainers[who]
        creature_id = data.draw(st.sampled_from(sorted(trainer.ledger.creatures)))
        expected = self._expected(trainer, action, creature_id)
        route = action.replace("_", "-")
        key = self._key()
        status, answer = self._send(who, "POST", f"/v1/me/creatures/{creature_id}/{route}", None, key)
        if self._code(answer) == "rate_limited":
            return
        assert (status, self._code(answer)) == expected, (action, status, answer, expected)
        if status == 200:
            getattr(trainer.ledger, action)(creature_id, answer, key)

    @precondition(lambda self: any(t.ledger.creatures for t in self.trainers))
    @rule(data=st.data(), action=st.sampled_from(["transfer", "evolve", "power-up"]))
    def touch_the_other_players_creature(self, data, action):
        owner = data.draw(st.sampled_from([i for i, t in enumerate(self.trainers) if t.ledger.creatures]))
        creature_id = data.draw(st.sampled_from(sorted(self.trainers[owner].ledger.creatures)))
        status, answer = self._send(1 - owner, "POST", f"/v1/me/creatures/{creature_id}/{action}",
                                    None, self._key())
        assert (status, self._code(answer)) == (404, "creature_not_found"), (status, answer)

    @precondition(lambda self: self.answered)
    @rule(data=st.data())
    def replay(self, data):
        who, method, path, body, key, first = data.draw(st.sampled_from(self.answered))
        trainer = self.trainers[who]
        headers = {"Idempotency-Key": key}
        status, answer, _ = self.api.call(method, path, body, token=trainer.token, headers=headers)
        assert (status, answer) == first, (method, path, key)
        EconomyMachine.answers[("replay", status)] += 1

    @rule(ms=st.sampled_from([1_000, 30_000, 5 * 60_000, 11 * 60_000]))
    def let_time_pass(self, ms):
        self.clock.advance(ms)

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def the_api_shows_what_the_model_says(self):
        owners = {}
        for trainer in self.trainers:
            status, me, _ = self.api.call("GET", "/v1/me", token=trainer.token)
            assert status == 200, me
            status, bag, _ = self.api.call("GET", "/v1/me/items", token=trainer.token)
            assert status == 200, bag
            listing = _listing(self.api, trainer.token)
            ledger = trainer.ledger
            assert not ledger.disagreements, ledger.disagreements
            assert not ledger.negative(), ledger.negative()
            assert bag["items"] == {k: v for k, v in sorted(ledger.items.items()) if v > 0}
            assert bag["total"] == sum(ledger.items.values()) <= bag["capacity"]
            assert me["xp"] == ledger.xp and me["stardust"] == ledger.stardust >= 0
            assert {k: v for k, v in me["candy"].items() if v} == {k: v for k, v in ledger.candy.items() if v}
            assert all(v >= 0 for v in list(me["candy"].values()) + list(bag["items"].values()))
            shown = {}
            for creature in listing:
                assert creature["id"] not in shown, f"{creature['id']} listed twice"
                shown[creature["id"]] = creature_view(creature)
                assert creature["id"] not in owners, f"{creature['id']} owned by two players"
                owners[creature["id"]] = trainer.player_id
            assert shown == ledger.creatures


@pytest.mark.slow
def test_the_economy_matches_the_model(api, clock, fast_sdk, report):
    EconomyMachine.api, EconomyMachine.clock = api, clock
    EconomyMachine.examples = 0
    EconomyMachine.answers.clear()
    try:
        run_state_machine_as_test(EconomyMachine, settings=settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
            derandomize=True, phases=[Phase.generate, Phase.target, Phase.shrink],
            suppress_health_check=list(HealthCheck)))
    finally:
        EconomyMachine.api = EconomyMachine.clock = None
        answers = ", ".join(f"{kind} {status}: {n}" for (kind, status), n in
                            sorted(EconomyMachine.answers.items(), key=str))
        report(f"economy model: {EconomyMachine.examples} runs of the state machine "
               f"(max {EXAMPLES} examples x {STEPS} steps); answers {answers}")

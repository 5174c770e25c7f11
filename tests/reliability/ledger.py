"""What a client was told, kept as a ledger: start + grants − spends, per player.

Both the fault-injection run and the economy model fold every answered action into a
``Ledger`` and compare it with the stored state. The ledger only believes the server's
answers (the amounts in each 200), so a write applied twice, or applied without the
client being told, shows up as a difference.
"""
from collections import Counter
from dataclasses import dataclass, field

from geocritters.game.collection import power_up_cost
from geocritters.game.species import species

BALLS = ("ball", "great_ball", "ultra_ball")
BERRY = "razz_berry"


def family_of(species_id: int) -> str:
    return species(species_id).family


def creature_view(creature: dict) -> tuple:
    """What the ledger tracks of a creature (from an API answer)."""
    return int(creature["species"]), float(creature["level"]), int(creature["cp"])


@dataclass
class Ledger:
    player_id: str
    items: Counter = field(default_factory=Counter)
    xp: int = 0
    stardust: int = 0
    candy: Counter = field(default_factory=Counter)
    creatures: dict = field(default_factory=dict)  # creature id -> (species, level, cp)
    spins: Counter = field(default_factory=Counter)  # stop id -> spins answered 200
    keyed_200s: set = field(default_factory=set)  # Idempotency-Keys answered 200
    # Answers that disagree with the ledger at the moment they were given.
    disagreements: list = field(default_factory=list)

    @classmethod
    def from_state(cls, state, creatures=()) -> "Ledger":
        """Start from a stored ``PlayerState`` and the creatures (API dicts) it owns."""
        return cls(player_id=state.player_id, items=Counter(state.items), xp=state.xp,
                   stardust=state.stardust, candy=Counter(state.candy),
                   creatures={c["id"]: creature_view(c) for c in creatures})

    # --- folding answers in -----------------------------------------------------------

    def _disagree(self, what: str, **details) -> None:
        self.disagreements.append({"what": what, **details})

    def throw(self, request: dict, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        self.items[request["ball"]] -= 1
        if request.get("berry"):
            self.items[request["berry"]] -= 1
        creature = response.get("creature")
        self.xp += response["xp"]
        self.stardust += response["stardust"]
        if creature is not None:
            self.candy[family_of(creature["species"])] += response["candy"]
            if creature["id"] in self.creatures:
                self._disagree("creature caught twice", creature=creature["id"])
            self.creatures[creature["id"]] = creature_view(creature)
        elif response["candy"] or response["outcome"] == "caught":
            self._disagree("catch without a creature", response=response)
        if response["balls_left"] != self.items[request["ball"]]:
            self._disagree("balls_left", told=response["balls_left"],
                           ledger=self.items[request["ball"]], key=key)

    def spin(self, stop_id: str, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        for item, count in response["items"].items():
            self.items[item] += count
        self.xp += response["xp"]
        self.spins[stop_id] += 1
        if response["first_visit"] != (self.spins[stop_id] == 1):
            self._disagree("first_visit", stop=stop_id, told=response["first_visit"],
                           ledger_spins=self.spins[stop_id], key=key)

    def transfer(self, creature_id: str, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        if self.creatures.pop(creature_id, None) is None:
            self._disagree("transferred a creature the ledger doesn't have", creature=creature_id)
        self.candy[response["family"]] += response["candy"]
        if response["candy_total"] != self.candy[response["family"]]:
            self._disagree("candy_total", told=response["candy_total"],
                           ledger=self.candy[response["family"]], key=key)

    def evolve(self, creature_id: str, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        before = self.creatures.get(creature_id)
        if before is None:
            self._disagree("evolved a creature the ledger doesn't have", creature=creature_id)
            return
        self.candy[family_of(before[0])] -= response["candy_spent"]
        self.creatures[creature_id] = creature_view(response["creature"])

    def power_up(self, creature_id: str, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        before = self.creatures.get(creature_id)
        if before is None:
            self._disagree("powered up a creature the ledger doesn't have", creature=creature_id)
            return
        self.stardust -= response["stardust_spent"]
        self.candy[family_of(before[0])] -= response["candy_spent"]
        self.creatures[creature_id] = creature_view(response["creature"])

    # --- what the ledger predicts about refusals ----------------------------------------

    def refusal_contradicts(self, action: str, target, request: dict | None, code: str) -> str | None:
        """Why a refusal ``code`` contradicts the ledger (None if it's plausible)."""
        if code == "not_enough_items" and request is not None:
            held = {name: self.items[name] for name in (request["ball"], request.get("berry")) if name}
            if all(count >= 1 for count in held.values()):
                return f"refused for items the ledger says are held: {held}"
        if code == "creature_not_found" and target in self.creatures:
            return f"creature {target} is in the ledger"
        if action == "power_up" and code == "not_enough_stardust" and target in self.creatures:
            dust, _ = power_up_cost(self.creatures[target][1])
            if self.stardust >= dust:
                return f"stardust {self.stardust} >= cost {dust}"
        return None

    # --- comparing with the stored state ------------------------------------------------

    def differences(self, state, stored_creatures: dict) -> dict:
        """Field -> (stored, ledger) for every field where they differ."""
        diffs = {}
        stored_items = {k: v for k, v in state.items.items() if v}
        ledger_items = {k: v for k, v in self.items.items() if v}
        if stored_items != ledger_items:
            diffs["items"] = (stored_items, ledger_items)
        if state.xp != self.xp:
            diffs["xp"] = (state.xp, self.xp)
        if state.stardust != self.stardust:
            diffs["stardust"] = (state.stardust, self.stardust)
        stored_candy = {k: v for k, v in state.candy.items() if v}
        ledger_candy = {k: v for k, v in self.candy.items() if v}
        if stored_candy != ledger_candy:
            diffs["candy"] = (stored_candy, ledger_candy)
        if stored_creatures != self.creatures:
            missing = sorted(set(self.creatures) - set(stored_creatures))
            extra = sorted(set(stored_creatures) - set(self.creatures))
            changed = sorted(k for k in set(self.creatures) & set(stored_creatures)
                             if self.creatures[k] != stored_creatures[k])
            diffs["creatures"] = {"missing": missing, "extra": extra, "changed": changed}
        return diffs

    def negative(self) -> dict:
        """Counters the ledger itself says went below zero (a spend that wasn't covered)."""
        found = {f"items.{k}": v for k, v in self.items.items() if v < 0}
        found.update({f"candy.{k}": v for k, v in self.candy.items() if v < 0})
        if self.stardust < 0:
            found["stardust"] = self.stardust
        return found


def duplicate_units(diffs: dict) -> int:
    """How many units of grants or spends the stored state has beyond the ledger (or
    short of it): 0 when nothing was applied twice or lost."""
    units = 0
    for name in ("xp", "stardust"):
        if name in diffs:
            stored, told = diffs[name]
            units += abs(stored - told)
    for name in ("items", "candy"):
        if name in diffs:
            stored, told = diffs[name]
            units += sum(abs(stored.get(k, 0) - told.get(k, 0)) for k in set(stored) | set(told))
    if "creatures" in diffs:
        units += sum(len(v) for v in diffs["creatures"].values())
    return units

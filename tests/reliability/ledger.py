"""What a client was told, kept as a ledger: start + grants − spends, per player.

Both the fault-injection run and the economy model fold every answered action into a
``Ledger`` and compare it with the stored state. The ledger only believes the server's
answers (the amounts in each 200), so a write applied twice, or applied without the
client being told, shows up as a difference.
"""
from collections import Counter
from dataclasses import dataclass, field

from geocritters.game.collection import power_up_cost
from geocritters.game.config import GameConfig
from geocritters.game.eggs import INFINITE_INCUBATOR
from geocritters.game.species import species

BALLS = ("ball", "great_ball", "ultra_ball")
BERRY = "razz_berry"
PREMIER = "premier_ball"  # a raid boss's own balls: never in the bag
INCUBATOR_USES = GameConfig().incubator_uses  # a limited incubator as found


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
    coins: int = 0
    defending: dict = field(default_factory=dict)  # creature id -> gym id, until claimed back
    returns_due: set = field(default_factory=set)  # defenders a battle answer said left
    raids: dict = field(default_factory=dict)  # raid id -> (lobby, claimed)
    boss: dict = field(default_factory=dict)  # encounter id -> {raid_id, premier_balls, throws}
    gifts: int = 0  # unsent gifts in the gift bag
    dex: set = field(default_factory=set)  # species ever owned (a trade of a new one is special)
    traded: set = field(default_factory=set)  # creatures received in trades (never tradable again)
    eggs: dict = field(default_factory=dict)  # egg id -> {"km", "incubator", "walked_km", "maps"}
    incubators: dict = field(default_factory=dict)  # limited incubator id -> uses left
    hatched: set = field(default_factory=set)  # egg ids hatched (each pays once)
    buddy: tuple | None = None  # (creature id, candies credited)
    buddy_swaps: tuple = (0, 0)  # (UTC day, swaps that day)
    walked_m: float = 0.0  # the walked total as the server last told it
    # Answers that disagree with the ledger at the moment they were given.
    disagreements: list = field(default_factory=list)

    @classmethod
    def from_state(cls, state, creatures=()) -> "Ledger":
        """Start from a stored ``PlayerState`` and the creatures (API dicts) it owns."""
        return cls(player_id=state.player_id, items=Counter(state.items), xp=state.xp,
                   stardust=state.stardust, candy=Counter(state.candy),
                   creatures={c["id"]: creature_view(c) for c in creatures},
                   coins=state.coins, defending=dict(state.defending),
                   raids={r: (int(e[0]), bool(e[1])) for r, e in state.raids.items()},
                   gifts=state.gifts, dex=set(state.dex),
                   eggs={e.egg_id: {"km": e.km, "incubator": e.incubator, "walked_km": 0.0,
                                    "maps": 0} for e in state.eggs.values()},
                   incubators=dict(state.incubators),
                   buddy=(state.buddy.creature_id, state.buddy.credited) if state.buddy else None,
                   buddy_swaps=(state.buddy_day, state.buddy_swaps_today))

    @property
    def buddy_id(self) -> str | None:
        return self.buddy[0] if self.buddy else None

    def free_creatures(self) -> list:
        """The creatures that may be sent to battle, transferred, evolved, powered up."""
        return sorted(c for c in self.creatures if c not in self.defending)

    # --- folding answers in -----------------------------------------------------------

    def _disagree(self, what: str, **details) -> None:
        self.disagreements.append({"what": what, **details})

    def throw(self, request: dict, response: dict, key: str, encounter_id: str | None = None) -> None:
        self.keyed_200s.add(key)
        boss = self.boss.get(encounter_id) if request["ball"] == PREMIER else None
        if request["ball"] == PREMIER:
            if boss is None:
                self._disagree("a Premier Ball thrown outside a boss encounter", key=key)
                boss = {"premier_balls": 0, "throws": 0}
            boss["throws"] += 1
        else:
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
            self.dex.add(creature_view(creature)[0])
        elif response["candy"] or response["outcome"] == "caught":
            self._disagree("catch without a creature", response=response)
        left = boss["premier_balls"] - boss["throws"] if boss else self.items[request["ball"]]
        if response["balls_left"] != left:
            self._disagree("balls_left", told=response["balls_left"], ledger=left, key=key)
        if boss and boss["throws"] > boss["premier_balls"]:
            self._disagree("more Premier Balls thrown than granted", key=key)

    # gyms

    def deploy(self, creature_id: str, gym_id: str, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        if creature_id not in self.creatures or creature_id in self.defending:
            self._disagree("deployed a creature the ledger doesn't have free", creature=creature_id)
        self.defending[creature_id] = gym_id

    def battle(self, creature_ids, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        if any(c not in self.creatures or c in self.defending for c in creature_ids):
            self._disagree("battled with a creature the ledger doesn't have free", team=creature_ids)
        self.xp += response["xp"]

    def feed(self, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        self.items[BERRY] -= 1
        self.stardust += response["stardust"]

    def gym_spin(self, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        for item, count in response["items"].items():
            self.items[item] += count
        self.xp += response["xp"]

    def defender_left(self, creature_id: str, gym_id: str) -> None:
        """Another player's battle answer: this player's defender left ``gym_id``."""
        if self.defending.get(creature_id) != gym_id or creature_id in self.returns_due:
            self._disagree("a defender left that the ledger doesn't have there",
                           creature=creature_id, gym=gym_id)
        self.returns_due.add(creature_id)

    def claim_defenders(self, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        returned = {r["creature_id"] for r in response["returned"]}
        if returned != self.returns_due:
            self._disagree("claimed returns != the returns battles told of", key=key,
                           told=sorted(returned), ledger=sorted(self.returns_due))
        for r in response["returned"]:
            if self.defending.pop(r["creature_id"], None) != r["gym_id"]:
                self._disagree("a return of a creature not defending that gym", key=key,
                               creature=r["creature_id"])
        self.returns_due -= returned
        if response["coins_credited"] > response["coins_earned"] or response["coins_credited"] < 0:
            self._disagree("coins credited beyond earned", key=key, response=response)
        self.coins += response["coins_credited"]
        if response["coins"] != self.coins:
            self._disagree("coins", told=response["coins"], ledger=self.coins, key=key)

    def defenders_page(self, response: dict) -> None:
        """GET /v1/me/defenders: must show exactly what the ledger holds."""
        returned = {r["creature_id"] for r in response["returned"]}
        defending = {d["creature_id"]: d["gym_id"] for d in response["defending"]}
        expected = {c: g for c, g in self.defending.items() if c not in self.returns_due}
        if returned != self.returns_due or defending != expected or response["coins"] != self.coins:
            self._disagree("my defenders page", told=response, returns_due=sorted(self.returns_due),
                           defending=expected, coins=self.coins)

    # raids

    def join_raid(self, raid_id: str, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        self.items["remote_raid_pass" if response["remote"] else "raid_pass"] -= 1
        if raid_id in self.raids:
            self._disagree("joined a raid twice", raid=raid_id, key=key)
        self.raids[raid_id] = (response["lobby"], False)

    def claim_raid(self, raid_id: str, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        entry = self.raids.get(raid_id)
        if entry is None or entry[1]:
            self._disagree("claimed a raid not joined, or twice", raid=raid_id, key=key)
            entry = (entry or (0,))[0], False
        self.raids[raid_id] = (entry[0], True)
        encounter = response["encounter"]
        if encounter is not None:
            if encounter["encounter_id"] in self.boss or any(
                    b["raid_id"] == raid_id for b in self.boss.values()):
                self._disagree("a second boss encounter for one raid", raid=raid_id, key=key)
            if not response["won"] or response["premier_balls"] < 1:
                self._disagree("a boss encounter without a won battle or balls", key=key)
            self.boss[encounter["encounter_id"]] = {
                "raid_id": raid_id, "premier_balls": response["premier_balls"], "throws": 0}
        elif response["won"] or response["premier_balls"]:
            self._disagree("a won raid without its encounter", key=key, response=response)

    def spin(self, stop_id: str, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        for item, count in response["items"].items():
            self.items[item] += count
        self.xp += response["xp"]
        self.gifts += response["gifts"]
        self.found(response.get("egg"), key)
        if response.get("incubator") is not None:
            if response["incubator"] in self.incubators:
                self._disagree("an incubator found twice", incubator=response["incubator"], key=key)
            self.incubators[response["incubator"]] = INCUBATOR_USES
        self.spins[stop_id] += 1
        if response["first_visit"] != (self.spins[stop_id] == 1):
            self._disagree("first_visit", stop=stop_id, told=response["first_visit"],
                           ledger_spins=self.spins[stop_id], key=key)

    def transfer(self, creature_id: str, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        if self.creatures.pop(creature_id, None) is None:
            self._disagree("transferred a creature the ledger doesn't have", creature=creature_id)
        if creature_id == self.buddy_id:
            self._disagree("transferred the buddy", creature=creature_id, key=key)
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
        self.dex.add(creature_view(response["creature"])[0])

    def power_up(self, creature_id: str, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        before = self.creatures.get(creature_id)
        if before is None:
            self._disagree("powered up a creature the ledger doesn't have", creature=creature_id)
            return
        self.stardust -= response["stardust_spent"]
        self.candy[family_of(before[0])] -= response["candy_spent"]
        self.creatures[creature_id] = creature_view(response["creature"])

    # friends, gifts, trades

    def send_gift(self, response: dict, key: str, send_xp: int) -> None:
        self.keyed_200s.add(key)
        self.gifts -= 1
        self.xp += response["xp"]
        if response["xp"] != send_xp or response["bag"] != self.gifts:
            self._disagree("gift send", told=response, bag=self.gifts, xp=send_xp, key=key)

    def open_gift(self, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        for item, count in response["items"].items():
            self.items[item] += count
        self.found(response.get("egg"), key)

    def trade(self, gave: str, result: dict, key: str | None) -> None:
        """A completed trade's ``result`` for this player (what they received and paid);
        ``key``: this player confirmed it."""
        if key is not None:
            self.keyed_200s.add(key)
        if self.creatures.pop(gave, None) is None or gave in self.defending or gave == self.buddy_id:
            self._disagree("traded away a creature the ledger doesn't have free", creature=gave)
        received = result["received"]
        if received["id"] in self.creatures:
            self._disagree("received a creature already owned", creature=received["id"])
        self.creatures[received["id"]] = creature_view(received)
        self.traded.add(received["id"])
        self.dex.add(int(received["species"]))
        self.stardust -= result["stardust"]

    # eggs and the buddy

    def found(self, egg: dict | None, key: str) -> None:
        """An egg a spin or an opened gift answered with."""
        if egg is None:
            return
        if egg["egg_id"] in self.eggs or egg["egg_id"] in self.hatched:
            self._disagree("an egg found twice", egg=egg["egg_id"], key=key)
        self.eggs[egg["egg_id"]] = {"km": egg["km"], "incubator": None, "walked_km": 0.0, "maps": 0}

    def incubators_view(self) -> list:
        """The incubators as the API lists them (the infinite one first)."""
        holding = {e["incubator"]: egg_id for egg_id, e in self.eggs.items() if e["incubator"]}
        mine = [(INFINITE_INCUBATOR, None), *sorted(self.incubators.items())]
        return [{"incubator_id": i, "uses_left": uses, "egg_id": holding.get(i)} for i, uses in mine]

    def free_incubators(self) -> list:
        busy = {e["incubator"] for e in self.eggs.values()}
        return [i for i in [INFINITE_INCUBATOR, *sorted(self.incubators)]
                if i not in busy and (i == INFINITE_INCUBATOR or self.incubators[i] > 0)]

    def incubate(self, egg_id: str, incubator_id: str, response: dict, key: str, maps: int) -> None:
        self.keyed_200s.add(key)
        egg = self.eggs.get(egg_id)
        if egg is None or egg["incubator"] is not None or incubator_id not in self.free_incubators():
            self._disagree("incubated an egg or into an incubator the ledger doesn't have free",
                           egg=egg_id, incubator=incubator_id, key=key)
            egg = self.eggs.setdefault(egg_id, {"km": response["egg"]["km"]})
        if incubator_id != INFINITE_INCUBATOR:
            self.incubators[incubator_id] = self.incubators.get(incubator_id, 0) - 1
        egg.update(incubator=incubator_id, walked_km=response["egg"]["walked_km"], maps=maps)
        if response["egg"]["km"] != egg["km"] or response["incubators"] != self.incubators_view():
            self._disagree("incubate answer != the ledger", told=response,
                           ledger=self.incubators_view(), key=key)

    def hatch(self, egg_id: str, response: dict, key: str, rewards: dict) -> None:
        """``rewards``: km -> (candy min, max, stardust min, max, xp), the game's table."""
        self.keyed_200s.add(key)
        egg = self.eggs.pop(egg_id, None)
        if egg is None or egg["incubator"] is None or egg_id in self.hatched:
            self._disagree("hatched an egg the ledger doesn't have incubating", egg=egg_id, key=key)
            egg = {"km": response["km"], "incubator": None}
        self.hatched.add(egg_id)
        incubator = egg["incubator"]
        if incubator not in (None, INFINITE_INCUBATOR) and self.incubators.get(incubator, 0) <= 0:
            self.incubators.pop(incubator, None)  # its last use: it goes
        creature = response["creature"]
        view = creature_view(creature)
        if creature["id"] in self.creatures:
            self._disagree("a hatchling already owned", creature=creature["id"], key=key)
        self.creatures[creature["id"]] = view
        self.dex.add(view[0])
        self.candy[family_of(view[0])] += response["candy"]
        self.stardust += response["stardust"]
        self.xp += response["xp"]
        candy_lo, candy_hi, dust_lo, dust_hi, xp = rewards[egg["km"]]
        if response["km"] != egg["km"] or not candy_lo <= response["candy"] <= candy_hi \
                or not dust_lo <= response["stardust"] <= dust_hi or response["xp"] != xp:
            self._disagree("hatch rewards off the table for the egg", egg=egg_id, km=egg["km"],
                           told=response, key=key)

    def choose_buddy(self, creature_id: str, response: dict, key: str, day: int) -> None:
        self.keyed_200s.add(key)
        if creature_id not in self.creatures or creature_id == self.buddy_id:
            self._disagree("a buddy the ledger doesn't have, or already the buddy",
                           creature=creature_id, key=key)
        self._buddy_paid(response, key)
        swaps = self.buddy_swaps[1] if self.buddy_swaps[0] == day else 0
        self.buddy_swaps = (day, swaps + 1)
        self.buddy = (creature_id, 0)
        self.buddy_page(response, key)

    def claim_buddy_candy(self, response: dict, key: str) -> None:
        self.keyed_200s.add(key)
        if self.buddy is None:
            self._disagree("buddy candy without a buddy", key=key)
            return
        self._buddy_paid(response, key)
        self.buddy = (self.buddy[0], self.buddy[1] + response["candy_paid"])
        self.buddy_page(response, key)

    def _buddy_paid(self, response: dict, key: str) -> None:
        paid, family = response["candy_paid"], response["candy_family"]
        if paid < 0 or (paid and (self.buddy is None or family is None)):
            self._disagree("buddy candy paid without a buddy", told=response, key=key)
        if paid:
            self.candy[family] += paid

    def buddy_page(self, response: dict, key: str | None = None) -> None:
        """A buddy answer (GET /v1/me/buddy, or a choose or claim): must show the ledger's."""
        buddy = response["buddy"]
        told = (buddy["creature_id"], buddy["candy_credited"]) if buddy else None
        if told != self.buddy or response["swaps_today"] != self.buddy_swaps[1]:
            self._disagree("buddy answer != the ledger", told=response, buddy=self.buddy,
                           swaps=self.buddy_swaps, key=key)

    def eggs_page(self, response: dict, maps: int) -> None:
        """GET /v1/me/eggs: the eggs and incubators the ledger holds; the distances it
        tells are remembered (``maps``: the player's map reports sent so far)."""
        told = {e["egg_id"]: (e["km"], e["incubator"]) for e in response["eggs"]}
        mine = {egg_id: (e["km"], e["incubator"]) for egg_id, e in self.eggs.items()}
        if told != mine or response["incubators"] != self.incubators_view():
            self._disagree("my eggs page != the ledger", told=response, eggs=mine,
                           incubators=self.incubators_view())
        for e in response["eggs"]:
            if e["egg_id"] in self.eggs:
                self.eggs[e["egg_id"]].update(walked_km=e["walked_km"], maps=maps)
        self.walked_m = response["walked_km"] * 1000

    # --- what the ledger predicts about refusals ----------------------------------------

    def refusal_contradicts(self, action: str, target, request: dict | None, code: str) -> str | None:
        """Why a refusal ``code`` contradicts the ledger (None if it's plausible)."""
        if code == "not_enough_items" and request is not None and "ball" in request:
            held = {name: self.items[name] for name in (request["ball"], request.get("berry"))
                    if name and name != PREMIER}
            if all(count >= 1 for count in held.values()):
                return f"refused for items the ledger says are held: {held}"
        if code == "creature_defending" and target in self.creatures and target not in self.defending:
            return f"creature {target} is free in the ledger"
        if code == "creature_not_found" and target in self.creatures:
            return f"creature {target} is in the ledger"
        if code == "creature_is_buddy" and target != self.buddy_id:
            return f"creature {target} is not the ledger's buddy ({self.buddy_id})"
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
        if state.coins != self.coins:
            diffs["coins"] = (state.coins, self.coins)
        if state.gifts != self.gifts:
            diffs["gifts"] = (state.gifts, self.gifts)
        if set(state.dex) != self.dex:
            diffs["dex"] = (sorted(state.dex), sorted(self.dex))
        if dict(state.defending) != self.defending:
            diffs["defending"] = (dict(state.defending), dict(self.defending))
        stored_raids = {r: (int(e[0]), bool(e[1])) for r, e in state.raids.items()}
        if stored_raids != self.raids:
            diffs["raids"] = (stored_raids, dict(self.raids))
        stored_eggs = {e.egg_id: (e.km, e.incubator) for e in state.eggs.values()}
        ledger_eggs = {egg_id: (e["km"], e["incubator"]) for egg_id, e in self.eggs.items()}
        if stored_eggs != ledger_eggs:
            diffs["eggs"] = (stored_eggs, ledger_eggs)
        if dict(state.incubators) != self.incubators:
            diffs["incubators"] = (dict(state.incubators), dict(self.incubators))
        stored_buddy = (state.buddy.creature_id, state.buddy.credited) if state.buddy else None
        if stored_buddy != self.buddy:
            diffs["buddy"] = (stored_buddy, self.buddy)
        if (state.buddy_day, state.buddy_swaps_today) != self.buddy_swaps:
            diffs["buddy_swaps"] = ((state.buddy_day, state.buddy_swaps_today), self.buddy_swaps)
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
        found.update({f"incubators.{k}": v for k, v in self.incubators.items() if v < 0})
        if self.stardust < 0:
            found["stardust"] = self.stardust
        return found


def duplicate_units(diffs: dict) -> int:
    """How many units of grants or spends the stored state has beyond the ledger (or
    short of it): 0 when nothing was applied twice or lost."""
    units = 0
    for name in ("xp", "stardust", "coins", "gifts"):
        if name in diffs:
            stored, told = diffs[name]
            units += abs(stored - told)
    for name in ("items", "candy"):
        if name in diffs:
            stored, told = diffs[name]
            units += sum(abs(stored.get(k, 0) - told.get(k, 0)) for k in set(stored) | set(told))
    for name in ("defending", "raids", "eggs", "incubators"):
        if name in diffs:
            stored, told = diffs[name]
            units += sum(stored.get(k) != told.get(k) for k in set(stored) | set(told))
    if "buddy" in diffs:
        stored, told = diffs["buddy"]
        units += abs((stored or (None, 0))[1] - (told or (None, 0))[1]) or 1
    if "buddy_swaps" in diffs:
        units += abs(diffs["buddy_swaps"][0][1] - diffs["buddy_swaps"][1][1]) or 1
    if "dex" in diffs:
        units += len(set(diffs["dex"][0]) ^ set(diffs["dex"][1]))
    if "creatures" in diffs:
        units += sum(len(v) for v in diffs["creatures"].values())
    return units

"""Gym and raid battles: a small deterministic turn-based simulation from stats and types.

There is no move list: every fighter hits with one fixed-power move of its primary type
(``GameConfig.battle_move_power``). All chance comes from the one ``OutcomeRng`` passed
in, so a retried request replays the same battle, and the draws are taken in a fixed
order (documented on each function) so that order is part of the outcome.

The type chart is data (``types.json`` beside this module), read lazily on first use.
"""
import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from .config import GameConfig
from .errors import InvalidInput
from .levels import cp_multiplier
from .randomness import OutcomeRng
from .species import species
from .stats import IVs

_TYPES_FILE = "types.json"


@dataclass(frozen=True)
class Fighter:
    ref: str  # a creature id, or "boss"
    species_id: int
    level: float
    ivs: IVs
    stat_scale: float = 1.0  # gym defenders fight at 0.2 + 0.8 × motivation (attack, defense and HP scaled)

    def __post_init__(self):
        scale = self.stat_scale
        # A zero scale would divide by zero in the damage formula; bool is not a number here.
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale <= 1:
            raise InvalidInput(f"stat_scale must be in (0, 1], got {scale!r}", code="invalid_stat_scale")


@dataclass(frozen=True)
class GymBattleResult:
    defeated: tuple[str, ...]  # refs of defenders the attackers beat, in fighting order
    fainted: tuple[str, ...]  # refs of attackers that fainted, in order
    won: bool  # every defender was beaten
    turns: int


@dataclass(frozen=True)
class RaidBattleResult:
    won: bool  # boss HP reached 0 within the time limit
    damage: Mapping[str, int]  # member id -> damage dealt to the boss (every member present, 0 allowed)
    boss_hp: int  # the boss's starting HP


# --- Type chart ---------------------------------------------------------------------------

@functools.cache
def _chart() -> Mapping[str, Mapping[str, float]]:
    """attacking type -> defending type -> factor, for the non-neutral pairings only."""
    text = resources.files(__package__).joinpath(_TYPES_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    strong, weak = float(data["super_effective"]), float(data["not_very_effective"])
    known = set(data["types"])
    chart: dict[str, Mapping[str, float]] = {}
    for move_type, entry in data["types"].items():
        row = dict.fromkeys(entry["super_effective_against"], strong)
        row.update(dict.fromkeys(entry["not_very_effective_against"], weak))
        # A typo in the data file must fail loudly, not quietly become "neutral".
        unknown = set(row) - known
        overlap = set(entry["super_effective_against"]) & set(entry["not_very_effective_against"])
        if unknown or overlap:
            raise ValueError(f"{_TYPES_FILE}: {move_type}: unknown {sorted(unknown)}, both {sorted(overlap)}")
        chart[move_type] = MappingProxyType(row)
    return MappingProxyType(chart)


def battle_types() -> tuple[str, ...]:
    """Every type of the chart, in the data file's order."""
    return tuple(_chart())


def effectiveness(move_type: str, target_types: Sequence[str]) -> float:
    """The damage factor of a move of ``move_type`` on a target: the product over its types."""
    chart = _chart()
    for t in (move_type, *target_types):
        if t not in chart:
            raise InvalidInput(f"unknown type {t!r}", code="invalid_type")
    row = chart[move_type]
    return math.prod(row.get(t, 1.0) for t in target_types)


# --- Combat -------------------------------------------------------------------------------

@dataclass
class _Combatant:
    """A fighter's battle stats, worked out once; ``hp`` is the only thing that changes."""

    ref: str
    types: tuple[str, ...]
    attack: float
    defense: float
    hp: int


def _combatant(fighter: Fighter, config: GameConfig, hp: int | None = None) -> _Combatant:
    sp = species(fighter.species_id)
    scale = cp_multiplier(fighter.level) * fighter.stat_scale
    if hp is None:
        hp = max(config.battle_min_hp, math.floor((sp.base_stamina + fighter.ivs.stamina) * scale))
    return _Combatant(
        ref=fighter.ref,
        types=sp.types,
        attack=(sp.base_attack + fighter.ivs.attack) * scale,
        defense=(sp.base_defense + fighter.ivs.defense) * scale,
        hp=hp,
    )


def _damage(rng: OutcomeRng, hitter: _Combatant, target: _Combatant, config: GameConfig) -> int:
    """One hit, one draw. The +1 makes every hit count, so every battle ends."""
    lo, hi = config.battle_damage_roll_min, config.battle_damage_roll_max
    roll = lo + (hi - lo) * rng.random()
    factor = effectiveness(hitter.types[0], target.types)
    return math.floor(0.5 * config.battle_move_power * hitter.attack / target.defense * factor * roll) + 1


def _check_team(fighters: Sequence[Fighter], config: GameConfig, what: str) -> None:
    if not 1 <= len(fighters) <= config.battle_max_team_size:
        raise InvalidInput(
            f"{what} must have 1..{config.battle_max_team_size} fighters, got {len(fighters)}",
            code="invalid_team_size",
        )


def distinct_team(creature_ids) -> tuple[str, ...]:
    """A creature fights at most once per battle: a repeated id is the client's mistake."""
    ids = tuple(creature_ids)
    if len(set(ids)) != len(ids):
        raise InvalidInput("a creature can fight only once per battle", code="duplicate_creature")
    return ids


def gym_battle(
    rng: OutcomeRng, attackers: Sequence[Fighter], defenders: Sequence[Fighter], config: GameConfig
) -> GymBattleResult:
    """Attackers take on the defenders one at a time, both in the given order.

    Each turn the current attacker and defender hit each other at once (draws: the
    attacker's roll, then the defender's), so both may fall on the same turn. A fighter
    keeps its remaining HP into its next opponent. It ends when a side has no one left.
    """
    _check_team(attackers, config, "a gym battle's attacking team")
    if not defenders:
        raise InvalidInput("a gym battle needs at least one defender", code="no_defenders")
    ours = [_combatant(f, config) for f in attackers]
    theirs = [_combatant(f, config) for f in defenders]
    defeated: list[str] = []
    fainted: list[str] = []
    a = d = turns = 0
    while a < len(ours) and d < len(theirs):
        attacker, defender = ours[a], theirs[d]
        to_defender = _damage(rng, attacker, defender, config)
        to_attacker = _damage(rng, defender, attacker, config)
        defender.hp -= to_defender
        attacker.hp -= to_attacker
        turns += 1
        if defender.hp <= 0:
            defeated.append(defender.ref)
            d += 1
        if attacker.hp <= 0:
            fainted.append(attacker.ref)
            a += 1
    return GymBattleResult(
        defeated=tuple(defeated), fainted=tuple(fainted), won=d == len(theirs), turns=turns
    )


def raid_battle(
    rng: OutcomeRng,
    teams: Mapping[str, Sequence[Fighter]],
    boss: Fighter,
    boss_hp: int,
    time_limit_s: int,
    config: GameConfig,
) -> RaidBattleResult:
    """Every member's current fighter hits the boss each turn, until it falls or time runs out.

    Members act in sorted id order, not the mapping's: the same raid gives the same result
    however the caller built the mapping. Per turn the draws are each member's roll, then
    the boss's choice of target among the fighters standing, then the boss's roll. A
    member's fighters step in one after another; a member with none left deals no more.
    """
    if not teams:
        raise InvalidInput("a raid needs at least one member", code="no_raiders")
    for member, team in teams.items():
        _check_team(team, config, f"raid member {member!r}'s team")
    if isinstance(boss_hp, bool) or not isinstance(boss_hp, int) or boss_hp < 1:
        raise InvalidInput(f"boss_hp must be a positive integer, got {boss_hp!r}", code="invalid_boss_hp")
    if isinstance(time_limit_s, bool) or not isinstance(time_limit_s, int) or time_limit_s < 1:
        raise InvalidInput(
            f"time_limit_s must be a positive integer, got {time_limit_s!r}", code="invalid_time_limit"
        )
    members = sorted(teams)
    queues = {m: [_combatant(f, config) for f in teams[m]] for m in members}
    nxt = dict.fromkeys(members, 0)  # index of each member's fighter in the ring
    # The boss's HP is the raid's, not its stats'; its attack and defense come from its stats.
    big = _combatant(boss, config, hp=boss_hp)
    damage = dict.fromkeys(members, 0)
    for _ in range(time_limit_s // config.battle_turn_s):
        standing = [(m, queues[m][nxt[m]]) for m in members if nxt[m] < len(queues[m])]
        if not standing:
            break  # every raider fainted
        for member, fighter in standing:
            # Capped at the HP left, so the members' damage never sums past boss_hp.
            dealt = min(_damage(rng, fighter, big, config), big.hp)
            damage[member] += dealt
            big.hp -= dealt
        member, target = standing[rng.below(len(standing))]
        target.hp -= _damage(rng, big, target, config)
        if target.hp <= 0:
            nxt[member] += 1
        if big.hp <= 0:
            break
    # A plain dict: fresh per call, and callers serialise it as is.
    return RaidBattleResult(won=big.hp <= 0, damage=damage, boss_hp=boss_hp)

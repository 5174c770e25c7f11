"""Gyms: team control of a place, defended by up to six players' creatures.

A gym's whole state is one value (``GymState``), stored as one item per gym: writes to
one gym never touch its neighbours, and each write is conditioned on ``revision``.
Motivation is never ticked down by a scheduled write: a defender stores its motivation
as of a moment, and every reader computes the current value from elapsed time.

Refusal codes (clients branch on ``code``):
- ``creature_defending`` (Conflict): the creature defends a gym (or hasn't been taken back).
- ``team_required`` (RuleRefused): the player hasn't chosen a team.
- ``rival_gym`` (Conflict): deploying to or feeding another team's gym.
- ``own_team_gym`` (Conflict): attacking one's own team's gym.
- ``gym_full`` (Conflict): six defenders already.
- ``already_defending_gym`` (Conflict): the player already has a defender here.
- ``species_already_defending`` (Conflict): a defender of that species is here.
- ``too_many_gyms`` (Conflict): the player holds the maximum number of gyms.
- ``gym_deploy_blocked`` (Conflict): the team lost a defender here minutes ago.
- ``gym_empty`` (Conflict): nothing to battle.
- ``defender_not_found`` (NotFound): no such defender at this gym (feeding).
- ``motivation_full`` (Conflict): the defender needs no berry.
- ``berry_limit`` (Conflict): the player fed this gym enough lately.
"""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .config import HOUR_MS, MINUTE_MS, GameConfig
from .entities import Creature
from .errors import Conflict, NotFound, RuleRefused
from .stats import IVs


@dataclass(frozen=True)
class Defender:
    owner_id: str
    owner_name: str
    creature_id: str
    species_id: int
    level: float
    ivs: IVs
    cp: int
    placed_ms: int
    motivation: float  # as of motivation_ms; see motivation_now
    motivation_ms: int
    # Berries fed within the current berry window (diminishing gains), and its start.
    berry_window_ms: int = 0
    berries_in_window: int = 0


@dataclass(frozen=True)
class GymState:
    gym_id: str
    team: str | None = None
    defenders: tuple[Defender, ...] = ()  # in deployment order: attackers meet them so
    # After a defender falls, its team can't deploy here until this time.
    blocked_team: str | None = None
    blocked_until_ms: int = 0
    revision: int = 0  # 0: never written (no item stored)

    def free_slots(self, config: GameConfig) -> int:
        return config.gym_slots - len(self.defenders)

    def defender(self, creature_id: str) -> Defender:
        for d in self.defenders:
            if d.creature_id == creature_id:
                return d
        raise NotFound("no such defender at this gym", code="defender_not_found")


@dataclass(frozen=True)
class DefenderReturn:
    """A defender that left its gym, on its way back to its owner with its coins."""

    owner_id: str
    creature_id: str
    gym_id: str
    placed_ms: int
    left_ms: int
    coins: int

    @property
    def return_id(self) -> str:
        # One per deployment: a creature may defend the same gym again later.
        return f"ret-{self.creature_id}-{self.placed_ms}"


# --- motivation ---------------------------------------------------------------------

def decay_per_hour(defender: Defender, config: GameConfig) -> float:
    """Strong defenders tire faster (≈10 %/h at or above 3,000 CP, ≈1 %/h below)."""
    if defender.cp >= config.gym_fast_decay_cp:
        return config.gym_decay_per_hour_strong
    return config.gym_decay_per_hour


def motivation_now(defender: Defender, now_ms: int, config: GameConfig) -> float:
    hours = max(0, now_ms - defender.motivation_ms) / HOUR_MS
    return max(0.0, defender.motivation - hours * decay_per_hour(defender, config))


def displayed_cp(defender: Defender, now_ms: int, config: GameConfig) -> int:
    """CP × (0.2 + 0.8 × motivation): what attackers see and fight."""
    return int(defender.cp * stat_scale(motivation_now(defender, now_ms, config)))


def stat_scale(motivation: float) -> float:
    return 0.2 + 0.8 * motivation


def _with_motivation(defender: Defender, motivation: float, now_ms: int) -> Defender:
    return replace(defender, motivation=max(0.0, min(1.0, motivation)), motivation_ms=now_ms)


# --- deploying ----------------------------------------------------------------------

def check_creature_free(creature: Creature) -> None:
    """A defender (until its owner takes it back) can't be transferred, evolved,
    powered up, traded, deployed again or sent to battle."""
    if creature.defending_gym is not None:
        raise Conflict("this creature is defending a gym", code="creature_defending")


def check_can_deploy(gym: GymState, team: str | None, player_id: str, creature: Creature,
                     gyms_held: int, now_ms: int, config: GameConfig) -> None:
    if team is None:
        raise RuleRefused("choose a team before deploying to gyms", code="team_required")
    if gym.defenders and gym.team != team:
        raise Conflict(f"this gym belongs to team {gym.team}", code="rival_gym")
    if gym.blocked_team == team and gym.blocked_until_ms > now_ms:
        raise Conflict("your team lost a defender here; deploy again later",
                       code="gym_deploy_blocked",
                       retry_after_s=-(-(gym.blocked_until_ms - now_ms) // 1000))
    if any(d.owner_id == player_id for d in gym.defenders):
        raise Conflict("you already have a defender at this gym", code="already_defending_gym")
    if len(gym.defenders) >= config.gym_slots:
        raise Conflict("this gym has no free slot", code="gym_full")
    if any(d.species_id == creature.species_id for d in gym.defenders):
        raise Conflict("a defender of this species is already here",
                       code="species_already_defending")
    if gyms_held >= config.max_gyms_held:
        raise Conflict(f"you already defend {config.max_gyms_held} gyms",
                       code="too_many_gyms")


def deploy(gym: GymState, team: str, owner_name: str, creature: Creature, now_ms: int,
           config: GameConfig) -> GymState:
    """The gym with the creature added as its newest defender (checked beforehand with
    ``check_can_deploy``); an empty gym becomes the deployer's team's."""
    defender = Defender(
        owner_id=creature.player_id, owner_name=owner_name, creature_id=creature.creature_id,
        species_id=creature.species_id, level=creature.level, ivs=creature.ivs,
        cp=creature.cp, placed_ms=now_ms, motivation=config.gym_entry_motivation,
        motivation_ms=now_ms)
    return replace(gym, team=team, defenders=(*gym.defenders, defender))


# --- battles ------------------------------------------------------------------------

def check_can_attack(gym: GymState, team: str | None, raid_active: bool) -> None:
    if team is None:
        raise RuleRefused("choose a team before battling at gyms", code="team_required")
    if raid_active:
        raise Conflict("a raid is under way at this gym", code="raid_in_progress")
    if not gym.defenders:
        raise Conflict("this gym has no defenders; deploy one instead", code="gym_empty")
    if gym.team == team:
        raise Conflict("this gym belongs to your team", code="own_team_gym")


def coins_earned(defender: Defender, left_ms: int, config: GameConfig) -> int:
    """1 coin per full 10 minutes defended (the daily cap applies when credited)."""
    return max(0, left_ms - defender.placed_ms) // config.gym_coin_interval_ms


def after_battle(gym: GymState, defeated: Sequence[str], now_ms: int,
                 config: GameConfig) -> tuple[GymState, list[DefenderReturn]]:
    """Each defeated defender loses a third of full motivation; one that was at 0 (or
    reaches it) leaves the gym and goes home with its coins. A gym left with no
    defender is neutral. Its team can't deploy here for a while after a loss."""
    lost = set(defeated)
    kept: list[Defender] = []
    returns: list[DefenderReturn] = []
    for d in gym.defenders:
        if d.creature_id not in lost:
            kept.append(d)
            continue
        motivation = motivation_now(d, now_ms, config) - config.gym_battle_motivation_loss
        if motivation > 1e-9:
            kept.append(_with_motivation(d, motivation, now_ms))
        else:
            returns.append(DefenderReturn(
                owner_id=d.owner_id, creature_id=d.creature_id, gym_id=gym.gym_id,
                placed_ms=d.placed_ms, left_ms=now_ms, coins=coins_earned(d, now_ms, config)))
    if not returns:
        return replace(gym, defenders=tuple(kept)), returns
    return replace(
        gym, defenders=tuple(kept), team=gym.team if kept else None,
        blocked_team=gym.team, blocked_until_ms=now_ms + config.gym_deploy_block_ms,
    ), returns


# --- berries ------------------------------------------------------------------------

def berry_gain(berries_in_window: int, config: GameConfig) -> float:
    """Each berry in a window gains less than the one before (0.12, 0.048, 0.024…)."""
    gains = config.gym_berry_gains
    return gains[min(berries_in_window, len(gains) - 1)]


def check_can_feed(gym: GymState, team: str | None, raid_active: bool) -> None:
    if team is None:
        raise RuleRefused("choose a team before feeding defenders", code="team_required")
    if raid_active:
        raise Conflict("a raid is under way at this gym", code="raid_in_progress")
    if gym.team != team or not gym.defenders:
        raise Conflict("you can feed only your own team's defenders", code="rival_gym")


def feed(gym: GymState, creature_id: str, now_ms: int,
         config: GameConfig) -> tuple[GymState, Defender, float]:
    """One berry to one defender: (the gym, the fed defender, the motivation gained)."""
    target = gym.defender(creature_id)
    current = motivation_now(target, now_ms, config)
    if current >= 1.0:
        raise Conflict("this defender is fully motivated", code="motivation_full")
    in_window = target.berries_in_window
    window_ms = target.berry_window_ms
    if now_ms - window_ms >= config.gym_berry_window_ms:
        in_window, window_ms = 0, now_ms
    gain = min(berry_gain(in_window, config), 1.0 - current)
    fed = replace(_with_motivation(target, current + gain, now_ms),
                  berry_window_ms=window_ms, berries_in_window=in_window + 1)
    defenders = tuple(fed if d.creature_id == creature_id else d for d in gym.defenders)
    return replace(gym, defenders=defenders), fed, gain


def count_berry(feeds: Mapping[str, tuple[int, int]], gym_id: str, now_ms: int,
                config: GameConfig) -> dict[str, tuple[int, int]]:
    """The player's berry windows with one more berry at ``gym_id``: at most
    ``gym_berries_per_window`` per gym per window; expired windows are dropped."""
    live = {g: w for g, w in feeds.items() if now_ms - w[0] < config.gym_berry_window_ms}
    start, count = live.get(gym_id, (now_ms, 0))
    if count >= config.gym_berries_per_window:
        raise Conflict(f"at most {config.gym_berries_per_window} berries per gym every "
                       f"{config.gym_berry_window_ms // MINUTE_MS} minutes", code="berry_limit",
                       retry_after_s=-(-(start + config.gym_berry_window_ms - now_ms) // 1000))
    live[gym_id] = (start, count + 1)
    return live

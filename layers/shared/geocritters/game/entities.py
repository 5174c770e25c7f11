"""Plain records of the things a player owns or is doing."""
from dataclasses import dataclass

from .stats import IVs


@dataclass(frozen=True)
class Encounter:
    """A player facing one spawn: its creature is fixed when the encounter starts."""

    player_id: str
    encounter_id: str
    spawn_id: str
    species_id: int
    level: float
    cp: int
    ivs: IVs
    lat: float
    lng: float
    started_ms: int
    expires_ms: int
    despawn_ms: int
    status: str = "active"  # active | caught | fled
    throws: int = 0
    # A raid boss's encounter: thrown at with these Premier Balls only, which belong to
    # it (not to the bag); 0 for a wild encounter, caught with the player's own balls.
    premier_balls: int = 0
    # Its species was boosted by the weather of its spawn's cell and hour: the catch pays
    # more stardust (game/rewards.py catch_reward).
    boosted: bool = False

    def is_over(self, now_ms: int) -> bool:
        return self.status != "active" or now_ms >= self.expires_ms


@dataclass(frozen=True)
class Creature:
    """A caught creature in a player's collection."""

    player_id: str
    creature_id: str
    species_id: int
    level: float
    cp: int
    ivs: IVs
    caught_ms: int
    encounter_id: str
    # The gym it defends (or defended, until its owner claims it back): while set, the
    # creature can't be transferred, evolved, powered up, traded or sent to battle.
    defending_gym: str | None = None
    # When its owner got it by trade (0: caught): a traded creature can't be traded again.
    traded_ms: int = 0

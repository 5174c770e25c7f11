"""Raid lobbies: at most 20 players fight a raid boss together.

A raid with many players is many lobbies, each its own stored item (1,000 players at
one raid are 50 items, never one hot item). A player joins the lowest-numbered lobby
that is still counting down and has room; a full or started lobby means a new one. The
countdown runs from the lobby's first join; when it ends, the lobby's battle is
resolved once from every member's attackers (deterministic), and each member who fought
a won battle claims one encounter with the boss.

Refusal codes:
- ``raid_not_started`` (Conflict): the raid is still an egg (or not yet there).
- ``raid_over`` (Conflict): the boss is gone, or too little time is left for a lobby's
  countdown and fight.
- ``already_in_raid`` (Conflict): the player is in a lobby of this raid already.
- ``no_raid_pass`` (Conflict): no pass of the kind this join needs.
- ``remote_raid_limit`` (Conflict): the day's remote raids are used up.
- ``not_in_raid`` (NotFound): claiming a raid the player didn't join.
- ``raid_not_finished`` (Conflict): claiming before the lobby's battle.
- ``raid_reward_claimed`` (Conflict): claiming twice.
"""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .battle import Fighter, RaidBattleResult, raid_battle
from .config import DAY_MS, GameConfig
from .entities import Creature
from .errors import Conflict, NotFound
from .raids import Raid
from .stats import IVs

BOSS_LEVEL = 20.0  # the level a raid boss is caught at


@dataclass(frozen=True)
class Attacker:
    """A member's creature as it was when they joined: the battle uses this snapshot."""

    creature_id: str
    species_id: int
    level: float
    ivs: IVs


@dataclass(frozen=True)
class Member:
    player_id: str
    team: str | None
    remote: bool
    joined_ms: int
    attackers: tuple[Attacker, ...]


@dataclass(frozen=True)
class LobbyResult:
    won: bool
    damage: Mapping[str, int]  # member -> damage dealt to the boss
    boss_hp: int


@dataclass(frozen=True)
class Lobby:
    raid_id: str
    number: int  # 1, 2, ...: the order lobbies opened in
    created_ms: int
    size: int = 0  # members
    remote_count: int = 0
    result: LobbyResult | None = None
    # Read only when needed (resolving, claiming): listing lobbies reads their counts.
    members: Mapping[str, Member] = field(default_factory=dict)

    def countdown_ends_ms(self, config: GameConfig) -> int:
        return self.created_ms + config.raid_lobby_countdown_ms

    def is_open(self, now_ms: int, config: GameConfig) -> bool:
        return now_ms < self.countdown_ends_ms(config)


def fight_ms(raid: Raid, config: GameConfig) -> int:
    return config.raid_fight_s_tier5 * 1000 if raid.tier == 5 else config.raid_fight_s * 1000


def check_joinable(raid: Raid, now_ms: int, config: GameConfig) -> None:
    phase = raid.phase(now_ms)
    if phase in ("upcoming", "egg"):
        raise Conflict("the raid egg hasn't hatched yet", code="raid_not_started",
                       retry_after_s=-(-(raid.hatch_ms - now_ms) // 1000))
    # A lobby opened now must be able to count down and fight before the boss leaves.
    if phase == "over" or now_ms + config.raid_lobby_countdown_ms + fight_ms(raid, config) > raid.end_ms:
        raise Conflict("this raid is over or about to end", code="raid_over")


def choose_lobby(lobbies: Sequence[Lobby], raid_id: str, remote: bool, now_ms: int,
                 config: GameConfig, pick=None) -> tuple[Lobby, bool]:
    """The lobby to join, and whether it is a new one: one of the lobbies still counting
    down with room (and, for a remote player, room for one more remote), else the next
    number. A new lobby opens only when none has room, so lobbies stay few and full;
    ``pick`` chooses among those with room (default: the lowest-numbered) — spreading
    simultaneous joins over them makes fewer of them collide on one lobby's count."""
    joinable = [lb for lb in sorted(lobbies, key=lambda lb: lb.number)
                if lb.is_open(now_ms, config) and lb.size < config.raid_lobby_size
                and not (remote and lb.remote_count >= config.raid_lobby_remote_max)]
    if joinable:
        return (pick(joinable) if pick else joinable[0]), False
    number = max((lb.number for lb in lobbies), default=0) + 1
    return Lobby(raid_id=raid_id, number=number, created_ms=now_ms), True


def member_for(player_id: str, team: str | None, remote: bool, now_ms: int,
               creatures: Sequence[Creature]) -> Member:
    return Member(player_id=player_id, team=team, remote=remote, joined_ms=now_ms,
                  attackers=tuple(Attacker(c.creature_id, c.species_id, c.level, c.ivs)
                                  for c in creatures))


def check_remote_allowance(remote_day: int, remote_today: int, now_ms: int,
                           config: GameConfig) -> tuple[int, int]:
    """The player's (day, remote raids that day) after one more remote join."""
    today = now_ms // DAY_MS
    count = remote_today if remote_day == today else 0
    if count >= config.remote_raids_per_day:
        raise Conflict(f"at most {config.remote_raids_per_day} remote raids a day",
                       code="remote_raid_limit",
                       retry_after_s=-(-(DAY_MS - now_ms % DAY_MS) // 1000))
    return today, count + 1


def resolve(lobby: Lobby, raid: Raid, rng, config: GameConfig) -> LobbyResult:
    """The lobby's battle: every member's attackers against the boss, once."""
    teams = {pid: [Fighter(a.creature_id, a.species_id, a.level, a.ivs) for a in m.attackers]
             for pid, m in lobby.members.items()}
    boss = Fighter("boss", raid.boss_species_id, BOSS_LEVEL, IVs(15, 15, 15))
    outcome: RaidBattleResult = raid_battle(rng, teams, boss, raid.boss_hp,
                                            fight_ms(raid, config) // 1000, config)
    return LobbyResult(won=outcome.won, damage=dict(outcome.damage), boss_hp=outcome.boss_hp)


def check_claimable(lobby: Lobby | None, player_id: str, claimed: bool, now_ms: int,
                    config: GameConfig) -> Lobby:
    if lobby is None or player_id not in lobby.members:
        raise NotFound("you are not in this raid", code="not_in_raid")
    if claimed:
        raise Conflict("this raid's reward was already claimed", code="raid_reward_claimed")
    if lobby.is_open(now_ms, config):
        raise Conflict("the lobby is still counting down", code="raid_not_finished",
                       retry_after_s=-(-(lobby.countdown_ends_ms(config) - now_ms) // 1000))
    return lobby


def with_result(lobby: Lobby, result: LobbyResult) -> Lobby:
    return replace(lobby, result=result)

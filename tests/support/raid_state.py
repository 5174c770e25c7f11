"""Raids for the API tier: a raid to fight (the clock moved into its battle phase), and its
lobbies and boss encounters as stored in DynamoDB (race tests read the items themselves)."""
from dataclasses import dataclass

from geocritters import bootstrap
from geocritters.adapters.models import EncounterRecord, LobbyRecord
from geocritters.game.config import MINUTE_MS
from geocritters.game.raids import raid_at
from tests.support.nearby import HOME

_TAKEN: set[str] = set()  # raids a test of this session fought: every test gets a fresh one


def tier_one_raid(clock, near=HOME, radius_m: float = 1000.0):
    """(raid, gym): a tier-1 raid at a gym near ``near`` that no lobby exists for yet, with
    the fake ``clock`` moved a minute into its battle phase (as tests/unit/usecases/
    test_raids.py does). The tables outlive a test, so each call takes another raid."""
    ctx = bootstrap.game_context()
    gyms = [f for f in ctx.world.forts_near(*near, radius_m) if f.kind == "gym"]
    start = clock.now_ms()
    for hours in range(0, 24 * 14):
        at = start + hours * 3_600_000
        for gym in gyms:
            raid = raid_at(ctx.keys.spawns, gym, at, ctx.config)
            if raid is None or raid.tier != 1 or raid.raid_id in _TAKEN:
                continue
            _TAKEN.add(raid.raid_id)
            if ctx.lobbies.lobbies(raid.raid_id):
                continue  # fought by an earlier run on these tables
            clock.advance(raid.hatch_ms + MINUTE_MS - clock.now_ms())
            return raid, gym
    raise AssertionError(f"no untaken tier-1 raid within {radius_m:g} m in two weeks")


@dataclass(frozen=True)
class StoredLobbies:
    headers: dict[int, LobbyRecord]  # lobby number -> header item ("L0001")
    members: dict[int, list[str]]  # lobby number -> players of its member items ("M0001#<player>")


def stored_lobbies(raid_id: str) -> StoredLobbies:
    """Every item of the raid's partition in the lobbies table, read consistently."""
    headers, members = {}, {}
    for item in LobbyRecord.query(raid_id, consistent_read=True):
        number = int(item.item_id[1:5])
        if item.item_id.startswith("L"):
            headers[number] = item
        else:
            assert item.item_id == f"M{number:04d}#{item.player_id}", item.item_id
            members.setdefault(number, []).append(item.player_id)
    return StoredLobbies(headers, members)


def boss_encounters(player_id: str, raid_id: str) -> list[EncounterRecord]:
    """The player's stored encounters with the raid's boss (their spawn id is the raid's)."""
    return [e for e in EncounterRecord.query(player_id, consistent_read=True)
            if e.spawn_id == raid_id]

"""Concurrency at raids: joins, resolutions and claims that really race (a barrier releases
them together) over HTTP against DynamoDB Local. Never run on moto: it is not
thread-safe, so a pass there would prove nothing. ``RACE_TRIALS`` repeats each race
(default 3), ``RACE_TRIALS_HEAVY`` the 200-player one (default 1)."""
import json
import os
import time

import pytest

from geocritters import bootstrap
from tests.support.game_state import edit_player, give_creature, player
from tests.support.races import TRIALS, race, until_settled
from tests.support.raid_state import boss_encounters, stored_lobbies, tier_one_raid

HEAVY_TRIALS = int(os.environ.get("RACE_TRIALS_HEAVY", "1"))
STRONG = 39  # Auroxen: at level 40, one player's six beat a tier-1 boss


pytestmark = pytest.mark.usefixtures("real_database_only")


def _raider(api, name: str, attackers: int = 1, passes: int = 1):
    """A level-5+ player of team blue holding ``passes`` raid passes and ``attackers``
    level-40 creatures: (player id, token, creature ids)."""
    player_id, token = api.login(name)
    edit_player(player_id, team="blue", xp=10_000, items={"raid_pass": passes})
    team = [give_creature(player_id, n, species_id=STRONG, level=40.0).creature_id
            for n in range(attackers)]
    return player_id, token, team


def _join(api, raid, gym, token, team, key, busy=None):
    return until_settled(lambda: api.call(
        "POST", f"/v1/raids/{raid.raid_id}/join",
        {"creature_ids": team, "lat": gym.lat, "lng": gym.lng}, token=token,
        headers={"Idempotency-Key": key}), busy=busy)


def _claim(api, raid, token, key, busy=None):
    return until_settled(lambda: api.call(
        "POST", f"/v1/raids/{raid.raid_id}/claim", token=token,
        headers={"Idempotency-Key": key}), busy=busy)


def _lobby_of(raiders, api, raid, gym, trial):
    """Every raider joins, one after the other: one lobby, still counting down."""
    for n, (_, token, team) in enumerate(raiders):
        status, body = _join(api, raid, gym, token, team, f"lobby-{trial}-{n}")
        assert status == 200 and body["lobby"] == 1, body


@pytest.mark.parametrize("trial", range(HEAVY_TRIALS))
def test_two_hundred_players_joining_at_once_fill_lobbies_of_twenty(api, clock, trial):
    raiders = [_raider(api, f"raid-crowd-{trial}-{n:03d}", passes=2) for n in range(200)]
    raid, gym = tier_one_raid(clock)
    busy = []

    started = time.monotonic()
    results = race(200, lambda i: _join(api, raid, gym, raiders[i][1], raiders[i][2],
                                        f"crowd-{trial}-{i:03d}", busy))
    elapsed = time.monotonic() - started
    print(f"\n200 concurrent joins: {elapsed:.1f} s wall, {len(busy)} retries after a 503")

    assert all(status == 200 for status, _ in results), [r for r in results if r[0] != 200]
    stored = stored_lobbies(raid.raid_id)
    assert 10 <= len(stored.headers) <= 11, sorted(stored.headers)
    assert set(stored.members) == set(stored.headers)
    for number, header in stored.headers.items():
        assert header.size == len(stored.members[number]) <= 20, (number, header.size)
        assert header.result is None
    member_of = {}
    for number, players in stored.members.items():
        for member in players:
            assert member not in member_of, f"{member} is in lobbies {member_of[member]} and {number}"
            member_of[member] = number
    assert sorted(member_of) == sorted(p for p, _, _ in raiders)
    for (player_id, _, _), (_, body) in zip(raiders, results, strict=True):
        state = player(player_id)
        assert state.raids[raid.raid_id] == (member_of[player_id], False)
        assert body["lobby"] == member_of[player_id]
        assert state.items["raid_pass"] == 1  # one of two spent: charged exactly once
    print(f"lobby sizes: {[stored.headers[n].size for n in sorted(stored.headers)]}")


@pytest.mark.parametrize("trial", range(TRIALS))
def test_one_player_joining_twice_at_once_joins_once(api, clock, trial):
    player_id, token, team = _raider(api, f"raid-twice-{trial}", passes=2)
    raid, gym = tier_one_raid(clock)

    results = race(2, lambda i: _join(api, raid, gym, token, team, f"twice-{trial}-{i}"))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    joined = next(body for status, body in results if status == 200)
    refused = next(body for status, body in results if status == 409)
    assert refused["error"]["code"] == "already_in_raid"
    assert joined["lobby"] == 1 and joined["members"] == 1
    state = player(player_id)
    assert state.items["raid_pass"] == 1
    assert state.raids[raid.raid_id] == (1, False)
    stored = stored_lobbies(raid.raid_id)
    assert stored.members == {1: [player_id]} and stored.headers[1].size == 1


@pytest.mark.parametrize("trial", range(TRIALS))
def test_ten_members_claiming_at_once_resolve_the_battle_once(api, clock, trial):
    raiders = [_raider(api, f"raid-resolve-{trial}-{n}", attackers=6) for n in range(10)]
    raid, gym = tier_one_raid(clock)
    _lobby_of(raiders, api, raid, gym, trial)
    clock.advance(bootstrap.game_context().config.raid_lobby_countdown_ms)

    results = race(10, lambda i: _claim(api, raid, raiders[i][1], f"resolve-{trial}-{i}"))

    assert all(status == 200 for status, _ in results), results
    bodies = [body for _, body in results]
    header = stored_lobbies(raid.raid_id).headers[1]
    assert header.result is not None, "the lobby's battle was never stored"
    stored = json.loads(header.result)
    assert stored["won"], stored  # ten level-40 teams beat a tier-1 boss
    assert {(b["won"], b["boss_hp"]) for b in bodies} == {(stored["won"], stored["boss_hp"])}
    assert {p: b["damage"] for (p, _, _), b in zip(raiders, bodies, strict=True)} == stored["damage"]
    assert sum(b["damage"] for b in bodies) == stored["boss_hp"] == raid.boss_hp
    for (player_id, _, _), body in zip(raiders, bodies, strict=True):
        encounters = boss_encounters(player_id, raid.raid_id)
        assert len(encounters) == 1 and encounters[0].encounter_id == body["encounter"]["encounter_id"]
        assert player(player_id).raids[raid.raid_id] == (1, True)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_one_member_claiming_five_times_at_once_gets_one_encounter(api, clock, trial):
    player_id, token, team = _raider(api, f"raid-greedy-{trial}", attackers=6)
    raid, gym = tier_one_raid(clock)
    _lobby_of([(player_id, token, team)], api, raid, gym, trial)
    clock.advance(bootstrap.game_context().config.raid_lobby_countdown_ms)

    results = race(5, lambda i: _claim(api, raid, token, f"greedy-{trial}-{i}"))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409, 409, 409, 409], results
    won = next(body for status, body in results if status == 200)
    assert won["won"] and won["encounter"] is not None, won
    assert {body["error"]["code"] for status, body in results if status == 409} == {"raid_reward_claimed"}
    encounters = boss_encounters(player_id, raid.raid_id)
    assert [e.encounter_id for e in encounters] == [won["encounter"]["encounter_id"]]
    assert player(player_id).raids[raid.raid_id] == (1, True)


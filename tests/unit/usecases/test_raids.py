"""Raids on the in-memory store: join a lobby with a pass, win, claim one boss
encounter each, throw its Premier Balls; every refusal changes nothing."""
from dataclasses import replace

import pytest

from geocritters.game.catching import Throw
from geocritters.game.config import MINUTE_MS
from geocritters.game.entities import Creature
from geocritters.game.errors import Conflict, InvalidInput, NotFound
from geocritters.game.raids import raid_at
from geocritters.game.stats import IVs
from geocritters.usecases import raids
from geocritters.usecases.auth import guest_login
from geocritters.usecases.catch import throw
from geocritters.usecases.ports import AddCreature, SavePlayer
from tests.unit.usecases.conftest import HOME

FAR = 0.05  # degrees of latitude: ~5.5 km, a remote join


def _tier_one_raid(ctx):
    """A tier-1 raid at a gym near HOME, with the clock moved into its battle phase."""
    gyms = [f for f in ctx.world.forts_near(*HOME, 1000.0) if f.kind == "gym"]
    start = ctx.clock.now_ms()
    for hours in range(0, 96):
        at = start + hours * 3_600_000
        for gym in gyms:
            raid = raid_at(ctx.keys.spawns, gym, at, ctx.config)
            if raid is not None and raid.tier == 1:
                ctx.clock.advance(raid.hatch_ms + MINUTE_MS - ctx.clock.now_ms())
                return raid, gym
    raise AssertionError("no tier-1 raid near HOME in four days")


def _player(ctx, store, device, team="blue", items=None):
    player_id = guest_login(ctx, device)["player_id"]
    store.commit([SavePlayer(replace(
        store.get_player(player_id), team=team, xp=10_000,
        items=items if items is not None else {"ball": 10, "raid_pass": 1}))])
    return player_id


def _team(store, player_id, n=3):
    creatures = [Creature(player_id, f"cr-{i:013d}-{player_id[-6:]}", 30 + i, 35.0, 2500,
                          IVs(15, 15, 15), 1_700_000_000_000, f"en-{i}") for i in range(n)]
    store.commit([AddCreature(c) for c in creatures])
    return [c.creature_id for c in creatures]


def _join(ctx, player_id, raid, gym, team, key="j-1", lat=None):
    return raids.join_raid(ctx, player_id, raid.raid_id, team,
                           gym.lat if lat is None else lat, gym.lng, key, f"fp-{key}")


@pytest.fixture
def raid_here(ctx):
    return _tier_one_raid(ctx)


def test_three_players_win_and_each_catches_or_loses_the_boss_once(ctx, store, raid_here):
    raid, gym = raid_here
    players = [_player(ctx, store, f"raider-{n}") for n in range(3)]
    joined = [_join(ctx, p, raid, gym, _team(store, p)) for p in players]
    assert [j["lobby"] for j in joined] == [1, 1, 1] and joined[-1]["members"] == 3
    assert all(store.get_player(p).items["raid_pass"] == 0 for p in players)
    with pytest.raises(Conflict) as refused:  # the countdown runs
        raids.claim_raid(ctx, players[0], raid.raid_id, "c-early", "fp")
    assert refused.value.code == "raid_not_finished"

    ctx.clock.advance(ctx.config.raid_lobby_countdown_ms)
    claims = [raids.claim_raid(ctx, p, raid.raid_id, "c-1", "fp-c") for p in players]
    assert all(c["won"] for c in claims)
    assert sum(c["damage"] for c in claims) == raid.boss_hp
    assert all(c["premier_balls"] >= 5 for c in claims)
    assert raids.claim_raid(ctx, players[0], raid.raid_id, "c-1", "fp-c") == claims[0]
    with pytest.raises(Conflict) as refused:
        raids.claim_raid(ctx, players[0], raid.raid_id, "c-2", "fp-c2")
    assert refused.value.code == "raid_reward_claimed"
    assert len(store.tables.lobbies) == 1  # one stored result for the lobby
    assert next(iter(store.tables.lobbies.values())).result.won

    for player, claim in zip(players, claims, strict=True):
        encounter_id = claim["encounter"]["encounter_id"]
        with pytest.raises(Conflict) as refused:
            throw(ctx, player, encounter_id, Throw(ball="ball"), "t-bag", "fp-bag")
        assert refused.value.code == "premier_ball_only"
        outcomes = []
        for n in range(claim["premier_balls"]):
            answer = throw(ctx, player, encounter_id, Throw(ball="premier_ball"), f"t-{n}", f"fp-t{n}")
            outcomes.append(answer["outcome"])
            if answer["outcome"] in ("caught", "fled"):
                break
        assert outcomes[-1] in ("caught", "fled") and outcomes.count("caught") <= 1
        assert store.get_player(player).items["ball"] == 10  # no bag ball spent
        caught = [c for c in store.tables.creatures.values()
                  if c.player_id == player and c.encounter_id == encounter_id]
        assert len(caught) == outcomes.count("caught")
        if caught:
            assert caught[0].species_id == raid.boss_species_id and caught[0].level == 20.0


def test_a_premier_ball_is_refused_at_a_wild_encounter(ctx, store):
    player = _player(ctx, store, "wild")
    from geocritters.usecases.encounter import start_encounter
    from tests.unit.usecases.conftest import spawns_near
    spawn = spawns_near(ctx)[0]
    encounter = start_encounter(ctx, player, spawn.id, spawn.lat, spawn.lng)
    with pytest.raises(Conflict) as refused:
        throw(ctx, player, encounter["encounter_id"], Throw(ball="premier_ball"), "t", "fp")
    assert refused.value.code == "premier_ball_raid_only"


def test_a_full_lobby_opens_the_next_one(ctx, store, raid_here):
    raid, gym = raid_here
    lobbies = []
    for n in range(21):
        player = _player(ctx, store, f"raider-{n}")
        lobbies.append(_join(ctx, player, raid, gym, _team(store, player, 1))["lobby"])
    assert lobbies == [1] * 20 + [2]
    assert sorted(lb.size for lb in store.tables.lobbies.values()) == [1, 20]


def test_remote_joins_count_against_the_lobby_and_the_day(ctx, store, raid_here):
    raid, gym = raid_here
    joined = []
    for n in range(6):
        player = _player(ctx, store, f"remote-{n}", items={"remote_raid_pass": 1})
        joined.append(_join(ctx, player, raid, gym, _team(store, player, 1), lat=gym.lat + FAR))
    assert all(j["remote"] for j in joined)
    assert [j["lobby"] for j in joined] == [1] * 5 + [2]
    tired = _player(ctx, store, "tired", items={"remote_raid_pass": 3})
    state = store.get_player(tired)
    store.commit([SavePlayer(replace(state, remote_raid_day=ctx.clock.now_ms() // 86_400_000,
                                     remote_raids_today=5))])
    with pytest.raises(Conflict) as refused:
        _join(ctx, tired, raid, gym, _team(store, tired, 1), lat=gym.lat + FAR)
    assert refused.value.code == "remote_raid_limit"


@pytest.mark.parametrize("case, code, error", [
    ("no_pass", "no_raid_pass", Conflict),
    ("twice", "already_in_raid", Conflict),
    ("egg", "raid_not_started", Conflict),
    ("over", "raid_over", Conflict),
    ("not_mine", "creature_not_found", NotFound),
    ("duplicate", "duplicate_creature", InvalidInput),
])
def test_refused_joins_change_nothing(ctx, store, raid_here, case, code, error):
    raid, gym = raid_here
    player = _player(ctx, store, "raider", items={} if case == "no_pass" else {"raid_pass": 1})
    team = _team(store, player)
    if case == "twice":
        store.commit([SavePlayer(replace(store.get_player(player), items={"raid_pass": 1},
                                         raids={raid.raid_id: (1, False)}))])
    elif case == "egg":
        ctx.clock.advance(raid.hatch_ms - 1 - ctx.clock.now_ms())
    elif case == "over":
        ctx.clock.advance(raid.end_ms - ctx.clock.now_ms())
    elif case == "not_mine":
        team = _team(store, _player(ctx, store, "someone else"))
    elif case == "duplicate":
        team = [team[0], team[0]]
    before = store.tables.snapshot()
    with pytest.raises(error) as refused:
        _join(ctx, player, raid, gym, team)
    assert refused.value.code == code
    assert store.tables.snapshot() == before


def test_claims_need_membership_and_unknown_raids_are_404(ctx, store, raid_here):
    raid, _ = raid_here
    outsider = _player(ctx, store, "outsider")
    with pytest.raises(NotFound) as refused:
        raids.claim_raid(ctx, outsider, raid.raid_id, "c-1", "fp")
    assert refused.value.code == "not_in_raid"
    with pytest.raises(InvalidInput) as refused:
        raids.view_raid(ctx, outsider, "rd-x-gy-0")
    assert refused.value.code == "invalid_raid_id"
    view = raids.view_raid(ctx, outsider, raid.raid_id)
    assert view["raid"]["phase"] == "battle" and view["lobby"] is None

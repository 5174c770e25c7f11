import json
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geocritters.game import battle
from geocritters.game.battle import (
    Fighter,
    GymBattleResult,
    RaidBattleResult,
    battle_types,
    effectiveness,
    gym_battle,
    raid_battle,
)
from geocritters.game.config import DEFAULT_CONFIG
from geocritters.game.errors import InvalidInput
from geocritters.game.levels import creature_levels
from geocritters.game.randomness import OutcomeRng, derive_key
from geocritters.game.species import roster
from geocritters.game.stats import IVs

KEY = derive_key(b"unit-test-secret", "battle")
OTHER_KEY = derive_key(b"unit-test-secret", "battle-other")
IV = IVs(10, 10, 10)
SEEDS = range(100)

# Species used below (see species.json).
PUDDLEFIN = 11  # water
CINDERCAT = 8  # fire
QUILLMOUSE = 31  # plain, weak
LUMIDRAKE = 38  # spark/air, the strongest
TEMPESTAG = 40  # air/spark


def fighter(ref: str, species_id: int, level: float, *, ivs: IVs = IV, scale: float = 1.0) -> Fighter:
    return Fighter(ref=ref, species_id=species_id, level=level, ivs=ivs, stat_scale=scale)


def rng(seed: int | str = 0, key: bytes = KEY) -> OutcomeRng:
    return OutcomeRng(key, "battle", seed)


def gym_win_rate(attackers, defenders) -> float:
    wins = sum(gym_battle(rng(s), attackers, defenders, DEFAULT_CONFIG).won for s in SEEDS)
    return wins / len(SEEDS)


# --- Type chart ---------------------------------------------------------------------------

def test_chart_knows_every_species_type():
    species_types = {t for sp in roster().values() for t in sp.types}
    assert species_types <= set(battle_types())
    assert len(battle_types()) == 13


def test_every_type_has_a_strength_and_a_weakness():
    types = battle_types()
    for t in types:
        assert any(effectiveness(t, [other]) > 1 for other in types), f"{t} beats nothing"
        assert any(effectiveness(other, [t]) > 1 for other in types), f"nothing beats {t}"


def test_chart_factors():
    assert effectiveness("water", ["fire"]) == 1.6
    assert effectiveness("fire", ["grass"]) == 1.6
    assert effectiveness("grass", ["water"]) == 1.6
    assert effectiveness("fire", ["water"]) == 0.625
    assert effectiveness("plain", ["water"]) == 1.0
    # Dual types multiply: grass on water/stone is doubly super effective.
    assert effectiveness("grass", ["water", "stone"]) == pytest.approx(2.56)
    assert effectiveness("water", ["fire", "water"]) == pytest.approx(1.0)
    assert effectiveness("fire", []) == 1.0


def test_chart_data_file_is_consistent():
    # The loader refuses typos; this also pins that no pairing is listed twice.
    data = json.loads(resources.files("geocritters.game").joinpath("types.json").read_text())
    for entry in data["types"].values():
        listed = entry["super_effective_against"] + entry["not_very_effective_against"]
        assert len(listed) == len(set(listed))


def test_unknown_type_is_refused():
    with pytest.raises(InvalidInput) as err:
        effectiveness("laser", ["fire"])
    assert err.value.code == "invalid_type"
    with pytest.raises(InvalidInput):
        effectiveness("fire", ["laser"])


# --- Gym battles --------------------------------------------------------------------------

def test_same_rng_stream_same_result():
    attackers = [fighter("a1", CINDERCAT, 20.0), fighter("a2", PUDDLEFIN, 20.0)]
    defenders = [fighter("d1", CINDERCAT, 20.0, ivs=IVs(10, 10, 11)), fighter("d2", PUDDLEFIN, 20.0)]
    first = gym_battle(rng(7), attackers, defenders, DEFAULT_CONFIG)
    assert gym_battle(rng(7), attackers, defenders, DEFAULT_CONFIG) == first


def test_different_rng_key_can_give_a_different_result():
    # A close mirror match: the damage rolls decide it.
    attackers = [fighter("a", CINDERCAT, 20.0)]
    defenders = [fighter("d", CINDERCAT, 20.0, ivs=IVs(10, 10, 11))]
    results = {gym_battle(rng(0, key=derive_key(b"k", str(i))), attackers, defenders, DEFAULT_CONFIG)
               for i in range(40)}
    assert len(results) > 1


def test_far_stronger_team_wins():
    attackers = [fighter(f"a{i}", LUMIDRAKE, 40.0, ivs=IVs(15, 15, 15)) for i in range(6)]
    defenders = [fighter(f"d{i}", QUILLMOUSE, 5.0) for i in range(6)]
    result = gym_battle(rng(), attackers, defenders, DEFAULT_CONFIG)
    assert result == GymBattleResult(
        defeated=tuple(f"d{i}" for i in range(6)), fainted=(), won=True, turns=result.turns
    )
    weak = gym_battle(rng(), defenders, attackers[:1], DEFAULT_CONFIG)
    assert not weak.won and weak.defeated == () and weak.fainted == tuple(f"d{i}" for i in range(6))


def test_type_advantage_matters(monkeypatch):
    # Water attacks fire. The very same battles with a neutral chart are the "otherwise
    # equal" team; at this level it only sometimes wins, with its advantage it always does.
    attackers = [fighter("a", PUDDLEFIN, 18.0)]
    defenders = [fighter("d", CINDERCAT, 20.0)]
    with_types = gym_win_rate(attackers, defenders)
    monkeypatch.setattr(battle, "effectiveness", lambda move_type, target_types: 1.0)
    neutral = gym_win_rate(attackers, defenders)
    assert with_types >= neutral + 0.1
    assert with_types > 0.9


def test_type_disadvantage_matters(monkeypatch):
    # The other way round: fire attacking water wins less often than with a neutral chart.
    attackers = [fighter("a", CINDERCAT, 24.0)]
    defenders = [fighter("d", PUDDLEFIN, 20.0)]
    with_types = gym_win_rate(attackers, defenders)
    monkeypatch.setattr(battle, "effectiveness", lambda move_type, target_types: 1.0)
    assert with_types + 0.1 <= gym_win_rate(attackers, defenders)


def test_low_motivation_defenders_fall_more_easily():
    attacker = [fighter("a", CINDERCAT, 20.0)]

    def beaten(scale: float) -> int:
        defenders = [fighter(f"d{i}", CINDERCAT, 20.0, scale=scale) for i in range(6)]
        return sum(len(gym_battle(rng(s), attacker, defenders, DEFAULT_CONFIG).defeated) for s in range(20))

    assert beaten(0.2) > beaten(0.6) > beaten(1.0)


def test_attacker_carries_its_hp_to_the_next_defender():
    # It beats a fresh defender every time, yet never the second one of two: the first
    # fight (the very same draws) used up its HP.
    attacker = [fighter("a", CINDERCAT, 22.0)]
    for s in range(20):
        alone = gym_battle(rng(s), attacker, [fighter("d1", CINDERCAT, 20.0)], DEFAULT_CONFIG)
        assert alone.won and alone.fainted == ()
        pair = [fighter("d1", CINDERCAT, 20.0), fighter("d2", CINDERCAT, 20.0)]
        both = gym_battle(rng(s), attacker, pair, DEFAULT_CONFIG)
        assert both.defeated == ("d1",) and both.fainted == ("a",) and not both.won
        assert both.turns > alone.turns


def test_defender_carries_its_hp_to_the_next_attacker():
    # Two attackers that each lose alone beat the defender together.
    defender = [fighter("d", CINDERCAT, 24.0)]
    solo = gym_battle(rng(), [fighter("a1", CINDERCAT, 20.0)], defender, DEFAULT_CONFIG)
    assert not solo.won
    duo = gym_battle(rng(), [fighter("a1", CINDERCAT, 20.0), fighter("a2", CINDERCAT, 20.0)], defender,
                     DEFAULT_CONFIG)
    assert duo.won and duo.fainted[:1] == ("a1",)


@pytest.mark.parametrize("size", [0, 7])
def test_gym_team_size_is_validated(size):
    attackers = [fighter(f"a{i}", CINDERCAT, 20.0) for i in range(size)]
    with pytest.raises(InvalidInput) as err:
        gym_battle(rng(), attackers, [fighter("d", CINDERCAT, 20.0)], DEFAULT_CONFIG)
    assert err.value.code == "invalid_team_size"


def test_gym_needs_a_defender():
    with pytest.raises(InvalidInput) as err:
        gym_battle(rng(), [fighter("a", CINDERCAT, 20.0)], [], DEFAULT_CONFIG)
    assert err.value.code == "no_defenders"


@pytest.mark.parametrize("scale", [0, -0.5, 1.5, True])
def test_stat_scale_is_validated(scale):
    with pytest.raises(InvalidInput) as err:
        fighter("a", CINDERCAT, 20.0, scale=scale)
    assert err.value.code == "invalid_stat_scale"


fighters = st.builds(
    Fighter,
    ref=st.just(""),  # replaced by position below, so refs are unique
    species_id=st.sampled_from(sorted(roster())),
    level=st.sampled_from(creature_levels()),
    ivs=st.builds(IVs, *[st.integers(0, 15)] * 3),
    stat_scale=st.sampled_from([0.2, 0.5, 0.8, 1.0]),
)


def _named(team: list[Fighter], prefix: str) -> list[Fighter]:
    return [Fighter(f"{prefix}{i}", f.species_id, f.level, f.ivs, f.stat_scale) for i, f in enumerate(team)]


@settings(max_examples=60, deadline=None)
@given(st.lists(fighters, min_size=1, max_size=6), st.lists(fighters, min_size=1, max_size=6),
       st.integers(0, 1000))
def test_gym_result_is_consistent(attackers, defenders, seed):
    attackers, defenders = _named(attackers, "a"), _named(defenders, "d")
    result = gym_battle(rng(seed), attackers, defenders, DEFAULT_CONFIG)
    # Defenders fall in order, as do attackers; one side always runs out.
    assert result.defeated == tuple(f.ref for f in defenders[: len(result.defeated)])
    assert result.fainted == tuple(f.ref for f in attackers[: len(result.fainted)])
    assert result.won == (len(result.defeated) == len(defenders))
    assert result.won or len(result.fainted) == len(attackers)
    assert result.turns >= 1
    assert result == gym_battle(rng(seed), attackers, defenders, DEFAULT_CONFIG)


# --- Raids --------------------------------------------------------------------------------

BOSS = fighter("boss", TEMPESTAG, 40.0, ivs=IVs(15, 15, 15))


def strong_team(prefix: str) -> list[Fighter]:
    return [fighter(f"{prefix}{i}", LUMIDRAKE, 40.0) for i in range(6)]


def test_strong_raid_wins_and_damage_sums_to_boss_hp():
    teams = {"p1": strong_team("a"), "p2": strong_team("b"), "p3": [fighter("c", QUILLMOUSE, 1.0)]}
    result = raid_battle(rng(), teams, BOSS, 3000, 180, DEFAULT_CONFIG)
    assert result.won and result.boss_hp == 3000
    assert set(result.damage) == {"p1", "p2", "p3"}
    assert sum(result.damage.values()) == 3000
    assert result.damage["p1"] > result.damage["p3"] >= 0


def test_weak_raid_loses_and_every_member_is_listed():
    teams = {"weak": [fighter("w", QUILLMOUSE, 1.0)], "idle": [fighter("x", QUILLMOUSE, 1.0)]}
    result = raid_battle(rng(), teams, BOSS, 20000, 180, DEFAULT_CONFIG)
    assert result == RaidBattleResult(won=False, damage=result.damage, boss_hp=20000)
    assert set(result.damage) == {"weak", "idle"}
    assert sum(result.damage.values()) < 20000


def test_raid_time_limit_counts():
    teams = {"p1": strong_team("a"), "p2": strong_team("b")}
    assert raid_battle(rng(), teams, BOSS, 4000, 180, DEFAULT_CONFIG).won
    assert not raid_battle(rng(), teams, BOSS, 4000, 10, DEFAULT_CONFIG).won


def test_raid_is_deterministic_whatever_the_member_order():
    teams = {"p1": strong_team("a"), "p2": [fighter("b", CINDERCAT, 25.0)]}
    result = raid_battle(rng(3), teams, BOSS, 5000, 120, DEFAULT_CONFIG)
    assert raid_battle(rng(3), dict(reversed(list(teams.items()))), BOSS, 5000, 120, DEFAULT_CONFIG) == result


@pytest.mark.parametrize("size", [0, 7])
def test_raid_team_size_is_validated(size):
    teams = {"p1": strong_team("a"), "p2": [fighter(f"b{i}", CINDERCAT, 20.0) for i in range(size)]}
    with pytest.raises(InvalidInput) as err:
        raid_battle(rng(), teams, BOSS, 1000, 180, DEFAULT_CONFIG)
    assert err.value.code == "invalid_team_size"


@pytest.mark.parametrize(("teams", "boss_hp", "time_limit_s", "code"), [
    ({}, 1000, 180, "no_raiders"),
    ({"p1": [BOSS]}, 0, 180, "invalid_boss_hp"),
    ({"p1": [BOSS]}, 1000, 0, "invalid_time_limit"),
])
def test_raid_arguments_are_validated(teams, boss_hp, time_limit_s, code):
    with pytest.raises(InvalidInput) as err:
        raid_battle(rng(), teams, BOSS, boss_hp, time_limit_s, DEFAULT_CONFIG)
    assert err.value.code == code


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(["p1", "p2", "p3", "p4"]), st.lists(fighters, min_size=1, max_size=6),
                       min_size=1),
       fighters, st.integers(1, 5000), st.integers(1, 120), st.integers(0, 1000))
def test_raid_damage_never_exceeds_boss_hp(teams, boss, boss_hp, time_limit_s, seed):
    teams = {m: _named(team, m) for m, team in teams.items()}
    result = raid_battle(rng(seed), teams, boss, boss_hp, time_limit_s, DEFAULT_CONFIG)
    assert set(result.damage) == set(teams)
    assert all(d >= 0 for d in result.damage.values())
    assert sum(result.damage.values()) <= boss_hp
    assert result.won == (sum(result.damage.values()) == boss_hp)

"""Gyms on the in-memory store: deploy, battle, take over, coins back once, berries, spins."""
import itertools
from dataclasses import replace

import pytest

from geocritters.game.config import DAY_MS, MINUTE_MS
from geocritters.game.entities import Creature
from geocritters.game.errors import Conflict, InvalidInput, NotFound, RuleRefused
from geocritters.game.gyms import DefenderReturn
from geocritters.game.stats import IVs
from geocritters.usecases import collection, gyms
from geocritters.usecases.auth import guest_login
from geocritters.usecases.gym_battle import battle
from geocritters.usecases.idempotency import fingerprint
from geocritters.usecases.ports import AddCreature, LockCreature, SavePlayer, SendReturn
from tests.unit.usecases.conftest import HOME

LEVEL_5_XP = 10_000


def _gym(ctx):
    """A generated gym near HOME with no raid under way now."""
    for fort in ctx.world.forts_near(*HOME, 1000.0):
        if fort.kind == "gym" and not gyms.raid_under_way(ctx, fort, ctx.clock.now_ms()):
            return fort
    raise AssertionError("no gym near HOME")


def _player(ctx, store, device, team):
    player_id = guest_login(ctx, device)["player_id"]
    store.commit([SavePlayer(replace(store.get_player(player_id), team=team, xp=LEVEL_5_XP,
                                     items={"ball": 50, "razz_berry": 30}))])
    return player_id


def _give(store, player_id, n, species_id=1, level=30.0):
    creature = Creature(player_id, f"cr-{n:013d}-{player_id[-6:]}", species_id, level,
                        1000 + n, IVs(15, 15, 15), 1_700_000_000_000, f"en-{n}")
    store.commit([AddCreature(creature)])
    return creature


def _deploy(ctx, player_id, gym, creature_id, key="d-1"):
    return gyms.deploy(ctx, player_id, gym.id, creature_id, gym.lat, gym.lng, key,
                       fingerprint("deploy", gym.id, creature_id, key))


def _battle(ctx, player_id, gym, creature_ids, key):
    return battle(ctx, player_id, gym.id, creature_ids, gym.lat, gym.lng, key,
                  fingerprint("battle", gym.id, creature_ids, key))


@pytest.fixture
def gym(ctx):
    return _gym(ctx)


def test_a_deploy_claims_an_empty_gym_and_locks_the_creature(ctx, store, gym):
    blue = _player(ctx, store, "blue-1", "blue")
    creature = _give(store, blue, 1)
    answer = _deploy(ctx, blue, gym, creature.creature_id)
    assert answer["gym"]["team"] == "blue" and answer["gym"]["free_slots"] == 5
    assert answer["gym"]["defenders"][0]["motivation"] == pytest.approx(0.9)
    assert _deploy(ctx, blue, gym, creature.creature_id) == answer  # a retry: same answer
    stored = store.get_gym(gym.id)
    assert stored.revision == 1 and len(stored.defenders) == 1
    assert store.get_creature(blue, creature.creature_id).defending_gym == gym.id
    assert store.get_player(blue).defending == {creature.creature_id: gym.id}
    for operation in (collection.transfer, collection.evolve, collection.power_up):
        with pytest.raises(Conflict) as refused:
            operation(ctx, blue, creature.creature_id, f"{operation.__name__}-1", "fp")
        assert refused.value.code == "creature_defending"
    assert store.get_creature(blue, creature.creature_id) is not None


@pytest.mark.parametrize("setup, code, error", [
    ("rival", "rival_gym", Conflict),
    ("twice", "already_defending_gym", Conflict),
    ("species", "species_already_defending", Conflict),
    ("no_team", "team_required", RuleRefused),
    ("defending", "creature_defending", Conflict),
    ("not_mine", "creature_not_found", NotFound),
    ("far", "out_of_range", RuleRefused),
])
def test_refused_deploys_change_nothing(ctx, store, gym, setup, code, error):
    blue = _player(ctx, store, "blue-1", "blue")
    _deploy(ctx, blue, gym, _give(store, blue, 1, species_id=1).creature_id)
    other = _player(ctx, store, "other", {"rival": "red", "no_team": None}.get(setup, "blue"))
    mine = _give(store, other, 2, species_id=1 if setup == "species" else 3)
    lat, lng, creature_id = gym.lat, gym.lng, mine.creature_id
    actor = other
    if setup == "twice":
        actor, creature_id = blue, _give(store, blue, 3, species_id=5).creature_id
    elif setup == "defending":
        actor, creature_id = blue, store.get_player(blue).defending.copy().popitem()[0]
    elif setup == "not_mine":
        creature_id = _give(store, blue, 4, species_id=7).creature_id
    elif setup == "far":
        lat += 0.01
    before = store.tables.snapshot()
    with pytest.raises(error) as refused:
        gyms.deploy(ctx, actor, gym.id, creature_id, lat, lng, "refused", "fp")
    assert refused.value.code == code
    assert store.tables.snapshot() == before


def test_six_defenders_at_most_and_twenty_gyms_per_player(ctx, store, gym):
    for n in range(6):
        player = _player(ctx, store, f"blue-{n}", "blue")
        _deploy(ctx, player, gym, _give(store, player, n, species_id=n + 1).creature_id)
    late = _player(ctx, store, "blue-late", "blue")
    with pytest.raises(Conflict) as refused:
        _deploy(ctx, late, gym, _give(store, late, 9, species_id=20).creature_id)
    assert refused.value.code == "gym_full"
    holder = store.get_player(late)
    store.commit([SavePlayer(replace(holder, defending={f"cr-{i}": f"gy-x-{i}" for i in range(20)}))])
    other_gym = next(f for f in ctx.world.forts_near(*HOME, 1000.0)
                     if f.kind == "gym" and f.id != gym.id)
    with pytest.raises(Conflict) as refused:
        gyms.deploy(ctx, late, other_gym.id, _give(store, late, 10, species_id=21).creature_id,
                    other_gym.lat, other_gym.lng, "d-20", "fp")
    assert refused.value.code in ("too_many_gyms", "raid_in_progress")


def _fight_until_taken(ctx, store, gym, attacker, team, limit=20):
    """Battle until every defender has left; the outcomes of each battle."""
    outcomes = []
    for n in range(limit):
        ctx.clock.advance(11 * MINUTE_MS)  # no travel cooldown: same place
        outcomes.append(_battle(ctx, attacker, gym, [c.creature_id for c in team], f"b-{n}"))
        if not store.get_gym(gym.id).defenders:
            return outcomes
    raise AssertionError("the gym never fell")


def test_a_battle_takes_a_gym_over_and_the_owner_gets_coins_back_once(ctx, store, gym):
    blue = _player(ctx, store, "blue-1", "blue")
    weak = _give(store, blue, 1, species_id=1, level=1.0)
    _deploy(ctx, blue, gym, weak.creature_id)
    red = _player(ctx, store, "red-1", "red")
    team = [_give(store, red, 10 + n, species_id=30 + n, level=35.0) for n in range(6)]

    first = _battle(ctx, red, gym, [c.creature_id for c in team], "b-first")
    assert first["won"] and first["defeated"] == [weak.creature_id]
    assert _battle(ctx, red, gym, [c.creature_id for c in team], "b-first") == first  # no re-roll
    outcomes = [first, *_fight_until_taken(ctx, store, gym, red, team)]
    assert sum(len(o["left_gym"]) for o in outcomes) == 1
    assert store.get_gym(gym.id).team is None
    assert store.get_player(red).xp > LEVEL_5_XP

    listed = gyms.my_defenders(ctx, blue)
    assert listed["defending"] == [] and [r["creature_id"] for r in listed["returned"]] == [weak.creature_id]
    coins = listed["returned"][0]["coins"]
    assert coins >= 1  # it defended for more than 10 minutes
    claimed = gyms.claim_defenders(ctx, blue, "c-1", "fp-claim")
    assert claimed["coins_credited"] == coins and store.get_player(blue).coins == coins
    assert gyms.claim_defenders(ctx, blue, "c-1", "fp-claim") == claimed  # a retry
    again = gyms.claim_defenders(ctx, blue, "c-2", "fp-claim")  # a new claim: nothing left
    assert again["returned"] == [] and store.get_player(blue).coins == coins
    assert store.get_creature(blue, weak.creature_id).defending_gym is None
    assert store.get_player(blue).defending == {}

    # The gym is neutral: red takes it; blue is blocked from coming straight back.
    _deploy(ctx, red, gym, team[0].creature_id, key="d-red")
    assert store.get_gym(gym.id).team == "red"


def test_the_daily_coin_cap_holds_across_claims(ctx, store):
    blue = _player(ctx, store, "blue-1", "blue")
    state = store.get_player(blue)
    now = ctx.clock.now_ms()
    store.commit([SavePlayer(replace(state, coin_day=now // DAY_MS, coins_today=45, coins=45))])
    creature = _give(store, blue, 1)
    store.commit([LockCreature(creature, "gy-x-1"),
                  SendReturn(DefenderReturn(blue, creature.creature_id, "gy-x-1", 0, now, 12))])
    claimed = gyms.claim_defenders(ctx, blue, "c-1", "fp")
    assert (claimed["coins_earned"], claimed["coins_credited"], claimed["coins"]) == (12, 5, 50)


def test_battle_refusals(ctx, store, gym):
    blue = _player(ctx, store, "blue-1", "blue")
    team = [_give(store, blue, n, species_id=n + 1) for n in range(2)]
    with pytest.raises(Conflict) as refused:
        _battle(ctx, blue, gym, [team[0].creature_id], "b-empty")
    assert refused.value.code == "gym_empty"
    _deploy(ctx, blue, gym, team[0].creature_id)
    with pytest.raises(Conflict) as refused:
        _battle(ctx, blue, gym, [team[1].creature_id], "b-own")
    assert refused.value.code == "own_team_gym"
    red = _player(ctx, store, "red-1", "red")
    with pytest.raises(NotFound) as refused:  # someone else's creature
        _battle(ctx, red, gym, [team[1].creature_id], "b-theirs")
    assert refused.value.code == "creature_not_found"
    mine = _give(store, red, 7)
    with pytest.raises(InvalidInput) as refused:
        _battle(ctx, red, gym, [mine.creature_id, mine.creature_id], "b-dup")
    assert refused.value.code == "duplicate_creature"


def test_berries_raise_motivation_with_shrinking_gains_and_a_limit(ctx, store, gym):
    blue = _player(ctx, store, "blue-1", "blue")
    creature = _give(store, blue, 1)
    _deploy(ctx, blue, gym, creature.creature_id)
    ctx.clock.advance(5 * 3_600_000)  # 5 h: motivation decays 0.9 -> 0.85
    gains = []
    for n in range(10):
        answer = gyms.feed(ctx, blue, gym.id, creature.creature_id, gym.lat, gym.lng,
                           f"f-{n}", f"fp-{n}")
        gains.append(answer["motivation_gained"])
        if answer["motivation"] >= 1.0:
            break
    assert gains[0] == pytest.approx(0.12, abs=1e-3) or gains[0] < 0.12
    assert all(a >= b for a, b in itertools.pairwise(gains))
    state = store.get_player(blue)
    assert state.items["razz_berry"] == 30 - len(gains)
    assert state.stardust == 20 * len(gains)
    store.commit([SavePlayer(replace(state, berry_feeds={gym.id: (ctx.clock.now_ms(), 10)}))])
    with pytest.raises(Conflict) as refused:
        gyms.feed(ctx, blue, gym.id, creature.creature_id, gym.lat, gym.lng, "f-x", "fp-x")
    assert refused.value.code in ("berry_limit", "motivation_full")


def test_a_gym_spin_gives_the_days_free_raid_pass_once(ctx, store, gym):
    blue = _player(ctx, store, "blue-1", "blue")
    first = gyms.spin_gym(ctx, blue, gym.id, gym.lat, gym.lng, "s-1", "fp-1")
    assert first["raid_pass"] == 1 and store.get_player(blue).items["raid_pass"] == 1
    with pytest.raises(Conflict) as refused:
        gyms.spin_gym(ctx, blue, gym.id, gym.lat, gym.lng, "s-2", "fp-2")
    assert refused.value.code == "gym_cooling_down"
    ctx.clock.advance(6 * MINUTE_MS)
    second = gyms.spin_gym(ctx, blue, gym.id, gym.lat, gym.lng, "s-3", "fp-3")
    assert second["raid_pass"] == 0 and store.get_player(blue).items["raid_pass"] == 1


def test_viewing_a_gym_needs_to_be_near_it(ctx, store, gym):
    blue = _player(ctx, store, "blue-1", "blue")
    page = gyms.view_gym(ctx, blue, gym.id, gym.lat, gym.lng)
    assert page["team"] is None and page["revision"] == 0 and page["defenders"] == []
    with pytest.raises(RuleRefused):
        gyms.view_gym(ctx, blue, gym.id, gym.lat + 0.01, gym.lng)
    stop = next(f for f in ctx.world.forts_near(*HOME, 1000.0) if f.kind == "stop")
    with pytest.raises(NotFound) as refused:
        gyms.view_gym(ctx, blue, stop.id, stop.lat, stop.lng)
    assert refused.value.code == "gym_not_found"

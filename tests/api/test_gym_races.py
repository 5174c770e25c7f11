"""Gyms under contention: requests that really race (a barrier releases them together)
over HTTP against DynamoDB Local, like test_races.py. Never run on moto. Every gym is a
fresh one in a random place (tests/support/gym_setup.py): LocalStack keeps its tables for
the whole run. ``RACE_TRIALS`` repeats each race (default 3)."""
from collections import Counter

import pytest

from geocritters import bootstrap
from geocritters.game.config import HOUR_MS, MINUTE_MS
from geocritters.game.species import species
from tests.support.game_state import give_creature, player
from tests.support.gym_setup import battle, claim, deploy, fresh_gyms, team_player, transfer
from tests.support.races import TRIALS, race, settled, until_settled

SLOTS = 6
DAILY_COIN_CAP = 50


pytestmark = pytest.mark.usefixtures("real_database_only")


def _store():
    return bootstrap.game_context().store


def _code(body) -> str | None:
    return (body or {}).get("error", {}).get("code")


def _assert_locked(owner_id, creature_id, gym_id):
    assert _store().get_creature(owner_id, creature_id).defending_gym == gym_id
    assert player(owner_id).defending.get(creature_id) == gym_id


def _assert_unlocked(owner_id, creature_id):
    creature = _store().get_creature(owner_id, creature_id)
    assert creature is not None and creature.defending_gym is None, creature
    assert creature_id not in player(owner_id).defending


# --- 1. thirty deploys, six slots ---------------------------------------------------

@pytest.mark.parametrize("trial", range(TRIALS))
def test_thirty_concurrent_deploys_to_one_empty_gym_fill_exactly_six_slots(api, trial):
    players = [team_player(api, f"gym-fill-{trial}-{i:02d}", "blue") for i in range(30)]
    # Thirty different species (and creature ids): only a full gym can refuse anyone.
    creatures = [give_creature(player_id, i, species_id=i + 1, level=20.0)
                 for i, (player_id, _) in enumerate(players)]
    gym, = fresh_gyms(1)

    results = race(30, lambda i: until_settled(lambda: deploy(
        api, players[i][1], gym, creatures[i].creature_id, f"fill-{trial}-{i:02d}")))

    assert {status for status, _ in results} <= {200, 409}, results
    won = [i for i, (status, _) in enumerate(results) if status == 200]
    assert len(won) == SLOTS, results
    assert Counter(_code(body) for status, body in results if status == 409) == {"gym_full": 30 - SLOTS}
    for i in won:
        assert results[i][1]["deployed"] == creatures[i].creature_id

    stored = _store().get_gym(gym.id)
    assert stored.team == "blue" and stored.revision == SLOTS
    assert sorted((d.owner_id, d.creature_id) for d in stored.defenders) == \
        sorted((players[i][0], creatures[i].creature_id) for i in won)
    for i, (player_id, _) in enumerate(players):
        if i in won:
            _assert_locked(player_id, creatures[i].creature_id, gym.id)
            assert player(player_id).defending == {creatures[i].creature_id: gym.id}
        else:
            _assert_unlocked(player_id, creatures[i].creature_id)
            assert player(player_id).defending == {}


# --- 2. two teams battle the same gyms; the owners claim ---------------------------

def _expected_coins(placed_ms: int, left_ms: int) -> int:
    return (left_ms - placed_ms) // MINUTE_MS // 10


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_teams_battling_two_gyms_at_once_return_each_defender_once_and_credit_once(
        api, clock, trial):
    start = clock.now_ms()
    battle_ms = start + 6 * HOUR_MS + MINUTE_MS
    gyms = fresh_gyms(2, at_ms=(battle_ms,))

    # Six blue owners defend both gyms with weak creatures; owner k deploys k hours in,
    # so at the battle each of its defenders has earned 36 - 6k coins (72 - 12k in
    # all: the daily cap of 50 bites for the first two owners).
    owners = [team_player(api, f"gym-owner-{trial}-{k}", "blue") for k in range(SLOTS)]
    defenders = {}  # creature id -> (owner index, gym)
    for k, (owner_id, token) in enumerate(owners):
        clock.advance(0 if k == 0 else HOUR_MS)
        for n, gym in enumerate(gyms):
            creature = give_creature(owner_id, 10 * k + n, species_id=k + 1, level=1.0)
            status, body = settled(deploy, api, token, gym, creature.creature_id,
                                    f"own-{trial}-{k}-{n}")
            assert status == 200, body
            defenders[creature.creature_id] = (k, gym)
    clock.advance(battle_ms - clock.now_ms())

    # Ten red and ten yellow attackers, half at each gym, with strong creatures.
    attackers = [team_player(api, f"gym-attacker-{trial}-{i:02d}", ("red", "yellow")[i // 10])
                 for i in range(20)]
    teams = [[give_creature(player_id, 100 + n, species_id=38 + n, level=35.0).creature_id for n in range(3)]
             for player_id, _ in attackers]

    claim_results = [[] for _ in owners]  # per owner: every claim's answer

    def battle_or_claim(round_no, i):
        if i < 20:
            return settled(battle, api, attackers[i][1], gyms[i % 2], teams[i],
                            f"battle-{trial}-{round_no}-{i:02d}")
        k = i - 20  # the owners claim while the battles land
        return settled(claim, api, owners[k][1], f"claim-{trial}-{round_no}-{k}")

    left = Counter()
    for round_no in range(5):
        results = race(20 + SLOTS, lambda i: battle_or_claim(round_no, i))  # noqa: B023
        for status, body in results[:20]:
            assert status in (200, 409), (status, body)
            if status == 409:
                assert _code(body) == "gym_empty", body
                continue
            left.update(body["left_gym"])
            assert all(d["motivation"] >= 0 for d in body["gym"]["defenders"]), body
        for k, (status, body) in enumerate(results[20:]):
            assert status == 200, body
            claim_results[k].append(body)
        for gym in gyms:
            stored = _store().get_gym(gym.id)
            assert all(d.motivation >= 0 for d in stored.defenders), stored
            ids = [d.creature_id for d in stored.defenders]
            assert len(ids) == len(set(ids)) and not set(ids) & set(left), stored
        if not any(_store().get_gym(gym.id).defenders for gym in gyms):
            break

    # Each defender left once, both gyms fell, and nothing else was ever removed.
    assert set(left) == set(defenders) and set(left.values()) == {1}, left
    for gym in gyms:
        stored = _store().get_gym(gym.id)
        assert stored.defenders == () and stored.team is None

    # Exactly one return per defender: in the inbox, or already claimed (once).
    claimed = Counter(r["creature_id"] for answers in claim_results for a in answers for r in a["returned"])
    pending = {}
    for owner_id, _ in owners:
        for r in _store().pending_returns(owner_id):
            pending[r.creature_id] = r
    assert set(claimed.values()) <= {1}, claimed
    assert not set(pending) & set(claimed), (pending, claimed)
    assert set(pending) | set(claimed) == set(defenders)

    # The owners claim five times each at once, with different keys.
    final = race(5 * SLOTS, lambda i: until_settled(lambda: claim(
        api, owners[i % SLOTS][1], f"claim-{trial}-final-{i:02d}")))
    assert all(status == 200 for status, _ in final), final
    for i, (_, body) in enumerate(final):
        claim_results[i % SLOTS].append(body)

    for k, (owner_id, _) in enumerate(owners):
        answers = claim_results[k]
        returned = [r for a in answers for r in a["returned"]]
        mine = sorted(c for c, (owner, _) in defenders.items() if owner == k)
        assert sorted(r["creature_id"] for r in returned) == mine, answers  # each claimed once
        for r in returned:
            assert r["coins"] == _expected_coins(r["placed_ms"], r["left_ms"]) == 36 - 6 * k
            assert r["left_ms"] == battle_ms
        earned = sum(r["coins"] for r in returned)
        assert sum(a["coins_earned"] for a in answers) == earned
        credited = min(earned, DAILY_COIN_CAP)
        assert sum(a["coins_credited"] for a in answers) == credited, answers
        state = player(owner_id)
        assert state.coins == credited and state.coins_today == credited
        assert state.defending == {}
        assert _store().pending_returns(owner_id) == []
        for creature_id in mine:
            _assert_unlocked(owner_id, creature_id)


# --- 3. a transfer raced with its deploy ---------------------------------------------

@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_transfer_raced_with_a_deploy_of_the_same_creature_lets_exactly_one_win(api, trial):
    players = [team_player(api, f"gym-transfer-{trial}-{k}", "blue") for k in range(SLOTS)]
    creatures = [give_creature(player_id, k, species_id=k + 1, level=20.0)
                 for k, (player_id, _) in enumerate(players)]
    families = [species(c.species_id).family for c in creatures]
    candy_before = [player(player_id).candy.get(families[k], 0) for k, (player_id, _) in enumerate(players)]
    gym, = fresh_gyms(1)

    def deploy_or_transfer(i):
        k = i % SLOTS
        token, creature_id = players[k][1], creatures[k].creature_id
        if i < SLOTS:
            return until_settled(lambda: deploy(api, token, gym, creature_id, f"both-{trial}-d-{k}"))
        return until_settled(lambda: transfer(api, token, creature_id, f"both-{trial}-t-{k}"))

    results = race(2 * SLOTS, deploy_or_transfer)

    stored = _store().get_gym(gym.id)
    defending = {d.creature_id for d in stored.defenders}
    for k, (player_id, _) in enumerate(players):
        (d_status, d_body), (t_status, t_body) = results[k], results[SLOTS + k]
        creature_id = creatures[k].creature_id
        state = player(player_id)
        assert sorted((d_status, t_status)) in ([200, 404], [200, 409]), \
            (d_status, d_body, t_status, t_body)
        if d_status == 200:  # deployed: it defends, still exists, was not transferred
            assert (t_status, _code(t_body)) == (409, "creature_defending"), t_body
            assert creature_id in defending
            _assert_locked(player_id, creature_id, gym.id)
            assert state.candy.get(families[k], 0) == candy_before[k]
        else:  # transferred: gone, no defender, no lock anywhere
            assert t_status == 200 and (d_status, _code(d_body)) == (404, "creature_not_found"), d_body
            assert creature_id not in defending
            assert _store().get_creature(player_id, creature_id) is None
            assert state.defending == {}
            assert state.candy.get(families[k], 0) == candy_before[k] + t_body["candy"]
    assert stored.revision == len(defending)

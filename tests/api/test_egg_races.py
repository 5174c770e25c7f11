"""Eggs, the buddy and the walking fold under contention: requests released together over
HTTP against DynamoDB Local (never moto: it is not thread-safe). Clients retry a 503 with
the same key. Each trial starts from a new player."""
from collections import Counter

import pytest

from geocritters import bootstrap
from geocritters.game.buddy import Buddy
from geocritters.game.config import MINUTE_MS
from geocritters.game.walking import Walk, fold
from tests.api.test_eggs import M_PER_DEG_LAT
from tests.support.game_state import edit_player, give_creature, give_egg, player
from tests.support.nearby import HOME
from tests.support.races import TRIALS, race, until_settled

RACERS = 10

pytestmark = pytest.mark.usefixtures("real_database_only")


def _store():
    return bootstrap.game_context().store


def _walked(player_id: str, metres: float) -> None:
    """The map folded ``metres`` of walking for this player."""
    assert _store().fold_walk(player_id, Walk(walked_m=metres, folded_ms=1), 0)


def _post(api, token, url, key):
    return until_settled(lambda: api.call("POST", url, None, token=token, headers={"Idempotency-Key": key}))


@pytest.mark.parametrize("trial", range(TRIALS))
def test_one_egg_hatched_by_many_requests_at_once_hatches_once(api, trial):
    me, token = api.login(f"egg-race-hatch-{trial}")
    edit_player(me, xp=5_000_000)
    egg = give_egg(me, 1, incubator="infinite")
    _walked(me, 2_500.0)
    before = player(me)

    answers = race(RACERS, lambda i: _post(api, token, f"/v1/me/eggs/{egg.egg_id}/hatch",
                                           f"race-hatch-{trial}-{i}"))

    statuses = Counter(status for status, _ in answers)
    assert statuses == {200: 1, 404: RACERS - 1}, answers
    hatched = next(body for status, body in answers if status == 200)
    after = player(me)
    assert after.eggs == {} and after.stardust == before.stardust + hatched["stardust"]
    assert after.xp == before.xp + hatched["xp"]
    family = after.candy  # one family: the egg's species
    assert sum(family.values()) == sum(before.candy.values()) + hatched["candy"]
    page, _ = _store().list_creatures(me, 50, None)
    assert [c.creature_id for c in page] == [hatched["creature"]["id"]]


@pytest.mark.parametrize("trial", range(TRIALS))
def test_buddy_candy_claimed_many_times_at_once_is_paid_once(api, trial):
    me, token = api.login(f"egg-race-candy-{trial}")
    buddy = give_creature(me, 1)  # a Mossling: a candy a km
    edit_player(me, buddy=Buddy(buddy.creature_id, buddy.species_id, 0.0))
    _walked(me, 3_400.0)

    answers = race(RACERS, lambda i: _post(api, token, "/v1/me/buddy/candy", f"race-candy-{trial}-{i}"))

    assert all(status == 200 for status, _ in answers), answers
    assert sum(body["candy_paid"] for _, body in answers) == 3, answers
    assert player(me).candy == {"Mossling": 3} and player(me).buddy.credited == 3


@pytest.mark.parametrize("trial", range(TRIALS))
def test_map_reports_at_once_fold_the_walk_once(api, clock, trial):
    """Seven minutes of walking reported one minute apart, then the same report from
    several devices at once: each sees the fold due, one fold lands, and the stored walk
    is exactly the trail's fold (no metre counted twice, none lost)."""
    me, token = api.login(f"egg-race-fold-{trial}")
    lat, lng = HOME[0] + 0.05 * trial, HOME[1]
    step = 80 / M_PER_DEG_LAT  # 80 m a minute: 4.8 km/h
    for _ in range(7):
        status, body, _ = api.call("GET", f"/v1/map?lat={lat}&lng={lng}", token=token)
        assert status == 200, body
        clock.advance(MINUTE_MS)
        lat += step
    assert player(me).walk.walked_m == 0  # nothing folded yet

    answers = race(RACERS, lambda i: until_settled(
        lambda: api.call("GET", f"/v1/map?lat={lat}&lng={lng}", token=token)))

    assert all(status == 200 for status, _ in answers), answers
    stored = player(me)
    assert stored.walk == fold(Walk(), stored.trail.values(), bootstrap.game_context().config)
    assert 7 * 80 - 1 < stored.walk.walked_m < 7 * 80 + 1, stored.walk
    assert stored.revision == 0  # the map's writes never touch an action's revision

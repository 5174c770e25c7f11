"""A hatch and a buddy-candy claim whose commit answers are lost pay once.

The commit reaches the table and its answer is lost: once (the SDK's own retry meets the
idempotency record) or on every SDK attempt (a 503; the client resends the same key).
Either way one creature hatches, the candy and stardust are paid once, the same key
answers the same again, and a new request finds nothing left to pay.

And the map's position write under a lost answer: distance walked is not lost (the
write keeps the sample it pushed out of its slot beside it, so the retry's answer, the
item after the first write, still tells the map what was replaced).
"""
import pytest

from geocritters import bootstrap
from geocritters.adapters.budget import SDK_TOTAL_ATTEMPTS
from geocritters.game.buddy import Buddy
from geocritters.game.config import MINUTE_MS
from geocritters.game.species import species
from geocritters.game.walking import TRAIL_SLOTS, walked_total
from tests.reliability.egg_play import M_PER_DEG
from tests.reliability.faults import LOST
from tests.support.game_state import edit_player, give_creature, give_egg, player
from tests.support.nearby import HOME

LOST_ONCE = (LOST,)
LOST_ALWAYS = (LOST,) * SDK_TOTAL_ATTEMPTS


def _post(api, token, path, key):
    return api.call("POST", path, None, token=token, headers={"Idempotency-Key": key})


def _settled(api, token, path, key, faults, lost):
    """The answer after the client's retries (503s resent with the same key)."""
    faults.force(*lost, operation="TransactWriteItems")
    status, body, _ = _post(api, token, path, key)
    faults.clear_forced()
    assert faults.by_kind()[LOST] == len(lost), "the commit was not the one faulted"
    if len(lost) == SDK_TOTAL_ATTEMPTS:
        assert status == 503, body
        status, body, _ = _post(api, token, path, key)
    assert status == 200, body
    return body


def _creatures(player_id):
    page, _ = bootstrap.game_context().store.list_creatures(player_id, 50, None)
    return {c.creature_id for c in page}


@pytest.mark.parametrize("lost", [LOST_ONCE, LOST_ALWAYS], ids=["lost-once", "lost-always"])
def test_a_hatch_whose_commit_answer_is_lost_pays_once(api, faults, lost):
    me, token = api.login()
    # Incubating from 2 km before the walked total (0): walked its distance already.
    egg = give_egg(me, 1, km=2, incubator="infinite", start_m=-2_000.0)
    before = player(me)
    path = f"/v1/me/eggs/{egg.egg_id}/hatch"
    body = _settled(api, token, path, "hatch-lost-1", faults, lost)
    after = player(me)
    family = species(body["creature"]["species"]).family
    assert _creatures(me) == {body["creature"]["id"]}
    assert egg.egg_id not in after.eggs
    assert after.candy[family] == before.candy.get(family, 0) + body["candy"]
    assert after.stardust == before.stardust + body["stardust"]
    assert after.xp == before.xp + body["xp"]
    assert _post(api, token, path, "hatch-lost-1")[:2] == (200, body)
    status, again, _ = _post(api, token, path, "hatch-lost-2")
    assert (status, again["error"]["code"]) == (404, "egg_not_found")
    assert player(me) == after and len(_creatures(me)) == 1


@pytest.mark.parametrize("lost", [LOST_ONCE, LOST_ALWAYS], ids=["lost-once", "lost-always"])
def test_a_buddy_candy_claim_whose_commit_answer_is_lost_pays_once(api, faults, lost):
    me, token = api.login()
    mossling = give_creature(me, 1)  # a candy every km
    # The buddy since 3 km before the walked total (0): 3 candies earned.
    edit_player(me, buddy=Buddy(mossling.creature_id, mossling.species_id, start_m=-3_000.0))
    before = player(me)
    body = _settled(api, token, "/v1/me/buddy/candy", "candy-lost-1", faults, lost)
    assert body["candy_paid"] == 3, body
    after = player(me)
    family = body["candy_family"]
    assert after.candy[family] == before.candy.get(family, 0) + 3
    assert after.buddy.credited == 3
    assert _post(api, token, "/v1/me/buddy/candy", "candy-lost-1")[:2] == (200, body)
    status, again, _ = _post(api, token, "/v1/me/buddy/candy", "candy-lost-2")
    assert status == 200 and again["candy_paid"] == 0, again
    assert player(me).candy == after.candy


def _report(api, token, clock, at_ms, north_m):
    clock.advance(at_ms - clock.now_ms())
    lat = HOME[0] + north_m / M_PER_DEG
    status, body, _ = api.call("GET", f"/v1/map?lat={lat:.6f}&lng={HOME[1]}", token=token)
    assert status == 200, body


def _walked(player_id):
    state = player(player_id)
    return walked_total(state.walk, state.trail, bootstrap.game_context().config)


def test_a_lost_position_write_answer_keeps_the_trail_sample_it_replaced(api, clock, faults):
    me, token = api.login()
    ring_ms = TRAIL_SLOTS * MINUTE_MS
    start = (clock.now_ms() // ring_ms + 1) * ring_ms + 30_000  # mid-minute, slot 0
    for minute, north_m in ((0, 0), (2, 300), (4, 600)):  # 2 legs, pending (not folded yet)
        _report(api, token, clock, start + minute * MINUTE_MS, north_m)
    walked = _walked(me)
    assert walked == pytest.approx(600, abs=2)
    # 10 minutes on (standing still) the report takes slot 0 again, replacing the pending
    # minute-0 sample. Its first update (same minute) fails its condition; the answer of
    # the second (a new minute) is lost, and the SDK's retry meets the first's write.
    faults.force(None, LOST, operation="UpdateItem")
    _report(api, token, clock, start + 10 * MINUTE_MS, 600)
    faults.clear_forced()
    assert faults.by_kind()[LOST] == 1
    assert _walked(me) == pytest.approx(walked, abs=1)

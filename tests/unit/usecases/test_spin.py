"""Spinning stops on the in-memory store."""
import pytest

from geocritters.game.errors import Conflict, NotFound, RuleRefused
from geocritters.usecases.idempotency import fingerprint
from geocritters.usecases.spin import spin

from .conftest import a_stop


def _spin(ctx, player_id, stop, key, lat=None, lng=None):
    lat, lng = stop.lat if lat is None else lat, stop.lng if lng is None else lng
    return spin(ctx, player_id, stop.id, lat, lng, key,
                fingerprint("spin", stop.id, {"lat": lat, "lng": lng}))


def test_a_first_spin_gives_bonus_xp_items_and_a_cooldown(ctx, player_id, store, clock):
    stop = a_stop(ctx)
    before = store.get_player(player_id)
    result = _spin(ctx, player_id, stop, "spin-1")
    assert result["first_visit"] is True and result["xp"] == 250
    assert 3 <= sum(result["items"].values()) <= 6
    assert result["cooldown_until_ms"] == clock.now_ms() + 5 * 60_000
    after = store.get_player(player_id)
    assert after.xp == before.xp + 250
    assert after.item_total == before.item_total + sum(result["items"].values())
    assert after.stop_cooldowns[stop.id] == result["cooldown_until_ms"]
    assert store.has_visited(player_id, stop.id)


def test_a_stop_cools_down_then_spins_again_without_the_bonus(ctx, player_id, clock):
    stop = a_stop(ctx)
    _spin(ctx, player_id, stop, "spin-1")
    with pytest.raises(Conflict) as refused:
        _spin(ctx, player_id, stop, "spin-2")
    assert refused.value.code == "stop_cooling_down" and refused.value.retry_after_s == 300
    clock.advance(5 * 60_000)
    again = _spin(ctx, player_id, stop, "spin-3")
    assert again["first_visit"] is False and again["xp"] == 50


def test_a_replayed_spin_rewards_once(ctx, player_id, store):
    stop = a_stop(ctx)
    first = _spin(ctx, player_id, stop, "spin-1")
    snapshot = store.tables.snapshot()
    assert _spin(ctx, player_id, stop, "spin-1") == first
    assert store.tables.snapshot() == snapshot


def test_a_stop_out_of_reach_or_unknown_is_refused(ctx, player_id, store):
    stop = a_stop(ctx)
    with pytest.raises(RuleRefused) as refused:
        _spin(ctx, player_id, stop, "spin-1", lat=stop.lat + 0.01)
    assert refused.value.code == "out_of_range"
    with pytest.raises(NotFound):
        spin(ctx, player_id, "poi-dr5ru7-nowhere", stop.lat, stop.lng, "spin-2", "f")
    assert not store.tables.visits and not store.tables.actions

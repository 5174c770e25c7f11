"""Friends, gifts and trades on the in-memory store: the rules that need stored state."""
from dataclasses import replace

import pytest

from geocritters.game.buddy import Buddy
from geocritters.game.config import DAY_MS
from geocritters.game.entities import Creature
from geocritters.game.errors import Conflict, RuleRefused
from geocritters.game.friends import trainer_code_candidate
from geocritters.game.levels import TRAINER_XP_THRESHOLDS
from geocritters.game.stats import IVs
from geocritters.game.walking import sample_at
from geocritters.usecases import friends, gifts, trades
from geocritters.usecases.auth import guest_login, player_id_for_device
from geocritters.usecases.idempotency import fingerprint
from geocritters.usecases.ports import AddCreature, SaveFriendship, SavePlayer
from tests.unit.usecases.conftest import HOME

LEVEL_10_XP = TRAINER_XP_THRESHOLDS[9]
_keys = iter(f"key-{n:06d}" for n in range(1_000_000))


def _key():
    return next(_keys)


def _player(ctx, store, device, **fields):
    player_id = guest_login(ctx, device)["player_id"]
    state = store.get_player(player_id)
    store.commit([SavePlayer(replace(state, xp=LEVEL_10_XP, stardust=100_000, **fields))])
    return player_id


def _friends(ctx, store, a, b, days=0):
    sent = friends.send_request(ctx, a, store.get_player(b).trainer_code, _key(), "fp")
    friends.accept(ctx, b, sent["request_id"], _key(), "fp")
    if days:
        sides = [next(f for f in store.friend_book(p).friends if f.friend_id == q)
                 for p, q in ((a, b), (b, a))]
        store.commit([SaveFriendship(replace(s, days=days)) for s in sides])


def _give(store, player_id, n, species_id=1):
    creature = Creature(player_id, f"cr-{n:013d}-social", species_id, 20.0, 500, IVs(0, 0, 0),
                        1_700_000_000_000, f"en-{n}")
    store.commit([AddCreature(creature)])
    return creature


def _seen(ctx, store, *players):
    for p in players:
        store.record_position(p, sample_at(*HOME, ctx.clock.now_ms()), 30)


def test_a_taken_trainer_code_moves_the_new_player_to_the_next_candidate(ctx, store):
    player_id = player_id_for_device(ctx.keys.player_ids, "device-unlucky")
    first = trainer_code_candidate(ctx.keys.trainer_codes, player_id, 0)
    store.tables.trainer_codes[first] = "pl-someoneelse"
    guest_login(ctx, "device-unlucky")
    assert store.get_player(player_id).trainer_code == trainer_code_candidate(
        ctx.keys.trainer_codes, player_id, 1)
    assert store.player_for_code(first) == "pl-someoneelse"


def test_accepting_respects_both_friend_limits(ctx, store):
    ctx.config = replace(ctx.config, friend_limit=1)
    a, b, c, d = (_player(ctx, store, f"device-limit-{n}") for n in range(4))
    to_d = friends.send_request(ctx, a, store.get_player(d).trainer_code, _key(), "fp")
    _friends(ctx, store, a, b)  # a is now at the limit
    from_c = friends.send_request(ctx, c, store.get_player(a).trainer_code, _key(), "fp")
    for accepter, request, code in [(a, from_c, "friend_limit"), (d, to_d, "their_friend_limit")]:
        with pytest.raises(Conflict) as refused:
            friends.accept(ctx, accepter, request["request_id"], _key(), "fp")
        assert refused.value.code == code
    assert [store.friend_book(p).count for p in (a, b, c, d)] == [1, 1, 0, 0]


def test_friendship_rises_at_most_once_a_day(ctx, store, clock):
    a, b = _player(ctx, store, "device-day-a"), _player(ctx, store, "device-day-b")
    _friends(ctx, store, a, b)
    store.commit([SavePlayer(replace(store.get_player(a), gifts=5))])
    store.commit([SavePlayer(replace(store.get_player(b), gifts=5))])
    for day in range(2):
        sent = gifts.send_gift(ctx, a, b, _key(), "fp")
        back = gifts.send_gift(ctx, b, a, _key(), "fp")
        gifts.open_gift(ctx, b, sent["gift_id"], _key(), "fp")
        gifts.open_gift(ctx, a, back["gift_id"], _key(), "fp")
        assert [f.days for f in store.friend_book(a).friends] == [day + 1]
        assert [f.days for f in store.friend_book(b).friends] == [day + 1]
        clock.advance(DAY_MS)


def test_best_friends_trade_known_species_cheaply_with_a_high_iv_floor(ctx, store):
    a = _player(ctx, store, "device-best-a", dex=frozenset({1, 2}))
    b = _player(ctx, store, "device-best-b", dex=frozenset({1, 2}))
    _friends(ctx, store, a, b, days=90)
    mine, theirs = _give(store, a, 1, species_id=1), _give(store, b, 2, species_id=2)
    _seen(ctx, store, a, b)
    trade = trades.propose(ctx, a, b, mine.creature_id, _key(), "fp")
    offered = trades.offer(ctx, b, trade["trade_id"], theirs.creature_id, _key(), "fp")
    assert offered["stardust_cost"] == ctx.config.trade_regular_stardust
    done = trades.confirm(ctx, a, trade["trade_id"], _key(), "fp")
    assert done["result"]["special"] is False
    assert store.get_player(a).stardust == 100_000 - ctx.config.trade_regular_stardust
    got = store.get_creature(a, theirs.creature_id)
    assert min(got.ivs.attack, got.ivs.defense, got.ivs.stamina) >= 5  # Best's floor
    # Received creatures can't be traded on.
    _seen(ctx, store, a, b)
    with pytest.raises(Conflict) as refused:
        trades.propose(ctx, a, b, got.creature_id, _key(), "fp")
    assert refused.value.code == "creature_already_traded"


def _offered_trade(ctx, store, tag):
    """Two fresh friends side by side, and a trade one proposed and the other answered:
    (proposer, receiver, their creatures, the trade)."""
    a, b = _player(ctx, store, f"device-{tag}-a"), _player(ctx, store, f"device-{tag}-b")
    _friends(ctx, store, a, b)
    mine, theirs = _give(store, a, 1), _give(store, b, 2)
    _seen(ctx, store, a, b)
    trade = trades.propose(ctx, a, b, mine.creature_id, _key(), "fp")
    trades.offer(ctx, b, trade["trade_id"], theirs.creature_id, _key(), "fp")
    return a, b, mine, theirs, trade


def test_a_creature_changed_after_the_offer_stops_the_trade_and_nothing_moves(ctx, store):
    a, b, _, theirs, trade = _offered_trade(ctx, store, "chg")
    store.tables.creatures[(b, theirs.creature_id)] = replace(theirs, level=21.0)  # powered up
    before = store.tables.snapshot()
    with pytest.raises(Conflict) as refused:
        trades.confirm(ctx, a, trade["trade_id"], _key(), "fp")
    assert refused.value.code == "trade_creature_changed"
    assert store.tables.snapshot() == before


def test_a_removed_friend_can_no_longer_complete_a_trade(ctx, store):
    a, b, mine, _, trade = _offered_trade(ctx, store, "rm")
    friends.remove(ctx, b, a, _key(), fingerprint("remove_friend", a))
    assert store.friend_book(a).count == 0 == store.friend_book(b).count
    with pytest.raises(RuleRefused) as refused:
        trades.confirm(ctx, a, trade["trade_id"], _key(), "fp")
    assert refused.value.code == "not_friends"
    assert store.get_creature(a, mine.creature_id) == mine


def test_a_friend_whose_account_is_gone_is_no_one_to_trade_with(ctx, store):
    a, b = _player(ctx, store, "device-gone-a"), _player(ctx, store, "device-gone-b")
    _friends(ctx, store, a, b)
    mine = _give(store, a, 1)
    _seen(ctx, store, a, b)
    del store.tables.players[b]  # a deleted account, or a partial restore
    with pytest.raises(RuleRefused) as refused:
        trades.propose(ctx, a, b, mine.creature_id, _key(), "fp")
    assert refused.value.code == "not_friends"


def test_a_buddy_is_never_traded_away(ctx, store):
    """Proposing or offering the buddy is refused; a creature made the buddy after the
    offer stops the confirmation, and nothing moves."""
    a, b, mine, theirs, trade = _offered_trade(ctx, store, "buddy")
    for who, creature in ((a, mine), (b, theirs)):
        store.commit([SavePlayer(replace(store.get_player(who), buddy=Buddy(creature.creature_id, 1, 0.0)))])
    before = store.tables.snapshot()
    with pytest.raises(Conflict) as refused:
        trades.confirm(ctx, a, trade["trade_id"], _key(), "fp")
    assert refused.value.code == "creature_is_buddy"
    assert store.tables.snapshot() == before
    with pytest.raises(Conflict) as refused:
        trades.propose(ctx, a, b, mine.creature_id, _key(), "fp")
    assert refused.value.code == "creature_is_buddy"
    again = trades.propose(ctx, a, b, _give(store, a, 3).creature_id, _key(), "fp")
    with pytest.raises(Conflict) as refused:
        trades.offer(ctx, b, again["trade_id"], theirs.creature_id, _key(), "fp")
    assert refused.value.code == "creature_is_buddy"

"""What the friends, gifts and trades use cases may rely on from a store, for every
backend (conftest.py): each new change type's write condition, trainer codes, and the
reads (friends book, inbox, trades, one read per action), the same on the in-memory fake
and on DynamoDB."""
import uuid
from dataclasses import replace

import pytest

from geocritters.game.entities import Creature
from geocritters.game.friends import FriendRequest, Friendship
from geocritters.game.gifts import Gift
from geocritters.game.player import PlayerState
from geocritters.game.stats import IVs
from geocritters.game.trades import Trade
from geocritters.usecases.ports import (
    ActionReads,
    AddCreature,
    AddFriendRequest,
    AddFriendship,
    CountFriends,
    LinkTrade,
    LockCreature,
    Pair,
    RemoveFriendRequest,
    RemoveFriendship,
    SaveFriendship,
    SavePlayer,
    SaveTrade,
    SendGift,
    StaleState,
    TakeGift,
    TradeAwayCreature,
    TrainerCodeTaken,
    UnlinkTrade,
)

NOW = 1_800_000_000_000
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS


def _id(prefix: str) -> str:
    """Unique per test: DynamoDB Local keeps its tables for the whole run."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _code() -> str:
    return str(uuid.uuid4().int % 10**12).zfill(12)


def _player(store, **fields) -> PlayerState:
    state = replace(PlayerState(player_id=_id("pl"), name="Trainer0001", created_ms=NOW,
                                stardust=100, items={"ball": 20}), **fields)
    store.create_player(state)
    return store.get_player(state.player_id)


def _creature(player_id: str, **fields) -> Creature:
    return replace(Creature(player_id, f"cr-{NOW:013d}-{uuid.uuid4().hex[:10]}", 7, 12.0, 345,
                            IVs(1, 2, 3), NOW, "en-x"), **fields)


def _request(sender: PlayerState, receiver: PlayerState, sent_ms: int = NOW) -> FriendRequest:
    return FriendRequest(sender.player_id, sender.name, receiver.player_id, receiver.name,
                         sent_ms, sent_ms + WEEK_MS)


def _sides(a: PlayerState, b: PlayerState) -> tuple[Friendship, Friendship]:
    return (Friendship(a.player_id, b.player_id, b.name, NOW),
            Friendship(b.player_id, a.player_id, a.name, NOW))


def _befriended(store, a: PlayerState, b: PlayerState) -> tuple[Friendship, Friendship]:
    """Both sides stored (revision 1), as an accept leaves them."""
    mine, theirs = _sides(a, b)
    store.commit([AddFriendship(mine), AddFriendship(theirs)])
    return replace(mine, revision=1), replace(theirs, revision=1)


def _gift(sender: PlayerState, receiver: PlayerState, sent_ms: int = NOW) -> Gift:
    return Gift(sender.player_id, sender.name, receiver.player_id, sent_ms,
                {"ball": 2, "razz_berry": 1})


def _trade(proposer: PlayerState, receiver: PlayerState, **fields) -> Trade:
    return replace(Trade(trade_id="tr-" + uuid.uuid4().hex[:24], proposer_id=proposer.player_id,
                         proposer_name=proposer.name, receiver_id=receiver.player_id,
                         receiver_name=receiver.name,
                         proposer_creature=_creature(proposer.player_id), created_ms=NOW,
                         expires_ms=NOW + 1_800_000), **fields)


def _count(store, player_id: str) -> int:
    return store.friend_book(player_id).count


# --- trainer codes -------------------------------------------------------------------------

def test_a_player_is_created_with_its_trainer_code_which_names_it(store):
    code = _code()
    player = _player(store, trainer_code=code)
    assert player.trainer_code == code
    assert store.player_for_code(code) == player.player_id
    assert store.player_for_code(_code()) is None


def test_a_trainer_code_held_by_another_player_refuses_the_whole_creation(store):
    code = _code()
    holder = _player(store, trainer_code=code)
    newcomer = PlayerState(player_id=_id("pl"), name="Trainer0002", created_ms=NOW,
                           trainer_code=code)
    with pytest.raises(TrainerCodeTaken):
        store.create_player(newcomer)
    assert store.get_player(newcomer.player_id) is None
    assert store.player_for_code(code) == holder.player_id
    # The next candidate code works.
    other = _code()
    assert store.create_player(replace(newcomer, trainer_code=other)) == replace(
        newcomer, trainer_code=other)
    assert store.player_for_code(other) == newcomer.player_id


def test_creating_an_existing_player_returns_it_unchanged_and_claims_no_code(store):
    code = _code()
    player = _player(store, trainer_code=code)
    assert store.create_player(player) == player  # a retry of the same creation
    other = _code()
    again = store.create_player(replace(player, name="Someone Else", stardust=9, trainer_code=other))
    assert again == player
    assert store.get_player(player.player_id) == player
    assert store.player_for_code(other) is None
    assert store.player_for_code(code) == player.player_id


def test_a_players_social_fields_are_saved_and_the_trainer_code_stays(store):
    player = _player(store, trainer_code=_code())
    changed = replace(player, gifts=3, gift_open_day=20_833, gifts_opened_today=2,
                      trade_day=20_833, trades_today=4, special_trades_today=1,
                      dex=frozenset({1, 7, 38}), trainer_code=None)
    store.commit([SavePlayer(changed)])
    assert store.get_player(player.player_id) == replace(
        changed, trainer_code=player.trainer_code, revision=1)


# --- friend requests ------------------------------------------------------------------------

def test_a_request_is_added_once_while_unexpired_on_either_side(store):
    a, b = _player(store), _player(store)
    request = _request(a, b)
    store.commit([AddFriendRequest(request, b.player_id, NOW),
                  AddFriendRequest(request, a.player_id, NOW)])
    assert store.friend_book(b.player_id).incoming == [request]
    assert store.friend_book(a.player_id).outgoing == [request]
    resent = _request(a, b, sent_ms=NOW + 5)
    for holder in (a, b):  # the last moment before it expires: still refused
        with pytest.raises(StaleState):
            store.commit([AddFriendRequest(resent, holder.player_id, request.expires_ms - 1)])
    assert store.friend_book(b.player_id).incoming == [request]


def test_a_request_is_added_over_an_expired_one(store):
    a, b = _player(store), _player(store)
    old = _request(a, b)
    store.commit([AddFriendRequest(old, b.player_id, NOW), AddFriendRequest(old, a.player_id, NOW)])
    renewed = _request(a, b, sent_ms=old.expires_ms)
    store.commit([AddFriendRequest(renewed, b.player_id, old.expires_ms),
                  AddFriendRequest(renewed, a.player_id, old.expires_ms)])
    assert store.friend_book(b.player_id).incoming == [renewed]
    assert store.friend_book(a.player_id).outgoing == [renewed]


def test_a_request_is_removed_once(store):
    a, b = _player(store), _player(store)
    request = _request(a, b)
    store.commit([AddFriendRequest(request, b.player_id, NOW),
                  AddFriendRequest(request, a.player_id, NOW)])
    store.commit([RemoveFriendRequest(request, b.player_id), RemoveFriendRequest(request, a.player_id)])
    assert store.friend_book(b.player_id).incoming == []
    assert store.friend_book(a.player_id).outgoing == []
    for holder in (a, b):
        with pytest.raises(StaleState):
            store.commit([RemoveFriendRequest(request, holder.player_id)])


def test_an_accept_removes_a_request_only_while_it_is_unexpired(store):
    a, b = _player(store), _player(store)
    request = _request(a, b)
    store.commit([AddFriendRequest(request, b.player_id, NOW)])
    with pytest.raises(StaleState):  # expired at that moment
        store.commit([RemoveFriendRequest(request, b.player_id, unexpired_at=request.expires_ms)])
    assert store.friend_book(b.player_id).incoming == [request]
    # Without unexpired_at (a decline or a cancel) the expired request goes.
    store.commit([RemoveFriendRequest(request, b.player_id)])
    assert store.friend_book(b.player_id).incoming == []
    store.commit([AddFriendRequest(request, b.player_id, NOW)])
    # The last moment it is unexpired: accepted.
    store.commit([RemoveFriendRequest(request, b.player_id, unexpired_at=request.expires_ms - 1)])
    assert store.friend_book(b.player_id).incoming == []


# --- friendships and counts --------------------------------------------------------------

def test_a_friendship_side_is_added_once_at_revision_1(store):
    a, b = _player(store), _player(store)
    mine, theirs = _sides(a, b)
    store.commit([AddFriendship(mine), AddFriendship(theirs)])
    assert store.friend_book(a.player_id).friends == [replace(mine, revision=1)]
    assert store.friend_book(b.player_id).friends == [replace(theirs, revision=1)]
    with pytest.raises(StaleState):
        store.commit([AddFriendship(replace(mine, since_ms=NOW + 1))])
    assert store.friend_book(a.player_id).friends == [replace(mine, revision=1)]


def test_a_friendship_side_is_saved_only_at_its_revision(store):
    a, b = _player(store), _player(store)
    mine, theirs = _befriended(store, a, b)
    met = replace(mine, days=1, last_day=20_833, gift_sent_day=20_833)
    store.commit([SaveFriendship(met), SaveFriendship(replace(theirs, days=1, last_day=20_833))])
    assert store.friend_book(a.player_id).friends == [replace(met, revision=2)]
    assert store.friend_book(b.player_id).friends == [
        replace(theirs, days=1, last_day=20_833, revision=2)]
    with pytest.raises(StaleState):  # computed from revision 1, stored is 2
        store.commit([SaveFriendship(replace(mine, days=5))])
    assert store.friend_book(a.player_id).friends == [replace(met, revision=2)]
    stranger = _sides(a, _player(store))[0]
    with pytest.raises(StaleState):  # no such side: nothing is created
        store.commit([SaveFriendship(replace(stranger, revision=1))])
    assert len(store.friend_book(a.player_id).friends) == 1


def test_saving_a_side_writes_its_days_and_gift_day_only(store):
    """Name and start are the side's identity: a save never rewrites them (DynamoDB
    updates days, last day, gift day and revision only)."""
    a, b = _player(store), _player(store)
    mine, _ = _befriended(store, a, b)
    store.commit([SaveFriendship(replace(mine, friend_name="Renamed", since_ms=NOW + 9, days=2))])
    assert store.friend_book(a.player_id).friends == [replace(mine, days=2, revision=2)]


def test_a_friendship_side_is_removed_once(store):
    a, b = _player(store), _player(store)
    mine, theirs = _befriended(store, a, b)
    store.commit([RemoveFriendship(mine), RemoveFriendship(theirs)])
    assert store.friend_book(a.player_id).friends == [] == store.friend_book(b.player_id).friends
    with pytest.raises(StaleState):
        store.commit([RemoveFriendship(mine)])


def test_a_friend_count_grows_up_to_its_limit_and_never_below_zero(store):
    a, b = _player(store), _player(store)
    assert _count(store, a.player_id) == 0
    with pytest.raises(StaleState):  # no count yet: nothing to take from
        store.commit([CountFriends(a.player_id, -1, limit=2)])
    store.commit([CountFriends(a.player_id, +1, limit=2), CountFriends(b.player_id, +1, limit=2)])
    store.commit([CountFriends(a.player_id, +1, limit=2)])
    assert (_count(store, a.player_id), _count(store, b.player_id)) == (2, 1)
    with pytest.raises(StaleState):  # at the limit; the whole commit is refused
        store.commit([CountFriends(b.player_id, +1, limit=2), CountFriends(a.player_id, +1, limit=2)])
    assert (_count(store, a.player_id), _count(store, b.player_id)) == (2, 1)
    store.commit([CountFriends(a.player_id, +1, limit=3)])  # a higher limit has room
    for _ in range(3):
        store.commit([CountFriends(a.player_id, -1, limit=3)])
    assert _count(store, a.player_id) == 0
    with pytest.raises(StaleState):
        store.commit([CountFriends(a.player_id, -1, limit=3)])
    assert _count(store, a.player_id) == 0


def test_a_friend_book_holds_the_whole_partition(store):
    me, friend, asker, asked = (_player(store) for _ in range(4))
    mine, _ = _befriended(store, me, friend)
    incoming, outgoing = _request(asker, me), _request(me, asked)
    store.commit([AddFriendRequest(incoming, me.player_id, NOW),
                  AddFriendRequest(outgoing, me.player_id, NOW),
                  CountFriends(me.player_id, +1, limit=5)])
    book = store.friend_book(me.player_id)
    assert (book.friends, book.incoming, book.outgoing, book.count) == (
        [mine], [incoming], [outgoing], 1)
    empty = store.friend_book(_id("pl"))
    assert (empty.friends, empty.incoming, empty.outgoing, empty.count) == ([], [], [], 0)


# --- gifts ---------------------------------------------------------------------------------

def test_a_sender_has_one_unopened_gift_in_a_receivers_inbox(store):
    sender, other, receiver = _player(store), _player(store), _player(store)
    first = _gift(sender, receiver)
    store.commit([SendGift(first)])
    with pytest.raises(StaleState):  # even a gift of another day
        store.commit([SendGift(_gift(sender, receiver, sent_ms=NOW + DAY_MS))])
    later = _gift(other, receiver, sent_ms=NOW - 5)  # another sender's: fine
    store.commit([SendGift(later)])
    assert store.gifts(receiver.player_id) == [later, first]  # oldest first
    assert store.gifts(sender.player_id) == []


def test_taking_a_gift_takes_only_that_gift_once(store):
    sender, receiver = _player(store), _player(store)
    gift = _gift(sender, receiver)
    store.commit([SendGift(gift)])
    with pytest.raises(StaleState):  # another day's gift from the same sender
        store.commit([TakeGift(replace(gift, sent_ms=NOW + DAY_MS))])
    assert store.gifts(receiver.player_id) == [gift]
    store.commit([TakeGift(gift)])
    assert store.gifts(receiver.player_id) == []
    with pytest.raises(StaleState):
        store.commit([TakeGift(gift)])
    again = _gift(sender, receiver, sent_ms=NOW + DAY_MS)  # opened: the sender may send again
    store.commit([SendGift(again)])
    assert store.gifts(receiver.player_id) == [again]


# --- trades --------------------------------------------------------------------------------

def test_a_trade_is_created_once_and_saved_only_at_its_revision(store):
    a, b = _player(store), _player(store)
    trade = _trade(a, b)
    store.commit([SaveTrade(trade)])
    assert store.get_trade(trade.trade_id) == replace(trade, revision=1)
    with pytest.raises(StaleState):  # created again
        store.commit([SaveTrade(replace(trade, created_ms=NOW + 1))])
    offered = replace(trade, status="offered", receiver_creature=_creature(b.player_id), revision=1)
    store.commit([SaveTrade(offered)])
    with pytest.raises(StaleState):  # a cancel computed from revision 1
        store.commit([SaveTrade(replace(trade, status="cancelled", cancelled_by=b.player_id,
                                        closed_ms=NOW + 2, revision=1))])
    done = replace(offered, status="completed", closed_ms=NOW + 3, revision=2, outcome={
        a.player_id: {"received": {"id": "cr-1", "cp": 10}, "stardust": 100, "special": False},
        b.player_id: {"received": {"id": "cr-2", "cp": 20}, "stardust": 20_000, "special": True}})
    store.commit([SaveTrade(done)])
    assert store.get_trade(trade.trade_id) == replace(done, revision=3)
    assert store.get_trade("tr-" + "0" * 24) is None


def test_trades_are_read_in_the_order_asked_and_missing_ones_skipped(store):
    a, b = _player(store), _player(store)
    first, second = _trade(a, b), _trade(b, a, created_ms=NOW + 1)
    store.commit([SaveTrade(first), SaveTrade(second)])
    missing = "tr-" + uuid.uuid4().hex[:24]
    assert store.get_trades([second.trade_id, missing, first.trade_id]) == [
        replace(second, revision=1), replace(first, revision=1)]
    assert store.get_trades([]) == []


def test_a_trade_is_linked_to_a_player_once_and_unlinked_once(store):
    a, b = _player(store), _player(store)
    first, second = _trade(a, b), _trade(a, b)
    store.commit([LinkTrade(a.player_id, first.trade_id), LinkTrade(b.player_id, first.trade_id),
                  LinkTrade(a.player_id, second.trade_id)])
    assert store.trade_links(a.player_id) == sorted([first.trade_id, second.trade_id])
    assert store.trade_links(b.player_id) == [first.trade_id]
    with pytest.raises(StaleState):
        store.commit([LinkTrade(b.player_id, first.trade_id)])
    store.commit([UnlinkTrade(a.player_id, first.trade_id), UnlinkTrade(b.player_id, first.trade_id)])
    assert store.trade_links(a.player_id) == [second.trade_id]
    assert store.trade_links(b.player_id) == []
    with pytest.raises(StaleState):
        store.commit([UnlinkTrade(b.player_id, first.trade_id)])


def test_a_creature_is_traded_away_only_as_agreed_free_and_never_traded(store):
    owner, gym = _player(store), _id("gy")
    agreed = _creature(owner.player_id)
    store.commit([AddCreature(agreed)])
    for changed in (replace(agreed, level=12.5), replace(agreed, species_id=8)):
        with pytest.raises(StaleState):  # powered up or evolved since it was agreed
            store.commit([TradeAwayCreature(changed)])
    store.commit([TradeAwayCreature(agreed)])
    assert store.get_creature(owner.player_id, agreed.creature_id) is None
    with pytest.raises(StaleState):  # gone
        store.commit([TradeAwayCreature(agreed)])

    defending = _creature(owner.player_id)
    store.commit([AddCreature(defending)])
    store.commit([LockCreature(defending, gym)])
    with pytest.raises(StaleState):
        store.commit([TradeAwayCreature(defending)])
    assert store.get_creature(owner.player_id, defending.creature_id) == replace(
        defending, defending_gym=gym)

    received = _creature(owner.player_id, traded_ms=NOW)
    store.commit([AddCreature(received)])
    assert store.get_creature(owner.player_id, received.creature_id) == received
    with pytest.raises(StaleState):
        store.commit([TradeAwayCreature(received)])
    assert store.get_creature(owner.player_id, received.creature_id) == received


def test_a_trade_moves_both_creatures_in_one_commit_or_not_at_all(store):
    a, b = _player(store), _player(store)
    mine, theirs = _creature(a.player_id), _creature(b.player_id)
    store.commit([AddCreature(mine), AddCreature(theirs)])
    to_b, to_a = replace(mine, player_id=b.player_id, traded_ms=NOW), replace(
        theirs, player_id=a.player_id, traded_ms=NOW)
    with pytest.raises(StaleState):  # their creature was powered up meanwhile
        store.commit([TradeAwayCreature(mine), TradeAwayCreature(replace(theirs, level=1.0)),
                      AddCreature(to_b), AddCreature(to_a)])
    assert store.get_creature(a.player_id, mine.creature_id) == mine
    assert store.get_creature(b.player_id, mine.creature_id) is None
    store.commit([TradeAwayCreature(mine), TradeAwayCreature(theirs),
                  AddCreature(to_b), AddCreature(to_a)])
    assert store.get_creature(a.player_id, mine.creature_id) is None
    assert store.get_creature(b.player_id, mine.creature_id) == to_b
    assert store.get_creature(a.player_id, theirs.creature_id) == to_a


# --- one read per action ----------------------------------------------------------------------

def test_an_action_reads_the_pair_the_friends_creatures_a_gift_and_a_trade_at_once(store):
    me, friend = _player(store), _player(store, trainer_code=_code())
    mine, theirs = _befriended(store, me, friend)
    sent, received = _request(me, friend), _request(friend, me)
    gift_there, gift_here = _gift(me, friend), _gift(friend, me, sent_ms=NOW + 1)
    their_creature, my_creature = _creature(friend.player_id), _creature(me.player_id)
    trade = _trade(me, friend, proposer_creature=my_creature)
    store.commit([AddFriendRequest(sent, friend.player_id, NOW),
                  AddFriendRequest(received, me.player_id, NOW),
                  CountFriends(me.player_id, +1, 5), CountFriends(friend.player_id, +1, 5),
                  SendGift(gift_there), SendGift(gift_here),
                  AddCreature(their_creature), AddCreature(my_creature), SaveTrade(trade)])
    store.commit([CountFriends(friend.player_id, +1, 5)])  # one item: once per transaction

    read = store.read_for_action(ActionReads(
        me.player_id, _id("key"), friend_id=friend.player_id, creature_ids=(my_creature.creature_id,),
        friend_creature_ids=(their_creature.creature_id, _id("cr")),
        gift_from=friend.player_id, trade_id=trade.trade_id))
    assert read.player == me and read.action is None
    assert read.friend == friend
    assert read.pair == Pair(mine=mine, theirs=theirs, my_count=1, their_count=2, sent=sent,
                             received=received, my_gift_there=gift_there)
    assert read.creatures == {my_creature.creature_id: my_creature}
    assert read.friend_creatures == {their_creature.creature_id: their_creature}
    assert read.gift == gift_here
    assert read.trade == replace(trade, revision=1)


def test_what_a_two_player_action_reads_may_be_missing(store):
    me, friend = _player(store), _player(store)
    read = store.read_for_action(ActionReads(
        me.player_id, _id("key"), friend_id=friend.player_id,
        friend_creature_ids=(_id("cr"),), gift_from=friend.player_id,
        trade_id="tr-" + uuid.uuid4().hex[:24]))
    assert (read.player, read.friend, read.pair) == (me, friend, Pair())
    assert (read.friend_creatures, read.gift, read.trade) == ({}, None, None)
    gone = store.read_for_action(ActionReads(me.player_id, _id("key"), friend_id=_id("pl")))
    assert (gone.friend, gone.pair) == (None, Pair())
    alone = store.read_for_action(ActionReads(me.player_id, _id("key")))
    assert (alone.friend, alone.pair, alone.gift, alone.trade) == (None, None, None, None)


def test_an_action_reads_only_the_gift_and_creatures_of_the_pair_it_names(store):
    me, friend, other = _player(store), _player(store), _player(store)
    elsewhere = _gift(friend, other)  # the friend's gift to someone else
    others_creature = _creature(other.player_id)
    store.commit([SendGift(elsewhere), AddCreature(others_creature)])
    read = store.read_for_action(ActionReads(
        me.player_id, _id("key"), friend_id=friend.player_id,
        friend_creature_ids=(others_creature.creature_id,), gift_from=friend.player_id))
    assert (read.gift, read.friend_creatures, read.pair.my_gift_there) == (None, {}, None)

"""Friends, gifts and trades under contention: requests that really race (a barrier
releases them together) over HTTP against DynamoDB Local, like test_races.py. Never run
on moto: it is not thread-safe, so a pass there would prove nothing. Clients retry a 503
(backend busy) with the same key, as a real client would. ``RACE_TRIALS`` repeats each
race (default 3); every trial starts from new players (LocalStack keeps its tables for
the whole run)."""
import json
import time
from collections import Counter

import pytest

from geocritters import bootstrap
from geocritters.game.config import DAY_MS, MINUTE_MS
from geocritters.game.species import species
from tests.support.game_state import give_creature, player
from tests.support.gym_setup import fresh_gyms
from tests.support.races import TRIALS, race, settled, until_settled
from tests.support.social_setup import (
    accept,
    answered_trade,
    befriend,
    cancel,
    code,
    confirm,
    deploy,
    open_gift,
    send_gift,
    send_request,
    show_on_map,
    side,
    store,
    trainer,
    transfer,
)

SMALL_FRIEND_LIMIT = 3  # GAME_CONFIG_OVERRIDES for the friend-limit race (default 400)
ACCEPTERS = 50


pytestmark = pytest.mark.usefixtures("real_database_only")


def _special_price() -> int:
    """What each side pays for a new-to-collection trade between new friends (Good's
    price): give_creature doesn't fill the dex, so every trade here is special."""
    return bootstrap.game_context().config.trade_special_stardust[0]


def _trade(trade_id):
    return store().get_trade(trade_id)


def _owners(creature_id: str, *player_ids) -> list[str]:
    return [p for p in player_ids if store().get_creature(p, creature_id) is not None]


def _assert_untouched(owner_id: str, creature) -> None:
    """Still its owner's, as given: never traded, defending nothing."""
    assert store().get_creature(owner_id, creature.creature_id) == creature


def _assert_traded(creature, to_id: str, from_id: str) -> None:
    moved = store().get_creature(to_id, creature.creature_id)
    assert moved is not None and moved.traded_ms > 0 and moved.defending_gym is None, moved
    assert (moved.species_id, moved.level) == (creature.species_id, creature.level)
    assert store().get_creature(from_id, creature.creature_id) is None


# --- a. one creature offered in two trades ---------------------------------------------

@pytest.mark.parametrize("trial", range(TRIALS))
def test_one_creature_in_two_trades_confirmed_at_once_is_traded_once(api, trial):
    a, b, c = (trainer(api, f"social-twice-{trial}-{n}") for n in "abc")
    befriend(api, a, b, "ab")
    befriend(api, a, c, "ac")
    show_on_map(api, a, b, c)
    x = give_creature(a[0], 1, species_id=1)
    answers = [give_creature(b[0], 2, species_id=4), give_creature(c[0], 3, species_id=7)]
    friends = [b, c]
    trades = [answered_trade(api, a, friend, x.creature_id, answer.creature_id, f"x-to-{n}")
              for n, (friend, answer) in enumerate(zip(friends, answers, strict=True))]
    before = {p: player(p).stardust for p in (a[0], b[0], c[0])}

    results = race(2, lambda i: settled(confirm, api, a, trades[i], f"confirm-{i}"))

    assert sorted(status for status, _ in results) == [200, 409], results
    won = next(i for i, (status, _) in enumerate(results) if status == 200)
    lost = 1 - won
    done, refused = results[won][1], results[lost][1]
    assert done["status"] == "completed" and code(refused) == "trade_creature_gone", results
    winner, loser = friends[won], friends[lost]

    # X has exactly one owner, the winner; the winner's creature came back; the loser
    # kept theirs.
    assert _owners(x.creature_id, a[0], b[0], c[0]) == [winner[0]]
    _assert_traded(x, winner[0], a[0])
    _assert_traded(answers[won], a[0], winner[0])
    _assert_untouched(loser[0], answers[lost])

    # Stardust paid once per side of the one completed trade; the loser paid nothing.
    price = _special_price()
    stored = _trade(trades[won])
    assert stored.status == "completed" and stored.revision == 3
    assert done["result"]["stardust"] == stored.outcome[a[0]]["stardust"] == price
    assert stored.outcome[winner[0]]["stardust"] == price
    assert before[a[0]] - player(a[0]).stardust == price
    assert before[winner[0]] - player(winner[0]).stardust == price
    assert player(loser[0]).stardust == before[loser[0]]
    assert (player(a[0]).trades_today, player(winner[0]).trades_today,
            player(loser[0]).trades_today) == (1, 1, 0)

    # The other trade is still waiting (its confirmation can never succeed now).
    open_trade = _trade(trades[lost])
    assert open_trade.status == "offered" and open_trade.revision == 2
    assert store().trade_links(a[0]) == [trades[lost]]
    assert store().trade_links(loser[0]) == [trades[lost]]
    assert store().trade_links(winner[0]) == []


# --- b. confirm and cancel at once ----------------------------------------------------------

@pytest.mark.parametrize("canceller", ["receiver", "proposer"])
@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_confirm_and_a_cancel_at_once_have_exactly_one_outcome(api, trial, canceller):
    a, b = (trainer(api, f"social-cancel-{trial}-{n}") for n in "ab")
    befriend(api, a, b, "ab")
    show_on_map(api, a, b)
    mine, theirs = give_creature(a[0], 1, species_id=1), give_creature(b[0], 2, species_id=4)
    trade_id = answered_trade(api, a, b, mine.creature_id, theirs.creature_id, "t")
    who = b if canceller == "receiver" else a
    before = {p: player(p).stardust for p in (a[0], b[0])}

    def confirm_or_cancel(i):
        if i == 0:
            return settled(confirm, api, a, trade_id, "confirm")
        return settled(cancel, api, who, trade_id, "cancel")

    (c_status, c_body), (x_status, x_body) = race(2, confirm_or_cancel)

    stored = _trade(trade_id)
    print(f"\nconfirm vs cancel by the {canceller}: {stored.status}")
    assert stored.revision == 3  # created, offered, then exactly one more write
    if c_status == 200:  # completed: the cancel came too late
        assert (x_status, code(x_body)) == (409, "trade_completed"), x_body
        assert c_body["status"] == stored.status == "completed" and stored.cancelled_by is None
        _assert_traded(mine, b[0], a[0])
        _assert_traded(theirs, a[0], b[0])
        for p in (a[0], b[0]):
            assert before[p] - player(p).stardust == stored.outcome[p]["stardust"] == _special_price()
            assert player(p).trades_today == 1
    else:  # cancelled: nothing moved, nobody paid
        assert (c_status, code(c_body)) == (409, "trade_cancelled"), c_body
        assert x_status == 200 and x_body["status"] == "cancelled", x_body
        assert stored.status == "cancelled" and stored.cancelled_by == who[0]
        assert stored.outcome is None
        _assert_untouched(a[0], mine)
        _assert_untouched(b[0], theirs)
        for p in (a[0], b[0]):
            assert player(p).stardust == before[p] and player(p).trades_today == 0
    assert store().trade_links(a[0]) == [] == store().trade_links(b[0])


# --- c. a creature transferred or deployed while its trade is confirmed -------------------

@pytest.mark.parametrize("action", ["transfer", "deploy"])
@pytest.mark.parametrize("owner", ["proposer", "receiver"])
@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_creature_transferred_or_deployed_during_its_confirmation_does_one_or_the_other(
        api, trial, owner, action):
    a, b = (trainer(api, f"social-{action}-{trial}-{n}", team="blue") for n in "ab")
    befriend(api, a, b, "ab")
    show_on_map(api, a, b)
    mine, theirs = give_creature(a[0], 1, species_id=1), give_creature(b[0], 2, species_id=4)
    trade_id = answered_trade(api, a, b, mine.creature_id, theirs.creature_id, "t")
    # The player whose creature is used elsewhere, the creature, and the other side.
    actor, creature, partner = (a, mine, b) if owner == "proposer" else (b, theirs, a)
    family = species(creature.species_id).family
    candy_before = player(actor[0]).candy.get(family, 0)
    before = {p: player(p).stardust for p in (a[0], b[0])}
    gym = fresh_gyms(1)[0] if action == "deploy" else None

    def confirm_or_other(i):
        if i == 0:
            return settled(confirm, api, a, trade_id, "confirm")
        if action == "transfer":
            return settled(transfer, api, actor, creature.creature_id, "transfer")
        return settled(deploy, api, actor, gym, creature.creature_id, "deploy")

    (c_status, c_body), (o_status, o_body) = race(2, confirm_or_other)

    stored = _trade(trade_id)
    print(f"\nconfirm vs {action} by the {owner}: {'trade' if c_status == 200 else action} won")
    if c_status == 200:  # traded: the other action found no such creature
        assert (o_status, code(o_body)) == (404, "creature_not_found"), o_body
        assert stored.status == "completed"
        _assert_traded(mine, b[0], a[0])
        _assert_traded(theirs, a[0], b[0])
        assert player(actor[0]).candy.get(family, 0) == candy_before
        for p in (a[0], b[0]):
            assert before[p] - player(p).stardust == _special_price()
        if gym is not None:
            assert store().get_gym(gym.id).revision == 0
            assert player(actor[0]).defending == {}
        return
    # The other action won: the trade can't execute, and is still waiting.
    refusal = "trade_creature_gone" if action == "transfer" else "trade_creature_busy"
    assert (c_status, code(c_body)) == (409, refusal), c_body
    assert o_status == 200, o_body
    assert stored.status == "offered" and stored.revision == 2
    assert store().trade_links(a[0]) == [trade_id] == store().trade_links(b[0])
    for p in (a[0], b[0]):
        assert player(p).stardust == before[p] and player(p).trades_today == 0
    _assert_untouched(partner[0], theirs if creature is mine else mine)
    assert _owners(creature.creature_id, a[0], b[0]) == ([] if action == "transfer" else [actor[0]])
    if action == "transfer":
        assert player(actor[0]).candy.get(family, 0) == candy_before + o_body["candy"]
    else:
        locked = store().get_creature(actor[0], creature.creature_id)
        assert locked.defending_gym == gym.id and locked.traded_ms == 0
        assert player(actor[0]).defending == {creature.creature_id: gym.id}
        assert [d.creature_id for d in store().get_gym(gym.id).defenders] == [creature.creature_id]


# --- d. fifty accepts, room for one more friend --------------------------------------------

@pytest.fixture
def friend_limit(api, clock, monkeypatch):
    """A small friend limit for this test, through the stage setting a deployment would
    use (GAME_CONFIG_OVERRIDES): the server is a thread of this process, so re-wiring
    the context applies it to every request from now on (the api fixture resets it)."""
    monkeypatch.setenv("GAME_CONFIG_OVERRIDES", json.dumps({"friend_limit": SMALL_FRIEND_LIMIT}))
    bootstrap.reset(clock=clock)
    assert bootstrap.game_context().config.friend_limit == SMALL_FRIEND_LIMIT
    return SMALL_FRIEND_LIMIT


def _send_requests(api, clock, sender, receivers, tag):
    """One request to each receiver, a minute's worth at a time (a player may send 20 a
    minute): the request ids."""
    ids = []
    for n, (receiver_id, _) in enumerate(receivers):
        if n % 20 == 0:
            clock.advance(MINUTE_MS)
        status, sent, _ = send_request(api, sender, receiver_id, f"{tag}-{n:03d}")
        assert status == 200, sent
        ids.append(sent["request_id"])
    return ids


@pytest.mark.parametrize("trial", range(TRIALS))
def test_fifty_accepts_to_a_player_one_short_of_the_limit_make_exactly_one_friend(
        api, clock, friend_limit, trial):
    popular = trainer(api, f"social-popular-{trial}")
    old_friends = [trainer(api, f"social-old-{trial}-{n}") for n in range(friend_limit - 1)]
    for n, friend in enumerate(old_friends):
        befriend(api, popular, friend, f"old-{n}")
    accepters = [trainer(api, f"social-accept-{trial}-{n:03d}") for n in range(ACCEPTERS)]
    request_ids = _send_requests(api, clock, popular, accepters, "ask")
    assert store().friend_book(popular[0]).count == friend_limit - 1
    busy = []

    started = time.monotonic()
    results = race(ACCEPTERS, lambda i: until_settled(lambda: accept(
        api, accepters[i], request_ids[i], "accept"), busy=busy))
    elapsed = time.monotonic() - started
    print(f"\n{ACCEPTERS} concurrent accepts: {elapsed:.1f} s wall, {len(busy)} retries after a 503")

    won = [i for i, (status, _) in enumerate(results) if status == 200]
    assert len(won) == 1, results
    assert Counter((status, code(body)) for status, body in results if status != 200) == {
        (409, "their_friend_limit"): ACCEPTERS - 1}
    winner = accepters[won[0]]
    assert results[won[0]][1]["friend"]["player_id"] == popular[0]
    assert results[won[0]][1]["count"] == 1

    book = store().friend_book(popular[0])
    assert book.count == friend_limit == len(book.friends)
    assert {f.friend_id for f in book.friends} == {p for p, _ in old_friends} | {winner[0]}
    assert len(book.outgoing) == ACCEPTERS - 1 and winner[0] not in {r.to_id for r in book.outgoing}
    for i, (accepter_id, _) in enumerate(accepters):
        mine = store().friend_book(accepter_id)
        if i == won[0]:
            assert mine.count == 1 and [f.friend_id for f in mine.friends] == [popular[0]]
            assert mine.incoming == []
        else:  # refused: nothing changed, the request still waits
            assert mine.count == 0 and mine.friends == []
            assert [r.request_id for r in mine.incoming] == [request_ids[i]]


# --- e. two friends gifting each other at once ------------------------------------------------

@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_friends_gifting_each_other_at_once_send_one_each_counted_as_one_day(
        api, clock, trial):
    a, b = (trainer(api, f"social-gift-{trial}-{n}", gifts=2) for n in "ab")
    befriend(api, a, b, "ab")
    pairs = [(a, b), (b, a)]
    xp_before = {p: player(p).xp for p in (a[0], b[0])}
    today = clock.now_ms() // DAY_MS

    # Each sends twice, with two keys: one gift each, the second refused.
    sent = race(4, lambda i: settled(send_gift, api, pairs[i % 2][0], pairs[i % 2][1][0],
                                      f"send-{i // 2}"))

    gifts = {}
    for k, (sender, receiver) in enumerate(pairs):
        answers = [sent[k], sent[k + 2]]
        assert sorted(status for status, _ in answers) == [200, 409], answers
        gift = next(body for status, body in answers if status == 200)
        refused = next(body for status, body in answers if status == 409)
        assert code(refused) == "gift_already_sent", refused
        assert gift["to"] == receiver[0] and gift["bag"] == 1
        assert gift["friendship"]["interaction_days"] == 1
        state = player(sender[0])
        assert state.gifts == 1
        assert state.xp == xp_before[sender[0]] + gift["xp"]
        assert [g.gift_id for g in store().gifts(receiver[0])] == [gift["gift_id"]]
        gifts[receiver[0]] = gift["gift_id"]
    for mine, friend in pairs:  # both sides: one day, today, each sent today
        stored = side(mine[0], friend[0])
        assert (stored.days, stored.last_day, stored.gift_sent_day) == (1, today, today), stored
        assert stored.revision == 3  # added, then one write per gift sent

    # Both open theirs at once, each twice: delivered once each, still one day.
    items_before = {p: dict(player(p).items) for p in (a[0], b[0])}
    opened = race(4, lambda i: settled(open_gift, api, pairs[i % 2][1], gifts[pairs[i % 2][1][0]],
                                        f"open-{i // 2}"))
    for k, (_, receiver) in enumerate(pairs):
        answers = [opened[k], opened[k + 2]]
        assert sorted(status for status, _ in answers) == [200, 404], answers
        body = next(body for status, body in answers if status == 200)
        assert code(next(body for status, body in answers if status == 404)) == "gift_not_found"
        items = player(receiver[0]).items
        before = items_before[receiver[0]]
        assert {name: items.get(name, 0) - before.get(name, 0) for name in set(items) | set(before)
                if items.get(name, 0) != before.get(name, 0)} == body["items"]
        assert body["friendship"]["interaction_days"] == 1
        assert store().gifts(receiver[0]) == []
        assert player(receiver[0]).gifts_opened_today == 1
    for mine, friend in pairs:
        stored = side(mine[0], friend[0])
        assert (stored.days, stored.last_day) == (1, today) and stored.revision == 5
    status, listed, _ = api.call("GET", "/v1/me/friends", token=a[1])
    assert status == 200 and listed["friends"][0]["interaction_days"] == 1

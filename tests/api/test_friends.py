"""Friends, gifts and trades over the API: two players become friends, exchange gifts
and trade; each refusal is its own JSON 4xx and changes nothing."""
from geocritters import bootstrap
from geocritters.game.config import DAY_MS
from tests.support.game_state import edit_player, give_creature, player
from tests.support.social import code_of, post, show_on_map, traders


def _friends(api, token):
    status, body, _ = api.call("GET", "/v1/me/friends", token=token)
    assert status == 200, body
    return body


def test_two_players_become_friends_exchange_gifts_and_trade(api, clock):
    (a_id, a), (b_id, b) = traders(api)
    listed = _friends(api, a)
    assert listed["count"] == 1 and listed["friends"][0]["player_id"] == b_id
    assert listed["friends"][0]["friendship"] == "friend"

    edit_player(a_id, gifts=2)
    edit_player(b_id, gifts=1)
    status, sent, _ = post(api, a, f"/v1/me/friends/{b_id}/gifts", None, "gift-a-1")
    assert status == 200, sent
    assert post(api, a, f"/v1/me/friends/{b_id}/gifts", None, "gift-a-1")[:2] == (200, sent)
    assert player(a_id).gifts == 1 and sent["friendship"]["interaction_days"] == 1
    status, box, _ = api.call("GET", "/v1/me/gifts", token=b)
    assert [g["gift_id"] for g in box["received"]] == [sent["gift_id"]]
    items_before = dict(player(b_id).items)
    status, opened, _ = post(api, b, f"/v1/me/gifts/{sent['gift_id']}/open", None, "open-b-1")
    assert status == 200, opened
    assert post(api, b, f"/v1/me/gifts/{sent['gift_id']}/open", None, "open-b-1")[:2] == (200, opened)
    items_after = player(b_id).items
    assert {k: items_after.get(k, 0) - items_before.get(k, 0) for k in opened["items"]} == opened["items"]
    # Sending, then opening, on one day: one day of interaction, level Good.
    assert _friends(api, b)["friends"][0]["friendship"] == "good"

    mine = give_creature(a_id, 1, species_id=1)
    theirs = give_creature(b_id, 2, species_id=2)
    status, proposed, _ = post(api, a, "/v1/trades",
                               {"friend_id": b_id, "creature_id": mine.creature_id}, "trade-1")
    assert status == 200, proposed
    trade_id = proposed["trade_id"]
    status, listed, _ = api.call("GET", "/v1/me/trades", token=b)
    assert [t["trade_id"] for t in listed["trades"]] == [trade_id]
    status, offered, _ = post(api, b, f"/v1/trades/{trade_id}/offer",
                              {"creature_id": theirs.creature_id}, "offer-1")
    assert status == 200, offered
    assert offered["status"] == "offered"
    dust_a, dust_b = player(a_id).stardust, player(b_id).stardust
    status, done, _ = post(api, a, f"/v1/trades/{trade_id}/confirm", None, "confirm-1")
    assert status == 200, done
    assert post(api, a, f"/v1/trades/{trade_id}/confirm", None, "confirm-1")[:2] == (200, done)
    assert done["status"] == "completed"
    store = bootstrap.game_context().store
    assert store.get_creature(a_id, mine.creature_id) is None
    assert store.get_creature(b_id, theirs.creature_id) is None
    received_a = store.get_creature(a_id, theirs.creature_id)
    received_b = store.get_creature(b_id, mine.creature_id)
    assert received_a.traded_ms and received_b.traded_ms
    assert min(received_a.ivs.attack, received_a.ivs.defense, received_a.ivs.stamina) >= 1
    # Species new to each collection: a special trade each, at Good's price.
    assert done["result"]["special"] is True
    assert dust_a - player(a_id).stardust == 20_000 == dust_b - player(b_id).stardust
    assert player(a_id).special_trades_today == 1 == player(b_id).trades_today
    status, page, _ = api.call("GET", f"/v1/trades/{trade_id}", token=b)
    assert page["status"] == "completed" and page["result"]["received"]["id"] == mine.creature_id
    assert api.call("GET", "/v1/me/trades", token=a)[1]["trades"] == []


def test_friend_request_refusals(api, clock):
    a = api.login("device-fr-a")
    b = api.login("device-fr-b")
    code_b = code_of(api, b[1])
    cases = [
        ({"trainer_code": "12345"}, 400, "invalid_trainer_code"),
        ({"trainer_code": code_of(api, a[1])}, 400, "own_trainer_code"),
        ({"trainer_code": "000000000000" if code_b != "000000000000" else "000000000001"},
         404, "trainer_code_not_found"),
    ]
    for n, (body, status, code) in enumerate(cases):
        got, answer, _ = post(api, a[1], "/v1/friend-requests", body, f"bad-{n}")
        assert (got, answer["error"]["code"]) == (status, code), answer
    status, sent, _ = post(api, a[1], "/v1/friend-requests", {"trainer_code": code_b}, "req-1")
    assert status == 200
    status, again, _ = post(api, a[1], "/v1/friend-requests", {"trainer_code": code_b}, "req-2")
    assert (status, again["error"]["code"]) == (409, "friend_request_exists")
    status, back, _ = post(api, b[1], "/v1/friend-requests", {"trainer_code": code_of(api, a[1])}, "req-3")
    assert (status, back["error"]["code"]) == (409, "friend_request_incoming")
    # Only its receiver accepts; the sender can't accept for them.
    status, refused, _ = post(api, a[1], f"/v1/friend-requests/{sent['request_id']}/accept", None, "acc-a")
    assert (status, refused["error"]["code"]) == (404, "friend_request_not_found")
    clock.advance(7 * DAY_MS)
    a, b = api.login("device-fr-a"), api.login("device-fr-b")  # fresh tokens a week on
    status, expired, _ = post(api, b[1], f"/v1/friend-requests/{sent['request_id']}/accept", None, "acc-b")
    assert (status, expired["error"]["code"]) == (409, "friend_request_expired")
    assert _friends(api, b[1])["count"] == 0
    # Expired: it can be sent again, then cancelled by its sender.
    status, resent, _ = post(api, a[1], "/v1/friend-requests", {"trainer_code": code_b}, "req-4")
    assert status == 200, resent
    status, cancelled, _ = post(api, a[1], f"/v1/friend-requests/{sent['request_id']}/cancel", None, "cancel-1")
    assert status == 200, cancelled
    assert api.call("GET", "/v1/me/friend-requests", token=b[1])[1]["incoming"] == []


def test_gift_and_trade_refusals_change_nothing(api, clock):
    (a_id, a), (b_id, b) = traders(api)
    stranger_id, stranger = api.login("device-stranger")
    edit_player(a_id, gifts=1)
    status, refused, _ = post(api, a, f"/v1/me/friends/{stranger_id}/gifts", None, "g-0")
    assert (status, refused["error"]["code"]) == (403, "not_friends")
    assert post(api, a, f"/v1/me/friends/{b_id}/gifts", None, "g-1")[0] == 200
    edit_player(a_id, gifts=1)
    status, refused, _ = post(api, a, f"/v1/me/friends/{b_id}/gifts", None, "g-2")
    assert (status, refused["error"]["code"]) == (409, "gift_already_sent")
    gift_id = _gift_ids(api, b)[0]
    status, refused, _ = post(api, stranger, f"/v1/me/gifts/{gift_id}/open", None, "o-0")
    assert (status, refused["error"]["code"]) == (404, "gift_not_found")

    mine = give_creature(a_id, 1, species_id=1)
    theirs = give_creature(b_id, 2, species_id=1)
    before = (player(a_id), player(b_id))
    for body, status, code in [
        ({"friend_id": stranger_id, "creature_id": mine.creature_id}, 403, "not_friends"),
        ({"friend_id": b_id, "creature_id": theirs.creature_id}, 404, "creature_not_found"),
    ]:
        got, answer, _ = post(api, a, "/v1/trades", body, f"t-{code}")
        assert (got, answer["error"]["code"]) == (status, code), answer
    clock.advance(2 * 60_000)  # positions older than a minute prove nothing
    got, answer, _ = post(api, a, "/v1/trades", {"friend_id": b_id, "creature_id": mine.creature_id}, "t-stale")
    assert (got, answer["error"]["code"]) == (403, "position_stale")
    show_on_map(api, (a_id, a))
    show_on_map(api, (b_id, b), lat=40.7590, lng=-73.9855)  # ~111 m north
    got, answer, _ = post(api, a, "/v1/trades", {"friend_id": b_id, "creature_id": mine.creature_id}, "t-far")
    assert (got, answer["error"]["code"]) == (403, "trade_too_far")
    show_on_map(api, (b_id, b))
    status, proposed, _ = post(api, a, "/v1/trades", {"friend_id": b_id, "creature_id": mine.creature_id}, "t-ok")
    assert status == 200, proposed
    trade_id = proposed["trade_id"]
    got, answer, _ = api.call("GET", f"/v1/trades/{trade_id}", token=stranger)
    assert (got, answer["error"]["code"]) == (404, "trade_not_found")
    got, answer, _ = post(api, a, f"/v1/trades/{trade_id}/offer", {"creature_id": mine.creature_id}, "t-self")
    assert (got, answer["error"]["code"]) == (403, "trade_wrong_side")
    got, answer, _ = post(api, a, f"/v1/trades/{trade_id}/confirm", None, "t-early")
    assert (got, answer["error"]["code"]) == (409, "trade_not_ready")
    edit_player(b_id, stardust=50)
    got, answer, _ = post(api, b, f"/v1/trades/{trade_id}/offer", {"creature_id": theirs.creature_id}, "t-poor")
    assert (got, answer["error"]["code"]) == (409, "not_enough_stardust")
    assert player(a_id).stardust == before[0].stardust and player(b_id).stardust == 50


def _gift_ids(api, token):
    return [g["gift_id"] for g in api.call("GET", "/v1/me/gifts", token=token)[1]["received"]]

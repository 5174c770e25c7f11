"""The friends, gifts and trades operations against docs/openapi.json: a scripted session
(the Contract of test_openapi_contract.py) where every answer, success or refusal, is
checked against the documented response for its status, and every refusal's code
against the status's ``x-error-codes``. Two trainers become friends by trainer code,
exchange a gift and trade; a third one's requests are declined and cancelled, a
stranger is refused everywhere; the friendship ends and an old request expires."""
import json

import pytest

from geocritters import bootstrap
from geocritters.game.config import DAY_MS, MINUTE_MS
from geocritters.game.entities import Creature
from geocritters.game.stats import IVs
from geocritters.usecases.ports import AddCreature
from tests.api.test_openapi_contract import SPEC_PATH, Contract, _key, _operations
from tests.support.game_state import edit_player, player
from tests.support.nearby import HOME
from tests.support.social import TRADE_LEVEL_XP

MOSSLING, PEBBLIT, EMBERKIT = 1, 4, 7  # common species: a trade is special only when new
GHOST_CREATURE = "cr-0000000000000-0000000000"
UNKNOWN_TRADE = "tr-" + "0" * 24


@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_PATH.read_text())


def _trainer(api, device, **changes):
    """A level-10 trainer (trading opens) with stardust to pay for a special trade."""
    player_id, token = api.login(device)
    edit_player(player_id, xp=TRADE_LEVEL_XP, stardust=100_000, **changes)
    return player_id, token


def _creature(player_id, n, species_id):
    """A creature with an id of the issued shape (cr-<13 digits>-<10 hex>)."""
    creature = Creature(player_id=player_id, creature_id=f"cr-{1_700_000_000_000 + n:013d}-{n:010x}",
                        species_id=species_id, level=10.0, cp=100 + n, ivs=IVs(10, 10, 10),
                        caught_ms=1_700_000_000_000 + n, encounter_id=f"en-social-{n}")
    bootstrap.game_context().store.commit([AddCreature(creature)])
    return creature.creature_id


def _spaced(code):
    return f"{code[:4]} {code[4:8]} {code[8:]}"


def test_social_session_conforms_to_the_document(api, clock, spec):
    c = Contract(api, spec)
    a_id, a = _trainer(api, "social-contract-a")
    b_id, b = _trainer(api, "social-contract-b")
    c_id, third = _trainer(api, "social-contract-c")
    s_id, stranger = _trainer(api, "social-contract-stranger", gifts=1)
    codes = {who: c.call("GET", "/v1/me", token=token, expect=200)["trainer_code"]
             for who, token in (("a", a), ("b", b), ("c", third), ("s", stranger))}
    assert all(len(code) == 12 and code.isdigit() for code in codes.values()), codes

    # --- friend requests: send ---------------------------------------------------------------
    request_key = _key("request")
    sent = c.call("POST", "/v1/friend-requests", {"trainer_code": codes["b"]}, token=a,
                  headers=request_key, expect=200)
    assert (sent["from"]["player_id"], sent["to"]["player_id"]) == (a_id, b_id), sent
    assert c.call("POST", "/v1/friend-requests", {"trainer_code": codes["b"]}, token=a,
                  headers=request_key, expect=200) == sent  # replay
    c.call("POST", "/v1/friend-requests", {"trainer_code": codes["c"]}, token=a, headers=request_key,
           expect=422, code="idempotency_key_reused")
    c.call("POST", "/v1/friend-requests", {"trainer_code": codes["b"]}, token=a, headers=_key("request"),
           expect=409, code="friend_request_exists")
    c.call("POST", "/v1/friend-requests", {"trainer_code": codes["a"]}, token=b, headers=_key("request"),
           expect=409, code="friend_request_incoming")
    c.call("POST", "/v1/friend-requests", {"trainer_code": codes["a"]}, token=a, headers=_key("request"),
           expect=400, code="own_trainer_code")
    nobody = next(n for n in ("000000000000", "000000000001") if n not in codes.values())
    c.call("POST", "/v1/friend-requests", {"trainer_code": nobody}, token=a, headers=_key("request"),
           expect=404, code="trainer_code_not_found")
    c.call("POST", "/v1/friend-requests", {"trainer_code": "12345"}, token=a, headers=_key("request"),
           expect=400, code="invalid_trainer_code")
    c.call("POST", "/v1/friend-requests", {"trainer_code": 123456789012}, token=a,
           headers=_key("request"), expect=400, code="invalid_field")
    c.call("POST", "/v1/friend-requests", {}, token=a, headers=_key("request"), expect=400,
           code="missing_field")
    c.call("POST", "/v1/friend-requests", {"trainer_code": codes["c"], "from": b_id}, token=a,
           headers=_key("request"), expect=400, code="unknown_field")
    c.call("POST", "/v1/friend-requests", {"trainer_code": codes["c"]}, token=a, expect=400,
           code="missing_idempotency_key")
    c.call("POST", "/v1/friend-requests", {"trainer_code": codes["c"]}, headers=_key("request"),
           expect=401)
    # The third trainer asks B (the code as a client shows it, with spaces) and A.
    to_b = c.call("POST", "/v1/friend-requests", {"trainer_code": _spaced(codes["b"])}, token=third,
                  headers=_key("request"), expect=200)
    to_a = c.call("POST", "/v1/friend-requests", {"trainer_code": codes["a"]}, token=third,
                  headers=_key("request"), expect=200)
    assert (to_b["from"]["player_id"], to_a["to"]["player_id"]) == (c_id, a_id), (to_b, to_a)

    pending = c.call("GET", "/v1/me/friend-requests", token=b, expect=200)
    assert sorted(r["request_id"] for r in pending["incoming"]) == \
        sorted((sent["request_id"], to_b["request_id"])), pending
    assert pending["outgoing"] == [], pending
    c.call("GET", "/v1/me/friend-requests", expect=401)

    # --- accept, decline, cancel ----------------------------------------------------------------
    accept = f"/v1/friend-requests/{sent['request_id']}/accept"
    c.call("POST", accept, token=a, headers=_key("accept"), expect=404, code="friend_request_not_found")
    c.call("POST", accept, token=stranger, headers=_key("accept"), expect=404,
           code="friend_request_not_found")
    c.call("POST", "/v1/friend-requests/fq-nope/accept", token=b, headers=_key("accept"), expect=400,
           code="invalid_request_id")
    c.call("POST", accept, {"friend": a_id}, token=b, headers=_key("accept"), expect=400,
           code="unknown_field")
    accept_key = _key("accept")
    accepted = c.call("POST", accept, token=b, headers=accept_key, expect=200)
    assert (accepted["friend"]["player_id"], accepted["count"]) == (a_id, 1), accepted
    assert c.call("POST", accept, {}, token=b, headers=accept_key, expect=200) == accepted  # replay
    c.call("POST", accept, token=b, headers=_key("accept"), expect=404, code="friend_request_not_found")
    c.call("POST", "/v1/friend-requests", {"trainer_code": codes["b"]}, token=a, headers=_key("request"),
           expect=409, code="already_friends")
    c.call("POST", accept, headers=_key("accept"), expect=401)

    decline = f"/v1/friend-requests/{to_b['request_id']}/decline"
    c.call("POST", decline, token=third, headers=_key("decline"), expect=404,
           code="friend_request_not_found")  # the sender can't decline for the receiver
    declined = c.call("POST", decline, token=b, headers=_key("decline"), expect=200)
    assert declined == {"declined": to_b["request_id"]}, declined
    c.call("POST", decline, token=b, headers=_key("decline"), expect=404, code="friend_request_not_found")
    c.call("POST", "/v1/friend-requests/fq-pl-1.pl-2.pl-3/decline", token=b, headers=_key("decline"),
           expect=400, code="invalid_request_id")
    c.call("POST", decline, headers=_key("decline"), expect=401)

    cancel = f"/v1/friend-requests/{to_a['request_id']}/cancel"
    c.call("POST", cancel, token=a, headers=_key("cancel"), expect=404,
           code="friend_request_not_found")  # the receiver can't cancel for the sender
    cancelled = c.call("POST", cancel, token=third, headers=_key("cancel"), expect=200)
    assert cancelled == {"cancelled": to_a["request_id"]}, cancelled
    c.call("POST", cancel, token=third, headers=_key("cancel"), expect=404, code="friend_request_not_found")
    c.call("POST", "/v1/friend-requests/pl-1.pl-2/cancel", token=third, headers=_key("cancel"),
           expect=400, code="invalid_request_id")
    c.call("POST", cancel, token=third, expect=400, code="missing_idempotency_key")
    assert c.call("GET", "/v1/me/friend-requests", token=a, expect=200) == {"incoming": [], "outgoing": []}

    listed = c.call("GET", "/v1/me/friends", token=a, expect=200)
    assert [f["player_id"] for f in listed["friends"]] == [b_id] and listed["count"] == 1, listed
    assert listed["friends"][0]["friendship"] == "friend" and not listed["friends"][0]["gift_sent_today"]
    c.call("GET", "/v1/me/friends", expect=401)

    # --- gifts --------------------------------------------------------------------------------------
    edit_player(a_id, gifts=2)
    to_friend = f"/v1/me/friends/{b_id}/gifts"
    c.call("POST", f"/v1/me/friends/{a_id}/gifts", token=stranger, headers=_key("gift"), expect=403,
           code="not_friends")
    c.call("POST", to_friend, token=b, headers=_key("gift"), expect=403, code="not_friends")  # to self
    c.call("POST", f"/v1/me/friends/{a_id}/gifts", token=b, headers=_key("gift"), expect=409,
           code="no_gifts")
    c.call("POST", "/v1/me/friends/pl-/gifts", token=a, headers=_key("gift"), expect=400,
           code="invalid_player_id")
    c.call("POST", to_friend, {"items": {"ball": 9}}, token=a, headers=_key("gift"), expect=400,
           code="unknown_field")
    gift_key = _key("gift")
    gift = c.call("POST", to_friend, token=a, headers=gift_key, expect=200)
    assert (gift["to"], gift["bag"], gift["friendship"]["interaction_days"]) == (b_id, 1, 1), gift
    assert c.call("POST", to_friend, token=a, headers=gift_key, expect=200) == gift  # replay
    c.call("POST", to_friend, token=a, headers=_key("gift"), expect=409, code="gift_already_sent")
    c.call("POST", to_friend, headers=_key("gift"), expect=401)

    box = c.call("GET", "/v1/me/gifts", token=b, expect=200)
    assert [g["gift_id"] for g in box["received"]] == [gift["gift_id"]], box
    assert (box["opened_today"], box["open_limit"]) == (0, 20), box
    c.call("GET", "/v1/me/gifts", expect=401)

    open_url = f"/v1/me/gifts/{gift['gift_id']}/open"
    c.call("POST", open_url, token=stranger, headers=_key("open"), expect=404, code="gift_not_found")
    c.call("POST", "/v1/me/gifts/gf-pl-1/open", token=b, headers=_key("open"), expect=400,
           code="invalid_gift_id")
    c.call("POST", "/v1/me/gifts/gf-x.1/open", token=b, headers=_key("open"), expect=400,
           code="invalid_gift_id")
    items, today = dict(player(b_id).items), clock.now_ms() // DAY_MS
    edit_player(b_id, items={"ball": bootstrap.game_context().config.bag_capacity})
    c.call("POST", open_url, token=b, headers=_key("open"), expect=409, code="bag_full")
    edit_player(b_id, items=items, gift_open_day=today, gifts_opened_today=20)
    c.call("POST", open_url, token=b, headers=_key("open"), expect=403, code="gift_open_limit")
    edit_player(b_id, gifts_opened_today=0)
    open_key = _key("open")
    opened = c.call("POST", open_url, token=b, headers=open_key, expect=200)
    assert opened["gift_id"] == gift["gift_id"] and opened["friendship"]["player_id"] == a_id, opened
    assert c.call("POST", open_url, token=b, headers=open_key, expect=200) == opened  # replay
    c.call("POST", open_url, token=b, headers=_key("open"), expect=404, code="gift_not_found")
    c.call("POST", open_url, headers=_key("open"), expect=401)

    # --- trades: propose --------------------------------------------------------------------------
    mine = _creature(a_id, 1, MOSSLING)
    spare = _creature(a_id, 2, EMBERKIT)
    theirs = _creature(b_id, 3, PEBBLIT)
    strangers = _creature(s_id, 4, MOSSLING)
    for token in (a, b, stranger):
        c.call("GET", f"/v1/map?lat={HOME[0]}&lng={HOME[1]}", token=token, expect=200)
    c.call("POST", "/v1/trades", {"friend_id": a_id, "creature_id": strangers}, token=stranger,
           headers=_key("propose"), expect=403, code="not_friends")
    c.call("POST", "/v1/trades", {"friend_id": b_id, "creature_id": theirs}, token=a,
           headers=_key("propose"), expect=404, code="creature_not_found")
    c.call("POST", "/v1/trades", {"friend_id": "b", "creature_id": mine}, token=a,
           headers=_key("propose"), expect=400, code="invalid_player_id")
    c.call("POST", "/v1/trades", {"friend_id": b_id, "creature_id": "cr-%"}, token=a,
           headers=_key("propose"), expect=400, code="invalid_creature_id")
    c.call("POST", "/v1/trades", {"friend_id": b_id}, token=a, headers=_key("propose"), expect=400,
           code="missing_field")
    c.call("POST", "/v1/trades", {"friend_id": b_id, "creature_id": mine, "stardust": 0}, token=a,
           headers=_key("propose"), expect=400, code="unknown_field")
    c.call("POST", "/v1/trades", {"friend_id": b_id, "creature_id": mine}, headers=_key("propose"),
           expect=401)
    propose_key = _key("propose")
    proposed = c.call("POST", "/v1/trades", {"friend_id": b_id, "creature_id": mine}, token=a,
                      headers=propose_key, expect=200)
    assert (proposed["status"], proposed["your_side"], proposed["receiver_creature"]) == \
        ("proposed", "proposer", None), proposed
    assert c.call("POST", "/v1/trades", {"friend_id": b_id, "creature_id": mine}, token=a,
                  headers=propose_key, expect=200) == proposed  # replay
    trade = f"/v1/trades/{proposed['trade_id']}"

    # --- a trade's page and the lists ---------------------------------------------------------------
    page = c.call("GET", trade, token=b, expect=200)
    assert (page["your_side"], page["proposer_creature"]["id"]) == ("receiver", mine), page
    c.call("GET", trade, token=stranger, expect=404, code="trade_not_found")
    c.call("GET", "/v1/trades/tr-XYZ", token=a, expect=400, code="invalid_trade_id")
    c.call("GET", trade, expect=401)
    assert [t["trade_id"] for t in c.call("GET", "/v1/me/trades", token=b, expect=200)["trades"]] == \
        [proposed["trade_id"]]
    assert c.call("GET", "/v1/me/trades", token=stranger, expect=200) == {"trades": []}
    c.call("GET", "/v1/me/trades", expect=401)

    # --- offer ------------------------------------------------------------------------------------------
    c.call("POST", f"{trade}/offer", {"creature_id": spare}, token=a, headers=_key("offer"),
           expect=403, code="trade_wrong_side")
    c.call("POST", f"{trade}/offer", {"creature_id": strangers}, token=stranger, headers=_key("offer"),
           expect=404, code="trade_not_found")
    c.call("POST", f"{trade}/offer", {"creature_id": mine}, token=b, headers=_key("offer"), expect=404,
           code="creature_not_found")
    c.call("POST", f"/v1/trades/{UNKNOWN_TRADE}/offer", {"creature_id": theirs}, token=b,
           headers=_key("offer"), expect=404, code="trade_not_found")
    c.call("POST", "/v1/trades/tr-1/offer", {"creature_id": theirs}, token=b, headers=_key("offer"),
           expect=400, code="invalid_trade_id")
    c.call("POST", f"{trade}/offer", {}, token=b, headers=_key("offer"), expect=400, code="missing_field")
    offer_key = _key("offer")
    offered = c.call("POST", f"{trade}/offer", {"creature_id": theirs}, token=b, headers=offer_key,
                     expect=200)
    assert offered["status"] == "offered" and offered["stardust_cost"] == 20_000, offered
    assert c.call("POST", f"{trade}/offer", {"creature_id": theirs}, token=b, headers=offer_key,
                  expect=200) == offered  # replay
    c.call("POST", f"{trade}/offer", {"creature_id": theirs}, token=b, headers=_key("offer"),
           expect=409, code="trade_already_offered")
    c.call("POST", f"{trade}/offer", {"creature_id": theirs}, headers=_key("offer"), expect=401)

    # --- confirm: the exchange -------------------------------------------------------------------------
    c.call("POST", f"{trade}/confirm", token=b, headers=_key("confirm"), expect=403,
           code="trade_wrong_side")
    c.call("POST", f"{trade}/confirm", token=stranger, headers=_key("confirm"), expect=404,
           code="trade_not_found")
    c.call("POST", f"{trade}/confirm", {"force": True}, token=a, headers=_key("confirm"), expect=400,
           code="unknown_field")
    confirm_key = _key("confirm")
    done = c.call("POST", f"{trade}/confirm", token=a, headers=confirm_key, expect=200)
    assert done["status"] == "completed" and done["result"]["received"]["id"] == theirs, done
    assert done["result"]["special"] is True and done["result"]["stardust"] == 20_000, done
    assert c.call("POST", f"{trade}/confirm", {}, token=a, headers=confirm_key, expect=200) == done
    c.call("POST", f"{trade}/confirm", token=a, headers=_key("confirm"), expect=409, code="trade_completed")
    c.call("POST", f"{trade}/cancel", token=b, headers=_key("cancel"), expect=409, code="trade_completed")
    c.call("POST", f"{trade}/confirm", headers=_key("confirm"), expect=401)
    received = {x["id"]: x for x in c.call("GET", "/v1/me/creatures", token=a, expect=200)["creatures"]}
    assert received[theirs]["traded"] is True and received[spare]["traded"] is False, received
    c.call("POST", "/v1/trades", {"friend_id": b_id, "creature_id": theirs}, token=a,
           headers=_key("propose"), expect=409, code="creature_already_traded")

    # --- cancel ---------------------------------------------------------------------------------------------
    second = c.call("POST", "/v1/trades", {"friend_id": b_id, "creature_id": spare}, token=a,
                    headers=_key("propose"), expect=200)
    other = f"/v1/trades/{second['trade_id']}"
    c.call("POST", f"{other}/confirm", token=a, headers=_key("confirm"), expect=409, code="trade_not_ready")
    c.call("POST", f"{other}/cancel", token=stranger, headers=_key("cancel"), expect=404,
           code="trade_not_found")
    c.call("POST", "/v1/trades/tr-0/cancel", token=b, headers=_key("cancel"), expect=400,
           code="invalid_trade_id")
    cancel_key = _key("cancel")
    closed = c.call("POST", f"{other}/cancel", token=b, headers=cancel_key, expect=200)
    assert (closed["status"], closed["cancelled_by"]) == ("cancelled", b_id), closed
    assert c.call("POST", f"{other}/cancel", token=b, headers=cancel_key, expect=200) == closed
    c.call("POST", f"{other}/cancel", token=a, headers=_key("cancel"), expect=409, code="trade_cancelled")
    c.call("POST", f"{other}/offer", {"creature_id": theirs}, token=b, headers=_key("offer"), expect=409,
           code="trade_cancelled")
    c.call("POST", f"{other}/cancel", headers=_key("cancel"), expect=401)
    assert c.call("GET", "/v1/me/trades", token=a, expect=200) == {"trades": []}

    # --- positions grow old ----------------------------------------------------------------------------------
    clock.advance(2 * MINUTE_MS)
    c.call("POST", "/v1/trades", {"friend_id": b_id, "creature_id": spare}, token=a,
           headers=_key("propose"), expect=403, code="position_stale")

    # --- the friendship ends ------------------------------------------------------------------------------------
    remove = f"/v1/me/friends/{b_id}/remove"
    c.call("POST", f"/v1/me/friends/{s_id}/remove", token=a, headers=_key("remove"), expect=404,
           code="friend_not_found")
    c.call("POST", "/v1/me/friends/nope/remove", token=a, headers=_key("remove"), expect=400,
           code="invalid_player_id")
    remove_key = _key("remove")
    removed = c.call("POST", remove, token=a, headers=remove_key, expect=200)
    assert removed == {"removed": b_id, "count": 0}, removed
    assert c.call("POST", remove, token=a, headers=remove_key, expect=200) == removed  # replay
    c.call("POST", remove, token=a, headers=_key("remove"), expect=404, code="friend_not_found")
    c.call("POST", remove, headers=_key("remove"), expect=401)
    assert c.call("GET", "/v1/me/friends", token=b, expect=200)["count"] == 0

    # --- a request left a week expires ----------------------------------------------------------------------------
    late = c.call("POST", "/v1/friend-requests", {"trainer_code": codes["c"]}, token=stranger,
                  headers=_key("request"), expect=200)
    clock.advance(7 * DAY_MS)
    _, third = api.login("social-contract-c")  # a fresh token a week on
    assert c.call("GET", "/v1/me/friend-requests", token=third, expect=200)["incoming"] == []
    c.call("POST", f"/v1/friend-requests/{late['request_id']}/accept", token=third,
           headers=_key("accept"), expect=409, code="friend_request_expired")

    # --- every social operation was seen succeeding and refusing ------------------------------------------------------
    for path, method, operation in _operations(spec):
        if not {"friends", "gifts", "trades"} & set(operation.get("tags", [])):
            continue
        statuses = c.seen[(path, method)]
        assert any(200 <= s < 300 for s in statuses), f"{method} {path}: no success exercised"
        assert any(400 <= s < 500 for s in statuses), f"{method} {path}: no refusal exercised"

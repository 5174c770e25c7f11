"""Players set up for the social race tests (tests/api/test_social_races.py): trainers
who can trade, friendships made through the API, trades proposed and answered, and the
calls the races send (each returns the client's (status, body, headers), for
``until_settled``). Like tests/support/social.py, for any number of friends."""
from geocritters import bootstrap
from geocritters.game.levels import TRAINER_XP_THRESHOLDS
from tests.support.game_state import edit_player, player
from tests.support.nearby import HOME

TRADE_LEVEL_XP = TRAINER_XP_THRESHOLDS[9]  # level 10: trading opens
STARDUST = 100_000  # enough for any trade


def store():
    return bootstrap.game_context().store


def trainer(api, device: str, **fields) -> tuple[str, str]:
    """A new level-10 player with stardust: (player id, token)."""
    player_id, token = api.login(device)
    edit_player(player_id, xp=TRADE_LEVEL_XP, stardust=STARDUST, **fields)
    return player_id, token


def post(api, token: str, path: str, key: str, body=None):
    """A keyed POST; the key gets a prefix (keys are at least 8 characters)."""
    return api.call("POST", path, body, token=token, headers={"Idempotency-Key": f"social-{key}"})


def code(body) -> str | None:
    return (body or {}).get("error", {}).get("code")


def send_request(api, sender, receiver_id: str, key: str):
    """``sender`` = (player id, token) asks ``receiver_id`` by its trainer code."""
    trainer_code = player(receiver_id).trainer_code
    return post(api, sender[1], "/v1/friend-requests", key, {"trainer_code": trainer_code})


def accept(api, receiver, request_id: str, key: str):
    return post(api, receiver[1], f"/v1/friend-requests/{request_id}/accept", key)


def befriend(api, a, b, tag: str) -> None:
    """``a`` asks, ``b`` accepts."""
    status, sent, _ = send_request(api, a, b[0], f"{tag}-ask")
    assert status == 200, sent
    status, accepted, _ = accept(api, b, sent["request_id"], f"{tag}-accept")
    assert status == 200, accepted


def show_on_map(api, *players, lat=HOME[0], lng=HOME[1]) -> None:
    """Each player reports a position to the map: trades prove proximity from it."""
    for _, token in players:
        status, body, _ = api.call("GET", f"/v1/map?lat={lat}&lng={lng}", token=token)
        assert status == 200, body


def propose(api, proposer, friend_id: str, creature_id: str, key: str):
    return post(api, proposer[1], "/v1/trades", key,
                {"friend_id": friend_id, "creature_id": creature_id})


def offer(api, receiver, trade_id: str, creature_id: str, key: str):
    return post(api, receiver[1], f"/v1/trades/{trade_id}/offer", key, {"creature_id": creature_id})


def confirm(api, proposer, trade_id: str, key: str):
    return post(api, proposer[1], f"/v1/trades/{trade_id}/confirm", key)


def cancel(api, who, trade_id: str, key: str):
    return post(api, who[1], f"/v1/trades/{trade_id}/cancel", key)


def answered_trade(api, proposer, receiver, theirs_id: str, mine_id: str, tag: str) -> str:
    """``proposer`` offers ``theirs_id``, ``receiver`` answers with ``mine_id``: the
    trade id of a trade waiting for the proposer's confirmation."""
    status, proposed, _ = propose(api, proposer, receiver[0], theirs_id, f"{tag}-propose")
    assert status == 200, proposed
    status, offered, _ = offer(api, receiver, proposed["trade_id"], mine_id, f"{tag}-offer")
    assert status == 200 and offered["status"] == "offered", offered
    return proposed["trade_id"]


def transfer(api, owner, creature_id: str, key: str):
    return post(api, owner[1], f"/v1/me/creatures/{creature_id}/transfer", key)


def deploy(api, owner, gym, creature_id: str, key: str):
    return post(api, owner[1], f"/v1/gyms/{gym.id}/defenders", key,
                {"creature_id": creature_id, "lat": gym.lat, "lng": gym.lng})


def send_gift(api, sender, friend_id: str, key: str):
    return post(api, sender[1], f"/v1/me/friends/{friend_id}/gifts", key)


def open_gift(api, receiver, gift_id: str, key: str):
    return post(api, receiver[1], f"/v1/me/gifts/{gift_id}/open", key)


def side(player_id: str, friend_id: str):
    """``player_id``'s stored side of its friendship with ``friend_id`` (None: none)."""
    return next((f for f in store().friend_book(player_id).friends if f.friend_id == friend_id), None)

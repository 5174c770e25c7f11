"""Two players made friends and set up to trade, through the API (the friends flow
itself is what tests/api/test_friends.py proves; other tests start from here)."""
from dataclasses import replace

from geocritters import bootstrap
from geocritters.game.levels import TRAINER_XP_THRESHOLDS
from geocritters.usecases.ports import SaveFriendship
from tests.support.game_state import edit_player, player
from tests.support.nearby import HOME

TRADE_LEVEL_XP = TRAINER_XP_THRESHOLDS[9]  # level 10: trading opens


def post(api, token, path, body, key):
    return api.call("POST", path, body, token=token, headers={"Idempotency-Key": f"idem-{key}"})


def code_of(api, token) -> str:
    status, me, _ = api.call("GET", "/v1/me", token=token)
    assert status == 200, me
    return me["trainer_code"]


def befriend(api, a, b, tag="pair"):
    """a = (player_id, token) sends, b accepts: the request id."""
    status, sent, _ = post(api, a[1], "/v1/friend-requests", {"trainer_code": code_of(api, b[1])},
                           f"{tag}-request")
    assert status == 200, sent
    status, accepted, _ = post(api, b[1], f"/v1/friend-requests/{sent['request_id']}/accept",
                               None, f"{tag}-accept")
    assert status == 200, accepted
    return sent["request_id"]


def set_interaction_days(a_id, b_id, days):
    """Both sides of the friendship at ``days`` of interaction (a friendship level)."""
    ctx = bootstrap.game_context()
    book_a = {f.friend_id: f for f in ctx.store.friend_book(a_id).friends}
    book_b = {f.friend_id: f for f in ctx.store.friend_book(b_id).friends}
    ctx.store.commit([SaveFriendship(replace(book_a[b_id], days=days)),
                      SaveFriendship(replace(book_b[a_id], days=days))])


def traders(api, devices=("device-trade-a", "device-trade-b"), stardust=100_000):
    """Two level-10 friends with stardust, both just seen on the map at HOME."""
    a, b = (api.login(d) for d in devices)
    for player_id, _ in (a, b):
        edit_player(player_id, xp=TRADE_LEVEL_XP, stardust=stardust)
    befriend(api, a, b, tag=devices[0])
    show_on_map(api, a, b)
    return a, b


def show_on_map(api, *players, lat=HOME[0], lng=HOME[1]):
    for _, token in players:
        status, body, _ = api.call("GET", f"/v1/map?lat={lat}&lng={lng}", token=token)
        assert status == 200, body


def stardust(player_id) -> int:
    return player(player_id).stardust

"""friends: trainer-code requests, accept / decline / cancel, the friend list, remove."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import json_body, only_fields, path_id, string_field
from geocritters.game.actions import Action
from geocritters.game.friends import check_player_id, check_trainer_code, parse_request_id
from geocritters.usecases import friends
from geocritters.usecases.idempotency import fingerprint

feature = Feature("friends", Deployment(
    memory_mb=512, reserved_concurrency=15,
    tables={
        # The actor's own player item only (its rate window): never another player's.
        "players": ("BatchGetItem", "GetItem", "UpdateItem"),
        # Both sides of a pair and both counts, in one transaction.
        "friends": ("BatchGetItem", "Query", "PutItem", "DeleteItem", "UpdateItem"),
        "trainer_codes": ("GetItem",),
        "inbox": ("BatchGetItem",),  # the pair's read includes an unopened gift
        "actions": ("BatchGetItem", "GetItem", "PutItem"),
    }))


def _request_id(request_id: str) -> str:
    request_id = path_id(request_id, "request_id", "invalid_request_id")
    parse_request_id(request_id)
    return request_id


def friend_id_param(friend_id: str) -> str:
    return check_player_id(path_id(friend_id, "friend_id", "invalid_player_id"))


@feature.route("/v1/me/friends", "GET", Action.FRIENDS)
def friend_list(request, player_id):
    return friends.friend_list(game_context(), player_id)


@feature.route("/v1/me/friend-requests", "GET", Action.FRIEND_REQUESTS)
def friend_requests(request, player_id):
    return friends.friend_requests(game_context(), player_id)


@feature.route("/v1/friend-requests", "POST", Action.SEND_FRIEND_REQUEST, keyed=True)
def send_request(request, player_id, key):
    body = json_body(request)
    only_fields(body, {"trainer_code"})
    code = check_trainer_code(string_field(body, "trainer_code", max_len=32))
    return friends.send_request(game_context(), player_id, code, key,
                                fingerprint(Action.SEND_FRIEND_REQUEST, code))


def _answer(request, player_id, key, request_id, action, use_case):
    request_id = _request_id(request_id)
    only_fields(json_body(request, required=False), set())
    return use_case(game_context(), player_id, request_id, key, fingerprint(action, request_id))


@feature.route("/v1/friend-requests/{request_id}/accept", "POST", Action.ACCEPT_FRIEND, keyed=True)
def accept(request, player_id, key, request_id):
    return _answer(request, player_id, key, request_id, Action.ACCEPT_FRIEND, friends.accept)


@feature.route("/v1/friend-requests/{request_id}/decline", "POST", Action.DECLINE_FRIEND, keyed=True)
def decline(request, player_id, key, request_id):
    return _answer(request, player_id, key, request_id, Action.DECLINE_FRIEND, friends.decline)


@feature.route("/v1/friend-requests/{request_id}/cancel", "POST", Action.CANCEL_FRIEND_REQUEST,
               keyed=True)
def cancel(request, player_id, key, request_id):
    return _answer(request, player_id, key, request_id, Action.CANCEL_FRIEND_REQUEST, friends.cancel)


@feature.route("/v1/me/friends/{friend_id}/remove", "POST", Action.REMOVE_FRIEND, keyed=True)
def remove(request, player_id, key, friend_id):
    friend_id = friend_id_param(friend_id)
    only_fields(json_body(request, required=False), set())
    return friends.remove(game_context(), player_id, friend_id, key,
                          fingerprint(Action.REMOVE_FRIEND, friend_id))

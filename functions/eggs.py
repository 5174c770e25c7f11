"""eggs: eggs, incubators and the buddy — what the distance walked pays for."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import id_field, json_body, only_fields, path_id
from geocritters.game.actions import Action
from geocritters.game.eggs import check_egg_id, check_incubator_id
from geocritters.usecases import eggs
from geocritters.usecases.idempotency import fingerprint

feature = Feature("eggs", Deployment(
    memory_mb=512, reserved_concurrency=15,
    tables={
        # One BatchGetItem reads what an action needs; GetItem of its action record only
        # when it is refused (a twin may have been applied meanwhile).
        "players": ("BatchGetItem", "GetItem", "UpdateItem"),
        "creatures": ("BatchGetItem", "PutItem"),  # the buddy to be; the hatchling
        # The live events (their limits / hatch distance), via the 60 s cache.
        "events": ("Query",),
        "actions": ("BatchGetItem", "GetItem", "PutItem"),
    }))


@feature.route("/v1/me/eggs", "GET", Action.EGGS)
def egg_list(request, player_id):
    return eggs.eggs_view(game_context(), player_id)


@feature.route("/v1/me/eggs/{egg_id}/incubate", "POST", Action.INCUBATE, keyed=True)
def incubate(request, player_id, key, egg_id):
    egg_id = check_egg_id(path_id(egg_id, "egg_id", "invalid_egg_id"))
    body = json_body(request)
    only_fields(body, {"incubator_id"})
    incubator_id = check_incubator_id(id_field(body, "incubator_id", "invalid_incubator_id"))
    return eggs.incubate(game_context(), player_id, egg_id, incubator_id, key,
                         fingerprint(Action.INCUBATE, egg_id, incubator_id))


@feature.route("/v1/me/eggs/{egg_id}/hatch", "POST", Action.HATCH, keyed=True)
def hatch(request, player_id, key, egg_id):
    egg_id = check_egg_id(path_id(egg_id, "egg_id", "invalid_egg_id"))
    only_fields(json_body(request, required=False), set())
    return eggs.hatch(game_context(), player_id, egg_id, key, fingerprint(Action.HATCH, egg_id))


@feature.route("/v1/me/buddy", "GET", Action.BUDDY)
def buddy(request, player_id):
    return eggs.buddy_view(game_context(), player_id)


@feature.route("/v1/me/buddy", "POST", Action.CHOOSE_BUDDY, keyed=True)
def choose_buddy(request, player_id, key):
    body = json_body(request)
    only_fields(body, {"creature_id"})
    creature_id = id_field(body, "creature_id", "invalid_creature_id")
    return eggs.choose_buddy(game_context(), player_id, creature_id, key,
                             fingerprint(Action.CHOOSE_BUDDY, creature_id))


@feature.route("/v1/me/buddy/candy", "POST", Action.CLAIM_BUDDY_CANDY, keyed=True)
def claim_candy(request, player_id, key):
    only_fields(json_body(request, required=False), set())
    return eggs.claim_buddy_candy(game_context(), player_id, key,
                                  fingerprint(Action.CLAIM_BUDDY_CANDY))

"""catch: throw a ball at an encounter."""
from dataclasses import asdict

from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import bool_field, json_body, only_fields, path_id, string_field
from geocritters.game.actions import Action
from geocritters.game.catching import Throw
from geocritters.usecases.catch import throw
from geocritters.usecases.idempotency import fingerprint

# Memory buys CPU: cold starts are import-bound, so the hot paths get 1 GB.
# TransactWriteItems is authorised per item action: Put/Update/ConditionCheck.
feature = Feature("catch", Deployment(
    memory_mb=1024, reserved_concurrency=100,
    tables={
        # One BatchGetItem reads what an action needs; GetItem of its action record only
        # when it is refused (a twin may have been applied meanwhile).
        "players": ("BatchGetItem", "UpdateItem", "ConditionCheckItem"),
        "encounters": ("BatchGetItem", "UpdateItem", "ConditionCheckItem"),
        "creatures": ("PutItem", "ConditionCheckItem"),
        # The live events (their XP and stardust multipliers), via the 60 s cache.
        "events": ("Query",),
        "actions": ("BatchGetItem", "GetItem", "PutItem", "ConditionCheckItem"),
    }))


@feature.route("/v1/encounters/{encounter_id}/throws", "POST", Action.THROW, keyed=True)
def throws(request, player_id, key, encounter_id):
    encounter_id = path_id(encounter_id, "encounter_id", "invalid_encounter_id")
    body = json_body(request)
    only_fields(body, {"ball", "berry", "throw", "curveball"})
    aim = Throw(ball=string_field(body, "ball", max_len=32),
                berry=string_field(body, "berry", required=False, max_len=32),
                quality=string_field(body, "throw", required=False, max_len=32) or "normal",
                curveball=bool_field(body, "curveball"))
    # The throw as understood, defaults applied: a body that spells out the defaults is
    # the same request as one that leaves them out.
    return throw(game_context(), player_id, encounter_id, aim, key,
                 fingerprint(Action.THROW, encounter_id, asdict(aim)))

"""events_admin: live events, created, listed and cancelled by operators.

Never a player: every route is ``operator=True`` (edge/routing.py), so API Gateway
checks an AWS SigV4 signature of IAM credentials (AWS_IAM in the template; operators get
the managed policy ``EventsOperatorPolicy``, execute-api:Invoke on these routes only),
and the function itself refuses a request without an IAM identity (403 operator_only).
Operators use ``python -m infra.events`` (it signs with the AWS credential chain).

Each request makes one DynamoDB call: create a conditional PutItem (a GetItem more for a
retried Idempotency-Key), list one Query, cancel a conditional UpdateItem (a GetItem
more when refused, to tell 404 from 409). The functions that apply events see a new or
cancelled event within their 60 s cache (usecases/events.py).
"""
from geocritters import bootstrap
from geocritters.adapters.events import event_store
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import json_body, only_fields, path_id
from geocritters.game import events as rules
from geocritters.game.actions import Action
from geocritters.game.species import spawnable
from geocritters.usecases import events
from geocritters.usecases.idempotency import fingerprint

feature = Feature("events_admin", Deployment(
    # Operators only: a couple of requests a day; 2 bounds what a runaway script can do.
    memory_mb=512, reserved_concurrency=2, reads_secret=False,
    tables={"events": ("PutItem", "GetItem", "Query", "UpdateItem")}))

_FIELDS = {"name", "start_ms", "end_ms", "prefixes", "effects"}


def _store():
    bootstrap.events_cache()  # binds the tables to this stage's
    return event_store()


@feature.route("/v1/admin/events", "POST", Action.CREATE_EVENT, keyed=True, operator=True,
               status=201)
def create(request, operator, key):
    body = json_body(request)
    only_fields(body, _FIELDS)
    name = rules.parse_name(body.get("name"))
    prefixes = rules.parse_prefixes(body.get("prefixes"))
    effects = rules.parse_effects(body.get("effects"), {s.id for s in spawnable()})
    start_ms, end_ms = body.get("start_ms"), body.get("end_ms")
    request_fingerprint = fingerprint(Action.CREATE_EVENT, name, start_ms, end_ms,
                                      list(prefixes), effects.as_json())
    return events.create_event(_store(), bootstrap.clock(), operator, key, request_fingerprint,
                               name, start_ms, end_ms, prefixes, effects)


@feature.route("/v1/admin/events", "GET", Action.LIST_EVENTS, operator=True)
def list_all(request, operator):
    return events.list_events(_store(), bootstrap.clock())


@feature.route("/v1/admin/events/{event_id}", "DELETE", Action.CANCEL_EVENT, operator=True)
def cancel(request, operator, event_id):
    event_id = rules.check_event_id(path_id(event_id, "event_id", "invalid_event_id"))
    return events.cancel_event(_store(), bootstrap.clock(), event_id)

"""The operators' routes: POST/GET /v1/admin/events, DELETE /v1/admin/events/{id}.

Signed with SigV4 as an operator (tests/support/operator.py); the local gateway checks
the signature like API Gateway (devtools/local_gateway.py). Every refusal leaves the
events table as it was."""
import boto3
import pytest
from botocore.credentials import Credentials

from geocritters.game.config import DAY_MS, HOUR_MS, MINUTE_MS
from tests.support.ddb_calls import dynamodb_calls
from tests.support.deployed import OPERATOR_ROUTES, skip_when_deployed
from tests.support.operator import operator_call, signed_headers

ADMIN = "/v1/admin/events"



@pytest.fixture(autouse=True)
def _signed_routes_only(api):
    """Every test here calls the SigV4 admin routes (tests/support/deployed.py says why
    they are not run on the deployed form)."""
    skip_when_deployed(api, OPERATOR_ROUTES)

def new_event(clock, **overrides) -> dict:
    body = {"name": "Double XP weekend", "start_ms": clock.now_ms() + 10 * MINUTE_MS,
            "end_ms": clock.now_ms() + 2 * DAY_MS, "prefixes": ["u09"],
            "effects": {"xp_multiplier": 2, "stardust_multiplier": 2}}
    return {**body, **overrides}


def stored_items(aws) -> list:
    client = boto3.client("dynamodb", region_name="us-east-1")
    return client.scan(TableName=aws["EVENTS_TABLE"])["Items"]


def test_an_operator_creates_lists_and_cancels_an_event(api, clock, aws):
    with dynamodb_calls() as calls:
        status, created, _ = operator_call(api, "POST", ADMIN, new_event(clock), key="create-key-0001")
    assert status == 201, created
    assert calls.names == ["PutItem"]  # one conditional write
    assert created["id"].startswith("ev-") and created["prefixes"] == ["u09"]
    assert created["effects"]["xp_multiplier"] == 2.0
    assert created["created_by"].startswith("arn:aws:iam::")

    again = operator_call(api, "POST", ADMIN, new_event(clock), key="create-key-0001")
    assert again[:2] == (201, created)  # a retry gets the same event, nothing added
    assert len(stored_items(aws)) == 1

    with dynamodb_calls() as calls:
        status, listed, _ = operator_call(api, "GET", ADMIN)
    assert status == 200 and [e["id"] for e in listed["events"]] == [created["id"]]
    assert calls.names == ["Query"]

    clock.advance(HOUR_MS)
    status, cancelled, _ = operator_call(api, "DELETE", f"{ADMIN}/{created['id']}")
    assert status == 200 and cancelled["end_ms"] == clock.now_ms() == cancelled["cancelled_ms"]
    status, body, _ = operator_call(api, "DELETE", f"{ADMIN}/{created['id']}")
    assert (status, body["error"]["code"]) == (409, "event_ended")
    status, body, _ = operator_call(api, "DELETE", f"{ADMIN}/ev-0000000000000000")
    assert (status, body["error"]["code"]) == (404, "event_not_found")


@pytest.mark.parametrize("overrides,status,code", [
    ({"end_ms": 0}, 400, "invalid_event_window"),
    ({"start_ms": "soon"}, 400, "invalid_event_window"),
    ({"end_ms": 40 * DAY_MS + 1_800_000_000_000}, 400, "invalid_event_window"),
    ({"prefixes": ["u09tvw0x"]}, 400, "invalid_event_region"),
    ({"prefixes": ["UO9"]}, 400, "invalid_event_region"),
    ({"effects": {"xp_multiplier": 16}}, 400, "invalid_event_effect"),
    ({"effects": {"spawn_species": [1]}}, 400, "invalid_event_effect"),
    ({"name": ""}, 400, "invalid_event_name"),
    ({"owner": "me"}, 400, "unknown_field"),
    ({"start_ms": 1_800_000_000_000 + MINUTE_MS}, 422, "event_starts_too_soon"),
])
def test_bad_events_are_refused_with_their_own_code_and_nothing_stored(api, clock, aws, overrides,
                                                                       status, code):
    answer = operator_call(api, "POST", ADMIN, new_event(clock, **overrides), key="bad-key-0001")
    assert (answer[0], answer[1]["error"]["code"]) == (status, code), answer
    assert stored_items(aws) == []


def test_the_same_key_with_another_event_is_422(api, clock, aws):
    operator_call(api, "POST", ADMIN, new_event(clock), key="reused-key-01")
    status, body, _ = operator_call(api, "POST", ADMIN, new_event(clock, name="Other"),
                                    key="reused-key-01")
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")
    assert len(stored_items(aws)) == 1


def test_a_create_needs_an_idempotency_key(api, clock, aws):
    status, body, _ = operator_call(api, "POST", ADMIN, new_event(clock))
    assert (status, body["error"]["code"]) == (400, "missing_idempotency_key"), body
    assert stored_items(aws) == []


def test_a_players_token_never_reaches_the_admin_routes(api, clock, aws):
    _, token = api.login("device-not-an-operator")
    for method, path in (("POST", ADMIN), ("GET", ADMIN), ("DELETE", f"{ADMIN}/ev-0000000000000000")):
        status, body, _ = api.call(method, path, new_event(clock) if method == "POST" else None,
                                   token=token, headers={"Idempotency-Key": "player-key-01"})
        assert (status, body["error"]["code"]) == (403, "signature_required"), (method, body)
    assert stored_items(aws) == []


def test_unsigned_and_badly_signed_requests_are_the_gateways_refusals(api, clock, aws):
    status, body, _ = api.call("GET", ADMIN)
    # API Gateway's "Missing Authentication Token", rendered as for an unknown route.
    assert (status, body["error"]["code"]) == (404, "not_found")
    stranger = Credentials("AKIDSTRANGER", "not-the-operators-secret")
    status, body, _ = operator_call(api, "POST", ADMIN, new_event(clock), key="stranger-key-1",
                                    credentials=stranger)
    assert (status, body["error"]["code"]) == (403, "invalid_signature")
    # A signed request whose body was changed after signing.
    headers = signed_headers("POST", ADMIN, b'{"name": "a"}', {"Idempotency-Key": "tamper-key-1"})
    status, body, _ = api.call("POST", ADMIN, new_event(clock), headers=headers)
    assert (status, body["error"]["code"]) == (403, "invalid_signature")
    assert stored_items(aws) == []


def test_the_function_itself_refuses_a_request_without_an_iam_identity():
    """Behind a gateway misconfigured to run no IAM check, the view still refuses."""
    from geocritters.edge.errors import OperatorOnly
    from geocritters.edge.routing import _operator

    class Unsigned:
        def __init__(self):
            self.context = {"identity": {"sourceIp": "127.0.0.1"},
                            "authorizer": {"principalId": "pl-1"}}

    with pytest.raises(OperatorOnly) as refused:
        _operator(Unsigned())
    assert refused.value.code == "operator_only"

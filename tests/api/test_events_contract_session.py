"""The operators' event routes against docs/openapi.json: a scripted session (the
Contract of test_openapi_contract.py) where every answer is checked against the
documented response for its status and every refusal's code against its
``x-error-codes``: create (and its retry), list, cancel, and each refusal, the gateway's
signature refusals included."""
import json

import pytest
from botocore.credentials import Credentials

from geocritters.game.config import DAY_MS, MINUTE_MS
from tests.api.test_openapi_contract import SPEC_PATH, Contract, _operations
from tests.support.deployed import OPERATOR_ROUTES, skip_when_deployed
from tests.support.operator import signed_headers

ADMIN = "/v1/admin/events"



@pytest.fixture(autouse=True)
def _signed_routes_only(api):
    """Every test here calls the SigV4 admin routes (tests/support/deployed.py says why
    they are not run on the deployed form)."""
    skip_when_deployed(api, OPERATOR_ROUTES)

@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_PATH.read_text())


def signed(c, method, path, body=None, key=None, credentials=None, **expected):
    raw = json.dumps(body).encode() if body is not None else b""
    headers = signed_headers(method, path, raw, {"Idempotency-Key": key} if key else {}, credentials)
    return c.call(method, path, body, headers=headers, raw=raw if body is not None else None,
                  **expected)


def test_events_session_conforms_to_the_document(api, clock, spec):
    c = Contract(api, spec)
    event = {"name": "Contract event", "start_ms": clock.now_ms() + 10 * MINUTE_MS,
             "end_ms": clock.now_ms() + DAY_MS, "prefixes": ["u09", "dr5r"],
             "effects": {"spawn_species": [1, 4], "spawn_share": 0.25, "hatch_distance_multiplier": 0.5}}
    created = signed(c, "POST", ADMIN, event, key="contract-event-0001", expect=201)
    assert signed(c, "POST", ADMIN, event, key="contract-event-0001", expect=201) == created
    listed = signed(c, "GET", ADMIN, expect=200)
    assert [e["id"] for e in listed["events"]] == [created["id"]]
    cancelled = signed(c, "DELETE", f"{ADMIN}/{created['id']}", expect=200)
    assert cancelled["cancelled_ms"] == clock.now_ms()

    signed(c, "POST", ADMIN, {**event, "end_ms": event["start_ms"]}, key="contract-event-0002",
           expect=400, code="invalid_event_window")
    signed(c, "POST", ADMIN, {**event, "prefixes": ["a"]}, key="contract-event-0003", expect=400,
           code="invalid_event_region")
    signed(c, "POST", ADMIN, {**event, "effects": {}}, key="contract-event-0004", expect=400,
           code="invalid_event_effect")
    signed(c, "POST", ADMIN, event, expect=400, code="missing_idempotency_key")
    signed(c, "POST", ADMIN, {**event, "start_ms": clock.now_ms()}, key="contract-event-0005",
           expect=422, code="event_starts_too_soon")
    signed(c, "POST", ADMIN, {**event, "name": "Other"}, key="contract-event-0001", expect=422,
           code="idempotency_key_reused")
    signed(c, "DELETE", f"{ADMIN}/{created['id']}", expect=409, code="event_ended")
    signed(c, "DELETE", f"{ADMIN}/ev-00000000", expect=404, code="event_not_found")
    signed(c, "DELETE", f"{ADMIN}/nope", expect=400, code="invalid_event_id")

    # The gateway's refusals: a player's token, someone else's signature, no signature.
    _, token = api.login("events-contract-player")
    c.call("GET", ADMIN, token=token, expect=403, code="signature_required")
    c.call("POST", ADMIN, event, token=token, headers={"Idempotency-Key": "contract-event-0006"},
           expect=403, code="signature_required")
    signed(c, "GET", ADMIN, credentials=Credentials("AKIDSTRANGER", "not-the-secret"), expect=403,
           code="invalid_signature")
    c.call("DELETE", f"{ADMIN}/{created['id']}", expect=404, code="not_found")

    for path, method, operation in _operations(spec):
        if "events" not in operation.get("tags", []):
            continue
        statuses = c.seen[(path, method)]
        assert any(200 <= s < 300 for s in statuses), f"{method} {path}: no success exercised"
        assert any(400 <= s < 500 for s in statuses), f"{method} {path}: no refusal exercised"

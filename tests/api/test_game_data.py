"""GET /v1/game-data over the API: public, cacheable (a strong ETag, Cache-Control),
answered 304 with no body when If-None-Match names the current ETag, the same bytes on
every call and in every container; every answer checked against docs/openapi.json (the
Contract of test_openapi_contract.py; a 304 has no body, its headers are checked here)."""
import json

import pytest

import functions.gamedata
from geocritters import bootstrap
from tests.api.test_openapi_contract import SPEC_PATH, Contract, _operations, _resolve, schema_errors

URL = "/v1/game-data"
CACHE_CONTROL = "public, max-age=300"


@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_PATH.read_text())


def _lower(headers: dict) -> dict:
    return {k.lower(): v for k, v in headers.items()}


def test_game_data_session_conforms_to_the_document(api, spec):
    c = Contract(api, spec)
    _, token = api.login("game-data-contract")

    # Public: no token needed, and a token changes nothing.
    document = c.call("GET", URL, expect=200)
    status, body, headers = api.call("GET", URL)
    assert document["species"] and document["items"] and document["version"]
    etag = _lower(headers)["etag"]
    assert _lower(headers)["cache-control"] == CACHE_CONTROL
    assert c.call("GET", URL, token=token, expect=200) == document == body

    c.call("GET", f"{URL}?lang=en", expect=400, code="unknown_query_parameter")
    c.call("GET", f"{URL}?version={document['version']}", token=token, expect=400,
           code="unknown_query_parameter")
    # If-None-Match: another tag (or none that parses) is the whole document again; the
    # current one, also weakened by a CDN, in a list or as "*", is a 304 with no body and
    # the documented validators (edge/http_cache.py's unit tests have every form).
    other = '"0123456789abcdef0123456789abcdef"'
    for sent in (other, f"W/{other}", etag.strip('"')):
        assert c.call("GET", URL, headers={"If-None-Match": sent}, expect=200) == document, sent
    not_modified = _resolve(spec, spec["paths"][URL]["get"]["responses"]["304"])
    for sent in (etag, f"W/{etag}", f"{other}, W/{etag}", "*"):
        status, body, headers = api.call("GET", URL, headers={"If-None-Match": sent})
        assert (status, body) == (304, None), sent
        for name, header in not_modified["headers"].items():
            header = _resolve(spec, header)
            value = _lower(headers).get(name.lower())
            assert value is not None and not schema_errors(spec, header["schema"], value), (name, headers)
        assert _lower(headers)["etag"] == etag and _lower(headers)["cache-control"] == CACHE_CONTROL

    for path, method, operation in _operations(spec):
        if "gamedata" in operation.get("tags", []):
            statuses = c.seen[(path, method)]
            assert any(200 <= s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)


def test_the_same_bytes_in_every_call_and_every_container(api):
    def answer():
        status, body, headers = api.call("GET", URL)
        return status, body, _lower(headers)["etag"], _lower(headers)["cache-control"]

    first = answer()
    assert first[0] == 200 and answer() == first
    # A new container: nothing cached, the document built again from the same game.
    bootstrap.reset(clock=bootstrap.clock())
    functions.gamedata._published = None
    assert answer() == first


def test_served_without_the_secret_or_any_table(api, monkeypatch):
    """Its function's role grants no secret (reads_secret=False) and only the events
    table, for ?region= (test_game_data_events.py): serving the document must need
    neither. The api client already fails a DynamoDB call outside the role; the
    secret and the game context (store, keys) must not even be asked for."""
    def refused(*_args, **_kwargs):
        raise AssertionError("GET /v1/game-data asked for the secret or the store")

    monkeypatch.setattr(bootstrap, "game_keys", refused)
    monkeypatch.setattr(bootstrap, "game_context", refused)
    functions.gamedata._published = None  # a cold container
    status, body, _ = api.call("GET", URL)
    assert status == 200 and body["species"], body

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
    c.call("GET", URL, headers={"If-None-Match": '"0123456789abcdef0123456789abcdef"'}, expect=200)

    # 304: documented with both validators' headers and no body.
    not_modified = _resolve(spec, spec["paths"][URL]["get"]["responses"]["304"])
    status, body, headers = api.call("GET", URL, headers={"If-None-Match": etag})
    assert (status, body) == (304, None)
    for name, header in not_modified["headers"].items():
        header = _resolve(spec, header)
        value = _lower(headers).get(name.lower())
        assert value is not None and not schema_errors(spec, header["schema"], value), (name, headers)

    for path, method, operation in _operations(spec):
        if "gamedata" in operation.get("tags", []):
            statuses = c.seen[(path, method)]
            assert any(200 <= s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)


@pytest.mark.parametrize("if_none_match, status", [
    (None, 200),
    ("{etag}", 304),
    ("W/{etag}", 304),  # If-None-Match compares weakly: a CDN may have weakened the tag
    ('"0123456789abcdef0123456789abcdef", W/{etag}', 304),
    ("*", 304),
    ('"0123456789abcdef0123456789abcdef"', 200),
    ('W/"0123456789abcdef0123456789abcdef"', 200),
    ("{bare}", 200),  # not an entity tag (unquoted): names nothing
    ("", 200),
    ('"' + "x" * 4000 + '"', 200),
])
def test_if_none_match(api, if_none_match, status):
    _, full, headers = api.call("GET", URL)
    etag = _lower(headers)["etag"]
    sent = {} if if_none_match is None else {
        "If-None-Match": if_none_match.format(etag=etag, bare=etag.strip('"'))}
    got, body, answer_headers = api.call("GET", URL, headers=sent)
    assert got == status, (sent, got, body)
    assert body == (full if status == 200 else None)
    assert _lower(answer_headers)["etag"] == etag
    assert _lower(answer_headers)["cache-control"] == CACHE_CONTROL


def test_the_same_bytes_in_every_call_and_every_container(api):
    first = api.call("GET", URL)
    assert api.call("GET", URL) == first
    # A new container: nothing cached, the document built again from the same game.
    bootstrap.reset(clock=bootstrap.clock())
    functions.gamedata._published = None
    again = api.call("GET", URL)
    assert again == first
    assert _lower(again[2])["etag"] == _lower(first[2])["etag"]


def test_served_without_the_secret_or_any_table(api, monkeypatch):
    """Its function's role grants neither (reads_secret=False, no tables): serving it must
    need neither. The api client already fails a DynamoDB call outside the role; the
    secret and the game context (store, keys) must not even be asked for."""
    def refused(*_args, **_kwargs):
        raise AssertionError("GET /v1/game-data asked for the secret or the store")

    monkeypatch.setattr(bootstrap, "game_keys", refused)
    monkeypatch.setattr(bootstrap, "game_context", refused)
    functions.gamedata._published = None  # a cold container
    status, body, _ = api.call("GET", URL)
    assert status == 200 and body["species"], body

"""Guest login and the authorizer."""
import base64
import json

import jwt
import pytest

from geocritters.adapters.tokens import AUDIENCE, ISSUER, TOKEN_LIFETIME_S


def test_same_device_same_player_and_a_working_token(api):
    first_id, token = api.login("device-aaaa-0001")
    again_id, _ = api.login("device-aaaa-0001")
    other_id, _ = api.login("device-bbbb-0002")
    assert first_id == again_id != other_id
    status, me, _ = api.call("GET", "/v1/me", token=token)
    assert status == 200 and me["player_id"] == first_id
    assert me["level"] == 1 and me["team"] is None


@pytest.mark.parametrize("body, code", [
    ({}, "missing_field"),
    ({"device_id": "short"}, "invalid_field"),
    ({"device_id": 12345678}, "invalid_field"),
    ({"device_id": "device-0001", "player_id": "pl-admin"}, "unknown_field"),
])
def test_bad_login_bodies_are_400(api, body, code):
    status, error, _ = api.call("POST", "/v1/auth/guest", body)
    assert status == 400
    assert error["error"]["code"] == code


def test_login_token_lifetime(api):
    status, body, _ = api.call("POST", "/v1/auth/guest", {"device_id": "device-0003"})
    assert status == 200 and body["expires_in"] == TOKEN_LIFETIME_S


def _forge(claims, key=b"a-32-byte-key-that-is-not-ours!!", alg="HS256"):
    return jwt.encode(claims, key, algorithm=alg)


def _unsigned(claims):
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_bad_tokens_are_401_json(api, clock):
    player_id, token = api.login()
    now_s = clock.now_ms() // 1000
    claims = {"sub": player_id, "iss": ISSUER, "aud": AUDIENCE, "iat": now_s, "exp": now_s + 60}
    for bad in [None, "garbage", _forge(claims), _unsigned(claims), token + "x"]:
        status, body, _ = api.call("GET", "/v1/me", token=bad)
        assert status == 401, (bad, body)
        assert body["error"]["code"] == "unauthorized"
    status, _, _ = api.call("GET", "/v1/me", headers={"Authorization": f"Basic {token}"})
    assert status == 401


def test_expired_token_is_401(api, clock):
    _, token = api.login()
    clock.advance(TOKEN_LIFETIME_S * 1000 + 1)
    status, body, _ = api.call("GET", "/v1/me", token=token)
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_unknown_route_is_json_404(api):
    _, token = api.login()
    status, body, _ = api.call("GET", "/v1/nowhere", token=token)
    assert status == 404 and body["error"]["code"] == "not_found"

"""The dev server's accelerated game clock (``devtools.run_local --clock-rate``) through
the real login and authorizer: a token is valid exactly its lifetime in game time, and
its times are checked against the game clock, never the real one."""
import time

import jwt
import pytest

from geocritters.adapters.tokens import TOKEN_LIFETIME_S
from tests.fakes.real_time import RealTime
from tests.support.deployed import IN_PROCESS_ONLY

RATE = 60


@pytest.fixture
def real():
    return RealTime(time.time_ns() // 1_000_000)


@pytest.fixture
def clock(real, pytestconfig):
    if pytestconfig.getoption("--backend") == "deployed":
        pytest.skip(f"not on the deployed form: {IN_PROCESS_ONLY}")
    return real.accelerated_clock(RATE)


def test_a_token_lasts_its_lifetime_in_game_time(api, real):
    _, token = api.login()
    real.advance_s(TOKEN_LIFETIME_S / RATE - 1)  # the game clock: 60 s before expiry
    status, _, _ = api.call("GET", "/v1/me", token=token)
    assert status == 200
    real.advance_s(2)  # 60 s after
    status, body, _ = api.call("GET", "/v1/me", token=token)
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_a_token_issued_ahead_of_real_time_is_valid(api, real, clock):
    real.advance_s(3600)  # the game clock is now 59 hours ahead of real time
    _, token = api.login()
    claims = jwt.decode(token, options={"verify_signature": False})
    # Issued in the real clock's future: a check against the real clock would refuse it.
    assert claims["iat"] == clock.now_ms() // 1000 > time.time() + 24 * 3600
    assert claims["exp"] - claims["iat"] == TOKEN_LIFETIME_S
    status, me, _ = api.call("GET", "/v1/me", token=token)
    assert status == 200 and me["player_id"] == claims["sub"]

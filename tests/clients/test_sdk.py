"""The Python SDK (clients/python, installed by `make test`'s setup): a session against
the app served over HTTP by chalice local on moto, in a thread of this process (its
clock is the tests' FakeClock, so a token can be made to expire), and the retry loop
against stub transports.

The SDK under test is the installed one: test_installed_sdk_is_built_from_this_document
says when it was built from another docs/openapi.json (pip install ./clients/python)."""
import hashlib
import importlib.util
import json
import uuid
from pathlib import Path

import geocritters_sdk as sdk  # installed by make test's setup: pip install ./clients/python
import httpx
import pytest
from geocritters_sdk import ConnectionFailed, Session, errors, local, models
from geocritters_sdk.generated.api.auth import guest_login
from geocritters_sdk.generated.api.catching import start_encounter, throw_ball
from geocritters_sdk.generated.api.collection import list_creatures, list_items
from geocritters_sdk.generated.api.map_ import view_map
from geocritters_sdk.generated.api.player import get_profile
from geocritters_sdk.generated.api.stops import spin_stop

from geocritters import bootstrap
from geocritters.adapters.tokens import TOKEN_LIFETIME_S
from tests.support.chalice_local import dev_stage_config, start_chalice_local
from tests.support.nearby import HOME
from tests.support.transports import PROJECT_DIR

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "docs" / "openapi.json"


# -- the app over HTTP -------------------------------------------------------------------

@pytest.fixture(scope="session")
def app_url(http_server, chalice_app):
    """chalice local, started once: it can wrap the app only once per process (the
    LocalStack tier's own server when that tier runs)."""
    if http_server:
        yield http_server
        return
    running = start_chalice_local(chalice_app, dev_stage_config(str(PROJECT_DIR)))
    yield running.url
    running.stop()


@pytest.fixture
def server(aws, clock, app_url):
    bootstrap.reset(clock=clock)
    try:
        yield app_url
    finally:
        bootstrap.reset()


class Recording(httpx.BaseTransport):
    """Real HTTP, recording (method, path, Idempotency-Key, status) of every attempt.
    ``drop``: a predicate on the request; the first matching request is sent, the
    server answers it, and the answer is lost on the way back (a read timeout)."""

    def __init__(self, drop=None):
        self._inner = httpx.HTTPTransport()
        self.sent: list[tuple[str, str, str | None, int | None]] = []
        self._drop = drop

    def handle_request(self, request):
        response = self._inner.handle_request(request)
        response.read()
        entry = (request.method, request.url.path, request.headers.get("Idempotency-Key"))
        if self._drop is not None and self._drop(request):
            self._drop = None
            self.sent.append((*entry, None))
            raise httpx.ReadTimeout("the answer was lost", request=request)
        self.sent.append((*entry, response.status_code))
        return response

    def close(self):
        self._inner.close()


def _session(url, transport=None, **kwargs) -> Session:
    return Session(local(url), device_id=f"sdk-{uuid.uuid4().hex[:12]}", transport=transport,
                   sleep=lambda s: None, **kwargs)


def _a_stop(game: Session):
    seen = game.call(view_map, lat=HOME[0], lng=HOME[1])
    assert seen.stops, "stops around HOME"
    return seen.stops[0]


def test_full_session(server):
    game = _session(server)
    login = game.login()
    assert login.player_id.startswith("pl-") and login.expires_in == TOKEN_LIFETIME_S

    caught = None
    for step in range(40):
        here = (HOME[0] + 0.0005 * (step % 7), HOME[1] + 0.0005 * (step // 7))
        seen = game.call(view_map, lat=here[0], lng=here[1])
        assert isinstance(seen, models.MapResponse)
        for spawn in seen.spawns:
            encounter = game.call(start_encounter, body=models.EncounterRequest(
                spawn_id=spawn.id, lat=spawn.lat, lng=spawn.lng))
            assert isinstance(encounter, models.Encounter)
            for _ in range(30):
                thrown = game.call(throw_ball, encounter_id=encounter.encounter_id,
                                   body=models.ThrowRequest(ball=models.ThrowRequestBall.BALL))
                if thrown.outcome != models.ThrowResponseOutcome.ESCAPED:
                    break
            if thrown.outcome == models.ThrowResponseOutcome.CAUGHT:
                caught = thrown.creature
                break
        if caught:
            break
    assert caught is not None, "nothing caught in 40 spots"

    stop = _a_stop(game)
    spun = game.call(spin_stop, stop_id=stop.id, body=models.SpinRequest(lat=stop.lat, lng=stop.lng))
    assert isinstance(spun, models.SpinResponse) and spun.xp > 0
    listing = game.call(list_creatures)
    assert [c.id for c in listing.creatures] == [caught.id]
    assert game.logins == 1


def test_an_action_is_retried_with_its_key_and_paid_once(server):
    spin_path = "/spin"
    transport = Recording(drop=lambda request: request.url.path.endswith(spin_path))
    game = _session(server, transport)
    stop = _a_stop(game)
    items_before = game.call(list_items).items.additional_properties
    xp_before = game.call(get_profile).xp

    spun = game.call(spin_stop, stop_id=stop.id, body=models.SpinRequest(lat=stop.lat, lng=stop.lng))

    spins = [entry for entry in transport.sent if entry[1].endswith(spin_path)]
    assert [status for *_, status in spins] == [None, 200], transport.sent  # lost, then retried
    assert spins[0][2] == spins[1][2] and len(spins[0][2]) >= 8  # one key for both attempts
    items_after = game.call(list_items).items.additional_properties
    gained = {k: items_after.get(k, 0) - items_before.get(k, 0) for k in items_after | items_before}
    assert {k: n for k, n in gained.items() if n} == spun.items.additional_properties
    assert game.call(get_profile).xp == xp_before + spun.xp  # the reward paid once

    # Two calls are two actions: the next spin has a new key (and the stop cools down).
    with pytest.raises(errors.StopCoolingDownError) as refused:
        game.call(spin_stop, stop_id=stop.id, body=models.SpinRequest(lat=stop.lat, lng=stop.lng))
    assert refused.value.retry_after and refused.value.retry_after > 0
    assert transport.sent[-1][2] not in (None, spins[0][2])


def test_a_refusal_raises_the_class_of_its_code(server):
    game = _session(server)
    stop = _a_stop(game)
    with pytest.raises(errors.OutOfRangeError) as refused:  # ~111 m from the stop
        game.call(spin_stop, stop_id=stop.id, body=models.SpinRequest(lat=stop.lat + 0.001, lng=stop.lng))
    error = refused.value
    assert (error.status, error.code) == (403, "out_of_range") and error.message
    assert isinstance(error, errors.Forbidden) and isinstance(error, errors.ApiError)
    unknown = stop.id.rsplit("-", 1)[0] + "-999"  # well-formed, not in the world
    with pytest.raises(errors.StopNotFoundError) as missing:
        game.call(spin_stop, stop_id=unknown, body=models.SpinRequest(lat=stop.lat, lng=stop.lng))
    assert missing.value.status == 404 and isinstance(missing.value, errors.NotFound)
    with pytest.raises(errors.InvalidFortIdError) as malformed:
        game.call(spin_stop, stop_id="st-nowhere", body=models.SpinRequest(lat=stop.lat, lng=stop.lng))
    assert malformed.value.status == 400 and isinstance(malformed.value, errors.BadRequest)


def test_an_expired_token_is_renewed_once_on_401(server, clock):
    transport = Recording()
    game = _session(server, transport)
    first = game.login()
    clock.advance((TOKEN_LIFETIME_S + 60) * 1000)  # the server's clock: the token is expired
    profile = game.call(get_profile)
    assert profile.player_id == first.player_id and game.logins == 2  # same device, same player
    statuses = [(path, status) for _, path, _, status in transport.sent]
    assert statuses[-3:] == [("/v1/me", 401), ("/v1/auth/guest", 200), ("/v1/me", 200)], statuses


def test_the_token_is_renewed_before_it_expires(server):
    now = [1000.0]
    transport = Recording()
    game = _session(server, transport, clock=lambda: now[0])
    game.login()
    game.call(get_profile)
    now[0] += TOKEN_LIFETIME_S - 60  # within the renewal margin of the token's lifetime
    game.call(get_profile)
    paths = [path for _, path, _, _ in transport.sent]
    assert paths == ["/v1/auth/guest", "/v1/me", "/v1/auth/guest", "/v1/me"], transport.sent
    assert all(status == 200 for *_, status in transport.sent)


# -- the retry loop, against stub transports ---------------------------------------------

LOGIN = {"player_id": "pl-" + "0" * 24, "token": "a.b.c", "expires_in": 3600}


def _stub_session(answers, **settings):
    """A session whose transport answers from ``answers`` (callables of the request), in
    order; records every request and every wait."""
    requests, waits = [], []

    def handler(request):
        requests.append(request)
        return answers[min(len(requests), len(answers)) - 1](request)

    game = Session(local("http://stub").with_(**settings), device_id="stub-device-0001",
                   transport=httpx.MockTransport(handler), sleep=waits.append, rand=lambda: 0.5)
    return game, requests, waits


def _refusal(status, code, retry_after=None):
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return lambda request: httpx.Response(status, json={"error": {"code": code, "message": "busy"}},
                                          headers=headers)


def test_retry_after_is_honoured():
    game, requests, waits = _stub_session(
        [_refusal(503, "backend_throttled", 3), _refusal(429, "rate_limited", 1),
         lambda request: httpx.Response(200, json=LOGIN)])
    answer = game.call(guest_login, body=models.GuestLoginRequest(device_id="stub-device-0001"))
    assert answer.token == "a.b.c" and len(requests) == 3
    # Never sooner than asked; the jitter (rand 0.5 of 20 %) only adds.
    assert waits == pytest.approx([3 * 1.1, 1 * 1.1])


def test_retries_are_bounded():
    game, requests, waits = _stub_session([_refusal(503, "backend_throttled", 2)], max_attempts=3)
    with pytest.raises(errors.BackendThrottledError) as refused:
        game.login()
    assert len(requests) == 3 and len(waits) == 2 and all(w >= 2 for w in waits)
    assert isinstance(refused.value, errors.ServiceUnavailable) and refused.value.retry_after == 2


def test_a_long_retry_after_is_raised_not_waited():
    game, requests, waits = _stub_session([_refusal(429, "rate_limited", 600)])
    with pytest.raises(errors.RateLimitedError) as refused:
        game.login()
    assert (len(requests), waits, refused.value.retry_after) == (1, [], 600)


def test_a_dev_server_clock_rate_scales_retry_after():
    game, _, waits = _stub_session([_refusal(429, "rate_limited", 30),
                                    lambda request: httpx.Response(200, json=LOGIN)],
                                   retry_after_scale=1 / 60)
    game.login()
    assert waits == pytest.approx([0.5 * 1.1])


def test_a_lost_answer_is_resent_only_when_harmless():
    def lost(request):
        raise httpx.ReadTimeout("lost", request=request)

    # An unkeyed action may have been applied: no retry.
    game, requests, _ = _stub_session([lambda r: httpx.Response(200, json=LOGIN), lost])
    with pytest.raises(ConnectionFailed):
        game.call(start_encounter, body=models.EncounterRequest(spawn_id="sp-x", lat=1.0, lng=2.0))
    assert [r.url.path for r in requests] == ["/v1/auth/guest", "/v1/encounters"]

    # A keyed one is resent with its key, up to max_attempts.
    game, requests, waits = _stub_session([lambda r: httpx.Response(200, json=LOGIN), lost], max_attempts=3)
    with pytest.raises(ConnectionFailed):
        game.call(spin_stop, stop_id="st-x", body=models.SpinRequest(lat=1.0, lng=2.0))
    keys = {r.headers["Idempotency-Key"] for r in requests[1:]}
    assert len(requests) == 4 and len(keys) == 1 and len(waits) == 2

    # A refused connection never reached the server: always resent.
    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    game, requests, _ = _stub_session([lambda r: httpx.Response(200, json=LOGIN), refused,
                                       lambda r: httpx.Response(201, json={"encounter_id": "en-1"})])
    assert game.request("POST", "/v1/encounters", {"spawn_id": "sp-x"}) == {"encounter_id": "en-1"}
    assert [r.url.path for r in requests] == ["/v1/auth/guest", "/v1/encounters", "/v1/encounters"]


def test_401_renews_once_then_raises():
    game, requests, _ = _stub_session([lambda r: httpx.Response(200, json=LOGIN),
                                       _refusal(401, "unauthorized"), lambda r: httpx.Response(200, json=LOGIN),
                                       _refusal(401, "unauthorized")])
    with pytest.raises(errors.UnauthorizedError):
        game.call(get_profile)
    assert [r.url.path for r in requests] == ["/v1/auth/guest", "/v1/me", "/v1/auth/guest", "/v1/me"]
    assert requests[1].headers["Authorization"] == "Bearer a.b.c"


def test_an_unknown_code_raises_its_status_class():
    error = errors.error_for(409, b'{"error": {"code": "brand_new_rule", "message": "no"}}')
    assert type(error) is errors.Conflict and error.code == "brand_new_rule"
    error = errors.error_for(502, b"<html>bad gateway</html>")
    assert type(error) is errors.ApiError and error.code == "http_502"


# -- the build ---------------------------------------------------------------------------

def _build_backend():
    path = ROOT / "clients" / "python" / "build_backend.py"
    spec = importlib.util.spec_from_file_location("sdk_build_backend", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_installed_sdk_is_built_from_this_document():
    stamp = Path(sdk.__file__).parent / "generated" / "OPENAPI_SHA256"
    assert stamp.read_text().strip() == hashlib.sha256(SPEC.read_bytes()).hexdigest(), \
        "the installed SDK was generated from another docs/openapi.json: pip install ./clients/python"


def test_one_error_class_per_documented_code():
    codes = _build_backend().error_codes(json.loads(SPEC.read_text()))
    assert set(errors.BY_CODE) == set(codes)
    for code, cls in errors.BY_CODE.items():
        assert cls.code == code and set(cls.statuses) == codes[code]["statuses"]
        assert issubclass(cls, errors.BY_STATUS.get(cls.statuses[0], errors.ApiError))


def test_the_build_fails_without_the_document(monkeypatch, tmp_path):
    backend = _build_backend()
    monkeypatch.setenv(backend.DOCUMENT_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(backend.DocumentMissing, match=r"missing\.json does not exist"):
        backend.generate()
    with pytest.raises(backend.DocumentMissing):
        backend.build_wheel(str(tmp_path))

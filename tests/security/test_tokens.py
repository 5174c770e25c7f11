"""Bearer tokens against EVERY secured route (extends tests/api/test_auth.py, which
checks a few bad tokens on GET /v1/me).

A refused token is a 401 ``{"error": {"code": "unauthorized"}}`` JSON body on every
route, and nothing stored changes. Claim-level cases are signed with OUR token key, so
only the claim check can refuse them; signature-level cases use our key under another
algorithm, keys derived from the same secret for other purposes, and foreign keys.
"""
import base64
import hashlib
import hmac
import json

import jwt
import pytest
from chalice import IAMAuthorizer
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from geocritters import bootstrap
from geocritters.adapters.tokens import AUDIENCE, CLOCK_SKEW_S, ISSUER
from tests.security.conftest import changed_items, db_snapshot

# "HS512 with our key" signs with our 32-byte key on purpose; PyJWT warns about its length.
# A token is refused before any storage is read: run once, on moto (backend_independent).
pytestmark = [pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
              pytest.mark.backend_independent]

GHOST = "pl-000000000000000000000000"  # well-formed, never created


def _secured_requests():
    """One well-formed request per secured route of the app's route table (path
    parameters filled with plausible ids): the authorizer runs before any of them."""
    import app

    fill = {"encounter_id": "en-000000000000000000000000", "stop_id": "st-dr5ru7c-0",
            "creature_id": "cr-0000000000000-0000000000", "gym_id": "gy-dr5ru7c-0",
            "raid_id": "rd-0-gy-dr5ru7c-0", "friend_id": GHOST, "request_id": f"fq-{GHOST}.{GHOST}",
            "gift_id": f"gf-{GHOST}.20000", "trade_id": "tr-000000000000000000000000",
            "egg_id": "eg-0000000000000-0000000000000000", "region": "dr5r"}
    bodies = {"/v1/me/team": {"team": "blue"},
              "/v1/encounters": {"spawn_id": "sp-dr5ru7c-0-1", "lat": 40.758, "lng": -73.9855},
              "/v1/encounters/{encounter_id}/throws": {"ball": "ball"},
              "/v1/stops/{stop_id}/spin": {"lat": 40.758, "lng": -73.9855},
              "/v1/gyms/{gym_id}/spin": {"lat": 40.758, "lng": -73.9855},
              "/v1/gyms/{gym_id}/defenders": {"creature_id": "cr-0000000000000-0000000000",
                                              "lat": 40.758, "lng": -73.9855},
              "/v1/gyms/{gym_id}/berries": {"creature_id": "cr-0000000000000-0000000000",
                                            "lat": 40.758, "lng": -73.9855},
              "/v1/gyms/{gym_id}/battles": {"creature_ids": ["cr-0000000000000-0000000000"],
                                            "lat": 40.758, "lng": -73.9855},
              "/v1/raids/{raid_id}/join": {"creature_ids": ["cr-0000000000000-0000000000"],
                                           "lat": 40.758, "lng": -73.9855},
              "/v1/friend-requests": {"trainer_code": "000000000000"},
              "/v1/trades": {"friend_id": GHOST, "creature_id": "cr-0000000000000-0000000000"},
              "/v1/trades/{trade_id}/offer": {"creature_id": "cr-0000000000000-0000000000"},
              "/v1/me/eggs/{egg_id}/incubate": {"incubator_id": "infinite"},
              "/v1/me/buddy": {"creature_id": "cr-0000000000000-0000000000"}}
    queries = {"/v1/map": "?lat=40.758&lng=-73.9855", "/v1/gyms/{gym_id}": "?lat=40.758&lng=-73.9855"}
    requests = []
    for path, methods in sorted(app.app.routes.items()):
        for method, entry in sorted(methods.items()):
            if entry.authorizer is None or isinstance(entry.authorizer, IAMAuthorizer):
                # Public, or an operator's route: no bearer token is ever accepted there
                # (SigV4 only: test_authorization_matrix.py and tests/api/test_events_admin.py).
                continue
            url = path.format(**{arg: fill[arg] for arg in entry.view_args}) + queries.get(path, "")
            requests.append((method, path, url, bodies.get(path)))
    return requests


SECURED = _secured_requests()


def _b64(obj) -> str:
    raw = obj if isinstance(obj, bytes) else json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _hand_signed(header: dict, claims: dict, key: bytes, digest=hashlib.sha256) -> str:
    """A JWT whose header says whatever we like, HMAC-signed with ``digest``."""
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{_b64(signature)}"


class Tokens:
    """Builds tokens for the logged-in player at the fake clock's now."""

    def __init__(self, player_id: str, now_s: int):
        self.player_id = player_id
        self.now_s = now_s
        self.keys = bootstrap.game_keys()

    def claims(self, **changes) -> dict:
        claims = {"sub": self.player_id, "iss": ISSUER, "aud": AUDIENCE, "iat": self.now_s,
                  "exp": self.now_s + 600}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def ours(self, **changes) -> str:
        return jwt.encode(self.claims(**changes), self.keys.tokens, algorithm="HS256")

    def without(self, claim: str) -> str:
        claims = self.claims()
        del claims[claim]
        return jwt.encode(claims, self.keys.tokens, algorithm="HS256")


def _rsa_token(claims):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256")


def _ec_token(claims):
    return jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256")


# name -> (builder of the Authorization header value)
BAD_AUTHORIZATION = {
    # lifetime
    "expired exactly at exp": lambda t: f"Bearer {t.ours(exp=t.now_s)}",
    "expired a day ago": lambda t: f"Bearer {t.ours(iat=t.now_s - 8 * 86400, exp=t.now_s - 86400)}",
    "issued in the future beyond the skew": lambda t: f"Bearer {t.ours(iat=t.now_s + CLOCK_SKEW_S + 5)}",
    # claims (signed with our real key: only the claim check can refuse these)
    "missing sub": lambda t: f"Bearer {t.without('sub')}",
    "missing exp": lambda t: f"Bearer {t.without('exp')}",
    "missing iat": lambda t: f"Bearer {t.without('iat')}",
    "missing iss": lambda t: f"Bearer {t.without('iss')}",
    "missing aud": lambda t: f"Bearer {t.without('aud')}",
    "wrong aud": lambda t: f"Bearer {t.ours(aud='geocritters-admin')}",
    "wrong iss": lambda t: f"Bearer {t.ours(iss='someone-else')}",
    "empty sub": lambda t: f"Bearer {t.ours(sub='')}",
    "numeric sub": lambda t: f"Bearer {t.ours(sub=12345)}",
    "boolean exp": lambda t: f"Bearer {t.ours(exp=True)}",
    # signatures and algorithms
    "HS256 with a foreign 32-byte key": lambda t: f"Bearer {jwt.encode(t.claims(), b'k' * 32, algorithm='HS256')}",
    "HS256 with the raw game secret": lambda t: "Bearer " + jwt.encode(
        t.claims(), b"api-test-secret-0123456789abcdef", algorithm="HS256"),
    "HS256 with our cursor key": lambda t: f"Bearer {jwt.encode(t.claims(), t.keys.cursors, algorithm='HS256')}",
    "HS256 with our outcomes key": lambda t: f"Bearer {jwt.encode(t.claims(), t.keys.outcomes, algorithm='HS256')}",
    "HS256 with a 1-byte key": lambda t: f"Bearer {_hand_signed({'alg': 'HS256', 'typ': 'JWT'}, t.claims(), b'k')}",
    "HS256 with an empty key": lambda t: f"Bearer {_hand_signed({'alg': 'HS256', 'typ': 'JWT'}, t.claims(), b'')}",
    "HS512 with our key": lambda t: f"Bearer {jwt.encode(t.claims(), t.keys.tokens, algorithm='HS512')}",
    "header HS512, HS256 signature with our key": lambda t: "Bearer " + _hand_signed(
        {"alg": "HS512", "typ": "JWT"}, t.claims(), t.keys.tokens),
    "header RS256, HS256 signature with our key": lambda t: "Bearer " + _hand_signed(
        {"alg": "RS256", "typ": "JWT"}, t.claims(), t.keys.tokens),
    "header without alg, HS256 signature with our key": lambda t: "Bearer " + _hand_signed(
        {"typ": "JWT"}, t.claims(), t.keys.tokens),
    "RS256 with an RSA key": lambda t: f"Bearer {_rsa_token(t.claims())}",
    "ES256 with an EC key": lambda t: f"Bearer {_ec_token(t.claims())}",
    "alg none, no signature": lambda t: f"Bearer {_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(t.claims())}.",
    "alg None, no signature": lambda t: f"Bearer {_b64({'alg': 'None'})}.{_b64(t.claims())}.",
    "alg NONE with our HS256 signature": lambda t: "Bearer " + ".".join(
        [_b64({"alg": "NONE"}), *t.ours().split(".")[1:]]),
    "valid token, signature dropped": lambda t: "Bearer " + t.ours().rsplit(".", 1)[0] + ".",
    "valid token, one signature byte flipped": lambda t: "Bearer " + _flip_last(t.ours()),
    "valid header+signature, other player's claims": lambda t: "Bearer " + ".".join(
        [t.ours().split(".")[0], _b64(t.claims(sub=GHOST)), t.ours().split(".")[2]]),
    # shapes
    "garbage": lambda t: "Bearer garbage",
    "three empty parts": lambda t: "Bearer ..",
    "non-base64 parts": lambda t: "Bearer !!!.???.***",
    "32 KB token": lambda t: "Bearer " + "a" * 32_000,
    "two tokens": lambda t: f"Bearer {t.ours()} {t.ours()}",
    "empty bearer": lambda t: "Bearer ",
    "bearer only": lambda t: "Bearer",
    "spaces only": lambda t: "Bearer     ",
    "no scheme": lambda t: t.ours(),
    "no space after scheme": lambda t: f"Bearer{t.ours()}",
    "Basic scheme": lambda t: f"Basic {t.ours()}",
    "Token scheme": lambda t: f"Token {t.ours()}",
    "lowercase bearer, garbage": lambda t: "bearer garbage",
    "empty header": lambda t: "",
}


def _flip_last(token: str) -> str:
    head, _, signature = token.rpartition(".")
    flipped = "A" if signature[-2] != "A" else "B"
    return f"{head}.{signature[:-2]}{flipped}{signature[-1]}"


@pytest.fixture
def tokens(api, clock):
    player_id, token = api.login("device-tokens-001")
    status, _, _ = api.call("GET", "/v1/me", token=token)
    assert status == 200
    return Tokens(player_id, clock.now_ms() // 1000)


def test_bad_authorization_is_401_json_on_every_secured_route(api, tokens):
    """Every case on every secured route (one test: the moto setup costs more than the
    ~500 requests); all failures are listed together."""
    before = db_snapshot()
    failures = []
    for case in sorted(BAD_AUTHORIZATION):
        value = BAD_AUTHORIZATION[case](tokens)
        for method, _route, url, body in SECURED:
            status, error, headers = api.call(method, url, body, headers={
                "Authorization": value, "Idempotency-Key": "tokens-key-0001"})
            content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
            if (status != 401 or not content_type.startswith("application/json")
                    or set(error or {}) != {"error"} or error["error"].get("code") != "unauthorized"):
                failures.append(f"{case}: {method} {url} -> {status} {content_type} {error}")
    assert not failures, "\n".join(failures)
    assert changed_items(before, db_snapshot()) == [], "a refused token changed stored state"


# What each request of SECURED gets past the authorizer, for a new player: the route's
# own answer (its ids name nothing of the player's; the spawn is hour 1 of 1970; the stop
# is not where the request stands).
PAST_THE_AUTHORIZER = {
    "/v1/me": (200, None), "/v1/me/items": (200, None), "/v1/me/creatures": (200, None),
    "/v1/map": (200, None), "/v1/me/team": (403, "level_too_low"),
    "/v1/encounters": (404, "spawn_expired"), "/v1/encounters/{encounter_id}/throws": (404, "encounter_not_found"),
    "/v1/stops/{stop_id}/spin": (403, "out_of_range"),
    "/v1/me/creatures/{creature_id}/transfer": (404, "creature_not_found"),
    "/v1/me/creatures/{creature_id}/evolve": (404, "creature_not_found"),
    "/v1/me/creatures/{creature_id}/power-up": (404, "creature_not_found"),
    # gy-dr5ru7c-0 is well-formed but names no gym (that cell's fort 0 is a stop).
    "/v1/gyms/{gym_id}": (404, "gym_not_found"), "/v1/gyms/{gym_id}/defenders": (404, "gym_not_found"),
    "/v1/gyms/{gym_id}/berries": (404, "gym_not_found"), "/v1/gyms/{gym_id}/spin": (404, "gym_not_found"),
    "/v1/gyms/{gym_id}/battles": (404, "gym_not_found"),
    "/v1/me/defenders": (200, None), "/v1/me/defenders/claim": (200, None),
    # rd-0-gy-dr5ru7c-0 is well-formed but its gym doesn't exist: no such raid.
    "/v1/raids/{raid_id}": (404, "raid_not_found"), "/v1/raids/{raid_id}/join": (404, "raid_not_found"),
    "/v1/raids/{raid_id}/claim": (404, "raid_not_found"),
    # The fill's ids name the ghost player: nobody's friend, request, gift or trade.
    "/v1/me/friends": (200, None), "/v1/me/friend-requests": (200, None),
    "/v1/friend-requests": (404, "trainer_code_not_found"),
    "/v1/friend-requests/{request_id}/accept": (404, "friend_request_not_found"),
    "/v1/friend-requests/{request_id}/decline": (404, "friend_request_not_found"),
    "/v1/friend-requests/{request_id}/cancel": (404, "friend_request_not_found"),
    "/v1/me/friends/{friend_id}/remove": (404, "friend_not_found"),
    "/v1/me/gifts": (200, None), "/v1/me/friends/{friend_id}/gifts": (403, "not_friends"),
    "/v1/me/gifts/{gift_id}/open": (404, "gift_not_found"),
    "/v1/me/trades": (200, None), "/v1/trades": (403, "not_friends"),
    "/v1/trades/{trade_id}": (404, "trade_not_found"), "/v1/trades/{trade_id}/offer": (404, "trade_not_found"),
    "/v1/trades/{trade_id}/confirm": (404, "trade_not_found"),
    "/v1/trades/{trade_id}/cancel": (404, "trade_not_found"),
    # The ghost egg and creature are nobody's; a new player has no buddy.
    "/v1/me/eggs": (200, None), "/v1/me/eggs/{egg_id}/incubate": (404, "egg_not_found"),
    "/v1/me/eggs/{egg_id}/hatch": (404, "egg_not_found"),
    "/v1/me/buddy": {"GET": (200, None), "POST": (404, "creature_not_found")},
    "/v1/me/buddy/candy": (409, "no_buddy"),
    "/v1/boards/{region}": (200, None),  # a board nobody is on yet
}


def test_the_same_requests_pass_the_authorizer_with_a_good_token(api, tokens):
    """Control for the test above: with our token, no route answers 401."""
    assert sorted(PAST_THE_AUTHORIZER) == sorted({route for _, route, _, _ in SECURED})
    for header in (f"Bearer {tokens.ours()}", f"bearer {tokens.ours()}", f"BEARER {tokens.ours()}",
                   f"Bearer  {tokens.ours()}  "):
        for n, (method, route, url, body) in enumerate(SECURED):
            # A key per route: a stored claim must not make another route's request a
            # reused key (keys are the player's, across actions).
            status, error, _ = api.call(method, url, body, headers={
                "Authorization": header, "Idempotency-Key": f"tokens-key-0002-{n:02d}"})
            assert status != 401 and status < 500, (header[:12], method, url, status, error)
            code = error["error"]["code"] if status >= 400 else None
            expected = PAST_THE_AUTHORIZER[route]  # per method where a path serves two
            expected = expected.get(method, expected) if isinstance(expected, dict) else expected
            assert (status, code) == expected, (header[:12], method, url, status, error)


def test_no_authorization_header_and_query_tokens_are_401(api, tokens):
    for method, _route, url, body in SECURED:
        separator = "&" if "?" in url else "?"
        for where in (url, f"{url}{separator}access_token={tokens.ours()}",
                      f"{url}{separator}token={tokens.ours()}"):
            status, error, _ = api.call(method, where, body, headers={"Idempotency-Key": "tokens-key-0003"})
            assert status == 401 and error["error"]["code"] == "unauthorized", (method, where, error)


def test_token_lifetime_boundaries(api, tokens, clock):
    """Valid one second before exp, refused at exp; iat within the skew is fine."""
    token = tokens.ours(exp=tokens.now_s + 1)
    assert api.call("GET", "/v1/me", token=token)[0] == 200
    clock.advance(1000)
    assert api.call("GET", "/v1/me", token=token)[0] == 401
    skewed = Tokens(tokens.player_id, clock.now_ms() // 1000)
    assert api.call("GET", "/v1/me", token=skewed.ours(iat=skewed.now_s + CLOCK_SKEW_S))[0] == 200


# --- a valid token for a player that doesn't exist ---------------------------------------------

def test_token_for_a_player_that_does_not_exist(api, tokens, game):
    """Signed by us, but the player was never created (e.g. a table restored from an
    older backup, or a deleted account): never a 500, never a player created on the fly.
    Every action that reads the player answers 404 player_not_found; throws and creature
    changes 404 because their object isn't found under that player first; the creature
    listing is an empty 200 (a listing of nothing)."""
    from tests.support.nearby import a_gym, a_spawn, a_stop

    ghost = tokens.ours(sub=GHOST)
    spawn = a_spawn()
    stop = a_stop(spawn.lat, spawn.lng)
    gym = a_gym()
    at_gym = {"lat": gym.lat, "lng": gym.lng}
    creature = {"creature_id": "cr-0000000000000-0000000000"}
    raid = _a_raid_id()
    reachable = {  # requests that get as far as loading the player
        "/v1/encounters": ("/v1/encounters", {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng}),
        "/v1/stops/{stop_id}/spin": (f"/v1/stops/{stop.id}/spin", {"lat": stop.lat, "lng": stop.lng}),
        "/v1/gyms/{gym_id}": (f"/v1/gyms/{gym.id}?lat={gym.lat}&lng={gym.lng}", None),
        "/v1/gyms/{gym_id}/spin": (f"/v1/gyms/{gym.id}/spin", at_gym),
        "/v1/gyms/{gym_id}/berries": (f"/v1/gyms/{gym.id}/berries", {**creature, **at_gym}),
        "/v1/gyms/{gym_id}/defenders": (f"/v1/gyms/{gym.id}/defenders", {**creature, **at_gym}),
        "/v1/gyms/{gym_id}/battles": (f"/v1/gyms/{gym.id}/battles",
                                      {"creature_ids": [creature["creature_id"]], **at_gym}),
        # A raid that exists (whatever its phase): viewing and claiming it load the player.
        "/v1/raids/{raid_id}": (f"/v1/raids/{raid}", None),
        "/v1/raids/{raid_id}/claim": (f"/v1/raids/{raid}/claim", None),
    }
    expected = {
        "/v1/me/creatures": (200, None),
        "/v1/encounters/{encounter_id}/throws": (404, "encounter_not_found"),
        "/v1/me/creatures/{creature_id}/transfer": (404, "creature_not_found"),
        "/v1/me/creatures/{creature_id}/evolve": (404, "creature_not_found"),
        "/v1/me/creatures/{creature_id}/power-up": (404, "creature_not_found"),
        # A deploy and a battle look for their creatures under the player first.
        "/v1/gyms/{gym_id}/defenders": (404, "creature_not_found"),
        "/v1/gyms/{gym_id}/battles": (404, "creature_not_found"),
        # The fill's raid id names no raid (its gym doesn't exist): refused before the player.
        "/v1/raids/{raid_id}/join": (404, "raid_not_found"),
        # No player with that code: refused before the player is read.
        "/v1/friend-requests": (404, "trainer_code_not_found"),
        # A trade is looked up before the player (to know whose items to read with it);
        # a cancel reads the player first.
        "/v1/trades/{trade_id}": (404, "trade_not_found"),
        "/v1/trades/{trade_id}/offer": (404, "trade_not_found"),
        "/v1/trades/{trade_id}/confirm": (404, "trade_not_found"),
        # A board is public and reads no player: the ghost is on none of them.
        "/v1/boards/{region}": (200, None),
    }
    empty = {"/v1/me/creatures": lambda data: data == {"creatures": [], "next_cursor": None},
             "/v1/boards/{region}": lambda data: data["me"] is None}
    before = db_snapshot()
    failures = []
    for method, route, url, body in SECURED:
        url, body = reachable.get(route, (url, body))
        status, data, _ = api.call(method, url, body, token=ghost,
                                   headers={"Idempotency-Key": "ghost-key-0001"})
        want = expected.get(route, (404, "player_not_found"))
        got = (status, data["error"]["code"] if status >= 400 else None)
        if got != want or (status == 200 and not empty[route](data)):
            failures.append(f"{method} {url} -> {status} {data} (expected {want})")
    assert not failures, "\n".join(failures)
    assert game().store.get_player(GHOST) is None
    assert changed_items(before, db_snapshot()) == [], "requests with a ghost token stored something"


def _a_raid_id() -> str:
    """The id of a raid that exists at a gym near HOME (in the first window that has one)."""
    from geocritters.game.raids import raid_in_window
    from tests.support.nearby import HOME

    ctx = bootstrap.game_context()
    window = ctx.clock.now_ms() // ctx.config.raid_window_ms
    gyms = [f for f in ctx.world.forts_near(*HOME, 1000) if f.kind == "gym"]
    for ahead in range(7 * 24):
        for gym in gyms:
            raid = raid_in_window(ctx.keys.spawns, gym, window + ahead, ctx.config)
            if raid is not None:
                return raid.raid_id
    raise AssertionError("no raid near HOME in a week")


# --- bugs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_validly_signed_token_with_a_non_numeric_time_claim_is_401(api, tokens, claim):
    token = tokens.ours(**{claim: "abc"})
    status, error, _ = api.call("GET", "/v1/me", token=token)
    assert status == 401 and error["error"]["code"] == "unauthorized"

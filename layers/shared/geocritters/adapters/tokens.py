"""Signed JWT session tokens (HS256). The key comes from the game secret.

PyJWT is imported on first use, not with this module: every deployed function imports
this module (through the authorizer declared on each route), but only the login and the
authorizer functions sign or verify, and the import costs ~40 ms of every cold start.
"""

ISSUER = "geocritters"
AUDIENCE = "geocritters-players"
TOKEN_LIFETIME_S = 7 * 24 * 3600
CLOCK_SKEW_S = 60


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed by us."""


def issue_token(key: bytes, player_id: str, now_s: int, lifetime_s: int = TOKEN_LIFETIME_S) -> str:
    import jwt

    claims = {"sub": player_id, "iss": ISSUER, "aud": AUDIENCE, "iat": now_s,
              "exp": now_s + lifetime_s}
    return jwt.encode(claims, key, algorithm="HS256")


def verify_token(key: bytes, token: str, now_s: int) -> str:
    """The player id of a valid token. Only HS256 is accepted (never ``alg: none``)."""
    import jwt

    try:
        claims = jwt.decode(
            token, key, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss", "aud"],
                     "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    # Expiry and issue time are checked against our clock (injectable in tests).
    if not all(isinstance(claims[c], int) and not isinstance(claims[c], bool) for c in ("exp", "iat")):
        raise InvalidToken("exp and iat must be integers")
    if int(claims["exp"]) <= now_s:
        raise InvalidToken("token expired")
    if int(claims["iat"]) > now_s + CLOCK_SKEW_S:
        raise InvalidToken("token issued in the future")
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("token has no subject")
    return subject

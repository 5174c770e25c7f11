"""The built-in Chalice authorizer: verifies our own JWT, so it behaves the same in
``chalice local``, the test client and API Gateway (a deployed TOKEN authorizer)."""
from chalice import AuthResponse, Blueprint

from ..adapters.tokens import InvalidToken, verify_token
from ..bootstrap import clock, game_keys
from .deployment import Deployment

authorizer_blueprint = Blueprint(__name__)

# The authorizer is its own function: it verifies our own JWT with the secret and reads no
# table. API Gateway caches its answers, so it runs far less often than the actions.
AUTHORIZER_DEPLOYMENT = Deployment(memory_mb=512, reserved_concurrency=85)

# API Gateway caches an Allow per token for this long (its default is 300 s). The cache is
# what keeps the authorizer off the per-request bill, but it also lets a token keep working
# after its `exp` for up to this long; 60 s against a 7-day token lifetime is the trade.
# Suspensions and bans don't depend on it: every action checks the player's standing.
AUTHORIZER_CACHE_TTL_S = 60


@authorizer_blueprint.authorizer(ttl_seconds=AUTHORIZER_CACHE_TTL_S)
def jwt_authorizer(auth_request):
    scheme, _, token = (auth_request.token or "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token:
            raise InvalidToken("expected 'Bearer <token>'")
        player_id = verify_token(game_keys().tokens, token.strip(), clock().now_ms() // 1000)
    except InvalidToken:
        # API Gateway turns exactly this exception message into a 401.
        raise Exception("Unauthorized") from None
    return AuthResponse(routes=["*"], principal_id=player_id)

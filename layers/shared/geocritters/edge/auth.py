"""The built-in Chalice authorizer: verifies our own JWT, so it behaves the same in
``chalice local``, the test client and API Gateway (a deployed TOKEN authorizer)."""
from chalice import AuthResponse, Blueprint

from ..adapters.tokens import InvalidToken, verify_token
from ..bootstrap import clock, game_keys

authorizer_blueprint = Blueprint(__name__)


@authorizer_blueprint.authorizer()
def jwt_authorizer(auth_request):
    scheme, _, token = (auth_request.token or "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token:
            raise InvalidToken("expected 'Bearer <token>'")
        player_id = verify_token(game_keys().tokens, token.strip(), clock().now_ms() // 1000)
    except InvalidToken:
        # API Gateway turns exactly this exception message into a 401.
        raise Exception("Unauthorized")  # noqa: TRY002
    return AuthResponse(routes=["*"], principal_id=player_id)

"""The route decorator every feature uses: JSON in/out, errors mapped in one place,
one structured log line per request."""
import functools
import re
import time

from chalice import IAMAuthorizer, Response

from ..adapters.budget import start_request
from ..game.actions import Action
from ..game.errors import GameError
from ..observability import log_request, logger
from .auth import jwt_authorizer
from .errors import OperatorOnly, Unauthorized, error_response, internal_error_response, json_response
from .requests import idempotency_key

# Chalice refuses content types outside a route's list itself, in its own error
# format; admitting all of them lets ``requests.json_body`` refuse them in ours (415).
ACCEPTED_CONTENT_TYPES = ["*/*"]


def _remaining_ms(blueprint) -> int | None:
    """The Lambda's remaining time (chalice local fakes one from the config's timeout)."""
    context = getattr(blueprint, "lambda_context", None)
    return context.get_remaining_time_in_millis() if context is not None else None


def _principal(request) -> str:
    """The player the authorizer verified. A gateway that ran no authorizer (LocalStack
    Community runs none) leaves no principal: that is a 401, never a KeyError's 500."""
    principal = ((request.context or {}).get("authorizer") or {}).get("principalId")
    if not isinstance(principal, str) or not principal:
        raise Unauthorized("A valid bearer token is required.")
    return principal


def _operator(request) -> str:
    """The operator API Gateway verified (AWS_IAM: a SigV4 signature of IAM credentials):
    it puts the caller in ``requestContext.identity``. An operator route also refuses a
    request without one here, so a player's token never works on it, even behind a
    gateway that was misconfigured to run no IAM check."""
    identity = (request.context or {}).get("identity") or {}
    arn = identity.get("userArn")
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise OperatorOnly("This route is for operators (IAM-signed requests) only.")
    return arn


# API Gateway checks an operator route's SigV4 signature itself (AWS_IAM in the template).
_iam = IAMAuthorizer()


def action_route(blueprint, path: str, method: str, action: Action, *, keyed: bool = False,
                 public: bool = False, operator: bool = False, status: int = 200):
    """Register ``view(request, player_id[, key], **path_params) -> dict``, answered ``status``.

    Routes need a valid token unless ``public``; the player id comes only from the
    verified token (the authorizer's principal), never from the request. ``operator``
    routes take no player token: IAM credentials, and the view gets the operator's ARN
    in place of a player id. ``keyed``
    routes get the validated Idempotency-Key as ``key``. Features call this through
    ``edge.feature.Feature.route``, which also records the route in the declaration.
    """
    def decorator(view):
        @functools.wraps(view)
        def handler(**params):
            started = time.perf_counter()
            request = blueprint.current_request
            player_id = None
            outcome = None
            start_request(_remaining_ms(blueprint))
            try:
                if operator:
                    player_id = _operator(request)
                elif not public:
                    player_id = _principal(request)
                if keyed:
                    params["key"] = idempotency_key(request)
                result = view(request, player_id, **params)
                # A throw's outcome (its metric's dimension); only ever a string.
                outcome = result.get("outcome") if isinstance(result, dict) else None
                outcome = outcome if isinstance(outcome, str) else None
                # A view that sets its own headers or status (a 304) returns a Response.
                response = result if isinstance(result, Response) else json_response(status, result)
            except GameError as error:
                outcome = error.code
                response = error_response(error)
            except Exception:
                logger().exception("unhandled error", extra={"action": action, "route": path})
                response = internal_error_response()
            finally:
                start_request(None)  # a warm container's next request starts afresh
            log_request(action, path, response.status_code, started, player_id,
                        request.context.get("requestId"), outcome)
            return response

        # Chalice names each route's handler; make it unique per method and path.
        handler.__name__ = f"{method.lower()}_" + re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")

        blueprint.route(
            path, methods=[method], content_types=ACCEPTED_CONTENT_TYPES,
            authorizer=_iam if operator else None if public else jwt_authorizer,
        )(handler)
        return view

    return decorator

"""Make Chalice's local API Gateway answer like our deployed one.

Deployed, API Gateway turns an authorizer's ``Exception("Unauthorized")`` into a 401
and renders its own errors with the gateway responses the template configures
(``infra.functions.GATEWAY_RESPONSES``). Chalice's local gateway instead lets that
exception escape (a 500) and answers with hard-coded bodies such as
``{"message":"Unauthorized"}``. ``install()`` patches the local gateway, used by
``chalice local`` (make run) and the test client, to behave like the template says.
It is never imported by deployed code.
"""
import json

from chalice import local

from infra.functions import GATEWAY_RESPONSES

_installed = False


def _body(response_type: str) -> bytes:
    entry = GATEWAY_RESPONSES[response_type]
    return json.dumps({"error": {"code": entry["code"], "message": entry["message"]}}).encode()


def _response_type(error: local.LocalGatewayException) -> str:
    if isinstance(error, local.NotAuthorizedError):
        return "UNAUTHORIZED"
    if isinstance(error, local.ForbiddenError):
        if b"Missing Authentication Token" in error.body or b"Credential" in error.body:
            return "MISSING_AUTHENTICATION_TOKEN"
        return "ACCESS_DENIED"
    return "DEFAULT_4XX"


def _as_gateway_response(error: local.LocalGatewayException) -> local.LocalGatewayException:
    response_type = _response_type(error)
    status = GATEWAY_RESPONSES[response_type]["status"] or error.CODE
    rewritten = type(f"Local{response_type.title()}", (local.LocalGatewayException,), {"CODE": status})
    headers = {**error.headers, "Content-Type": "application/json"}
    return rewritten(headers, _body(response_type))


def install() -> None:
    """Patch Chalice's local gateway once per process."""
    global _installed
    if _installed:
        return
    original_authorize = local.LocalGatewayAuthorizer.authorize
    original_handle = local.LocalGateway.handle_request

    def authorize(self, raw_path, lambda_event, lambda_context):
        try:
            return original_authorize(self, raw_path, lambda_event, lambda_context)
        except local.LocalGatewayException:
            raise
        except Exception as error:  # the authorizer's way of saying 401, as in AWS
            if str(error) != "Unauthorized":
                raise
            raise local.NotAuthorizedError({}, b"") from error

    def handle_request(self, method, path, headers, body):
        try:
            response = original_handle(self, method, path, headers, body)
        except local.LocalGatewayException as error:
            raise _as_gateway_response(error) from error
        if response["statusCode"] == 405:
            # API Gateway never invokes a function for a method the resource lacks: it
            # answers MISSING_AUTHENTICATION_TOKEN. Chalice's app answers 405 instead.
            raise _as_gateway_response(local.ForbiddenError({}, b"Missing Authentication Token"))
        return response

    local.LocalGatewayAuthorizer.authorize = authorize
    local.LocalGateway.handle_request = handle_request
    _installed = True

"""Make Chalice's local API Gateway answer like our deployed one.

Deployed, API Gateway turns an authorizer's ``Exception("Unauthorized")`` into a 401
and renders its own errors with the gateway responses the template configures
(``infra.functions.GATEWAY_RESPONSES``). Chalice's local gateway instead lets that
exception escape (a 500) and answers with hard-coded bodies such as
``{"message":"Unauthorized"}``. ``install()`` patches the local gateway, used by
``chalice local`` (make run) and the test client, to behave like the template says.
It is never imported by deployed code.

Operator routes (``IAMAuthorizer``: AWS_IAM in the template) are admitted by Chalice's
local gateway without any check. Here they get API Gateway's: the request's SigV4
signature (service ``execute-api``) is recomputed with botocore from the local operator
credentials (this process's own fake ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``,
what the dev server and the tests run with) and must match; then
``requestContext.identity`` is filled as API Gateway fills it (``userArn``,
``accessKey``, ...). As deployed: no Authorization header is API Gateway's "Missing
Authentication Token" (which the template renders as 404 ``not_found``, the answer for
an unknown route too), a Bearer token an incomplete signature (403), a wrong or expired
signature 403.
"""
import calendar
import hmac
import json
import os
import re
import time
from urllib.parse import urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from chalice import IAMAuthorizer, local

from infra.functions import GATEWAY_RESPONSES

_installed = False


def _body(response_type: str) -> bytes:
    entry = GATEWAY_RESPONSES[response_type]
    return json.dumps({"error": {"code": entry["code"], "message": entry["message"]}}).encode()


class SignatureRefused(local.ForbiddenError):
    """An operator route's SigV4 check failed: ``response_type`` says how."""

    def __init__(self, response_type: str):
        super().__init__({}, b"")
        self.response_type = response_type


# The identity API Gateway puts in requestContext for the local operator's credentials.
LOCAL_ACCOUNT_ID = "000000000000"
LOCAL_OPERATOR_ARN = f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:user/local-operator"
# API Gateway refuses a signature more than 15 minutes from its own clock.
MAX_CLOCK_SKEW_S = 15 * 60
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z0-9-]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})$")


def local_operator_credentials() -> Credentials:
    return Credentials(os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
                       os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"))


def _url(lambda_event: dict, host: str) -> str:
    query = lambda_event.get("multiValueQueryStringParameters") or {}
    path = lambda_event["requestContext"]["path"]
    return f"http://{host}{path}" + (f"?{urlencode(query, doseq=True)}" if query else "")


def verify_operator_signature(lambda_event: dict) -> dict:
    """Check a request's SigV4 signature like API Gateway; the identity it fills in."""
    headers = lambda_event["headers"]
    authorization = headers.get("authorization")
    if authorization is None:
        raise SignatureRefused("MISSING_AUTHENTICATION_TOKEN")
    parsed = _AUTHORIZATION.match(authorization.strip())
    amz_date = headers.get("x-amz-date", "")
    if parsed is None or parsed["service"] != "execute-api" or not amz_date \
            or "host" not in parsed["signed"].split(";"):
        raise SignatureRefused("INCOMPLETE_SIGNATURE")
    credentials = local_operator_credentials()
    try:
        signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        raise SignatureRefused("INCOMPLETE_SIGNATURE") from None
    if parsed["key"] != credentials.access_key or abs(time.time() - signed_at) > MAX_CLOCK_SKEW_S \
            or not amz_date.startswith(parsed["date"]):
        raise SignatureRefused("INVALID_SIGNATURE")
    signed = parsed["signed"].split(";")
    missing = [name for name in signed if name not in headers]
    if missing:
        raise SignatureRefused("INVALID_SIGNATURE")
    body = lambda_event.get("body") or b""
    request = AWSRequest(method=lambda_event["requestContext"]["httpMethod"],
                         url=_url(lambda_event, headers["host"]), data=body,
                         headers={name: headers[name] for name in signed})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(credentials, "execute-api", parsed["region"])
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)),
                                request)
    if not hmac.compare_digest(expected, parsed["signature"]):
        raise SignatureRefused("INVALID_SIGNATURE")
    return {"accountId": LOCAL_ACCOUNT_ID, "accessKey": credentials.access_key,
            "caller": credentials.access_key, "user": credentials.access_key,
            "userArn": LOCAL_OPERATOR_ARN, "sourceIp": local.LambdaEventConverter.LOCAL_SOURCE_IP}


def _response_type(error: local.LocalGatewayException) -> str:
    if isinstance(error, SignatureRefused):
        return error.response_type
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
        route = self._route_for_event(lambda_event)
        if route is not None and isinstance(route.authorizer, IAMAuthorizer):
            identity = verify_operator_signature(lambda_event)
            lambda_event["requestContext"]["identity"] = identity
            return lambda_event, lambda_context
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

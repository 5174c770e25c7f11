"""Lambda authorizers for LocalStack Community's REST API gateway (next-gen).

LocalStack Community imports TOKEN and REQUEST authorizers and marks methods ``CUSTOM``,
but its gateway never runs them: requests without a token reach the functions. This
on_infra_start hook appends a handler to the gateway's ``preprocess_request`` composite
handler (left empty for extensions; it runs after routing, before the method request
and the integration) that does what API Gateway does for a ``CUSTOM`` method:

1. read the identity source (TOKEN: one header; REQUEST: headers, query strings, stage or
   context variables); missing or empty -> 401 ``{"message": "Unauthorized"}``, as is a
   token that fails ``identityValidationExpression``;
2. answer from the cache (per API, stage, authorizer and identity, for
   ``authorizerResultTtlInSeconds``; 0 disables it) or invoke the authorizer function
   through LocalStack's Lambda service, as API Gateway's principal;
3. evaluate the policy against this request's method ARN (a cached policy too): an
   explicit Deny -> 403 "... with an explicit deny", no Allow -> 403; the function failing
   with ``Unauthorized`` -> 401; any other failure or an invalid answer -> 500
   AuthorizerConfigurationException (``{"message": null}``);
4. on Allow, ``principalId``, ``integrationLatency`` and the stringified ``context`` go to
   ``$context.authorizer``, which is ``requestContext.authorizer`` of a Lambda proxy event.

``AWS_IAM``, ``COGNITO_USER_POOLS`` and ``NONE`` methods are left to LocalStack.
"""
from __future__ import annotations

import json
import logging
import threading
import time

from localstack.runtime import hooks

from . import PLUGIN_NAME
from .authorizer_policy import (
    ALLOW,
    DENY,
    AuthorizerResult,
    InvalidAuthorizerResponse,
    method_arn,
    parse_response,
    token_matches,
)

LOG = logging.getLogger(__name__)
HOOK_NAME = "geocritters_lambda_authorizers"  # pyproject's entry point name (plux's name)
# API Gateway's default when an authorizer has no TTL of its own.
DEFAULT_TTL_S = 300
CACHE_MAX_ENTRIES = 10_000


class AuthorizerCache:
    """Authorizer answers per (api, stage, authorizer, identity) until their TTL. Thread
    safe: the gateway serves requests on several threads."""

    def __init__(self, max_entries: int = CACHE_MAX_ENTRIES, clock=time.monotonic):
        self._entries: dict[tuple, tuple[float, AuthorizerResult]] = {}
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._clock = clock

    def get(self, key: tuple) -> AuthorizerResult | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: tuple, result: AuthorizerResult, ttl_s: int) -> None:
        if ttl_s <= 0:
            return
        with self._lock:
            now = self._clock()
            if len(self._entries) >= self._max_entries:
                for stale in [k for k, (expires, _) in self._entries.items() if expires <= now]:
                    del self._entries[stale]
                if len(self._entries) >= self._max_entries:
                    self._entries.pop(next(iter(self._entries)))  # the oldest insertion
            self._entries[key] = (now + ttl_s, result)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class _Unauthorized(Exception):
    pass


class LambdaAuthorizerHandler:
    """The ``preprocess_request`` handler (a rolo handler: chain, context, response)."""

    def __init__(self, cache: AuthorizerCache | None = None):
        self.cache = cache or AuthorizerCache()

    def __call__(self, chain, context, response) -> None:
        method = context.resource_method or {}
        if method.get("authorizationType") != "CUSTOM":
            return
        from localstack.services.apigateway.next_gen.execute_api.gateway_response import (
            AccessDeniedError,
            AuthorizerConfigurationError,
            UnauthorizedError,
        )

        authorizer = context.deployment.rest_api.authorizers.get(method.get("authorizerId") or "")
        if authorizer is None or authorizer.get("type") not in ("TOKEN", "REQUEST"):
            # A Cognito user pool authorizer, or a method naming an authorizer that is gone.
            if authorizer is None:
                LOG.warning("%s: method %s %s names no known authorizer (%s)", HOOK_NAME,
                            context.request.method, context.resource.get("path"),
                            method.get("authorizerId"))
                raise AuthorizerConfigurationError()
            return
        from localstack.utils.aws.arns import get_partition

        arn = method_arn(get_partition(context.region), context.region, context.account_id,
                         context.api_id, context.stage, context.request.method,
                         context.invocation_request["path"])
        try:
            identity = self._identity(authorizer, context)
        except _Unauthorized:
            raise UnauthorizedError("Unauthorized") from None
        except InvalidAuthorizerResponse as error:
            LOG.warning("%s: authorizer %s: %s", HOOK_NAME, authorizer.get("name"), error)
            raise AuthorizerConfigurationError() from None
        ttl = authorizer.get("authorizerResultTtlInSeconds")
        ttl = DEFAULT_TTL_S if ttl is None else int(ttl)
        key = (context.api_id, context.stage, authorizer["id"], identity)
        result, latency_ms = self.cache.get(key), 0
        if result is None:
            started = time.perf_counter()
            event = self._event(authorizer, context, arn)
            try:
                result = self._invoke(authorizer, context, event)
            except _Unauthorized:
                raise UnauthorizedError("Unauthorized") from None
            except InvalidAuthorizerResponse as error:
                LOG.warning("%s: authorizer %s answered an invalid response: %s", HOOK_NAME,
                            authorizer.get("name"), error)
                raise AuthorizerConfigurationError() from None
            latency_ms = int((time.perf_counter() - started) * 1000)
            self.cache.put(key, result, ttl)
        decision = result.decide(arn)
        if decision == DENY:
            raise AccessDeniedError(
                "User is not authorized to access this resource with an explicit deny")
        if decision != ALLOW:
            raise AccessDeniedError("User is not authorized to access this resource")
        context.context_variables["authorizer"] = result.request_context(latency_ms)

    @staticmethod
    def _identity(authorizer: dict, context) -> tuple:
        """The identity source values (the cache key); raises _Unauthorized when one is
        missing or empty, or the token fails identityValidationExpression."""
        sources = [s.strip() for s in (authorizer.get("identitySource") or "").split(",") if s.strip()]
        if authorizer["type"] == "TOKEN":
            if len(sources) != 1 or not sources[0].startswith("method.request.header."):
                raise InvalidAuthorizerResponse(f"a TOKEN identitySource must be one header, not {sources}")
            token = context.invocation_request["headers"].get(sources[0].removeprefix(
                "method.request.header."))
            if not token or not token_matches(authorizer.get("identityValidationExpression"), token):
                raise _Unauthorized()
            return (token,)
        values = []
        request = context.invocation_request
        for source in sources:
            if source.startswith("method.request.header."):
                value = request["headers"].get(source.removeprefix("method.request.header."))
            elif source.startswith("method.request.querystring."):
                value = request["query_string_parameters"].get(
                    source.removeprefix("method.request.querystring."))
            elif source.startswith("stageVariables."):
                value = (context.stage_variables or {}).get(source.removeprefix("stageVariables."))
            elif source.startswith("context."):
                value = context.context_variables.get(source.removeprefix("context."))
            else:
                value = None
            if value in (None, ""):
                raise _Unauthorized()
            values.append(str(value))
        return tuple(values)

    @staticmethod
    def _event(authorizer: dict, context, arn: str) -> dict:
        if authorizer["type"] == "TOKEN":
            source = authorizer["identitySource"].strip().removeprefix("method.request.header.")
            return {"type": "TOKEN", "authorizationToken": context.invocation_request["headers"][source],
                    "methodArn": arn}
        from localstack.services.apigateway.next_gen.execute_api.header_utils import (
            build_multi_value_headers,
        )

        request = context.invocation_request
        headers = request["headers"]
        return {
            "type": "REQUEST", "methodArn": arn, "resource": context.resource["path"],
            "path": request["path"], "httpMethod": request["http_method"],
            "headers": dict(headers.items()),
            "multiValueHeaders": dict(build_multi_value_headers(headers)),
            "queryStringParameters": request["query_string_parameters"] or {},
            "multiValueQueryStringParameters": request["multi_value_query_string_parameters"] or {},
            "pathParameters": request["path_parameters"] or {},
            "stageVariables": context.stage_variables or {},
            "requestContext": context.context_variables,
        }

    @staticmethod
    def _invoke(authorizer: dict, context, event: dict) -> AuthorizerResult:
        from localstack.services.apigateway.next_gen.execute_api.helpers import (
            get_lambda_function_arn_from_invocation_uri,
            render_uri_with_stage_variables,
        )
        from localstack.services.apigateway.next_gen.execute_api.integrations.aws import (
            get_service_factory,
        )
        from localstack.utils.aws.arns import extract_region_from_arn, get_partition
        from localstack.utils.aws.client_types import ServicePrincipal

        uri = render_uri_with_stage_variables(authorizer.get("authorizerUri") or "",
                                              context.stage_variables)
        try:
            function_arn = get_lambda_function_arn_from_invocation_uri(uri)
        except IndexError:
            raise InvalidAuthorizerResponse(f"authorizerUri {uri!r} names no function") from None
        credentials = authorizer.get("authorizerCredentials")
        if credentials:
            credentials = render_uri_with_stage_variables(credentials, context.stage_variables)
        # API Gateway's source ARN for an authorizer: what a Lambda permission names.
        source_arn = (f"arn:{get_partition(context.region)}:execute-api:{context.region}:"
                      f"{context.account_id}:{context.api_id}/authorizers/{authorizer['id']}")
        try:
            client = get_service_factory(region_name=extract_region_from_arn(function_arn),
                                         role_arn=credentials).lambda_
            answer = client.request_metadata(
                service_principal=ServicePrincipal.apigateway, source_arn=source_arn,
            ).invoke(FunctionName=function_arn, Payload=json.dumps(event).encode(),
                     InvocationType="RequestResponse")
            payload = answer["Payload"].read() if answer.get("Payload") else b""
        except Exception as error:  # a missing function, throttling, ...: a 500 on AWS too
            raise InvalidAuthorizerResponse(f"invoking {function_arn} failed: {error}") from None
        try:
            body = json.loads(payload or b"null")
        except ValueError:
            raise InvalidAuthorizerResponse("the authorizer's response is not JSON") from None
        if answer.get("FunctionError"):
            # API Gateway's one recognised failure: the function raised "Unauthorized".
            if isinstance(body, dict) and body.get("errorMessage") == "Unauthorized":
                raise _Unauthorized()
            raise InvalidAuthorizerResponse(f"the authorizer failed: {str(body)[:500]}")
        return parse_response(body)


HANDLER = LambdaAuthorizerHandler()


@hooks.on_infra_start()
def geocritters_lambda_authorizers():
    """Append the handler once to the next-gen gateway's preprocess_request."""
    from localstack.services.apigateway.next_gen.execute_api import handlers

    from .plugin import check_localstack_version

    # The handler reads the gateway's internals (context, deployment, gateway responses).
    check_localstack_version()
    if HANDLER not in handlers.preprocess_request.handlers:
        handlers.preprocess_request.append(HANDLER)
    LOG.info("%s: Lambda authorizers (TOKEN, REQUEST) run by the REST API gateway", PLUGIN_NAME)

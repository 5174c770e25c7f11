"""What API Gateway does with a Lambda authorizer's answer, without LocalStack (standard
library only, so it is unit-tested in the project venv): validate the response, evaluate
its policy against a method ARN, and shape ``requestContext.authorizer``.

API Gateway's rules, as documented ("Output from an API Gateway Lambda authorizer") and
observed:
- the response needs a string ``principalId`` and a ``policyDocument`` whose
  ``Statement`` (one object or a list) has ``Effect`` ``Allow``/``Deny``, ``Action`` and
  ``Resource`` (a string or a list); otherwise 500 AuthorizerConfigurationException;
- ``context`` values may be strings, numbers or booleans (null passes as null); an object
  or array is a 500; the backend sees them stringified (``1`` -> ``"1"``, ``true`` ->
  ``"true"``);
- a statement applies when an action matches ``execute-api:Invoke`` (case-insensitive)
  and a resource matches the method ARN, ``*`` and ``?`` being wildcards; an explicit
  Deny wins over any Allow; no applicable Allow is a deny too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

INVOKE_ACTION = "execute-api:Invoke"
ALLOW, DENY, NO_ALLOW = "Allow", "Deny", "NoAllow"


class InvalidAuthorizerResponse(ValueError):
    """The authorizer answered something API Gateway refuses (a 500 there)."""


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True)
class AuthorizerResult:
    principal_id: str
    statements: tuple[Statement, ...]
    context: dict = field(default_factory=dict)

    def decide(self, method_arn: str) -> str:
        return evaluate(self.statements, method_arn)

    def request_context(self, integration_latency_ms: int) -> dict:
        """``requestContext.authorizer`` of the Lambda proxy event (and ``$context.authorizer``)."""
        return {**self.context, "principalId": self.principal_id,
                "integrationLatency": integration_latency_ms}


@lru_cache(maxsize=1024)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern:
    # IAM-style globs: only * and ? are special; everything else is literal.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_matches(glob: str, value: str, *, ignore_case: bool = False) -> bool:
    return _pattern(glob, ignore_case).fullmatch(value) is not None


def _strings(value, what: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise InvalidAuthorizerResponse(f"{what} must be a string or a list of strings")
    return tuple(values)


def _stringify(key: str, value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise InvalidAuthorizerResponse(
        f"context value {key!r} is a {type(value).__name__}: only strings, numbers and booleans")


def parse_response(response) -> AuthorizerResult:
    if not isinstance(response, dict):
        raise InvalidAuthorizerResponse("the authorizer's response is not a JSON object")
    principal_id = response.get("principalId")
    if not isinstance(principal_id, str):
        raise InvalidAuthorizerResponse("principalId is missing or not a string")
    document = response.get("policyDocument")
    if not isinstance(document, dict):
        raise InvalidAuthorizerResponse("policyDocument is missing or not an object")
    raw = document.get("Statement")
    raw = [raw] if isinstance(raw, dict) else raw
    if not isinstance(raw, list) or not raw:
        raise InvalidAuthorizerResponse("policyDocument.Statement is missing or empty")
    statements = []
    for item in raw:
        if not isinstance(item, dict) or item.get("Effect") not in (ALLOW, DENY):
            raise InvalidAuthorizerResponse("each statement needs Effect Allow or Deny")
        statements.append(Statement(item["Effect"], _strings(item.get("Action"), "Action"),
                                    _strings(item.get("Resource"), "Resource")))
    context = response.get("context") or {}
    if not isinstance(context, dict):
        raise InvalidAuthorizerResponse("context is not an object")
    return AuthorizerResult(principal_id, tuple(statements),
                            {str(k): _stringify(str(k), v) for k, v in context.items()})


def evaluate(statements, method_arn: str) -> str:
    """``Allow``, ``Deny`` (an explicit Deny applies) or ``NoAllow`` (nothing allows)."""
    allowed = False
    for statement in statements:
        if not any(glob_matches(a, INVOKE_ACTION, ignore_case=True) for a in statement.actions):
            continue
        if not any(glob_matches(r, method_arn) for r in statement.resources):
            continue
        if statement.effect == DENY:
            return DENY
        allowed = True
    return ALLOW if allowed else NO_ALLOW


def method_arn(partition: str, region: str, account_id: str, api_id: str, stage: str,
               http_method: str, path: str) -> str:
    """``arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<request path>``: the
    request's own path (not the resource template), as API Gateway passes it."""
    return (f"arn:{partition}:execute-api:{region}:{account_id}:{api_id}/{stage}/"
            f"{http_method}/{path.lstrip('/')}")


def token_matches(expression: str | None, token: str) -> bool:
    """identityValidationExpression: the whole token must match (Java's String.matches)."""
    if not expression:
        return True
    try:
        return re.fullmatch(expression, token) is not None
    except re.error:
        # API Gateway validates the expression when it is set; one that Python cannot
        # compile refuses every token rather than letting them all through.
        return False

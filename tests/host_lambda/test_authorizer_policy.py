"""API Gateway's handling of a Lambda authorizer's answer (the authorizer hook's pure
part, standard library only): response validation, policy evaluation against method
ARNs, and the context the backend sees. Runs without LocalStack."""
import importlib.util
import sys

import pytest

from localstack.launcher.host_lambda import PACKAGE_DIR


def _load():
    # The hook's package is installed only into LocalStack's venv; its policy module
    # needs nothing but the standard library, so it is loaded from the source here.
    spec = importlib.util.spec_from_file_location(
        "authorizer_policy", PACKAGE_DIR / "geocritters_host_lambda" / "authorizer_policy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("authorizer_policy", module)
    spec.loader.exec_module(module)
    return module


policy = _load()
ARN = "arn:aws:execute-api:us-east-1:000000000000:abc123/api/GET/v1/me"


def answer(*statements, principal="p-1", context=None):
    response = {"principalId": principal,
                "policyDocument": {"Version": "2012-10-17", "Statement": list(statements)}}
    if context is not None:
        response["context"] = context
    return response


def allow(resource, action="execute-api:Invoke"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(resource):
    return {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": resource}


def test_method_arn_is_built_from_the_request_path():
    assert policy.method_arn("aws", "us-east-1", "000000000000", "abc123", "api", "GET",
                             "/v1/me") == ARN
    assert policy.method_arn("aws", "us-east-1", "1", "a", "s", "GET", "/").endswith("a/s/GET/")


@pytest.mark.parametrize("resource, decision", [
    (ARN, "Allow"),
    ("arn:aws:execute-api:us-east-1:000000000000:abc123/api/*/*", "Allow"),
    ("arn:aws:execute-api:us-east-1:000000000000:abc123/*", "Allow"),
    ("*", "Allow"),
    ("arn:aws:execute-api:us-east-1:000000000000:abc123/api/GET/v1/m?", "Allow"),
    ("arn:aws:execute-api:us-east-1:000000000000:abc123/api/POST/v1/me", "NoAllow"),
    ("arn:aws:execute-api:us-east-1:000000000000:abc123/api/GET/v1/me/creatures", "NoAllow"),
    ("arn:aws:execute-api:us-east-1:000000000000:abc123/api/GET/v1/M?", "NoAllow"),
    ("arn:aws:execute-api:us-east-1:000000000000:abc123/api/GET/v1.me", "NoAllow"),
])
def test_resources_match_with_star_and_question_mark(resource, decision):
    assert policy.parse_response(answer(allow(resource))).decide(ARN) == decision


@pytest.mark.parametrize("action, decision", [
    ("execute-api:Invoke", "Allow"), ("execute-api:invoke", "Allow"), ("execute-api:*", "Allow"),
    ("*", "Allow"), (["s3:GetObject", "execute-api:Invoke"], "Allow"),
    ("execute-api:ManageConnections", "NoAllow"), ("s3:*", "NoAllow"),
])
def test_actions(action, decision):
    assert policy.parse_response(answer(allow("*", action=action))).decide(ARN) == decision


def test_an_explicit_deny_wins_and_a_single_statement_object_is_accepted():
    result = policy.parse_response(answer(allow("*"), deny(ARN)))
    assert result.decide(ARN) == "Deny"
    assert result.decide(ARN.replace("/v1/me", "/v1/map")) == "Allow"
    single = {"principalId": "p", "policyDocument": {"Statement": deny("*")}}
    assert policy.parse_response(single).decide(ARN) == "Deny"


def test_the_backend_sees_principal_latency_and_stringified_context():
    result = policy.parse_response(answer(
        allow("*"), context={"name": "ash", "level": 7, "ratio": 0.5, "admin": False,
                             "beta": True, "gone": None}))
    assert result.request_context(12) == {
        "name": "ash", "level": "7", "ratio": "0.5", "admin": "false", "beta": "true",
        "gone": None, "principalId": "p-1", "integrationLatency": 12}


@pytest.mark.parametrize("response", [
    None, "Allow", [],
    {"policyDocument": {"Statement": [allow("*")]}},                      # no principalId
    {"principalId": 7, "policyDocument": {"Statement": [allow("*")]}},
    {"principalId": "p"},                                                 # no policy
    {"principalId": "p", "policyDocument": {"Statement": []}},
    {"principalId": "p", "policyDocument": {"Statement": [{"Effect": "allow", "Action": "*",
                                                           "Resource": "*"}]}},
    {"principalId": "p", "policyDocument": {"Statement": [{"Effect": "Allow", "Action": "*"}]}},
    answer(allow("*"), context={"nested": {"a": 1}}),
    answer(allow("*"), context={"list": [1]}),
    answer(allow("*"), context="not an object"),
])
def test_invalid_answers_are_refused(response):
    with pytest.raises(policy.InvalidAuthorizerResponse):
        policy.parse_response(response)


@pytest.mark.parametrize("expression, token, ok", [
    (None, "anything", True), ("", "anything", True),
    ("^Bearer [-0-9a-zA-Z._]+$", "Bearer abc.def", True),
    ("Bearer .+", "Bearer abc", True),
    ("Bearer", "Bearer abc", False),          # the whole token must match
    ("^Bearer [a-z]+$", "bearer abc", False),
    ("(", "x", False),                        # an expression that cannot compile refuses
])
def test_identity_validation_expression(expression, token, ok):
    assert policy.token_matches(expression, token) is ok
